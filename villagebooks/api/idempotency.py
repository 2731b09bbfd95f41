"""Exactly-once POSTs: a request that carries an ``Idempotency-Key`` header is carried out once.

A program that sends a voucher and loses the answer (a timeout, a dropped connection) sends it
again with the same key, and gets the first answer — the same voucher, the same status — while
nothing new is made. The key's row is written in the same transaction as the work, so either
both exist or neither: a failed or interrupted request leaves no key behind, and its retry runs
afresh. Two requests with one key at the same moment meet at the unique constraint: the second
waits for the first to commit, fails to insert, rolls its own work back and answers with the
first's response.

Keys belong to a user (two users' keys never meet), are bound to the request they came with (the
same key with another body or another ledger is refused with 409), and are kept for
``IDEMPOTENCY_HOURS`` hours; after that the key may be used again. Only successful answers are
kept: a refused request made nothing, so its retry may as well run again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from villagebooks.api.errors import CONFLICT, ApiError
from villagebooks.api.fields import BAD_IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_PATTERN
from villagebooks.api.models import IdempotencyKey
from villagebooks.common.errors import DomainError, FieldProblem

HEADER = "Idempotency-Key"
IDEMPOTENCY_HOURS = 24
KEY_PATTERN = IDEMPOTENCY_KEY_PATTERN
_KEY = re.compile(KEY_PATTERN)
BAD_KEY = BAD_IDEMPOTENCY_KEY
KEY_REUSED = f"这个 {HEADER} 已用于另一个请求（内容或地址不同）；重试请发送完全相同的请求，新请求请换一个键"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    replayed: bool  # True: the answer of an earlier request with the same key


def request_digest(*, method: str, path: str, body: Any) -> str:
    """SHA-256 of the request as parsed: key order and spacing of the JSON do not count."""
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_key(key: str) -> None:
    if not _KEY.fullmatch(key):
        raise DomainError(BAD_KEY, field=HEADER)


def run_once(*, actor, key: str, digest: str, action: Callable[[], tuple[int, Any]]) -> Outcome:
    """Run ``action`` (which returns status and JSON body) once for ``actor``'s ``key``.

    Raises:
        DomainError: a malformed key (422).
        ApiError: the key was used before for another request (409).
    """
    check_key(key)
    earlier = _earlier(actor, key, digest)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            now = timezone.now()
            # An expired key of this user may be used again; expired keys of the user go at the same time.
            IdempotencyKey.objects.filter(user=actor, expires_at__lte=now).delete()
            # On SQLite the transaction began by taking the write lock, after any other request
            # with this key committed: its row is visible now, and nothing need be done twice.
            earlier = _earlier(actor, key, digest)
            if earlier is not None:
                return earlier
            status, body = action()
            IdempotencyKey.objects.create(
                user=actor,
                key=key,
                request_digest=digest,
                status_code=status,
                response=body,
                expires_at=now + timedelta(hours=IDEMPOTENCY_HOURS),
            )
    except IntegrityError:
        # Another request with this key committed first: our work is rolled back with the
        # failed insert; its answer is the answer.
        earlier = _earlier(actor, key, digest)
        if earlier is None:
            raise
        return earlier
    return Outcome(status=status, body=body, replayed=False)


def _earlier(actor, key: str, digest: str) -> Outcome | None:
    row = IdempotencyKey.objects.filter(user=actor, key=key, expires_at__gt=timezone.now()).first()
    if row is None:
        return None
    if row.request_digest != digest:
        raise ApiError(409, CONFLICT, KEY_REUSED, [FieldProblem(field=HEADER, message=KEY_REUSED)])
    return Outcome(status=row.status_code, body=row.response, replayed=True)
