from villagebooks.ledger import services
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "新建账套"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--village", required=True, help="村的12位区划代码")
        parser.add_argument("--code", required=True, help="账套编号")
        parser.add_argument("--name", required=True, help="账套名称")
        parser.add_argument("--chart", required=True, choices=["2023", "2004"], help="会计制度")
        parser.add_argument("--start", required=True, help="启用期间 YYYY-MM")
        parser.add_argument(
            "--no-opening", action="store_true", help="没有期初余额（新设立的集体），直接启用"
        )

    def handle(self, *args, **options):
        start = parse_period(options["start"], field="start")
        actor = self.actor(options)
        ledger = services.ledger_create(
            actor=actor,
            village_code=options["village"],
            code=options["code"],
            name=options["name"],
            chart=options["chart"],
            start_year=start // 100,
            start_month=start % 100,
        )
        if options["no_opening"]:
            services.opening_balances_set(actor=actor, ledger=ledger, rows=[])
            self.stdout.write(f"已建立并启用账套 {ledger.code} {ledger.name}（{ledger.get_chart_display()}）")
            return
        self.stdout.write(
            f"已建立账套 {ledger.code} {ledger.name}（{ledger.get_chart_display()}，启用 {options['start']}）；"
            "请用 import-opening 录入期初余额（或建账时用 --no-opening）后开始记账"
        )
