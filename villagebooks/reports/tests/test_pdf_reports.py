"""Reports as PDF, pinned by the text a reader extracts from each page, line by line.

The books are those of the Excel tests: a road grant received on the sub-account 24101, an
office grant, and street-light electricity paid from it. Layout rules (pages, repeated heads,
wrapping, the warning, many columns) are pinned on made-up reports that need no database.
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.money import format_fen
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
from villagebooks.reports.catalog import REPORT_KINDS, ReportKind
from villagebooks.reports.management.commands.report import PDF_NEEDS_OUTPUT
from villagebooks.reports.pdf import render_report_pdf
from villagebooks.reports.pdf.document import Document
from villagebooks.reports.pdf.reports import MARGIN, _cells, _layout
from villagebooks.reports.scope import ReportScope, scope_for_ledger, scope_for_region
from villagebooks.reports.tests.pdf_reading import (
    font_report,
    keep_for_looking,
    page_lines,
    page_sizes,
    pdfium_fonts,
    render_page,
)

HALF_YEAR = """
    2025-03-01 收到县交通局道路补助
      借 102 银行存款       50000.00
      贷 24101 道路补助     50000.00  fund=县交通局道路补助
    2025-03-20 收到村级组织运转经费
      借 102 银行存款       30000.00
      贷 503 补助收入       30000.00  fund=村级组织运转经费
    2025-06-30 支付路灯电费
      借 514 公益支出        1234.56  fund=村级组织运转经费
      贷 102 银行存款        1234.56
"""

LEDGER_LINE = ["编制单位：黑滩村股份经济合作联合社", "期间：2025-01 至 2025-06", "单位：元"]
A4_LANDSCAPE, A4_PORTRAIT = (842, 595), (595, 842)
ORIGINAL_KINDS = [
    "trial-balance",
    "fund-summary",
    "balance-sheet",
    "income-statement",
    "detail-ledger",
    "cash-journal",
    "bank-journal",
    "general-ledger",
]


@pytest.fixture
def books(ledger, accountant, reviewer):
    services.account_add(actor=accountant, ledger=ledger, parent_code="241", code="24101", name="道路补助")
    post(ledger, accountant, reviewer, HALF_YEAR)
    return ledger


def _half_year(accountant) -> ReportScope:
    return scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202506)


def _render(slug: str, scope: ReportScope, **options) -> bytes:
    kind = REPORT_KINDS[slug]
    data = render_report_pdf(kind, scope, kind.build(scope, **options))
    keep_for_looking(slug, data)
    return data


def _made_up(headers, text_columns, rows, total, warning=None) -> tuple[ReportKind, dict]:
    kind = ReportKind(
        slug="made-up",
        title="测试报表",
        columns=[f"c{i}" for i in range(len(headers))],
        headers=headers,
        text_columns=text_columns,
        build=lambda scope: None,
        rows=lambda report: report["rows"],
        total=lambda report: report["total"],
        warning=lambda report: report["warning"],
    )
    return kind, {"rows": rows, "total": total, "warning": warning}


# A region's scope, built by hand: the layout needs no database.
REGION_SCOPE = ReportScope(
    title="新安镇（汇总 2 个账套）", ledger_ids=(1, 2), chart="2023", from_key=202501, to_key=202512
)
REGION_LINE = ["汇总范围：新安镇（汇总 2 个账套）", "期间：2025-01 至 2025-12", "单位：元"]


def test_trial_balance_pdf(books, accountant):
    data = _render("trial-balance", _half_year(accountant))

    assert data.startswith(b"%PDF-")
    assert page_sizes(data) == [A4_LANDSCAPE]  # eight columns: landscape
    assert page_lines(data) == [
        [
            ["科目余额表"],
            LEDGER_LINE,
            ["科目编码", "科目名称", "期初借方", "期初贷方", "本期借方", "本期贷方", "期末借方", "期末贷方"],
            ["102", "银行存款", "80,000.00", "0.00", "80,000.00", "1,234.56", "158,765.44", "0.00"],
            ["241", "专项应付款", "0.00", "0.00", "0.00", "50,000.00", "0.00", "50,000.00"],
            ["24101", "道路补助", "0.00", "0.00", "0.00", "50,000.00", "0.00", "50,000.00"],
            ["301", "资本", "0.00", "80,000.00", "0.00", "0.00", "0.00", "80,000.00"],
            ["503", "补助收入", "0.00", "0.00", "0.00", "30,000.00", "0.00", "30,000.00"],
            ["514", "公益支出", "0.00", "0.00", "1,234.56", "0.00", "1,234.56", "0.00"],
            ["合计", "80,000.00", "80,000.00", "81,234.56", "81,234.56", "160,000.00", "160,000.00"],
            ["第 1 页 共 1 页"],
        ]
    ]
    [font] = font_report(data)
    assert font["subtype"] == "/Type0" and font["descendant"] == "/CIDFontType2"
    assert font["program"] == "/FontFile2" and font["to_unicode"]
    assert pdfium_fonts(data) == {("MPDFAA+NotoSansCJKSCGBK", True)}


def test_balance_sheet_is_portrait_and_ends_with_its_check(books, accountant):
    data = _render("balance-sheet", _half_year(accountant))

    assert page_sizes(data) == [A4_PORTRAIT]  # four columns
    [page] = page_lines(data)
    assert page[:5] == [
        ["资产负债表"],
        LEDGER_LINE,
        ["行次", "项目", "年初数", "期末数"],
        ["1", "货币资金", "80,000.00", "158,765.44"],
        ["2", "短期投资", "0.00", "0.00"],
    ]
    assert page[-6:] == [
        ["43", "公积公益金", "0.00", "0.00"],
        ["44", "未分配收益", "0.00", "28,765.44"],
        ["45", "所有者权益合计", "80,000.00", "108,765.44"],
        ["46", "负债和所有者权益总计", "80,000.00", "158,765.44"],
        ["差额（资产总计−负债和所有者权益总计）", "0.00", "0.00"],
        ["第 1 页 共 1 页"],
    ]


def test_detail_ledger_names_its_account(books, accountant):
    data = _render("detail-ledger", _half_year(accountant), account="102")

    [page] = page_lines(data)
    assert page[:4] == [
        ["明细账"],
        ["科目：102 银行存款"],
        LEDGER_LINE,
        ["日期", "凭证号", "科目", "摘要", "借或贷", "借方", "贷方", "余额"],
    ]
    assert [
        "2025-03-01",
        "记-1",
        "102",
        "收到县交通局道路补助",
        "借",
        "50,000.00",
        "0.00",
        "130,000.00",
    ] in page
    assert page[-2:] == [
        ["102", "本期合计", "借", "80,000.00", "1,234.56", "158,765.44"],
        ["第 1 页 共 1 页"],
    ]


def test_a_region_report_names_its_scope(books, accountant):
    scope = scope_for_region(user=accountant, region_code="510781100000", from_key=202501, to_key=202506)
    data = _render("fund-summary", scope)

    assert page_lines(data) == [
        [
            ["资金来源汇总表"],
            ["汇总范围：新安镇（汇总 1 个账套）", "期间：2025-01 至 2025-06", "单位：元"],
            [
                "资金来源",
                "资金类别",
                "下达金额",
                "期初余额",
                "本期收到",
                "本期使用",
                "期末余额",
                "转入公积公益金",
                "账面结存",
            ],
            # A region adds funds up by kind.
            [
                "上级专项资金",
                "上级专项资金",
                "0.00",
                "0.00",
                "50,000.00",
                "0.00",
                "50,000.00",
                "0.00",
                "50,000.00",
            ],
            [
                "村办公经费",
                "村办公经费",
                "0.00",
                "0.00",
                "30,000.00",
                "1,234.56",
                "28,765.44",
                "0.00",
                "0.00",
            ],
            ["合计", "0.00", "0.00", "80,000.00", "1,234.56", "78,765.44", "0.00", "50,000.00"],
            ["第 1 页 共 1 页"],
        ]
    ]


@pytest.mark.parametrize("slug", ORIGINAL_KINDS)
def test_every_report_of_the_books_prints(books, accountant, slug):
    kind = REPORT_KINDS[slug]
    options = {"account": "102"} if kind.needs_account else {}
    data = _render(slug, _half_year(accountant), **options)

    pages = page_lines(data)
    assert pages[0][0] == [kind.title]
    assert pages[-1][-1] == [f"第 {len(pages)} 页 共 {len(pages)} 页"]
    assert page_sizes(data)[0] == (A4_LANDSCAPE if len(kind.headers) > 5 else A4_PORTRAIT)
    assert {(f["program"], f["descendant"]) for f in font_report(data)} == {("/FontFile2", "/CIDFontType2")}


def test_long_report_repeats_its_head_on_every_page_and_numbers_pages():
    rows = [[f"{1000 + i}", f"科目{i}", i * 100_001, -i] for i in range(130)]
    kind, report = _made_up(["编码", "名称", "借方", "贷方"], 2, rows, ["", "合计", 1, 2])

    data = render_report_pdf(kind, REGION_SCOPE, report)

    pages = page_lines(data)
    assert page_sizes(data) == [A4_PORTRAIT] * 4
    head = [["测试报表"], REGION_LINE, ["编码", "名称", "借方", "贷方"]]
    body = []
    for number, page in enumerate(pages, start=1):
        assert page[:3] == head
        assert page[-1] == [f"第 {number} 页 共 4 页"]
        body += page[3:-1]
    # Every row once, in order, amounts with separators; the totals row closes the last page.
    assert body == [
        [f"{1000 + i}", f"科目{i}", format_fen(i * 100_001), format_fen(-i)] for i in range(130)
    ] + [["合计", "0.01", "0.02"]]
    assert [len(page) - 4 for page in pages] == [39, 39, 39, 14]


def test_long_text_wraps_inside_its_column_without_a_closing_mark_starting_a_line():
    name = "应收款—张三（土地承包费，二〇二五年第一季度，按合同第十二条分期缴纳）" * 3
    kind, report = _made_up(["编码", "名称", "金额"], 2, [["112", name, 1]], ["", "合计", 1])

    [page] = page_lines(render_report_pdf(kind, REGION_SCOPE, report))

    # Three lines of the name; code and amount sit on the middle one. "）" alone would start
    # the third line, so "纳" goes down with it.
    assert page[3:-1] == [
        [
            "应收款—张三（土地承包费，二〇二五年第一季度，按合同第十二条分期缴纳）应收款—张三（土地承包费，二〇二五"
        ],
        [
            "112",
            "年第一季度，按合同第十二条分期缴纳）应收款—张三（土地承包费，二〇二五年第一季度，按合同第十二条分期缴",
            "0.01",
        ],
        ["纳）"],
        ["合计", "0.01"],
    ]


def test_the_warning_is_on_every_page_in_red():
    warning = "警告：科目余额表不平衡，请运行 villagebooks verify 检查"
    rows = [[f"{i}", "银行存款", 100] for i in range(60)]
    kind, report = _made_up(["编码", "名称", "金额"], 2, rows, ["", "合计", 8000], warning)

    data = render_report_pdf(kind, REGION_SCOPE, report)

    pages = page_lines(data)
    assert len(pages) == 2
    assert all(page[2] == [warning] for page in pages)
    for index in range(2):
        image = render_page(data, index, scale=1)
        pixels = image.tobytes()
        red = sum(
            1 for i in range(0, len(pixels), 3) if pixels[i] > 150 and pixels[i + 1] < 60 > pixels[i + 2]
        )
        assert red > 1000  # the box and the bold text, not a stray pixel


def test_many_columns_get_smaller_type_and_fill_the_landscape_width():
    headers = ["编码", "名称"] + [f"{month}月" for month in range(1, 13)] + ["合计", "平均"]
    rows = [["102", "银行存款", *[999_999_999_99 + m for m in range(14)]]]
    kind, report = _made_up(headers, 2, rows, ["", "合计", *range(14)])

    data = render_report_pdf(kind, REGION_SCOPE, report)

    assert page_sizes(data) == [A4_LANDSCAPE]
    [page] = page_lines(data)
    assert page[2:4] == [headers, ["102", "银行存款", *[format_fen(999_999_999_99 + m) for m in range(14)]]]
    document = Document(title="", subject="", landscape=True)
    layout = _layout(document, kind, [_cells(row, 2) for row in [*rows, ["", "合计", *range(14)]]])
    assert layout.size == 5.5  # fourteen amounts of a billion in one landscape row
    assert sum(layout.widths) == pytest.approx(297 - 2 * MARGIN)


def test_report_command_writes_a_pdf(books, tmp_path):
    target = tmp_path / "tb.pdf"
    out = io.StringIO()
    call_command(
        "report",
        "trial-balance",
        "--ledger",
        "HT01",
        "--from",
        "2025-01",
        "--to",
        "2025-06",
        "--format",
        "pdf",
        "--output",
        str(target),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue() == f"已写入 {target}\n"
    assert page_lines(target.read_bytes())[0][:2] == [["科目余额表"], LEDGER_LINE]


def test_report_command_needs_a_file_for_pdf(books):
    with pytest.raises(CommandError, match=PDF_NEEDS_OUTPUT):
        call_command(
            "report",
            "trial-balance",
            "--ledger",
            "HT01",
            "--from",
            "2025-01",
            "--to",
            "2025-06",
            "--format",
            "pdf",
        )


def test_a_report_carries_the_books_checkpoint_and_its_qr_code(books, accountant):
    from pypdf import PdfReader

    from villagebooks.ledger import checkpoints

    plain = _render("trial-balance", _half_year(accountant))
    assert "校验点" not in "".join(PdfReader(io.BytesIO(plain)).pages[0].extract_text())
    checkpoints.key_create(actor=accountant)
    services.period_close(actor=accountant, ledger=books, year=2025, month=1)
    checkpoint = checkpoints.Checkpoint.objects.get(ledger=books)
    data = _render("trial-balance", _half_year(accountant))
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        text = page.extract_text().replace("\n", "")
        assert checkpoints.short_form(checkpoint).replace(" ", "") in text.replace(" ", "")
        assert len(page.images) == 1
    # The QR code is the signed checkpoint itself (what segno encoded).
    import segno

    from villagebooks import verify_books

    expected = segno.make(verify_books.canonical_json(checkpoints.as_file(checkpoint)).decode(), error="l")
    assert expected.version >= 10
    png = reader.pages[0].images[0].image
    assert png.size[0] == png.size[1] == (expected.symbol_size(scale=4, border=1)[0])


@pytest.mark.parametrize("slug", ["balance-sheet-form", "income-statement-form"])
def test_the_official_forms_carry_the_books_checkpoint_too(books, accountant, slug):
    from pypdf import PdfReader

    from villagebooks.ledger import checkpoints

    assert "校验点" not in "".join(
        PdfReader(io.BytesIO(_render(slug, _half_year(accountant)))).pages[0].extract_text()
    )
    checkpoints.key_create(actor=accountant)
    services.period_close(actor=accountant, ledger=books, year=2025, month=1)
    short = checkpoints.short_form(checkpoints.Checkpoint.objects.get(ledger=books)).replace(" ", "")
    reader = PdfReader(io.BytesIO(_render(slug, _half_year(accountant))))
    for page in reader.pages:
        assert short in page.extract_text().replace("\n", "").replace(" ", "")
        assert len(page.images) == 1
