"""The base of every ``villagebooks`` command that changes or reads the books as a user.

It adds ``--user`` (the command acts as the built-in ``system`` operator otherwise) and turns a
``DomainError`` into a clean exit with every problem on its own line (in zh-hans, the language
commands run in).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError

UNKNOWN_USER = _("用户 {username} 不存在")
MAX_PROBLEMS_SHOWN = 200


class ActorCommand(BaseCommand):
    # Django's system checks import every page's module through the URL configuration: about 1.2
    # of the 2.1–2.4 seconds a data command took to start. They run with the server, with
    # `villagebooks check` and in the tests; a command a script calls a thousand times starts
    # without them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--user", dest="username", help="以该用户身份执行（默认：system）")

    def actor(self, options):
        from villagebooks.regions.services import system_user

        username = options.get("username")
        if not username:
            return system_user()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(UNKNOWN_USER.format(username=username))
        return user

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except DomainError as error:
            raise CommandError(problems_text(error)) from error


def problems_text(error: DomainError) -> str:
    lines = [str(p) for p in error.problems[:MAX_PROBLEMS_SHOWN]]
    if len(error.problems) > MAX_PROBLEMS_SHOWN:
        more = len(error.problems) - MAX_PROBLEMS_SHOWN
        lines.append(gettext("……另有 {count} 个问题未列出").format(count=more))
    return "\n".join(lines)
