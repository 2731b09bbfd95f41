"""``villagebooks bank-unmatch --ledger CODE --account CODE --serial S``: undo a bank line's match
(only while the month of the match is open)."""

from django.core.management.base import CommandError

from villagebooks.banking.access import MATCH
from villagebooks.banking.management.commands._bank_args import ledger_for
from villagebooks.banking.models import BankMatch
from villagebooks.banking.services import bank_line_by_serial, bank_match_delete
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "取消银行对账的勾对（该月未结账时）：用 --serial 指定银行流水号"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--account", required=True, help="银行存款科目编码（102 或其明细科目）")
        parser.add_argument("--serial", required=True, help="银行对账单的流水号")

    def handle(self, *args, **options):
        user = self.actor(options)
        ledger = ledger_for(user, options["ledger"], MATCH)
        line = bank_line_by_serial(ledger=ledger, account_code=options["account"], serial=options["serial"])
        match = BankMatch.objects.filter(ledger=ledger, bank_line=line).first()
        if match is None:
            raise CommandError(f"流水号 {line.serial} 尚未勾对")
        bank_match_delete(actor=user, ledger=ledger, match_id=match.pk)
        self.stdout.write(f"已取消勾对：流水号 {line.serial}")
