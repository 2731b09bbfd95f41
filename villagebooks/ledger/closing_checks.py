"""What stands between a month (or a year) and its close, all of it at once.

The month close (``services.period_close``) and the year close refuse at the first blocker;
the closing page lists every one, with what to open to clear it. Both read the blockers here
(``services._close_checks`` raises the first of ``period_blockers``), so the checklist cannot
say "ready" for a month that the close then refuses, nor the other way round. Reads only:
nothing here writes, not even the periods of a year that has none yet.

Warnings (``period_warnings``) are what a close lets pass but shows on the checklist and
records with the close: a fund spent beyond what it received, a fund's 专项应付款 below zero.

Advice (``period_number_order``) is neither: whether the month's voucher numbers follow date
order, with 整理凭证号 offered while the month is open. It never refuses a close, because numbers
given in posting order are lawful, gap-free books (记字号 only has to be unique and continuous);
date order is a tidiness the accountant may choose, and a close must not wait on it.

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
from villagebooks.common.money import format_fen
from villagebooks.ledger import errors as E
from villagebooks.ledger import posting
from villagebooks.ledger.domain.fund_flows import fund_flow_rules
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.fund_balances import fund_positions
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Fund,
    Ledger,
    LedgerStatus,
    Period,
    PeriodStatus,
    Voucher,
    VoucherKind,
    VoucherStatus,
)
from villagebooks.ledger.selectors import balance_window

UNPOSTED_STATUSES = (VoucherStatus.DRAFT, VoucherStatus.SUBMITTED, VoucherStatus.REVIEWED)


class BlockerKind(StrEnum):
    YEAR_CLOSED = "year_closed"  # the year is already closed (year close only)
    YEAR_ORDER = "year_order"  # an earlier year is not closed yet (year close only)
    NOT_ACTIVE = "not_active"  # the ledger has no opening balances yet
    CLOSED = "closed"  # the month is closed already
    EARLIER_OPEN = "earlier_open"  # an earlier month is still open
    UNPOSTED = "unposted"  # vouchers of the month are not posted
    TRIAL_UNBALANCED = "trial_unbalanced"  # the balances do not add up
    CASH_NEGATIVE = "cash_negative"  # 库存现金 or a 银行存款 account ends the month below zero
    # A registered check (another app's rule) gives its blockers a kind of its own, a plain str.


class WarningKind(StrEnum):
    FUND_NEGATIVE = "fund_negative"  # a fund has spent more than it received
    HELD_NEGATIVE = "held_negative"  # a fund's 专项应付款 (or 一事一议资金) sub-balance is below zero


@dataclass(frozen=True)
class CloseWarning:
    """Something a close lets pass but shows and records: the month-end figure that is wrong.

    ``fund`` is the fund's name; ``amount_fen`` the (negative) balance.
    """

    kind: WarningKind
    message: str
    fund: str
    amount_fen: int


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
    blocker = _negative_cash(ledger, period)
    if blocker is not None:
        blockers.append(blocker)
    if period.status != PeriodStatus.CLOSED:
        for check in close_checks:
            blockers.extend(check(ledger, period))
    return blockers


def _month_end_window(ledger: Ledger, period: Period) -> Q:
    # Up to the end of the month: before key + 1 (for December, the month "13" of its year).
    return balance_window(carried_year=ledger.carried_year, year=period.year, before_key=period.key + 1)


def _negative_cash(ledger: Ledger, period: Period) -> Blocker | None:
    """库存现金 and each 银行存款 account (``cash`` in data/fund-flows.json) may not end below zero:
    money cannot be paid that the village does not have, so such books hide an error."""
    rules = fund_flow_rules(ledger.chart)
    cash = Q(pk__in=[])
    for prefix in rules.cash:
        cash |= Q(account__code__startswith=prefix)
    rows = (
        AccountBalance.objects.filter(ledger=ledger)
        .filter(_month_end_window(ledger, period), cash)
        .values("account__code", "account__name")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by("account__code")
    )
    negative = [
        E.NEGATIVE_ACCOUNT.format(
            code=row["account__code"], name=row["account__name"], amount=format_fen(net)
        )
        for row in rows
        if (net := (row["debit"] or 0) - (row["credit"] or 0)) < 0
    ]
    if not negative:
        return None
    return Blocker(
        BlockerKind.CASH_NEGATIVE,
        E.CASH_NEGATIVE.format(period=period, accounts="，".join(str(text) for text in negative)),
        period_key=period.key,
    )


def period_warnings(ledger: Ledger, period: Period) -> list[CloseWarning]:
    """What a close of ``period`` lets pass but warns about: every fund whose balance (received −
    used, see ``domain.fund_flows``) is below zero at the month's end, and every fund whose
    专项应付款 or 一事一议资金 sub-balance is (money paid out of it that it never received)."""
    positions = fund_positions(ledger_ids=[ledger.pk], chart=ledger.chart, before_keys=[period.key + 1])[0]
    names = dict(Fund.objects.filter(ledger=ledger).values_list("pk", "name"))
    accounts = dict(
        Account.objects.filter(ledger=ledger, code__in=fund_flow_rules(ledger.chart).held_on).values_list(
            "code", "name"
        )
    )
    warnings = []
    for fund_id, position in sorted(positions.items(), key=lambda item: names.get(item[0], "")):
        name = names.get(fund_id)
        if name is None:  # the untagged rows of the held_on accounts
            continue
        if position.balance < 0:
            warnings.append(
                CloseWarning(
                    WarningKind.FUND_NEGATIVE,
                    E.FUND_NEGATIVE.format(period=period, fund=name, amount=format_fen(position.balance)),
                    name,
                    position.balance,
                )
            )
        for code, held in sorted(position.held.items()):
            if held < 0:
                account = f"{code} {accounts.get(code, '')}".strip()
                warnings.append(
                    CloseWarning(
                        WarningKind.HELD_NEGATIVE,
                        E.HELD_NEGATIVE.format(
                            period=period, account=account, fund=name, amount=format_fen(held)
                        ),
                        name,
                        held,
                    )
                )
    return warnings


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


@dataclass(frozen=True)
class NumberOrder:
    """Advice for the checklist: ``out_of_order`` of the month's ``posted`` vouchers carry a number
    other than the one their date order gives them (what 整理凭证号 would change)."""

    period_key: int
    posted: int
    out_of_order: int

    @property
    def in_order(self) -> bool:
        return self.out_of_order == 0

    @property
    def period_text(self) -> str:
        return period_label(self.period_key)


def period_number_order(*, ledger: Ledger, year: int, month: int) -> NumberOrder:
    """Whether the posted vouchers of ``year-month`` are numbered in date order (advice only:
    ``period_close`` never reads it)."""
    period = _period_to_check(ledger, year, month)
    if period.pk is None:
        return NumberOrder(period.key, 0, 0)
    posted = Voucher.objects.filter(ledger=ledger, period=period, status=VoucherStatus.POSTED).count()
    moves = posting.date_order_moves(ledger_id=ledger.pk, period_id=period.pk)
    return NumberOrder(period.key, posted, len(moves))


def period_close_warnings(*, ledger: Ledger, year: int, month: int) -> list[CloseWarning]:
    """``period_warnings`` of ``year-month`` (for the closing page)."""
    return period_warnings(ledger, _period_to_check(ledger, year, month))


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


def year_distributions(ledger: Ledger, year: int):
    """The distribution vouchers (收益分配) a year close made for ``year``, in the order made: while
    one of them is not posted the year close cannot finish (every December voucher must be)."""
    return Voucher.objects.filter(
        ledger=ledger, period__year=year, period__month=12, kind=VoucherKind.DISTRIBUTION
    ).order_by("id")


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
