"""The Excel workbooks users download, pinned cell by cell after reading them back with openpyxl.

The books: a road grant received on a sub-account named ``+道路补助`` for a fund named
``=SUM(A1)``, an office grant, and street-light electricity paid from it. Names that look like
formulas or error values must come back as the same text in string cells.
"""

import dataclasses
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.scope import ReportScope, scope_for_ledger, scope_for_region
from villagebooks.reports.xlsx import column_widths, render_xlsx, sheet_name, write_xlsx

HALF_YEAR = """
    2025-03-01 收到县交通局道路补助
      借 102 银行存款       50000.00
      贷 24101 道路补助     50000.00  fund==SUM(A1)
    2025-03-20 收到村级组织运转经费
      借 102 银行存款       30000.00
      贷 503 补助收入       30000.00  fund=村级组织运转经费
    2025-06-30 支付路灯电费
      借 514 公益支出        1234.56  fund=村级组织运转经费
      贷 102 银行存款        1234.56
"""

TITLE_TEXT = "编制单位：黑滩村股份经济合作联合社"
PERIOD_TEXT = "期间：2025-01 至 2025-06"


@pytest.fixture
def books(ledger, accountant, reviewer):
    services.fund_create(
        actor=accountant, ledger=ledger, name="=SUM(A1)", kind="earmarked_transfer", amount_fen=5_000_000
    )
    services.fund_create(actor=accountant, ledger=ledger, name="#N/A", kind="village_office")
    services.account_add(actor=accountant, ledger=ledger, parent_code="241", code="24101", name="+道路补助")
    post(ledger, accountant, reviewer, HALF_YEAR)
    return ledger


def _half_year(accountant) -> ReportScope:
    return scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202506)


def _render(slug: str, scope: ReportScope) -> bytes:
    kind = REPORT_KINDS[slug]
    return render_xlsx(kind, scope, kind.build(scope))


def _sheet(data: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert len(workbook.worksheets) == 1
    return workbook, workbook.worksheets[0]


def _values(sheet) -> list[tuple]:
    """Every row from the header on; numbers as exact Decimals of what the file holds."""
    return [
        tuple(Decimal(str(v)) if isinstance(v, int | float) else v for v in row)
        for row in sheet.iter_rows(min_row=3, values_only=True)
    ]


def _sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode("utf-8")


def y(text: str) -> Decimal:
    return Decimal(text)


def test_trial_balance_workbook(books, accountant):
    data = _render("trial-balance", _half_year(accountant))
    workbook, sheet = _sheet(data)

    assert sheet.title == "科目余额表"
    assert workbook.properties.creator == "村账通"
    assert workbook.properties.title == "科目余额表 黑滩村股份经济合作联合社 2025-01 至 2025-06"
    assert sheet["A1"].value == "科目余额表" and sheet["A1"].font.b and sheet["A1"].font.sz == 16
    assert (sheet["A2"].value, sheet["C2"].value, sheet["H2"].value) == (TITLE_TEXT, PERIOD_TEXT, "单位：元")
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A1:H1", "A2:B2", "C2:G2"]
    assert sheet.freeze_panes == "A4"
    assert _values(sheet) == [
        ("科目编码", "科目名称", "期初借方", "期初贷方", "本期借方", "本期贷方", "期末借方", "期末贷方"),
        ("102", "银行存款", y("80000.00"), 0, y("80000.00"), y("1234.56"), y("158765.44"), 0),
        ("241", "专项应付款", 0, 0, 0, y("50000.00"), 0, y("50000.00")),
        ("24101", "+道路补助", 0, 0, 0, y("50000.00"), 0, y("50000.00")),
        ("301", "资本", 0, y("80000.00"), 0, 0, 0, y("80000.00")),
        ("503", "补助收入", 0, 0, 0, y("30000.00"), 0, y("30000.00")),
        ("514", "公益支出", 0, 0, y("1234.56"), 0, y("1234.56"), 0),
        (
            None,
            "合计",
            y("80000.00"),
            y("80000.00"),
            y("81234.56"),
            y("81234.56"),
            y("160000.00"),
            y("160000.00"),
        ),
    ]
    # Codes stay text (leading digits are an identifier, not a number), amounts are numbers.
    for row in sheet.iter_rows(min_row=4, max_row=9):
        assert [c.data_type for c in row] == ["s"] * 2 + ["n"] * 6
        assert {c.number_format for c in row[2:]} == {"#,##0.00"}
        assert not any(c.font.b for c in row)
    total = sheet[10]
    assert all(c.font.b for c in total) and {c.number_format for c in total[2:]} == {"#,##0.00"}
    assert sheet.max_row == 10
    assert all(c.font.b for c in sheet[3])
    # The name column is widened so that 编制单位 fits over 科目编码 + 科目名称.
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert widths == [10, 26, 11, 11, 11, 11, 12, 12]
    assert sum(widths[:2]) >= 34 + 2
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$1:$3"


def test_fund_summary_workbook_keeps_formula_like_names_as_text(books, accountant):
    data = _render("fund-summary", _half_year(accountant))
    _workbook, sheet = _sheet(data)

    assert sheet.title == "资金来源汇总表"
    assert (sheet["A2"].value, sheet["C2"].value, sheet["I2"].value) == (TITLE_TEXT, PERIOD_TEXT, "单位：元")
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A1:I1", "A2:B2", "C2:H2"]
    assert sheet.freeze_panes == "A4"
    assert _values(sheet) == [
        (
            "资金来源",
            "资金类别",
            "下达金额",
            "期初余额",
            "本期收到",
            "本期使用",
            "期末余额",
            "转入公积公益金",
            "账面结存",
        ),
        ("=SUM(A1)", "上级专项资金", y("50000.00"), 0, y("50000.00"), 0, y("50000.00"), 0, y("50000.00")),
        ("县交通局道路补助", "上级专项资金", 0, 0, 0, 0, 0, 0, 0),
        ("#N/A", "村办公经费", 0, 0, 0, 0, 0, 0, 0),
        ("村级组织运转经费", "村办公经费", 0, 0, y("30000.00"), y("1234.56"), y("28765.44"), 0, 0),
        ("合计", None, y("50000.00"), 0, y("80000.00"), y("1234.56"), y("78765.44"), 0, y("50000.00")),
    ]
    formula_like, error_like = sheet["A4"], sheet["A6"]
    assert (formula_like.value, formula_like.data_type, formula_like.quotePrefix) == ("=SUM(A1)", "s", True)
    assert (error_like.value, error_like.data_type, error_like.quotePrefix) == ("#N/A", "s", False)
    assert all(c.font.b for c in sheet[8]) and not any(c.font.b for c in sheet[7])
    assert [sheet.column_dimensions[letter].width for letter in "ABCDEFGHI"] == [
        18,
        18,
        11,
        10,
        11,
        10,
        11,
        16,
        11,
    ]


def test_no_cell_in_the_file_is_a_formula(books, accountant):
    # Every report of the catalogue, including those added after this test was written.
    township = scope_for_region(user=accountant, region_code="510781100000", from_key=202501, to_key=202506)
    for slug, kind in REPORT_KINDS.items():
        scope = township if kind.region_only else _half_year(accountant)
        # 241 carries the fund named =SUM(A1) (the dimension report shows it by fund); the bank
        # reconciliation is of a bank account only.
        account = "102" if slug == "bank-reconciliation" else "241"
        report = kind.build(scope, account=account) if kind.needs_account else kind.build(scope)
        xml = _sheet_xml(render_xlsx(kind, scope, report))
        assert "<f>" not in xml and "<f " not in xml, slug
    for slug in ("trial-balance", "fund-summary"):
        # Amounts are written as exact decimals.
        assert "<v>1234.56</v>" in _sheet_xml(_render(slug, _half_year(accountant)))
    xml = _sheet_xml(_render("fund-summary", _half_year(accountant)))
    assert '<c r="A4" s="' in xml and "<t>=SUM(A1)</t>" in xml


def test_region_roll_up_names_the_region(books, accountant):
    scope = scope_for_region(user=accountant, region_code="510781000000", from_key=202501, to_key=202506)
    _workbook, sheet = _sheet(_render("fund-summary", scope))
    assert sheet["A2"].value == "汇总范围：江油市（汇总 1 个账套）"
    assert _values(sheet)[1:] == [
        ("上级专项资金", "上级专项资金", y("50000.00"), 0, y("50000.00"), 0, y("50000.00"), 0, y("50000.00")),
        ("村办公经费", "村办公经费", 0, 0, y("30000.00"), y("1234.56"), y("28765.44"), 0, 0),
        ("合计", None, y("50000.00"), 0, y("80000.00"), y("1234.56"), y("78765.44"), 0, y("50000.00")),
    ]


# Reports made up here, without a database: extreme amounts, odd text, a warning.
SCOPE = ReportScope(
    title="测试镇（汇总 2 个账套）", ledger_ids=(1, 2), chart="2023", from_key=202503, to_key=202503
)
# A report's figure (a region's total) may pass one amount's maximum (common.money.MAX_FEN).
EXTREME_FEN = 999_999_999_999_999
ODD_ROWS = [
    ["-1", "@cmd|' /C calc'!A0", EXTREME_FEN, -EXTREME_FEN, 1],
    ["\t=1+1", "控制\x01字符", -1, 7_743_098_815, 10],
]


def _odd_kind(**changes):
    kind = dataclasses.replace(
        REPORT_KINDS["fund-summary"],
        headers=["编号", "名称", "甲", "乙", "丙"],
        rows=lambda report: ODD_ROWS,
        total=lambda report: ["合计", "", 0, 0, 11],
    )
    return dataclasses.replace(kind, **changes)


def test_extreme_amounts_and_odd_text():
    data = render_xlsx(_odd_kind(), SCOPE, report=None)
    _workbook, sheet = _sheet(data)
    assert sheet["A2"].value == "汇总范围：测试镇（汇总 2 个账套）" and sheet["C2"].value == "期间：2025-03"
    xml = _sheet_xml(data)
    assert "<v>9999999999999.99</v>" in xml and "<v>-9999999999999.99</v>" in xml
    assert "<v>0.01</v>" in xml and "<v>-0.01</v>" in xml and "<f" not in xml
    # As a float, "%.16g" would have written 77430988.15000001.
    assert re.search(r'<c r="D5" s="\d+" t="n"><v>77430988.15</v></c>', xml)
    assert sheet["D5"].value == 77430988.15 and sheet["D5"].number_format == "#,##0.00"
    rows = _values(sheet)
    assert rows[1][:2] == ("-1", "@cmd|' /C calc'!A0")
    assert rows[2][:2] == ("\t=1+1", "控制\ufffd字符")
    for coordinate in ("A4", "B4", "A5"):
        assert (sheet[coordinate].data_type, sheet[coordinate].quotePrefix) == ("s", True)
    assert sheet["B5"].quotePrefix is False
    assert sheet.max_row == 6


def test_a_warning_travels_in_the_file():
    kind = _odd_kind(warning=lambda report: "警告：科目余额表不平衡")
    _workbook, sheet = _sheet(render_xlsx(kind, SCOPE, report=None))
    assert sheet.max_row == 7
    assert sheet["A7"].value == "警告：科目余额表不平衡" and sheet["A7"].font.b


def test_write_to_a_path(tmp_path):
    target = tmp_path / "report.xlsx"
    write_xlsx(_odd_kind(), SCOPE, None, target)
    assert openpyxl.load_workbook(target).active["A1"].value == "资金来源汇总表"


def test_sheet_names_and_widths():
    assert sheet_name("收支明细表[2025/03]") == "收支明细表_2025_03_"
    assert sheet_name("长" * 40) == "长" * 31
    assert sheet_name("") == "报表"
    # CJK counts two, two of padding, at least 8 and at most 60.
    widths = column_widths(
        ["科目", "名称", "金额"], [["1", "道路" * 40, 123_456_789], ["2", "ab", 0]], text_columns=2
    )
    assert widths == [8, 60, 14]
