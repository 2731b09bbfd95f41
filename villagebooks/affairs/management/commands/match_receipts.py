"""``villagebooks match-receipts --ledger CODE``: apply the ledger's posted receipts (the
contract party as counterparty) to the contracts' open instalments, oldest due first."""

from villagebooks.affairs.contracts import receipts_match
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "把已记账的收款匹配到合同的应收计划"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)

    def handle(self, *args, **options):
        count = receipts_match(actor=self.actor(options), ledger=ledger_by_code(options["ledger"]))
        self.stdout.write(f"收款匹配完成：新增 {count} 条")
