"""On PostgreSQL the app's role owns nothing (common/database_roles.py): each statement that could
get around the triggers or change the schema is refused to it, and it still reads and writes rows.

With two roles configured (``DATABASE_OWNER_URL``, as ``.ci/run`` does) these tests run as the app
role that the whole suite runs as. With one role for both (``DATABASE_URL=postgres://postgres@…``)
they create a role inside the test's transaction, grant it what ``migrate`` grants the app, and
``SET ROLE`` to it (rolled back with the test); they skip only if the role may not create roles.
"""

from __future__ import annotations

import os
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction

from villagebooks.common.audit import audit_record
from villagebooks.common.database_roles import app_role_grant, owner_configured
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Voucher, VoucherLine
from villagebooks.settings import _database_owner_from_env

INSUFFICIENT_PRIVILEGE = "42501"
LINES = [
    LineInput(summary="购买水泥", account_code="121", debit_fen=350_000),
    LineInput(summary="购买水泥", account_code="102", credit_fen=350_000),
]
REFUSED = [
    ("TRUNCATE the vouchers", "TRUNCATE ledger_voucher CASCADE"),
    ("TRUNCATE the operation log", "TRUNCATE common_auditentry"),
    ("disable the posted-voucher trigger", "ALTER TABLE ledger_voucher DISABLE TRIGGER voucher_posted_guard"),
    ("disable the log's triggers", "ALTER TABLE common_auditentry DISABLE TRIGGER ALL"),
    ("set session_replication_role", "SET session_replication_role = replica"),
    ("set session_replication_role locally", "SET LOCAL session_replication_role = replica"),
    ("create a table", "CREATE TABLE villagebooks_intruder (id integer)"),
    ("drop the posted-voucher trigger", "DROP TRIGGER voucher_posted_guard ON ledger_voucher"),
    ("drop the log's trigger", "DROP TRIGGER auditentry_append_only ON common_auditentry"),
    (
        "replace the guard's function",
        "CREATE OR REPLACE FUNCTION ledger_voucher_guard() RETURNS trigger AS $$"
        " BEGIN RETURN NEW; END $$ LANGUAGE plpgsql",
    ),
    ("add a column", "ALTER TABLE ledger_voucher ADD COLUMN intruder integer"),
    ("drop the operation log", "DROP TABLE common_auditentry"),
    ("become the owner", "SET ROLE {owner}"),
]

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the two roles are PostgreSQL's")


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@pytest.fixture
def app_role(db) -> str:
    """Django's connection, as the app's role; the role's name."""
    if owner_configured(connection):
        return settings.DATABASE_OWNER["APP_ROLE"]
    if not _scalar("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"):
        pytest.skip("one role for the app and the owner, which may not create a role to test with")
    role = f"villagebooks_app_probe_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        app_role_grant(connection, role)
        cursor.execute(f"SET ROLE {role}")
    return role


@pytest.fixture
def owner() -> str:
    return _scalar("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'ledger_voucher'")


@postgres_only
def test_the_app_role_owns_nothing_and_is_no_superuser(app_role, owner):
    assert _scalar("SELECT current_user") == app_role != owner
    assert not _scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    assert not _scalar("SELECT pg_has_role(current_user, %s, 'MEMBER')", [owner])
    owned = _scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND pg_has_role(current_user, c.relowner, 'USAGE')"
    )
    assert owned == 0


@postgres_only
@pytest.mark.parametrize("name, sql", REFUSED, ids=[name for name, _ in REFUSED])
def test_the_app_role_is_refused(app_role, owner, name, sql):
    if name == "become the owner" and not owner_configured(connection):
        pytest.skip("a probe role SET in the owner's session may always SET ROLE back to it")
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.format(owner=connection.ops.quote_name(owner)))
    assert error.value.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE, error.value
    assert _scalar("SHOW session_replication_role") == "origin"
    assert _scalar("SELECT current_user") == app_role


@postgres_only
def test_the_app_role_reads_and_writes_rows(app_role, ledger):
    entry = audit_record(actor=None, action="voucher_create", ledger_id=ledger.pk)
    assert AuditEntry.objects.get(pk=entry.pk).action == "voucher_create"
    assert Voucher.objects.filter(ledger=ledger).count() == 0
    # An import reserves its ids from the sequences.
    assert _scalar("SELECT nextval(pg_get_serial_sequence('ledger_voucher', 'id'))") > 0


@pytest.mark.skipif(
    not settings.DATABASE_OWNER, reason="one role for the app and the owner (no DATABASE_OWNER_URL)"
)
def test_with_two_roles_the_whole_suite_runs_as_the_app(db, owner):
    assert _scalar("SELECT session_user") == settings.DATABASE_OWNER["APP_ROLE"] != owner


@postgres_only
def test_the_app_role_refreshes_the_statistics_of_the_tables_an_import_fills(app_role, ledger, accountant):
    from villagebooks.ledger.importing.sql import _analyze

    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=LINES)
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 6), lines=LINES)
    with connection.cursor() as cursor:
        _analyze(cursor, Voucher, VoucherLine)
    assert _scalar("SELECT reltuples FROM pg_class WHERE relname = 'ledger_voucher'") == 2
    assert _scalar("SELECT reltuples FROM pg_class WHERE relname = 'ledger_voucherline'") == 4


APP = {"ENGINE": "django.db.backends.postgresql", "NAME": "books", "USER": "villagebooks_app", "HOST": "db"}


@pytest.mark.parametrize(
    "owner_url, app, expected",
    [
        (None, APP, None),
        ("postgres://villagebooks_owner@db/books", {**APP, "ENGINE": "django.db.backends.sqlite3"}, None),
        (
            "postgres://villagebooks_owner:secret@db:5433/other",
            APP,
            {
                "USER": "villagebooks_owner",
                "PASSWORD": "secret",
                "HOST": "db",
                "PORT": 5433,
                "OPTIONS": {},
                "APP_ROLE": "villagebooks_app",
            },
        ),
        (
            "postgres://dba@db/books?assume_role=villagebooks_owner",
            APP,
            {
                "USER": "dba",
                "PASSWORD": "",
                "HOST": "db",
                "PORT": "",
                "OPTIONS": {"assume_role": "villagebooks_owner"},
                "APP_ROLE": "villagebooks_app",
            },
        ),
    ],
    ids=["no owner", "SQLite has none", "two logins (the database is the app's)", "a login that SETs ROLE"],
)
def test_the_owners_login_from_the_environment(monkeypatch, owner_url, app, expected):
    if owner_url is None:
        monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_OWNER_URL", owner_url)
    assert _database_owner_from_env(app) == expected


@pytest.mark.parametrize(
    "owner_url, app, message",
    [
        ("mysql://root@db/books", APP, "DATABASE_OWNER_URL must be a postgres:// URL"),
        (
            "postgres://villagebooks_owner@db/books",
            {**APP, "USER": ""},
            "DATABASE_URL must name the app's role",
        ),
    ],
    ids=["not PostgreSQL", "no app role"],
)
def test_an_owners_login_that_cannot_work_stops_the_start(monkeypatch, owner_url, app, message):
    monkeypatch.setenv("DATABASE_OWNER_URL", owner_url)
    with pytest.raises(ImproperlyConfigured, match=message):
        _database_owner_from_env(app)
