"""A plain table as an A4 landscape PDF: a title, a line under it, headers repeated on every page,
rows wrapped in their columns, page numbers. For lists that are not statements by account (the
registry's household list, a household's payments, the subsidy reconciliation); the caller
hands over rows already as text, identifiers already masked where they must be."""

from __future__ import annotations

from villagebooks.reports.pdf.document import GREY, HEADER_FILL, Document, clean

MARGIN = 12.0
SIZE = 8.0
LINE = 4.0
PAD = 1.2


def render_table_pdf(
    *, title: str, subtitle: str, headers: list[str], rows: list[list], numeric: set[int] = frozenset()
) -> bytes:
    """``rows`` under ``headers``; columns in ``numeric`` are right-aligned and never wrapped."""
    document = Document(title=title, subject=subtitle, landscape=True)
    texts = [[clean(cell) for cell in row] for row in rows]
    widths = _widths(document, headers, texts, numeric)
    bottom = document.h - MARGIN - 6
    page = 0

    def header() -> float:
        nonlocal page
        document.add_page()
        page += 1
        with document.style(size=13, bold=True):
            document.line_at(title, MARGIN, MARGIN, document.w - 2 * MARGIN, 7, "C")
        with document.style(size=9, color=GREY):
            document.line_at(subtitle, MARGIN, MARGIN + 7, document.w - 2 * MARGIN, 5, "C")
            document.line_at(str(page), MARGIN, document.h - MARGIN, document.w - 2 * MARGIN, 5, "C")
        top = MARGIN + 14
        height = LINE + 2 * PAD
        with document.local_context(fill_color=HEADER_FILL):
            document.rect(MARGIN, top, sum(widths), height, style="DF")
        x = MARGIN
        with document.style(size=SIZE, bold=True):
            for width, text in zip(widths, headers, strict=True):
                document.line_at(text, x + PAD, top, width - 2 * PAD, height, "C")
                document.line(x, top, x, top + height)
                x += width
        document.line(x, top, x, top + height)
        document.set_font_size(SIZE)
        return top + height

    y = header()
    document.set_font_size(SIZE)
    for row in texts or [[""] * len(headers)]:
        wrapped = [
            [text] if index in numeric else document.wrap(text, widths[index] - 2 * PAD)
            for index, text in enumerate(row)
        ]
        height = max(len(lines) for lines in wrapped) * LINE + 2 * PAD
        if y + height > bottom:
            y = header()
        x = MARGIN
        for index, lines in enumerate(wrapped):
            align = "R" if index in numeric else "L"
            document.lines_in(lines, x + PAD, y, widths[index] - 2 * PAD, height, LINE, align)
            document.line(x, y, x, y + height)
            x += widths[index]
        document.line(x, y, x, y + height)
        document.line(MARGIN, y + height, x, y + height)
        y += height
    return document.to_bytes()


def _widths(document: Document, headers: list[str], rows: list[list[str]], numeric) -> list[float]:
    available = document.w - 2 * MARGIN
    natural = []
    for index, header in enumerate(headers):
        longest = max([document.width_of(r[index], SIZE) for r in rows if index < len(r)] + [0.0])
        natural.append(max(longest, document.width_of(header, SIZE)) + 2 * PAD + 0.5)
    total = sum(natural)
    if total <= available:
        return [w + (available - total) * w / total for w in natural]
    # Too wide: numbers keep their width, text columns share what is left.
    fixed = sum(natural[i] for i in numeric)
    text_total = total - fixed
    room = max(available - fixed, available * 0.3)
    return [w if i in numeric else w * room / text_total for i, w in enumerate(natural)]
