"""``villagebooks import-contracts FILE``: contracts (合同) with their schedules of receipts.

One row per scheduled receipt (应收日期, 应收金额), the contract's fields repeated on each row;
columns as ``affairs.contracts.CONTRACT_ALIASES`` (Chinese or code headers); CSV or XLSX. All
or nothing: every bad row is reported with its column and reason.
"""

from pathlib import Path

from villagebooks.affairs.contracts import contracts_import
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "导入合同及收款计划（CSV 或 XLSX，每期应收一行）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        count = contracts_import(actor=self.actor(options), path=options["file"])
        self.stdout.write(f"合同导入完成：{count} 份")
