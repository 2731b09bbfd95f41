"""资产负债表 and 收益及收益分配表 of the worked example (test_worked_example.py), every line worked
out by hand, mid-year and after the year close, for one ledger and for a township; layouts changed
through the service; formulas refused with a Chinese message.

Seeded 2023 lines (villagebooks/data/statements-2023.json):
  资产负债表  1 货币资金 101+102 · 2 短期投资 · 3 应收款项 112+debit(113) · 4 存货 121+401 · 5 消耗性生物资产
              6 流动资产合计 · 7 长期投资 · 8–10 生产性生物资产 原值/累计折旧/净值 · 11 公益性生物资产
              12–14 固定资产 原值/累计折旧/净值 · 15 在建工程 · 16 固定资产清理 · 17 无形资产 · 18 长期待摊费用
              19 待处理财产损溢 · 20 非流动资产合计 · 21 资产总计
              31 短期借款 · 32 应付款项 211+credit(113) · 33 应付工资 · 34 应付劳务费 · 35 应交税费 · 36 流动负债合计
              37 长期借款及应付款 · 38 一事一议资金 · 39 专项应付款 · 40 长期负债合计 · 41 负债合计
              42 资本 · 43 公积公益金 · 44 未分配收益 (321+322+收入−支出) · 45 所有者权益合计 · 46 负债和所有者权益总计
  收益表      1 经营收入 · 2 经营支出 · 3 税金及附加 · 4 管理费用 · 5 投资收益 · 6 经营收益 · 7 补助收入 · 8 其他收入
              9 公益支出 · 10 其他支出 · 11 收益总额 · 12 所得税费用 · 13 本年收益 · 14 年初未分配收益
              15 其他转入 · 16 可分配收益 · 17 提取公积公益金 · 18 向成员分配
              19 其他（分配） · 20 年末未分配收益
"""

import io
import json
import re
from dataclasses import replace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger import services
from villagebooks.ledger.models import Account
from villagebooks.ledger.tests.books import post, year_close_through
from villagebooks.regions.services import system_user
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.models import StatementKind, StatementLayout
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.statements import (
    LineSpec,
    build_balance_sheet,
    build_income_statement,
    layout_to_data,
    parse_formula,
    specs_from_data,
    statement_layout_save,
)
from villagebooks.reports.tests.test_worked_example import YEAR_2025

BALANCE_SHEET_LINES = [*range(1, 22), *range(31, 47)]
INCOME_LINES = list(range(1, 21))


def _expected(numbers: list[int], nonzero: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Every line of the statement: zero unless listed."""
    return {n: nonzero.get(n, (0, 0)) for n in numbers}


def _figures(statement) -> dict[int, tuple[int, int]]:
    return {row.line_no: row.amounts for row in statement.rows if row.amounts is not None}


def _ledger_scope(user, from_key, to_key, code="HT01"):
    return scope_for_ledger(user=user, ledger_code=code, from_key=from_key, to_key=to_key)


def _close_year(ledger, user, appropriations=None):
    for month in range(1, 12):
        services.period_close(actor=user, ledger=ledger, year=2025, month=month)
    year_close_through(ledger, user, _a_reviewer() if appropriations else None, 2025, appropriations or {})


def _a_reviewer():
    """The ``reviewer`` fixture's user: the distribution vouchers need a reviewer who is not the closer."""
    return get_user_model().objects.get(username="reviewer")


@pytest.fixture
def books(ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, YEAR_2025)
    return ledger


# The year opens with 银行存款 80,000.00 against 资本 80,000.00: the 年初数 column of 2025.
OPENING_2025 = {1: 8_000_000, 6: 8_000_000, 21: 8_000_000, 42: 8_000_000, 45: 8_000_000, 46: 8_000_000}


def _with_opening(closing: dict[int, int], opening: dict[int, int] = OPENING_2025) -> dict:
    return {n: (opening.get(n, 0), closing.get(n, 0)) for n in set(opening) | set(closing)}


# --- one ledger ----------------------------------------------------------------------------------


def test_balance_sheet_mid_year_balances_with_the_unclosed_result(books, accountant):
    sheet = build_balance_sheet(_ledger_scope(accountant, 202506, 202506))
    # 银行存款 at 30 June: 80,000 + 50,000 − 50,000 + 30,000 − 1,200 + 20,000 − 3,000 = 125,800.00
    # 在建工程 50,000.00 (the road, not yet accepted); 专项应付款 50,000.00 (the grant, unspent on paper)
    # 未分配收益 = 321 + 322 + income − expense = 20,000 + 30,000 − 1,200 − 3,000 = 45,800.00
    closing = {
        1: 12_580_000,
        6: 12_580_000,
        15: 5_000_000,
        20: 5_000_000,
        21: 17_580_000,  # 125,800 + 50,000
        39: 5_000_000,
        40: 5_000_000,
        41: 5_000_000,
        42: 8_000_000,
        44: 4_580_000,
        45: 12_580_000,  # 80,000 + 45,800
        46: 17_580_000,  # 50,000 + 125,800
    }
    assert _figures(sheet) == _expected(BALANCE_SHEET_LINES, _with_opening(closing))
    assert sheet.is_balanced and sheet.warning is None
    assert [r.label for r in sheet.rows[:3]] == ["流动资产：", "货币资金", "短期投资"]
    assert sheet.rows[0].amounts is None  # a heading carries no figures


def test_balance_sheet_in_december_before_and_after_the_year_close(books, accountant):
    before = build_balance_sheet(_ledger_scope(accountant, 202512, 202512))
    # 银行存款 125,800 + interest 100.50 = 125,900.50; the road is a fixed asset (151) now and its
    # grant moved from 专项应付款 to 公积公益金 (50,000); 未分配收益 = 20,000 + 30,000 + 100.50
    # − 1,200 − 3,000 = 45,900.50 still sits in the income and expense accounts.
    common = {1: 12_590_050, 6: 12_590_050, 12: 5_000_000, 14: 5_000_000, 20: 5_000_000, 21: 17_590_050}
    common |= {42: 8_000_000, 45: 17_590_050, 46: 17_590_050}
    assert _figures(before) == _expected(
        BALANCE_SHEET_LINES, _with_opening(common | {43: 5_000_000, 44: 4_590_050})
    )
    _close_year(books, accountant, {"提取公积公益金": 500_000})
    after = build_balance_sheet(_ledger_scope(accountant, 202512, 202512))
    # The close moves 45,900.50 into 322; 5,000.00 of it is appropriated to 公积公益金 (311):
    # 公积公益金 55,000.00, 未分配收益 40,900.50; the totals do not move.
    assert _figures(after) == _expected(
        BALANCE_SHEET_LINES, _with_opening(common | {43: 5_500_000, 44: 4_090_050})
    )
    assert after.is_balanced
    # 2026 opens with the closing figures of 2025 in both columns.
    next_year = build_balance_sheet(_ledger_scope(accountant, 202601, 202601))
    carried = common | {43: 5_500_000, 44: 4_090_050}
    assert _figures(next_year) == _expected(BALANCE_SHEET_LINES, _with_opening(carried, carried))


def test_income_statement_mid_year(books, accountant):
    report = build_income_statement(_ledger_scope(accountant, 202504, 202506))
    # 本期 April–June: rent 20,000 (501), office 1,200 (513), street lights 3,000 (514).
    # 本年累计 January–June adds the 30,000 grant of March (503).
    expected = {
        1: (2_000_000, 2_000_000),
        4: (120_000, 120_000),
        6: (1_880_000, 1_880_000),  # 20,000 − 1,200
        7: (0, 3_000_000),
        9: (300_000, 300_000),
        11: (1_580_000, 4_580_000),  # 18,800 − 3,000 | 18,800 + 30,000 − 3,000
        13: (1_580_000, 4_580_000),
        16: (1_580_000, 4_580_000),
        20: (1_580_000, 4_580_000),
    }
    assert _figures(report) == _expected(INCOME_LINES, expected)
    assert report.warning is None
    # The year's undistributed result is the balance sheet's 未分配收益 at the same month end.
    sheet = build_balance_sheet(_ledger_scope(accountant, 202506, 202506))
    assert sheet.line(44).amounts[1] == report.line(20).amounts[1]


def test_income_statement_of_a_closed_year_leaves_out_the_closing_entries(books, accountant):
    _close_year(books, accountant, {"提取公积公益金": 500_000})
    year = build_income_statement(_ledger_scope(accountant, 202501, 202512))
    # 经营收益 20,000 − 1,200 = 18,800; 收益总额 18,800 + 30,000 + 100.50 − 3,000 = 45,900.50;
    # 各项分配 5,000 (the appropriation is the village's voucher, not a closing entry);
    # 年末未分配收益 40,900.50 = the 322 balance after the close.
    full_year = {
        1: 2_000_000,
        4: 120_000,
        6: 1_880_000,
        7: 3_000_000,
        8: 10_050,
        9: 300_000,
        11: 4_590_050,
        13: 4_590_050,
        16: 4_590_050,
        17: 500_000,
        20: 4_090_050,
    }
    assert _figures(year) == _expected(INCOME_LINES, {n: (v, v) for n, v in full_year.items()})
    december = build_income_statement(_ledger_scope(accountant, 202512, 202512))
    # December alone: interest 100.50 and the appropriation; the closing vouchers do not zero 504.
    in_december = {8: 10_050, 11: 10_050, 13: 10_050, 16: 10_050, 17: 500_000, 20: -489_950}
    assert _figures(december) == _expected(
        INCOME_LINES,
        {n: (in_december.get(n, 0), full_year.get(n, 0)) for n in set(full_year) | set(in_december)},
    )
    # January 2026: nothing happened yet, 年初未分配收益 is what 2025 left.
    january = build_income_statement(_ledger_scope(accountant, 202601, 202601))
    assert _figures(january) == _expected(INCOME_LINES, {n: (4_090_050, 4_090_050) for n in (14, 16, 20)})


def test_each_kind_of_distribution_has_its_own_line(books, accountant):
    _close_year(books, accountant, {"提取公积公益金": 500_000, "向成员分配": 300_000})
    year = build_income_statement(_ledger_scope(accountant, 202501, 202512))
    # 可分配收益 45,900.50 − 提取公积公益金 5,000 − 向成员分配 3,000 = 37,900.50.
    assert {n: year.line(n).amounts[1] for n in (16, 17, 18, 19, 20)} == {
        16: 4_590_050,
        17: 500_000,
        18: 300_000,
        19: 0,
        20: 3_790_050,
    }
    assert [year.line(n).label for n in (17, 18, 19)] == ["减：提取公积公益金", "向成员分配", "其他"]
    sheet = build_balance_sheet(_ledger_scope(accountant, 202512, 202512))
    assert sheet.line(44).amounts[1] == year.line(20).amounts[1]


OLD_STYLE_APPROPRIATION = """
    2025-12-20 提取公积公益金（按旧办法直接记各项分配）
      借 32202 各项分配      2000.00
      贷 311 公积公益金      2000.00
"""


def test_a_year_whose_distributions_sit_on_one_line_shows_them_under_other(books, accountant, reviewer):
    # 32202 moved in the year before the close, as in the closings made before the sub-accounts:
    # it cannot become a parent, the close books on it as before and the statement still adds up.
    post(books, accountant, reviewer, OLD_STYLE_APPROPRIATION)
    _close_year(books, accountant, {"向成员分配": 300_000})
    assert not Account.objects.filter(ledger=books, code__startswith="322020").exists()
    year = build_income_statement(_ledger_scope(accountant, 202501, 202512))
    assert {n: year.line(n).amounts[1] for n in (17, 18, 19, 20)} == {
        17: 0,
        18: 0,
        19: 500_000,
        20: 4_090_050,
    }


# --- a township of two ledgers -------------------------------------------------------------------

TUMEN_2025 = """
    2025-06-01 收到道路补助
      借 102 银行存款    7000.00
      贷 241 专项应付款  7000.00  fund=道路补助
    2025-06-11 收回垫付款
      借 102 银行存款     600.00
      贷 113 内部往来     600.00  party=李四
    2025-06-15 收到土地租金
      借 102 银行存款    2000.00
      贷 501 经营收入    2000.00
"""

HEITAN_LOAN = """
    2025-06-10 借给村民小组
      借 113 内部往来    1000.00  party=张三
      贷 102 银行存款    1000.00
"""


@pytest.fixture
def township_books(books, accountant, reviewer, other_ledger):
    other = other_ledger
    services.fund_create(actor=accountant, ledger=other, name="道路补助", kind="earmarked_transfer")
    services.counterparty_create(actor=accountant, ledger=other, name="李四", kind="household")
    post(other, accountant, reviewer, TUMEN_2025)
    post(books, accountant, reviewer, HEITAN_LOAN)
    return books, other


def _region_scope(user, from_key, to_key):
    return scope_for_region(user=user, region_code="510781100000", from_key=from_key, to_key=to_key)


def test_township_statements_mid_year(township_books, accountant):
    sheet = build_balance_sheet(_region_scope(accountant, 202506, 202506))
    # 黑滩 银行存款 125,800 − 1,000 = 124,800; 土门 7,000 + 600 + 2,000 = 9,600 → 134,400.00
    # 内部往来 is not netted across villages: 黑滩 is owed 1,000 (应收), 土门 owes 600 (应付).
    # 未分配收益 45,800 + 土门's rent 2,000 = 47,800.00
    closing = {
        1: 13_440_000,
        3: 100_000,
        6: 13_540_000,
        15: 5_000_000,
        20: 5_000_000,
        21: 18_540_000,
        32: 60_000,
        36: 60_000,
        39: 5_700_000,  # 50,000 + 7,000
        40: 5_700_000,
        41: 5_760_000,
        42: 8_000_000,
        44: 4_780_000,
        45: 12_780_000,
        46: 18_540_000,
    }
    assert _figures(sheet) == _expected(BALANCE_SHEET_LINES, _with_opening(closing))
    assert sheet.is_balanced
    report = build_income_statement(_region_scope(accountant, 202506, 202506))
    # June: 土门 rent 2,000 against 黑滩 street lights 3,000; January–June adds both villages' year.
    expected = {
        1: (200_000, 2_200_000),
        4: (0, 120_000),
        6: (200_000, 2_080_000),
        7: (0, 3_000_000),
        9: (300_000, 300_000),
        11: (-100_000, 4_780_000),
        13: (-100_000, 4_780_000),
        16: (-100_000, 4_780_000),
        20: (-100_000, 4_780_000),
    }
    assert _figures(report) == _expected(INCOME_LINES, expected)


def test_township_statements_with_one_village_closed(township_books, accountant):
    heitan, _tumen = township_books
    _close_year(heitan, accountant, {"提取公积公益金": 500_000})
    sheet = build_balance_sheet(_region_scope(accountant, 202512, 202512))
    # 黑滩 closed: 银行存款 124,900.50, 固定资产 50,000, 公积公益金 55,000, 未分配收益 40,900.50.
    # 土门 still open: 银行存款 9,600, 专项应付款 7,000, its rent 2,000 still on 501.
    closing = {
        1: 13_450_050,
        3: 100_000,
        6: 13_550_050,
        12: 5_000_000,
        14: 5_000_000,
        20: 5_000_000,
        21: 18_550_050,
        32: 60_000,
        36: 60_000,
        39: 700_000,
        40: 700_000,
        41: 760_000,
        42: 8_000_000,
        43: 5_500_000,
        44: 4_290_050,  # 40,900.50 + 2,000
        45: 17_790_050,
        46: 18_550_050,
    }
    assert _figures(sheet) == _expected(BALANCE_SHEET_LINES, _with_opening(closing))
    assert sheet.is_balanced
    report = build_income_statement(_region_scope(accountant, 202501, 202512))
    year = {
        1: 2_200_000,
        4: 120_000,
        6: 2_080_000,
        7: 3_000_000,
        8: 10_050,
        9: 300_000,
        11: 4_790_050,
        13: 4_790_050,
        16: 4_790_050,
        17: 500_000,
        20: 4_290_050,
    }
    assert _figures(report) == _expected(INCOME_LINES, {n: (v, v) for n, v in year.items()})


# --- layouts as data -----------------------------------------------------------------------------


def _seeded(kind: str) -> tuple[str, list[LineSpec], tuple[int, int] | None]:
    return specs_from_data(layout_to_data(StatementLayout.objects.get(chart="2023", kind=kind)))


def test_a_changed_layout_changes_the_statement(books, accountant):
    title, lines, check = _seeded(StatementKind.BALANCE_SHEET)
    # Split 货币资金 into 库存现金 and 银行存款 lines: line 1 becomes their sum.
    at = next(i for i, line in enumerate(lines) if line.line_no == 1)
    lines[at : at + 1] = [
        LineSpec(label="库存现金", line_no=50, formula="101", indent=2),
        LineSpec(label="银行存款", line_no=51, formula="102", indent=2),
        LineSpec(label="货币资金小计", line_no=1, formula="L50+L51", indent=1),
    ]
    statement_layout_save(
        actor=system_user(),
        chart="2023",
        kind=StatementKind.BALANCE_SHEET,
        title="资产负债表（县定格式）",
        lines=lines,
        check=check,
    )
    sheet = build_balance_sheet(_ledger_scope(accountant, 202506, 202506))
    assert sheet.title == "资产负债表（县定格式）"
    assert sheet.line(51).amounts == (8_000_000, 12_580_000)
    assert sheet.line(50).amounts == (0, 0)
    assert sheet.line(1).label == "货币资金小计" and sheet.is_balanced


def test_a_layout_that_does_not_balance_says_so_loudly(books, accountant):
    title, lines, check = _seeded(StatementKind.BALANCE_SHEET)
    lines = [replace(line, formula="L6") if line.line_no == 21 else line for line in lines]
    statement_layout_save(
        actor=system_user(),
        chart="2023",
        kind=StatementKind.BALANCE_SHEET,
        title=title,
        lines=lines,
        check=check,
    )
    sheet = build_balance_sheet(_ledger_scope(accountant, 202506, 202506))
    assert not sheet.is_balanced
    assert sheet.differences == (0, -5_000_000)  # 在建工程 left out of 资产总计
    assert sheet.warning == "警告：资产负债表不平衡：资产总计与负债和所有者权益总计相差 期末数 -50,000.00 元"
    err = io.StringIO()
    call_command(
        "report",
        "balance-sheet",
        "--ledger",
        "HT01",
        "--from",
        "2025-06",
        "--to",
        "2025-06",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert "资产负债表不平衡" in err.getvalue()


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("101+999", "公式“101+999”中的科目 999 不在 2023 会计制度的科目表中"),
        ("L1+L99", "公式“L1+L99”引用的行次 99 不存在"),
        ("sum(101)", "公式“sum(101)”中的函数 sum 不存在"),
        ("101*2", "公式“101*2”无法识别：无法识别“*”"),
        ("(101+102", "公式“(101+102”无法识别：公式不完整"),
        ("L21", "行次 21 的公式循环引用了自己"),
    ],
)
def test_invalid_formulas_are_refused_in_chinese(ledger, formula, message):
    title, lines, check = _seeded(StatementKind.BALANCE_SHEET)
    lines = [replace(line, formula=formula) if line.line_no == 21 else line for line in lines]
    with pytest.raises(DomainError, match=re.escape(message)):
        statement_layout_save(
            actor=system_user(),
            chart="2023",
            kind=StatementKind.BALANCE_SHEET,
            title=title,
            lines=lines,
            check=check,
        )
    # Nothing was changed.
    assert (
        StatementLayout.objects.get(chart="2023", kind="balance_sheet").lines.get(line_no=21).formula
        == "L6+L20"
    )


def test_only_administrators_change_layouts(ledger, accountant):
    title, lines, check = _seeded(StatementKind.INCOME)
    with pytest.raises(NotPermitted, match="只有系统管理员可以修改平台的报表格式"):
        statement_layout_save(
            actor=accountant, chart="2023", kind=StatementKind.INCOME, title=title, lines=lines, check=check
        )


def test_formulas_read_full_width_signs_and_brackets():
    assert parse_formula("101＋（102－L3）-debit(113)") == [
        (1, ("", "101")),
        (1, ("", "102")),
        (-1, ("line", "3")),
        (-1, ("debit", "113")),
    ]


# --- the command line ----------------------------------------------------------------------------


def test_report_command_prints_both_statements(books):
    out = io.StringIO()
    call_command(
        "report",
        "balance-sheet",
        "--ledger",
        "HT01",
        "--from",
        "2025-06",
        "--to",
        "2025-06",
        "--format",
        "csv",
        stdout=out,
        stderr=io.StringIO(),
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "line,item,opening,closing"
    assert "21,资产总计,80000.00,175800.00" in lines and "46,负债和所有者权益总计,80000.00,175800.00" in lines
    assert len(lines) == 1 + len(BALANCE_SHEET_LINES)
    out = io.StringIO()
    call_command(
        "report",
        "income-statement",
        "--ledger",
        "HT01",
        "--from",
        "2025-04",
        "--to",
        "2025-06",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "收益及收益分配表" in out.getvalue() and "四、本年收益" in out.getvalue()
    assert "45,800.00" in out.getvalue()
    assert REPORT_KINDS["balance-sheet"].total(
        build_balance_sheet(_ledger_scope(system_user(), 202506, 202506))
    ) == ["", "差额（资产总计−负债和所有者权益总计）", 0, 0]


def test_layout_export_and_import_round_trip(ledger, tmp_path):
    target = tmp_path / "income.json"
    call_command(
        "statement_layout", "export", "--kind", "income", "--file", str(target), stdout=io.StringIO()
    )
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["lines"][13] == {
        "no": 14,
        "label": "加：年初未分配收益",
        "indent": 1,
        "formula": "opening(322)",
    }
    data["lines"][16]["label"] = "减：提取公积公益金（含风险金）"
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command(
        "statement_layout", "import", "--kind", "income", "--file", str(target), stdout=io.StringIO()
    )
    income = StatementLayout.objects.get(chart="2023", kind="income")
    assert income.lines.get(line_no=17).label == "减：提取公积公益金（含风险金）"
    data["lines"][16]["formula"] = "debit(3)"
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="第17行 formula: 公式“debit\\(3\\)”中的科目 3 不在"):
        call_command(
            "statement_layout", "import", "--kind", "income", "--file", str(target), stdout=io.StringIO()
        )
