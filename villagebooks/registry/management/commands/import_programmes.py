"""``villagebooks import-programmes FILE``: subsidy programmes, created or changed, all or nothing.

Columns: programme,name,region,fund_kind,basis,standard,eligible_status,excludes,frequency.
"""

from pathlib import Path

from villagebooks.regions.commands import ActorCommand
from villagebooks.registry.subsidies import programmes_import


class Command(ActorCommand):
    help = "导入补贴项目（CSV 或 XLSX）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        result = programmes_import(actor=self.actor(options), path=options["file"])
        self.stdout.write(f"补贴项目导入完成：新建 {result.created} 个，修改 {result.changed} 个")
