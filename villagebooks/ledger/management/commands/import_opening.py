"""``villagebooks import-opening --ledger CODE FILE.csv``: a ledger's opening balances from a file."""

from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.common.money import format_fen
from villagebooks.ledger.importing import ImportFailed, describe_problems, opening_import, opening_import_plan
from villagebooks.ledger.models import Counterparty, Fund
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = (
        "导入期初余额（CSV 或 XLSX）。列：account,debit,credit[,fund,counterparty]，"
        "或中文 科目,借方,贷方[,资金来源,往来单位]；借贷必须平衡，导入后账套启用。"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--create-missing", action="store_true", help="自动新建账套中没有的资金来源和往来单位"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并列出将导入的期初余额，不写入任何数据"
        )

    def handle(self, *args, **options):
        code = options["ledger"]
        if options["dry_run"]:
            return self.dry_run(options)
        funds_before = set(Fund.objects.filter(ledger__code=code).values_list("name", flat=True))
        parties_before = set(Counterparty.objects.filter(ledger__code=code).values_list("name", flat=True))
        try:
            ledger = opening_import(
                actor=self.actor(options),
                ledger_code=code,
                path=options["file"],
                create_missing=options["create_missing"],
            )
        except ImportFailed as failed:
            for line in describe_problems(failed.problems):
                self.stderr.write(line)
            raise CommandError(f"导入失败：共 {len(failed.problems)} 处问题，未导入任何数据") from failed
        rows = ledger.opening_balances.count()
        self.stdout.write(f"账套 {ledger.code} 期初余额已导入：{rows} 行，借贷平衡，账套已启用")
        funds = Fund.objects.filter(ledger=ledger).exclude(name__in=funds_before)
        parties = Counterparty.objects.filter(ledger=ledger).exclude(name__in=parties_before)
        if funds:
            self.stdout.write("新建资金来源：" + "、".join(f"{code}:{f.name}" for f in funds))
        if parties:
            self.stdout.write("新建往来单位：" + "、".join(f"{code}:{p.name}" for p in parties))

    def dry_run(self, options):
        try:
            plan = opening_import_plan(
                actor=self.actor(options),
                ledger_code=options["ledger"],
                path=options["file"],
                create_missing=options["create_missing"],
            )
        except ImportFailed as failed:
            for line in describe_problems(failed.problems):
                self.stderr.write(line)
            raise CommandError(f"检查未通过：共 {len(failed.problems)} 处问题") from failed
        self.stdout.write(
            f"检查通过（未写入）：期初余额 {len(plan.openings)} 行，借方合计 {format_fen(plan.debit_fen)}，"
            f"贷方合计 {format_fen(plan.credit_fen)}"
        )
        if plan.created_funds:
            self.stdout.write("将新建资金来源：" + "、".join(plan.created_funds))
        if plan.created_counterparties:
            self.stdout.write("将新建往来单位：" + "、".join(plan.created_counterparties))
