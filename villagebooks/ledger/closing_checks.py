"""What stands between a month (or a year) and its close, all of it at once.

The month close (``services.period_close``) and the year close refuse at the first blocker;
the closing page lists every one, with what to open to clear it. Both read the blockers here
(``services._close_checks`` raises the first of ``period_blockers``), so the checklist cannot
say "ready" for a month that the close then refuses, nor the other way round. Reads only:
nothing here writes, not even the periods of a year that has none yet.

Apps above the ledger add their own rules without ``ledger`` importing them: a check registered
with ``register_close_check`` (in the app's ``AppConfig.ready()``) returns blockers of its own
kind, with the links that clear them; they come after the ledger's own rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.db.models import Count, Q, Sum

from villagebooks.common.errors import DomainError
from villagebooks.ledger import errors as E
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import (
    AccountBalance,
    Ledger,
    LedgerStatus,
    Period,
    PeriodStatus,
    Voucher,
    VoucherStatus,
)

UNPOSTED_STATUSES = (VoucherStatus.DRAFT, VoucherStatus.SUBMITTED, VoucherStatus.REVIEWED)


class BlockerKind(StrEnum):
    YEAR_CLOSED = "year_closed"  # the year is already closed (year close only)
    YEAR_ORDER = "year_order"  # an earlier year is not closed yet (year close only)
    NOT_ACTIVE = "not_active"  # the ledger has no opening balances yet
    CLOSED = "closed"  # the month is closed already
    EARLIER_OPEN = "earlier_open"  # an earlier month is still open
    UNPOSTED = "unposted"  # vouchers of the month are not posted
    TRIAL_UNBALANCED = "trial_unbalanced"  # the balances do not add up
    # A registered check (another app's rule) gives its blockers a kind of its own, a plain str.


@dataclass(frozen=True)
class UnpostedVoucher:
    id: int
    date: date
    status: str
    note: str
    amount_fen: int

    @property
    def status_label(self) -> str:
        return VoucherStatus(self.status).label


@dataclass(frozen=True)
class Blocker:
    """One reason a close is refused, with what a page links to so that it can be cleared.

    ``period_key`` is the month concerned: the earlier open month for ``EARLIER_OPEN``, the
    month itself for the others. For ``UNPOSTED``, ``count`` is the number of vouchers,
    ``by_status`` their number per status and ``vouchers`` the first of them (by date).
    """

    kind: BlockerKind | str
    message: str
    period_key: int | None = None
    count: int = 0
    by_status: tuple[tuple[str, int], ...] = ()
    vouchers: tuple[UnpostedVoucher, ...] = ()
    # (text, url) of the pages that clear a registered check's blocker; the ledger's own kinds
    # are linked by the closing page, which knows their pages.
    links: tuple[tuple[str, str], ...] = ()

    @property
    def period_text(self) -> str:
        return period_label(self.period_key) if self.period_key else ""


CloseCheck = Callable[[Ledger, Period], list[Blocker]]

# A plain list, so that a test (or an app) can see what is registered.
close_checks: list[CloseCheck] = []


def register_close_check(check: CloseCheck) -> CloseCheck:
    """Run ``check(ledger, period)`` with the month-close rules; each blocker it returns refuses
    the close (and the year close of December) and is listed on the closing page."""
    close_checks.append(check)
    return check


def period_blockers(ledger: Ledger, period: Period, *, voucher_limit: int = 0) -> list[Blocker]:
    """The month-close rules for ``period`` in the order the close applies them.

    Args:
        period: a period of ``ledger``; it may be unsaved (a month of a year without periods yet).
        voucher_limit: how many unposted vouchers to list (0: count them only, as the close does).
    """
    blockers: list[Blocker] = []
    if period.status == PeriodStatus.CLOSED:
        blockers.append(
            Blocker(BlockerKind.CLOSED, E.PERIOD_CLOSED.format(period=period), period_key=period.key)
        )
    earlier = (
        Period.objects.filter(ledger=ledger, status=PeriodStatus.OPEN)
        .filter(Q(year__lt=period.year) | Q(year=period.year, month__lt=period.month))
        .order_by("year", "month")
        .first()
    )
    if earlier is not None:
        blockers.append(
            Blocker(BlockerKind.EARLIER_OPEN, E.EARLIER_OPEN.format(period=earlier), period_key=earlier.key)
        )
    blocker = _unposted(ledger, period, voucher_limit)
    if blocker is not None:
        blockers.append(blocker)
    totals = AccountBalance.objects.filter(ledger=ledger, period_key__lte=period.key).aggregate(
        debit=Sum("debit_fen"),
        credit=Sum("credit_fen"),
        month_debit=Sum("debit_fen", filter=Q(period_key=period.key)),
        month_credit=Sum("credit_fen", filter=Q(period_key=period.key)),
    )
    if (totals["debit"] or 0) != (totals["credit"] or 0) or (totals["month_debit"] or 0) != (
        totals["month_credit"] or 0
    ):
        blockers.append(
            Blocker(
                BlockerKind.TRIAL_UNBALANCED, E.TRIAL_UNBALANCED.format(period=period), period_key=period.key
            )
        )
    if period.status != PeriodStatus.CLOSED:
        for check in close_checks:
            blockers.extend(check(ledger, period))
    return blockers


def _unposted(ledger: Ledger, period: Period, voucher_limit: int) -> Blocker | None:
    if period.pk is None:
        return None  # a month without a period row has no vouchers
    counts = dict(
        Voucher.objects.filter(ledger=ledger, period=period, status__in=UNPOSTED_STATUSES)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    count = sum(counts.values())
    if not count:
        return None
    vouchers: tuple[UnpostedVoucher, ...] = ()
    if voucher_limit:
        rows = (
            Voucher.objects.filter(ledger=ledger, period=period, status__in=UNPOSTED_STATUSES)
            .order_by("date", "id")
            .values_list("id", "date", "status", "note", "amount_fen")[:voucher_limit]
        )
        vouchers = tuple(UnpostedVoucher(*row) for row in rows)
    return Blocker(
        BlockerKind.UNPOSTED,
        E.UNPOSTED_IN_PERIOD.format(period=period, count=count),
        period_key=period.key,
        count=count,
        by_status=tuple((status, counts[status]) for status in UNPOSTED_STATUSES if status in counts),
        vouchers=vouchers,
    )


def _period_to_check(ledger: Ledger, year: int, month: int) -> Period:
    """The period ``year-month`` of ``ledger``, unsaved when its year has no periods yet."""
    if not 1 <= month <= 12:
        raise DomainError("月份应在1到12之间", field="period")
    if (year, month) < (ledger.start_year, ledger.start_month):
        raise DomainError(
            E.BEFORE_START.format(date=f"{year}-{month:02d}", start=period_label(ledger.start_period_key)),
            field="period",
        )
    period = Period.objects.filter(ledger=ledger, year=year, month=month).first()
    return period or Period(ledger=ledger, year=year, month=month, status=PeriodStatus.OPEN)


def period_close_blockers(*, ledger: Ledger, year: int, month: int, voucher_limit: int = 20) -> list[Blocker]:
    """Everything that makes ``services.period_close`` refuse ``year-month`` now, in its order.

    An empty list means the month can be closed. Raises ``DomainError`` for a month before the
    ledger starts (the close refuses it the same way).
    """
    period = _period_to_check(ledger, year, month)
    blockers = []
    if ledger.status != LedgerStatus.ACTIVE:
        blockers.append(Blocker(BlockerKind.NOT_ACTIVE, E.LEDGER_NOT_ACTIVE))
    return blockers + period_blockers(ledger, period, voucher_limit=voucher_limit)


def year_close_blockers(*, ledger: Ledger, year: int, voucher_limit: int = 20) -> list[Blocker]:
    """Everything that makes ``services.year_close`` refuse ``year`` now, in its order.

    The year close closes December itself, so December must still be open, with every earlier
    month closed and every voucher of December posted.
    """
    blockers = []
    if year < ledger.carried_year:
        blockers.append(Blocker(BlockerKind.YEAR_CLOSED, E.YEAR_ALREADY_CLOSED.format(year=year)))
    if year > ledger.carried_year:
        blockers.append(Blocker(BlockerKind.YEAR_ORDER, E.YEAR_ORDER.format(year=ledger.carried_year)))
    if blockers:
        return blockers
    return period_close_blockers(ledger=ledger, year=year, month=12, voucher_limit=voucher_limit)
