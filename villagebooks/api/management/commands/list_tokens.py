"""``villagebooks list-tokens [--user USERNAME]``: tokens by prefix, never the secrets."""

from villagebooks.api.models import ApiToken
from villagebooks.api.services import expires_at
from villagebooks.regions.commands import ActorCommand


def _time(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


class Command(ActorCommand):
    help = "列出个人 API 令牌（前缀、名称、最近使用、到期、吊销）"

    def handle(self, *args, **options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at", "-id")
        if options.get("username"):
            tokens = tokens.filter(user=self.actor(options))
        for t in tokens:
            self.stdout.write(
                f"{t.prefix}  {t.user.username}  {t.name}  创建 {_time(t.created_at)}  "
                f"最近使用 {_time(t.last_used_at)}  到期 {_time(expires_at(t))}  吊销 {_time(t.revoked_at)}"
            )
