"""The two PostgreSQL roles: the owner, which runs DDL, and the app, which only reads and writes rows.

The app connects with ``DATABASE_URL`` as a role that owns nothing, so that nothing sent through
its connection (a bug, an injected statement) can TRUNCATE a table, disable or drop a trigger,
set ``session_replication_role`` or change the schema: the posted-voucher and audit triggers hold
against the app itself. Migrations and ``flush`` run as the owner (``DATABASE_OWNER_URL``,
``settings.DATABASE_OWNER``): :func:`as_owner` lends the default connection the owner's
credentials for their duration, and :func:`app_role_grant` gives the app its rows after each
migration. Without ``DATABASE_OWNER_URL`` (SQLite, or one role for both) everything runs as is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

_lock = threading.Lock()
# alias → the app's credentials, while that alias's connection holds the owner's instead
_app_credentials: dict[str, dict] = {}

# What the app may do: rows, and the sequences its imports reserve ids from (nextval). Not
# TRUNCATE, REFERENCES or TRIGGER; not CREATE in the schema.
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT"


ANALYZE_SIGNATURE = "villagebooks_analyze(regclass[])"
ANALYZE_FUNCTION = """CREATE OR REPLACE FUNCTION villagebooks_analyze(tables regclass[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        name regclass;
    BEGIN
        FOREACH name IN ARRAY tables LOOP
            EXECUTE format('ANALYZE %s', name);
        END LOOP;
    END $$"""


def owner_configured(connection) -> bool:
    return settings.DATABASE_OWNER is not None and connection.vendor == "postgresql"


def _to_owner(connection) -> None:
    owner = {key: value for key, value in settings.DATABASE_OWNER.items() if key != "APP_ROLE"}
    with _lock:
        _app_credentials[connection.alias] = {key: connection.settings_dict.get(key) for key in owner}
        connection.close()
        connection.settings_dict.update(owner)


def _to_app(connection) -> None:
    with _lock:
        connection.close()
        connection.settings_dict.update(_app_credentials.pop(connection.alias))


@contextmanager
def as_owner(connection) -> Iterator[None]:
    """Run the block with ``connection`` (re)connected as the owner, if one is configured.

    The connection is closed before and after, so no session of one role is reused by the other.
    Inside a transaction (a test's ``migrate`` with nothing to do) the block runs as the role it
    is in: DDL there fails as it would for the app. Nested uses run as the outermost one.
    """
    if not owner_configured(connection) or connection.alias in _app_credentials or connection.in_atomic_block:
        yield
        return
    _to_owner(connection)
    try:
        yield
    finally:
        _to_app(connection)


@contextmanager
def as_app(connection) -> Iterator[None]:
    """Inside :func:`as_owner`, run the block as the app again (the test suite: the owner creates
    and drops the test database, the tests in between run as the app)."""
    if connection.alias not in _app_credentials:
        yield
        return
    _to_app(connection)
    try:
        yield
    finally:
        _to_owner(connection)


def running_as_owner(connection) -> bool:
    return connection.alias in _app_credentials


def app_role_grant(connection, role: str | None = None) -> None:
    """Grant the app's role (``DATABASE_URL``'s user unless named) its rows, as the owner.

    Idempotent; run after every migration, so new tables are covered even where the default
    privileges below do not reach (tables another role created).
    """
    role = role or settings.DATABASE_OWNER["APP_ROLE"]
    app = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {app}")
        cursor.execute(f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {app}")
        cursor.execute(f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {schema} TO {app}")
        # Tables and sequences the owner creates later (a migration run without this step).
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_PRIVILEGES} ON TABLES TO {app}"
        )
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {app}"
        )
        # ANALYZE needs the table's owner: the app's imports refresh the statistics of the tables
        # they fill through this function, which runs as its owner (ledger/importing/sql.py).
        cursor.execute(ANALYZE_FUNCTION)
        cursor.execute(f"REVOKE ALL ON FUNCTION {ANALYZE_SIGNATURE} FROM PUBLIC")
        cursor.execute(f"GRANT EXECUTE ON FUNCTION {ANALYZE_SIGNATURE} TO {app}")
        # PostgreSQL before 15 lets every role create tables in the public schema; its owner
        # (the database's owner, on 15) takes that back. Elsewhere the DBA has to.
        cursor.execute(
            "SELECT pg_has_role(nspowner, 'USAGE') FROM pg_namespace WHERE nspname = current_schema()"
        )
        if cursor.fetchone()[0]:
            cursor.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC")
