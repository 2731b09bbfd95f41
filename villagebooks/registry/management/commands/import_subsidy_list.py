"""``villagebooks import-subsidy-list FILE --ledger CODE --programme CODE --batch CODE --date YYYY-MM-DD
[--fund NAME] [--project CODE] [--pay [--reviewer USERNAME]] [--override REASON]``: a subsidy list
(补贴名册) checked against the registry.

Columns: id_number,name,quantity,standard,amount,bank_card. ``--pay`` makes the payment voucher
(lines tagged with the fund and, with ``--project``, the project); with ``--reviewer`` a second
user holding the review right on the ledger is recorded as its reviewer and the voucher is posted,
without it the voucher is submitted for review. ``--override`` lets a permitted user accept the
registry's problems, each recorded with the reason.
"""

from datetime import date
from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.common.money import format_fen
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.ledger.models import VoucherStatus
from villagebooks.regions.commands import ActorCommand
from villagebooks.registry.subsidies import subsidy_list_import


class Command(ActorCommand):
    help = "导入补贴名册并与农户信息核对；--pay 生成发放凭证"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--programme", required=True, help="补贴项目编码")
        parser.add_argument("--batch", required=True, help="批次编号")
        parser.add_argument("--date", required=True, help="发放日期 YYYY-MM-DD")
        parser.add_argument("--fund", help="资金名称（默认：账套中该项目资金类别的唯一资金）")
        parser.add_argument(
            "--pay", action="store_true", help="核对无误后生成发放凭证（无 --reviewer 时提交审核）"
        )
        parser.add_argument(
            "--reviewer", default="", help="审核人用户名：另一位有本账套审核权限的用户，凭证经其审核后记账"
        )
        parser.add_argument("--project", default="", help="项目编号：发放凭证各行记入该项目")
        parser.add_argument("--override", default="", help="放行名册问题的理由（需有放行权限）")
        parser.add_argument(
            "--debit-account", default="", help="借方科目（默认见 registry-terms.json，如 241）"
        )
        parser.add_argument("--credit-account", default="", help="贷方科目（默认 102 或其唯一的下级科目）")

    def handle(self, *args, **options):
        try:
            pay_date = date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError(f"发放日期无效：{options['date']}（应为 YYYY-MM-DD）") from error
        result = subsidy_list_import(
            actor=self.actor(options),
            path=options["file"],
            ledger=ledger_by_code(options["ledger"]),
            programme_code=options["programme"],
            batch_code=options["batch"],
            pay_date=pay_date,
            fund_name=options["fund"],
            pay=options["pay"],
            override_reason=options["override"],
            debit_account=options["debit_account"],
            credit_account=options["credit_account"],
            project_code=options["project"],
            reviewer_username=options["reviewer"],
        )
        for problem in result.overridden:
            self.stderr.write(f"已放行：{problem.as_field_problem()}")
        self.stdout.write(
            f"名册 {result.batch.code} 已导入：{result.lines} 人，合计 {format_fen(result.total_fen)} 元"
        )
        voucher = result.voucher
        if voucher is not None and voucher.status == VoucherStatus.POSTED:
            self.stdout.write(
                f"发放凭证已经 {voucher.reviewed_by.username} 审核并记账："
                f"{voucher.date:%Y-%m} 记字第{voucher.number}号（凭证 #{voucher.pk}）"
            )
        elif voucher is not None:
            self.stdout.write(
                f"发放凭证已生成并提交审核，尚未记账（凭证 #{voucher.pk}）；"
                "请由另一位有审核权限的用户审核后记账，或用 --reviewer 指定审核人"
            )
