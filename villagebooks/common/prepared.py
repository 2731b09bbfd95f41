"""Statements that PostgreSQL parses and plans once a connection (prepared statements).

Django's psycopg backend binds parameters on the client (psycopg's ``ClientCursor``): every
statement reaches the server as new text, parsed and planned again each time. For the few fixed
statements a click runs that cost more to plan than to run (budget control's reads of a ledger's
state, the lines of a voucher being posted, posting's own statement: issue 12, "under 2 ms a
posting"), ``cursor()``
gives a cursor that binds parameters on the server, which psycopg prepares the first time a
statement's text runs on the connection and executes by name after that.

It is a cursor of the same connection, so it runs in the ORM's transaction and savepoints, and it
is wrapped by Django as any cursor (errors translated, statements logged and counted, execute
wrappers). A prepared statement belongs to the session, not to a transaction: a savepoint rolled
back leaves it; psycopg deallocates its statements when the connection's transaction is rolled
back (the statement is prepared again at its next use); PostgreSQL plans a prepared statement
again by itself when a table it reads changes (a migration). A new connection starts with none.
The connections start with ``plan_cache_mode=force_generic_plan`` (settings.py): a statement is
planned once, for any parameters, not again at every execution.

Prepared statements are on unless ``settings.DATABASE_PREPARED_STATEMENTS`` is false
(environment ``DATABASE_PREPARED_STATEMENTS=0``), for a connection pooler that hands one
session's statements to another (PgBouncer in transaction mode before 1.21): then the statements
run through Django's ordinary cursor. They pay only with a connection kept from request to request
(``DATABASE_CONN_MAX_AGE``).

A statement is prepared per text and parameter types: write those statements with a fixed text
(a list of ids as one array, ``= ANY(%s)``, not ``IN (%s, %s, …)``). Integers are sent as
``bigint``, so that a small and a large id do not make two statements.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection


def enabled() -> bool:
    """Whether ``cursor()`` prepares its statements (PostgreSQL, not turned off in the settings)."""
    return connection.vendor == "postgresql" and getattr(settings, "DATABASE_PREPARED_STATEMENTS", False)


def cursor():
    """A cursor of Django's connection whose statements PostgreSQL prepares (see the module's
    text); on SQLite, or with prepared statements off, Django's own cursor. Use it as
    ``with cursor() as c:``; every statement it runs must be of a fixed text."""
    if not enabled():
        return connection.cursor()
    # What ``connection.cursor()`` does (health check, connecting, Django's wrapper), with a
    # psycopg cursor binding on the server in place of the backend's client-binding one.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    preparing, int8 = _classes()
    with connection.wrap_database_errors:
        raw = preparing(connection.connection)
        raw.adapters.register_dumper(int, int8)
        return connection._prepare_cursor(raw)


@cache
def _classes():
    """The cursor class and psycopg's bigint dumper (psycopg imported on first use only: the
    command line's start-up does without it)."""
    import psycopg
    from psycopg.types.numeric import Int8Dumper

    class PreparingCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=True, binary=None):
            # psycopg prepares nothing while the connection's threshold is None (Django's
            # setting), and while it is not None it keeps the text of every statement run on the
            # connection, Django's too (the last 100: an import's run to megabytes), to count
            # them: so a threshold only for the time of this statement.
            connection, threshold = self.connection, self.connection.prepare_threshold
            if threshold is None:
                connection.prepare_threshold = 5
            try:
                return super().execute(query, params, prepare=prepare, binary=binary)
            finally:
                connection.prepare_threshold = threshold

    return PreparingCursor, Int8Dumper
