"""``villagebooks verify [--ledger CODE] [--checkpoint FILE.json …]``: recompute every stored
balance from the source rows (and every region's roll-up from the balance rows), check every ledger's hash chain against the vouchers, its last
checkpoint and the published checkpoint files given, and walk the operation log's hash chain
(``common.audit_chain``).

Exits with an error naming each figure that disagrees (ledger, account, period, both figures;
for the chain, the voucher and what differs); prints one line of Chinese when everything agrees.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from villagebooks.common.audit_chain import chain_verify
from villagebooks.common.errors import DomainError
from villagebooks.ledger import checkpoints, rollups
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.ledger.models import Ledger
from villagebooks.ledger.verification import ledger_verify

# More than this many lines of discrepancies would bury the first ones, which matter most.
SHOWN = 200


class Command(BaseCommand):
    help = "从已记账分录、期初余额和年结结转重新计算全部科目余额，并与存储的余额核对"

    def add_arguments(self, parser):
        parser.add_argument("--ledger", metavar="CODE", help="只核对这个账套")
        parser.add_argument(
            "--checkpoint",
            metavar="FILE.json",
            action="append",
            default=[],
            help="再与这个已公布的校验点文件核对（可多次给出）",
        )

    def handle(self, *args, ledger=None, checkpoint=(), **options):
        try:
            published = [checkpoints.read_checkpoint_file(path) for path in checkpoint]
        except DomainError as error:
            raise CommandError(str(error.problems[0].message)) from error
        ledgers = Ledger.objects.order_by("code")
        if ledger:
            ledgers = ledgers.filter(pk=ledger_by_code(ledger).pk)
        started = time.monotonic()
        count = balance_rows = lines = vouchers = chained = 0
        found = []
        region_claims = checkpoints.stored_region_claims()  # read once, not once a ledger
        # The bar appears only on a terminal (disable=None), so logs and tests stay clean.
        for item in tqdm(ledgers.iterator(), total=ledgers.count(), unit="账套", disable=None, leave=False):
            report = ledger_verify(ledger=item, published=published, region_claims=region_claims)
            chained += report.chain_entries
            count += 1
            balance_rows += report.balance_rows
            lines += report.lines
            vouchers += report.vouchers
            found.extend(report.discrepancies)
        # The regions' roll-ups against the balance rows (all of them: a region spans ledgers).
        # With --ledger they are left out: a region's rows add up other ledgers too.
        rollup_rows = None
        if not ledger:
            rollup_found, rollup_rows = rollups.discrepancies()
            found.extend(rollup_found)
        # The operation log's hash chain: the whole log (it is one chain), with or without --ledger.
        audit = chain_verify(limit=SHOWN)
        found.extend(audit.discrepancies)
        found.extend(checkpoints.stored_audit_anchor_problems(published))
        elapsed = time.monotonic() - started
        if found:
            shown = [str(d) for d in found[:SHOWN]]
            if len(found) > SHOWN:
                shown.append(f"……另有 {len(found) - SHOWN} 处不符")
            raise CommandError(f"校验未通过，发现 {len(found)} 处不符：\n" + "\n".join(shown))
        self.stdout.write(
            f"校验通过：{count} 个账套，{balance_rows} 行余额、{vouchers} 张已记账凭证（{lines} 条分录）"
            "全部相符，"
            + (f"区域汇总余额 {rollup_rows} 行与各账套余额相符，" if rollup_rows is not None else "")
            + f"凭证哈希链 {chained} 条完整"
            + (f"，与 {len(published)} 个校验点文件相符" if published else "")
            + f"，操作日志 {audit.rows} 条哈希链完整，用时 {elapsed:.2f} 秒"
        )
