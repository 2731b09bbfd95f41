"""The operation log is append-only in the database (common migration 0002): no row of it can be
changed or deleted, by the ORM, by SQL sent through the app's connection, or (on SQLite) through a
plain ``sqlite3`` connection to the database file, REPLACE included; new rows are still written."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import DatabaseError, connection, transaction

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import AUDIT_APPEND_ONLY
from villagebooks.common.models import AuditEntry

TABLE = AuditEntry._meta.db_table
COLUMNS = [field.column for field in AuditEntry._meta.concrete_fields]
# {entry} is the first of two rows, {second} the other.
SQL_ROUTES = [
    ("UPDATE its action", f"UPDATE {TABLE} SET action = 'nothing' WHERE id = {{entry}}"),
    ("UPDATE its detail", f"UPDATE {TABLE} SET detail = '{{{{}}}}' WHERE id = {{entry}}"),
    ("UPDATE every row", f"UPDATE {TABLE} SET actor_id = NULL"),
    ("DELETE it", f"DELETE FROM {TABLE} WHERE id = {{entry}}"),
    ("DELETE every row", f"DELETE FROM {TABLE}"),
]
_REWRITE = (
    f"{TABLE} ({', '.join(COLUMNS)}) SELECT "
    + ", ".join("'nothing'" if column == "action" else column for column in COLUMNS)
    + f" FROM {TABLE} WHERE id = {{entry}}"
)
SQLITE_ROUTES = [
    ("INSERT OR REPLACE over it", f"INSERT OR REPLACE INTO {_REWRITE}"),
    ("REPLACE INTO over it", f"REPLACE INTO {_REWRITE}"),
    (
        "UPDATE OR REPLACE the other onto it",
        f"UPDATE OR REPLACE {TABLE} SET id = {{entry}} WHERE id = {{second}}",
    ),
]
POSTGRES_ROUTES = [
    (
        "ON CONFLICT DO UPDATE over it",
        f"INSERT INTO {_REWRITE} ON CONFLICT (id) DO UPDATE SET action = EXCLUDED.action",
    ),
    (
        "MERGE deletes it",
        f"MERGE INTO {TABLE} a USING (SELECT {{entry}} AS id) s ON a.id = s.id WHEN MATCHED THEN DELETE",
    ),
]
ROUTES = SQL_ROUTES + (SQLITE_ROUTES if connection.vendor == "sqlite" else POSTGRES_ROUTES)


@pytest.fixture
def entries(db):
    return {
        "entry": audit_record(actor=None, action="voucher_post", ledger_id=7, amount_fen=350_000).pk,
        "second": audit_record(actor=None, action="voucher_review", ledger_id=7).pk,
    }


def _rows(execute) -> list:
    return execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY id")


def _django_execute(sql: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _refused(action) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        action()
    return str(error.value).splitlines()[0]


@pytest.mark.parametrize("name, sql", ROUTES, ids=[name for name, _ in ROUTES])
def test_sql_through_the_apps_connection_cannot_change_or_delete_a_row(entries, name, sql):
    before = _rows(_django_execute)
    assert _refused(lambda: _django_execute(sql.format(**entries))) == AUDIT_APPEND_ONLY
    assert _rows(_django_execute) == before


def test_the_orm_cannot_change_or_delete_a_row(entries):
    before = _rows(_django_execute)
    entry = AuditEntry.objects.get(pk=entries["entry"])

    def save():
        entry.detail = {"amount_fen": 1}
        entry.save()

    attempts = [
        save,
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="nothing"),
        lambda: AuditEntry.objects.get(pk=entry.pk).delete(),
        lambda: AuditEntry.objects.all().delete(),
        lambda: AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db),
    ]
    for attempt in attempts:
        assert _refused(attempt) == AUDIT_APPEND_ONLY
    assert _rows(_django_execute) == before


def test_new_rows_are_still_written_by_the_app_and_by_sql(entries):
    audit_record(actor=None, action="voucher_create", ledger_id=7)
    _django_execute(
        f"INSERT INTO {TABLE} (action, ledger_id, object_type, detail, created_at)"
        " VALUES ('voucher_create', 7, '', '{}', CURRENT_TIMESTAMP)"
    )
    assert AuditEntry.objects.filter(action="voucher_create").count() == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a plain sqlite3 connection to the SQLite file")
@pytest.mark.parametrize(
    "name, sql", SQL_ROUTES + SQLITE_ROUTES, ids=[name for name, _ in SQL_ROUTES + SQLITE_ROUTES]
)
def test_sqlite_a_plain_sqlite3_connection_to_the_file_cannot_either(entries, tmp_path, name, sql):
    path = tmp_path / "books.sqlite3"
    connection.ensure_connection()
    # The test's own transaction is still open: serialize() copies what this connection sees.
    path.write_bytes(connection.connection.serialize())
    plain = sqlite3.connect(path, isolation_level=None)  # autocommit, no recursive triggers: the shell's
    try:

        def execute(query):
            return plain.execute(query).fetchall()

        before = _rows(execute)
        assert len(before) >= 2
        with pytest.raises(sqlite3.IntegrityError) as error:
            execute(sql.format(**entries))
        assert str(error.value) == AUDIT_APPEND_ONLY
        assert _rows(execute) == before
    finally:
        plain.close()
