"""Balance rows' keys, the movements to add to them, and the error when one goes out of range.

The rows themselves are written only by ``posting`` (posting, opening balances, carry-forward);
this module holds what it and the readers of its errors share. ``BalanceDeltas`` sums the
movements per key and hands them over in sorted order, the order in which rows are locked.

A row's debit and credit totals stay within ``common.money.BALANCE_MAX_FEN``: the database
refuses a row beyond it (migration 0007), and this module turns that refusal into a
``BalanceOutOfRange`` that names the account and the month, instead of a database error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.common.money import BALANCE_MAX_FEN, format_fen
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import BALANCE_AMOUNTS_IN_RANGE, Account, AccountBalance

BALANCE_TOO_LARGE = _(
    "科目 {account} {period}的{side}合计将达到 {total}，超出范围：每个科目每月的借方、贷方合计各最多 {limit} 元"
)
BALANCE_OUT_OF_RANGE = _("余额超出范围：每个科目每月的借方、贷方合计各最多 {limit} 元")
# What each database says when a sum does not fit: the constraint's name (both, see migration
# 0007), PostgreSQL's bigint overflow, SQLite's in SUM().
_OUT_OF_RANGE_SIGNS = (BALANCE_AMOUNTS_IN_RANGE, "bigint out of range", "integer overflow")


class BalanceOutOfRange(DomainError):
    """Adding these amounts would take a balance row beyond ``BALANCE_MAX_FEN``."""


class BalanceKey(NamedTuple):
    ledger_id: int
    account_id: int
    period_key: int
    fund_key: int
    counterparty_key: int
    is_closing: bool


class BalanceDeltas:
    """Amounts to add to balance rows, summed per key before they reach the database."""

    def __init__(self) -> None:
        self._amounts: dict[BalanceKey, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, key: BalanceKey, debit_fen: int, credit_fen: int) -> None:
        amounts = self._amounts[key]
        amounts[0] += debit_fen
        amounts[1] += credit_fen

    def add_line(
        self,
        *,
        ledger_id,
        account_id,
        period_key,
        fund_id,
        counterparty_id,
        is_closing,
        debit_fen,
        credit_fen,
    ):
        self.add(
            BalanceKey(ledger_id, account_id, period_key, fund_id or 0, counterparty_id or 0, is_closing),
            debit_fen,
            credit_fen,
        )

    def __bool__(self) -> bool:
        return bool(self._amounts)

    def items(self) -> Iterable[tuple[BalanceKey, list[int]]]:
        return sorted(self._amounts.items())


def is_out_of_range(error: Exception) -> bool:
    """Whether a database error is a balance beyond its range (and not some other failure)."""
    if isinstance(error, OverflowError):  # SQLite's driver: a Python int beyond 64 bits
        return True
    text = str(error)
    return isinstance(error, DatabaseError) and any(sign in text for sign in _OUT_OF_RANGE_SIGNS)


def out_of_range_error(deltas: BalanceDeltas) -> BalanceOutOfRange:
    """The error for ``deltas`` that the database refused: the first row they would take beyond
    the range, by account code and month. Reads the stored rows: call it after the rollback."""
    keys = [key for key, _amounts in deltas.items()]
    stored = {
        (row[0], row[1], row[2], row[3], row[4], row[5]): (row[6], row[7])
        for row in AccountBalance.objects.filter(
            ledger_id__in={k.ledger_id for k in keys},
            account_id__in={k.account_id for k in keys},
            period_key__in={k.period_key for k in keys},
        ).values_list(
            "ledger_id",
            "account_id",
            "period_key",
            "fund_key",
            "counterparty_key",
            "is_closing",
            "debit_fen",
            "credit_fen",
        )
    }
    limit = format_fen(BALANCE_MAX_FEN)
    for key, (debit, credit) in deltas.items():
        have = stored.get(tuple(key), (0, 0))
        for side, total in ((_("借方"), have[0] + debit), (_("贷方"), have[1] + credit)):
            if abs(total) > BALANCE_MAX_FEN:
                code = Account.objects.filter(pk=key.account_id).values_list("code", flat=True).first()
                month = key.period_key % 100
                period = (
                    _("{year}年初").format(year=key.period_key // 100)
                    if month == 0
                    else period_label(key.period_key)
                )
                message = BALANCE_TOO_LARGE.format(
                    account=code, period=period, side=side, total=format_fen(total), limit=limit
                )
                return BalanceOutOfRange(message, field="lines")
    return BalanceOutOfRange(BALANCE_OUT_OF_RANGE.format(limit=limit), field="lines")
