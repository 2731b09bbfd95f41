"""``villagebooks publish --ledger CODE --period YYYY-MM|YYYY-Qn [--reason TEXT]``: publish the
village's accounts of a closed month or quarter (村务公开) and print the public page's address.
Publishing a period again is a correction: ``--reason`` is required, and it becomes the next version."""

from villagebooks.disclosure.services import disclosure_publish, public_address
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "村务公开：公开已结账的月度（YYYY-MM）或季度（YYYY-Qn）账目，输出公开页面地址"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--period", required=True, help="YYYY-MM 或 YYYY-Qn")
        parser.add_argument("--reason", default="", help="更正理由（再次公开同一期间时必填）")

    def handle(self, *args, **options):
        disclosure = disclosure_publish(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            period=options["period"],
            reason=options["reason"],
        )
        self.stdout.write(public_address(disclosure))
