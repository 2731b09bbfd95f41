from villagebooks.ledger import services
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.ledger.models import CounterpartyKind
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "登记往来单位（农户、个人或单位）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", default="organisation", choices=CounterpartyKind.values)
        parser.add_argument("--id-number", default="", help="身份证号或统一社会信用代码")

    def handle(self, *args, **options):
        party = services.counterparty_create(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            name=options["name"],
            kind=options["kind"],
            id_number=options["id_number"],
        )
        self.stdout.write(f"已登记往来单位 {party.name}（{party.get_kind_display()}）")
