"""Reports of the catalogue as Excel workbooks: one sheet a report, laid out like the printed form.

The sheet holds the report title, a line naming the ledger (or region) and the period, one
header row and the rows of the report with its totals line in bold. Amounts are numbers (the
exact yuan text of the fen, shown ``#,##0.00``) so that a user can add them up; every text cell is
written through the platform's one spreadsheet guard (``villagebooks.common.spreadsheet``) as a
string cell whatever it starts with, so a name like ``=SUM(A1)`` stays text and Excel never
evaluates anything a village typed. The workbook is written in openpyxl's
write-only mode: rows go to disk as they are made, so a long report costs no more memory than
its rows.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from villagebooks.common.money import fen_to_text, format_fen
from villagebooks.common.spreadsheet import GuardedSheet, Number, xlsx_workbook
from villagebooks.reports.catalog import ReportKind
from villagebooks.reports.official_forms import OfficialForm
from villagebooks.reports.render import display_width
from villagebooks.reports.scope import ReportScope
from villagebooks.reports.statistics import StatisticsTable

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CREATOR = "村账通"  # the product's name, in every language
UNIT_TEXT = _("单位：元")
AMOUNT_FORMAT = "#,##0.00"
TITLE_ROWS = 3  # report title, ledger and period, column headers

# Characters a sheet name may not hold (ECMA-376 §18.2.19); 31 characters at most.
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

MIN_WIDTH = 8
MAX_WIDTH = 60

# Cell styles, by the names Excel shows in its style gallery. Styling a cell through a named
# style copies one small array; setting font, border and fill on each cell hashes those objects
# every time, which made 5,000 rows take nine seconds. The names stay Chinese in every language:
# they are the workbook's internal style names, not text of the report.
TITLE, LEFT, CENTER, RIGHT = "报表标题", "报表说明", "报表期间", "报表单位"
HEADER, TEXT, AMOUNT = "报表表头", "报表文本", "报表金额"
TOTAL_TEXT, TOTAL_AMOUNT, WARNING = "合计文本", "合计金额", "报表警告"


def _named_styles() -> list[NamedStyle]:
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    middle = Alignment(vertical="center")
    return [
        NamedStyle(
            TITLE, font=Font(bold=True, size=16), alignment=Alignment(horizontal="center", vertical="center")
        ),
        NamedStyle(LEFT, alignment=Alignment(horizontal="left", vertical="center")),
        NamedStyle(CENTER, alignment=Alignment(horizontal="center", vertical="center")),
        NamedStyle(RIGHT, alignment=Alignment(horizontal="right", vertical="center")),
        NamedStyle(
            HEADER,
            font=Font(bold=True),
            border=border,
            alignment=Alignment(horizontal="center", vertical="center"),
            fill=PatternFill(fill_type="solid", start_color="E7E6E6", end_color="E7E6E6"),
        ),
        NamedStyle(TEXT, border=border, alignment=middle),
        NamedStyle(AMOUNT, border=border, alignment=middle, number_format=AMOUNT_FORMAT),
        NamedStyle(TOTAL_TEXT, font=Font(bold=True), border=border, alignment=middle),
        NamedStyle(
            TOTAL_AMOUNT, font=Font(bold=True), border=border, alignment=middle, number_format=AMOUNT_FORMAT
        ),
        NamedStyle(WARNING, font=Font(bold=True, color="C00000")),
    ]


def render_xlsx(kind: ReportKind, scope: ReportScope, report: Any) -> bytes:
    """The report as the bytes of an ``.xlsx`` file (see ``write_xlsx``)."""
    buffer = io.BytesIO()
    write_xlsx(kind, scope, report, buffer)
    return buffer.getvalue()


def write_xlsx(kind: ReportKind, scope: ReportScope, report: Any, target: BinaryIO | Path | str) -> None:
    """Write the report as an ``.xlsx`` workbook to a path or a writable binary file.

    Args:
        kind: the catalogue entry: title, headers, how many leading columns are text.
        scope: the ledger or region and the period the report covers, for the title rows.
        report: what ``kind.build(scope)`` returned.
        target: a path, or a binary file object (``BytesIO``, an ``HttpResponse``).
    """
    if isinstance(report, OfficialForm):
        _write_form(kind, report, target)
        return
    if isinstance(report, StatisticsTable):
        _write_statistics(kind, report, target)
        return
    rows = kind.rows(report)
    total = kind.total(report)
    # A statement without a balance check ends on its own last line (年末未分配收益): printed once.
    totals = [] if rows and total == rows[-1] else [total]
    warning = kind.warning(report)
    workbook = xlsx_workbook()
    title = str(kind.title)
    workbook.properties.title = f"{title} {scope.title} {scope.period_text}"
    workbook.properties.subject = title
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR
    for style in _named_styles():
        workbook.add_named_style(style)
    sheet = workbook.create_sheet(sheet_name(title))
    columns = len(kind.headers)
    _set_up_sheet(sheet, kind, scope, columns, rows + totals)

    sheet.append_row([sheet.text_cell(title, TITLE)])
    sheet.append_row(_scope_row(sheet, kind, scope, columns))
    sheet.append_row([sheet.text_cell(header, HEADER) for header in kind.headers])
    for row in rows:
        sheet.append_row(_data_row(sheet, row, kind.text_columns, TEXT, AMOUNT))
    for row in totals:
        sheet.append_row(_data_row(sheet, row, kind.text_columns, TOTAL_TEXT, TOTAL_AMOUNT))
    if warning:
        # The command prints this on stderr; in a file it must travel with the figures.
        sheet.append_row([sheet.text_cell(warning, WARNING)])
    workbook.save(target)


def sheet_name(title: str) -> str:
    """A sheet name Excel accepts, from a report title."""
    return (SHEET_NAME_FORBIDDEN.sub("_", str(title)).strip("'") or gettext("报表"))[:31]


def column_widths(headers: list[str], rows: list[list], *, text_columns: int) -> list[int]:
    """Column widths in Excel's units (one ``0`` of the default font), CJK characters counting two."""
    widths = []
    for index, header in enumerate(headers):
        if index < text_columns:
            texts = ["" if row[index] is None else str(row[index]) for row in rows]
        else:
            texts = [
                ""
                if row[index] is None
                else row[index]
                if isinstance(row[index], str)
                else format_fen(row[index])
                for row in rows
            ]
        longest = max([display_width(str(header))] + [display_width(text) for text in texts])
        widths.append(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH))
    return widths


def _set_up_sheet(
    sheet: GuardedSheet, kind: ReportKind, scope: ReportScope, columns: int, rows: list
) -> None:
    """What write-only mode needs before the first row: widths, merges, frozen panes, printing."""
    widths = column_widths(kind.headers, rows, text_columns=kind.text_columns)
    left, middle, _unit = _scope_spans(kind, columns)
    # The ledger's name shares the text columns with nothing else; widen the last of them if
    # the name would be cut off.
    missing = display_width(_scope_text(scope)) + 2 - sum(widths[left[0] - 1 : left[1]])
    if missing > 0:
        widths[left[1] - 1] = min(widths[left[1] - 1] + missing, MAX_WIDTH)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(columns)
    sheet.merged_cells.add(f"A1:{last}1")
    for first, final in (left, middle):
        if final > first:
            sheet.merged_cells.add(f"{get_column_letter(first)}2:{get_column_letter(final)}2")
    sheet.row_dimensions[1].height = 28
    sheet.freeze_panes = f"A{TITLE_ROWS + 1}"
    sheet.print_title_rows = f"1:{TITLE_ROWS}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True


def _scope_spans(kind: ReportKind, columns: int) -> tuple[tuple[int, int], tuple[int, int], int]:
    """Columns (first, last) of the ledger name and of the period on row 2, and the unit's column.

    The name sits over the text columns, the period over the amounts but the last, which says
    the unit, as on the printed form.
    """
    text_end = min(max(kind.text_columns, 1), columns)
    if columns - text_end >= 2:
        return (1, text_end), (text_end + 1, columns - 1), columns
    # Too few amount columns to spread out: name and period share the first cell.
    return (1, max(columns - 1, 1)), (0, 0), columns


def _scope_text(scope: ReportScope) -> str:
    label = gettext("编制单位：{name}") if scope.single_ledger is not None else gettext("汇总范围：{name}")
    return label.format(name=scope.title)


def _scope_row(sheet: GuardedSheet, kind: ReportKind, scope: ReportScope, columns: int) -> list:
    left, middle, unit = _scope_spans(kind, columns)
    period = gettext("期间：{period}").format(period=scope.period_text)
    cells = [None] * columns
    if middle == (0, 0):
        cells[0] = sheet.text_cell(f"{_scope_text(scope)}  {period}", LEFT)
    else:
        cells[left[0] - 1] = sheet.text_cell(_scope_text(scope), LEFT)
        cells[middle[0] - 1] = sheet.text_cell(period, CENTER)
    cells[unit - 1] = sheet.text_cell(str(UNIT_TEXT), RIGHT)
    return cells


def _data_row(
    sheet: GuardedSheet, values: list, text_columns: int, text_style: str, amount_style: str
) -> list:
    cells = []
    for index, value in enumerate(values):
        if index < text_columns or isinstance(value, str):  # a str after the amounts: text too
            cells.append(sheet.text_cell(value, text_style))
        elif value is None:  # no figure (a change in percent against zero): an empty cell
            cells.append(sheet.number_cell(None, amount_style))
        else:
            cells.append(sheet.number_cell(Number(fen_to_text(value)), amount_style))
    return cells


# The official forms' rows above the column headers: title, table number, unit and date line.
FORM_TITLE_ROWS = 4
INDENT = "\u3000"


def _form_cell(sheet: GuardedSheet, cell) -> Any:
    if cell.amount:
        style = TOTAL_AMOUNT if cell.bold else AMOUNT
        return sheet.number_cell(None if cell.fen is None else Number(fen_to_text(cell.fen)), style)
    return sheet.text_cell(INDENT * cell.indent + cell.text, TOTAL_TEXT if cell.bold else TEXT)


def _write_form(kind: ReportKind, form: OfficialForm, target: BinaryIO | Path | str) -> None:
    """An official form as printed: title, 表号, 编制单位 / date / unit, the column headers, the
    lines (headings and subtotals bold, items indented), the signature lines, the notes."""
    workbook = xlsx_workbook()
    workbook.properties.title = f"{form.title} {form.organisation} {form.date_text}"
    workbook.properties.subject = form.title
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR
    for style in _named_styles():
        workbook.add_named_style(style)
    sheet = workbook.create_sheet(sheet_name(form.title))
    columns = len(form.headers)
    last = get_column_letter(columns)
    widths = []
    for index, header in enumerate(form.headers):
        texts = [str(header)] + [
            (format_fen(row[index].fen) if row[index].fen is not None else "")
            if row[index].amount
            else INDENT * row[index].indent + row[index].text
            for row in form.rows
        ]
        widths.append(min(max(max(display_width(t) for t in texts) + 2, MIN_WIDTH), MAX_WIDTH))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.row_dimensions[1].height = 28
    sheet.freeze_panes = f"A{FORM_TITLE_ROWS + 1}"
    sheet.print_title_rows = f"1:{FORM_TITLE_ROWS}"
    sheet.page_setup.orientation = "landscape" if columns > 4 else "portrait"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True

    sheet.append_row([sheet.text_cell(form.title, TITLE)])
    table_no = [None] * columns
    table_no[-1] = sheet.text_cell(form.table_no, RIGHT)
    sheet.append_row(table_no)
    line = [None] * columns
    line[0] = sheet.text_cell(form.organisation, LEFT)
    line[columns // 2 - 1 if columns > 4 else 1] = sheet.text_cell(form.date_text, CENTER)
    line[-1] = sheet.text_cell(form.unit_text, RIGHT)
    sheet.append_row(line)
    sheet.append_row([sheet.text_cell(header, HEADER) for header in form.headers])
    for row in form.rows:
        sheet.append_row([_form_cell(sheet, cell) for cell in row])
    sheet.append_row([])
    signatures = [None] * columns
    step = max(columns // max(len(form.signatures), 1), 1)
    for index, role in enumerate(form.signatures):
        signatures[min(index * step, columns - 1)] = sheet.text_cell(role, LEFT)
    sheet.append_row(signatures)
    for note in (form.note, form.scope.mapping_note):
        if note:
            sheet.append_row([sheet.text_cell(note, LEFT)])
    if form.warning:
        sheet.append_row([sheet.text_cell(form.warning, WARNING)])
    workbook.save(target)


STATISTICS_WIDTHS = (6, 36, 18, 18, 10)


def _write_statistics(kind: ReportKind, table: StatisticsTable, target: BinaryIO | Path | str) -> None:
    """A statistics form in its layout: title, 表号, 编制单位 / year / unit, 行次 项目 本年 上年 增减%
    (amounts as numbers, counts as whole numbers, UNSURE rows marked), then the form's checks with
    both sides and the result, and the notes."""
    form = table.form
    workbook = xlsx_workbook()
    organisation = gettext("编制单位：{name}").format(name=table.scope.region.name)
    workbook.properties.title = f"{form.title} {table.scope.region.name} {table.year}"
    workbook.properties.subject = form.title
    workbook.properties.creator = CREATOR
    workbook.properties.lastModifiedBy = CREATOR
    for style in _named_styles():
        workbook.add_named_style(style)
    sheet = workbook.create_sheet(sheet_name(form.title))
    for index, width in enumerate(STATISTICS_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.merged_cells.add("A1:E1")
    sheet.row_dimensions[1].height = 28
    sheet.freeze_panes = f"A{FORM_TITLE_ROWS + 1}"
    sheet.print_title_rows = f"1:{FORM_TITLE_ROWS}"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    def figure(value: int | None, *, count: bool, bold: bool):
        if value is None:
            return sheet.number_cell(None, AMOUNT)
        if count:
            return sheet.number_cell(value, TOTAL_TEXT if bold else TEXT)
        return sheet.number_cell(Number(fen_to_text(value)), TOTAL_AMOUNT if bold else AMOUNT)

    sheet.append_row([sheet.text_cell(form.title, TITLE)])
    sheet.append_row([None, None, None, None, sheet.text_cell(form.table_no, RIGHT)])
    unit = gettext("单位：{unit}").format(unit=form.unit)
    year = gettext("{year} 年度").format(year=table.year)
    sheet.append_row(
        [
            sheet.text_cell(organisation, LEFT),
            None,
            sheet.text_cell(year, CENTER),
            None,
            sheet.text_cell(unit, RIGHT),
        ]
    )
    sheet.append_row([sheet.text_cell(header, HEADER) for header in kind.headers[:5]])
    for line in table.lines:
        row = line.row
        style = TOTAL_TEXT if row.bold else TEXT
        label = INDENT * row.indent + row.label + (gettext("（未核实）") if row.unsure else "")
        pct = line.change_pct
        change = "" if pct is None or not row.has_value else f"{pct / 100:+.1f}%"
        sheet.append_row(
            [
                sheet.number_cell(row.no, TEXT),
                sheet.text_cell(label, style),
                figure(line.value if row.has_value else None, count=line.is_count, bold=row.bold),
                figure(line.last if row.has_value else None, count=line.is_count, bold=row.bold),
                sheet.text_cell(("※ " if line.flagged else "") + change, TEXT),
            ]
        )
    sheet.append_row([])
    if table.checks:
        sheet.append_row([sheet.text_cell(gettext("表内校验"), TOTAL_TEXT)])
        for result in table.checks:
            count = form.row(result.check.left).is_count
            sheet.append_row(
                [
                    None,
                    sheet.text_cell(result.check.text, TEXT),
                    figure(result.left, count=count, bold=False),
                    figure(result.right, count=count, bold=False),
                    sheet.text_cell(gettext("通过") if result.passed else gettext("未通过"), TEXT),
                ]
            )
    for row in form.rows:
        if row.unsure:
            sheet.append_row([sheet.text_cell(f"{row.no}. {row.label}：{row.unsure}", LEFT)])
    if table.scope.mapping_note:
        sheet.append_row([sheet.text_cell(table.scope.mapping_note, LEFT)])
    if table.warning:
        sheet.append_row([sheet.text_cell(table.warning, WARNING)])
    workbook.save(target)
