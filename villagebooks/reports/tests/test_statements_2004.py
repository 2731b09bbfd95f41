"""The 2004 chart's statements (statements-2004.json, seeded by migration reports/0003): a 2004
ledger's year worked out by hand, before and after its year close, and its key lines per village.

Seeded 2004 lines (UNSURE numbering, see the data file):
  资产负债表  1 货币资金 · 2 短期投资 · 5 应收款项 112+debit(113) · 8 存货 121+401 · 10 流动资产合计
              11 牲畜（禽）资产 · 12 林木资产 · 15 农业资产合计 · 21 长期投资 · 24 固定资产原价 · 25 累计折旧
              26 固定资产净值 · 27 固定资产清理 153 · 28 在建工程 154 · 35 固定资产合计 · 36 无形资产 · 40 资产总计
              41 短期借款 · 42 应付款项 202+credit(113) · 43 应付工资 · 44 应付福利费 · 50 流动负债合计
              51 长期借款及应付款 · 52 一事一议资金 · 53 长期负债合计 · 55 专项应付款 · 60 负债合计
              61 资本 · 62 公积公益金 · 63 未分配收益 · 73 所有者权益合计 · 80 负债和所有者权益总计
  收益表      1 经营收入 501 · 2 发包及上交收入 511 · 3 投资收益 561 · 4 经营支出 502 · 5 管理费用 541
              6 经营收益 · 7 农业税附加返还收入 521 · 8 补助收入 522 · 9 其他收入 531 · 10 其他支出 551
              11 本年收益 · 12 年初未分配收益 · 13 其他转入 · 14 可分配收益 · 15 提取公积公益金 · 16 提取应付福利费
              17 向成员分配 · 18 其他（分配） · 19 年末未分配收益

The ledger (黑滩村, 2004 chart, from January 2023) opens with 银行存款 50,000, 固定资产 100,000 less
累计折旧 20,000, against 资本 130,000. In 2023: 发包收入 8,000, 补助收入 2,000, 管理费用 600, an
advance of 1,000 to 一组 and 300 held for 二组 on 内部往来, 经营支出 400, 投资收益 150.
"""

import json

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.domain.chart import DATA_DIR
from villagebooks.ledger.tests.books import post, year_close_through
from villagebooks.reports.breakdown import build_village_statements, village_rows
from villagebooks.reports.models import StatementKind, StatementLayout
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.statements import (
    build_balance_sheet,
    build_income_statement,
    check_layout,
    layout_to_data,
    specs_from_data,
)

BALANCE_SHEET_LINES = [1, 2, 5, 8, 10, 11, 12, 15, 21, 24, 25, 26, 27, 28, 35, 36, 40]
BALANCE_SHEET_LINES += [41, 42, 43, 44, 50, 51, 52, 53, 55, 60, 61, 62, 63, 73, 80]
INCOME_LINES = list(range(1, 20))

YEAR_2023 = """
    2023-03-01 收到土地发包款
      借 102 银行存款          8000.00
      贷 511 发包及上交收入    8000.00
    2023-04-01 收到村级组织运转经费
      借 102 银行存款          2000.00
      贷 522 补助收入          2000.00  fund=村级组织运转经费
    2023-05-01 购买办公用品
      借 541 管理费用           600.00
      贷 102 银行存款           600.00
    2023-06-01 垫付一组修渠款
      借 113 内部往来          1000.00  party=一组
      贷 102 银行存款          1000.00
    2023-06-02 收到二组暂存款
      借 102 银行存款           300.00
      贷 113 内部往来           300.00  party=二组
    2023-07-01 支付养殖场饲料款
      借 502 经营支出           400.00
      贷 102 银行存款           400.00
    2023-08-01 收到入股分红
      借 102 银行存款           150.00
      贷 561 投资收益           150.00
"""


@pytest.fixture
def old_books(region_tree, accountant, reviewer):
    ledger = services.ledger_create(
        actor=accountant,
        village_code="510781100201",
        code="HT04",
        name="黑滩村集体经济组织（2004制度）",
        chart="2004",
        start_year=2023,
        start_month=1,
    )
    services.fund_create(actor=accountant, ledger=ledger, name="村级组织运转经费", kind="village_office")
    services.counterparty_create(actor=accountant, ledger=ledger, name="一组")
    services.counterparty_create(actor=accountant, ledger=ledger, name="二组")
    services.opening_balances_set(
        actor=accountant,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=5_000_000),
            services.OpeningInput(account_code="151", debit_fen=10_000_000),
            services.OpeningInput(account_code="152", credit_fen=2_000_000),
            services.OpeningInput(account_code="301", credit_fen=13_000_000),
        ],
    )
    ledger.refresh_from_db()
    post(ledger, accountant, reviewer, YEAR_2023)
    return ledger


def _scope(user, from_key, to_key):
    return scope_for_ledger(user=user, ledger_code="HT04", from_key=from_key, to_key=to_key)


def _figures(statement) -> dict[int, tuple[int, int]]:
    return {row.line_no: row.amounts for row in statement.rows if row.amounts is not None}


def _expected(numbers, nonzero):
    return {n: nonzero.get(n, (0, 0)) for n in numbers}


# 年初数 of 2023: 银行存款 50,000; 固定资产 100,000 − 20,000; 资本 130,000.
OPENING = {1: 5_000_000, 10: 5_000_000, 24: 10_000_000, 25: 2_000_000, 26: 8_000_000, 35: 8_000_000}
OPENING |= {40: 13_000_000, 61: 13_000_000, 73: 13_000_000, 80: 13_000_000}


def test_the_seeded_layouts_are_the_data_file(db):
    data = json.loads((DATA_DIR / "statements-2004.json").read_text(encoding="utf-8"))
    for kind in StatementKind.values:
        layout = StatementLayout.objects.get(chart="2004", kind=kind)
        assert layout_to_data(layout) == data["statements"][kind]
        title, lines, check = specs_from_data(data["statements"][kind])
        assert check_layout(chart="2004", lines=lines, check=check) == []
    assert StatementLayout.objects.filter(chart="2023").count() == 2


def test_balance_sheet_before_the_year_close(old_books, accountant):
    sheet = build_balance_sheet(_scope(accountant, 202312, 202312))
    # 银行存款 50,000 + 8,000 + 2,000 − 600 − 1,000 + 300 − 400 + 150 = 58,450; 应收款项 = 一组's 1,000;
    # 应付款项 = 二组's 300; 未分配收益 = 8,000 + 2,000 + 150 − 400 − 600 = 9,150 (the year not closed yet).
    closing = {1: 5_845_000, 5: 100_000, 10: 5_945_000, 24: 10_000_000, 25: 2_000_000, 26: 8_000_000}
    closing |= {35: 8_000_000, 40: 13_945_000, 42: 30_000, 50: 30_000, 60: 30_000}
    closing |= {61: 13_000_000, 63: 915_000, 73: 13_915_000, 80: 13_945_000}
    expected = {n: (OPENING.get(n, 0), closing.get(n, 0)) for n in set(OPENING) | set(closing)}
    assert _figures(sheet) == _expected(BALANCE_SHEET_LINES, expected)
    assert sheet.is_balanced and sheet.warning is None
    assert [row.label for row in sheet.rows[:2]] == ["流动资产：", "货币资金"]


def test_income_statement_of_the_year(old_books, accountant):
    report = build_income_statement(_scope(accountant, 202307, 202312))
    # 本期 July–December: 经营支出 400, 投资收益 150; 本年累计 adds the first half.
    expected = {
        2: (0, 800_000),
        3: (15_000, 15_000),
        4: (40_000, 40_000),
        5: (0, 60_000),
        6: (-25_000, 715_000),  # 8,000 + 150 − 400 − 600
        8: (0, 200_000),
        11: (-25_000, 915_000),
        14: (-25_000, 915_000),
        19: (-25_000, 915_000),
    }
    assert _figures(report) == _expected(INCOME_LINES, expected)


def test_statements_after_the_year_close(old_books, accountant, reviewer):
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=old_books, year=2023, month=month)
    year_close_through(old_books, accountant, reviewer, 2023, {"提取公积公益金": 100_000})
    sheet = build_balance_sheet(_scope(accountant, 202312, 202312))
    # 9,150 closed to 322; 1,000 of it appropriated to 公积公益金.
    assert sheet.is_balanced
    assert {n: sheet.line(n).amounts[1] for n in (40, 62, 63, 73, 80)} == {
        40: 13_945_000,
        62: 100_000,
        63: 815_000,
        73: 13_915_000,
        80: 13_945_000,
    }
    year = build_income_statement(_scope(accountant, 202301, 202312))
    assert {n: year.line(n).amounts for n in (11, 14, 15, 19)} == {
        11: (915_000, 915_000),
        14: (915_000, 915_000),
        15: (100_000, 100_000),
        19: (815_000, 815_000),
    }
    next_year = build_income_statement(_scope(accountant, 202401, 202401))
    assert {n: next_year.line(n).amounts for n in (12, 14, 19)} == {
        n: (815_000, 815_000) for n in (12, 14, 19)
    }


def test_key_lines_per_village_on_the_2004_chart(old_books, ledger, accountant):
    scope = scope_for_region(
        user=accountant, region_code="510781100000", from_key=202301, to_key=202312, chart="2004"
    )
    report = build_village_statements(scope)
    # Only the 2004 ledger: 黑滩村's 2023-chart ledger HT01 is never added to it.
    assert village_rows(report) == [
        ["510781100201", "黑滩村", "HT04", 5_845_000, 13_945_000, 30_000, 13_915_000, 0, 715_000, 915_000]
    ]


def test_migration_0005_gives_the_platforms_2004_balance_sheet_its_new_lines(db):
    """A platform 2004 balance sheet without 161/241 is rewritten from the data file; one that
    already names them is left alone."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "villagebooks.reports.migrations.0005_chart_2004_intangibles_and_earmarked"
    )
    layout = StatementLayout.objects.get(chart="2004", kind="balance_sheet", region__isnull=True)
    layout.lines.filter(formula__in=["161", "241"]).delete()
    layout.lines.filter(line_no=40).update(formula="L10+L15+L21+L35")
    layout.lines.filter(line_no=60).update(formula="L50+L53")
    migration.rewrite(apps, None)
    data = json.loads((DATA_DIR / "statements-2004.json").read_text(encoding="utf-8"))
    rewritten = StatementLayout.objects.get(chart="2004", kind="balance_sheet", region__isnull=True)
    assert layout_to_data(rewritten) == data["statements"]["balance_sheet"]
    rewritten.lines.filter(line_no=36).update(label="无形资产（本县）")
    migration.rewrite(apps, None)
    kept = StatementLayout.objects.get(chart="2004", kind="balance_sheet", region__isnull=True)
    assert kept.pk == rewritten.pk and kept.lines.get(line_no=36).label == "无形资产（本县）"
