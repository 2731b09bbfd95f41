"""``villagebooks recurring --ledger CODE --period YYYY-MM``: the month's recurring drafts (定期凭证)."""

from villagebooks.ledger import entry_helpers
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "按定期凭证定义生成某月的草稿凭证（每个定义每月只生成一次，重复运行不会重复生成）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True, help="账套编号")
        parser.add_argument("--period", required=True, help="YYYY-MM")

    def handle(self, *args, **options):
        key = parse_period(options["period"])
        result = entry_helpers.recurring_generate(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            year=key // 100,
            month=key % 100,
        )
        for entry, voucher in result.made:
            self.stdout.write(f"已生成：{entry.name} {voucher.date} 草稿 {voucher.draft_no}")
        for entry in result.done_before:
            self.stdout.write(f"本月已生成过，跳过：{entry.name}")
        self.stdout.write(
            f"{options['period']} 定期凭证：新生成 {len(result.made)} 张，跳过 {len(result.done_before)} 个"
        )
