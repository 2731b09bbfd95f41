"""What the public disclosure pages show of contracts, assets and resources: plain lists of
dicts, amounts in integer fen, no ID numbers, bank cards or phones (a party is its name only).
The disclosure app (layer 8) calls these three functions and freezes what they return."""

from __future__ import annotations

from datetime import date

from villagebooks.affairs import selectors_property as S
from villagebooks.ledger.models import Ledger


def public_contracts(ledger: Ledger, on_date: date) -> list[dict]:
    """Each contract: party name, kind, object, term, price, due and received by ``on_date``,
    overdue, state, whether traded on the rural property exchange."""
    return [
        {
            "code": row.contract.code,
            "kind": row.contract.get_kind_display(),
            "party": row.contract.party_name,
            "object": row.contract.subject,
            "start": row.contract.start,
            "end": row.contract.end,
            "price_fen": row.contract.price_fen,
            "due_fen": row.due_fen,
            "received_fen": row.received_fen,
            "overdue_fen": row.overdue_fen,
            "state": row.state,
            "exchange_traded": row.contract.exchange_traded,
        }
        for row in S.contracts_summary(ledger, on_date)
        if row.contract.signed_on <= on_date
    ]


def public_assets(ledger: Ledger, on_date: date) -> list[dict]:
    """The cards in use on ``on_date`` summarised by category and 经营性/公益性: count, original
    value, accumulated depreciation, net value."""
    groups: dict[tuple[str, str], dict] = {}
    for row in S.cards(ledger, on_date):
        key = (row.card.category, row.card.nature)
        group = groups.setdefault(
            key,
            {
                "category": row.card.category,
                "nature": row.card.get_nature_display(),
                "cards": 0,
                "original_fen": 0,
                "depreciation_fen": 0,
                "net_fen": 0,
            },
        )
        group["cards"] += 1
        group["original_fen"] += row.card.original_fen
        group["depreciation_fen"] += row.accumulated_fen
        group["net_fen"] += row.net_fen
    return [groups[key] for key in sorted(groups)]


def public_resources(ledger: Ledger, on_date: date) -> list[dict]:
    """Each land, forest or water resource: area (亩, as text), location, contracted or not on
    ``on_date`` and to whom (name only)."""
    return [
        {
            "code": row.resource.code,
            "name": row.resource.name,
            "kind": row.resource.get_kind_display(),
            "land_use": row.resource.land_use,
            "area_mu": str(row.resource.area),
            "location": row.resource.location,
            "contracted": row.contract is not None,
            "party": row.contract.party_name if row.contract is not None else "",
        }
        for row in S.resources_with_state(ledger, on_date)
    ]
