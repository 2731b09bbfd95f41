"""Every write of the resource register (资源台账): land, forest and water parcels from a file,
all or nothing, every bad row named. Whether a parcel is contracted is not stored: it is read
from the contracts in force (``selectors_property.resources_with_state``)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from villagebooks.affairs import errors_property as E
from villagebooks.affairs.access_property import RESOURCES
from villagebooks.affairs.files_property import Cells, read_rows
from villagebooks.affairs.models import Resource, ResourceKind
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.ledger.access import can
from villagebooks.ledger.models import Ledger

RESOURCE_ALIASES = {
    "resource": ("resource", "资源编号"),
    "ledger": ("ledger", "账套"),
    "name": ("name", "名称"),
    "kind": ("kind", "资源类别"),
    "land_use": ("land_use", "用途"),
    "location": ("location", "坐落"),
    "area": ("area", "面积（亩）"),
    "note": ("note", "备注"),
}
RESOURCE_REQUIRED = ("resource", "ledger", "name", "kind", "land_use", "area")


def resources_import(*, actor, path: Path) -> int:
    """Record resources from a CSV or XLSX file (columns ``RESOURCE_ALIASES``); returns how many."""
    rows = read_rows(path, RESOURCE_ALIASES, RESOURCE_REQUIRED)
    problems: list[FieldProblem] = []
    ledgers: dict[str, Ledger | None] = {}
    seen: dict[tuple[str, str], int] = {}
    planned = []
    for row, values in rows:
        cells = Cells(row, values, problems)
        before = len(problems)
        code = cells.text("resource", required=True, limit=32)
        ledger_code = cells.text("ledger", required=True, limit=32)
        name = cells.text("name", required=True, limit=100)
        kind = cells.choice("kind", ResourceKind.choices)
        land_use = cells.text("land_use", required=True, limit=20)
        location = cells.text("location")
        area = cells.decimal("area", required=True)
        note = cells.text("note")
        if area is not None and (
            area <= 0 or area != area.quantize(area.__class__("0.01")) or area >= 10**12
        ):
            cells.bad("area", E.NOT_POSITIVE if area <= 0 else E.BAD_NUMBER.format(text=values["area"]))
        if ledger_code not in ledgers:
            ledger = Ledger.objects.filter(code=ledger_code).first()
            ledgers[ledger_code] = ledger if ledger is not None and can(actor, ledger, RESOURCES) else None
        ledger = ledgers[ledger_code]
        if ledger_code and ledger is None:
            cells.bad("ledger", E.UNKNOWN_LEDGER.format(code=ledger_code))
        key = (ledger_code, code)
        if key in seen:
            cells.bad("resource", E.RESOURCE_DUPLICATE.format(code=code, row=seen[key]))
        seen.setdefault(key, row)
        if ledger is not None and code and Resource.objects.filter(ledger=ledger, code=code).exists():
            cells.bad("resource", E.RESOURCE_EXISTS.format(code=code))
        if len(problems) == before:
            planned.append(
                Resource(
                    ledger=ledger,
                    code=code,
                    name=name,
                    kind=kind,
                    land_use=land_use,
                    location=location,
                    area=area,
                    note=note,
                )  # fmt: skip
            )
    if problems:
        raise DomainError(problems=problems)
    with transaction.atomic():
        Resource.objects.bulk_create(planned)
        for ledger_id in {r.ledger_id for r in planned}:
            audit_record(
                actor=actor,
                action="resources_import",
                ledger_id=ledger_id,
                resources=sum(1 for r in planned if r.ledger_id == ledger_id),
            )
    return len(planned)
