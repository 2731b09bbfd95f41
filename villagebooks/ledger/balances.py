"""Keeping ``AccountBalance`` up to date: the one place that writes balance rows.

Posting adds its lines' amounts with an upsert (INSERT … ON CONFLICT DO UPDATE, the same SQL
on SQLite and PostgreSQL). Keys are applied in sorted order, so two transactions posting at
once take row locks in the same order and cannot deadlock.

A row's debit and credit totals stay within ``common.money.BALANCE_MAX_FEN``: the database
refuses a row beyond it (migration 0007), and this module turns that refusal into a
``BalanceOutOfRange`` that names the account and the month, instead of a database error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.common.money import BALANCE_MAX_FEN, format_fen
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import BALANCE_AMOUNTS_IN_RANGE, Account, AccountBalance, VoucherLine

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


def balances_apply(deltas: BalanceDeltas) -> None:
    """Add ``deltas`` to the stored balances (inside the caller's transaction).

    Raises:
        BalanceOutOfRange: a row would go beyond ``BALANCE_MAX_FEN``; nothing was added.
    """
    if not deltas:
        return
    try:
        # A savepoint, so that the transaction is still usable to name the row (and, for an
        # import, to report it with the file's other problems). Once a call, not once a row.
        with transaction.atomic():
            _apply(deltas)
    except (IntegrityError, DataError, OverflowError) as error:
        if not is_out_of_range(error):
            raise
        raise out_of_range_error(deltas) from error


def _apply(deltas: BalanceDeltas) -> None:
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
