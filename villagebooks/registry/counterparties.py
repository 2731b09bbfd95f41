"""The registry's counterparty resolver (registered with ``ledger.counterparty_resolvers`` at
``RegistryConfig.ready``): in voucher imports and on the voucher grid, a counterparty written as
the ID number of a person of the registry is that person; the ledger books the line to the
person's counterparty, named ``姓名（5107********1234）``, so the full number never reaches the
books, a voucher's page, its CSV or PDF, or the API."""

from __future__ import annotations

import re

from villagebooks.ledger.counterparty_resolvers import PersonParty
from villagebooks.registry.domain.identity import mask, normalise_id
from villagebooks.registry.models import Person

ID_TEXT = re.compile(r"\d{17}[\dXx]")


def display_name(name: str, id_number: str) -> str:
    return f"{name}（{mask(id_number)}）"


def person_counterparties(ledger, texts: list[str]) -> dict[str, PersonParty]:
    """The texts among ``texts`` that are the ID number of a person of the registry."""
    wanted: dict[str, list[str]] = {}
    for text in texts:
        if ID_TEXT.fullmatch(text.strip()):
            wanted.setdefault(normalise_id(text), []).append(text)
    if not wanted:
        return {}
    found = {}
    for pk, name, id_number in Person.objects.filter(id_number__in=list(wanted)).values_list(
        "id", "name", "id_number"
    ):
        for text in wanted[id_number]:
            found[text] = PersonParty(pk, display_name(name, id_number))
    return found
