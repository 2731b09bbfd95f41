"""``villagebooks restore FILE [--force]``: the database replaced by a backup, then verified.

Refuses, changing nothing, a file that is not a backup, is damaged, is of the other kind of
database or of a newer schema, and a target that holds data unless ``--force``. After the restore
it writes the backup's stored files (attachments, claim photos) into ``MEDIA_ROOT`` (or
``--media-root``), applies this program's later migrations (if the backup predates them) and runs
``verify``; it exits with an error if either fails. Stop the site first: its connections would hold locks.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from villagebooks.ops.backup import database_restore
from villagebooks.ops.target import TargetError, target_resolve


class Command(BaseCommand):
    help = "从备份文件恢复整个数据库，恢复后自动校验（verify）"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="backup 命令写出的备份文件")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库已有数据时也恢复：删除其全部表和数据，换成备份中的；附件目录中同名而内容不同的文件也被替换",
        )
        parser.add_argument(
            "--database-url",
            help="恢复到这个数据库（默认：DATABASE_URL 所指的本系统数据库；PostgreSQL 上以 DATABASE_OWNER_URL 的角色连接）",
        )

        parser.add_argument(
            "--media-root",
            type=Path,
            help="把附件文件写到这个目录（默认：本系统的 MEDIA_ROOT，即 VILLAGEBOOKS_MEDIA_ROOT 或 var/attachments）",
        )

    def handle(self, *args, file: Path, force=False, database_url=None, media_root=None, **options):
        started = time.monotonic()
        try:
            target = target_resolve(database_url)
        except TargetError as error:
            raise CommandError(str(error)) from error
        say = self.stdout.write if options["verbosity"] >= 1 else (lambda text: None)
        media_root = media_root or Path(settings.MEDIA_ROOT)
        result = database_restore(target=target, path=file, media_root=media_root, force=force, say=say)
        manifest = result.manifest
        if result.migrated:
            self.stdout.write(f"已应用迁移：{'、'.join(result.migrated)}")
        self.stdout.write(result.verify_output.strip())
        self.stdout.write(
            f"已从 {file}（{manifest.created_at} 备份自 {manifest.source}）恢复到 {target.describe()}："
            f"{len(manifest.tables)} 张表、{sum(manifest.tables.values())} 行，"
            f"附件文件 {len(manifest.attachments)} 个（写入 {media_root} {result.media_written} 个），"
            f"用时 {time.monotonic() - started:.1f} 秒"
        )
        for name in manifest.attachments_missing:
            self.stderr.write(f"警告：附件文件 {name} 备份时已缺失，不在备份中，未能恢复")
