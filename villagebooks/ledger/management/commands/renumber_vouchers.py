from villagebooks.ledger import services
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "整理凭证号：把未结账月份的已记账凭证按日期重新编号（记-1 起，连续），记入哈希链和操作日志"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--reason", default="", help="说明（可选）")

    def handle(self, *args, **options):
        key = parse_period(options["period"])
        act = services.vouchers_renumber(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            year=key // 100,
            month=key % 100,
            reason=options["reason"],
        )
        if act is None:
            self.stdout.write(f"期间 {options['period']} 的凭证号已按日期排列，无需整理")
            return
        for line in act.lines.order_by("new_number"):
            self.stdout.write(f"原记-{line.old_number} → 记-{line.new_number}")
        self.stdout.write(
            f"期间 {act.period} 整理凭证号完成：{act.lines.count()} 张凭证改号（哈希链第 {act.chain_sequence} 条）"
        )
