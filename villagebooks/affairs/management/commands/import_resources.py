"""``villagebooks import-resources FILE``: land, forest and water resources (资源台账), one row
a parcel; columns as ``affairs.resources.RESOURCE_ALIASES``; CSV or XLSX; all or nothing."""

from pathlib import Path

from villagebooks.affairs.resources import resources_import
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "导入资源台账（CSV 或 XLSX，每块资源一行）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        count = resources_import(actor=self.actor(options), path=options["file"])
        self.stdout.write(f"资源导入完成：{count} 块")
