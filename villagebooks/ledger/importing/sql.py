"""The import's own SQL: rows inserted (COPY on PostgreSQL), keys imported before looked up,
voucher ids taken before the rows go in, statistics refreshed."""

from __future__ import annotations

from django.db import connection

from villagebooks.ledger.models import (
    Voucher,
)


def _insert(cursor, model, fields: tuple[str, ...], rows: list[tuple] | bytes, writes=None) -> None:
    """INSERT ``rows`` (values in the order of ``fields``, or already as COPY's text).

    ``writes``: a ``BackgroundWrites`` (SQLite) that stores them on its thread instead.
    """
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    if writes is not None:
        writes.insert(table, [quote(meta.get_field(name).column) for name in fields], rows)
        return
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    if connection.vendor == "postgresql":
        # COPY: no statement to parse or plan and no parameter arrays to build; psycopg formats
        # the rows in C. It fires the same triggers and checks the same constraints as INSERT.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            if isinstance(rows, bytes):
                copy.write(rows)
                return
            write_row = copy.write_row
            for row in rows:
                write_row(row)
        return
    # SQLite runs in-process: executemany steps one prepared statement in a C loop.
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", rows)


def _existing_keys(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (ledger id, external key) pairs among these that are already in the books."""
    quote = connection.ops.quote_name
    select = f"SELECT {quote('ledger_id')}, {quote('external_key')} FROM {quote(Voucher._meta.db_table)}"
    ledger_ids, keys = (list(column) for column in zip(*pairs, strict=True))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Each pair is looked up on its own (LATERAL … LIMIT 1), by the unique index. As a
            # join (… IN (…)), the plan for a table without statistics yet, as in a county's
            # first import, read the whole table for every batch: quadratic time. Two array
            # parameters also spare psycopg scanning a statement of 400 placeholders.
            cursor.execute(
                "SELECT pair.ledger_id, pair.key FROM unnest(%s::bigint[], %s::varchar[]) AS pair(ledger_id, key),"
                f" LATERAL ({select} WHERE {quote('ledger_id')} = pair.ledger_id"
                f" AND {quote('external_key')} = pair.key LIMIT 1) AS found",
                [ledger_ids, keys],
            )
        else:
            distinct_ledgers, distinct_keys = set(ledger_ids), set(keys)
            cursor.execute(
                f"{select} WHERE {quote('ledger_id')} IN ({', '.join(['%s'] * len(distinct_ledgers))})"
                f" AND {quote('external_key')} IN ({', '.join(['%s'] * len(distinct_keys))})",
                [*distinct_ledgers, *distinct_keys],
            )
        return set(cursor.fetchall()) & pairs


def _voucher_ids(count: int) -> list[int]:
    """Ids for ``count`` new vouchers, taken before they are inserted (their lines go in first)."""
    table = Voucher._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the import's transaction holds the write lock (settings: IMMEDIATE), so no one
        # else takes ids meanwhile; were it not so, the primary key would refuse a clash and the
        # import would fail whole. sqlite_sequence is AUTOINCREMENT's high-water mark, so an id
        # deleted before is never given again; SQLite moves it on as the explicit ids go in.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row is None:  # no voucher was ever inserted
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(table)}")
            row = cursor.fetchone()
        return list(range(row[0] + 1, row[0] + 1 + count))


def _analyze(cursor, *models) -> None:
    """Refresh PostgreSQL's statistics of these tables (their rows of this transaction count too).

    Only a table's owner may ANALYZE it; an app role that owns nothing (common/database_roles.py)
    calls the owner's function for it, else PostgreSQL would skip the tables with a warning.
    """
    tables = [m._meta.db_table for m in models]
    cursor.execute("SELECT to_regprocedure('villagebooks_analyze(regclass[])') IS NOT NULL")
    if cursor.fetchone()[0]:
        cursor.execute("SELECT villagebooks_analyze(%s::regclass[])", [tables])
    else:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
