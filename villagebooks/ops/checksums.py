"""A checksum of every table: its row count and a SHA-256 of its rows in primary-key order.

Two databases with the same checksums hold the same rows, value for value (the drill in
``tests/test_restore_drill.py`` compares a database with its restored backup this way).
Sequences are part of it, as a restored database must not hand out an id twice: PostgreSQL's
sequence positions and SQLite's ``sqlite_sequence`` table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import connections

BATCH = 2000


@dataclass(frozen=True)
class TableChecksum:
    rows: int
    sha256: str


def _value(value):
    # psycopg may hand out memoryview for bytea, whose repr carries an address.
    return bytes(value) if isinstance(value, memoryview) else value


def table_checksums(alias: str = "default") -> dict[str, TableChecksum]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    result = {}
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            tables += [row[0] for row in cursor.fetchall()]
        for table in tables:
            key = connection.introspection.get_primary_key_columns(cursor, table)
            if not key:
                key = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {', '.join(quote(c) for c in key)}")
            digest, rows = hashlib.sha256(), 0
            while batch := cursor.fetchmany(BATCH):
                for row in batch:
                    digest.update(repr(tuple(_value(v) for v in row)).encode("utf-8") + b"\n")
                    rows += 1
            result[table] = TableChecksum(rows=rows, sha256=digest.hexdigest())
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences"
                " WHERE schemaname = current_schema() ORDER BY sequencename"
            )
            for name, last_value in cursor.fetchall():
                result[f"sequence {name}"] = TableChecksum(
                    rows=0, sha256=hashlib.sha256(repr(last_value).encode()).hexdigest()
                )
    return result
