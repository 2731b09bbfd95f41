"""``villagebooks import-bank-return FILE --ledger CODE --batch CODE``: the bank's return file (回盘).

Columns: id_number,name,bank_card,amount,status,reason (status 成功/失败).
"""

from pathlib import Path

from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand
from villagebooks.registry.subsidies import bank_return_import


class Command(ActorCommand):
    help = "导入银行回盘文件"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--batch", required=True, help="批次编号")

    def handle(self, *args, **options):
        result = bank_return_import(
            actor=self.actor(options),
            path=options["file"],
            ledger=ledger_by_code(options["ledger"]),
            batch_code=options["batch"],
        )
        self.stdout.write(
            f"回盘已导入：{result.lines} 条，成功 {result.succeeded} 条，失败 {result.failed} 条"
        )
