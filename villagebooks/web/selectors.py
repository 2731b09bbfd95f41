"""Reads behind the pages that no other app offers yet: the ledger overview on the home page and
the period a report opens on.

Everything starts from ``ledgers_in_scope``, so a page never sees a ledger its user may not
view. The overview counts what needs attention with correlated subqueries inside the one query
that fetches a page of ledgers: the number of queries does not grow with the number of ledgers,
and only the ledgers of the page shown are counted. (These belong in ``ledger/selectors.py``
once that module exists; they live here so that the pages do not wait for it.)
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from villagebooks.ledger.access import Action, ledgers_in_scope
from villagebooks.ledger.models import AccountBalance, Ledger, Period, PeriodStatus, Voucher, VoucherStatus


def _count_per_ledger(rows: QuerySet) -> Coalesce:
    """The number of ``rows`` belonging to the outer ledger, as an annotation (0 when none)."""
    counted = rows.filter(ledger_id=OuterRef("pk")).order_by().values("ledger_id").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), Value(0))


def ledger_overview(*, user, today: date, search: str = "") -> QuerySet[Ledger]:
    """The ledgers ``user`` may view, with their village and township and what needs attention.

    Each ledger carries ``draft_count`` (vouchers still being prepared), ``submitted_count``
    (vouchers waiting for review) and ``open_past_count`` (months before ``today``'s month that
    are not closed yet). ``search`` narrows by ledger code or name, or village name.
    """
    ledgers = ledgers_in_scope(user, Action.VIEW)
    if search:
        ledgers = ledgers.filter(
            Q(code__icontains=search) | Q(name__icontains=search) | Q(village__name__icontains=search)
        )
    past = Q(year__lt=today.year) | Q(year=today.year, month__lt=today.month)
    return (
        ledgers.select_related("village__parent")
        .annotate(
            draft_count=_count_per_ledger(Voucher.objects.filter(status=VoucherStatus.DRAFT)),
            submitted_count=_count_per_ledger(Voucher.objects.filter(status=VoucherStatus.SUBMITTED)),
            open_past_count=_count_per_ledger(Period.objects.filter(past, status=PeriodStatus.OPEN)),
        )
        .order_by("code")
    )


def report_default_range(ledger: Ledger) -> tuple[int, int]:
    """The months a report of ``ledger`` opens on: its current year up to the latest posted month.

    The current year is the year of the latest month with posted movements (from January, or
    from the ledger's first month in its first year). A ledger with nothing posted opens on its
    first month of the carried year, which shows the opening balances.
    """
    latest = AccountBalance.objects.filter(ledger=ledger, month__gte=1).aggregate(key=Max("period_key"))[
        "key"
    ]
    if latest is None:
        latest = max(ledger.start_period_key, ledger.carried_year * 100 + 1)
    first = max((latest // 100) * 100 + 1, ledger.start_period_key)
    return first, latest
