"""Shared argument parsing of the ledger commands: a ledger by code, a period as YYYY-MM."""

from django.core.management.base import CommandError

from villagebooks.ledger.models import Ledger


def ledger_by_code(code: str) -> Ledger:
    ledger = Ledger.objects.filter(code=code).first()
    if ledger is None:
        raise CommandError(f"账套 {code} 不存在")
    return ledger
