"""Periods as plain values: a month is the integer key ``year * 100 + month``."""

from __future__ import annotations

import re
from datetime import date

from villagebooks.common.errors import DomainError
from villagebooks.common.i18n import gettext_lazy as _

BAD_PERIOD = _("期间格式应为 YYYY-MM")


def parse_period(text: str, *, field: str = "period") -> int:
    """``"2025-03"`` → ``202503``."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DomainError(BAD_PERIOD, field=field)
    return int(match.group(1)) * 100 + int(match.group(2))


def period_of(day: date) -> int:
    return day.year * 100 + day.month


def period_label(key: int) -> str:
    return f"{key // 100}-{key % 100:02d}"


def next_period(key: int) -> int:
    year, month = divmod(key, 100)
    return (year + 1) * 100 + 1 if month == 12 else key + 1


def latest_voucher_date(today: date) -> date:
    """The last day a voucher may be dated on ``today``: the end of the next calendar year.

    Far enough for a budget or a contract booked ahead, near enough that a typo (2099 for
    2025) is caught instead of opening the periods of a year nobody keeps.
    """
    return date(today.year + 1, 12, 31)
