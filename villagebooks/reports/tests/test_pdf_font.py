"""The font the PDFs embed: shipped with its licence, covering the books' characters, and only a
subset of it in each file, so that a PDF shows its Chinese on a machine without Chinese fonts.

The machine running the tests may have Chinese fonts, so "renders without them" is proven by
what the file holds: every font is embedded (as PDFium, the renderer, reports it), none is one
of the standard fonts a reader would substitute, and the glyphs drawn are real shapes (two
different characters render differently, which a missing glyph's box would not).
"""

from datetime import date
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

import villagebooks
from villagebooks.reports.catalog import ReportKind
from villagebooks.reports.pdf.document import FONT_PATH, Document
from villagebooks.reports.pdf.reports import render_report_pdf
from villagebooks.reports.pdf.vouchers import PrintedLine, PrintedVoucher, render_printed_vouchers
from villagebooks.reports.scope import ReportScope
from villagebooks.reports.tests.pdf_reading import font_report, page_lines, pdfium_fonts, render_page

PACKAGE = Path(villagebooks.__file__).resolve().parent


@pytest.fixture(scope="module")
def cmap() -> dict[int, str]:
    return TTFont(str(FONT_PATH), lazy=True).getBestCmap()


def _double_byte(codec: str) -> set[str]:
    found = set()
    for high in range(0x81, 0xFF):
        for low in range(0x40, 0xFF):
            try:
                text = bytes([high, low]).decode(codec)
            except UnicodeDecodeError:
                continue
            found.add(text)
    return found


def test_the_font_is_shipped_with_its_licence():
    assert FONT_PATH.is_file()
    assert 6_000_000 < FONT_PATH.stat().st_size < 7_500_000  # GBK subset, see data/fonts/README.md
    names = TTFont(str(FONT_PATH), lazy=True)["name"]
    assert names.getDebugName(4) == "Noto Sans CJK SC GBK"
    assert "glyf" in TTFont(str(FONT_PATH), lazy=True)  # TrueType outlines: FontFile2 in the PDF
    licence = (FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence


def test_the_font_has_every_gb2312_and_gbk_character(cmap):
    assert [ch for ch in _double_byte("gb2312") if ord(ch) not in cmap] == []
    # ≒ (U+2252) is the one GBK sign that Noto Sans CJK does not draw.
    assert [ch for ch in _double_byte("gbk") if ord(ch) not in cmap] == ["≒"]
    assert all(ord(ch) in cmap for ch in "䶮¥€−…")  # names outside GBK, signs


def test_the_font_has_every_character_of_the_books_own_text(cmap):
    """Charts, statement layouts and every message of the code that prints: nothing in a box."""
    sources = [*PACKAGE.joinpath("data").glob("*.csv"), *PACKAGE.joinpath("data").glob("*.json")]
    for app in ("common", "regions", "ledger", "reports"):
        sources += [p for p in PACKAGE.joinpath(app).rglob("*.py") if "tests" not in p.parts]
    missing = {
        (path.name, ch)
        for path in sources
        for ch in path.read_text(encoding="utf-8")
        if ord(ch) > 0x7E and ord(ch) not in cmap
    }
    assert missing == set()


def _report_pdf() -> bytes:
    kind = ReportKind(
        slug="t",
        title="科目余额表",
        columns=["code", "name", "amount"],
        headers=["科目编码", "科目名称", "金额"],
        text_columns=2,
        build=lambda scope: None,
        rows=lambda report: [["102", "银行存款", 5_000_000]],
        total=lambda report: ["", "合计", 5_000_000],
    )
    scope = ReportScope(
        title="黑滩村股份经济合作联合社", ledger_ids=(1,), chart="2023", from_key=202503, to_key=202503
    )
    return render_report_pdf(kind, scope, None)


def _voucher_pdf() -> bytes:
    voucher = PrintedVoucher(
        unit="黑滩村股份经济合作联合社",
        date=date(2025, 3, 1),
        number=1,
        attachments=1,
        lines=(
            PrintedLine("收到刘䶮交来承包费", "102 银行存款", "", 120_000, 0),
            PrintedLine("收到刘䶮交来承包费", "112 应收款", "往来：刘䶮", 0, 120_000),
        ),
        prepared_by="王会计",
        reviewed_by="李审核",
        posted_by="王会计",
    )
    return render_printed_vouchers([voucher])


@pytest.mark.parametrize("make", [_report_pdf, _voucher_pdf])
def test_every_pdf_embeds_a_subset_of_the_font_and_no_other(make):
    data = make()

    [font] = font_report(data)
    assert font["subtype"] == "/Type0" and font["descendant"] == "/CIDFontType2"
    assert font["program"] == "/FontFile2" and font["to_unicode"]
    # Six uppercase letters and "+": a subset, of a few dozen glyphs rather than 22,000.
    assert font["base_font"] == "/MPDFAA+NotoSansCJKSCGBK"
    assert font["program_bytes"] < 60_000
    assert pdfium_fonts(data) == {("MPDFAA+NotoSansCJKSCGBK", True)}
    assert len(data) < 100_000


def test_a_name_outside_gbk_prints_and_reads_back():
    lines = page_lines(_voucher_pdf())[0]
    assert ["收到刘䶮交来承包费", "112 应收款", "往来：刘䶮", "1,200.00"] in lines


def test_a_character_the_font_lacks_prints_as_a_box():
    document = Document(title="t", subject="t")
    assert document.printable("约≒1,000\n元") == "约□1,000\n元"
    assert document.wrap("≒" * 3, 100, 10) == ["□□□"]


def _glyph_image(text: str):
    document = Document(title="t", subject="t")
    document.add_page()
    with document.style(size=72):
        document.line_at(text, 20, 20, 100, 40)
    return render_page(document.to_bytes(), scale=1).crop((40, 40, 360, 200))


def test_characters_render_as_their_own_shapes():
    # ≒ is not in the font: it prints as □, so that a character never silently disappears.
    images = [_glyph_image(text) for text in ("记", "账", "≒")]
    ji, zhang, box = (image.convert("L").tobytes() for image in images)
    ink = [sum(1 for v in image if v < 128) for image in (ji, zhang, box)]
    assert min(ink) > 300  # black strokes (and the box's outline), not a blank
    assert len({ji, zhang, box}) == 3
