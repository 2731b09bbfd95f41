"""Reading a bank statement file: its columns (the common layout, a named layout of
``data/bank-layouts.json`` or a mapping given with the file) and its rows as checked values.

Reading writes nothing: ``read_statement`` returns the parsed rows and every problem found, each
at its field and row, so that the import can refuse the whole file at once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.banking import errors as E
from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.common.money import MoneyError, format_fen, yuan_to_fen
from villagebooks.common.tabular import picker, table_open

LAYOUTS_FILE = Path(__file__).resolve().parents[1] / "data" / "bank-layouts.json"
COLUMNS = ("date", "summary", "income", "expense", "balance", "counterpart", "serial")
REQUIRED = ("date", "income", "expense", "balance", "serial")
COLUMN_LABELS = {
    "date": _("交易日期"),
    "summary": _("摘要"),
    "income": _("收入金额"),
    "expense": _("支出金额"),
    "balance": _("余额"),
    "counterpart": _("对方户名"),
    "serial": _("流水号"),
}
DEFAULT_LAYOUT = "common"
SUMMARY_MAX, COUNTERPART_MAX, SERIAL_MAX = 200, 100, 64
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


@cache
def layouts() -> dict[str, dict]:
    """The layouts of ``data/bank-layouts.json``: name → {"name": label, "columns": aliases}."""
    return json.loads(LAYOUTS_FILE.read_text(encoding="utf-8"))["layouts"]


def layout_choices() -> list[tuple[str, str]]:
    return [(key, layout["name"]) for key, layout in layouts().items()]


def aliases_for(
    layout: str = DEFAULT_LAYOUT, mapping: dict[str, str] | None = None
) -> dict[str, tuple[str, ...]]:
    """The headers accepted per column: its machine name, a header given for it, the layout's.

    The second of them is what ``tabular`` names a missing column by: the given header, or the
    layout's first (交易日期 … for the common layout).
    """
    if layout not in layouts():
        names = "、".join(layouts())
        raise DomainError(E.UNKNOWN_LAYOUT.format(name=layout, names=names), field="layout")
    chosen = layouts()[layout]["columns"]
    aliases = {}
    for column in COLUMNS:
        given = [mapping[column]] if mapping and column in mapping else []
        aliases[column] = tuple(dict.fromkeys([column, *given, *chosen.get(column, ())]))
    return aliases


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["income=贷方发生额", …]`` → {"income": "贷方发生额"}; a bad item raises at field "columns"."""
    mapping = {}
    for item in items:
        column, sep, header = (part.strip() for part in item.partition("="))
        if not sep or column not in COLUMNS or not header:
            raise DomainError(
                E.BAD_COLUMN_MAPPING.format(text=item, names=", ".join(COLUMNS)), field="columns"
            )
        mapping[column] = header
    return mapping


@dataclass(frozen=True)
class StatementRow:
    row: int  # in the file, the header being row 1
    date: date
    summary: str
    income_fen: int
    expense_fen: int
    balance_fen: int
    counterpart: str
    serial: str

    @property
    def amount_fen(self) -> int:
        return self.income_fen - self.expense_fen


def parse_date(text: str) -> date | None:
    text = text.strip()
    if " " in text:  # an export's date and time ("2025-01-31 10:02:03"): the day is what counts
        text = text.split(" ", 1)[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _amount(text: str, column: str, row: int, problems: list[FieldProblem]) -> int | None:
    if not text or text in ("-", "—"):
        return 0
    try:
        fen = yuan_to_fen(text)
    except MoneyError as error:
        label = COLUMN_LABELS[column]
        problems.append(FieldProblem(column, E.BAD_AMOUNT.format(column=label, text=text, reason=error), row))
        return None
    if fen < 0 and column != "balance":
        problems.append(FieldProblem(column, E.NEGATIVE_AMOUNT.format(column=COLUMN_LABELS[column]), row))
        return None
    return fen


def _row(number: int, cells: list[str], problems: list[FieldProblem]) -> StatementRow | None:
    day_text, summary, income_text, expense_text, balance_text, counterpart, serial = cells
    found = len(problems)
    day = parse_date(day_text) if day_text else None
    if not day_text:
        problems.append(FieldProblem("date", E.DATE_REQUIRED, number))
    elif day is None:
        problems.append(FieldProblem("date", E.BAD_DATE.format(text=day_text), number))
    income = _amount(income_text, "income", number, problems)
    expense = _amount(expense_text, "expense", number, problems)
    balance = None
    if not balance_text:
        problems.append(FieldProblem("balance", E.BALANCE_REQUIRED, number))
    else:
        balance = _amount(balance_text, "balance", number, problems)
    if income is not None and expense is not None:
        if income and expense:
            problems.append(FieldProblem("income", E.BOTH_AMOUNTS, number))
        elif not income and not expense:
            problems.append(FieldProblem("income", E.NO_AMOUNT, number))
    serial = re.sub(r"\s+", "", serial)
    if not serial:
        problems.append(FieldProblem("serial", E.SERIAL_REQUIRED, number))
    elif len(serial) > SERIAL_MAX:
        problems.append(FieldProblem("serial", E.SERIAL_TOO_LONG, number))
    if len(problems) > found:
        return None
    return StatementRow(
        row=number,
        date=day,
        summary=summary[:SUMMARY_MAX],
        income_fen=income,
        expense_fen=expense,
        balance_fen=balance,
        counterpart=counterpart[:COUNTERPART_MAX],
        serial=serial,
    )


def read_statement(
    path: Path, *, layout: str = DEFAULT_LAYOUT, mapping: dict[str, str] | None = None
) -> tuple[list[StatementRow], list[FieldProblem]]:
    """The rows of a statement file in the bank's order (oldest first) and every problem.

    A file listing the newest transaction first (as some online banks export) is read bottom
    up. The running balance must add up from each row to the next; the first row's balance
    gives the balance before it. Raises ``TableError`` for a file that is no table at all.
    """
    problems: list[FieldProblem] = []
    rows: list[StatementRow] = []
    with table_open(Path(path), aliases_for(layout, mapping), REQUIRED) as table:
        pick = picker(table.columns, COLUMNS)
        for number, cells in table.rows:
            texts = pick(cells)
            if not any(texts):
                continue  # a blank row (a spreadsheet's trailing ones)
            row = _row(number, texts, problems)
            if row is not None:
                rows.append(row)
    if problems:
        return rows, problems
    if not rows:
        return rows, [FieldProblem("file", E.NO_ROWS)]
    if rows[0].date > rows[-1].date:
        rows.reverse()
    for previous, row in zip(rows, rows[1:], strict=False):
        if row.date < previous.date:
            problems.append(
                FieldProblem("date", E.NOT_IN_ORDER.format(date=row.date, previous=previous.date), row.row)
            )
        expected = previous.balance_fen + row.income_fen - row.expense_fen
        if expected != row.balance_fen:
            message = E.BALANCE_BROKEN.format(
                previous=format_fen(previous.balance_fen),
                income=format_fen(row.income_fen),
                expense=format_fen(row.expense_fen),
                expected=format_fen(expected),
                balance=format_fen(row.balance_fen),
            )
            problems.append(FieldProblem("balance", message, row.row))
    seen: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r.row):
        if row.serial in seen:
            problems.append(
                FieldProblem(
                    "serial", E.SERIAL_TWICE.format(serial=row.serial, row=seen[row.serial]), row.row
                )
            )
        seen.setdefault(row.serial, row.row)
    return rows, problems


def column_label(column: str) -> str:
    """The Chinese name of a problem's field, for the lines that say it at its row."""
    label = COLUMN_LABELS.get(column)
    if label:
        return str(label)
    return {"file": gettext("文件"), "header": gettext("表头")}.get(column, column)
