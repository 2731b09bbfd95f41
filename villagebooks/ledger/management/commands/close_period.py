from villagebooks.ledger import services
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "月末结账"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--period", required=True, help="YYYY-MM")

    def handle(self, *args, **options):
        key = parse_period(options["period"])
        period = services.period_close(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            year=key // 100,
            month=key % 100,
        )
        self.stdout.write(f"期间 {period} 已结账")
