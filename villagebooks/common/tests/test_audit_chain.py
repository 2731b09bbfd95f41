"""The operation log is a hash chain (common/audit_chain.py): each row appended links to the one
before, and ``verify`` names every row removed, changed, rewritten or slipped in with direct SQL,
the append-only triggers set aside as someone with the database's owner rights could.

On SQLite the tampering runs in the test's transaction (the dropped triggers come back with its
rollback); on PostgreSQL the rows are committed and the owner changes them on a connection of
its own, with the triggers disabled, as the app's role may not.
"""

from __future__ import annotations

import io
import threading
from contextlib import contextmanager

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from villagebooks.common import audit_chain as C
from villagebooks.common.audit import audit_record
from villagebooks.common.database_roles import owner_configured
from villagebooks.common.models import AuditEntry

POSTGRES = connection.vendor == "postgresql"
# serialized_rollback: the flush after a transactional test would remove the migrations' data too.
pytestmark = pytest.mark.django_db(transaction=POSTGRES, serialized_rollback=POSTGRES)

TABLE = AuditEntry._meta.db_table


@contextmanager
def _owner_cursor():
    if not owner_configured(connection):  # the app's connection is the owner's
        with connection.cursor() as cursor:
            yield cursor
        return
    app, owner = connection.settings_dict, settings.DATABASE_OWNER
    arguments = {
        "dbname": app["NAME"],
        "user": owner["USER"],
        "password": owner["PASSWORD"] or None,
        "host": owner["HOST"] or app["HOST"] or None,
        "port": owner["PORT"] or app["PORT"] or None,
    }
    with psycopg.connect(
        **{k: v for k, v in arguments.items() if v is not None}, autocommit=True
    ) as owner_db:
        with owner_db.cursor() as cursor:
            yield cursor


def _tamper(*statements: str) -> None:
    """Run ``statements`` against the log with its append-only triggers out of the way."""
    if not POSTGRES:
        with connection.cursor() as cursor:
            for trigger in ("auditentry_no_update", "auditentry_no_delete", "auditentry_no_replace"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for statement in statements:
                cursor.execute(statement)
        return
    with _owner_cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER auditentry_append_only")
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER auditentry_append_only")


NAME = C.chain_name(7)


def _row(seq, entry_id, name=NAME):
    return C.ROW.format(chain=name, seq=seq, id=entry_id)


@pytest.fixture
def log():
    """Five rows of ledger 7's chain, as services write them, with rows of other chains between;
    the ids of ledger 7's rows by place in its chain."""
    for number in range(5):
        audit_record(
            actor=None, action="voucher_post", ledger_id=7, amount_fen=100 * number, lines={2: "b", 10: "a"}
        )
        audit_record(actor=None, action="report_view", ledger_id=None, number=number)
        audit_record(actor=None, action="voucher_post", ledger_id=8, number=number)
    rows = list(AuditEntry.objects.filter(ledger_id=7).order_by("seq").values_list("seq", "id"))
    assert [seq for seq, _ in rows] == [1, 2, 3, 4, 5]
    return dict(rows)


def _found() -> list[str]:
    return [str(d) for d in C.chain_verify().discrepancies]


def _verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify", stdout=io.StringIO())
    return str(failure.value)


def test_rows_link_to_the_one_before_in_their_ledgers_chain_and_the_chains_verify(log):
    for ledger_id in (7, 8, None):
        rows = list(AuditEntry.objects.filter(ledger_id=ledger_id).order_by("seq"))
        assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == C.GENESIS
        assert all(row.prev_hash == before.hash for before, row in zip(rows, rows[1:], strict=False))
        assert {row.hash_alg for row in rows} == {"sha256"}
    assert _found() == []
    out = io.StringIO()
    call_command("verify", stdout=out)
    assert f"操作日志 {AuditEntry.objects.count()} 条哈希链完整" in out.getvalue()


def test_a_changed_row_is_named(log):
    seq = max(log) - 2
    _tamper(f"UPDATE {TABLE} SET detail = '{{\"amount_fen\": 1}}' WHERE id = {log[seq]}")
    assert _found() == [C.CHANGED.format(row=_row(seq, log[seq]))]
    assert C.CHANGED.format(row=_row(seq, log[seq])) in _verify_fails()


@pytest.mark.parametrize(
    "column, value",
    [
        ("action", "'voucher_review'"),
        ("object_id", "99"),
        ("created_at", "CURRENT_TIMESTAMP"),
    ],
)
def test_a_change_of_any_column_is_named(log, column, value):
    seq = max(log)
    _tamper(f"UPDATE {TABLE} SET {column} = {value} WHERE id = {log[seq]}")
    assert _found() == [C.CHANGED.format(row=_row(seq, log[seq]))]


def test_a_row_moved_to_another_ledger_is_named_in_both_chains(log):
    seq = max(log) - 1
    _tamper(f"UPDATE {TABLE} SET ledger_id = 9 WHERE id = {log[seq]}")
    assert _found() == [
        C.REMOVED_ONE.format(chain=NAME, first=seq),
        C.REMOVED.format(chain=C.chain_name(9), first=1, last=seq - 1),
        C.CHANGED.format(row=_row(seq, log[seq], C.chain_name(9))),
    ]


def test_a_removed_row_is_named(log):
    seq = max(log) - 1
    _tamper(f"DELETE FROM {TABLE} WHERE id = {log[seq]}")
    assert _found() == [C.REMOVED_ONE.format(chain=NAME, first=seq)]
    assert f"操作日志（账套 id 7）第 {seq} 条缺失（被删除）" in _verify_fails()


def test_rows_removed_together_are_named_as_a_range(log):
    last = max(log)
    _tamper(f"DELETE FROM {TABLE} WHERE id IN ({log[last - 3]}, {log[last - 2]})")
    assert _found() == [C.REMOVED.format(chain=NAME, first=last - 3, last=last - 2)]


def test_a_row_slipped_in_outside_the_chain_is_named(log):
    _tamper(
        f"INSERT INTO {TABLE} (action, ledger_id, object_type, detail, created_at)"
        " VALUES ('voucher_delete', 7, '', '{}', CURRENT_TIMESTAMP)"
    )
    slipped = AuditEntry.objects.get(action="voucher_delete")
    assert _found() == [C.OUTSIDE.format(id=slipped.pk, action="voucher_delete")]


def test_a_row_rewritten_with_its_own_hash_recomputed_is_named_by_the_next(log):
    seq = max(log) - 1
    row = AuditEntry.objects.filter(pk=log[seq]).values(*C._FIELDS).get()
    row["action"] = "voucher_review"
    forged = C.link_hash("sha256", row["prev_hash"], C.row_content(row))
    _tamper(f"UPDATE {TABLE} SET action = 'voucher_review', hash = '{forged}' WHERE id = {log[seq]}")
    assert _found() == [C.RELINKED.format(row=_row(seq + 1, log[seq + 1]), previous=seq)]


def test_a_row_inserted_into_the_middle_and_the_rest_renumbered_is_named(log):
    seq = max(log) - 1
    # Move the last two rows one place on (from the end, past the unique index) and put a row in.
    _tamper(
        f"UPDATE {TABLE} SET seq = seq + 1 WHERE id = {log[seq + 1]}",
        f"UPDATE {TABLE} SET seq = seq + 1 WHERE id = {log[seq]}",
        f"INSERT INTO {TABLE} (action, ledger_id, object_type, detail, created_at, seq, prev_hash, hash, hash_alg)"
        f" SELECT 'voucher_delete', 7, '', '{{}}', created_at, {seq}, prev_hash, hash, hash_alg"
        f" FROM {TABLE} WHERE id = {log[seq]}",
    )
    inserted = AuditEntry.objects.get(action="voucher_delete")
    found = _found()
    assert C.CHANGED.format(row=_row(seq, inserted.pk)) in found
    assert C.CHANGED.format(row=_row(seq + 1, log[seq])) in found


def test_rows_written_before_the_chain_are_chained_in_the_order_of_their_ids(log):
    # As migration 0003 finds them: rows with no place in the chain.
    _tamper(
        f"INSERT INTO {TABLE} (action, ledger_id, object_type, detail, created_at)"
        " VALUES ('voucher_create', 7, '', '{\"n\": 1}', CURRENT_TIMESTAMP)",
        f"INSERT INTO {TABLE} (action, ledger_id, object_type, detail, created_at)"
        " VALUES ('voucher_submit', 7, '', '{}', CURRENT_TIMESTAMP)",
    )
    assert len(_found()) == 2
    if POSTGRES:
        with _owner_cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER auditentry_append_only")
        try:
            assert C.chain_existing_rows(AuditEntry, connection) == 2
        finally:
            with _owner_cursor() as cursor:
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER auditentry_append_only")
    else:
        assert C.chain_existing_rows(AuditEntry, connection) == 2
    assert _found() == []
    assert list(AuditEntry.objects.filter(ledger_id=7).order_by("-seq").values_list("action", "seq")[:2]) == [
        ("voucher_submit", 7),
        ("voucher_create", 6),
    ]
    audit_record(actor=None, action="voucher_post", ledger_id=7)  # and the chain goes on from them
    assert _found() == []


@pytest.mark.skipif(not POSTGRES, reason="concurrent writers need PostgreSQL")
def test_concurrent_writers_do_not_fork_the_chain():
    threads, each = 6, 10
    errors = []

    def write(number):
        try:  # two chains, each written by three threads at once
            for index in range(each):
                audit_record(actor=None, action="report_view", ledger_id=number % 2 or None, index=index)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    running = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=120)
    assert errors == []
    for ledger_id in (1, None):
        places = list(
            AuditEntry.objects.filter(ledger_id=ledger_id).order_by("seq").values_list("seq", flat=True)
        )
        assert places == list(range(1, len(places) + 1)) and len(places) >= threads // 2 * each
    assert _found() == []
