"""``villagebooks distribute-dividends --ledger CODE --year YYYY --amount YUAN --reserve YUAN
[--welfare YUAN]``: the year's 向成员分配 divided by shares (largest remainder, to the fen) and
booked per household in a distribution voucher submitted for review (``affairs.dividends``)."""

from django.core.management.base import CommandError

from villagebooks.common.money import MoneyError, format_fen, yuan_to_fen
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "按股分红：提取公积公益金（不低于本县最低比例）后，按份额分配到户，生成待审核的收益分配凭证"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--amount", required=True, help="向成员分配的总额（元）")
        parser.add_argument("--reserve", required=True, help="提取公积公益金（元）")
        parser.add_argument("--welfare", default="0", help="提取应付福利费（元，2004 制度）")

    def handle(self, *args, **options):
        from villagebooks.affairs.dividends import dividends_distribute

        amounts = {}
        for name in ("amount", "reserve", "welfare"):
            try:
                amounts[name] = yuan_to_fen(options[name])
            except MoneyError as error:
                raise CommandError(f"--{name} {options[name]}: {error}") from error
        dividend = dividends_distribute(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            year=options["year"],
            amount_fen=amounts["amount"],
            reserve_fen=amounts["reserve"],
            welfare_fen=amounts["welfare"],
        )
        households = dividend.lines.count()
        self.stdout.write(
            f"{dividend.year} 年按股分红 {format_fen(dividend.amount_fen)} 元，{households} 户，"
            f"每份 {dividend.per_share} 元；收益分配凭证草稿#{dividend.voucher_id} 待审核"
        )
