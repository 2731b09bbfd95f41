"""``villagebooks print-vouchers``: a month's posted vouchers as one PDF of 记账凭证 forms."""

from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.ledger.domain.periods import parse_period, period_label
from villagebooks.regions.commands import ActorCommand
from villagebooks.reports.pdf import vouchers_pdf

CANNOT_WRITE = "无法写入 {path}：{error}"


class Command(ActorCommand):
    help = "打印一个月已记账的凭证（记账凭证格式，两张一页 A4），写入一个 PDF 文件"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--period", required=True, help="会计期间 YYYY-MM")
        parser.add_argument("--output", required=True, type=Path, help="写入的 PDF 文件")

    def handle(self, *args, **options):
        user = self.actor(options)
        key = parse_period(options["period"], field="period")
        data = vouchers_pdf(
            actor=user, ledger_code=options["ledger"], year=key // 100, month=key % 100, via="cli"
        )
        path = options["output"]
        try:
            path.write_bytes(data)
        except OSError as error:
            raise CommandError(CANNOT_WRITE.format(path=path, error=error)) from error
        self.stdout.write(
            f"已写入 {path}：{options['ledger']} {period_label(key)} 的记账凭证，{len(data)} 字节"
        )
