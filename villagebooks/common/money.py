"""Money at the edges: yuan text ⇄ integer fen, display, and the amount in words.

Inside the platform money is always an ``int`` of 分 (fen). This module is the only place
that turns user text or ``Decimal`` into fen and back; it refuses floats and refuses to round
(an amount with three decimals is an error, not a guess).

It also fixes the two maxima that keep every sum of money inside a signed 64-bit integer
(9.2 × 10^18 fen), the column type of both databases: SQLite turns an integer sum that
overflows into an inexact REAL (or raises "integer overflow" in SUM), PostgreSQL raises
"bigint out of range".

- ``MAX_FEN``, one amount (a line, a fund, a claim): 1,000,000,000,000.00 yuan (10^14 fen), a
  hundred times more than the largest village collective holds in all.
- ``BALANCE_MAX_FEN``, one voucher's total and one balance row's debit or credit total (a month's
  movements or an opening balance of one account and dimension): 100,000,000,000,000.00 yuan
  (10^16 fen). 922 such rows still add up in 64 bits, so reports and ``verify`` can sum them
  in SQL; the database refuses a balance row beyond it (ledger migration 0007).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

NOT_A_NUMBER = _("不是有效的金额")
TOO_MANY_DECIMALS = _("金额最多两位小数")
FLOAT_REFUSED = _("金额不能由浮点数构造")
AMOUNT_TOO_LARGE = _("金额超出范围：一笔金额最多 {limit} 元")

# See the module's text for why these two.
MAX_FEN = 10**14
BALANCE_MAX_FEN = 10**16
# More yuan digits than this is out of range before any arithmetic: 10^13 yuan has 14.
MAX_YUAN_EXPONENT = len(str(MAX_FEN // 100)) - 1


class MoneyError(ValueError):
    """A text that is not an amount of money; the message is for the user."""

    def __init__(self, message: str):
        # Fixed in the language active where the amount was parsed (the request's), as a plain
        # str, so that callers may join, compare and serialise it.
        super().__init__(str(message))


def yuan_to_fen(value: str | Decimal | int) -> int:
    """Parse yuan (``"1,234.50"``, ``Decimal("3")``, ``12``) into fen.

    Raises:
        MoneyError: not a number, more than two decimals, a float, or out of range.
    """
    if isinstance(value, float):
        raise MoneyError(FLOAT_REFUSED)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        if not text:
            raise MoneyError(NOT_A_NUMBER)
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError(NOT_A_NUMBER) from exc
    if not amount.is_finite():
        raise MoneyError(NOT_A_NUMBER)
    # Before any arithmetic, which "1e999999999" would overflow: more yuan digits than MAX_FEN has.
    if amount and amount.adjusted() > MAX_YUAN_EXPONENT:
        raise MoneyError(too_large_text())
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError(TOO_MANY_DECIMALS)
    result = int(fen)
    if abs(result) > MAX_FEN:
        raise MoneyError(too_large_text())
    return result


def too_large_text() -> str:
    """Why an amount beyond ``MAX_FEN`` is refused, with the maximum, in the active language."""
    return AMOUNT_TOO_LARGE.format(limit=format_fen(MAX_FEN))


def fen_to_yuan(fen: int) -> Decimal:
    """Fen as a two-place ``Decimal`` of yuan."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def fen_to_text(fen: int) -> str:
    """Fen as a plain decimal string with two places: ``123450`` → ``"1234.50"``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def format_fen(fen: int, *, symbol: bool = False) -> str:
    """Fen for display with thousands separators: ``123450`` → ``"1,234.50"``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{'¥' if symbol else ''}{whole:,}.{cents:02d}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_GROUP_UNITS = ["", "万", "亿", "万亿"]


def _group_words(group: int) -> str:
    """Words for 0 < group < 10000 without leading 零, e.g. 305 → 叁佰零伍."""
    words = []
    pending_zero = False
    for position in range(3, -1, -1):
        digit = group // (10**position) % 10
        if digit == 0:
            if words:
                pending_zero = True
            continue
        if pending_zero:
            words.append("零")
            pending_zero = False
        words.append(_DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(words)


def amount_in_words(fen: int) -> str:
    """The amount in words (人民币大写) by 会计基础工作规范 art. 52.

    A zero 元 digit before a non-zero 角 is always written (壹拾万柒仟元零伍角叁分): one form,
    always used, as accounting-rules.md §7 asks. Negative amounts are prefixed 负.
    """
    if fen < 0:
        return "负" + amount_in_words(-fen)
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    parts = []
    if yuan:
        groups = []
        remaining = yuan
        while remaining:
            groups.append(remaining % 10000)
            remaining //= 10000
        text = ""
        need_zero = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                need_zero = bool(text)
                continue
            if text and (need_zero or group < 1000):
                text += "零"
            text += _group_words(group) + _GROUP_UNITS[index]
            need_zero = False
        parts.append(text + "元")
    if not yuan and not cents:
        return "零元整"
    if cents == 0:
        return "".join(parts) + "整"
    if jiao:
        if yuan and yuan % 10 == 0:
            parts.append("零")
        parts.append(_DIGITS[jiao] + "角")
    elif yuan:
        parts.append("零")
    if fen_digit:
        parts.append(_DIGITS[fen_digit] + "分")
    else:
        parts.append("整")
    return "".join(parts)
