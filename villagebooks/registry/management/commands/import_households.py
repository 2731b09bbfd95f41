"""``villagebooks import-households FILE``: households and persons, one row per person, all or nothing.

Columns: village,household,name,id_number,relation,alive,death_date,status,status_date,member,
cadre_role,cadre_of,phone,bank_card,bank (or their Chinese names); CSV (UTF-8 or GBK) or XLSX.
"""

from pathlib import Path

from villagebooks.regions.commands import ActorCommand
from villagebooks.registry.households import households_import, import_summary


class Command(ActorCommand):
    help = "导入农户及人员信息（CSV 或 XLSX，每行一人）；再次导入即为变更，变更均留痕"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        result = households_import(actor=self.actor(options), path=options["file"])
        for warning in result.warnings:
            self.stderr.write(str(warning))
        self.stdout.write(import_summary(result))
