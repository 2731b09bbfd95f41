"""Reads of claims, always through the scope of ``ledger.access``: a claim of a ledger outside
the user's scope is never found, so a page cannot tell it from one that does not exist.

Every read is a fixed number of queries, whatever the number of claims and photos.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from villagebooks.claims.access import SUBMIT
from villagebooks.claims.models import Claim, ClaimPhoto, ClaimStatus
from villagebooks.ledger.access import Action, ledgers_in_scope
from villagebooks.ledger.models import Account, Category, Counterparty, Fund, Ledger

# Waiting for the accountant: submitted, or booked into a draft voucher that was deleted since.
WAITING = Q(status=ClaimStatus.SUBMITTED) | Q(status=ClaimStatus.BOOKED, voucher__isnull=True)
# The same, seen from a ledger (to count a ledger's waiting claims in the query that lists ledgers).
WAITING_ON_LEDGER = Q(claims__status=ClaimStatus.SUBMITTED) | Q(
    claims__status=ClaimStatus.BOOKED, claims__voucher__isnull=True
)

# The order of the account groups in the booking form: where an expense is most likely first.
DEBIT_GROUPS = [
    Category.EXPENSE,
    Category.COST,
    Category.ASSET,
    Category.LIABILITY,
    Category.EQUITY,
    Category.INCOME,
]
CREDIT_GROUPS = [
    Category.ASSET,
    Category.LIABILITY,
    Category.EQUITY,
    Category.EXPENSE,
    Category.COST,
    Category.INCOME,
]


def claims_waiting(ledger_ids: Iterable[int]) -> dict[int, int]:
    """{ledger_id: number of claims waiting for the accountant} in one query; ledgers with none are absent.

    The caller passes ledgers already in the user's scope (the home page's ledgers).
    """
    rows = (
        Claim.objects.filter(WAITING, ledger_id__in=list(ledger_ids))
        .order_by()
        .values("ledger_id")
        .annotate(n=Count("id"))
    )
    return {row["ledger_id"]: row["n"] for row in rows}


def claim_ledgers(*, user) -> list[Ledger]:
    """The ledgers ``user`` may submit claims to (a reporter: their village's)."""
    return list(ledgers_in_scope(user, SUBMIT).select_related("village").order_by("code"))


def my_claims(*, user) -> QuerySet[Claim]:
    """The claims ``user`` submitted, newest first, in ledgers still in their scope."""
    return (
        Claim.objects.filter(submitted_by=user, ledger__in=ledgers_in_scope(user, Action.VIEW))
        .select_related("ledger", "voucher")
        .annotate(photo_count=Count("photos"))
        .order_by("-created_at", "-id")
    )


def _with_photos(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.select_related("ledger__village", "submitted_by", "handled_by", "voucher").prefetch_related(
        Prefetch("photos", queryset=ClaimPhoto.objects.order_by("id"))
    )


def claim_for_page(*, user, claim_id: int) -> Claim | None:
    """The claim ``claim_id`` with its photos if ``user`` may view its ledger; else None."""
    claims = Claim.objects.filter(pk=claim_id, ledger__in=ledgers_in_scope(user, Action.VIEW))
    return _with_photos(claims).first()


def photo_for_download(*, user, claim_id: int, photo_id: int) -> ClaimPhoto | None:
    """A photo of claim ``claim_id`` if ``user`` may view the claim's ledger; else None."""
    return ClaimPhoto.objects.filter(
        pk=photo_id, claim_id=claim_id, ledger__in=ledgers_in_scope(user, Action.VIEW)
    ).first()


def ledger_claims(*, ledger: Ledger, waiting: bool = True) -> QuerySet[Claim]:
    """The ledger's claims with their photos: those waiting (oldest first, as they came) or all (newest first)."""
    claims = Claim.objects.filter(ledger=ledger)
    if waiting:
        return _with_photos(claims.filter(WAITING)).order_by("created_at", "id")
    return _with_photos(claims).order_by("-created_at", "-id")


def ledgers_with_waiting_claims(*, user) -> list[Ledger]:
    """The ledgers where ``user`` may book claims and some wait, each with ``waiting_count``."""
    return list(
        ledgers_in_scope(user, Action.PREPARE)
        .annotate(waiting_count=Count("claims", filter=WAITING_ON_LEDGER))
        .filter(waiting_count__gt=0)
        .select_related("village")
        .order_by("code")
    )


def _grouped(accounts: list[Account], order: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    labels = dict(Category.choices)
    return [
        (labels[category], [(a.code, f"{a.code} {a.name}") for a in accounts if a.category == category])
        for category in order
        if any(a.category == category for a in accounts)
    ]


def booking_choices(ledger: Ledger) -> dict:
    """What the booking form offers for ``ledger``: leaf accounts grouped by category (expense
    groups first for the debit, asset groups first for the credit), funds and counterparties."""
    accounts = list(Account.objects.filter(ledger=ledger, is_leaf=True, is_active=True).order_by("code"))
    return {
        "accounts": _grouped(accounts, DEBIT_GROUPS),
        "counter_accounts": _grouped(accounts, CREDIT_GROUPS),
        "account_codes": {a.code for a in accounts},
        "funds": list(Fund.objects.filter(ledger=ledger).order_by("name").values_list("name", flat=True)),
        "counterparties": list(
            Counterparty.objects.filter(ledger=ledger).order_by("name").values_list("name", flat=True)
        ),
    }
