"""``villagebooks depreciate --ledger CODE --period YYYY-MM``: the month's depreciation voucher
from the asset cards, submitted for review (``affairs.depreciation``). A second run of the same
month, a closed month and a month with nothing to charge are refused, with the reason."""

from villagebooks.affairs.depreciation import depreciation_run, parse_period
from villagebooks.common.money import format_fen
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "按资产卡片计提当月折旧，生成折旧凭证（提交审核）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument(
            "--operating-account", default="", help="经营性资产折旧的借方科目（默认见数据文件）"
        )
        parser.add_argument("--public-account", default="", help="其他资产折旧的借方科目（默认见数据文件）")

    def handle(self, *args, **options):
        year, month = parse_period(options["period"])
        expense = {}
        if options["operating_account"]:
            expense["operating"] = options["operating_account"]
        if options["public_account"]:
            expense["public"] = options["public_account"]
        result = depreciation_run(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            year=year,
            month=month,
            expense=expense,
        )
        self.stdout.write(
            f"{options['period']} 折旧 {format_fen(result.run.total_fen)} 元（{result.cards} 张卡片），"
            f"凭证 草稿 {result.voucher.draft_no} 已提交审核"
        )
