"""Keeping ``AccountBalance`` up to date: the one place that writes balance rows.

Posting adds its lines' amounts with an upsert (INSERT … ON CONFLICT DO UPDATE, the same SQL
on SQLite and PostgreSQL). Keys are applied in sorted order, so two transactions posting at
once take row locks in the same order and cannot deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection

from villagebooks.ledger.models import AccountBalance, VoucherLine


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


def _adding_insert() -> tuple[str, str]:
    """The head of an INSERT of balance rows, and the ON CONFLICT that adds to a row instead."""
    table = connection.ops.quote_name(AccountBalance._meta.db_table)
    return (
        f"INSERT INTO {table} (ledger_id, account_id, year, month, period_key, fund_key, counterparty_key,"
        " is_closing, debit_fen, credit_fen)",
        " ON CONFLICT (ledger_id, account_id, period_key, fund_key, counterparty_key, is_closing)"
        f" DO UPDATE SET debit_fen = {table}.debit_fen + excluded.debit_fen,"
        f" credit_fen = {table}.credit_fen + excluded.credit_fen",
    )


def balances_apply(deltas: BalanceDeltas) -> None:
    """Add ``deltas`` to the stored balances (inside the caller's transaction)."""
    if not deltas:
        return
    insert, add_on_conflict = _adding_insert()
    rows = [
        (
            key.ledger_id,
            key.account_id,
            key.period_key // 100,
            key.period_key % 100,
            key.period_key,
            key.fund_key,
            key.counterparty_key,
            key.is_closing,
            debit,
            credit,
        )
        for key, (debit, credit) in deltas.items()
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement over arrays instead of one per row: an import adds hundreds of keys
            # a batch, and each statement is a round of parse, plan and execute on the server.
            # WITH ORDINALITY keeps the rows in key order: concurrent writers lock in one order.
            columns = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(
                f"{insert} SELECT ledger_id, account_id, year, month, period_key, fund_key, counterparty_key, is_closing,"
                " debit_fen, credit_fen FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::int[], %s::int[],"
                " %s::bigint[], %s::bigint[], %s::boolean[], %s::bigint[], %s::bigint[])"
                " WITH ORDINALITY AS delta(ledger_id, account_id, year, month, period_key, fund_key,"
                f" counterparty_key, is_closing, debit_fen, credit_fen, position) ORDER BY position{add_on_conflict}",
                columns,
            )
            return
        cursor.executemany(f"{insert} VALUES ({', '.join(['%s'] * 10)}){add_on_conflict}", rows)


def add_voucher_sql(*, year: str, month: str, period_key: str, joined: str = "") -> str:
    """INSERT … SELECT that adds one voucher's lines to the stored balances.

    Parameters ``%(ledger_id)s``, ``%(is_closing)s`` and ``%(voucher_id)s``; the period comes as SQL
    expressions, over the lines and the optional ``joined`` table (the one-statement posting on
    PostgreSQL joins its numbered period: no period, no rows). Rows come in key order, like
    ``balances_apply``, so concurrent postings lock in one order.
    """
    insert, add_on_conflict = _adding_insert()
    lines = connection.ops.quote_name(VoucherLine._meta.db_table)
    group = "account_id, COALESCE(fund_id, 0), COALESCE(counterparty_id, 0)"
    # A joined period's columns are grouped by too (one value); parameters are not: as literals,
    # PostgreSQL would read GROUP BY 2025 as the 2025th column.
    period_group = f", {year}, {month}" if joined else ""
    return (
        f"{insert} SELECT %(ledger_id)s, account_id, {year}, {month}, {period_key}, COALESCE(fund_id, 0),"
        " COALESCE(counterparty_id, 0), %(is_closing)s, SUM(debit_fen), SUM(credit_fen)"
        f" FROM {lines}{joined} WHERE voucher_id = %(voucher_id)s"
        f" GROUP BY {group}{period_group} ORDER BY {group}{add_on_conflict}"
    )


def balances_add_voucher(*, voucher_id: int, ledger_id: int, period_key: int, is_closing: bool) -> None:
    """Add one voucher's lines to the stored balances in one statement (inside the caller's
    transaction): the lines are summed per key by the database instead of being read back."""
    sql = add_voucher_sql(year="%(year)s", month="%(month)s", period_key="%(period_key)s")
    params = {
        "ledger_id": ledger_id,
        "year": period_key // 100,
        "month": period_key % 100,
        "period_key": period_key,
        "is_closing": is_closing,
        "voucher_id": voucher_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
