"""``villagebooks alert-dismiss --ledger CODE KEY --reason TEXT``: judge an alert not a problem (the
reason is kept and counted per rule). KEY is the alert's key, as ``findings``/the API show it."""

from villagebooks.regions.commands import ActorCommand
from villagebooks.supervision.services import alert_dismiss


class Command(ActorCommand):
    help = "排除一条预警（须说明理由）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("key")
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--reason", required=True)

    def handle(self, *args, **options):
        alert_dismiss(
            actor=self.actor(options),
            ledger_code=options["ledger"],
            alert_key=options["key"],
            reason=options["reason"],
        )
        self.stdout.write("已排除该预警")
