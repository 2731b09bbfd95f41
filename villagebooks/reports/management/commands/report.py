from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.ledger.domain.periods import parse_period
from villagebooks.regions.commands import ActorCommand
from villagebooks.reports import fund_summary, trial_balance
from villagebooks.reports.render import render_csv, render_table
from villagebooks.reports.scope import scope_for_ledger, scope_for_region

REPORTS = {"trial-balance": "科目余额表", "fund-summary": "资金来源汇总表"}


class Command(ActorCommand):
    help = "输出报表：trial-balance（科目余额表）、fund-summary（资金来源汇总表）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("report", choices=sorted(REPORTS))
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--ledger", help="账套编号")
        target.add_argument("--region", help="区划代码（汇总其下所有账套）")
        parser.add_argument("--from", dest="from_period", required=True, help="YYYY-MM")
        parser.add_argument("--to", dest="to_period", required=True, help="YYYY-MM")
        parser.add_argument(
            "--chart", default="2023", choices=["2023", "2004"], help="汇总哪种会计制度的账套"
        )
        parser.add_argument("--format", default="table", choices=["table", "csv"])
        parser.add_argument("--output", type=Path, help="写入文件（默认输出到屏幕）")
        parser.add_argument("--all-accounts", action="store_true", help="科目余额表也列出全为零的科目")

    def handle(self, *args, **options):
        user = self.actor(options)
        from_key = parse_period(options["from_period"], field="from")
        to_key = parse_period(options["to_period"], field="to")
        if options["ledger"]:
            scope = scope_for_ledger(
                user=user, ledger_code=options["ledger"], from_key=from_key, to_key=to_key
            )
        else:
            scope = scope_for_region(
                user=user,
                region_code=options["region"],
                from_key=from_key,
                to_key=to_key,
                chart=options["chart"],
            )
        title = f"{REPORTS[options['report']]}  {scope.title}  {scope.period_text}  单位：元"
        if options["report"] == "trial-balance":
            report = trial_balance.build_trial_balance(scope, include_zero=options["all_accounts"])
            rows = [[r.code, "  " * (r.level - 1) + r.name, *r.amounts()] for r in report.rows]
            total = [report.total.code, report.total.name, *report.total.amounts()]
            columns, headers = trial_balance.COLUMNS, trial_balance.HEADERS
            if not report.is_balanced:
                self.stderr.write("警告：科目余额表不平衡，请运行 villagebooks verify 检查")
        else:
            report = fund_summary.build_fund_summary(scope)
            rows = [[r.name, r.kind, *r.amounts()] for r in report.rows]
            total = [report.total.name, "", *report.total.amounts()]
            columns, headers = fund_summary.COLUMNS, fund_summary.HEADERS
        if options["format"] == "csv":
            text = render_csv(columns, rows, text_columns=2)
        else:
            text = render_table(title, headers, rows + [total], text_columns=2)
        if options["output"]:
            try:
                options["output"].write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"无法写入 {options['output']}：{error}") from error
            self.stdout.write(f"已写入 {options['output']}")
        else:
            self.stdout.write(text, ending="")
