"""Reads behind the voucher pages: the ledger and what its user may do there, the accounts the
entry grid searches, a ledger's vouchers filtered and a page at a time, the review queue. A voucher
or attachment in scope is read through ``ledger.selectors``, as the pages and the API read it.

Everything starts from ``ledgers_in_scope`` (a ledger the user may not view is not found) and
every permission comes from ``access.can``: the pages add no rule of their own. Each read is a
fixed number of queries whatever the size of the books; a list loads the rows of its page only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import Abs

from villagebooks.common.models import AuditEntry
from villagebooks.ledger.access import Action, actions_on, ledgers_in_scope
from villagebooks.ledger.models import (
    Account,
    Counterparty,
    Fund,
    Ledger,
    Period,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.ledger.selectors import account_list
from villagebooks.workspace.vouchers.grid import AccountChoice, account_choice

COUNTERPARTY_MATCHES = 15


@dataclass(frozen=True)
class Permissions:
    """What the user may do to the vouchers of one ledger, as ``access`` decides."""

    prepare: bool
    review: bool
    post: bool
    close: bool = False  # month close, and 整理凭证号 before it

    @classmethod
    def of(cls, user, ledger: Ledger) -> Permissions:
        actions = actions_on(user, ledger)  # one query for the four
        return cls(
            prepare=Action.PREPARE in actions,
            review=Action.REVIEW in actions,
            post=Action.POST in actions,
            close=Action.CLOSE in actions,
        )


def account_choices(ledger: Ledger) -> list[AccountChoice]:
    """The leaf, active accounts of ``ledger`` in code order, with their paths and pinyin initials."""
    rows = list(
        account_list(ledger=ledger).values(
            "id",
            "code",
            "name",
            "parent_id",
            "is_leaf",
            "is_active",
            "requires_fund",
            "requires_counterparty",
        )
    )
    by_id = {row["id"]: row for row in rows}

    def parents(row: dict) -> list[str]:
        names = []
        parent = by_id.get(row["parent_id"])
        while parent is not None:
            names.insert(0, parent["name"])
            parent = by_id.get(parent["parent_id"])
        return names

    return [
        account_choice(
            code=row["code"],
            name=row["name"],
            parent_names=parents(row),
            requires_fund=row["requires_fund"],
            requires_counterparty=row["requires_counterparty"],
        )
        for row in rows
        if row["is_leaf"] and row["is_active"]
    ]


def fund_names(ledger: Ledger) -> list[str]:
    return list(Fund.objects.filter(ledger=ledger).order_by("name").values_list("name", flat=True))


def counterparty_matches(ledger: Ledger, text: str, *, limit: int = COUNTERPARTY_MATCHES) -> list[str]:
    """Names of ``ledger``'s counterparties containing ``text``; a village may have hundreds, so
    the page asks for the few that match instead of loading them all."""
    rows = Counterparty.objects.filter(ledger=ledger)
    if text:
        rows = rows.filter(name__icontains=text)
    return list(rows.order_by("name").values_list("name", flat=True)[:limit])


@dataclass(frozen=True)
class VoucherFilter:
    """What the list is narrowed to; every field empty means the whole ledger, newest first."""

    period_key: int | None = None
    status: str = ""
    account: str = ""  # a code; its sub-accounts count too
    min_fen: int | None = None
    max_fen: int | None = None
    text: str = ""


def voucher_list(*, ledger: Ledger, filters: VoucherFilter) -> QuerySet[Voucher]:
    """The vouchers of ``ledger`` that pass ``filters``, for a paginator.

    A month lists in the order of the books (date, number); the whole ledger lists newest first.
    Amounts compare by absolute value, so a red reversal of 500.00 is found by "500".
    """
    vouchers = Voucher.objects.filter(ledger=ledger)
    if filters.period_key:
        # By the period's id, so that the (ledger, period, number) key serves the month.
        year, month = divmod(filters.period_key, 100)
        vouchers = vouchers.filter(period__in=Period.objects.filter(ledger=ledger, year=year, month=month))
    if filters.status:
        vouchers = vouchers.filter(status=filters.status)
    # Lines are looked up once for the ledger (by its (ledger, account) index, or by one pass over
    # its lines for a text), not once per voucher: a correlated EXISTS made SQLite scan the
    # ledger's lines for every voucher (0.8 s on a demo village instead of 10 ms).
    if filters.account:
        accounts = Account.objects.filter(ledger=ledger, code__startswith=filters.account).values("id")
        lines = VoucherLine.objects.filter(ledger=ledger, account_id__in=accounts)
        vouchers = vouchers.filter(pk__in=lines.values("voucher_id"))
    if filters.min_fen is not None or filters.max_fen is not None:
        vouchers = vouchers.alias(size=Abs("amount_fen"))
        if filters.min_fen is not None:
            vouchers = vouchers.filter(size__gte=filters.min_fen)
        if filters.max_fen is not None:
            vouchers = vouchers.filter(size__lte=filters.max_fen)
    if filters.text:
        lines = VoucherLine.objects.filter(ledger=ledger, summary__icontains=filters.text)
        matches = Q(note__icontains=filters.text) | Q(pk__in=lines.values("voucher_id"))
        if filters.text.isdigit():
            matches |= Q(number=int(filters.text))
        vouchers = vouchers.filter(matches)
    order = ["date", "number", "id"] if filters.period_key else ["-date", "-number", "-id"]
    return vouchers.select_related("prepared_by", "period").order_by(*order)


def with_lines(vouchers: list[Voucher]) -> list[Voucher]:
    """Load the lines (and their accounts) of the vouchers of one page in one query."""
    lines = VoucherLine.objects.select_related("account").order_by("voucher_id", "line_no")
    prefetch_related_objects(vouchers, Prefetch("lines", queryset=lines))
    return vouchers


def review_queue(ledger: Ledger) -> QuerySet[Voucher]:
    """The vouchers of ``ledger`` waiting for review, oldest first, for a paginator."""
    return (
        Voucher.objects.filter(ledger=ledger, status=VoucherStatus.SUBMITTED)
        .select_related("prepared_by")
        .order_by("date", "id")
    )


def review_queue_across(user) -> QuerySet[Voucher]:
    """Every voucher waiting for review in the ledgers ``user`` may review (a township reviewer's
    8 ledgers as one queue), oldest first, for a paginator."""
    return (
        Voucher.objects.filter(
            ledger__in=ledgers_in_scope(user, Action.REVIEW), status=VoucherStatus.SUBMITTED
        )
        .select_related("ledger", "prepared_by")
        .order_by("date", "id")
    )


def next_across(*, user, after: Voucher) -> Voucher | None:
    """The voucher to review after ``after`` in the queue across ledgers: the next one waiting
    that ``user`` did not prepare, whichever ledger it is in, wrapping round to the start."""
    waiting = review_queue_across(user).exclude(pk=after.pk).exclude(prepared_by=user)
    later = waiting.filter(Q(date__gt=after.date) | Q(date=after.date, pk__gt=after.pk)).first()
    return later or waiting.first()


def last_send_back(voucher: Voucher) -> AuditEntry | None:
    """The latest sending back of a draft (who, when, why), from the operation log, where the
    service records its reason; None for a draft that was never sent back."""
    if voucher.status != VoucherStatus.DRAFT:
        return None
    return (
        AuditEntry.objects.filter(
            ledger_id=voucher.ledger_id,
            action="voucher_send_back",
            object_type="Voucher",
            object_id=voucher.pk,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
