"""The demo county's planted supervision cases (issue 14): a township of its own, 监督示范乡, whose
villages keep a year of books (the year before ``end``'s) with a case of every rule planted at a
known place and the near misses that must not alert (``demo/planted.py``: two payments 40 days
apart, a cash payment of exactly 1,000.00, a death the day after the payment, one person in two
programmes that do not exclude each other, a cadre's relative paid with a decision record, …).

Its accountant and reviewer are demo logins like every township's (``accountantN``,
``reviewerN``). The planted cases are kept with the demo's summary, beside the cases the demo's
other parts make on purpose (payments the affairs demo leaves without a decision record, rents
the demo's tenants paid only in part: ``declared_rent_arrears``), so that ``benchmarks/supervision_rules.py --demo`` and the demo's test score the rules on the demo
county itself.

Why a township of its own: the demo's other villages have that year posted and closed by the
year close before the registry, the lists and the decisions exist, so nothing can be planted
into their books afterwards without reopening a closed year.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Sum

from villagebooks.affairs.models import Instalment
from villagebooks.demo.planted import County, Planted, plant_county
from villagebooks.ledger.models import Ledger, VoucherLine, VoucherStatus
from villagebooks.regions.models import Region
from villagebooks.supervision.rules import Scope

PLANTED_VILLAGES = 6
PLANTED_SEED = 14  # the number: the places drawn are the same at every load


def demo_supervision_load(
    *, county: Region, end: date, users, declared: list[Planted], villages: int = PLANTED_VILLAGES
) -> County:
    """Plant the cases in a new township of ``county``; ``users(township)`` gives its accountant
    and reviewer; ``declared`` are the cases other parts of the demo made on purpose, added to
    the county's planted list."""
    planted = plant_county(PLANTED_SEED, villages, year=end.year - 1, within=county, users=users)
    planted.planted.extend(declared)
    return planted


def declared_rent_arrears(ledgers: list[Ledger], year: int) -> list[Planted]:
    """The rents of ``year`` the demo's tenants paid only in part, on purpose (the generator
    collects 30–100 % of a rent in its year): the instalments due in ``year``, more than the
    county's ``contract_arrears`` days before the year's end, whose tenant paid less than the
    instalment into 应收款 (112) within the year, as the books' own lines say (not through the
    contract matching the rule reads)."""
    if not ledgers:
        return []
    scope = Scope.of(ledgers, (year, 1), (year, 12))
    end = date(year, 12, 31)
    rows = (
        VoucherLine.objects.filter(
            ledger__in=ledgers, account__code__startswith="112", credit_fen__gt=0,
            voucher__status=VoucherStatus.POSTED, voucher__date__year=year,
        )
        .values("ledger_id", "counterparty_id")
        .annotate(total=Sum("credit_fen"))
    )  # fmt: skip
    paid = {(r["ledger_id"], r["counterparty_id"]): r["total"] for r in rows}
    codes = {ledger.pk: ledger.code for ledger in ledgers}
    declared = []
    for instalment in (
        Instalment.objects.filter(ledger__in=ledgers, due_on__year=year, contract__terminated_on__isnull=True)
        .select_related("contract")
        .order_by("ledger_id", "due_on")
    ):
        contract = instalment.contract
        days = scope.value(instalment.ledger_id, "contract_arrears", "min_days")
        if instalment.due_on + timedelta(days=days) >= end:
            continue
        if paid.get((instalment.ledger_id, contract.counterparty_id), 0) < instalment.amount_fen:
            declared.append(
                Planted(
                    "contract_arrears",
                    codes[instalment.ledger_id],
                    batch=f"{contract.code}@{instalment.due_on}",
                )
            )
    return declared
