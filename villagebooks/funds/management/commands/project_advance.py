"""``villagebooks project-advance --ledger CODE --project CODE --to STATE [--note TEXT]
[--document FILE …]``: one recorded step of a project's lifecycle (申报 → 审核 → 立项 → 公示 → 实施
→ 验收 → 移交 → 评价), with the papers of the step attached (PDF or images, checked by content)."""

from datetime import date
from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.funds.models import ProjectState
from villagebooks.funds.services import DocumentInput, project_advance
from villagebooks.ledger.management.commands._ledger_arg import ledger_by_code
from villagebooks.regions.commands import ActorCommand


class Command(ActorCommand):
    help = "推进项目流程（" + "、".join(str(label) for _value, label in ProjectState.choices) + "）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--ledger", required=True)
        parser.add_argument("--project", required=True)
        parser.add_argument("--to", required=True, help="目标状态")
        parser.add_argument("--note", default="", help="说明")
        parser.add_argument("--documents", default="", help="附件（文件名或文号）")
        parser.add_argument("--date", default=None, help="日期 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--document",
            action="append",
            type=Path,
            default=[],
            help="附件文件（PDF 或图片，可多次给出）：审核意见、公示照片、验收报告等",
        )

    def handle(self, *args, **options):
        on = None
        if options["date"]:
            try:
                on = date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"日期无效：{options['date']}") from error
        files = []
        for path in options["document"]:
            try:
                files.append(DocumentInput(path.name, path.read_bytes()))
            except OSError as error:
                raise CommandError(f"无法读取 {path}：{error}") from error
        entry = project_advance(
            actor=self.actor(options),
            ledger=ledger_by_code(options["ledger"]),
            code=options["project"],
            to=options["to"],
            note=options["note"],
            documents=options["documents"],
            on=on,
            files=files,
        )
        self.stdout.write(f"项目 {entry.project} 已进入“{entry.get_state_display()}”（{entry.state_since}）")
        if files:
            self.stdout.write(f"附件 {len(files)} 个已保存")
