"""The demo county's public disclosure (村务公开): every village's last closed quarter published by
its township's accountant; in the first village also the last closed month and a correction of it
(版本 2, with its reason), so that the public pages have something to show and to check.

Run last, after the books, the registry's lists and the funds: a disclosure freezes what exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from villagebooks.disclosure.models import Disclosure
from villagebooks.disclosure.services import disclosure_publish
from villagebooks.ledger.models import Ledger, Period, PeriodStatus

CORRECTION = "补充公开本期补贴发放名单和项目进度"


@dataclass
class DisclosureSummary:
    published: int = 0
    corrections: int = 0
    periods: list[str] = field(default_factory=list)


def _last_closed_month(ledger: Ledger) -> int | None:
    row = (
        Period.objects.filter(ledger=ledger, status=PeriodStatus.CLOSED)
        .order_by("-year", "-month")
        .values_list("year", "month")
        .first()
    )
    return None if row is None else row[0] * 100 + row[1]


def _periods(last_closed: int) -> list[str]:
    """The last quarter whose months are all closed, and the last closed month."""
    year, month = divmod(last_closed, 100)
    quarter = month // 3  # the last complete quarter of this year (0: none)
    periods = [f"{year}-Q{quarter}"] if quarter else [f"{year - 1}-Q4"]
    return periods + [f"{year}-{month:02d}"]


def demo_disclosure_load(
    *, accountant_for: Callable[[Ledger], object], ledgers: list[Ledger], end: date
) -> DisclosureSummary:
    summary = DisclosureSummary()
    for index, ledger in enumerate(ledgers):
        last = _last_closed_month(ledger)
        if last is None:
            continue
        actor = accountant_for(ledger)
        for period in _periods(last) if index == 0 else _periods(last)[:1]:
            if period < f"{ledger.start_year}":
                continue
            disclosure_publish(actor=actor, ledger=ledger, period=period)
            summary.published += 1
            if index == 0 and period not in summary.periods:
                summary.periods.append(period)
        if index == 0:
            disclosure_publish(actor=actor, ledger=ledger, period=_periods(last)[-1], reason=CORRECTION)
            summary.corrections += 1
    assert Disclosure.objects.count() >= summary.published
    return summary
