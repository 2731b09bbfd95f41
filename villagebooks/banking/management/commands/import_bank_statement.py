"""``villagebooks import-bank-statement FILE --ledger CODE --account CODE``: a bank statement."""

from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.banking.access import IMPORT
from villagebooks.banking.management.commands._bank_args import ledger_for, problem_line
from villagebooks.banking.services import bank_statement_import
from villagebooks.banking.statements import layouts, parse_mapping
from villagebooks.ledger.importing import ImportFailed
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = (
        "导入银行对账单（CSV 或 XLSX）并自动勾对。通用格式的列：date,summary,income,expense,balance,"
        "counterpart,serial，或中文 交易日期,摘要,收入金额,支出金额,余额,对方户名,流水号（收入、支出按"
        "银行账户的方向）；余额须逐笔连续，流水号不能重复，有一处问题就整份不导入。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--account", required=True, help="银行存款科目编码（102 或其明细科目）")
        parser.add_argument(
            "--layout",
            default="common",
            help="对账单格式：" + "、".join(f"{k}（{v['name']}）" for k, v in layouts().items()),
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="列名=表头",
            help="其他格式的列对应，如 --column income=贷方发生额（可多次）",
        )
        parser.add_argument("--no-match", action="store_true", help="只导入，不自动勾对")

    def handle(self, *args, **options):
        user = self.actor(options)
        ledger = ledger_for(user, options["ledger"], IMPORT)
        try:
            result = bank_statement_import(
                actor=user,
                ledger=ledger,
                account_code=options["account"],
                path=options["file"],
                layout=options["layout"],
                mapping=parse_mapping(options["column"]),
                match=not options["no_match"],
            )
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(problem_line(problem))
            raise CommandError(f"导入失败：共 {len(failed.problems)} 处问题，未导入任何数据") from failed
        statement = result.statement
        self.stdout.write(
            f"账套 {ledger.code} 科目 {statement.account.code} 已导入对账单：{statement.line_count} 笔，"
            f"{statement.first_date} 至 {statement.last_date}，期末余额 {statement.closing_balance_fen / 100:,.2f}；"
            f"自动勾对 {result.matched} 笔"
        )
