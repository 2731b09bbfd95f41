"""Opening a ledger carried over from another (新旧衔接): the new ledger, its sub-accounts, the
old ledger's funds and counterparties, and its opening balances, in one transaction.

What goes where is decided above the ledger (``reports.ledger_conversion`` reads the 2004 → 2023
account map and the accountant's decisions); this module only writes what it is given, through
the ledger's own services, so every rule of set-up applies (sub-account codes, leaf accounts,
required funds and counterparties, balanced openings). Either all of it is written or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from villagebooks.common.audit import audit_record
from villagebooks.ledger import services
from villagebooks.ledger.access import Action, require
from villagebooks.ledger.models import Counterparty, Fund, Ledger


@dataclass(frozen=True)
class SubAccount:
    code: str
    name: str
    parent_code: str


def ledger_open_carried(
    *,
    actor,
    source: Ledger,
    code: str,
    name: str,
    chart: str,
    start_year: int,
    sub_accounts: list[SubAccount],
    openings: list[services.OpeningInput],
    carried_from_year: int,
) -> Ledger:
    """A new ledger of ``source``'s village on ``chart`` from January of ``start_year``, with
    ``source``'s funds and counterparties (same names, kinds, documents, persons), the
    ``sub_accounts`` (parents first) and the ``openings``; recorded on both ledgers."""
    require(actor, source, Action.VIEW)
    with transaction.atomic():
        ledger = services.ledger_create(
            actor=actor,
            village_code=source.village.code,
            code=code,
            name=name,
            chart=chart,
            start_year=start_year,
            start_month=1,
        )
        for account in sub_accounts:
            services.account_add(
                actor=actor,
                ledger=ledger,
                parent_code=account.parent_code,
                code=account.code,
                name=account.name,
            )
        Fund.objects.bulk_create(
            Fund(
                ledger=ledger,
                name=fund.name,
                kind=fund.kind,
                issuer=fund.issuer,
                document_number=fund.document_number,
                amount_fen=fund.amount_fen,
            )
            for fund in Fund.objects.filter(ledger=source)
        )
        Counterparty.objects.bulk_create(
            Counterparty(
                ledger=ledger,
                name=party.name,
                kind=party.kind,
                id_number=party.id_number,
                person_key=party.person_key,
            )
            for party in Counterparty.objects.filter(ledger=source)
        )
        # The link the region figures read (``selectors.in_force``): one village, one set of books
        # at a time. The audit rows below say who did it.
        ledger.continues = source
        ledger.save(update_fields=["continues", "updated_at"])
        # A counterparty or fund the accountant named in a decision (for an old balance that had
        # none) is created; every other name is one of the old ledger's, copied above.
        ledger = services.opening_balances_set(actor=actor, ledger=ledger, rows=openings, create_missing=True)
        for ledger_id, direction in ((source.pk, "to"), (ledger.pk, "from")):
            audit_record(
                actor=actor,
                action="ledger_convert",
                ledger_id=ledger_id,
                obj=ledger,
                year=carried_from_year,
                **{direction: (ledger if direction == "to" else source).code},
                accounts=len(sub_accounts),
                openings=len(openings),
            )
    return ledger
