"""Reading a file's cells: the file opened through common.tabular (its problems become this
import's ``ImportFailed``), amounts, dates, the names that fit their columns, the file's digest."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from pathlib import Path

from villagebooks.common.errors import FieldProblem
from villagebooks.common.money import yuan_to_fen
from villagebooks.common.tabular import (
    Table,
    TableError,
    table_open,
)
from villagebooks.ledger.domain.vouchers import (
    LineInput,
)
from villagebooks.ledger.importing.messages import NAME_TOO_LONG, ImportFailed

NAME_LIMIT = 100  # Fund.name and Counterparty.name


@contextmanager
def _table_open(path: Path, aliases, required: tuple[str, ...]) -> Iterator[Table]:
    try:
        with table_open(path, aliases, required) as table:
            yield table
    except TableError as error:
        raise ImportFailed(problems=error.problems) from error


# The common amount, digits with up to two decimals, in integer arithmetic: an import reads
# hundreds of thousands of them. Anything else goes to money.yuan_to_fen, which owns the rules
# (12 digits of yuan stay below money.MAX_FEN; its maximum itself has 13).
_PLAIN_AMOUNT = re.compile(r"(\d{1,12})(?:\.(\d{1,2}))?")


def _fen(text: str) -> int:
    """An amount cell's text in fen; empty is 0. Raises MoneyError (Chinese message)."""
    if not text:
        return 0
    plain = _PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:
        whole, cents = plain.groups()
        return int(whole) * 100 + (int(cents.ljust(2, "0")) if cents else 0)
    return yuan_to_fen(text)


_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


@lru_cache(maxsize=4096)
def _date(text: str) -> date | None:
    """A date cell's text: 2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, 20250305 (a time may follow)."""
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _names_that_fit(lines: list[LineInput], problems: list[FieldProblem]) -> list[LineInput]:
    """The lines whose fund and counterparty names fit their columns; the others as problems.

    A name that does not fit is in no ledger, and must not reach ``--create-missing``.
    """
    limit = NAME_LIMIT
    if all(len(line.fund_name) <= limit and len(line.counterparty_name) <= limit for line in lines):
        return lines  # as good as always
    fitting = []
    for line in lines:
        too_long = [
            (field_name, name)
            for field_name, name in (("fund", line.fund_name), ("counterparty", line.counterparty_name))
            if len(name) > limit
        ]
        for field_name, _name in too_long:
            problems.append(FieldProblem(field_name, NAME_TOO_LONG.format(limit=limit), line.row))
        if not too_long:
            fitting.append(line)
    return fitting


def _sha256(path: Path) -> str:
    """The file's SHA-256, which an imported voucher records (a missing file fails at reading)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()
