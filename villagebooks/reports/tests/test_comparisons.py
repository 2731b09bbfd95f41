"""同期对比 and 逐月对比: January–June 2026 against January–June 2025 (after the 2025 year close),
for the trial balance and both statements; month by month for a year; for a township too.

Books: township_books.py for 2025, then the year closed (经营收入 20,000 − 管理费用 1,200 = 18,800
to 322 收益分配—未分配收益), then in 2026: land rent 25,000 in March, office costs 900 in May,
张三 repays 1,500 in June.
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
from villagebooks.reports.comparisons import (
    build_balance_sheet_comparison,
    build_income_comparison,
    build_monthly,
    build_trial_balance_comparison,
    change_percent,
    monthly_rows,
    monthly_total,
    statement_comparison_rows,
    statement_comparison_total,
    trial_comparison_rows,
    trial_comparison_total,
)
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.tests.township_books import write_heitan, write_tumen

TOWNSHIP = "510781100000"

HEITAN_2026 = """
    2026-03-10 收到土地租金
      借 102 银行存款     25000.00
      贷 501 经营收入     25000.00
    2026-05-10 购买办公用品
      借 513 管理费用       900.00
      贷 102 银行存款       900.00
    2026-06-05 张三还款
      借 102 银行存款      1500.00
      贷 112 应收款        1500.00  party=张三
"""


@pytest.fixture
def books(ledger, accountant, reviewer):
    write_heitan(ledger, accountant, reviewer)
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    services.year_close(actor=accountant, ledger=ledger, year=2025, appropriations={})
    post(ledger, accountant, reviewer, HEITAN_2026)
    return ledger


def _ledger(user, from_key=202601, to_key=202606):
    return scope_for_ledger(user=user, ledger_code="HT01", from_key=from_key, to_key=to_key)


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (12_000, 10_000, 2000),  # +20.00 %
        (8_000, 10_000, -2000),
        (2, 3, -3333),  # −33.333… %
        (1, 3, -6667),  # −66.666… % rounds away from zero
        (5, 8, -3750),  # −37.5 % exactly
        (-100, 200, -15000),
        (100, -200, 15000),  # from a negative base (a loss) up
        (5, 0, None),
        (0, 0, None),
    ],
)
def test_change_percent(current, last, expected):
    assert change_percent(current, last) == expected


def test_trial_balance_against_last_year(books, accountant):
    report = build_trial_balance_comparison(_ledger(accountant))
    # code, name, item, this year, last year, change, change in hundredths of a percent
    assert trial_comparison_rows(report) == [
        # 153,800 at the end of 2025 + 25,000 − 900 + 1,500 = 179,400 against 153,800
        ["102", "银行存款", "期末余额", 17_940_000, 15_380_000, 2_560_000, 1664],
        ["112", "应收款", "期末余额", 200_000, 350_000, -150_000, -4286],
        ["113", "内部往来", "期末余额", 150_000, 150_000, 0, 0],
        ["241", "专项应付款", "期末余额", 6_000_000, 6_000_000, 0, 0],
        ["301", "资本", "期末余额", 8_000_000, 8_000_000, 0, 0],
        # The 2025 result, carried to 322 by the year close; nothing there a year earlier.
        ["322", "收益分配", "期末余额", 1_880_000, 0, 1_880_000, None],
        ["32201", "未分配收益", "期末余额", 1_880_000, 0, 1_880_000, None],
        ["501", "经营收入", "本期发生额", 2_500_000, 2_000_000, 500_000, 2500],
        ["513", "管理费用", "本期发生额", 90_000, 120_000, -30_000, -2500],
    ]
    # 24,100 against 18,800: +28.19 %
    assert trial_comparison_total(report) == [
        "",
        "收支相抵（收入−支出）",
        "本期发生额",
        2_410_000,
        1_880_000,
        530_000,
        2819,
    ]


def test_a_year_before_the_books_began_compares_with_zero(books, accountant):
    report = build_trial_balance_comparison(_ledger(accountant, 202501, 202506))
    rows = {row[0]: row[3:] for row in trial_comparison_rows(report)}
    assert rows["102"] == [15_380_000, 0, 15_380_000, None]
    assert rows["501"] == [2_000_000, 0, 2_000_000, None]


def test_balance_sheet_against_last_year(books, accountant):
    report = build_balance_sheet_comparison(_ledger(accountant))
    rows = {row[0]: row[1:] for row in statement_comparison_rows(report) if row[2] or row[3]}
    assert rows == {
        "1": ["货币资金", 17_940_000, 15_380_000, 2_560_000, 1664],
        "3": ["应收款项", 400_000, 550_000, -150_000, -2727],  # 2,000 + 2,000 against 3,500 + 2,000
        "6": ["流动资产合计", 18_340_000, 15_930_000, 2_410_000, 1513],
        "21": ["资产总计", 18_340_000, 15_930_000, 2_410_000, 1513],
        "32": ["应付款项", 50_000, 50_000, 0, 0],
        "36": ["流动负债合计", 50_000, 50_000, 0, 0],
        "39": ["专项应付款", 6_000_000, 6_000_000, 0, 0],
        "40": ["长期负债合计", 6_000_000, 6_000_000, 0, 0],
        "41": ["负债合计", 6_050_000, 6_050_000, 0, 0],
        "42": ["资本", 8_000_000, 8_000_000, 0, 0],
        # 18,800 carried + 25,000 − 900 against 20,000 − 1,200
        "44": ["未分配收益", 4_290_000, 1_880_000, 2_410_000, 12819],
        "45": ["所有者权益合计", 12_290_000, 9_880_000, 2_410_000, 2439],
        "46": ["负债和所有者权益总计", 18_340_000, 15_930_000, 2_410_000, 1513],
    }
    assert len(statement_comparison_rows(report)) == 37  # every line with a formula
    assert statement_comparison_total(report) == ["", "差额（资产总计−负债和所有者权益总计）", 0, 0, 0, None]
    assert report.warning is None


def test_income_statement_against_last_year(books, accountant):
    report = build_income_comparison(_ledger(accountant))
    rows = {row[0]: row[1:] for row in statement_comparison_rows(report) if row[2] or row[3]}
    assert rows == {
        "1": ["一、经营收入", 2_500_000, 2_000_000, 500_000, 2500],
        "4": ["管理费用", 90_000, 120_000, -30_000, -2500],
        "6": ["二、经营收益", 2_410_000, 1_880_000, 530_000, 2819],
        "11": ["三、收益总额", 2_410_000, 1_880_000, 530_000, 2819],
        "13": ["四、本年收益", 2_410_000, 1_880_000, 530_000, 2819],
        "14": ["加：年初未分配收益", 1_880_000, 0, 1_880_000, None],
        "16": ["五、可分配收益", 4_290_000, 1_880_000, 2_410_000, 12819],
        "20": ["六、年末未分配收益", 4_290_000, 1_880_000, 2_410_000, 12819],
    }
    # No balance check on this statement: its last line closes the table.
    last_line = ["20", "六、年末未分配收益", 4_290_000, 1_880_000, 2_410_000, 12819]
    assert statement_comparison_total(report) == last_line


def test_month_by_month_income_and_expense(books, accountant):
    report = build_monthly(_ledger(accountant, 202501, 202512))
    assert (report.year, report.account_name) == (2025, "收入、支出科目")
    # The year-end closing entries of December are left out: 501 and 513 keep their year.
    assert monthly_rows(report) == [
        ["501", "经营收入", 0, 0, 0, 0, 2_000_000, 0, 0, 0, 0, 0, 0, 0, 2_000_000],
        ["513", "管理费用", 0, 0, 0, 0, 0, 120_000, 0, 0, 0, 0, 0, 0, 120_000],
    ]
    result = [0, 0, 0, 0, 2_000_000, -120_000, 0, 0, 0, 0, 0, 0]
    assert monthly_total(report) == ["", "收支相抵（收入−支出）", *result, 1_880_000]
    this_year = build_monthly(_ledger(accountant, 202601, 202606))
    assert monthly_rows(this_year) == [
        ["501", "经营收入", 0, 0, 2_500_000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2_500_000],
        ["513", "管理费用", 0, 0, 0, 0, 90_000, 0, 0, 0, 0, 0, 0, 0, 90_000],
    ]


def test_month_by_month_of_an_account_asked_for(books, accountant):
    report = build_monthly(_ledger(accountant, 202501, 202512), account="102")
    assert (report.account_code, report.account_name) == ("102", "银行存款")
    # Feb +50,000; Mar +30,000; Apr −20,000; May +20,000 − 3,000; Jun −1,500 − 1,200 + 1,000 − 2,000 + 500
    bank = [0, 5_000_000, 3_000_000, -2_000_000, 1_700_000, -320_000, 0, 0, 0, 0, 0, 0]
    assert monthly_rows(report) == [["102", "银行存款", *bank, 7_380_000]]
    assert monthly_total(report) == ["", "合计", *bank, 7_380_000]
    # Only the months of the range: March to June.
    part = build_monthly(_ledger(accountant, 202503, 202506), account="102")
    march_to_june = [0, 0, 3_000_000, -2_000_000, 1_700_000, -320_000, 0, 0, 0, 0, 0, 0]
    assert monthly_total(part) == ["", "合计", *march_to_june, 2_380_000]
    # A liability reads in its own (credit) direction; the year close's 322 entries are closing ones.
    grants = build_monthly(_ledger(accountant, 202501, 202512), account="241")
    assert monthly_total(grants)[2:] == [0, 5_000_000, 3_000_000, -2_000_000, *[0] * 8, 6_000_000]


def test_month_by_month_with_sub_accounts(books, accountant, reviewer):
    services.account_add(actor=accountant, ledger=books, parent_code="515", code="51501", name="捐赠支出")
    services.account_add(actor=accountant, ledger=books, parent_code="515", code="51502", name="罚款支出")
    post(
        books,
        accountant,
        reviewer,
        """
        2026-07-02 捐赠
          借 51501 捐赠支出   300.00
          贷 102 银行存款     300.00
        2026-08-02 罚款
          借 51502 罚款支出   200.00
          贷 102 银行存款     200.00
        """,
    )
    report = build_monthly(_ledger(accountant, 202601, 202612), account="515")
    assert monthly_rows(report) == [
        ["515", "其他支出", *[0] * 6, 30_000, 20_000, *[0] * 4, 50_000],
        ["51501", "捐赠支出", *[0] * 6, 30_000, *[0] * 5, 30_000],
        ["51502", "罚款支出", *[0] * 7, 20_000, *[0] * 4, 20_000],
    ]
    assert monthly_total(report) == ["", "合计", *[0] * 6, 30_000, 20_000, *[0] * 4, 50_000]
    sub = build_monthly(_ledger(accountant, 202601, 202612), account="51502")
    assert monthly_rows(sub) == [["51502", "罚款支出", *[0] * 7, 20_000, *[0] * 4, 20_000]]
    # Income first, then expense accounts, parents before their sub-accounts.
    everything = build_monthly(_ledger(accountant, 202601, 202612))
    assert [row[0] for row in monthly_rows(everything)] == ["501", "513", "515", "51501", "51502"]
    assert monthly_total(everything)[-1] == 2_500_000 - 90_000 - 50_000


def test_a_township_adds_up_its_villages(books, other_ledger, accountant, reviewer):
    write_tumen(other_ledger, accountant, reviewer)
    scope = scope_for_region(user=accountant, region_code=TOWNSHIP, from_key=202501, to_key=202512)
    report = build_monthly(scope)
    assert monthly_rows(report)[0] == ["501", "经营收入", 0, 0, 0, 500_000, 2_000_000, *[0] * 7, 2_500_000]
    compared = build_trial_balance_comparison(
        scope_for_region(user=accountant, region_code=TOWNSHIP, from_key=202601, to_key=202606)
    )
    rows = {row[0]: row[3:] for row in trial_comparison_rows(compared)}
    # 土门村 has no 2026 entries: its 15,000 stays in the bank; 501 of 2026 is HT01's 25,000 alone.
    assert rows["102"] == [19_440_000, 16_880_000, 2_560_000, 1517]
    assert rows["501"] == [2_500_000, 2_500_000, 0, 0]


def test_an_unknown_account_is_refused(books, accountant):
    with pytest.raises(DomainError) as raised:
        build_monthly(_ledger(accountant), account="5")
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("account", "科目 5 在所选范围的账套中不存在")
    ]


def _run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_output(books):
    period = ["--from", "2026-01", "--to", "2026-06"]
    text = _run("trial-balance-compare", "--ledger", "HT01", *period, "--format", "csv")
    lines = text.splitlines()
    assert lines[0] == "code,name,item,current,last_year,change,change_pct"
    assert "102,银行存款,期末余额,179400.00,153800.00,25600.00,16.64" in lines
    # No percent against a zero base: an empty cell.
    assert "322,收益分配,期末余额,18800.00,0.00,18800.00," in lines
    table = _run("monthly", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12")
    assert (
        table.splitlines()[0]
        == "逐月对比表  收入、支出科目  黑滩村股份经济合作联合社  2025-01 至 2025-12  单位：元"
    )
    with pytest.raises(CommandError, match="account: 科目 777 在所选范围的账套中不存在"):
        _run("monthly", "--ledger", "HT01", "--account", "777", *period)


def test_xlsx_leaves_a_percent_against_zero_empty(books, accountant):
    import openpyxl

    from villagebooks.reports.catalog import REPORT_KINDS
    from villagebooks.reports.xlsx import render_xlsx

    kind = REPORT_KINDS["income-statement-compare"]
    scope = _ledger(accountant)
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(kind, scope, kind.build(scope)))).active
    rows = {row[0].value: [cell.value for cell in row] for row in sheet.iter_rows(min_row=4)}
    assert rows["1"] == ["1", "一、经营收入", 25000, 20000, 5000, 25]
    assert rows["14"] == ["14", "加：年初未分配收益", 18800, 0, 18800, None]
    headers = ["行次", "项目", "本期数", "上年同期数", "增减额", "增减率(%)"]
    assert [cell.value for cell in sheet[3]] == headers
