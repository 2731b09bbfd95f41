"""Pure rules on the identifiers of persons: resident ID numbers (GB 11643, through python-stdnum),
bank card numbers (the Luhn check), phone numbers, and how each is masked.

No ORM, no request: plain strings in, plain values or a message out, so that the import's
100,000 rows are checked without a query each.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from villagebooks.common.i18n import gettext_lazy as _

ID_LENGTH = _("身份证号应为18位（现为{length}位）")
ID_FORMAT = _("身份证号前17位应为数字，最后一位为数字或X")
ID_CHECKSUM = _("身份证号校验位错误（GB 11643）")
ID_BIRTH_DATE = _("身份证号中的出生日期无效")
ID_BIRTH_FUTURE = _("身份证号中的出生日期晚于今天")
ID_BIRTH_TOO_EARLY = _("身份证号中的出生日期早于1900年")
ID_REGION = _("身份证号的地址码 {code} 不是有效的行政区划代码")
CARD_FORMAT = _("银行卡号应为12至19位数字")
CARD_LUHN = _("银行卡号校验位错误（Luhn）")
PHONE_FORMAT = _("电话号码格式不正确")

_PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{7,8})$")
_CARD = re.compile(r"^[0-9]{12,19}$")


def normalise_id(text: str) -> str:
    return text.replace(" ", "").upper()


@lru_cache(maxsize=8192)
def _known_address_code(code: str) -> bool:
    # stdnum's table of county codes. Any period of use counts: the code is where the number was
    # issued, which for most adults is years after birth (江油市's 510781 dates from 1989), so
    # stdnum's own test against the birth year would refuse valid numbers.
    from stdnum import numdb

    return any("county" in props for _key, props in numdb.get("cn/loc").info(code))


def id_number_problem(number: str, *, today: date) -> str | None:
    """Why ``number`` (normalised) is no valid resident ID number, or None: length, format,
    check digit (GB 11643), a real birth date not after ``today`` nor before 1900, an address
    code that is a known county's."""
    if len(number) != 18:
        return str(ID_LENGTH.format(length=len(number)))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return str(ID_FORMAT)
    if ric.calc_check_digit(number) != number[17]:
        return str(ID_CHECKSUM)
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        return str(ID_BIRTH_DATE)
    if born > today:
        return str(ID_BIRTH_FUTURE)
    if born.year < 1900:
        return str(ID_BIRTH_TOO_EARLY)
    if not _known_address_code(number[:6]):
        return str(ID_REGION.format(code=number[:6]))
    return None


def sex_and_birth(number: str) -> tuple[str, date]:
    """The sex ("M"/"F": the order code's parity) and birth date of a valid ID number."""
    return ("M" if int(number[16]) % 2 else "F"), ric.get_birth_date(number)


def normalise_card(text: str) -> str:
    return text.replace(" ", "").replace("-", "")


def card_problem(card: str, *, luhn_required: bool, luhn_valid: bool | None = None) -> str | None:
    """Why ``card`` is no bank card number: not 12–19 digits, or (when the county requires it)
    failing the Luhn check; ``luhn_valid`` is that check's answer when the caller has it."""
    if not _CARD.match(card):
        return str(CARD_FORMAT)
    if luhn_required and not (luhn.is_valid(card) if luhn_valid is None else luhn_valid):
        return str(CARD_LUHN)
    return None


def card_luhn_valid(card: str) -> bool:
    return luhn.is_valid(card)


def phone_problem(phone: str) -> str | None:
    return None if _PHONE.match(phone) else str(PHONE_FORMAT)


def mask(value: str, *, keep_start: int = 4, keep_end: int = 4) -> str:
    """``5107********1234``: the first and last four characters and eight stars between, whatever
    the length, so that the mask tells nothing of it; a short value is all stars."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * 8 + value[-keep_end:]


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]
