"""``villagebooks backup --output FILE``: the whole database, as of one moment, in one file.

Safe while the site runs (SQLite's online backup API; pg_dump's snapshot). The file is a tar of
``manifest.json``, the dump and every stored file (attachment, claim photo) the dump references
(villagebooks/ops/archive.py; docs/operations.md), readable by its owner only.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
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
        parser.add_argument(
            "--media-root",
            type=Path,
            help="附件文件所在目录（默认：本系统的 MEDIA_ROOT，即 VILLAGEBOOKS_MEDIA_ROOT 或 var/attachments）",
        )
        parser.add_argument(
            "--allow-missing-attachments",
            action="store_true",
            help="数据库引用的附件文件缺失或已损坏时仍写出备份（清单中列出这些文件）；默认报错不写",
        )

    def handle(self, *args, output: Path, database_url=None, media_root=None, **options):
        started = time.monotonic()
        try:
            target = target_resolve(database_url)
        except TargetError as error:
            raise CommandError(str(error)) from error
        say = self.stdout.write if options["verbosity"] >= 2 else (lambda text: None)
        manifest = database_backup(
            target=target,
            output=output,
            media_root=media_root or Path(settings.MEDIA_ROOT),
            allow_missing=options["allow_missing_attachments"],
            say=say,
        )
        rows = sum(manifest.tables.values())
        self.stdout.write(
            f"已备份 {manifest.source} 到 {output}：{len(manifest.tables)} 张表、{rows} 行，"
            f"{manifest.payload_bytes / 1_048_576:.1f} MB，SHA-256 {manifest.payload_sha256[:16]}…，"
            f"附件文件 {len(manifest.attachments)} 个（"
            f"{sum(item['bytes'] for item in manifest.attachments) / 1_048_576:.1f} MB），"
            f"用时 {time.monotonic() - started:.1f} 秒"
        )
        for name in manifest.attachments_missing:
            self.stderr.write(f"警告：附件文件 {name} 缺失或已损坏，未包含在备份中")
