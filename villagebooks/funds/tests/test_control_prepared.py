"""Budget control's statements prepared on PostgreSQL (``common.prepared``): planned once a
connection and executed by name after that, in the ORM's transaction, and still right after a
rollback, a refusal, a new connection and a change of the tables they read."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from villagebooks.common import prepared
from villagebooks.funds.models import BudgetLine, Control, VoucherWarning
from villagebooks.funds.tests.support import advance_to
from villagebooks.funds.tests.test_control import RECEIPT, draft, spend
from villagebooks.ledger import services
from villagebooks.ledger.models import VoucherStatus
from villagebooks.ledger.tests.books import post

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL"
)
CONTROL = "WITH deleted AS (DELETE FROM"  # control's statement at a posting (a draft's warnings go)


@pytest.fixture
def approved(road, manager):
    advance_to(road, manager, "P01", "实施")
    return road


def reviewed(ledger, accountant, reviewer, text):
    return services.voucher_review(actor=reviewer, voucher=draft(ledger, accountant, text))


def _prepared(start: str, containing: str = "") -> list[tuple[str, int, int]]:
    """This session's prepared statements whose text starts with ``start`` (and has
    ``containing``): name, generic and custom plans made (PostgreSQL 14+ counts a plan per
    execution)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s AND statement LIKE %s",
            [start + "%", f"%{containing}%"],
        )
        return cursor.fetchall()


@postgresql_only
def test_controls_statement_is_prepared_once_and_executed_by_name_on_one_connection(
    approved, accountant, reviewer
):
    post(approved, accountant, reviewer, RECEIPT)
    first, second = (reviewed(approved, accountant, reviewer, spend("1000.00")) for _ in range(2))
    services.voucher_post(actor=accountant, voucher=first)
    # (the receipt's posting read no project: a statement of its own)
    [(name, generic, custom)] = _prepared(CONTROL, "funds_projectentry")
    services.voucher_post(actor=accountant, voucher=second)
    # The same statement, one execution more, with its generic plan (no planning at a click).
    assert custom == 0
    assert _prepared(CONTROL, "funds_projectentry") == [(name, generic + 1, 0)]
    [(_name, lines_generic, lines_custom)] = _prepared("SELECT line_no, summary, account_id")
    assert (lines_generic, lines_custom) == (lines_generic, 0) and lines_generic >= 2
    # psycopg's preparing is on only during these statements: Django's are neither prepared nor
    # kept by psycopg to be counted.
    assert connection.connection.prepare_threshold is None


@postgresql_only
def test_the_prepared_statement_runs_in_the_orms_transaction(approved, accountant, reviewer):
    post(approved, accountant, reviewer, RECEIPT)
    voucher = reviewed(approved, accountant, reviewer, spend("1000.00"))
    VoucherWarning.objects.create(ledger=approved, voucher=voucher, rule="旧", message="草稿时的提示")
    with transaction.atomic():
        sid = transaction.savepoint()
        services.voucher_post(actor=accountant, voucher=voucher)
        assert _prepared(CONTROL)  # it ran prepared, and deleted the draft's warning…
        assert not VoucherWarning.objects.filter(voucher=voucher).exists()
        transaction.savepoint_rollback(sid)  # …in the savepoint rolled back here
    assert VoucherWarning.objects.filter(voucher=voucher, rule="旧").exists()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.REVIEWED


@postgresql_only
def test_a_refusal_after_a_prepared_posting_leaves_the_next_posting_right(approved, accountant, reviewer):
    post(approved, accountant, reviewer, RECEIPT)
    refused = reviewed(approved, accountant, reviewer, spend("120000.00"))
    post(approved, accountant, reviewer, spend("100000.00"))  # prepared on this connection
    with pytest.raises(Exception, match="超预算"):
        services.voucher_post(actor=accountant, voucher=refused)  # rolled back
    BudgetLine.objects.update(control=Control.WARN)
    services.voucher_post(actor=accountant, voucher=refused)
    refused.refresh_from_db()
    assert refused.status == VoucherStatus.POSTED
    assert VoucherWarning.objects.get(voucher=refused).rule == "超预算"


@postgresql_only
# serialized_rollback: the flush after a transactional test would also remove the migrations' data.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_statements_deallocated_behind_psycopgs_back_fail_and_the_rollback_recovers(
    road, manager, accountant, reviewer
):
    """What a pooler resetting the session between transactions does (PgBouncer's transaction
    mode): the statement is gone; the posting fails, is rolled back, and the next one prepares
    it again (which is why DATABASE_PREPARED_STATEMENTS=0 exists for such a pooler)."""
    advance_to(road, manager, "P01", "实施")
    approved = road
    post(approved, accountant, reviewer, RECEIPT)
    first, second = (reviewed(approved, accountant, reviewer, spend("1000.00")) for _ in range(2))
    services.voucher_post(actor=accountant, voucher=first)
    with connection.cursor() as cursor:
        cursor.execute("DO $$ BEGIN DEALLOCATE ALL; END $$")  # not seen by psycopg
    with pytest.raises(Exception, match="does not exist"):
        services.voucher_post(actor=accountant, voucher=second)  # its transaction rolled back
    second.refresh_from_db()
    services.voucher_post(actor=accountant, voucher=second)
    second.refresh_from_db()
    assert second.status == VoucherStatus.POSTED


@postgresql_only
# serialized_rollback: the flush after a transactional test would also remove the migrations' data.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_connection_and_a_changed_table_need_nothing(road, manager, accountant, reviewer):
    advance_to(road, manager, "P01", "实施")
    post(road, accountant, reviewer, RECEIPT + spend("1000.00"))
    assert _prepared(CONTROL)
    # A migration from another session: PostgreSQL plans the prepared statements again itself.
    owner = settings.DATABASE_OWNER or {}
    dsn = {
        "dbname": connection.settings_dict["NAME"],
        "user": owner.get("USER") or connection.settings_dict["USER"],
        "host": owner.get("HOST") or connection.settings_dict["HOST"] or "127.0.0.1",
        "port": owner.get("PORT") or connection.settings_dict["PORT"] or 5432,
    }
    if owner.get("PASSWORD") or connection.settings_dict["PASSWORD"]:
        dsn["password"] = owner.get("PASSWORD") or connection.settings_dict["PASSWORD"]
    with psycopg.connect(**dsn, autocommit=True) as other:
        for table in ("funds_projectentry", "ledger_voucherline"):
            other.execute(f"ALTER TABLE {table} ADD COLUMN prepared_probe integer")
    try:
        post(road, accountant, reviewer, spend("2000.00"))
        assert VoucherWarning.objects.count() == 0
        connection.close()  # a new connection: nothing prepared, prepared again at first use
        post(road, accountant, reviewer, spend("3000.00"))
        assert _prepared(CONTROL)
    finally:
        with psycopg.connect(**dsn, autocommit=True) as other:
            for table in ("funds_projectentry", "ledger_voucherline"):
                other.execute(f"ALTER TABLE {table} DROP COLUMN prepared_probe")


def test_without_postgresql_or_when_turned_off_the_cursor_is_djangos(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert not prepared.enabled()
    settings.DATABASE_PREPARED_STATEMENTS = True
    assert prepared.enabled() == (connection.vendor == "postgresql")
