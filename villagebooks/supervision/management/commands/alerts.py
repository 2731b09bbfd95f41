"""``villagebooks alerts (--ledger CODE | --region CODE) --from YYYY-MM --to YYYY-MM [--rule NAME]
[--format table|csv] [--output FILE] [--user USERNAME]``: the supervision rules' alerts.

The CSV has the columns ``rule,ledger,period,voucher_key,voucher_number,batch,id_number,amount,evidence``
(``voucher_key`` the vouchers' keys in their import files, ``;``-separated; ID numbers masked
unless the user may see them); the table is the same for a person's eyes.
"""

from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.common.spreadsheet import csv_writer
from villagebooks.regions.commands import ActorCommand
from villagebooks.supervision.services import CSV_COLUMNS, alert_row, alerts_list


class Command(ActorCommand):
    help = "按监督规则列出预警（拆分支付、大额现金、死亡人员领取等）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", default="", help="账套编号")
        parser.add_argument("--region", default="", help="区划代码（其下所有账套）")
        parser.add_argument("--from", dest="first", required=True, help="起始月份 YYYY-MM")
        parser.add_argument("--to", dest="last", required=True, help="截止月份 YYYY-MM")
        parser.add_argument("--rule", default="", help="只看一条规则，如 split_payment")
        parser.add_argument("--format", choices=["table", "csv"], default="table")
        parser.add_argument("--output", metavar="FILE", help="输出文件（默认输出到屏幕）")

    def handle(self, *args, **options):
        result = alerts_list(
            actor=self.actor(options),
            ledger_code=options["ledger"],
            region_code=options["region"],
            first=options["first"],
            last=options["last"],
            rule=options["rule"],
        )
        output = options["output"]
        if output is None:
            self._write(self.stdout, result, options["format"])
        else:
            target = Path(output)
            partial = target.with_name(target.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8-sig" if options["format"] == "csv" else "utf-8",
                                  newline="") as handle:  # fmt: skip
                    self._write(handle, result, options["format"])
                partial.replace(target)
            except OSError as exc:
                raise CommandError(f"无法写入 {output}：{exc.strerror}") from exc
            finally:
                partial.unlink(missing_ok=True)
        self.stderr.write(
            f"{result.ledgers} 个账套，预警 {len(result.alerts)} 条"
            + (f"（另有 {result.dismissed} 条已排除）" if result.dismissed else "")
        )

    def _write(self, handle, result, kind):
        rows = [alert_row(alert) for alert in result.alerts]
        if kind == "csv":
            writer = csv_writer(handle, lineterminator="\n")
            writer.writerow(CSV_COLUMNS)
            writer.writerows(rows)
            return
        for alert, row in zip(result.alerts, rows, strict=True):
            vouchers = "、".join(f"记-{v.number}" for v in alert.vouchers if v.number)
            where = " ".join(
                part for part in (alert.ledger, alert.period, vouchers, alert.batch, alert.id_number) if part
            )
            handle.write(f"[{alert.rule}] {where} {row[7]} 元\n    {alert.evidence}\n")
