"""Backup and restore of a SQLite database through SQLite's online backup API.

The backup copies every page in one step, inside one read transaction of the source: in WAL
mode writers go on meanwhile and the copy is the database as of that transaction's start, whole
and consistent. A restore copies the checked dump over the target the same way, in one write transaction of
the target: a write under way finishes first, a reader never sees half a database, and no stale
``-wal`` file is left to undo it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.db import connections

from villagebooks.ops import media
from villagebooks.ops.target import Target

# The tables that hold what people entered first: a database with a row in any of them is in use.
DATA_TABLES = ("auth_user", "regions_region", "ledger_ledger")
NOT_A_DATABASE = "不是有效的 SQLite 数据库：{error}"
FAILED_CHECK = "SQLite 完整性检查未通过：{result}"
IN_TRANSACTION = "不能在未结束的事务中备份或恢复 SQLite 数据库（备份需要读到已提交的完整数据库）"
TARGET_BUSY = "无法写入目标数据库 {name}：{error}（请先停止使用该数据库的网站服务和命令）"


class SQLiteError(Exception):
    pass


def _open(target: Target) -> tuple[sqlite3.Connection, bool]:
    """The target's connection and whether it is ours to close (Django's is not: an in-memory
    test database would vanish with it)."""
    if target.alias:
        wrapper = connections[target.alias]
        # The backup API would wait forever for a lock this very connection holds.
        if wrapper.in_atomic_block:
            raise SQLiteError(IN_TRANSACTION)
        wrapper.ensure_connection()
        return wrapper.connection, False
    Path(target.name).parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(target.name, timeout=30), True


def snapshot(target: Target, destination: Path) -> None:
    source, owned = _open(target)
    copy = sqlite3.connect(destination)
    try:
        source.backup(copy)  # pages=-1: all pages in one step, one read transaction
    finally:
        copy.close()
        if owned:
            source.close()


def inspect(path: Path) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Applied migrations and row counts of a database file, after SQLite's own integrity check."""
    try:
        database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in database.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                raise SQLiteError(FAILED_CHECK.format(result="；".join(result[:5])))
            tables = [
                row[0]
                for row in database.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            counts = {t: database.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
            migrations: dict[str, list[str]] = {}
            if "django_migrations" in tables:
                for app, name in database.execute(
                    "SELECT app, name FROM django_migrations ORDER BY app, name"
                ):
                    migrations.setdefault(app, []).append(name)
        finally:
            database.close()
    except sqlite3.DatabaseError as error:
        raise SQLiteError(NOT_A_DATABASE.format(error=error)) from error
    return migrations, counts


def media_references(path: Path) -> list[tuple[str, str]]:
    """(file, sha256) of every stored file the database file at ``path`` references."""
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        query = media.references_sql(tables)
        return [tuple(row) for row in database.execute(query)] if query else []
    finally:
        database.close()


def data_counts(target: Target) -> dict[str, int]:
    """Rows in the tables of ``DATA_TABLES`` that exist in the target."""
    database, owned = _open(target)
    try:
        present = {
            row[0]
            for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        }
        return {
            t: database.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in DATA_TABLES
            if t in present
        }
    finally:
        if owned:
            database.close()


def restore(target: Target, payload: Path) -> None:
    """Replace the target's whole content with the database file ``payload`` (already checked)."""
    source = sqlite3.connect(f"file:{payload}?mode=ro", uri=True)
    database, owned = _open(target)
    try:
        source.backup(database)
    except sqlite3.OperationalError as error:
        raise SQLiteError(TARGET_BUSY.format(name=target.name, error=error)) from error
    finally:
        source.close()
        if owned:
            database.close()
