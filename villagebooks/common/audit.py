"""Writing the operation log. Services call ``audit_record`` inside their transaction, so a
write and its log row commit or roll back together."""

from __future__ import annotations

from typing import Any

from villagebooks.common.models import AuditEntry


def audit_record(
    *, actor, action: str, ledger_id: int | None = None, obj: Any = None, **detail: Any
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        ledger_id=ledger_id,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "pk", None),
        detail=detail,
    )
