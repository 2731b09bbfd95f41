"""A line belongs to its voucher's ledger and a voucher to its period's ledger, by the database's
own keys (migration 0004 on PostgreSQL): a row that claims another ledger is refused whoever
writes it. Each refused statement is also run with the right ledger, where it must pass, so the
tests fail if the SQL is wrong rather than only if the keys are missing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, AccountBalance, Voucher, VoucherLine

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the composite keys are PostgreSQL's (SQLite keeps one key a column; migration 0004)",
    ),
]

LINES = [
    LineInput(summary="购买水泥", account_code="121", debit_fen=350_000),
    LineInput(summary="购买水泥", account_code="102", credit_fen=350_000),
]
VOUCHER = Voucher._meta.db_table
LINE = VoucherLine._meta.db_table


@pytest.fixture
def draft(ledger, accountant):
    return services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 10), lines=LINES)


def _checked_now(sql: str, params: list) -> None:
    """Run ``sql`` and check the deferred keys at once, in a savepoint that is rolled back."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)


def test_a_line_cannot_claim_another_ledger_than_its_voucher(draft, other_ledger):
    copy_line = (
        f"INSERT INTO {LINE} (ledger_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen)"
        f" SELECT %s, voucher_id, 50, summary, account_id, debit_fen, credit_fen FROM {LINE}"
        " WHERE voucher_id = %s AND line_no = 1"
    )
    _checked_now(copy_line, [draft.ledger_id, draft.pk])  # its own ledger: accepted
    with pytest.raises(IntegrityError, match="line_voucher_in_ledger"):
        _checked_now(copy_line, [other_ledger.pk, draft.pk])
    assert VoucherLine.objects.filter(voucher=draft).count() == 2


def test_a_voucher_cannot_sit_in_another_ledgers_period(draft, other_ledger):
    own_period = draft.period_id
    foreign_period = other_ledger.periods.get(year=2025, month=3).pk
    move = f"UPDATE {VOUCHER} SET period_id = %s WHERE id = %s"
    _checked_now(move, [own_period, draft.pk])
    with pytest.raises(IntegrityError, match="voucher_period_in_ledger"):
        _checked_now(move, [foreign_period, draft.pk])
    draft.refresh_from_db()
    assert draft.period_id == own_period


def test_a_line_of_a_voucher_that_does_not_exist_is_refused(draft):
    orphan = (
        f"INSERT INTO {LINE} (ledger_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen)"
        f" SELECT ledger_id, %s, 1, summary, account_id, debit_fen, credit_fen FROM {LINE}"
        " WHERE voucher_id = %s AND line_no = 1"
    )
    missing = Voucher.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    with pytest.raises(IntegrityError, match="line_voucher_in_ledger"):
        _checked_now(orphan, [missing, draft.pk])


def test_the_single_column_keys_were_replaced(db):
    with connection.cursor() as cursor:
        line_keys = connection.introspection.get_constraints(cursor, LINE)
        voucher_keys = connection.introspection.get_constraints(cursor, VOUCHER)
    line_fks = sorted(tuple(info["columns"]) for info in line_keys.values() if info["foreign_key"])
    voucher_fks = sorted(tuple(info["columns"]) for info in voucher_keys.values() if info["foreign_key"])
    # A line's project (ledger 0013) is, like its fund and counterparty, a row of its own ledger.
    assert line_fks == [
        ("account_id",),
        ("counterparty_id",),
        ("fund_id",),
        ("project_id",),
        ("voucher_id", "ledger_id"),
    ]
    assert voucher_fks == [
        ("period_id", "ledger_id"),
        ("posted_by_id",),
        ("prepared_by_id",),
        ("reverses_id", "ledger_id"),  # migration 0006
        ("reviewed_by_id",),
    ]


def test_a_reversal_cannot_reverse_another_ledgers_voucher(draft, other_ledger, accountant):
    """Migration 0006: the key to the reversed voucher carries the ledger, as Citus needs it to."""
    own = services.voucher_create(actor=accountant, ledger=draft.ledger, date=date(2025, 3, 11), lines=LINES)
    foreign = services.voucher_create(
        actor=accountant, ledger=other_ledger, date=date(2025, 3, 11), lines=LINES
    )
    point = f"UPDATE {VOUCHER} SET reverses_id = %s WHERE id = %s"
    _checked_now(point, [draft.pk, own.pk])
    with pytest.raises(IntegrityError, match="voucher_reverses_in_ledger"):
        _checked_now(point, [draft.pk, foreign.pk])
    foreign.refresh_from_db()
    assert foreign.reverses_id is None


def test_a_voucher_is_reversed_at_most_once_by_the_key_that_includes_the_ledger(draft, accountant):
    first = services.voucher_create(
        actor=accountant, ledger=draft.ledger, date=date(2025, 3, 11), lines=LINES
    )
    second = services.voucher_create(
        actor=accountant, ledger=draft.ledger, date=date(2025, 3, 12), lines=LINES
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {VOUCHER} SET reverses_id = %s WHERE id = %s", [draft.pk, first.pk])
    with pytest.raises(IntegrityError, match="voucher_reverses_once_in_ledger"):
        _checked_now(f"UPDATE {VOUCHER} SET reverses_id = %s WHERE id = %s", [draft.pk, second.pk])


def test_the_reversal_key_holds_reversals_only(draft, accountant):
    """Migration 0023: vouchers that reverse nothing (every imported one) add no index entry."""
    reversal = services.voucher_create(
        actor=accountant, ledger=draft.ledger, date=date(2025, 3, 11), lines=LINES
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {VOUCHER} SET reverses_id = %s WHERE id = %s", [draft.pk, reversal.pk])
        cursor.execute("SELECT pg_get_indexdef('voucher_reverses_once_in_ledger'::regclass)")
        (definition,) = cursor.fetchone()
        # The index as the planner would use it for "which voucher reverses this one".
        cursor.execute(
            f"SELECT count(*) FROM {VOUCHER} WHERE reverses_id IS NOT NULL AND ledger_id = %s",
            [draft.ledger_id],
        )
        (reversals,) = cursor.fetchone()
    assert definition.startswith("CREATE UNIQUE INDEX voucher_reverses_once_in_ledger")
    assert definition.endswith("(reverses_id, ledger_id) WHERE (reverses_id IS NOT NULL)")
    assert reversals == 1


def test_a_balance_row_cannot_name_an_account_of_another_ledger(draft, other_ledger, reviewer, accountant):
    """Migration 0024: a balance row's account and ledger are one key."""
    services.voucher_submit(actor=accountant, voucher=draft)
    services.voucher_review(actor=reviewer, voucher=draft)
    services.voucher_post(actor=accountant, voucher=draft)
    row = AccountBalance.objects.filter(ledger_id=draft.ledger_id, month__gt=0).order_by("pk").first()
    own = Account.objects.get(pk=row.account_id)
    foreign = Account.objects.get(ledger=other_ledger, code=own.code)
    moved = f"UPDATE {AccountBalance._meta.db_table} SET account_id = %s WHERE id = %s"
    _checked_now(moved, [own.pk, row.pk])  # its own ledger's account: accepted
    with pytest.raises(IntegrityError, match="balance_account_in_ledger"):
        _checked_now(moved, [foreign.pk, row.pk])
    row.refresh_from_db()
    assert row.account_id == own.pk
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AccountBalance._meta.db_table)
    assert sorted(tuple(i["columns"]) for i in constraints.values() if i["foreign_key"]) == [
        ("account_id", "ledger_id")
    ]
