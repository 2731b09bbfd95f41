"""Reading members, shares, dividends and decisions, scoped to the user; and the link between a
payment (a posted voucher) and its decision record, for supervision's rule ``no_decision_record``:

- ``decision_for_voucher(voucher_id)``: the decision a voucher was linked to, or None;
- ``vouchers_with_decisions(ledger, date_from, date_to)``: {voucher id: decision code} for the
  ledger's linked vouchers dated in the range (``vouchers_with_decisions_in``: the same ids over
  many ledgers, in one query);
- ``payments_missing_decision(ledger, date_from, date_to)``: posted payments (credits to cash or
  bank, ``terms().payment_accounts``) at or above ``terms().decision_threshold_fen`` with no
  decision linked — what that rule reports.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from villagebooks.affairs import access
from villagebooks.affairs.members import members_on
from villagebooks.affairs.models import (
    Decision,
    DecisionPayment,
    Dividend,
    Membership,
    ShareClass,
    ShareEntry,
)
from villagebooks.affairs.shares import holdings
from villagebooks.affairs.terms import terms
from villagebooks.ledger.models import Ledger, Voucher, VoucherKind, VoucherLine, VoucherStatus
from villagebooks.regions.models import Region
from villagebooks.registry.access import village_filter


def villages(user, action: str = access.VIEW) -> QuerySet[Region]:
    return access.villages_in_scope(user, action).order_by("code")


def village_or_404(user, code: str, action: str = access.VIEW) -> Region:
    village = villages(user, action).filter(code=code).first()
    if village is None:
        raise Http404
    return village


def _scoped(queryset, user, action=access.VIEW):
    condition = village_filter(user, action, to_village="village__")
    return queryset if condition is None else queryset.filter(condition)


def memberships(user, village: Region, *, on: date | None = None) -> QuerySet[Membership]:
    rows = Membership.objects.filter(village=village) if on is None else members_on(village, on)
    return (
        _scoped(rows, user).select_related("person", "household").order_by("household__number", "person_id")
    )


def members_summary(village: Region, on: date) -> dict:
    current = members_on(village, on)
    by_class = []
    totals = {}
    for row in holdings(village, on):
        totals[row["share_class_id"]] = totals.get(row["share_class_id"], 0) + row["shares"]
    for share_class in ShareClass.objects.filter(village=village).order_by("code"):
        by_class.append(
            {
                "code": share_class.code,
                "name": share_class.name,
                "kind": share_class.kind,
                "shares": str(totals.get(share_class.pk, 0).normalize() if totals.get(share_class.pk) else 0),
            }
        )
    return {
        "date": on.isoformat(),
        "members": current.count(),
        "households": current.values("household_id").distinct().count(),
        "classes": by_class,
    }


def household_holdings(village: Region, on: date) -> list[dict]:
    """Per household: number, shares per class code and in all, on ``on``."""
    codes = dict(ShareClass.objects.filter(village=village).values_list("pk", "code"))
    rows: dict = {}
    from villagebooks.registry.models import Household

    numbers = dict(Household.objects.filter(village=village).values_list("pk", "number"))
    for row in holdings(village, on):
        key = row["household_id"]
        item = rows.setdefault(
            key, {"household_id": key, "number": numbers.get(key, "集体"), "classes": {}, "total": 0}
        )
        item["classes"][codes[row["share_class_id"]]] = row["shares"]
        item["total"] += row["shares"]
    return sorted(rows.values(), key=lambda r: (r["household_id"] is None, r["number"]))


def share_history(village: Region) -> QuerySet[ShareEntry]:
    return (
        ShareEntry.objects.filter(village=village)
        .select_related("share_class", "household", "person")
        .order_by("-date", "-id")
    )


def dividends(user, village: Region) -> QuerySet[Dividend]:
    return (
        Dividend.objects.filter(ledger__village=village).select_related("ledger", "voucher").order_by("-year")
    )


def decisions(user, village: Region) -> QuerySet[Decision]:
    return _scoped(Decision.objects.filter(village=village), user).prefetch_related(
        "payments__voucher__period"
    )


def decision_for_voucher(voucher_id: int) -> Decision | None:
    link = DecisionPayment.objects.filter(voucher_id=voucher_id).select_related("decision").first()
    return link.decision if link else None


def vouchers_with_decisions(ledger: Ledger, date_from: date, date_to: date) -> dict[int, str]:
    return dict(
        DecisionPayment.objects.filter(
            ledger=ledger, voucher__date__gte=date_from, voucher__date__lte=date_to
        ).values_list("voucher_id", "decision__code")
    )


def vouchers_with_decisions_in(ledger_ids, date_from: date, date_to: date) -> set[int]:
    """The vouchers of many ledgers (a county's) dated in the range and linked to a decision
    record, in one query: what supervision reads for a whole region."""
    return set(
        DecisionPayment.objects.filter(
            ledger_id__in=ledger_ids, voucher__date__gte=date_from, voucher__date__lte=date_to
        ).values_list("voucher_id", flat=True)
    )


def payments(ledger: Ledger, date_from: date, date_to: date, *, at_least_fen: int = 0) -> list[dict]:
    """Posted vouchers paying out (credits to cash or bank) in the range, with the amount paid, in SQL."""
    paying = Q()
    for code in terms().payment_accounts:
        paying |= Q(account__code__startswith=code)
    rows = (
        VoucherLine.objects.filter(
            paying,
            ledger=ledger,
            voucher__status=VoucherStatus.POSTED,
            voucher__kind=VoucherKind.NORMAL,
            voucher__date__gte=date_from,
            voucher__date__lte=date_to,
            credit_fen__gt=0,
        )
        .values(
            "voucher_id",
            "voucher__date",
            "voucher__period__year",
            "voucher__period__month",
            "voucher__number",
            "voucher__note",
        )
        .annotate(paid=Sum("credit_fen"))
        .filter(paid__gte=at_least_fen)
        .order_by("voucher__date", "voucher_id")
    )
    return [
        {
            "voucher_id": r["voucher_id"],
            "date": r["voucher__date"],
            "label": f"{r['voucher__period__year']}-{r['voucher__period__month']:02d}/{r['voucher__number']}",
            "note": r["voucher__note"],
            "amount_fen": r["paid"],
        }
        for r in rows
    ]


def payments_missing_decision(ledger: Ledger, date_from: date, date_to: date) -> list[dict]:
    linked = vouchers_with_decisions(ledger, date_from, date_to)
    return [
        p
        for p in payments(ledger, date_from, date_to, at_least_fen=terms().decision_threshold_fen)
        if p["voucher_id"] not in linked
    ]


def linkable_voucher(user, ledger_code: str, label: str) -> Voucher | None:
    """A voucher named ``YYYY-MM/号`` in ``ledger_code``, or None."""
    import re

    match = re.match(r"^(\d{4})-(\d{1,2})/(\d+)$", label.strip())
    if not match:
        return None
    year, month, number = (int(g) for g in match.groups())
    return (
        Voucher.objects.filter(
            ledger__code=ledger_code, period__year=year, period__month=month, number=number
        )
        .select_related("ledger", "period")
        .first()
    )
