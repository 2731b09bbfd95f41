"""汇总表 分村明细: a township's trial balance (an account, or the totals) and its key statement lines,
one row a village ledger, adding up to the consolidated reports; permissions; one query.

Books: township_books.py. Key lines of 30 June 2025 (期末数) and January–June (本期数):
  HT01: 货币资金 153,800 · 资产总计 159,300 (153,800 + 应收款 3,500 + 内部往来 debit 2,000)
        负债合计 60,500 (专项应付款 60,000 + 内部往来 credit 500) · 所有者权益合计 98,800
        (资本 80,000 + 未分配 20,000 − 1,200) · 经营收入 20,000 · 经营收益 = 本年收益 18,800
  TM01: 货币资金 = 资产总计 15,000 · 负债合计 10,000 · 所有者权益合计 5,000 · 经营收入 = 经营收益 =
        本年收益 5,000
"""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.models import AccountBalance
from villagebooks.reports.breakdown import (
    build_village_statements,
    build_village_trial_balance,
    village_rows,
    village_total,
)
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.statements import build_balance_sheet, build_income_statement
from villagebooks.reports.tests.township_books import write_heitan, write_tumen
from villagebooks.reports.trial_balance import build_trial_balance
from villagebooks.reports.xlsx import render_xlsx

TOWNSHIP = "510781100000"
HEITAN = ["510781100201", "黑滩村", "HT01"]
TUMEN = ["510781100202", "土门村", "TM01"]


@pytest.fixture
def books(ledger, other_ledger, accountant, reviewer):
    write_heitan(ledger, accountant, reviewer)
    write_tumen(other_ledger, accountant, reviewer)
    return ledger, other_ledger


def _township(user, from_key=202501, to_key=202506, region=TOWNSHIP):
    return scope_for_region(user=user, region_code=region, from_key=from_key, to_key=to_key)


def test_one_account_per_village(books, accountant):
    report = build_village_trial_balance(_township(accountant), account="241")
    assert (report.account_code, report.account_name) == ("241", "专项应付款")
    assert village_rows(report) == [
        [*HEITAN, 0, 0, 2_000_000, 8_000_000, 0, 6_000_000],
        [*TUMEN, 0, 0, 0, 1_000_000, 0, 1_000_000],
    ]
    assert village_total(report) == ["", "合计", "2 个账套", 0, 0, 2_000_000, 9_000_000, 0, 7_000_000]
    consolidated = next(r for r in build_trial_balance(report.scope).rows if r.code == "241")
    assert report.total == consolidated.amounts()


def test_a_later_range_and_a_village_without_figures(books, accountant):
    report = build_village_trial_balance(_township(accountant, 202504, 202506), account="102")
    assert village_rows(report) == [
        # 80,000 + 50,000 + 30,000 = 160,000 at 31 March; April–June in 21,500, out 27,700
        [*HEITAN, 16_000_000, 0, 2_150_000, 2_770_000, 15_380_000, 0],
        [*TUMEN, 1_000_000, 0, 500_000, 0, 1_500_000, 0],
    ]
    pond = build_village_trial_balance(_township(accountant, 202501, 202506), account="501")
    assert village_rows(pond) == [
        [*HEITAN, 0, 0, 0, 2_000_000, 0, 2_000_000],
        [*TUMEN, 0, 0, 0, 500_000, 0, 500_000],
    ]
    office = build_village_trial_balance(_township(accountant), account="513")
    # 土门村 booked nothing on 管理费用: its row is there, all zeros.
    assert village_rows(office) == [[*HEITAN, 0, 0, 120_000, 0, 120_000, 0], [*TUMEN, 0, 0, 0, 0, 0, 0]]


def test_the_totals_line_per_village(books, accountant):
    report = build_village_trial_balance(_township(accountant))
    assert report.account_name == "合计"
    # HT01: debits 101,500 (bank) + 4,500 + 2,000 + 20,000 + 1,200; credits 27,700 + 1,000 + 500
    # + 80,000 + 20,000; closing debit 153,800 + 3,500 + 1,500 + 1,200, credit 60,000 + 80,000 + 20,000
    assert village_rows(report) == [
        [*HEITAN, 8_000_000, 8_000_000, 12_920_000, 12_920_000, 16_000_000, 16_000_000],
        [*TUMEN, 0, 0, 1_500_000, 1_500_000, 1_500_000, 1_500_000],
    ]
    assert report.total == build_trial_balance(report.scope).total.amounts()


def test_key_statement_lines_per_village(books, accountant):
    report = build_village_statements(_township(accountant))
    assert village_rows(report) == [
        [*HEITAN, 15_380_000, 15_930_000, 6_050_000, 9_880_000, 2_000_000, 1_880_000, 1_880_000],
        [*TUMEN, 1_500_000, 1_500_000, 1_000_000, 500_000, 500_000, 500_000, 500_000],
    ]
    assert report.warning is None
    # The column totals are the township's consolidated statements.
    sheet = build_balance_sheet(report.scope)
    income = build_income_statement(report.scope)
    consolidated = [sheet.line(n).amounts[1] for n in (1, 21, 41, 45)]
    consolidated += [income.line(n).amounts[0] for n in (1, 6, 13)]
    township = [16_880_000, 17_430_000, 7_050_000, 10_380_000, 2_500_000, 2_380_000, 2_380_000]
    assert report.total == consolidated == township
    # And each village's row is its own statement.
    own = build_balance_sheet(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202506)
    )
    assert [own.line(n).amounts[1] for n in (1, 21, 41, 45)] == village_rows(report)[0][3:7]


def test_key_lines_of_one_quarter_read_the_quarters_income(books, accountant):
    report = build_village_statements(_township(accountant, 202504, 202506))
    assert village_rows(report) == [
        [*HEITAN, 15_380_000, 15_930_000, 6_050_000, 9_880_000, 2_000_000, 1_880_000, 1_880_000],
        [*TUMEN, 1_500_000, 1_500_000, 1_000_000, 500_000, 500_000, 500_000, 500_000],
    ]
    march = build_village_statements(_township(accountant, 202503, 202503))
    assert village_rows(march) == [
        [*HEITAN, 16_000_000, 16_000_000, 8_000_000, 8_000_000, 0, 0, 0],
        [*TUMEN, 1_000_000, 1_000_000, 1_000_000, 0, 0, 0, 0],
    ]


def test_one_aggregation_whatever_the_number_of_villages(books, accountant):
    scope = _township(accountant)
    with CaptureQueriesContext(connection) as queries:
        build_village_statements(scope)
    balance_queries = [q for q in queries.captured_queries if AccountBalance._meta.db_table in q["sql"]]
    assert len(balance_queries) == 1
    with CaptureQueriesContext(connection) as queries:
        build_village_trial_balance(scope, account="102")
    balance_queries = [q for q in queries.captured_queries if AccountBalance._meta.db_table in q["sql"]]
    assert len(balance_queries) == 1


def test_a_user_of_one_village_gets_only_that_village(books, make_user, region_tree):
    heitan_only = make_user("heitan", "supervisor", region_tree["510781100201"])
    scope = _township(heitan_only)
    assert [row[:3] for row in village_rows(build_village_statements(scope))] == [HEITAN]
    report = build_village_trial_balance(scope, account="241")
    assert village_rows(report) == [[*HEITAN, 0, 0, 2_000_000, 8_000_000, 0, 6_000_000]]
    assert village_total(report)[2] == "1 个账套"


def test_a_village_with_two_ledgers_has_two_rows(books, accountant, reviewer):
    committee = services.ledger_create(
        actor=accountant,
        village_code="510781100201",
        code="HT02",
        name="黑滩村民委员会",
        chart="2023",
        start_year=2025,
        start_month=1,
    )
    services.opening_balances_set(
        actor=accountant,
        ledger=committee,
        rows=[
            services.OpeningInput(account_code="101", debit_fen=30_000),
            services.OpeningInput(account_code="301", credit_fen=30_000),
        ],
    )
    report = build_village_statements(_township(accountant))
    assert [row[:4] for row in village_rows(report)] == [
        [*HEITAN, 15_380_000],
        ["510781100201", "黑滩村", "HT02", 30_000],
        [*TUMEN, 1_500_000],
    ]


@pytest.mark.parametrize("build", [build_village_statements, build_village_trial_balance])
def test_a_single_ledger_is_refused(books, accountant, build):
    scope = scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202506)
    with pytest.raises(DomainError) as raised:
        build(scope)
    [problem] = raised.value.problems
    assert problem.field == "region"
    assert "只能对区域（乡镇或县）查看" in problem.message


def test_an_unknown_account_is_refused(books, accountant):
    with pytest.raises(DomainError) as raised:
        build_village_trial_balance(_township(accountant), account="999")
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("account", "科目 999 在所选范围的账套中不存在")
    ]


def test_a_key_figure_naming_a_missing_line_is_refused(books, accountant, monkeypatch):
    from villagebooks.reports import breakdown

    data = {"2023": {**breakdown._key_figure_data()["2023"], "net_income": ["income", 99]}}
    monkeypatch.setattr(breakdown, "_key_figure_data", lambda: data)
    with pytest.raises(DomainError, match="“本年收益”引用的收益及收益分配表行次 99 不存在或没有公式"):
        build_village_statements(_township(accountant))


def _run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_csv_and_errors(books):
    period = ["--from", "2025-01", "--to", "2025-06"]
    text = _run("village-statements", "--region", TOWNSHIP, *period, "--format", "csv")
    assert text.splitlines() == [
        "village_code,village_name,ledger_code,cash,total_assets,total_liabilities,total_equity,"
        "operating_income,operating_profit,net_income",
        "510781100201,黑滩村,HT01,153800.00,159300.00,60500.00,98800.00,20000.00,18800.00,18800.00",
        "510781100202,土门村,TM01,15000.00,15000.00,10000.00,5000.00,5000.00,5000.00,5000.00",
    ]
    table = _run("village-trial-balance", "--region", TOWNSHIP, "--account", "241", *period)
    assert (
        table.splitlines()[0]
        == "科目余额汇总表（分村）  241 专项应付款  新安镇（汇总 2 个账套）  2025-01 至 2025-06  单位：元"
    )
    with pytest.raises(
        CommandError, match="region: 科目余额汇总表（分村）按村列示，只能对区域（乡镇或县）查看"
    ):
        _run("village-trial-balance", "--ledger", "HT01", *period)
    with pytest.raises(CommandError, match="account: 科目 999 在所选范围的账套中不存在"):
        _run("village-trial-balance", "--region", TOWNSHIP, "--account", "999", *period)


def test_xlsx_of_the_breakdown(books, accountant):
    kind = REPORT_KINDS["village-statements"]
    scope = _township(accountant)
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(kind, scope, kind.build(scope))))
    sheet = workbook.active
    assert sheet["A1"].value == "主要报表项目汇总表（分村）"
    assert sheet["A2"].value == "汇总范围：新安镇（汇总 2 个账套）"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    headers = "村代码 村名称 账套编号 货币资金 资产总计 负债合计 所有者权益合计 经营收入 经营收益 本年收益"
    assert rows == [
        headers.split(),
        [*HEITAN, 153800, 159300, 60500, 98800, 20000, 18800, 18800],
        [*TUMEN, 15000, 15000, 10000, 5000, 5000, 5000, 5000],
        [None, "合计", "2 个账套", 168800, 174300, 70500, 103800, 25000, 23800, 23800],
    ]
    assert sheet["A4"].data_type == "s"  # a village code is text, not a number
