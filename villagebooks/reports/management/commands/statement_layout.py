"""Export a statement layout as JSON, load an edited one back, or drop a county's override
(财会〔2024〕12号 user-defined formats).

Without ``--region`` the command works on the platform's layout, which only a system
administrator may change; with ``--region CODE`` (a county) on that county's override, which its
ledgers use instead. ``export --region`` writes the layout in force there (the platform's while
the county has none), so that it can be edited and imported as the county's own.
"""

import json
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from villagebooks.regions.commands import ActorCommand
from villagebooks.regions.models import Region
from villagebooks.reports.models import StatementKind
from villagebooks.reports.statements import (
    layout_in_force,
    layout_to_data,
    specs_from_data,
    statement_layout_override_drop,
    statement_layout_save,
)

BAD_FILE = _("无法读取 {path}：{error}")
UNKNOWN_REGION = _("区划 {code} 不存在")
FILE_REQUIRED = _("导入需要 --file")
REGION_REQUIRED = _("删除只针对县(区)的自定义格式，需要 --region")
PLATFORM_LAYOUT_EXPORTED = _("“{region}”没有自定义格式，导出的是平台格式")


class Command(ActorCommand):
    help = "导出、导入报表格式（JSON）或删除县(区)的自定义格式：资产负债表 balance_sheet、收益及收益分配表 income"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("action", choices=["export", "import", "drop"])
        parser.add_argument("--chart", default="2023", choices=["2023", "2004"])
        parser.add_argument("--kind", required=True, choices=StatementKind.values)
        parser.add_argument("--region", help="县(区)的区划代码：该县自定义的格式（不填为平台格式）")
        parser.add_argument("--file", type=Path, help="导出写入 / 导入读取的文件（导出默认输出到屏幕）")

    def handle(self, *args, **options):
        chart, kind, path = options["chart"], options["kind"], options["file"]
        region = None
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(UNKNOWN_REGION.format(code=options["region"]))
        statement = StatementKind(kind).label
        if options["action"] == "export":
            layout = layout_in_force(chart=chart, kind=kind, region=region)
            if region is not None and layout.region_id is None:
                self.stderr.write(str(PLATFORM_LAYOUT_EXPORTED.format(region=region.name)))
            text = json.dumps(layout_to_data(layout), ensure_ascii=False, indent=2) + "\n"
            if path:
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"已写入 {path}")
            else:
                self.stdout.write(text, ending="")
            return
        actor = self.actor(options)
        if options["action"] == "drop":
            if region is None:
                raise CommandError(REGION_REQUIRED)
            statement_layout_override_drop(actor=actor, chart=chart, kind=kind, region=region)
            self.stdout.write(f"已删除“{region.name}”自定义的{statement}格式（{chart}），改用平台格式")
            return
        if path is None:
            raise CommandError(FILE_REQUIRED)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            title, lines, check = specs_from_data(data)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(BAD_FILE.format(path=path, error=error)) from error
        statement_layout_save(
            actor=actor, chart=chart, kind=kind, title=title, lines=lines, check=check, region=region
        )
        place = f"“{region.name}”自定义的" if region else "平台的"
        self.stdout.write(f"已导入{place}{statement}格式（{chart}），共 {len(lines)} 行")
