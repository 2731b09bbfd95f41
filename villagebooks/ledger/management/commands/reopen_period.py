from villagebooks.ledger import services
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "反结账（记录操作人和原因）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--reason", required=True)

    def handle(self, *args, **options):
        key = parse_period(options["period"])
        period = services.period_reopen(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            year=key // 100,
            month=key % 100,
            reason=options["reason"],
        )
        self.stdout.write(f"期间 {period} 已反结账")
