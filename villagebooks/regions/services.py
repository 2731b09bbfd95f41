"""Writes to the region tree and to users' roles."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.regions.models import KIND_DEPTH, Region, RegionKind, Role, RoleAssignment

REGION_COLUMNS = ["code", "name", "parent_code", "kind"]
BAD_CODE = "区划代码必须是12位数字"
BAD_KIND = "级别必须是 province、city、county、township、village 之一（或 省、市、县、乡镇、村）"
UNKNOWN_PARENT = "上级区划 {code} 不存在"
PARENT_KIND = "上级区划的级别应高于本级"
DUPLICATE_CODE = "区划代码 {code} 在文件中重复"
MOVED_REGION = "区划 {code} 已存在且上级或级别不同，不能移动"
MISSING_COLUMNS = "缺少列：{columns}"
KIND_ALIASES = {label: value for value, label in RegionKind.choices} | {
    "县": "county",
    "区": "county",
    "镇": "township",
    "乡": "township",
}


@dataclass(frozen=True)
class RegionImportResult:
    created: int
    updated: int


def regions_import_csv(*, actor, text: str) -> RegionImportResult:
    """Create or rename regions from CSV text (columns code,name,parent_code,kind); all or nothing."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REGION_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DomainError(MISSING_COLUMNS.format(columns=", ".join(missing)), field="header")
    rows: dict[str, dict] = {}
    problems = []
    for number, row in enumerate(reader, start=2):
        code = (row["code"] or "").strip()
        kind = KIND_ALIASES.get((row["kind"] or "").strip(), (row["kind"] or "").strip())
        name = (row["name"] or "").strip()
        parent_code = (row["parent_code"] or "").strip()
        if not (len(code) == 12 and code.isdigit()):
            problems.append(FieldProblem("code", BAD_CODE, number))
        if kind not in RegionKind.values:
            problems.append(FieldProblem("kind", BAD_KIND, number))
        if not name:
            problems.append(FieldProblem("name", "名称不能为空", number))
        if parent_code and not (len(parent_code) == 12 and parent_code.isdigit()):
            problems.append(FieldProblem("parent_code", BAD_CODE, number))
        if code in rows:
            problems.append(FieldProblem("code", DUPLICATE_CODE.format(code=code), number))
        rows[code] = {"code": code, "name": name, "parent_code": parent_code, "kind": kind, "row": number}
    if problems:
        raise DomainError(problems=problems)

    with transaction.atomic():
        existing = {r.code: r for r in Region.objects.filter(code__in=list(rows))}
        known_parents = {
            r.code: r
            for r in Region.objects.filter(
                code__in=[r["parent_code"] for r in rows.values() if r["parent_code"]]
            )
        }
        created = updated = 0
        for row in sorted(rows.values(), key=lambda r: KIND_DEPTH[r["kind"]]):
            parent = None
            if row["parent_code"]:
                parent = known_parents.get(row["parent_code"])
                if parent is None:
                    problems.append(
                        FieldProblem(
                            "parent_code", UNKNOWN_PARENT.format(code=row["parent_code"]), row["row"]
                        )
                    )
                    continue
                if KIND_DEPTH[parent.kind] >= KIND_DEPTH[row["kind"]]:
                    problems.append(FieldProblem("parent_code", PARENT_KIND, row["row"]))
                    continue
            region = existing.get(row["code"])
            if region is not None:
                if region.parent_id != (parent.pk if parent else None) or region.kind != row["kind"]:
                    problems.append(FieldProblem("code", MOVED_REGION.format(code=row["code"]), row["row"]))
                    continue
                if region.name != row["name"]:
                    region.name = row["name"]
                    region.save(update_fields=["name", "updated_at"])
                    updated += 1
            else:
                region = Region.objects.create(
                    code=row["code"],
                    name=row["name"],
                    kind=row["kind"],
                    parent=parent,
                    path=(parent.path if parent else "") + row["code"] + "/",
                )
                created += 1
            known_parents[region.code] = region
        if problems:
            raise DomainError(problems=problems)
        audit_record(actor=actor, action="regions_import", created=created, updated=updated)
    return RegionImportResult(created=created, updated=updated)


def role_grant(*, actor, user, role: str, region: Region, ledger_id: int | None = None) -> RoleAssignment:
    """Give ``user`` a role over ``region`` (or one ledger in it); granting twice is harmless."""
    if role not in Role.values:
        raise DomainError("未知角色：" + role, field="role")
    with transaction.atomic():
        assignment, _ = RoleAssignment.objects.get_or_create(
            user=user, role=role, region=region, ledger_id=ledger_id
        )
        audit_record(
            actor=actor,
            action="role_grant",
            obj=assignment,
            user=user.username,
            role=role,
            region=region.code,
        )
    return assignment


def system_user():
    """The account the command line acts as when no ``--user`` is given: the machine's operator."""
    user, created = get_user_model().objects.get_or_create(
        username="system", defaults={"is_superuser": True, "is_staff": True, "first_name": "系统"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user
