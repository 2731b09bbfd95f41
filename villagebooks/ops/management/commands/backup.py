"""``villagebooks backup --output FILE``: the whole database, as of one moment, in one file.

Safe while the site runs (SQLite's online backup API; pg_dump's snapshot). The file is a tar of
``manifest.json`` and the dump (villagebooks/ops/archive.py; docs/operations.md), readable by
its owner only.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from villagebooks.ops.backup import database_backup
from villagebooks.ops.target import TargetError, target_resolve


class Command(BaseCommand):
    help = "把整个数据库备份到一个文件（SQLite 在线备份 / PostgreSQL pg_dump），附清单与校验值"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            required=True,
            help="备份文件（不能已存在），如 villagebooks-2026-01-31.tar",
        )
        parser.add_argument("--database-url", help="备份这个数据库（默认：DATABASE_URL 所指的本系统数据库）")

    def handle(self, *args, output: Path, database_url=None, **options):
        started = time.monotonic()
        try:
            target = target_resolve(database_url)
        except TargetError as error:
            raise CommandError(str(error)) from error
        say = self.stdout.write if options["verbosity"] >= 2 else (lambda text: None)
        manifest = database_backup(target=target, output=output, say=say)
        rows = sum(manifest.tables.values())
        self.stdout.write(
            f"已备份 {manifest.source} 到 {output}：{len(manifest.tables)} 张表、{rows} 行，"
            f"{manifest.payload_bytes / 1_048_576:.1f} MB，SHA-256 {manifest.payload_sha256[:16]}…，"
            f"用时 {time.monotonic() - started:.1f} 秒"
        )
