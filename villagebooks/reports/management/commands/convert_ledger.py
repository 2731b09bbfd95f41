"""``villagebooks convert-ledger``: a 2004 ledger's closing balances into a new 2023 ledger."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext

from villagebooks.common.errors import DomainError
from villagebooks.common.money import format_fen
from villagebooks.regions.commands import ActorCommand
from villagebooks.reports import ledger_conversion as conversion


class Command(ActorCommand):
    help = (
        "新旧衔接：把2004年制度账套年结后的期末余额，按新旧科目对照表转为新建2023年制度账套的期初余额；"
        "需要人工决定的科目先列出（--decisions 文件给出决定），--dry-run 只预览"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True, help="旧账套编号（2004年制度）")
        parser.add_argument("--to", required=True, dest="new_code", help="新账套编号（2023年制度）")
        parser.add_argument(
            "--year", required=True, type=int, help="旧账最后一个已年结的年度；新账从下一年1月启用"
        )
        parser.add_argument("--name", default="", help="新账套名称（默认同旧账套）")
        parser.add_argument(
            "--decisions",
            type=Path,
            help='决定文件（JSON）：{"13101": "132", "212": {"to": "211", "counterparty": "…"}}',
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只显示对照、待决定事项和新旧资产负债表，不写入"
        )

    def handle(self, *args, **options):
        decisions = {}
        if options["decisions"]:
            try:
                text = options["decisions"].read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"--decisions {options['decisions']}: {error}") from error
            decisions = conversion.decisions_parse(text)
        actor = self.actor(options)
        arguments = dict(
            ledger_code=options["ledger"],
            year=options["year"],
            new_code=options["new_code"],
            new_name=options["name"],
            decisions=decisions,
        )
        plan = conversion.conversion_plan(user=actor, **arguments)
        if options["dry_run"]:
            self._show_plan(plan)
            self._show_report(conversion.conversion_report(user=actor, plan=plan))
            if plan.problems:
                raise DomainError(problems=plan.problems)
            return
        if plan.problems:
            self._show_items(plan)
            raise DomainError(problems=plan.problems)
        new = conversion.ledger_convert(actor=actor, **arguments)
        report = conversion.conversion_report(user=actor, plan=plan, new=new)
        self._show_report(report)
        self.stdout.write(
            gettext(
                "已新建账套 {new}（2023年制度，{year} 年1月启用）：{count} 个期初余额；新旧资产负债表{state}"
            ).format(
                new=new.code,
                year=plan.year + 1,
                count=len(plan.balances),
                state=gettext("逐行一致") if report.agrees else gettext("不一致，请核对"),
            )
        )

    def _show_items(self, plan):
        if not plan.items:
            return
        self.stdout.write(gettext("需要决定的事项："))
        for item in plan.items:
            decided = item.decision.to if item.decision else gettext("未决定")
            self.stdout.write(
                f"  [{item.kind}] {item.old_code} {item.old_name}  {format_fen(item.balance_fen)}  "
                f"→ {'/'.join(item.options)}  ({decided}) {item.reason}"
            )

    def _show_plan(self, plan):
        self.stdout.write(conversion.plan_summary(plan))
        self.stdout.write(gettext("对照表来源：{source}").format(source=plan.map_source))
        self._show_items(plan)
        for sub in plan.sub_accounts:
            self.stdout.write(
                gettext("  新增科目 {code} {name}（上级 {parent}）").format(
                    code=sub.code, name=sub.name, parent=sub.parent_code
                )
            )
        for b in plan.balances:
            dims = " ".join(x for x in (b.fund_name, b.counterparty_name) if x)
            self.stdout.write(
                f"  {b.old_code} {b.old_name} → {b.new_code} {b.new_name}  "
                f"{format_fen(b.debit_fen):>16} {format_fen(b.credit_fen):>16}  {dims}"
            )

    def _show_report(self, report):
        self.stdout.write(gettext("资产负债表（2023年格式）：行次、项目、旧账转入、新账年初"))
        for line in report.lines:
            if line.carried_fen is None:
                continue
            new = format_fen(line.new_fen) if line.new_fen is not None else "-"
            mark = "" if line.agrees else "  ≠"
            self.stdout.write(
                f"  {line.line_no or '':>3} {line.label}  {format_fen(line.carried_fen)}  {new}{mark}"
            )
        for label, old, carried, new in report.totals:
            self.stdout.write(
                f"  {label}: 旧账 {format_fen(old)}  转入 {format_fen(carried)}  新账 "
                f"{format_fen(new) if new is not None else '-'}"
            )
