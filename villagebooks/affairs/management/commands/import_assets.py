"""``villagebooks import-assets FILE``: asset cards (资产卡片), one row a card; columns as
``affairs.assets.ASSET_ALIASES``; CSV or XLSX; all or nothing, every bad row named."""

from pathlib import Path

from villagebooks.affairs.assets import assets_import
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "导入资产卡片（CSV 或 XLSX，每张卡片一行）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        count = assets_import(actor=self.actor(options), path=options["file"])
        self.stdout.write(f"资产卡片导入完成：{count} 张")
