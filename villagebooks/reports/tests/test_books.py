"""The books of account (明细账, 日记账, 总账) of a small ledger over three months, pinned row by row."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villagebooks.common.errors import DomainError
from villagebooks.common.money import yuan_to_fen
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
from villagebooks.reports import books
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.scope import scope_for_ledger, scope_for_region

# Posted in this order, so that in January 记-1 is dated after 记-2: the ledger must follow dates.
QUARTER = """
    2025-01-20 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-01-10 提取备用金
      借 10101 村委备用金  5000.00
      贷 102 银行存款      5000.00
    2025-02-05 支付办公费
      借 513 管理费用     1200.00
      贷 10101 村委备用金  1200.00
    2025-02-18 修路工程款
      借 241 专项应付款   20000.00  fund=县交通局道路补助
      贷 102 银行存款     20000.00
    2025-03-03 交回现金并报销
      借 102 银行存款       800.00
      借 513 管理费用       200.00
      贷 10101 村委备用金  1000.00
"""


def y(text: str) -> int:
    return yuan_to_fen(text)


@pytest.fixture
def quarter(ledger, accountant, reviewer):
    services.account_add(actor=accountant, ledger=ledger, parent_code="101", code="10101", name="村委备用金")
    post(ledger, accountant, reviewer, QUARTER)
    return ledger


def _scope(user, from_key=202501, to_key=202503):
    return scope_for_ledger(user=user, ledger_code="HT01", from_key=from_key, to_key=to_key)


def test_detail_ledger_of_bank_deposits(quarter, accountant):
    report = books.build_detail_ledger(_scope(accountant), account="102")
    assert (report.account_code, report.account_name) == ("102", "银行存款")
    assert books.detail_rows(report) == [
        ["", "", "102", "期初余额", "借", 0, 0, y("80000.00")],
        ["2025-01-10", "记-2", "102", "提取备用金", "借", 0, y("5000.00"), y("75000.00")],
        ["2025-01-20", "记-1", "102", "收到道路补助", "借", y("50000.00"), 0, y("125000.00")],
        ["2025-01", "", "102", "本月合计", "借", y("50000.00"), y("5000.00"), y("125000.00")],
        ["2025-01", "", "102", "本年累计", "借", y("50000.00"), y("5000.00"), y("125000.00")],
        ["2025-02-18", "记-2", "102", "修路工程款", "借", 0, y("20000.00"), y("105000.00")],
        ["2025-02", "", "102", "本月合计", "借", 0, y("20000.00"), y("105000.00")],
        ["2025-02", "", "102", "本年累计", "借", y("50000.00"), y("25000.00"), y("105000.00")],
        ["2025-03-03", "记-1", "102", "交回现金并报销", "借", y("800.00"), 0, y("105800.00")],
        ["2025-03", "", "102", "本月合计", "借", y("800.00"), 0, y("105800.00")],
        ["2025-03", "", "102", "本年累计", "借", y("50800.00"), y("25000.00"), y("105800.00")],
    ]
    assert books.detail_total(report) == [
        "", "", "102", "本期合计", "借", y("50800.00"), y("25000.00"), y("105800.00")
    ]  # fmt: skip


def test_range_starting_mid_year_opens_at_the_balance_and_counts_the_year_from_january(quarter, accountant):
    report = books.build_detail_ledger(_scope(accountant, 202502, 202502), account="102")
    assert books.detail_rows(report) == [
        ["", "", "102", "期初余额", "借", 0, 0, y("125000.00")],
        ["2025-02-18", "记-2", "102", "修路工程款", "借", 0, y("20000.00"), y("105000.00")],
        ["2025-02", "", "102", "本月合计", "借", 0, y("20000.00"), y("105000.00")],
        ["2025-02", "", "102", "本年累计", "借", y("50000.00"), y("25000.00"), y("105000.00")],
    ]


def test_credit_balance_and_parent_account_include_sub_accounts(quarter, accountant):
    rows = books.detail_rows(books.build_detail_ledger(_scope(accountant, 202503, 202503), account="241"))
    assert rows[0] == ["", "", "241", "期初余额", "贷", 0, 0, y("30000.00")]
    assert rows[-1] == ["2025-03", "", "241", "本年累计", "贷", y("20000.00"), y("50000.00"), y("30000.00")]
    cash = books.detail_rows(books.build_detail_ledger(_scope(accountant), account="101"))
    assert [row[2] for row in cash if row[1]] == ["10101", "10101", "10101"]


def test_cash_journal_names_the_counter_accounts(quarter, accountant):
    report = books.build_cash_journal(_scope(accountant))
    assert books.detail_rows(report) == [
        ["", "", "101", "期初余额", "", "平", 0, 0, 0],
        ["2025-01-10", "记-2", "10101", "提取备用金", "102 银行存款", "借", y("5000.00"), 0, y("5000.00")],
        ["2025-01", "", "101", "本月合计", "", "借", y("5000.00"), 0, y("5000.00")],
        ["2025-01", "", "101", "本年累计", "", "借", y("5000.00"), 0, y("5000.00")],
        ["2025-02-05", "记-1", "10101", "支付办公费", "513 管理费用", "借", 0, y("1200.00"), y("3800.00")],
        ["2025-02", "", "101", "本月合计", "", "借", 0, y("1200.00"), y("3800.00")],
        ["2025-02", "", "101", "本年累计", "", "借", y("5000.00"), y("1200.00"), y("3800.00")],
        [
            "2025-03-03", "记-1", "10101", "交回现金并报销", "102 银行存款、513 管理费用",
            "借", 0, y("1000.00"), y("2800.00"),
        ],
        ["2025-03", "", "101", "本月合计", "", "借", 0, y("1000.00"), y("2800.00")],
        ["2025-03", "", "101", "本年累计", "", "借", y("5000.00"), y("2200.00"), y("2800.00")],
    ]  # fmt: skip
    bank = books.detail_rows(books.build_bank_journal(_scope(accountant)))
    assert [row[4] for row in bank if row[1]] == [
        "10101 村委备用金",
        "241 专项应付款",
        "241 专项应付款",
        "10101 村委备用金",
    ]


def test_general_ledger_from_balances(quarter, accountant):
    report = books.build_general_ledger(_scope(accountant, 202502, 202503))

    def block(code, name, opening, months):
        rows = [[code, name, "", "期初余额", *opening]]
        for label, month, year in months:
            rows.append([code, name, label, "本月合计", *month])
            rows.append([code, name, label, "本年累计", *year])
        return rows

    assert books.general_rows(report) == [
        *block("101", "库存现金", ["借", 0, 0, y("5000.00")], [
            ("2025-02", ["借", 0, y("1200.00"), y("3800.00")], ["借", y("5000.00"), y("1200.00"), y("3800.00")]),
            ("2025-03", ["借", 0, y("1000.00"), y("2800.00")], ["借", y("5000.00"), y("2200.00"), y("2800.00")]),
        ]),
        *block("102", "银行存款", ["借", 0, 0, y("125000.00")], [
            ("2025-02", ["借", 0, y("20000.00"), y("105000.00")],
             ["借", y("50000.00"), y("25000.00"), y("105000.00")]),
            ("2025-03", ["借", y("800.00"), 0, y("105800.00")],
             ["借", y("50800.00"), y("25000.00"), y("105800.00")]),
        ]),
        *block("241", "专项应付款", ["贷", 0, 0, y("50000.00")], [
            ("2025-02", ["贷", y("20000.00"), 0, y("30000.00")], ["贷", y("20000.00"), y("50000.00"), y("30000.00")]),
            ("2025-03", ["贷", 0, 0, y("30000.00")], ["贷", y("20000.00"), y("50000.00"), y("30000.00")]),
        ]),
        *block("301", "资本", ["贷", 0, 0, y("80000.00")], [
            ("2025-02", ["贷", 0, 0, y("80000.00")], ["贷", 0, 0, y("80000.00")]),
            ("2025-03", ["贷", 0, 0, y("80000.00")], ["贷", 0, 0, y("80000.00")]),
        ]),
        *block("513", "管理费用", ["平", 0, 0, 0], [
            ("2025-02", ["借", y("1200.00"), 0, y("1200.00")], ["借", y("1200.00"), 0, y("1200.00")]),
            ("2025-03", ["借", y("200.00"), 0, y("1400.00")], ["借", y("1400.00"), 0, y("1400.00")]),
        ]),
    ]  # fmt: skip
    assert books.general_total(report) == ["", "合计", "", "本期合计", "平", y("22200.00"), y("22200.00"), 0]


def test_unknown_account_and_region_scope_are_refused_in_chinese(quarter, accountant):
    with pytest.raises(DomainError) as error:
        books.build_detail_ledger(_scope(accountant), account="999")
    assert [(p.field, p.message) for p in error.value.problems] == [("account", "科目 999 在该账套中不存在")]
    region = scope_for_region(user=accountant, region_code="510781000000", from_key=202501, to_key=202503)
    with pytest.raises(DomainError) as error:
        books.build_cash_journal(region)
    assert error.value.problems[0].field == "ledger"


def test_detail_ledger_without_an_account_is_the_whole_book(quarter, accountant):
    report = REPORT_KINDS["detail-ledger"].build(_scope(accountant))
    openings = [row[2] for row in books.detail_rows(report) if row[3] == "期初余额"]
    assert openings == ["101", "102", "241", "301", "513"]
    assert books.detail_total(report)[5:7] == [y("77200.00"), y("77200.00")]


def _run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_prints_the_books_as_table_and_csv(quarter):
    period = ["--ledger", "HT01", "--from", "2025-01", "--to", "2025-03"]
    table = _run("detail-ledger", *period, "--account", "102")
    assert table.startswith("明细账  102 银行存款  黑滩村股份经济合作联合社  2025-01 至 2025-03")
    assert "记-2" in table and "本年累计" in table and "105,800.00" in table
    lines = _run("cash-journal", *period, "--format", "csv").splitlines()
    assert lines[0] == "date,voucher,account,summary,counter_accounts,direction,debit,credit,balance"
    assert "2025-03-03,记-1,10101,交回现金并报销,102 银行存款、513 管理费用,借,0.00,1000.00,2800.00" in lines
    general = _run("general-ledger", *period, "--format", "csv").splitlines()
    assert "102,银行存款,2025-03,本年累计,借,50800.00,25000.00,105800.00" in general
    with pytest.raises(CommandError, match="account: 科目 999 在该账套中不存在"):
        _run("detail-ledger", *period, "--account", "999")


def test_a_journal_costs_the_same_few_queries_however_many_lines(quarter, accountant, reviewer):
    scope = _scope(accountant)
    # The scope is built first: its ledger lookup is not the report's.
    with CaptureQueriesContext(connection) as before:
        books.build_bank_journal(scope)
    post(quarter, accountant, reviewer, QUARTER)
    with CaptureQueriesContext(connection) as after:
        report = books.build_bank_journal(scope)
    assert len(after) == len(before) == 4  # account, opening, lines, counter-accounts
    assert books.detail_total(report)[6:] == [y("101600.00"), y("50000.00"), y("131600.00")]
