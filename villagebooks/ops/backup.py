"""``database_backup`` and ``database_restore``: the whole database, with the stored files it
references (attachments, claim photos), to one file and back.

A backup is the database as of one moment (SQLite's backup API; pg_dump on an exported snapshot),
packed with its manifest (``archive.py``) and, read after the snapshot, every stored file the
snapshot references (``media.py``). A restore checks everything it can before it changes
anything — the file is a backup, of this kind of database, whole (size and SHA-256 of the dump,
then SQLite's integrity check or pg_restore's reading of the archive, then size and SHA-256 of
every stored file), of a schema this program knows (no migration it lacks), and the target holds
no data unless ``force`` — then replaces the target's content, writes the stored files into the
target's ``MEDIA_ROOT``, applies this program's later migrations if the backup predates them,
and runs ``verify``. A restore whose verify fails has still replaced the data; the error says so.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from villagebooks.ops import media, postgresql, sqlite
from villagebooks.ops.archive import (
    DATABASE_TEXT,
    ArchiveError,
    Manifest,
    archive_write,
    manifest_read,
    media_check,
    media_extract,
    payload_extract,
)
from villagebooks.ops.target import Target

OUTPUT_EXISTS = "文件 {path} 已存在：请换一个文件名（备份不覆盖已有文件）"
NO_DIRECTORY = "目录 {path} 不存在"
WRONG_DATABASE = "{path} 是 {backup} 数据库的备份，不能恢复到 {target} 数据库。数据库未作任何改动"
NEWER_SCHEMA = (
    "{path} 来自更新版本的村账通：其数据库结构含本程序没有的迁移（{names}）。"
    "请先把程序升级到该版本再恢复。数据库未作任何改动"
)
NOT_EMPTY = (
    "目标数据库 {where} 已有数据（{counts}）。恢复会用备份替换其中的全部内容；"
    "确认要这样做，请加 --force（建议先备份它）。数据库未作任何改动"
)
DAMAGED_DUMP = "备份文件 {path} 已损坏：{reason}。数据库未作任何改动"
RESTORE_FAILED = "恢复失败，数据库未作改动：{reason}"
MIGRATE_FAILED = "数据已恢复，但升级数据库结构（migrate）失败：{reason}"
MEDIA_FAILED = "数据已恢复，但写入附件文件到 {root} 失败：{reason}。修正后可加 --force 再次恢复"
VERIFY_FAILED = "数据已恢复，但恢复后的校验（verify）未通过：\n{reason}"
COUNT_NAMES = {"auth_user": "用户", "regions_region": "区划", "ledger_ledger": "账套"}


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    migrated: list[str]  # migrations this program applied after the restore
    verify_output: str
    media_written: int = 0  # stored files written (those already there, identical, are not)


def _say_nothing(text: str) -> None:
    pass


def known_migrations() -> set[tuple[str, str]]:
    """The migrations of this program, from its files (no database needed)."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _version() -> str:
    try:
        return importlib.metadata.version("villagebooks")
    except importlib.metadata.PackageNotFoundError:
        return ""


def database_backup(
    *,
    target: Target,
    output: Path,
    media_root: Path,
    allow_missing: bool = False,
    say: Callable[[str], None] = _say_nothing,
) -> Manifest:
    """Write a backup of ``target`` and of the stored files under ``media_root`` that it references
    to ``output`` (a new file); returns its manifest. A referenced file missing or changed on disk
    fails the backup unless ``allow_missing`` (then the manifest lists it)."""
    output = Path(output).absolute()
    if output.exists():
        raise CommandError(OUTPUT_EXISTS.format(path=output))
    if not output.parent.is_dir():
        raise CommandError(NO_DIRECTORY.format(path=output.parent))
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    # The dump waits beside the output, on a file system that has room for the backup anyway.
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".villagebooks-backup-") as directory:
        payload = Path(directory) / "payload"
        try:
            if target.vendor == "sqlite":
                say("复制 SQLite 数据库（在线备份）……")
                sqlite.snapshot(target, payload)
                say("检查副本的完整性……")
                migrations, tables = sqlite.inspect(payload)
                references = sqlite.media_references(payload)
            else:
                say("pg_dump 导出数据库……")
                migrations, tables, references = postgresql.dump(target, payload)
            # After the snapshot: every file it references was stored before it was taken.
            say(f"检查数据库引用的 {len(set(references))} 个附件文件……")
            carried, missing = media.media_collect(
                root=Path(media_root), references=references, allow_missing=allow_missing
            )
        except (sqlite.SQLiteError, postgresql.PostgreSQLError, media.MediaError) as error:
            raise CommandError(str(error)) from error
        manifest = Manifest(
            database=target.vendor,
            created_at=created_at,
            source=target.describe(),
            migrations=migrations,
            tables=tables,
            villagebooks_version=_version(),
            attachments=[{"path": f.path, "bytes": f.bytes, "sha256": f.sha256} for f in carried],
            attachments_missing=missing,
        )
        say("写入备份文件……")
        try:
            return archive_write(path=output, manifest=manifest, payload=payload, media_root=Path(media_root))
        except media.MediaError as error:
            raise CommandError(str(error)) from error


def database_restore(
    *,
    target: Target,
    path: Path,
    media_root: Path,
    force: bool = False,
    say: Callable[[str], None] = _say_nothing,
) -> RestoreResult:
    """Replace ``target``'s content with the backup at ``path``, write its stored files under
    ``media_root`` (replacing different ones of the same path only with ``force``), then migrate
    and verify."""
    media_root = Path(media_root)
    path = Path(path)
    try:
        manifest = manifest_read(path)
    except ArchiveError as error:
        raise CommandError(str(error)) from error
    if manifest.database != target.vendor:
        raise CommandError(
            WRONG_DATABASE.format(
                path=path, backup=DATABASE_TEXT[manifest.database], target=DATABASE_TEXT[target.vendor]
            )
        )
    known = known_migrations()
    unknown = sorted(manifest.applied() - known)
    if unknown:
        names = "、".join(f"{app}.{name}" for app, name in unknown[:5]) + ("……" if len(unknown) > 5 else "")
        raise CommandError(NEWER_SCHEMA.format(path=path, names=names))
    with tempfile.TemporaryDirectory(prefix="villagebooks-restore-") as directory:
        payload = Path(directory) / manifest.payload
        say(f"检查备份文件（{manifest.created_at} 自 {manifest.source}）……")
        try:
            payload_extract(path=path, manifest=manifest, destination=payload)
            if target.vendor == "sqlite":
                sqlite.inspect(payload)
            else:
                postgresql.archive_check(target, payload)
            if manifest.attachments:
                say(f"检查备份中的 {len(manifest.attachments)} 个附件文件……")
                media_check(path=path, manifest=manifest)
                files = [media.MediaFile(**item) for item in manifest.attachments]
                media.conflicts_check(root=media_root, files=files, force=force)
        except (ArchiveError, media.MediaError) as error:
            raise CommandError(str(error)) from error
        except (sqlite.SQLiteError, postgresql.PostgreSQLError) as error:
            raise CommandError(DAMAGED_DUMP.format(path=path, reason=error)) from error
        engine = sqlite if target.vendor == "sqlite" else postgresql
        try:
            counts = {table: rows for table, rows in engine.data_counts(target).items() if rows}
        except (sqlite.SQLiteError, postgresql.PostgreSQLError) as error:
            raise CommandError(str(error)) from error
        if counts and not force:
            text = "、".join(f"{COUNT_NAMES[t]} {n} 个" for t, n in counts.items())
            raise CommandError(NOT_EMPTY.format(where=target.describe(), counts=text))
        say(f"恢复到 {target.describe()}……")
        if target.alias and target.vendor == "postgresql":
            # Django's own session would otherwise stay open (and in the way) while tables are dropped.
            connections[target.alias].close()
        try:
            engine.restore(target, payload)
        except (sqlite.SQLiteError, postgresql.PostgreSQLError) as error:
            raise CommandError(RESTORE_FAILED.format(reason=error)) from error
    written = 0
    if manifest.attachments:
        say(f"写入附件文件到 {media_root}……")
        try:
            written = media_extract(path=path, manifest=manifest, root=media_root)
        except (ArchiveError, media.MediaError, OSError) as error:
            raise CommandError(MEDIA_FAILED.format(root=media_root, reason=error)) from error
    pending = sorted(known - manifest.applied())
    migrated = []
    if pending:
        say(f"备份早于本程序的数据库结构，应用 {len(pending)} 个迁移……")
        _run_command(target, "migrate", MIGRATE_FAILED)
        migrated = [f"{app}.{name}" for app, name in pending]
    say("校验恢复后的账（verify）……")
    output = _run_command(target, "verify", VERIFY_FAILED)
    return RestoreResult(manifest=manifest, migrated=migrated, verify_output=output, media_written=written)


def _run_command(target: Target, name: str, failure: str) -> str:
    """Run ``villagebooks NAME`` on the restored database: here when it is Django's own, else in a
    new process pointed at it (``DATABASE_URL``; migrate as the role that restored)."""
    if target.alias:
        out = StringIO()
        try:
            call_command(
                name,
                stdout=out,
                stderr=out,
                **({"interactive": False, "verbosity": 0} if name == "migrate" else {}),
            )
        except CommandError as error:
            raise CommandError(failure.format(reason=error)) from error
        return out.getvalue()
    environment = dict(os.environ) | {"DATABASE_URL": target.url, "DATABASE_OWNER_URL": target.url}
    arguments = ["--no-input", "--verbosity=0"] if name == "migrate" else []
    done = subprocess.run(
        [sys.executable, "-m", "villagebooks.cli", name, *arguments],
        env=environment,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise CommandError(failure.format(reason=(done.stderr or done.stdout).strip()[-4000:]))
    return done.stdout
