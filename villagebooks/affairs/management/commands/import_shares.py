"""``villagebooks import-shares FILE``: see ``villagebooks.affairs`` (columns in README's command table)."""

from pathlib import Path

from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "导入份额及其变动（初始配置、继承、转让、赠与、调整；CSV 或 XLSX，全部成功才写入）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        from villagebooks.affairs.members import import_summary
        from villagebooks.affairs.shares import shares_import

        result = shares_import(actor=self.actor(options), path=options["file"])
        self.stdout.write(import_summary(result))
