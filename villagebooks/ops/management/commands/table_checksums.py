"""``villagebooks table-checksums [--json]``: each table's row count and SHA-256 of its rows.

Run it on a database and on its restored backup: the same output means the same rows.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from django.core.management.base import BaseCommand

from villagebooks.ops.checksums import table_checksums


class Command(BaseCommand):
    help = "列出每张表的行数和全部行（按主键排序）的 SHA-256，用于比较两个数据库（如恢复演练）"
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        checksums = table_checksums()
        if options["json"]:
            self.stdout.write(json.dumps({t: asdict(c) for t, c in checksums.items()}, indent=1))
            return
        width = max(map(len, checksums), default=0)
        for table, checksum in checksums.items():
            self.stdout.write(f"{table:<{width}}  {checksum.rows:>10}  {checksum.sha256}")
