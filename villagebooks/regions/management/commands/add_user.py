"""``villagebooks add-user USERNAME --role ROLE (--region CODE | --ledger CODE) [--password-stdin]``.

Run it again with another role or place to give the same user one more role. Without
``--password-stdin`` the user is created with no usable password and the command says how to
set one: a password printed on a terminal would stay in its scrollback and in shell logs.
"""

import sys

from django.core.management.base import CommandError

from villagebooks.regions.commands import ActorCommand
from villagebooks.regions.models import Role
from villagebooks.regions.services import PASSWORD_EMPTY, user_add

NO_PASSWORD_READ = "password: 未从标准输入读到密码"
NEEDS_PASSWORD = "用户 {username} 尚未设置密码，还不能登录；请运行：villagebooks changepassword {username}"


class Command(ActorCommand):
    # Tests hand the password in through call_command(stdin=...), as createsuperuser's do.
    stealth_options = ("stdin",)
    help = "新建用户并授予角色，或为已有用户增加一个角色（账套角色用 --ledger，其余用 --region）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("new_username", metavar="USERNAME", help="用户名")
        parser.add_argument("--role", required=True, help="角色：" + "、".join(Role.values))
        place = parser.add_mutually_exclusive_group(required=True)
        place.add_argument("--region", help="行政区划代码（12位）")
        place.add_argument("--ledger", help="账套编号（该账套所属的村即为授权范围）")
        parser.add_argument("--full-name", default="", help="姓名（仅在新建用户时使用）")
        parser.add_argument(
            "--password-stdin", action="store_true", help="从标准输入读取一行作为密码（仅在新建用户时使用）"
        )

    def handle(self, *args, **options):
        password = None
        if options["password_stdin"]:
            stdin = options.get("stdin") or sys.stdin
            line = stdin.readline()
            if not line:
                raise CommandError(NO_PASSWORD_READ)
            password = line.rstrip("\r\n")
            if not password:
                raise CommandError("password: " + PASSWORD_EMPTY)
        added = user_add(
            actor=self.actor(options),
            username=options["new_username"],
            role=options["role"],
            region_code=options["region"],
            ledger_code=options["ledger"],
            password=password,
            full_name=options["full_name"],
        )
        role = Role(added.assignment.role).label
        verb = "已新建用户" if added.created else "已为用户"
        self.stdout.write(f"{verb} {added.user.username}：授予“{role}”角色，范围：{added.place}")
        if added.needs_password:
            self.stdout.write(NEEDS_PASSWORD.format(username=added.user.username))
