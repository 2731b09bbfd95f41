"""``villagebooks import-allocations FILE``: transfer documents (资金下达) and their ledger shares.

Columns: allocation,ledger,date,issuer,document_number,fund,fund_kind,amount,purpose,
allowed_accounts,project,control (or their Chinese names), one row per ledger share; CSV or XLSX.
All or nothing: every bad row is reported with its column and reason.
"""

from pathlib import Path

from villagebooks.funds.services import allocations_import
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "导入资金下达文件（CSV 或 XLSX，每个账套的份额一行）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        result = allocations_import(actor=self.actor(options), path=options["file"])
        self.stdout.write(f"资金下达导入完成：下达文件 {result.allocations} 份，账套份额 {result.shares} 个")
        if result.funds_created:
            self.stdout.write("新建资金来源：" + "、".join(result.funds_created))
