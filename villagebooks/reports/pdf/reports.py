"""Reports of the catalogue as PDF: the printed form of any ``ReportKind``.

Each page repeats the report title, the ledger (or region) and period line, the warning if the
report has one (in red, on every page, so that no page of an unbalanced report travels without
it) and the column headers; it ends with "第 N 页 共 M 页". When the books have a signed checkpoint
(``ledger/checkpoints.py``: month close makes one), every page's foot carries its short form and
a QR code of the whole checkpoint, so that a report pinned on the notice board can be checked
later against the books (README: "Checking printed books"). Amounts are right-aligned with
thousands separators and two decimals; text cells wrap inside their column. A4 portrait holds up
to five columns, landscape more; when the columns do not fit at 9 pt the type gets smaller
(down to 4 pt, for a dozen columns of billions) before any text column gets narrower than four
characters.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any

import segno
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks import verify_books
from villagebooks.common.money import format_fen
from villagebooks.ledger import checkpoints
from villagebooks.ledger.models import Checkpoint
from villagebooks.reports.catalog import ReportKind
from villagebooks.reports.official_forms import OfficialForm
from villagebooks.reports.pdf.document import GREY, HEADER_FILL, RED, Document, clean
from villagebooks.reports.scope import ReportScope

UNIT_TEXT = _("单位：元")
CHECKPOINT_TEXT = _("校验点：{short}")
PAGE_TEXT = _("第 {page} 页 共 {count} 页")
PORTRAIT_MAX_COLUMNS = 5

MARGIN = 12.0  # left, right and top, mm
FOOTER = 12.0  # space kept at the bottom for the page number
QR_SIZE = 30.0  # the checkpoint's QR code, mm: ~0.3 mm a module for a signed checkpoint
PAD_X = 1.2  # cell padding, mm
PAD_Y = 1.0
LEADING = 1.35  # line height / font size
SIZES = (9.0, 8.0, 7.0, 6.0, 5.5, 5.0, 4.5, 4.0)  # body type sizes tried, points
MIN_TEXT_CHARS = 4  # a text column is never narrower than this many CJK characters


@dataclass
class _Layout:
    size: float
    widths: list[float]

    @property
    def line_height(self) -> float:
        return self.size * LEADING * 25.4 / 72


def render_report_pdf(kind: ReportKind, scope: ReportScope, report: Any) -> bytes:
    """The report as the bytes of a PDF file.

    Args:
        kind: the catalogue entry: title, headers, how many leading columns are text.
        scope: the ledger or region and the period the report covers.
        report: what ``kind.build(scope)`` returned.
    """
    if isinstance(report, OfficialForm):
        return render_form_pdf(report)
    # The title and headers in the active language, once, as the plain text the layout measures.
    kind = replace(kind, title=str(kind.title), headers=[str(header) for header in kind.headers])
    values = kind.rows(report)
    rows = [_cells(row, kind.text_columns) for row in values]
    # A statement without a balance check ends on its own last line (年末未分配收益): printed once.
    totals = (
        [] if values and kind.total(report) == values[-1] else [_cells(kind.total(report), kind.text_columns)]
    )
    landscape = len(kind.headers) > PORTRAIT_MAX_COLUMNS
    document = Document(
        title=f"{kind.title} {scope.title} {scope.period_text}", subject=kind.title, landscape=landscape
    )
    layout = _layout(document, kind, rows + totals)
    form = _Form(document, kind, scope, layout, warning=kind.warning(report), account=_account_line(report))
    form.checkpoint = report_checkpoint(scope)
    planned = [form.plan(row) for row in rows] + [form.plan(total, total=True) for total in totals]
    pages = form.paginate(planned)
    for number, page in enumerate(pages, start=1):
        y = form.head(number, len(pages))
        for row in page:
            y = form.row(row, y)
    return document.to_bytes()


def report_checkpoint(scope: ReportScope) -> tuple[str, bytes] | None:
    """The short form and the QR code (PNG) of the newest checkpoint of the report's ledger (or
    region), or None when there is none: it covers the books the report was made from."""
    rows = Checkpoint.objects.order_by("-id")
    if scope.single_ledger is not None:
        checkpoint = rows.filter(ledger_id=scope.single_ledger.pk).first()
    elif scope.region is not None:
        checkpoint = rows.filter(region_id=scope.region.pk).first()
    else:
        checkpoint = None
    if checkpoint is None:
        return None
    published = checkpoints.as_file(checkpoint)
    code = segno.make(verify_books.canonical_json(published).decode("utf-8"), error="l", micro=False)
    image = io.BytesIO()
    code.save(image, kind="png", scale=4, border=1)
    return checkpoints.short_form(checkpoint), image.getvalue()


def _cells(row: list, text_columns: int) -> list[str]:
    """A row as printed: text as it is, fen as yuan with separators, no figure (None) as blank."""
    return [
        clean(value) if index < text_columns or not isinstance(value, int) else format_fen(value)
        for index, value in enumerate(row)
    ]


def _account_line(report: Any) -> str:
    """The account a report of one account covers (detail ledger, dimension report), if any."""
    code, name = getattr(report, "account_code", None), getattr(report, "account_name", None)
    if not code:
        return ""
    return gettext("科目：{code} {name}").format(code=code, name=name or "").rstrip()


def _layout(document: Document, kind: ReportKind, rows: list[list[str]]) -> _Layout:
    """Column widths filling the page width, and the body type size they need."""
    available = document.w - 2 * MARGIN
    columns = len(kind.headers)
    for size in SIZES:
        natural, least = [], []
        for index, header in enumerate(kind.headers):
            texts = [row[index] for row in rows if index < len(row)]
            longest = max([document.width_of(t, size) for t in texts] + [0.0])
            header_width = document.width_of(header, size)
            if index < kind.text_columns:
                floor = min(document.width_of("汉" * MIN_TEXT_CHARS, size), max(longest, header_width))
                natural.append(max(longest, header_width) + 2 * PAD_X)
                least.append(floor + 2 * PAD_X)
            else:
                # Amounts never wrap; a long header does (本年累计数 over two lines).
                header_floor = min(header_width, document.width_of("汉" * MIN_TEXT_CHARS, size))
                width = max(longest, header_floor) + 2 * PAD_X
                natural.append(width)
                least.append(width)
        # Amount columns share one width, as on the printed forms.
        amount = max((least[i] for i in range(kind.text_columns, columns)), default=0.0)
        for i in range(kind.text_columns, columns):
            natural[i] = least[i] = amount
        if sum(least) <= available or size == SIZES[-1]:
            break
    widths = list(least)
    spare = available - sum(widths)
    if spare < 0:
        # Even 4 pt is too wide (dozens of columns): shrink every column alike.
        widths = [w * available / sum(widths) for w in widths]
        return _Layout(size, widths)
    # Give text columns the room they want, then spread what is left over every column.
    wanted = [natural[i] - least[i] for i in range(columns)]
    if sum(wanted) > 0:
        share = min(1.0, spare / sum(wanted))
        widths = [widths[i] + wanted[i] * share for i in range(columns)]
        spare = available - sum(widths)
    widths = [w + spare * w / sum(widths) for w in widths]
    return _Layout(size, widths)


@dataclass(frozen=True)
class _Row:
    cells: list[list[str]]  # each cell's lines
    height: float
    total: bool


class _Form:
    """The page head (title, scope, warning, column headers) and the rows under it."""

    def __init__(
        self, document: Document, kind: ReportKind, scope: ReportScope, layout: _Layout, *, warning, account
    ):
        self.document = document
        self.kind = kind
        self.scope = scope
        self.layout = layout
        self.warning = warning or ""
        self.account = account
        self.width = document.w - 2 * MARGIN
        # Measured before any page exists: sizes are given, not set.
        self.warning_lines = document.wrap(self.warning, self.width - 6, 11) if self.warning else []
        self.headers = [
            document.wrap(h, w - 2 * PAD_X, layout.size)
            for h, w in zip(kind.headers, layout.widths, strict=True)
        ]
        self.header_height = max(len(lines) for lines in self.headers) * layout.line_height + 2 * PAD_Y

    @property
    def warning_height(self) -> float:
        return len(self.warning_lines) * 6 + 3 if self.warning_lines else 0.0

    @property
    def body_top(self) -> float:
        """Where the first row of every page starts: the head is the same on every page."""
        y = MARGIN + 9 + (6 if self.account else 0) + 7
        if self.warning_lines:
            y += self.warning_height + 2
        return y + self.header_height

    def plan(self, cells: list[str], *, total: bool = False) -> _Row:
        document, layout = self.document, self.layout
        wrapped = [
            document.wrap(text, width - 2 * PAD_X, layout.size) if index < self.kind.text_columns else [text]
            for index, (text, width) in enumerate(zip(cells, layout.widths, strict=True))
        ]
        height = max(len(lines) for lines in wrapped) * layout.line_height + 2 * PAD_Y
        return _Row(wrapped, height, total)

    checkpoint: tuple[str, bytes] | None = None

    @property
    def footer(self) -> float:
        return FOOTER + (QR_SIZE if self.checkpoint else 0)

    def paginate(self, rows: list[_Row]) -> list[list[_Row]]:
        room = self.document.h - self.footer - self.body_top
        pages: list[list[_Row]] = [[]]
        used = 0.0
        for row in rows:
            if pages[-1] and used + row.height > room:
                pages.append([])
                used = 0.0
            pages[-1].append(row)
            used += row.height
        return pages

    def head(self, number: int, count: int) -> float:
        """Start page ``number`` of ``count``; returns where its rows begin."""
        document, width = self.document, self.width
        document.add_page()
        y = MARGIN
        with document.style(size=16, bold=True):
            document.line_at(self.kind.title, MARGIN, y, width, 9, "C")
        y += 9
        if self.account:
            with document.style(size=10):
                document.line_at(self.account, MARGIN, y, width, 6, "C")
            y += 6
        label = (
            gettext("编制单位：{name}")
            if self.scope.single_ledger is not None
            else gettext("汇总范围：{name}")
        )
        with document.style(size=9):
            document.line_at(label.format(name=self.scope.title), MARGIN, y, width, 6, "L")
            document.line_at(
                gettext("期间：{period}").format(period=self.scope.period_text), MARGIN, y, width, 6, "C"
            )
            document.line_at(str(UNIT_TEXT), MARGIN, y, width, 6, "R")
        y += 7
        if self.warning_lines:
            with document.local_context(draw_color=RED, line_width=0.6):
                document.rect(MARGIN, y, width, self.warning_height)
            with document.style(size=11, bold=True, color=RED):
                document.lines_in(self.warning_lines, MARGIN + 3, y, width - 6, self.warning_height, 6)
            y += self.warning_height + 2
        x = MARGIN
        with document.local_context(fill_color=HEADER_FILL):
            for column_width in self.layout.widths:
                document.rect(x, y, column_width, self.header_height, style="DF")
                x += column_width
        x = MARGIN
        with document.style(size=self.layout.size, bold=True):
            for lines, column_width in zip(self.headers, self.layout.widths, strict=True):
                document.lines_in(
                    lines,
                    x + PAD_X,
                    y,
                    column_width - 2 * PAD_X,
                    self.header_height,
                    self.layout.line_height,
                    "C",
                )
                x += column_width
        with document.style(size=8, color=GREY):
            document.line_at(
                PAGE_TEXT.format(page=number, count=count), MARGIN, document.h - FOOTER + 3, width, 5, "C"
            )
        if self.checkpoint:
            short, image = self.checkpoint
            top = document.h - self.footer + 2
            document.image(io.BytesIO(image), x=MARGIN, y=top, w=QR_SIZE - 4, h=QR_SIZE - 4)
            with document.style(size=7, color=GREY):
                document.line_at(
                    CHECKPOINT_TEXT.format(short=short),
                    MARGIN + QR_SIZE,
                    top + QR_SIZE / 2 - 4,
                    width - QR_SIZE,
                    5,
                    "L",
                )
        return y + self.header_height

    def row(self, row: _Row, y: float) -> float:
        document, layout = self.document, self.layout
        # Borders first and outside the text style: faux bold changes the stroke width.
        x = MARGIN
        for width in layout.widths:
            document.rect(x, y, width, row.height)
            x += width
        x = MARGIN
        with document.style(size=layout.size, bold=row.total):
            for index, (lines, width) in enumerate(zip(row.cells, layout.widths, strict=True)):
                align = "L" if index < self.kind.text_columns else "R"
                document.lines_in(
                    lines, x + PAD_X, y, width - 2 * PAD_X, row.height, layout.line_height, align
                )
                x += width
        return y + row.height


FORM_ROW = 6.5  # mm, one line of an official form
FORM_SIZE = 9.0
INDENT_MM = 3.5


def _form_widths(form: OfficialForm, width: float) -> list[float]:
    """Item columns take what the line numbers and amounts leave (two sides: the same twice)."""
    sides = len(form.headers) // 4
    line, amount = 10.0, 26.0
    item = (width - sides * (line + 2 * amount)) / sides
    return [item, line, amount, amount] * sides


def render_form_pdf(form: OfficialForm) -> bytes:
    """An official form on A4 (账户式 on landscape): title, 表号, 编制单位 / date / unit, headers
    on every page, headings and subtotals in bold, the signature lines and notes at the end."""
    landscape = len(form.headers) > 4
    document = Document(
        title=f"{form.title} {form.organisation} {form.date_text}", subject=form.title, landscape=landscape
    )
    width = document.w - 2 * MARGIN
    widths = _form_widths(form, width)
    row_height = FORM_ROW if not landscape else 5.6  # 账户式 on landscape: ~25 lines on one page
    # The checkpoint of the books the form was made from, on every page's foot as the other
    # reports carry it (a form pinned on the notice board can be checked against it).
    checkpoint = report_checkpoint(form.scope)
    bottom = document.h - FOOTER - (QR_SIZE if checkpoint else 0)

    def head() -> float:
        document.add_page()
        if checkpoint:
            short, image = checkpoint
            top = bottom + 2
            document.image(io.BytesIO(image), x=MARGIN, y=top, w=QR_SIZE - 4, h=QR_SIZE - 4)
            with document.style(size=7, color=GREY):
                document.line_at(
                    CHECKPOINT_TEXT.format(short=short),
                    MARGIN + QR_SIZE,
                    top + QR_SIZE / 2 - 4,
                    width - QR_SIZE,
                    5,
                    "L",
                )
        y = MARGIN
        with document.style(size=16, bold=True):
            document.line_at(form.title, MARGIN, y, width, 9, "C")
        y += 9
        with document.style(size=9):
            document.line_at(form.table_no, MARGIN, y, width, 5, "R")
            y += 5
            document.line_at(form.organisation, MARGIN, y, width, 6, "L")
            document.line_at(form.date_text, MARGIN, y, width, 6, "C")
            document.line_at(form.unit_text, MARGIN, y, width, 6, "R")
        y += 7
        x = MARGIN
        with document.local_context(fill_color=HEADER_FILL):
            for column in widths:
                document.rect(x, y, column, FORM_ROW, style="DF")
                x += column
        x = MARGIN
        with document.style(size=FORM_SIZE, bold=True):
            for header, column in zip(form.headers, widths, strict=True):
                document.line_at(str(header), x, y, column, FORM_ROW, "C")
                x += column
        return y + FORM_ROW

    y = head()
    for row in form.rows:
        if y + row_height > bottom:
            y = head()
        x = MARGIN
        for column in widths:
            document.rect(x, y, column, row_height)
            x += column
        x = MARGIN
        for cell, column in zip(row, widths, strict=True):
            with document.style(size=FORM_SIZE, bold=cell.bold):
                if cell.amount:
                    text = format_fen(cell.fen) if cell.fen is not None else ""
                    document.line_at(text, x + PAD_X, y, column - 2 * PAD_X, row_height, "R")
                else:
                    shift = INDENT_MM * cell.indent
                    size = document.fitting_size(cell.text, column - 2 * PAD_X - shift, FORM_SIZE, 5.0)
                    with document.style(size=size, bold=cell.bold):
                        align = "L" if cell.text and not cell.text.isdigit() else "C"
                        document.line_at(
                            cell.text, x + PAD_X + shift, y, column - 2 * PAD_X - shift, FORM_ROW, align
                        )
            x += column
        y += row_height
    notes = [note for note in (form.note, form.scope.mapping_note) if note]
    if y + 4 + FORM_ROW + 2 + 5 * len(notes) > bottom:  # the signatures never sit alone on a page
        y = head()
    y += 4
    with document.style(size=10):
        step = width / max(len(form.signatures), 1)
        for index, role in enumerate(form.signatures):
            document.line_at(role, MARGIN + index * step, y, step, FORM_ROW, "L")
    y += FORM_ROW + 2
    for note in notes:
        if note:
            with document.style(size=8, color=GREY):
                for line in document.wrap(note, width, 8):
                    document.line_at(line, MARGIN, y, width, 4.5, "L")
                    y += 4.5
    if form.warning:
        with document.style(size=10, bold=True, color=RED):
            for line in document.wrap(form.warning, width, 10):
                document.line_at(line, MARGIN, y, width, 5.5, "L")
                y += 5.5
    return document.to_bytes()
