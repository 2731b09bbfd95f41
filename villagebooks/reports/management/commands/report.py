from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.common.money import fen_to_text
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.regions.commands import ActorCommand
from villagebooks.reports.catalog import REPORT_KINDS, report_view_record
from villagebooks.reports.render import render_csv, render_table
from villagebooks.reports.scope import scope_for_ledger, scope_for_region

XLSX_NEEDS_OUTPUT = "xlsx 格式是二进制文件，请用 --output 指定要写入的文件"
PDF_NEEDS_OUTPUT = "pdf 格式是二进制文件，请用 --output 指定要写入的文件"
MONTHS_NEEDED = "请用 --period YYYY-MM 指定一个月，或用 --from 和 --to 指定起止月份"
# The registry's list, bank return and books reconciliation: one row a person, not a table of
# amounts by account, so it is written by the registry rather than through REPORT_KINDS.
SUBSIDY_RECONCILIATION = "subsidy-reconciliation"
RECONCILIATION_FORMATS = "subsidy-reconciliation 只支持 csv 格式"
# What households of a region received (who, what, totals, the cadres' households' share).
SUBSIDY_RECEIVED = "subsidy-received"
RECEIVED_NEEDS_REGION = "subsidy-received 需要 --region（村或乡镇、县的区划代码）"


class Command(ActorCommand):
    help = "输出报表：" + "、".join(f"{slug}（{kind.title}）" for slug, kind in REPORT_KINDS.items())

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "report", choices=sorted([*REPORT_KINDS, SUBSIDY_RECONCILIATION, SUBSIDY_RECEIVED])
        )
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--ledger", help="账套编号")
        target.add_argument("--region", help="区划代码（汇总其下所有账套）")
        parser.add_argument("--from", dest="from_period", help="YYYY-MM")
        parser.add_argument("--to", dest="to_period", help="YYYY-MM")
        parser.add_argument("--period", help="YYYY-MM：一个月（即 --from 与 --to 同为该月）")
        parser.add_argument(
            "--chart", default="2023", choices=["2023", "2004"], help="汇总哪种会计制度的账套"
        )
        parser.add_argument("--account", help="科目编码（明细账、银行存款余额调节表）")
        parser.add_argument("--by", help="辅助核算：fund（资金来源）或 counterparty（往来单位）")
        parser.add_argument("--format", default="table", choices=["table", "csv", "xlsx", "pdf"])
        parser.add_argument("--output", type=Path, help="写入文件（默认输出到屏幕）")

    def handle(self, *args, **options):
        user = self.actor(options)
        if options["report"] == SUBSIDY_RECONCILIATION:
            self._reconciliation(user, options)
            return
        if options["report"] == SUBSIDY_RECEIVED:
            self._received(user, options)
            return
        kind = REPORT_KINDS[options["report"]]
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError(XLSX_NEEDS_OUTPUT)
        if options["format"] == "pdf" and not options["output"]:
            raise CommandError(PDF_NEEDS_OUTPUT)
        if options["period"] and not (options["from_period"] or options["to_period"]):
            from_key = to_key = parse_period(options["period"], field="period")
        elif options["from_period"] and options["to_period"] and not options["period"]:
            from_key = parse_period(options["from_period"], field="from")
            to_key = parse_period(options["to_period"], field="to")
        else:
            raise CommandError(MONTHS_NEEDED)
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
        extra = {name: options[name] for name in kind.options if options.get(name) is not None}
        if kind.needs_account:
            report = kind.build(scope, account=options["account"], **extra)
        else:
            report = kind.build(scope, **extra)
        account = options["account"] if kind.needs_account else None
        report_view_record(
            actor=user, kind=kind, scope=scope, fmt=options["format"], via="cli", account=account, **extra
        )
        warning = kind.warning(report)
        if warning:
            self.stderr.write(warning)
        # openpyxl and fpdf2 take most of a second to import: only the formats that need them pay it.
        if options["format"] == "xlsx":
            from villagebooks.reports.xlsx import render_xlsx

            self._write_file(options["output"], render_xlsx(kind, scope, report))
            return
        if options["format"] == "pdf":
            from villagebooks.reports.pdf import render_report_pdf

            self._write_file(options["output"], render_report_pdf(kind, scope, report))
            return
        rows = kind.rows(report)
        if options["format"] == "csv":
            text = render_csv(kind.columns, rows, text_columns=kind.text_columns)
        else:
            heading = (
                f"{kind.title}  {report.account_code} {report.account_name}".replace("   ", "  ")
                if kind.needs_account
                else kind.title
            )
            title = f"{heading}  {scope.title}  {scope.period_text}  单位：元"
            total = kind.total(report)
            # A statement without a balance check ends on its own last line: printed once.
            totals = [] if rows and total == rows[-1] else [total]
            text = render_table(title, kind.headers, rows + totals, text_columns=kind.text_columns)
        if options["output"]:
            self._write_file(options["output"], text.encode("utf-8"))
        else:
            self.stdout.write(text, ending="")

    def _reconciliation(self, user, options) -> None:
        from villagebooks.registry.subsidies import reconciliation_csv, reconciliation_report

        if options["format"] != "csv":
            raise CommandError(RECONCILIATION_FORMATS)
        rows = reconciliation_report(
            user=user,
            from_key=parse_period(options["from_period"], field="from"),
            to_key=parse_period(options["to_period"], field="to"),
            ledger_code=options["ledger"] or "",
            region_code=options["region"] or "",
            via="cli",
        )
        text = reconciliation_csv(rows)
        if options["output"]:
            self._write_file(options["output"], text.encode("utf-8"))
        else:
            self.stdout.write(text, ending="")

    def _received(self, user, options) -> None:
        from villagebooks.registry import exports
        from villagebooks.registry.received import received

        if not options["region"]:
            raise CommandError(RECEIVED_NEEDS_REGION)
        if not (options["from_period"] and options["to_period"]):
            raise CommandError(MONTHS_NEEDED)
        report = received(
            user=user,
            region_code=options["region"],
            from_key=parse_period(options["from_period"], field="from"),
            to_key=parse_period(options["to_period"], field="to"),
        )
        table = exports.received_table(report)
        fmt = options["format"]
        if fmt in ("xlsx", "pdf") and not options["output"]:
            raise CommandError(XLSX_NEEDS_OUTPUT if fmt == "xlsx" else PDF_NEEDS_OUTPUT)
        if fmt == "xlsx":
            self._write_file(options["output"], exports.table_xlsx(table))
            return
        if fmt == "pdf":
            from villagebooks.reports.pdf.tables import render_table_pdf

            rows = [[str(cell) for cell in row] for row in table.rows]
            self._write_file(
                options["output"],
                render_table_pdf(
                    title=table.title,
                    subtitle=table.subtitle,
                    headers=table.headers,
                    rows=rows,
                    numeric=table.numeric,
                ),  # fmt: skip
            )
            return
        if fmt == "csv":
            text = exports.table_csv(table)
        else:
            lines = [f"{table.title}  {table.subtitle}"]
            lines += [f"{t.key}\t{t.persons}\t{fen_to_text(t.amount_fen)}" for t in report.by_programme]
            lines += [f"{t.key}\t{t.persons}\t{fen_to_text(t.amount_fen)}" for t in report.by_status]
            lines.append(
                f"合计 {fen_to_text(report.total_fen)} 元，村干部及其近亲属户 {fen_to_text(report.cadres_fen)} 元"
                f"（{report.cadres_share if report.cadres_share is not None else '-'}%），"
                f"这些户的人口占 {report.population_share if report.population_share is not None else '-'}%"
            )
            text = "\n".join(lines) + "\n"
        if options["output"]:
            self._write_file(options["output"], text.encode("utf-8"))
        else:
            self.stdout.write(text, ending="")

    def _write_file(self, path: Path, data: bytes) -> None:
        try:
            path.write_bytes(data)
        except OSError as error:
            raise CommandError(f"无法写入 {path}：{error}") from error
        self.stdout.write(f"已写入 {path}")
