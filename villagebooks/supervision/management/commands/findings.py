"""``villagebooks findings``: 问题线索 and their rectification.

findings list (--ledger CODE | --region CODE) [--open]
findings open --ledger CODE --title TEXT --evidence TEXT --deadline YYYY-MM-DD --responsible WHO
              [--amount YUAN] [--rule NAME] [--period YYYY-MM] [--vouchers KEYS]
findings respond --ledger CODE NUMBER --measures TEXT [--documents TEXT]
findings verify --ledger CODE NUMBER (--close | --send-back) --note TEXT
"""

from datetime import date

from django.core.management.base import CommandError

from villagebooks.common.money import format_fen, yuan_to_fen
from villagebooks.regions.commands import ActorCommand
from villagebooks.supervision import services


class Command(ActorCommand):
    help = "问题线索：立案、整改、核实销号"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="what", required=True)
        listing = sub.add_parser("list")
        listing.add_argument("--ledger", default="")
        listing.add_argument("--region", default="")
        listing.add_argument("--open", action="store_true", help="只列未销号的")
        opening = sub.add_parser("open")
        opening.add_argument("--ledger", required=True)
        opening.add_argument("--title", required=True)
        opening.add_argument("--evidence", required=True)
        opening.add_argument("--deadline", required=True)
        opening.add_argument("--responsible", required=True)
        opening.add_argument("--amount", default="0")
        opening.add_argument("--rule", default="")
        opening.add_argument("--period", default="")
        opening.add_argument("--vouchers", default="")
        respond = sub.add_parser("respond")
        respond.add_argument("number", type=int)
        respond.add_argument("--ledger", required=True)
        respond.add_argument("--measures", required=True)
        respond.add_argument("--documents", default="")
        verify = sub.add_parser("verify")
        verify.add_argument("number", type=int)
        verify.add_argument("--ledger", required=True)
        choice = verify.add_mutually_exclusive_group(required=True)
        choice.add_argument("--close", action="store_true")
        choice.add_argument("--send-back", action="store_true")
        verify.add_argument("--note", required=True)

    def handle(self, *args, **options):
        actor, what = self.actor(options), options["what"]
        if what == "list":
            for f in services.findings_list(
                actor=actor,
                ledger_code=options["ledger"],
                region_code=options["region"],
                open_only=options["open"],
            ):
                flag = " 【已逾期】" if f.overdue else ""
                self.stdout.write(
                    f"{f.ledger.code} 第{f.number}号 {f.get_state_display()}{flag} 期限 {f.deadline} "
                    f"{f.title} {format_fen(f.amount_fen)} 元（{f.age_days} 天）"
                )
            return
        if what == "open":
            try:
                deadline = date.fromisoformat(options["deadline"])
            except ValueError as error:
                raise CommandError(f"整改期限无效：{options['deadline']}（应为 YYYY-MM-DD）") from error
            finding = services.finding_open(
                actor=actor, ledger_code=options["ledger"], title=options["title"], evidence=options["evidence"],
                deadline=deadline, responsible=options["responsible"], amount_fen=yuan_to_fen(options["amount"]),
                rule=options["rule"], period=options["period"], voucher_keys=options["vouchers"],
            )  # fmt: skip
            self.stdout.write(f"已立案：{finding.ledger.code} 第{finding.number}号")
            return
        if what == "respond":
            finding = services.finding_respond(
                actor=actor, ledger_code=options["ledger"], number=options["number"],
                measures=options["measures"], documents=options["documents"],
            )  # fmt: skip
            self.stdout.write(f"已提交整改：第{finding.number}号")
            return
        finding = services.finding_verify(
            actor=actor, ledger_code=options["ledger"], number=options["number"], accept=options["close"],
            note=options["note"],
        )  # fmt: skip
        self.stdout.write(f"第{finding.number}号：{finding.get_state_display()}")
