"""``villagebooks resolve-failed-payment --ledger CODE --batch CODE --id-number ID (--repay | --return)
[--note TEXT]``: record what is done with a payment the bank returned as failed."""

from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand
from villagebooks.registry.subsidies import REPAY, RETURN, failed_payment_resolve


class Command(ActorCommand):
    help = "登记发放失败的处理：重新发放（--repay）或退回资金（--return）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--batch", required=True)
        parser.add_argument("--id-number", required=True)
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--repay", dest="action", action="store_const", const=REPAY)
        action.add_argument("--return", dest="action", action="store_const", const=RETURN)
        parser.add_argument("--note", default="")

    def handle(self, *args, **options):
        failed_payment_resolve(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            batch_code=options["batch"],
            id_number=options["id_number"],
            action=options["action"],
            note=options["note"],
        )
        self.stdout.write("已登记")
