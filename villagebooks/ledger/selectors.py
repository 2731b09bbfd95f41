"""The reads of the books that the pages, the workspace and the API share, each written once.

Every read that takes a user starts from ``access.ledgers_in_scope``: a ledger, voucher or
attachment out of the user's scope is ``None``, exactly like one that does not exist, and the
caller answers 404 either way (a page or the API cannot tell which ledgers exist). Each read is
a fixed number of queries whatever the size of the books.

It also holds the one rule of where a year's balances start (``balance_window``): month 0 of a
year holds its opening balances (set-up, or what a year close carried), so balances at a date add
the month-0 rows of the ledger's carried year (or of the asked year, if earlier) and the movements
of the months from there on; and a ledger's reports open on its carried year (``report_range``).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Expression, F, Max, Prefetch, Q, QuerySet
from django.db.models.functions import Greatest

from villagebooks.ledger.access import Action, ledgers_in_scope
from villagebooks.ledger.models import Account, AccountBalance, Attachment, Ledger, Voucher, VoucherLine


def ledger_get(*, user, code: str, action: str = Action.VIEW) -> Ledger | None:
    """The ledger ``code`` if ``user`` may do ``action`` on it (with its village and township, and
    the ledger that continues it, if any: 新旧衔接)."""
    return (
        ledgers_in_scope(user, action)
        .filter(code=code)
        .select_related("village__parent", "continued_by")
        .first()
    )


def voucher_get(*, user, ledger_code: str, voucher_id: int, details: bool = True) -> Voucher | None:
    """The voucher ``voucher_id`` of ledger ``ledger_code`` if ``user`` may view that ledger.

    With its ledger (village, township), period, people and the vouchers it reverses or that
    reverse it; with ``details``, also its lines (accounts with their parents, funds,
    counterparties) and attachments (who uploaded them): three queries in all, one without.
    A voucher of another ledger is None, like one that does not exist.
    """
    vouchers = Voucher.objects.filter(
        pk=voucher_id, ledger__in=ledgers_in_scope(user, Action.VIEW).filter(code=ledger_code)
    ).select_related(
        "ledger__village__parent",
        "period",
        "prepared_by",
        "reviewed_by",
        "posted_by",
        "reverses",
        "reversed_by",
    )
    if details:
        lines = VoucherLine.objects.select_related(
            "account__parent", "fund", "counterparty", "project"
        ).order_by("line_no")
        vouchers = vouchers.prefetch_related(
            Prefetch("lines", queryset=lines),
            Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by").order_by("id")),
        )
    return vouchers.first()


def attachment_get(*, user, ledger_code: str, voucher_id: int, attachment_id: int) -> Attachment | None:
    """An attachment of that voucher of that ledger, if ``user`` may view the ledger; else None."""
    return Attachment.objects.filter(
        pk=attachment_id,
        voucher_id=voucher_id,
        voucher__ledger_id=F("ledger_id"),
        ledger__in=ledgers_in_scope(user, Action.VIEW).filter(code=ledger_code),
    ).first()


def account_list(*, ledger: Ledger) -> QuerySet[Account]:
    """The accounts of ``ledger`` (a ledger already found in scope), in code order."""
    return Account.objects.filter(ledger=ledger).order_by("code")


def balance_window(*, carried_year: int, year: int, before_key: int) -> Q:
    """The ``AccountBalance`` rows that add up to the balances of a ledger just before period
    ``before_key`` (year × 100 + month) of ``year``.

    The balances start at month 0 of the ledger's carried year (its opening balances), or of
    ``year`` if that is earlier (a closed year's own month 0 still holds what it opened with);
    every month (1–12) from there up to the period follows. Month-0 rows of later years are left
    out: they repeat what the months before them already add up.
    """
    start = min(year, carried_year) * 100
    return (Q(period_key=start) | Q(period_key__gt=start, month__gte=1)) & Q(period_key__lt=before_key)


def in_force(*, year: int | None = None, prefix: str = "") -> Q:
    """The ledgers that hold a village's books in ``year`` (now, without a year), for every
    figure that adds up villages: a village whose 2004 ledger was carried over to a new one
    (新旧衔接, ``Ledger.continues``) is one village, its old ledger counting up to the year before
    the new one starts and the new one from that year on. ``prefix`` reaches the ledger from
    another model (``"ledger__"``)."""
    successor, start, continues = f"{prefix}continued_by", f"{prefix}start_year", f"{prefix}continues"
    if year is None:
        return Q(**{f"{successor}__isnull": True})
    return (Q(**{f"{successor}__isnull": True}) | Q(**{f"{successor}__start_year__gt": year})) & (
        Q(**{f"{continues}__isnull": True}) | Q(**{f"{start}__lte": year})
    )


def ledgers_in_force(user, action: str = Action.VIEW) -> QuerySet[Ledger]:
    """The ledgers in ``user``'s scope that hold a village's books now, as that user sees them:
    every ledger in scope but an old one whose new ledger (新旧衔接, ``Ledger.continues``) is in
    scope too. A user who sees both counts the village once, by its new ledger; one who sees only
    the old ledger (assigned to it before the conversion) counts and opens that one.

    The one rule for every figure and link that counts a user's ledgers now (the region tree of
    the API and of the pages, a county's home); a report over a period adds the ledgers that held
    the books then instead (``in_force`` with a year).
    """
    scope = ledgers_in_scope(user, action)
    return scope.exclude(pk__in=scope.filter(continues__isnull=False).values("continues_id"))


def counts_in_year(
    *, year: int, start_year: int, continues_id: int | None, successor_start: int | None
) -> bool:
    """``in_force`` for one ledger already read: its start year, the ledger it continues and the
    start year of the ledger that continues it."""
    return (successor_start is None or successor_start > year) and (
        continues_id is None or start_year <= year
    )


def first_report_key(ledger: Ledger) -> int:
    """The first month a ledger's report may show: the first month of its carried year, or its
    first month at all if it started later that year (``first_report_key_sql`` in SQL)."""
    return max(ledger.start_period_key, ledger.carried_year * 100 + 1)


def first_report_key_sql() -> Expression:
    """``first_report_key`` of each ledger of a queryset, as an expression to aggregate."""
    return Greatest(F("start_year") * 100 + F("start_month"), F("carried_year") * 100 + 1)


def _latest_posted_key(ledgers) -> int | None:
    """The latest month (period key) with posted movements in ``ledgers`` (a ledger or a queryset)."""
    rows = AccountBalance.objects.filter(month__gte=1)
    rows = rows.filter(ledger__in=ledgers) if isinstance(ledgers, QuerySet) else rows.filter(ledger=ledgers)
    return rows.aggregate(key=Max("period_key"))["key"]


def report_range(*, ledger: Ledger) -> tuple[int, int]:
    """The months a report of ``ledger`` opens on: its current year up to the latest posted month.

    The current year is the year of the latest month with posted movements (from January, or
    from the ledger's first month in its first year). A ledger with nothing posted opens on its
    first month of the carried year, which shows the opening balances.
    """
    latest = _latest_posted_key(ledger)
    if latest is None:
        latest = first_report_key(ledger)
    return max((latest // 100) * 100 + 1, ledger.start_period_key), latest


def region_report_range(*, user, region, chart: str, today: date) -> tuple[int, int]:
    """The months a consolidated report opens on: the current year of the region's ledgers.

    Like ``report_range``, over every ledger of ``chart`` under ``region`` that ``user`` may view:
    January of the latest posted month's year up to that month, or the latest first month of
    those ledgers when nothing is posted, or ``today``'s month when there are none.
    """
    ledgers = ledgers_in_scope(user, Action.VIEW).filter(village__path__startswith=region.path, chart=chart)
    latest = _latest_posted_key(ledgers)
    if latest is None:
        latest = ledgers.aggregate(key=Max(first_report_key_sql()))["key"] or today.year * 100 + today.month
    return latest // 100 * 100 + 1, latest
