"""A disclosure's period: one month (``2025-03``) or one quarter (``2025-Q1``), as month keys."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError

BAD_PERIOD = _("公开期间“{text}”无效：应为 YYYY-MM（月度）或 YYYY-Qn（季度，n 为 1–4）")
PATTERN = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


@dataclass(frozen=True)
class DisclosurePeriod:
    text: str  # 2025-03 or 2025-Q1, as in addresses
    from_key: int
    to_key: int

    @property
    def year(self) -> int:
        return self.from_key // 100

    @property
    def months(self) -> list[int]:
        return list(range(self.from_key, self.to_key + 1))

    @property
    def first_day(self) -> date:
        return date(self.year, self.from_key % 100, 1)

    @property
    def last_day(self) -> date:
        month = self.to_key % 100
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.text

    @property
    def label(self) -> str:
        if self.is_quarter:
            return f"{self.year}年第{self.text[-1]}季度"
        return f"{self.year}年{self.from_key % 100}月"


def parse_disclosure_period(text: str) -> DisclosurePeriod:
    match = PATTERN.match((text or "").strip().upper())
    if not match:
        raise DomainError(BAD_PERIOD.format(text=text), field="period")
    year, month, quarter = match.groups()
    year = int(year)
    if month:
        key = year * 100 + int(month)
        return DisclosurePeriod(f"{year}-{month}", key, key)
    first = (int(quarter) - 1) * 3 + 1
    return DisclosurePeriod(f"{year}-Q{quarter}", year * 100 + first, year * 100 + first + 2)
