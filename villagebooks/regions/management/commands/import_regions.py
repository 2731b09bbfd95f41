from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.common.textfiles import read_text
from villagebooks.regions.commands import ActorCommand
from villagebooks.regions.services import regions_import_csv


class Command(ActorCommand):
    help = "导入行政区划（CSV 列：code,name,parent_code,kind）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        result = regions_import_csv(actor=self.actor(options), text=read_text(path))
        self.stdout.write(f"行政区划导入完成：新增 {result.created} 个，更名 {result.updated} 个")
