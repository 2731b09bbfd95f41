"""Counterparties written as something an app above the ledger knows: a person of the registry
written by their ID number (the ledger must not import the registry, see architecture.md's layers).

An app registers a resolver at ``ready()``; it is given a ledger and the counterparty texts the
ledger does not know as names and answers those that are its persons: the person's key in that
app and the name the ledger shows (the registry's: the person's name with the ID masked). The
ledger then keeps one counterparty per person and ledger (``Counterparty.person_key``) and books
the line to it, so the full identifier is never stored in the books, shown on a voucher or
written to the operation log. ``LedgerDirectory.resolve`` asks it for voucher imports and for
every draft saved through ``services`` (the grid, the API, claims).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple


class PersonParty(NamedTuple):
    key: int  # the person's id in the app that resolved it
    name: str  # how the ledger names and shows the counterparty (identifier masked)


Resolver = Callable[[object, list[str]], dict[str, PersonParty]]
_resolvers: list[Resolver] = []


def register_counterparty_resolver(resolver: Resolver) -> None:
    """Register ``resolver(ledger, texts) -> {text: PersonParty}`` (once; at ``ready()``)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def resolve_persons(ledger, texts: Iterable[str]) -> dict[str, PersonParty]:
    """The texts among ``texts`` that a registered resolver knows as a person."""
    texts = [t for t in texts if t]
    found: dict[str, PersonParty] = {}
    if not texts or not _resolvers:
        return found
    for resolver in _resolvers:
        for text, party in resolver(ledger, [t for t in texts if t not in found]).items():
            found.setdefault(text, party)
    return found
