"""``villagebooks create-token --user USERNAME --name NAME``: a personal API token, shown once."""

from django.core.management.base import CommandError

from villagebooks.api.services import DEFAULT_DAYS, MAX_DAYS, api_token_create
from villagebooks.regions.commands import ActorCommand

USER_REQUIRED = "请用 --user 指定令牌属于哪个用户"


class Command(ActorCommand):
    help = "为用户生成个人 API 令牌（令牌只显示这一次）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--name", required=True, help="令牌名称，如“记账软件对接”")
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"有效天数（1到{MAX_DAYS}，默认{DEFAULT_DAYS}）"
        )
        # Kept so that old scripts get the reason, not argparse's "unrecognized arguments".
        parser.add_argument("--no-expiry", action="store_true", help=f"（已停用：令牌最长有效{MAX_DAYS}天）")

    def handle(self, *args, **options):
        if not options.get("username"):
            raise CommandError(USER_REQUIRED)
        user = self.actor(options)
        days = None if options["no_expiry"] else options["days"]
        created = api_token_create(actor=user, name=options["name"], days=days)
        expires = f"{created.token.expires_at:%Y-%m-%d %H:%M}"
        self.stdout.write(f"已为 {user.username} 生成令牌“{created.token.name}”（有效期至 {expires}）。")
        self.stdout.write("令牌只显示这一次，请立即保存：")
        self.stdout.write(created.secret)
