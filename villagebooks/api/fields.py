"""The values the API reads and writes at its edge: text it accepts, money as decimal strings.

Money leaves as ``"1234.50"`` (``common.money.fen_to_text``) and arrives as a string that
``common.money.yuan_to_fen`` parses: never a JSON number, which would be a float.

Text is refused when it holds NUL or an unpaired surrogate: PostgreSQL cannot store the one and
UTF-8 cannot encode the other, so either would otherwise fail deep in the database as an
error of the server instead of an answer about the field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from villagebooks.common.errors import FieldProblem
from villagebooks.common.money import NOT_A_NUMBER, MoneyError, fen_to_text, yuan_to_fen

BAD_CHARACTERS = "不能包含控制字符（NUL）或无效的 Unicode 字符"


def _clean_text(value: str) -> str:
    if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValueError(BAD_CHARACTERS)
    return value


def text(max_length: int, *, min_length: int = 0, pattern: str | None = None):
    """A string type of at most ``max_length`` characters that the databases can store."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length, pattern=pattern),
        AfterValidator(_clean_text),
    ]


Code = text(32, min_length=1)  # a ledger code, a region code, an account code in a path
Money = text(32)  # yuan as a decimal string; parsed by ``money_to_fen``
Name = text(100)
Note = text(200)
Reason = text(500)

ID_MAX = 2**63 - 1


def money_to_fen(value: str | None, *, field: str, row: int | None = None) -> tuple[int, FieldProblem | None]:
    """Yuan text to fen; an empty value is 0. Returns the problem instead of raising, so that
    every bad amount of a voucher is reported at once."""
    if value is None or not value.strip():
        return 0, None
    try:
        return yuan_to_fen(value), None
    except MoneyError as error:
        return 0, FieldProblem(field, str(error), row)
    except ArithmeticError:  # an exponent so large that Decimal overflows ("1e999999999")
        return 0, FieldProblem(field, NOT_A_NUMBER, row)


def money_text(fen: int) -> str:
    return fen_to_text(fen)


def masked_id_number(number: str) -> str:
    """An ID number as people without the need to know see it: its first 3 and last 4 characters."""
    number = number.strip()
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
