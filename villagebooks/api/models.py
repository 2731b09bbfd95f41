"""Personal API tokens (个人访问令牌): a program acts as the user who made the token.

Only the SHA-256 digest of a token is stored, so a copy of the database gives no usable
token; the secret is shown once, when it is made. The prefix (the first characters of the
secret) is kept in clear so that a user can tell their tokens apart in a list. A token stops
working when it expires or is revoked; rows are kept for the record.
"""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=100)
    prefix = models.CharField("前缀", max_length=16)
    # SHA-256 of a 256-bit random secret: a slow password hash buys nothing against a secret
    # that cannot be guessed, and the unique index makes the lookup one indexed query.
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        ordering = ["user_id", "-created_at", "-id"]
        verbose_name = "API 令牌"
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="api_token_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(models.Model):
    """The answer to a POST that carried an ``Idempotency-Key``, so that a retry gets it again.

    Written in the same transaction as what the request created (a draft voucher), so a crash
    leaves both or neither; a second request with the same key waits on the unique constraint and
    then reads the first's answer. Keys belong to a user (two users may pick the same key) and are
    forgotten ``IDEMPOTENCY_HOURS`` after their first use (``villagebooks/api/idempotency.py``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the request (method, path, body as parsed): the same key with another request is refused.
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["user_id", "-created_at", "-id"]
        verbose_name = "幂等键"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_once_per_user"),
            models.CheckConstraint(condition=~models.Q(key=""), name="api_idempotency_key_not_empty"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="api_idempotency_expiry")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
