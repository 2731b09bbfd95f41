"""``villagebooks import-projects FILE``: projects into the library (项目库), one row per budget line.

Columns: ledger,project,name,kind,fund,account,budget,start,end,control (or their Chinese names);
CSV or XLSX; all or nothing. A new project enters at 申报.
"""

from pathlib import Path

from villagebooks.funds.services import projects_import
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "导入项目库（CSV 或 XLSX，每个预算行一行）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        result = projects_import(actor=self.actor(options), path=options["file"])
        self.stdout.write(
            f"项目库导入完成：新入库项目 {result.created} 个，更新 {result.updated} 个，预算行 {result.budget_lines} 行"
        )
