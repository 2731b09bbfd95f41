"""Running the import commands as a user types them, and a fingerprint of the books that
proves a failed import changed nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

HEADER = "ledger,voucher,date,summary,account,debit,credit,fund,counterparty"


def run_command(name: str, *args) -> str:
    """Run a command; its standard output, or CommandError as pytest sees it."""
    out = io.StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def command_fails(name: str, *args) -> list[str]:
    """Run a command that must fail; the problem lines it printed."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(name, *[str(a) for a in args], stdout=out, stderr=err)
    assert out.getvalue() == ""
    return err.getvalue().splitlines() + [str(failure.value)]


def books_state() -> dict:
    """Everything an import may write, so that before == after proves it wrote nothing."""
    from villagebooks.common.models import AuditEntry
    from villagebooks.ledger.models import (
        AccountBalance,
        Counterparty,
        Fund,
        Ledger,
        OpeningBalance,
        Period,
        Voucher,
        VoucherLine,
    )

    return {
        "vouchers": Voucher.objects.count(),
        "lines": VoucherLine.objects.count(),
        "balances": sorted(
            AccountBalance.objects.values_list(
                "account_id", "period_key", "fund_key", "debit_fen", "credit_fen"
            )
        ),
        "openings": OpeningBalance.objects.count(),
        "funds": sorted(Fund.objects.values_list("ledger_id", "name")),
        "counterparties": sorted(Counterparty.objects.values_list("ledger_id", "name")),
        "periods": sorted(Period.objects.values_list("ledger_id", "year", "month", "last_number", "status")),
        "ledgers": sorted(Ledger.objects.values_list("code", "status")),
        "audit": AuditEntry.objects.count(),
    }
