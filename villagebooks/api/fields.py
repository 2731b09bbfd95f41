"""The values the API reads and writes at its edge: text it accepts, money as decimal strings.

Money leaves as ``"1234.50"`` (``common.money.fen_to_text``) and arrives as a string that
``common.money.yuan_to_fen`` parses: never a JSON number, which would be a float.

Text is refused when it holds NUL or an unpaired surrogate: PostgreSQL cannot store the one and
UTF-8 cannot encode the other, so either would otherwise fail deep in the database as an
error of the server instead of an answer about the field.

The OpenAPI document and the validation say the same thing: whatever the schema allows (its
patterns, lengths and enums) passes every check of its form, so a 422 for a request that fits the
schema is about the books (an unknown account, an unbalanced voucher), never about how a value is
written. ``api/tests/test_schema_agrees.py`` holds the two together.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from villagebooks.common.errors import FieldProblem
from villagebooks.common.money import MAX_FEN, NOT_A_NUMBER, MoneyError, fen_to_text, yuan_to_fen

BAD_CHARACTERS = "不能包含控制字符（NUL）或无效的 Unicode 字符"

# Text the databases can store: no NUL. (An unpaired surrogate is not a Unicode string at all:
# nothing that follows the schema sends one, and the validator below refuses it.)
TEXT_PATTERN = r"^[^\x00]*$"
# Text that must say something: at least one character that Python's str.strip() keeps, since the
# services strip names, summaries and reasons before they check them (\x1c-\x1f and \x85 are
# spaces to Python, not to every regular-expression engine).
FILLED_PATTERN = r"^[^\x00]*[^\s\x00\x1c-\x1f\x85][^\x00]*$"
# Yuan as the API writes them: digits, at most two decimals, no sign; "" is zero. As many integer
# digits as the largest amount, MAX_FEN, has (the parser also reads "1,234.50" and "¥3": the
# schema documents the plain form, which is all a program needs). The maximum itself is a rule of
# the books that a pattern cannot state: 1,000,000,000,000.01 has the digits and is refused.
YUAN_DIGITS = len(str(MAX_FEN // 100))


def _money_pattern(digits: int) -> str:
    """Up to ``digits`` integer digits, plain or grouped by commas ("12,345.60"), two decimals."""
    groups = (digits - 1) // 3  # full groups of three after the first
    lead = digits - 3 * groups
    plain = f"[0-9]{{1,{digits}}}"
    shorter = f"[0-9]{{1,3}}(,[0-9]{{3}}){{0,{groups - 1}}}" if groups > 1 else "[0-9]{1,3}"
    longest = f"[0-9]{{1,{lead}}}(,[0-9]{{3}}){{{groups}}}"
    return rf"^(({plain}|{shorter}|{longest})(\.[0-9]{{1,2}})?)?$"


MONEY_PATTERN = _money_pattern(YUAN_DIGITS)
_MONEY = re.compile(MONEY_PATTERN)
# A month as YYYY-MM; the optional filters also take "" (no filter).
PERIOD_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"
OPTIONAL_PERIOD_PATTERN = r"^([1-9][0-9]{3}-(0[1-9]|1[0-2]))?$"
ACCOUNT_CODE_PATTERN = r"^[0-9]+$"
OPTIONAL_ACCOUNT_CODE_PATTERN = r"^[0-9]*$"
# An Idempotency-Key (api/idempotency.py): printable ASCII without spaces, what fits in a header
# unchanged (a UUID is the usual key).
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,255}$"

BLANK = "不能为空"
BAD_IDEMPOTENCY_KEY = "Idempotency-Key 应为1到255个可见 ASCII 字符（如 UUID）"
BAD_MONEY = f'金额应写成数字，最多{YUAN_DIGITS}位整数、两位小数，可用逗号分节，如 "1234.50"'
NEGATIVE_MONEY = "金额不能为负数"
BAD_PERIOD_TEXT = "期间格式应为 YYYY-MM"
BAD_ACCOUNT_CODE = "科目编码只能是数字"
# What a value that misses each pattern is told (api/errors.py, which says more where it can).
PATTERN_MESSAGES = {
    PERIOD_PATTERN: BAD_PERIOD_TEXT,
    OPTIONAL_PERIOD_PATTERN: BAD_PERIOD_TEXT,
    ACCOUNT_CODE_PATTERN: BAD_ACCOUNT_CODE,
    OPTIONAL_ACCOUNT_CODE_PATTERN: BAD_ACCOUNT_CODE,
    IDEMPOTENCY_KEY_PATTERN: BAD_IDEMPOTENCY_KEY,
}


def _clean_text(value: str) -> str:
    if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValueError(BAD_CHARACTERS)
    return value


def _filled(value: str) -> str:
    if not value.strip():
        raise ValueError(BLANK)
    return value


def _money_form(value: str) -> str:
    """The plain form of yuan (``MONEY_PATTERN``); otherwise why not, as precisely as can be said."""
    if _MONEY.fullmatch(value):
        return value
    try:
        fen = yuan_to_fen(value)
    except MoneyError as error:
        raise ValueError(str(error)) from None  # not a number, too many decimals, too large
    except ArithmeticError:
        raise ValueError(str(NOT_A_NUMBER)) from None
    raise ValueError(NEGATIVE_MONEY if fen < 0 else BAD_MONEY)


def text(max_length: int, *, min_length: int = 0, pattern: str | None = None, filled: bool = False):
    """A string type of at most ``max_length`` characters that the databases can store.

    ``filled``: it must hold more than spaces (the services refuse a blank one). A ``pattern`` of
    one's own is enforced as it stands and must leave NUL out itself. The patterns of plain and
    filled text are documented in the schema and checked by validators, whose messages say
    which of the two rules a value broke.
    """
    constraints = StringConstraints(max_length=max_length, min_length=min_length, pattern=pattern)
    if pattern is not None:
        return Annotated[str, constraints, AfterValidator(_clean_text)]
    if filled:
        return Annotated[
            str,
            constraints,
            AfterValidator(_clean_text),
            AfterValidator(_filled),
            Field(json_schema_extra={"pattern": FILLED_PATTERN}),
        ]
    return Annotated[
        str, constraints, AfterValidator(_clean_text), Field(json_schema_extra={"pattern": TEXT_PATTERN})
    ]


Code = text(32, min_length=1)  # a ledger code, a region code, an account code in a path
# Yuan as a decimal string, parsed by ``money_to_fen``.
Money = Annotated[
    str,
    StringConstraints(max_length=32),
    AfterValidator(_clean_text),
    AfterValidator(_money_form),
    Field(json_schema_extra={"pattern": MONEY_PATTERN}),
]
Name = text(100)
ProjectCode = text(32)  # a project's code on a line: empty for none
FilledName = text(100, filled=True)  # a name the service requires
Note = text(200)
Reason = text(500, filled=True)
Summary = text(200, filled=True)  # a voucher line's, as long as the books keep
AccountCode = text(20, min_length=1, pattern=ACCOUNT_CODE_PATTERN)
Period = text(7, pattern=PERIOD_PATTERN)
OptionalPeriod = text(7, pattern=OPTIONAL_PERIOD_PATTERN)

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
