"""``villagebooks checkpoint --ledger CODE | --region CODE [--output FILE.json]``: sign the books
as they stand now (a ledger's hash chain, or every ledger of a region under one root) and write
the checkpoint to publish; prints its short form (what the month's printed reports carry)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.ledger import checkpoints
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand
from villagebooks.regions.models import Region


class Command(ActorCommand):
    help = "为账套（或地区下全部账套）的哈希链生成签名校验点"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--ledger", metavar="CODE", help="账套编号")
        which.add_argument("--region", metavar="CODE", help="地区代码（乡镇、县……）")
        parser.add_argument("--output", metavar="FILE.json", help="把校验点写入这个文件")

    def handle(self, *args, ledger=None, region=None, output=None, **options):
        actor = self.actor(options)
        if ledger:
            checkpoint = checkpoints.ledger_checkpoint(actor=actor, ledger=ledger_by_code(ledger))
        else:
            place = Region.objects.filter(code=region).first()
            if place is None:
                raise CommandError(f"地区 {region} 不存在")
            checkpoint = checkpoints.region_checkpoint(actor=actor, region=place)
        text = checkpoints.checkpoint_file_text(checkpoint)
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as error:
                raise CommandError(f"无法写入 {output}：{error}") from error
        self.stdout.write(f"校验点：{checkpoints.short_form(checkpoint)}")
