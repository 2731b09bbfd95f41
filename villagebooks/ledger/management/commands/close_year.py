from django.core.management.base import CommandError

from villagebooks.common.money import MoneyError, format_fen, yuan_to_fen
from villagebooks.ledger import services
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = (
        "年末结账：过账结转凭证并结转下年期初；有收益分配时先生成待审核的收益分配凭证，"
        "审核记账后再次运行完成年结"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument(
            "--appropriate",
            action="append",
            default=[],
            metavar="项目=金额",
            help="收益分配，例如 提取公积公益金=10000.00（可多次）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只显示将生成的结转凭证")

    def handle(self, *args, **options):
        ledger = ledger_by_code(options["ledger"])
        appropriations = {}
        for item in options["appropriate"]:
            kind, _, amount = item.partition("=")
            try:
                appropriations[kind.strip()] = yuan_to_fen(amount)
            except MoneyError as error:
                raise CommandError(f"--appropriate {item}: {error}") from error
        if options["dry_run"]:
            plan = services.year_close_plan(
                ledger=ledger, year=options["year"], appropriations=appropriations
            )
            for voucher in plan:
                self.stdout.write(voucher.summary)
                for line in voucher.lines:
                    side = "借" if line.debit_fen else "贷"
                    amount = line.debit_fen or line.credit_fen
                    self.stdout.write(f"  {side} {line.account_code} {format_fen(amount):>18}")
            return
        result = services.year_close(
            actor=self.actor(options), ledger=ledger, year=options["year"], appropriations=appropriations
        )
        numbers = "、".join(f"记-{v.number}" for v in result.vouchers) or "无"
        if not result.closed:
            drafts = "、".join(f"{v.note}（草稿#{v.pk}）" for v in result.distributions)
            self.stdout.write(
                f"{result.year} 年度尚未年结：结转凭证 {numbers} 已记账；收益分配凭证 {drafts}已提交审核。"
                "请由制单人以外的审核人审核、记账后，再次运行本命令（不带 --appropriate）完成年结"
            )
            return
        self.stdout.write(
            f"{result.year} 年度已年结：结转凭证 {numbers}；结转下年期初 {result.carried_rows} 行"
        )
