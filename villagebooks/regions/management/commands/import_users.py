"""``villagebooks import-users FILE.csv``: a county's users and roles at once, all or nothing.

Columns: username,role,region,ledger,full_name,password (password optional), or their Chinese
names; a CSV file (UTF-8 or GBK) or an XLSX workbook, read by ``common.tabular``.
"""

import sys
from pathlib import Path

from django.core.management.base import CommandError

from villagebooks.regions.commands import ActorCommand
from villagebooks.regions.services import users_import

PASSWORDS_IN_FILE = "文件中的密码已生效：请删除该文件，或把它保管在他人无法读取的地方"
NEED_PASSWORDS = (
    "以下用户尚未设置密码，还不能登录；请逐个运行 villagebooks changepassword 用户名：{usernames}"
)


class Command(ActorCommand):
    help = "批量导入用户及其角色（CSV 或 XLSX，列：username,role,region,ledger,full_name,password）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--progress", action="store_true", help="显示进度条（终端中默认显示）")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        result = users_import(
            actor=self.actor(options),
            path=path,
            progress=options["progress"] or sys.stderr.isatty(),
        )
        self.stdout.write(
            f"用户导入完成：新建用户 {len(result.users_created)} 个，授予角色 {result.roles_granted} 个"
        )
        if result.without_password:
            self.stdout.write(NEED_PASSWORDS.format(usernames="、".join(result.without_password)))
        if len(result.without_password) < len(result.users_created):
            self.stdout.write(PASSWORDS_IN_FILE)
