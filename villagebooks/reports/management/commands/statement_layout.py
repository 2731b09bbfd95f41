"""Export a statement layout as JSON, or load an edited one back (财会〔2024〕12号 user-defined formats)."""

import json
from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.regions.commands import ActorCommand
from villagebooks.reports.models import StatementKind, StatementLayout
from villagebooks.reports.statements import (
    NO_LAYOUT,
    layout_to_data,
    specs_from_data,
    statement_layout_save,
)

BAD_FILE = "无法读取 {path}：{error}"


class Command(ActorCommand):
    help = "导出或导入报表格式（JSON）：资产负债表 balance_sheet、收益及收益分配表 income"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("--chart", default="2023", choices=["2023", "2004"])
        parser.add_argument("--kind", required=True, choices=StatementKind.values)
        parser.add_argument("--file", type=Path, help="导出写入 / 导入读取的文件（导出默认输出到屏幕）")

    def handle(self, *args, **options):
        chart, kind, path = options["chart"], options["kind"], options["file"]
        if options["action"] == "export":
            layout = StatementLayout.objects.filter(chart=chart, kind=kind).first()
            if layout is None:
                raise CommandError(NO_LAYOUT.format(chart=chart, statement=StatementKind(kind).label))
            text = json.dumps(layout_to_data(layout), ensure_ascii=False, indent=2) + "\n"
            if path:
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"已写入 {path}")
            else:
                self.stdout.write(text, ending="")
            return
        if path is None:
            raise CommandError("导入需要 --file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            title, lines, check = specs_from_data(data)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(BAD_FILE.format(path=path, error=error)) from error
        statement_layout_save(
            actor=self.actor(options), chart=chart, kind=kind, title=title, lines=lines, check=check
        )
        self.stdout.write(f"已导入 {StatementKind(kind).label}格式（{chart}），共 {len(lines)} 行")
