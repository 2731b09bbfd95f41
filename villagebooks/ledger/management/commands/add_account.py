from villagebooks.ledger import services
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "增加明细科目"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--parent", required=True, help="上级科目编码，如 513")
        parser.add_argument("--code", required=True, help="明细科目编码，如 51301")
        parser.add_argument("--name", required=True)

    def handle(self, *args, **options):
        account = services.account_add(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            parent_code=options["parent"],
            code=options["code"],
            name=options["name"],
        )
        self.stdout.write(f"已增加科目 {account}")
