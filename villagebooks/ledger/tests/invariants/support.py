"""Helpers of the invariant tests: fresh ledgers (one per hypothesis example), posting plain
lines, closing a year, and reading net balances per account from the stored rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from itertools import count

from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, AccountBalance, Voucher
from villagebooks.ledger.tests.books import year_close_through

VILLAGE = "510781100201"
FUND = "县交通局道路补助"
PARTY = "张三"
OPENING_FEN = 8_000_000

_codes = count(1)


def new_ledger(actor, *, year: int = 2025, opening_fen: int = OPENING_FEN):
    """A new 2023-chart ledger with one fund, one counterparty and 102/301 opening balances."""
    ledger = services.ledger_create(
        actor=actor,
        village_code=VILLAGE,
        code=f"P{next(_codes):05d}",
        name="黑滩村股份经济合作联合社",
        chart="2023",
        start_year=year,
        start_month=1,
    )
    services.fund_create(actor=actor, ledger=ledger, name=FUND, kind="earmarked_transfer")
    services.counterparty_create(actor=actor, ledger=ledger, name=PARTY, kind="household")
    services.opening_balances_set(
        actor=actor,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=opening_fen),
            services.OpeningInput(account_code="301", credit_fen=opening_fen),
        ],
    )
    ledger.refresh_from_db()
    return ledger


def post_lines(ledger, preparer, reviewer, day: date, lines: list[LineInput]) -> Voucher:
    """Create, submit, review and post one voucher."""
    voucher = services.voucher_create(actor=preparer, ledger=ledger, date=day, lines=lines, submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    return services.voucher_post(actor=preparer, voucher=voucher)


def reverse(ledger, preparer, reviewer, voucher: Voucher, day: date) -> Voucher:
    red = services.voucher_reverse(actor=preparer, voucher=voucher, reason="金额错误", date=day)
    services.voucher_review(actor=reviewer, voucher=red)
    return services.voucher_post(actor=preparer, voucher=red)


def close_year(ledger, actor, year: int, appropriations: dict[str, int] | None = None, *, reviewer=None):
    """Close months 1..11, then the year (which closes December); the distribution vouchers of
    ``appropriations`` reviewed by ``reviewer`` and posted on the way."""
    for month in range(1, 12):
        services.period_close(actor=actor, ledger=ledger, year=year, month=month)
    result = year_close_through(ledger, actor, reviewer, year, appropriations)
    ledger.refresh_from_db()
    return result


def leaf_accounts(ledger) -> list[Account]:
    return list(Account.objects.filter(ledger=ledger, is_leaf=True).order_by("code"))


def net_by_dimension(ledger) -> dict[tuple[str, int, int], int]:
    """(account code, fund, counterparty) → net debit over every stored row, zeros left out.

    Only for a ledger still in its first year: later years would count carried rows twice.
    """
    nets: dict[tuple[str, int, int], int] = defaultdict(int)
    rows = AccountBalance.objects.filter(ledger=ledger).values_list(
        "account__code", "fund_key", "counterparty_key", "debit_fen", "credit_fen"
    )
    for code, fund, party, debit, credit in rows:
        nets[(code, fund, party)] += debit - credit
    return {key: net for key, net in nets.items() if net}
