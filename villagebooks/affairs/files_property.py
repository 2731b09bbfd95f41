"""Reading the contract, asset and resource files (CSV or XLSX, Chinese or code headers) and
their cells: every problem named by row and column, nothing written until the whole file is
sound. Also the county-correctable data of ``data/affairs-property.json``."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation

from villagebooks.affairs import errors_property as E
from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.common.tabular import picker, table_open

DATA_PATH = Path(__file__).resolve().parents[1] / "data" / "affairs-property.json"
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
YES = ("是", "yes", "y", "true", "1")
NO = ("否", "no", "n", "false", "0", "")


@cache
def _load(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def property_terms() -> dict:
    """The data file (or the one ``settings.VILLAGEBOOKS_AFFAIRS_PROPERTY`` names)."""
    return _load(str(getattr(settings, "VILLAGEBOOKS_AFFAIRS_PROPERTY", DATA_PATH)))


def read_rows(path: Path, aliases: dict, required: tuple) -> list[tuple[int, dict[str, str]]]:
    """The file's non-empty rows as (row number, {column: text}); header problems raised together."""
    columns = tuple(aliases)
    with table_open(Path(path), aliases) as table:
        problems = []
        missing = [aliases[name][-1] for name in required if name not in table.columns]
        if missing:
            problems.append(FieldProblem("header", E.MISSING_COLUMNS.format(columns=", ".join(missing))))
        if table.unknown:
            problems.append(
                FieldProblem("header", E.UNKNOWN_COLUMNS.format(columns=", ".join(table.unknown)))
            )
        if problems:
            raise DomainError(problems=problems)
        pick = picker(table.columns, columns)
        rows = []
        for number, cells in table.rows:
            if any(cell not in (None, "") for cell in cells[table.width :]):
                problems.append(FieldProblem("", E.EXTRA_CELLS, number))
                continue
            texts = pick(cells)
            if any(texts):
                rows.append((number, dict(zip(columns, texts, strict=True))))
    if problems:
        raise DomainError(problems=problems)
    if not rows:
        raise DomainError(E.NO_ROWS, field="file")
    return rows


class Cells:
    """One row's cells, each read once; a bad cell adds its problem (row, column, reason)."""

    def __init__(self, row: int, values: dict[str, str], problems: list[FieldProblem]):
        self.row, self.values, self.problems = row, values, problems

    def bad(self, column: str, message) -> None:
        self.problems.append(FieldProblem(column, str(message), self.row))

    def text(self, column: str, *, required: bool = False, limit: int = 200) -> str:
        value = self.values.get(column, "")
        if required and not value:
            self.bad(column, E.REQUIRED)
        elif len(value) > limit:
            self.bad(column, E.TOO_LONG.format(limit=limit))
        return value

    def date(self, column: str, *, required: bool = False) -> date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        match = _DATE.fullmatch(value)
        if match is not None:
            try:
                return date(*(int(group) for group in match.groups()))
            except ValueError:
                pass
        self.bad(column, E.BAD_DATE.format(text=value))
        return None

    def fen(self, column: str, *, required: bool = False, positive: bool = False) -> int:
        value = self.text(column, required=required)
        if not value:
            return 0
        try:
            fen = yuan_to_fen(value)
        except MoneyError as error:
            self.bad(column, error)
            return 0
        if positive and fen <= 0:
            self.bad(column, E.NOT_POSITIVE)
        elif fen < 0:
            self.bad(column, E.NEGATIVE)
        return fen

    def decimal(self, column: str, *, required: bool = False) -> Decimal | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            number = Decimal(value.replace(",", "").rstrip("%"))
        except InvalidOperation:
            self.bad(column, E.BAD_NUMBER.format(text=value))
            return None
        if not number.is_finite():
            self.bad(column, E.BAD_NUMBER.format(text=value))
            return None
        return number

    def choice(self, column: str, choices, *, required: bool = True, default: str = "") -> str:
        value = self.text(column, required=required)
        if not value:
            return default
        found = choice_of(value, choices)
        if found is None:
            labels = "、".join(str(label) for _value, label in choices)
            self.bad(column, E.BAD_CHOICE.format(text=value, choices=labels))
            return default
        return found

    def yes_no(self, column: str) -> bool:
        value = self.text(column).lower()
        if value in YES:
            return True
        if value not in NO:
            self.bad(column, E.BAD_YES_NO.format(text=value))
        return False


def choice_of(text: str, choices) -> str | None:
    """A choice by its code or its label, Chinese or in the active language."""
    names = {}
    with translation.override("zh-hans"):
        names.update({str(label): value for value, label in choices})
    names.update({str(label): value for value, label in choices})
    names.update({value: value for value, _label in choices})
    return names.get(text)
