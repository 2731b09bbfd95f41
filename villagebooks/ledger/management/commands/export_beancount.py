"""``villagebooks export-beancount --ledger CODE [--output FILE] [--user USERNAME]``: a ledger as a
Beancount v3 file, for an independent check of its balances (``bean-check``, ``bean-query``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.ledger.beancount_export import beancount_export
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "把一个账套导出为 Beancount v3 文件，以便用独立工具复核余额"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", metavar="CODE", required=True, help="账套编号")
        parser.add_argument("--output", metavar="FILE", help="输出文件（默认输出到屏幕）")

    def handle(self, *args, **options):
        actor = self.actor(options)
        code, output = options["ledger"], options["output"]
        if output is None:
            # Every write of the exporter ends a line, so OutputWrapper adds no newline of its own.
            beancount_export(actor=actor, ledger_code=code, out=self.stdout)
            return
        # Written beside the target and renamed, so a failed export leaves no half-written file.
        target = Path(output)
        partial = target.with_name(target.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8", newline="\n") as handle:
                result = beancount_export(actor=actor, ledger_code=code, out=handle)
            partial.replace(target)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror}") from exc
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            f"已导出账套 {result.ledger_code}：{result.accounts} 个科目，{result.vouchers} 张凭证，"
            f"{result.lines} 条分录 → {target}"
        )
