"""``villagebooks import-representatives FILE``: see ``villagebooks.affairs.representatives`` (columns in README's command table)."""

from pathlib import Path

from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "导入成员代表（CSV 或 XLSX，全部成功才写入）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        from villagebooks.affairs.members import import_summary
        from villagebooks.affairs.representatives import representatives_import

        result = representatives_import(actor=self.actor(options), path=options["file"])
        self.stdout.write(import_summary(result))
