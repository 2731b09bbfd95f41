"""Reading the tables users bring as files: CSV (UTF-8 with or without BOM, GBK/GB18030, as
Chinese Excel saves it) or XLSX, as a header mapped through column aliases and a stream of
(row number, cells), row 1 being the header row as a spreadsheet numbers it.

Every importer of a file (vouchers, opening balances, users, …) reads through ``table_open``,
so that a file one import accepts the others accept too, and every unreadable file, missing
column or broken row is told the same way: a ``TableError`` whose problems name the field
("file" or "header") and the row. Rows are streamed, never held whole, and picking a row's
columns (``picker``) runs in C for the common row: the voucher import reads millions of them.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError, FieldProblem

WRONG_FILE_TYPE = _("只能导入 .csv 或 .xlsx 文件（当前文件：{name}）")
NOT_FOUND = _("文件不存在：{name}")
EMPTY_FILE = _("文件是空的")
NOT_XLSX = _("文件扩展名是 .xlsx，但内容不是 Excel 工作簿（.xlsx）")
XLSX_AS_CSV = _("文件扩展名是 .csv，但内容是 Excel 工作簿，请把扩展名改为 .xlsx 或另存为 CSV")
OLD_XLS = _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV")
NOT_TEXT = _("文件不是文本格式的 CSV")
UTF16 = _("文件是 UTF-16 编码，请另存为 UTF-8 或 GBK 编码的 CSV")
UNKNOWN_ENCODING = _("无法识别文件编码，请保存为 UTF-8 或 GBK（GB18030）编码的 CSV 文件")
BROKEN_CSV = _("CSV 格式错误：{error}")
MISSING_COLUMNS = _("缺少必需的列：{columns}")
DUPLICATE_COLUMN = _("列“{name}”出现了两次")

# Canonical column name → the headers accepted for it (compared without case or spaces); the
# second alias, when there is one, is the Chinese name a missing column is reported by.
Aliases = dict[str, tuple[str, ...]]


class TableError(DomainError):
    """The file cannot be read as a table; ``problems`` say why (field "file" or "header")."""

    code = "unreadable_file"


@dataclass
class Table:
    columns: dict[str, int]  # canonical column name → cell index
    rows: Iterator[tuple[int, tuple | list]]  # (row number, cells) below the header
    total_rows: int | None  # rows below the header, for a progress bar (CSV: lines, an estimate)
    unknown: list[str]  # header cells that are no known column, as written (blank ones left out)
    width: int  # cells in the header row; a row's non-blank cell beyond them has no column


def file_problem(message: str, row: int | None = None) -> TableError:
    return TableError(problems=[FieldProblem("file", message, row)])


def csv_encoding(path: Path) -> tuple[str, int]:
    """The encoding of a CSV file and its count of lines, read chunk by chunk.

    UTF-8 is tried first: GBK text is almost never valid UTF-8, while plain ASCII is both.
    GB18030 is the superset of GBK that Chinese Excel writes. Anything else is refused rather
    than read as mojibake.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise file_problem(UTF16)
    # A byte order mark says UTF-8; if the rest is not, guessing GB18030 would only garble it.
    candidates = ("utf-8-sig",) if head.startswith(codecs.BOM_UTF8) else ("utf-8-sig", "gb18030")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        lines, last = 0, b"\n"
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    if b"\x00" in chunk:
                        raise file_problem(NOT_TEXT)
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                    last = chunk[-1:]
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines + (last != b"\n")
    raise file_problem(UNKNOWN_ENCODING)


def _csv_rows(reader) -> Iterator[tuple[int, list]]:
    # Records, not physical lines: a quoted cell may span lines, and a spreadsheet shows one row.
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise file_problem(BROKEN_CSV.format(error=exc), number) from exc
        yield number, cells


def _column_index(header, aliases: Aliases, required: tuple[str, ...]) -> tuple[dict[str, int], list[str]]:
    by_alias = {alias.lower(): name for name, names in aliases.items() for alias in names}
    columns: dict[str, int] = {}
    unknown: list[str] = []
    problems = []
    for index, cell in enumerate(header):
        text = re.sub(r"\s+", "", str(cell or "")).lstrip("\ufeff").lower()
        name = by_alias.get(text)
        if name is None:
            if text:
                unknown.append(str(cell).strip().lstrip("\ufeff"))
            continue
        if name in columns:
            problems.append(FieldProblem("header", DUPLICATE_COLUMN.format(name=str(cell).strip()), 1))
        columns[name] = index
    missing = [
        f"{name}（{aliases[name][1]}）" if len(aliases[name]) > 1 else name
        for name in required
        if name not in columns
    ]
    if missing:
        problems.append(FieldProblem("header", MISSING_COLUMNS.format(columns="、".join(missing)), 1))
    if problems:
        raise TableError(problems=problems)
    return columns, unknown


@contextmanager
def table_open(path: Path, aliases: Aliases, required: tuple[str, ...] = ()) -> Iterator[Table]:
    """Open a CSV or XLSX file for streaming.

    Raises:
        TableError: a wrong type, an unreadable or empty file, an unknown encoding, a duplicate
            or missing (``required``) column; while rows are read, a broken CSV record.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise file_problem(WRONG_FILE_TYPE.format(name=path.name))
    if not path.is_file():
        raise file_problem(NOT_FOUND.format(name=path))
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise file_problem(EMPTY_FILE)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_problem(OLD_XLS)
    is_zip = head.startswith(b"PK\x03\x04")
    if suffix == ".csv":
        if is_zip:
            raise file_problem(XLSX_AS_CSV)
        encoding, lines = csv_encoding(path)
        with path.open(encoding=encoding, newline="") as handle:
            rows = _csv_rows(csv.reader(handle))
            first = next(rows, None)
            if first is None:
                raise file_problem(EMPTY_FILE)
            columns, unknown = _column_index(first[1], aliases, required)
            yield Table(columns, rows, lines - 1, unknown, len(first[1]))
        return
    if not is_zip:
        raise file_problem(NOT_XLSX)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (BadZipFile, KeyError, …) for a bad file
        raise file_problem(NOT_XLSX) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        first = next(rows, None)
        if first is None:
            raise file_problem(EMPTY_FILE)
        total = sheet.max_row - 1 if sheet.max_row else None
        columns, unknown = _column_index(first[1], aliases, required)
        yield Table(columns, rows, total, unknown, _xlsx_width(first[1]))
    finally:
        workbook.close()


def _xlsx_width(header: tuple) -> int:
    # A read-only sheet pads every row to the sheet's widest; blank cells there are no header.
    width = len(header)
    while width and header[width - 1] in (None, ""):
        width -= 1
    return width


# ---------------------------------------------------------------------------------------------
# Cells to texts


def picker(columns: dict[str, int], names) -> Callable[[tuple | list], list[str]]:
    """A function from a row's cells to the texts of columns ``names``, in that order ("" if absent)."""
    width = max(columns.values(), default=-1) + 1
    get = itemgetter(*[columns.get(name, width) for name in names])  # index ``width`` is padding
    padding = [None] * (width + 1)
    strip = str.strip
    all_present = all(name in columns for name in names)
    if len(names) == 1:  # itemgetter of one index gives the cell, not a tuple of one
        single = get
        get = lambda cells: (single(cells),)  # noqa: E731

    def pick(cells):
        if all_present and len(cells) >= width:
            # The common row (every column there, every cell text, as in any CSV) in C.
            try:
                return list(map(strip, get(cells)))
            except TypeError:  # an XLSX number, date or empty cell
                pass
        cells = list(cells[:width])
        cells += padding[len(cells) :]
        return [cell.strip() if type(cell) is str else cell_text(cell) for cell in get(cells)]

    return pick


def float_text(value: float) -> str:
    # XLSX stores numbers as binary floats; Excel shows and means them at 15 significant
    # digits, so 1234.56 stays 1234.56 and a formula's 0.30000000000000004 is 0.3.
    return format(value, ".15g")


def cell_text(value) -> str:
    """A cell as text: a CSV cell stripped, an XLSX number as Excel shows it, a date as ISO."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    return str(value).strip()
