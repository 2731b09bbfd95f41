"""Writing the operation log (操作日志): enough to reconstruct what happened, and who looked.

Services call ``audit_record`` inside their transaction, so a write and its log row commit or
roll back together; a change records the amounts and, for what it changed, the values before
and after (``changes``). Reads that the log must show are recorded here too, each as one row:
reports viewed or downloaded (``record_report_view``) and personal data shown unmasked
(``record_personal_data_view``). Details go to the row's JSON column, compact: plain values,
money in fen, no key whose value did not change. Each row is appended to the log's hash chain
(``audit_chain``), under its lock, held to the end of the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from villagebooks.common.audit_chain import append
from villagebooks.common.models import AuditEntry

REPORT_VIEW = "report_view"
PERSONAL_DATA_VIEW = "personal_data_view"


def audit_record(
    *, actor, action: str, ledger_id: int | None = None, obj: Any = None, **detail: Any
) -> AuditEntry:
    """Append a row to the operation log, at the end of its hash chain (``audit_chain``)."""
    return append(
        actor=actor,
        action=action,
        ledger_id=ledger_id,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "pk", None),
        detail=detail,
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What changed between two snapshots of a record: ``{"before": {...}, "after": {...}}``
    holding only the keys whose values differ (a key missing on one side is absent there).

    A nested dict (a voucher's lines by number) is compared key by key in the same way, so an
    edit of one line of twenty logs that line only.
    """
    old, new = {}, {}
    for key in [*before, *(k for k in after if k not in before)]:
        was, now = before.get(key), after.get(key)
        if isinstance(was, dict) and isinstance(now, dict):
            nested = changes(was, now)
            if nested["before"] or nested["after"]:
                old[key], new[key] = nested["before"], nested["after"]
        elif was != now or (key in before) != (key in after):
            if key in before:
                old[key] = was
            if key in after:
                new[key] = now
    return {"before": old, "after": new}


def record_report_view(
    *,
    actor,
    report: str,
    fmt: str,
    via: str,
    from_period: str,
    to_period: str,
    ledger: Any = None,
    region: Any = None,
    chart: str = "",
    **options: Any,
) -> AuditEntry:
    """Log that ``actor`` viewed or downloaded a report: which (its slug), of what (one ledger, or
    a region's ledgers of one chart), over which months, in which form (``fmt``: page, csv, xlsx,
    pdf, json, table) and through what (``via``: page, api, cli). ``options`` are the report's
    own choices (an account, a breakdown), logged when given. One row, appended to the chain in a
    short transaction of its own when the caller has none: a report only reads.
    """
    detail: dict[str, Any] = {
        "report": report,
        "format": fmt,
        "via": via,
        "from": from_period,
        "to": to_period,
    }
    if region is not None:
        detail |= {"region": region.code, "chart": chart}
    detail |= {name: value for name, value in options.items() if value not in (None, "")}
    obj = ledger if ledger is not None else region
    return append(
        actor=actor,
        action=REPORT_VIEW,
        ledger_id=getattr(ledger, "pk", None),
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "pk", None),
        detail=detail,
        read_only=True,  # a read: its commit need not wait for the disk (``append``)
    )


def record_personal_data_view(
    *,
    actor,
    subject: Any,
    fields: list[str] | tuple[str, ...],
    ledger_id: int | None = None,
    via: str = "page",
) -> AuditEntry:
    """Log that ``actor`` was shown ``fields`` of ``subject`` (a person, a household) unmasked.

    Call it where the unmasked value leaves the server (a page, a file, an API answer), once per
    subject shown; the values themselves are never logged, only which fields were seen.

    Raises:
        ValueError: no fields named, or a subject not saved yet (no id to find it by later).
    """
    if not fields:
        raise ValueError("record_personal_data_view: name the fields shown")
    if getattr(subject, "pk", None) is None:
        raise ValueError("record_personal_data_view: the subject must be a saved record")
    return audit_record(
        actor=actor,
        action=PERSONAL_DATA_VIEW,
        ledger_id=ledger_id,
        obj=subject,
        fields=sorted(set(fields)),
        via=via,
    )
