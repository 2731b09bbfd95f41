"""``villagebooks import-vouchers FILE.csv|FILE.xlsx``: vouchers from a file, all or nothing."""

import sys
from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.common.money import format_fen
from villagebooks.ledger.importing import (
    ImportFailed,
    describe_problems,
    vouchers_import,
    vouchers_import_plan,
)
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = (
        "导入记账凭证（CSV 或 XLSX，一行一条分录）。列：ledger,voucher,date,summary,account,debit,credit"
        "[,fund,counterparty]，或中文 账套,凭证号,日期,摘要,科目,借方,贷方[,资金来源,往来单位]；"
        "账套与凭证号相同的连续各行为一张凭证。任何一行有错则全部不导入。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--post", action="store_true", help="导入后直接记账（导入人即制单、审核、记账人）"
        )
        parser.add_argument(
            "--create-missing", action="store_true", help="自动新建账套中没有的资金来源和往来单位"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出将导入的内容，不写入任何数据")
        parser.add_argument("--progress", action="store_true", help="显示进度条（终端中默认显示）")

    def handle(self, *args, **options):
        if options["dry_run"]:
            return self.dry_run(options)
        try:
            result = vouchers_import(
                actor=self.actor(options),
                path=options["file"],
                post=options["post"],
                create_missing=options["create_missing"],
                progress=options["progress"] or sys.stderr.isatty(),
            )
        except ImportFailed as failed:
            for line in describe_problems(failed.problems):
                self.stderr.write(line)
            raise CommandError(f"导入失败：共 {len(failed.problems)} 处问题，未导入任何数据") from failed
        self.stdout.write(
            f"导入完成：凭证 {result.vouchers} 张，分录 {result.lines} 条，已记账 {result.posted} 张"
        )
        if result.created_funds:
            self.stdout.write("新建资金来源：" + "、".join(result.created_funds))
        if result.created_counterparties:
            self.stdout.write("新建往来单位：" + "、".join(result.created_counterparties))

    def dry_run(self, options):
        try:
            plan = vouchers_import_plan(
                actor=self.actor(options),
                path=options["file"],
                post=options["post"],
                create_missing=options["create_missing"],
            )
        except ImportFailed as failed:
            for line in describe_problems(failed.problems):
                self.stderr.write(line)
            raise CommandError(f"检查未通过：共 {len(failed.problems)} 处问题") from failed
        for voucher in plan.vouchers:
            self.stdout.write(
                f"{voucher.ledger_code} {voucher.key} {voucher.date} "
                f"{len(voucher.lines)} 条分录 {format_fen(voucher.amount_fen)}"
            )
        self.stdout.write(
            f"检查通过（未写入）：凭证 {len(plan.vouchers)} 张，分录 {len(plan.lines)} 条，"
            f"借方合计 {format_fen(plan.debit_fen)}，贷方合计 {format_fen(plan.credit_fen)}"
        )
        if plan.created_funds:
            self.stdout.write("将新建资金来源：" + "、".join(plan.created_funds))
        if plan.created_counterparties:
            self.stdout.write("将新建往来单位：" + "、".join(plan.created_counterparties))
