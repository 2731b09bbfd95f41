"""Extension points through which apps above the ledger shape what the ledger writes, without the
ledger importing them (layers: tests/test_layers.py).

``member_split``: the year close's 向成员分配 is booked to the members' payable. With no provider
(or a provider answering None: the collective keeps no share register) it is one line to the
counterparty "全体成员"; a provider (the affairs app's share register) answers the amount
divided per household as [(counterparty name, fen)], summing exactly to the amount, and the
year close books one line per household on the payable account.
"""

from __future__ import annotations

from collections.abc import Callable

MemberSplit = Callable[..., list[tuple[str, int]] | None]
_member_splits: list[MemberSplit] = []


def register_member_split(provider: MemberSplit) -> None:
    """Register ``provider(ledger=…, year=…, amount_fen=…)``; registering it again is harmless."""
    if provider not in _member_splits:
        _member_splits.append(provider)


def member_split(*, ledger, year: int, amount_fen: int) -> list[tuple[str, int]] | None:
    """The first provider's split of ``amount_fen`` for ``ledger``'s members, or None."""
    for provider in _member_splits:
        split = provider(ledger=ledger, year=year, amount_fen=amount_fen)
        if split is not None:
            if sum(fen for _, fen in split) != amount_fen or any(fen < 0 for _, fen in split):
                raise ValueError("member split must be non-negative and sum to the amount")
            return [(name, fen) for name, fen in split if fen > 0]
    return None
