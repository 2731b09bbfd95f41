"""``villagebooks project-milestones --ledger CODE --project CODE --milestone "NAME,STATE,AMOUNT" …``:
set a project's payment plan (付款节点), replacing the one it had.

Each ``--milestone`` is ``NAME,STATE,AMOUNT[,deposit][,fund=NAME]``: the payment is due once the
project reaches STATE (申报 … 评价); AMOUNT is yuan (``72000.00``) or a share of the project's
budget (``40%``); ``deposit`` marks a quality deposit (质保金); ``fund=`` names the fund it is paid
from (default: the project's one fund). E.g. the usual 4:5:1::

    --milestone "开工预付款,实施,40%" --milestone "完工款,验收,50%" --milestone "质保金,评价,10%,deposit"
"""

from decimal import Decimal, InvalidOperation

from django.core.management.base import CommandError

from villagebooks.common.money import MoneyError, format_fen, yuan_to_fen
from villagebooks.funds.models import BudgetLine
from villagebooks.funds.services import MilestoneInput, milestones_set
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand

BAD_MILESTONE = "付款节点“{text}”无效：应为 名称,状态,金额或百分比[,deposit][,fund=资金名称]"


class Command(ActorCommand):
    help = "设置项目付款计划（付款节点），如 4:5:1 的开工预付款、完工款、质保金"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--project", required=True)
        parser.add_argument(
            "--milestone",
            action="append",
            default=[],
            required=True,
            help="名称,状态,金额或百分比[,deposit][,fund=资金名称]",
        )

    def handle(self, *args, **options):
        ledger = ledger_by_code(options["ledger"])
        budget = sum(
            BudgetLine.objects.filter(ledger=ledger, entry__project__code=options["project"]).values_list(
                "budget_fen", flat=True
            )
        )
        milestones = [self._parse(text, budget) for text in options["milestone"]]
        rows = milestones_set(
            actor=self.actor(options), ledger=ledger, code=options["project"], milestones=milestones
        )
        for row in rows:
            deposit = "（质保金）" if row.is_deposit else ""
            self.stdout.write(
                f"{row.position}. {row.name}{deposit}：{row.get_due_state_display()} 时应付 {format_fen(row.amount_fen)} 元"
            )

    @staticmethod
    def _parse(text: str, budget: int) -> MilestoneInput:
        parts = [part.strip() for part in text.replace("，", ",").split(",")]
        if len(parts) < 3:
            raise CommandError(BAD_MILESTONE.format(text=text))
        name, state, amount, *rest = parts
        try:
            if amount.endswith("%"):
                share = Decimal(amount[:-1])
                fen = int((Decimal(budget) * share / 100).quantize(Decimal(1)))
            else:
                fen = yuan_to_fen(amount)
        except (InvalidOperation, MoneyError) as error:
            raise CommandError(BAD_MILESTONE.format(text=text)) from error
        deposit = any(part.lower() in ("deposit", "质保金") for part in rest)
        fund = next((part.split("=", 1)[1] for part in rest if part.startswith(("fund=", "资金="))), "")
        unknown = [
            p for p in rest if p.lower() not in ("deposit", "质保金") and not p.startswith(("fund=", "资金="))
        ]
        if unknown:
            raise CommandError(BAD_MILESTONE.format(text=text))
        return MilestoneInput(name, state, fen, is_deposit=deposit, fund=fund)
