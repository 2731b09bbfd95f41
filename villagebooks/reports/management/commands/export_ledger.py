"""``villagebooks export-ledger``: one ledger's whole books as a ZIP (see ``ledger_export``)."""

from pathlib import Path

from villagebooks.common.money import fen_to_text
from villagebooks.regions.commands import ActorCommand
from villagebooks.reports.ledger_export import ledger_export


class Command(ActorCommand):
    help = "导出整个账套（科目、凭证、余额、附件和各年度报表）为一个 ZIP 文件"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--output", required=True, type=Path, help="写入的 ZIP 文件")

    def handle(self, *args, **options):
        user = self.actor(options)
        summary = ledger_export(actor=user, ledger_code=options["ledger"], target=options["output"])
        self.stdout.write(
            f"已写入 {options['output']}：{len(summary.files)} 个文件，{summary.size} 字节；"
            f"凭证 {summary.voucher_count} 张，分录 {summary.line_count} 条"
            f"（借方 {fen_to_text(summary.debit_total_fen)}，贷方 {fen_to_text(summary.credit_total_fen)}），"
            f"附件 {summary.attachment_count} 个"
        )
