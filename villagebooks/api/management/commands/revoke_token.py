"""``villagebooks revoke-token --prefix vbk_XXXXXXXX``: a token stops working at once."""

from django.core.management.base import CommandError

from villagebooks.api.models import ApiToken
from villagebooks.api.services import api_token_revoke
from villagebooks.regions.commands import ActorCommand

UNKNOWN_PREFIX = "没有前缀为 {prefix} 的有效令牌"
AMBIGUOUS_PREFIX = "前缀 {prefix} 对应多个令牌，请用 --user 指定用户"


class Command(ActorCommand):
    help = "吊销个人 API 令牌（按 list-tokens 显示的前缀）"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--prefix", required=True, help="令牌前缀，如 vbk_AbCd1234")

    def handle(self, *args, **options):
        actor = self.actor(options)
        tokens = ApiToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True)
        if options.get("username"):
            tokens = tokens.filter(user=actor)
        found = list(tokens[:2])
        if not found:
            raise CommandError(UNKNOWN_PREFIX.format(prefix=options["prefix"]))
        if len(found) > 1:
            raise CommandError(AMBIGUOUS_PREFIX.format(prefix=options["prefix"]))
        token = api_token_revoke(actor=actor, token=found[0])
        self.stdout.write(f"已吊销令牌“{token.name}”（{token.prefix}…）")
