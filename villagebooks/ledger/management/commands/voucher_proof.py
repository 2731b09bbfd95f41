"""``villagebooks voucher-proof --ledger CODE --voucher YYYY-MM:N [--checkpoint ID] [--output FILE.json]``:
one posted voucher's proof of inclusion (its chain entry, the Merkle path, the signed checkpoint),
which ``python verify_books.py --proof FILE.json`` checks with no database: what a villager or an
auditor needs to be sure that this voucher, exactly as shown, is in the books the checkpoint signed."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.common.errors import DomainError
from villagebooks.ledger import checkpoints
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "生成一张已记账凭证的包含证明（哈希链条目、默克尔路径、签名校验点），可用 verify_books.py --proof 独立核验"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", metavar="CODE", required=True, help="账套编号")
        parser.add_argument(
            "--voucher", metavar="YYYY-MM:N", required=True, help="期间和凭证号，如 2025-03:7"
        )
        parser.add_argument(
            "--checkpoint", metavar="ID", type=int, help="用这个校验点（默认：包含该凭证的最新校验点）"
        )
        parser.add_argument("--output", metavar="FILE.json", help="把证明写入这个文件（默认打印）")

    def handle(self, *args, ledger, voucher, checkpoint=None, output=None, **options):
        actor = self.actor(options)
        period, _, number = voucher.partition(":")
        try:
            year, month = (int(part) for part in period.split("-"))
            number = int(number)
        except ValueError:
            raise CommandError(f"凭证 {voucher} 的写法应为 YYYY-MM:N，如 2025-03:7") from None
        try:
            proof = checkpoints.voucher_proof(
                actor=actor,
                ledger=ledger_by_code(ledger),
                period_key=year * 100 + month,
                number=number,
                checkpoint_id=checkpoint,
            )
        except DomainError as error:
            raise CommandError(str(error.problems[0].message)) from error
        text = json.dumps(proof, ensure_ascii=False, indent=2)
        if output:
            try:
                Path(output).write_text(text + "\n", encoding="utf-8")
            except OSError as error:
                raise CommandError(f"无法写入 {output}：{error}") from error
            self.stdout.write(
                f"证明已写入 {output}：{proof['period']} 记-{proof['number']}，校验点 {proof['tree_size']} 条"
            )
        else:
            self.stdout.write(text)
