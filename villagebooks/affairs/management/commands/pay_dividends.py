"""``villagebooks pay-dividends --ledger CODE --year YYYY --batch CODE --date YYYY-MM-DD
[--reviewer USER]``: pay the year's dividend (the households' 211 balances) through a registry list
whose bank return is imported with ``import-bank-return`` (``affairs.dividends.dividends_pay``)."""

from datetime import date

from django.core.management.base import CommandError

from villagebooks.common.money import format_fen
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "发放分红：按户把应付款（211）通过发放名册付到户主银行卡，回盘失败的退回应付款"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--batch", required=True, help="发放批次编号")
        parser.add_argument("--date", required=True, help="发放日期 YYYY-MM-DD")
        parser.add_argument("--reviewer", default="", help="当场审核发放凭证的另一位用户")

    def handle(self, *args, **options):
        from villagebooks.affairs.dividends import dividends_pay

        try:
            pay_date = date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError(f"--date {options['date']}: 日期应为 YYYY-MM-DD") from error
        result = dividends_pay(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            year=options["year"],
            batch_code=options["batch"],
            pay_date=pay_date,
            reviewer_username=options["reviewer"],
        )
        state = "已记账" if result.voucher.status == "posted" else "待审核"
        self.stdout.write(
            f"批次 {result.batch.code}：{result.lines} 户，合计 {format_fen(result.total_fen)} 元；"
            f"发放凭证#{result.voucher.pk} {state}"
        )
