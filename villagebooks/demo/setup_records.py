"""A ledger's set-up record of the generator (``ledgers.jsonl``: its sub-accounts, funds and
counterparties) written through the services: the loader's and the old books' one way."""

from __future__ import annotations

from villagebooks.ledger import services


def account_add(*, actor, ledger, account: dict) -> None:
    services.account_add(
        actor=actor, ledger=ledger, parent_code=account["parent"], code=account["code"], name=account["name"]
    )


def fund_create(*, actor, ledger, fund: dict) -> None:
    services.fund_create(
        actor=actor,
        ledger=ledger,
        name=fund["name"],
        kind=fund["kind"],
        issuer=fund["issuer"],
        document_number=fund["document_number"],
        amount_fen=fund["amount_fen"],
    )


def counterparty_create(*, actor, ledger, party: dict) -> None:
    services.counterparty_create(
        actor=actor, ledger=ledger, name=party["name"], kind=party["kind"], id_number=party["id_number"]
    )
