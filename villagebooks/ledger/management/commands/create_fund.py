from django.core.management.base import CommandError

from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.ledger import services
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.ledger.models import FundKind
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "登记资金来源"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--kind",
            required=True,
            help="资金类别：" + "、".join(str(label) for _, label in FundKind.choices),
        )
        parser.add_argument("--issuer", default="", help="下达单位")
        parser.add_argument("--document", default="", help="文号")
        parser.add_argument("--amount", default="0", help="下达金额（元）")

    def handle(self, *args, **options):
        try:
            amount = yuan_to_fen(options["amount"])
        except MoneyError as error:
            raise CommandError(f"amount: {error}") from error
        fund = services.fund_create(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            name=options["name"],
            kind=options["kind"],
            issuer=options["issuer"],
            document_number=options["document"],
            amount_fen=amount,
        )
        self.stdout.write(f"已登记资金来源 {fund.name}（{fund.get_kind_display()}）")
