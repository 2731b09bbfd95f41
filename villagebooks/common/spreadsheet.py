"""The one guard between text people typed and the spreadsheets the platform writes.

A village reporter's claim text becomes a voucher summary, and summaries, names and notes reach
county staff in CSV and XLSX files. Excel (and LibreOffice, WPS) read a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula or a command, so the least
trusted text would run in the most trusted user's spreadsheet. Every CSV and every XLSX the
platform writes is therefore written through this module, and ``common/tests/test_spreadsheet.py``
reads the code to prove that no other module builds a CSV writer or an openpyxl workbook or cell.

The invariant, decided by the type of each value rather than by its look:
- text (``str``) is text: in CSV a formula-like text gets a leading ``'`` (Excel shows the cell
  as typed and hides the quote); in XLSX it is a string cell, which Excel never evaluates, with
  the quote prefix so that it stays text when a user edits the cell and presses Enter;
- numbers (``int``, ``Decimal`` and ``Number``, the exact text of an amount such as ``-12.50``)
  are numbers: written as they are in CSV and as numeric cells in XLSX, so a negative amount is
  neither quoted nor turned into text.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO

# What spreadsheets read as the start of a formula or a command when a cell is opened or pasted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as this module accepts it as text: what ``fen_to_text`` and ``str(int)`` write.
_NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class Number(str):
    """The exact text of a number (``"-12.50"``, ``"3"``): written as a number, never guarded.

    Only text that really is a number can become one, so marking a cell as a number cannot smuggle
    a formula past the guard.
    """

    __slots__ = ()

    def __new__(cls, value: Any) -> Number:
        text = str(value)
        if not _NUMBER_TEXT.fullmatch(text):
            raise ValueError(f"not a number: {text!r}")
        return super().__new__(cls, text)


def guard_text(value: Any) -> str:
    """Text as a CSV cell that Excel shows as typed: a leading ``'`` before formula-like text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> str:
    """One CSV cell: numbers as they are, text guarded (see the module's invariant)."""
    if type(value) is str:  # the common case first: most cells are text
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, Number):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return guard_text(value)  # dates, lazy texts, anything else: its text, guarded


class GuardedCsvWriter:
    """``csv.writer`` whose every cell goes through ``csv_cell``."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        cell = csv_cell
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        cell = csv_cell
        write = self._writer.writerow
        for row in rows:
            write([cell(value) for value in row])


def csv_writer(handle: IO[str], **options: Any) -> GuardedCsvWriter:
    """The only CSV writer of the platform (``options`` as for ``csv.writer``)."""
    return GuardedCsvWriter(handle, **options)


# XLSX. openpyxl is imported inside the functions: a CSV report or ``villagebooks --help`` should
# not pay for loading it.


def _xlsx_text(value: Any) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # XML 1.0 cannot carry most control characters; openpyxl refuses them rather than drop them.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", "" if value is None else str(value))


class GuardedSheet:
    """A write-only worksheet whose rows can only be made of guarded cells.

    Everything else (column widths, merges, printing) passes through to openpyxl's sheet.
    """

    def __init__(self, sheet: Any) -> None:
        object.__setattr__(self, "_sheet", sheet)

    def __getattr__(self, name: str) -> Any:
        if name in ("append", "cell"):
            raise AttributeError(f"{name}: write rows with append_row() and text_cell()/number_cell()")
        return getattr(self._sheet, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._sheet, name, value)

    def text_cell(self, value: Any, style: str | None = None) -> Any:
        """A string cell, whatever the text looks like (``None`` or ``""``: an empty cell).

        openpyxl turns a string that starts with ``=`` into a formula and ``#N/A`` into an error
        value; setting the type after the value undoes that guess.
        """
        text = _xlsx_text(value)
        # An empty string would be written as an inline string without text; no value is plainer.
        cell = _new_cell(self._sheet, text or None)
        if text:
            cell.data_type = "s"
        if style is not None:
            cell.style = style
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
        return cell

    def number_cell(self, value: Number | int | Decimal | None, style: str | None = None) -> Any:
        """A numeric cell holding the exact number (``None``: an empty cell)."""
        if value is None:
            cell = _new_cell(self._sheet, None)
        else:
            # openpyxl writes a Decimal or float as "%.16g" of a float, so 77,430,988.15 would
            # reach the file as 77430988.15000001; the exact text, typed as a number, lets the
            # reading program round the true amount once.
            cell = _new_cell(self._sheet, Number(value))
            cell.data_type = "n"
        if style is not None:
            cell.style = style
        return cell

    def append_row(self, cells: list[Any]) -> None:
        """Append a row of cells made by ``text_cell``/``number_cell`` (``None``: no cell)."""
        for cell in cells:
            if cell is not None and not isinstance(cell, _cell_class()):
                raise TypeError(f"a sheet row takes guarded cells only, not {type(cell).__name__}")
        self._sheet.append(cells)


@functools.cache
def _cell_class() -> type:
    """openpyxl's cell, subclassed so that ``append_row`` knows the guard made it.

    Made on first use, so that importing this module does not load openpyxl.
    """
    from openpyxl.cell import Cell

    return type("GuardedCell", (Cell,), {"__slots__": ()})


def _new_cell(sheet: Any, value: Any) -> Any:
    # What openpyxl's WriteOnlyCell does, with the guard's class.
    return _cell_class()(worksheet=sheet, column=1, row=1, value=value)


class GuardedWorkbook:
    """A write-only openpyxl workbook whose sheets are ``GuardedSheet``s."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self._workbook = Workbook(write_only=True)

    @property
    def properties(self) -> Any:
        return self._workbook.properties

    def add_named_style(self, style: Any) -> None:
        self._workbook.add_named_style(style)

    def create_sheet(self, title: str) -> GuardedSheet:
        return GuardedSheet(self._workbook.create_sheet(title))

    def save(self, target: BinaryIO | Path | str) -> None:
        self._workbook.save(target)


def xlsx_workbook() -> GuardedWorkbook:
    """The only way the platform makes an XLSX workbook to write."""
    return GuardedWorkbook()
