"""The routes around the posted-voucher triggers are closed too (migration 0006): on SQLite,
``INSERT OR REPLACE`` / ``UPDATE OR REPLACE`` (whose deletions fire no DELETE trigger) cannot
rewrite or remove a posted voucher or line, through Django's connection or through a plain
``sqlite3`` connection to the database file, with that module's default settings (no foreign
keys, no recursive triggers: what the ``sqlite3`` shell has); on PostgreSQL, ``INSERT … ON
CONFLICT DO UPDATE`` and ``MERGE`` cannot either; and on both, no voucher or line changes its id.

Every REPLACE route is also run against a draft, where it must work: so the tests fail if the
SQL is wrong, not only if the triggers are missing.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Voucher, VoucherLine
from villagebooks.ledger.verification import ledgers_verify

LINES = [
    LineInput(summary="购买水泥", account_code="121", debit_fen=350_000),
    LineInput(summary="购买水泥", account_code="102", credit_fen=350_000),
]
OTHER_LINES = [
    LineInput(summary="支付工资", account_code="121", debit_fen=990_000),
    LineInput(summary="支付工资", account_code="102", credit_fen=990_000),
]
KEY = "导入-0001"

VOUCHER = Voucher._meta.db_table
LINE = VoucherLine._meta.db_table
VOUCHER_COLUMNS = [field.column for field in Voucher._meta.concrete_fields]
LINE_COLUMNS = [field.column for field in VoucherLine._meta.concrete_fields]


def _copy(table: str, columns: list[str], source: str, **changed: str) -> str:
    """``(columns) SELECT …`` of the row ``source`` with some columns replaced by SQL expressions."""
    values = ", ".join(changed.get(column, column) for column in columns)
    return f"{table} ({', '.join(columns)}) SELECT {values} FROM {table} WHERE id = {source}"


# {voucher} is the target (posted, or a draft in the control test), {line} its first line,
# {draft} another draft and {draft_line} that draft's first line, {user} a user.
REWRITE = _copy(
    VOUCHER,
    VOUCHER_COLUMNS,
    "{voucher}",
    date="'2025-03-31'",
    note="'改过了'",
    prepared_by_id="{user}",
    reviewed_by_id="{user}",
    posted_by_id="{user}",
)
SQLITE_REPLACE_ROUTES = [
    ("INSERT OR REPLACE rewrites the voucher", f"INSERT OR REPLACE INTO {REWRITE}"),
    ("REPLACE INTO rewrites the voucher", f"REPLACE INTO {REWRITE}"),
    (
        "a new voucher takes its number",
        "INSERT OR REPLACE INTO "
        + _copy(VOUCHER, VOUCHER_COLUMNS, "{voucher}", id="NULL", external_key="NULL", status="'draft'"),
    ),
    (
        "a new voucher takes its import key",
        "INSERT OR REPLACE INTO "
        + _copy(VOUCHER, VOUCHER_COLUMNS, "{voucher}", id="NULL", number="NULL", status="'draft'"),
    ),
    (
        "a draft takes its number",
        f"UPDATE OR REPLACE {VOUCHER} SET (period_id, number) ="
        f" (SELECT period_id, number FROM {VOUCHER} WHERE id = {{voucher}}) WHERE id = {{draft}}",
    ),
    (
        "a draft takes its import key",
        f"UPDATE OR REPLACE {VOUCHER} SET external_key ="
        f" (SELECT external_key FROM {VOUCHER} WHERE id = {{voucher}}) WHERE id = {{draft}}",
    ),
    (
        "INSERT OR REPLACE puts a draft's line in place of its line",
        "INSERT OR REPLACE INTO " + _copy(LINE, LINE_COLUMNS, "{draft_line}", id="{line}", line_no="50"),
    ),
    (
        "a draft's line moves onto its voucher",
        f"UPDATE OR REPLACE {LINE} SET voucher_id = {{voucher}}, line_no = 1 WHERE id = {{draft_line}}",
    ),
]
# A changed id is refused whatever the voucher's status: (name, SQL, the messages that may say so;
# a posted row's change is refused by two triggers, and which fires first is the database's choice).
ID_ROUTES = [
    ("a draft takes its id", f"UPDATE {VOUCHER} SET id = {{voucher}} WHERE id = {{draft}}", [E.ID_IMMUTABLE]),
    (
        "a draft's line takes its line's id",
        f"UPDATE {LINE} SET id = {{line}} WHERE id = {{draft_line}}",
        [E.ID_IMMUTABLE],
    ),
    (
        "it moves to a new id",
        f"UPDATE {VOUCHER} SET id = id + 1000000 WHERE id = {{voucher}}",
        [E.ID_IMMUTABLE, E.POSTED_IMMUTABLE],
    ),
    (
        "its line moves to a new id",
        f"UPDATE {LINE} SET id = id + 1000000 WHERE id = {{line}}",
        [E.ID_IMMUTABLE, E.POSTED_IMMUTABLE],
    ),
    (
        "a draft with new ids takes nothing",
        f"UPDATE {VOUCHER} SET id = id + 1000000 WHERE id = {{draft}}",
        [E.ID_IMMUTABLE],
    ),
]
SQLITE_ID_ROUTES = [
    (f"{name} (OR REPLACE)", sql.replace("UPDATE ", "UPDATE OR REPLACE ", 1), messages)
    for name, sql, messages in ID_ROUTES
]
POSTGRES_ROUTES = [
    (
        "ON CONFLICT DO UPDATE rewrites the voucher",
        f"INSERT INTO {REWRITE} ON CONFLICT (id) DO UPDATE SET date = EXCLUDED.date, note = EXCLUDED.note,"
        " prepared_by_id = EXCLUDED.prepared_by_id, posted_by_id = EXCLUDED.posted_by_id",
    ),
    (
        "ON CONFLICT DO UPDATE rewrites its line",
        "INSERT INTO "
        + _copy(LINE, LINE_COLUMNS, "{line}", debit_fen="debit_fen + 100", credit_fen="credit_fen")
        + " ON CONFLICT (id) DO UPDATE SET debit_fen = EXCLUDED.debit_fen",
    ),
    (
        "MERGE rewrites the voucher",
        f"MERGE INTO {VOUCHER} v USING (SELECT {{voucher}} AS id) s ON v.id = s.id"
        " WHEN MATCHED THEN UPDATE SET note = '改过了'",
    ),
    (
        "MERGE deletes its lines",
        f"MERGE INTO {LINE} l USING (SELECT {{voucher}} AS voucher_id) s ON l.voucher_id = s.voucher_id"
        " WHEN MATCHED THEN DELETE",
    ),
]

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="REPLACE is SQLite's")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="ON CONFLICT and MERGE routes")


@pytest.fixture
def posted(ledger, accountant, reviewer):
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=LINES)
    # As an import leaves it: its key is unique in the ledger, one more key a REPLACE can hit.
    Voucher.objects.filter(pk=voucher.pk).update(external_key=KEY)
    voucher = services.voucher_submit(actor=accountant, voucher=voucher)
    services.voucher_review(actor=reviewer, voucher=voucher)
    return services.voucher_post(actor=accountant, voucher=voucher)


@pytest.fixture
def params(posted, ledger, accountant, reviewer):
    draft = services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 3, 9), lines=OTHER_LINES, submit=True
    )
    return {
        "voucher": posted.pk,
        "line": posted.lines.order_by("line_no").first().pk,
        "draft": draft.pk,
        "draft_line": draft.lines.order_by("line_no").first().pk,
        "user": reviewer.pk,
    }


def _snapshot(execute) -> tuple:
    """Every voucher and line (the posted one's and all others), as the database holds them."""
    return (
        execute(f"SELECT {', '.join(VOUCHER_COLUMNS)} FROM {VOUCHER} ORDER BY id"),
        execute(f"SELECT {', '.join(LINE_COLUMNS)} FROM {LINE} ORDER BY id"),
    )


def _django_execute(sql: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall() if cursor.description else []


def _refused_here(sql: str) -> str:
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        _django_execute(sql)
    return str(error.value)


@sqlite_only
@pytest.mark.parametrize(
    "name, sql, messages",
    [(name, sql, [E.POSTED_IMMUTABLE]) for name, sql in SQLITE_REPLACE_ROUTES] + SQLITE_ID_ROUTES,
    ids=[name for name, _ in SQLITE_REPLACE_ROUTES] + [name for name, _, _ in SQLITE_ID_ROUTES],
)
def test_sqlite_through_the_apps_connection(ledger, params, name, sql, messages):
    before = _snapshot(_django_execute)
    assert _refused_here(sql.format(**params)) in messages
    assert _snapshot(_django_execute) == before
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []


@pytest.fixture
def shell(params, tmp_path):
    """A plain ``sqlite3`` connection to a file holding the test database, as a shell opens it."""
    path = tmp_path / "books.sqlite3"
    connection.ensure_connection()
    # The test's own transaction is still open: serialize() copies what this connection sees.
    path.write_bytes(connection.connection.serialize())
    plain = sqlite3.connect(path, isolation_level=None)  # autocommit, like the shell
    assert plain.execute("PRAGMA recursive_triggers").fetchone() == (0,)
    assert plain.execute("PRAGMA foreign_keys").fetchone() == (0,)
    yield plain
    plain.close()


@sqlite_only
@pytest.mark.parametrize(
    "name, sql, messages",
    [(name, sql, [E.POSTED_IMMUTABLE]) for name, sql in SQLITE_REPLACE_ROUTES] + SQLITE_ID_ROUTES,
    ids=[name for name, _ in SQLITE_REPLACE_ROUTES] + [name for name, _, _ in SQLITE_ID_ROUTES],
)
def test_sqlite_through_a_plain_sqlite3_connection_to_the_file(shell, params, name, sql, messages):
    def execute(query):
        return shell.execute(query).fetchall()

    before = _snapshot(execute)
    assert any(row[0] == params["voucher"] for row in before[0])  # the copy holds the posted voucher
    with pytest.raises(sqlite3.IntegrityError) as error:
        execute(sql.format(**params))
    assert str(error.value) in messages
    assert _snapshot(execute) == before


@sqlite_only
@pytest.mark.parametrize("name, sql", SQLITE_REPLACE_ROUTES, ids=[name for name, _ in SQLITE_REPLACE_ROUTES])
def test_sqlite_the_same_replace_works_on_a_draft(ledger, accountant, params, name, sql):
    target = services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 3, 7), lines=LINES, submit=True
    )
    Voucher.objects.filter(pk=target.pk).update(external_key="导入-0002")
    on_draft = {**params, "voucher": target.pk, "line": target.lines.order_by("line_no").first().pk}
    before = _snapshot(_django_execute)
    with transaction.atomic():
        _django_execute(sql.format(**on_draft))
        # A draft has no number yet: taking it changes nothing, but the statement must run.
        assert (_snapshot(_django_execute) != before) is (name != "a draft takes its number")
        # Some routes leave lines without their voucher, as REPLACE does: not a state to commit.
        transaction.set_rollback(True)


@postgres_only
@pytest.mark.parametrize("name, sql", POSTGRES_ROUTES, ids=[name for name, _ in POSTGRES_ROUTES])
def test_postgresql_upserts_and_merges_cannot_touch_a_posted_voucher(ledger, params, name, sql):
    before = _snapshot(_django_execute)
    assert _refused_here(sql.format(**params)).splitlines()[0] == E.POSTED_IMMUTABLE
    assert _snapshot(_django_execute) == before
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []


@postgres_only
@pytest.mark.parametrize("name, sql, messages", ID_ROUTES, ids=[name for name, _, _ in ID_ROUTES])
def test_postgresql_no_voucher_or_line_changes_its_id(ledger, params, name, sql, messages):
    before = _snapshot(_django_execute)
    assert _refused_here(sql.format(**params)).splitlines()[0] in messages
    assert _snapshot(_django_execute) == before
