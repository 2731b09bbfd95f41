"""Making, revoking and checking personal API tokens; each write leaves an audit row.

A token belongs to the user who made it and acts with exactly that user's roles: it carries no
permissions of its own, so the scope rules of ``ledger.access`` apply to it unchanged.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from villagebooks.api.models import ApiToken
from villagebooks.common import rawrows
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, NotPermitted

TOKEN_PREFIX = "vbk_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# A token lives a year at most: a forgotten one in a script or a config file stops working by
# itself. Asking for more, or for none, is refused rather than capped, so that nobody believes
# they hold a token that lasts longer than it does.
MAX_DAYS = 365
DEFAULT_DAYS = MAX_DAYS
# Writing last_used_at on every request would turn each read into a write; once a minute is
# exact enough to tell a token in use from a forgotten one.
LAST_USED_RESOLUTION = timedelta(minutes=1)

NAME_REQUIRED = "请填写令牌名称"
NAME_TOO_LONG = "令牌名称不能超过100个字"
BAD_DAYS = f"有效天数应在1到{MAX_DAYS}之间"
NO_EXPIRY = f"令牌必须有有效期，最长{MAX_DAYS}天"
UNKNOWN_TOKEN = "令牌不存在"
NOT_YOUR_TOKEN = "只能吊销自己的令牌"
ALREADY_REVOKED = "该令牌已经吊销"
TOKEN_INVALID = "令牌无效"
TOKEN_EXPIRED = "令牌已过期，请重新生成"
TOKEN_REVOKED = "令牌已被吊销"


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once; only its digest is stored


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def api_token_create(*, actor, name: str, days: int | None = DEFAULT_DAYS) -> NewToken:
    """A new token for ``actor`` itself, valid ``days`` days (1 to ``MAX_DAYS``; None is refused)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(NAME_REQUIRED, field="name")
    if len(name) > 100:
        raise DomainError(NAME_TOO_LONG, field="name")
    if days is None:
        raise DomainError(NO_EXPIRY, field="days")
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(BAD_DAYS, field="days")
    if not actor or not actor.is_authenticated or not actor.is_active:
        raise NotPermitted(TOKEN_INVALID)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=secret[:PREFIX_LENGTH],
            digest=token_digest(secret),
            expires_at=now + timedelta(days=days),
        )
        audit_record(actor=actor, action="api_token_create", obj=token, name=name, prefix=token.prefix)
    return NewToken(token=token, secret=secret)


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner may, and so may a superuser (the operator on the console)."""
    if token.user_id != actor.pk and not actor.is_superuser:
        raise NotPermitted(NOT_YOUR_TOKEN)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise DomainError(ALREADY_REVOKED, field="token")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token_revoke", obj=token, prefix=token.prefix)
    return token


def expires_at(token: ApiToken) -> datetime:
    """When a token stops working: tokens made before the cap without an expiry live a year."""
    return token.expires_at or token.created_at + timedelta(days=MAX_DAYS)


class TokenRejected(Exception):
    """A bearer token that does not authenticate; the message says why, for the caller."""


def _token_with_user(digest: str) -> ApiToken | None:
    """The token of ``digest`` with its user, in one statement written once (``rawrows``): every
    API request runs it, and the ORM's compiling of the join cost more than the query."""
    user_model = get_user_model()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rawrows.columns(ApiToken, 't')}, {rawrows.columns(user_model, 'u')}"
            f" FROM {quote(ApiToken._meta.db_table)} t JOIN {quote(user_model._meta.db_table)} u ON u.id = t.user_id"
            " WHERE t.digest = %s",
            [digest],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    size = rawrows.width(ApiToken)
    token = rawrows.instance(ApiToken, row[:size])
    token.user = rawrows.instance(user_model, row[size:])
    return token


def api_token_user(secret: str, *, now: datetime | None = None):
    """The active user a token acts for, or ``TokenRejected`` saying why not."""
    now = now or timezone.now()
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise TokenRejected(TOKEN_INVALID)
    token = _token_with_user(token_digest(secret))
    if token is None or not token.user.is_active:
        raise TokenRejected(TOKEN_INVALID)
    if token.revoked_at is not None:
        raise TokenRejected(TOKEN_REVOKED)
    if expires_at(token) <= now:
        raise TokenRejected(TOKEN_EXPIRED)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
