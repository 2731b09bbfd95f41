"""``villagebooks bank-match --ledger CODE --account CODE (--auto | --serial S --voucher YYYY-MM:N [--line N])``:
match bank lines with posted lines of 银行存款, automatically or one pair by hand."""

import re

from django.core.management.base import CommandError

from villagebooks.banking.access import MATCH
from villagebooks.banking.management.commands._bank_args import ledger_for
from villagebooks.banking.services import (
    bank_line_by_serial,
    bank_match_auto,
    bank_match_create,
    voucher_line_by_number,
)
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.regions.commands import ActorCommand

VOUCHER = re.compile(r"^(\d{4}-\d{2}):(?:记-)?(\d+)$")


class Command(ActorCommand):
    help = "银行对账勾对：--auto 自动勾对；或用 --serial（银行流水号）和 --voucher YYYY-MM:N（记-N 号凭证）手工勾对一笔"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--account", required=True, help="银行存款科目编码（102 或其明细科目）")
        parser.add_argument("--auto", action="store_true", help="自动勾对所有未勾对的项目")
        parser.add_argument("--serial", help="银行对账单的流水号")
        parser.add_argument("--voucher", help="凭证：YYYY-MM:N，即该月记-N 号")
        parser.add_argument("--line", type=int, help="凭证中该科目分录的行号（有多条时）")

    def handle(self, *args, **options):
        user = self.actor(options)
        ledger = ledger_for(user, options["ledger"], MATCH)
        account = options["account"]
        if options["auto"]:
            if options["serial"] or options["voucher"]:
                raise CommandError("--auto 不能与 --serial、--voucher 同时使用")
            count = bank_match_auto(actor=user, ledger=ledger, account_code=account)
            self.stdout.write(f"自动勾对 {count} 笔")
            return
        if not options["serial"] or not options["voucher"]:
            raise CommandError("请用 --auto，或同时给出 --serial 和 --voucher")
        found = VOUCHER.match(options["voucher"].strip())
        if found is None:
            raise CommandError(f"凭证“{options['voucher']}”应写作 YYYY-MM:N，如 2025-03:4")
        period_key = parse_period(found.group(1), field="voucher")
        bank_line = bank_line_by_serial(ledger=ledger, account_code=account, serial=options["serial"])
        voucher_line = voucher_line_by_number(
            ledger=ledger,
            account_code=account,
            period_key=period_key,
            number=int(found.group(2)),
            line_no=options["line"],
        )
        bank_match_create(
            actor=user, ledger=ledger, bank_line_id=bank_line.pk, voucher_line_id=voucher_line.pk
        )
        self.stdout.write(f"已勾对：流水号 {bank_line.serial} ↔ {found.group(1)} 记-{found.group(2)}")
