"""Backup and restore of a PostgreSQL database with ``pg_dump -Fc`` and ``pg_restore`` (from PATH).

The backup opens a REPEATABLE READ transaction, exports its snapshot and lets pg_dump dump that
very snapshot, so the migrations and row counts written to the manifest are those of the dump.
The restore runs in one transaction through psql: it drops every table of the target's schema,
then replays the archive (``pg_restore --clean --if-exists --no-owner``: the objects belong to the
role that restores, the owner role); an error anywhere rolls all of it back, so a restore that fails
leaves the target as it was.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from villagebooks.ops import media
from villagebooks.ops.target import Target

DATA_TABLES = ("auth_user", "regions_region", "ledger_ledger")
MISSING_TOOL = "找不到 {tool}：请安装 PostgreSQL 客户端工具（与服务器同一大版本），并确保其在 PATH 中"
TOOL_FAILED = "{tool} 失败（退出码 {code}）：{error}"
CANNOT_CONNECT = "无法连接 PostgreSQL 数据库 {where}：{error}"
NOT_AN_ARCHIVE = "不是有效的 pg_dump 自定义格式文件：{error}"
# Every table of the schema goes first, so that tables the backup does not have (a later
# migration's) cannot survive the restore; CASCADE takes the foreign keys between them.
DROP_TABLES = """
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT c.relname, c.relkind FROM pg_class c
              WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
  LOOP
    EXECUTE format('DROP %s IF EXISTS %I CASCADE',
                   CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                   item.relname);
  END LOOP;
END $$;
"""


class PostgreSQLError(Exception):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PostgreSQLError(MISSING_TOOL.format(tool=name))
    return path


def _connect(target: Target) -> psycopg.Connection:
    try:
        return psycopg.connect(**target.pg_connect_arguments())
    except psycopg.Error as error:
        raise PostgreSQLError(CANNOT_CONNECT.format(where=target.describe(), error=error)) from error


def _run(command: list[str], target: Target) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=target.pg_environment(), capture_output=True, text=True)
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise PostgreSQLError(
            TOOL_FAILED.format(tool=tool, code=done.returncode, error=done.stderr.strip()[-2000:])
        )
    return done


def dump(
    target: Target, destination: Path
) -> tuple[dict[str, list[str]], dict[str, int], list[tuple[str, str]]]:
    """Dump the target to ``destination``; the applied migrations, row counts and referenced stored
    files (file, sha256) of the same snapshot."""
    pg_dump = _tool("pg_dump")
    with _connect(target) as database:
        database.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        database.read_only = True
        snapshot_id = database.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = [
            row[0]
            for row in database.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        counts = {
            table: database.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables
        }
        migrations: dict[str, list[str]] = {}
        if "django_migrations" in tables:
            for app, name in database.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
                migrations.setdefault(app, []).append(name)
        query = media.references_sql(set(tables))
        references = [tuple(row) for row in database.execute(query)] if query else []
        # The snapshot lives as long as this transaction: pg_dump runs inside the with-block.
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", f"--file={destination}"], target)
        database.rollback()
    return migrations, counts, references


def archive_check(target: Target, payload: Path) -> None:
    """pg_restore can read the archive's table of contents."""
    try:
        _run([_tool("pg_restore"), "--list", str(payload)], target)
    except PostgreSQLError as error:
        raise PostgreSQLError(NOT_AN_ARCHIVE.format(error=error)) from error


def data_counts(target: Target) -> dict[str, int]:
    with _connect(target) as database:
        counts = {}
        for table in DATA_TABLES:
            if database.execute("SELECT to_regclass(%s)", [table]).fetchone()[0] is not None:
                counts[table] = database.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        return counts


def restore(target: Target, payload: Path) -> None:
    """Replace every table of the target with the archive's, in one transaction."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    environment = target.pg_environment()
    with tempfile.TemporaryFile(mode="w+") as restore_errors:
        reader = subprocess.Popen(
            [pg_restore, "--no-owner", "--clean", "--if-exists", "--file=-", str(payload)],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=restore_errors,
        )
        writer = subprocess.run(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--command={DROP_TABLES}",
                "--file=-",
            ],
            env=environment,
            stdin=reader.stdout,
            capture_output=True,
            text=True,
        )
        reader.stdout.close()
        reader.wait()
        restore_errors.seek(0)
        # psql failing first ends pg_restore with a broken pipe: psql's error is the cause.
        if writer.returncode != 0:
            raise PostgreSQLError(
                TOOL_FAILED.format(tool="psql", code=writer.returncode, error=writer.stderr.strip()[-2000:])
            )
        if reader.returncode != 0:
            raise PostgreSQLError(
                TOOL_FAILED.format(
                    tool="pg_restore", code=reader.returncode, error=restore_errors.read().strip()[-2000:]
                )
            )
