"""The member register (成员名册): who is a member of the collective, since when and on what basis
(原始取得、法定取得、申请加入), and when and why membership ended — only for the reasons the law
gives (death, membership of another collective, becoming a civil servant, loss of nationality,
written withdrawal). Leaving to study, serve, work or trade elsewhere, divorce, widowhood or
prison ends nothing, and is refused with the law's words.

``import-members FILE`` (CSV or XLSX, Chinese headers accepted, all or nothing): one row per
membership; a person already a member on the same date and basis is unchanged unless the row
ends the membership. Persons come from the household registry (by ID number).

The small file-reading helpers here (``read_rows``, ``parse_date``, …) serve the shares and
decisions imports too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from villagebooks.affairs import access
from villagebooks.affairs import errors as E
from villagebooks.affairs.models import Membership
from villagebooks.affairs.terms import terms
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.common.tabular import Aliases, picker, table_open
from villagebooks.regions.models import Region
from villagebooks.registry.households import member_flags_set
from villagebooks.registry.households import parse_date as _registry_date
from villagebooks.registry.models import Person

MEMBER_COLUMNS = (
    "village",
    "id_number",
    "name",
    "since",
    "basis",
    "basis_note",
    "ended_on",
    "end_reason",
    "end_note",
)
MEMBER_REQUIRED = ("village", "id_number", "name", "since", "basis")
MEMBER_ALIASES: Aliases = {
    "village": ("village", "村", "村代码", "所属村"),
    "id_number": ("id_number", "身份证号", "身份证号码"),
    "name": ("name", "姓名"),
    "since": ("since", "取得日期", "成员身份取得日期"),
    "basis": ("basis", "取得方式", "成员身份取得方式"),
    "basis_note": ("basis_note", "取得依据"),
    "ended_on": ("ended_on", "丧失日期", "终止日期"),
    "end_reason": ("end_reason", "丧失原因", "终止原因"),
    "end_note": ("end_note", "丧失说明", "终止说明"),
}
NOTE_LIMIT = 200


@dataclass
class ImportResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reading files (shared by the members, shares and decisions imports)


def read_rows(path: Path, aliases: Aliases, columns: tuple, required: tuple) -> list[tuple[int, dict]]:
    """Every data row of ``path`` as (row number, {column: text}); a header or file problem raises."""
    rows: list[tuple[int, dict]] = []
    problems: list[FieldProblem] = []
    with table_open(Path(path), aliases, required=required) as table:
        if table.unknown:
            raise DomainError(
                problems=[
                    FieldProblem("header", E.UNKNOWN_COLUMNS.format(columns=", ".join(table.unknown)), 1)
                ]
            )
        pick = picker(table.columns, columns)
        for number, cells in table.rows:
            if any(cell not in (None, "") for cell in cells[table.width :]):
                problems.append(FieldProblem("", E.EXTRA_CELLS, number))
                continue
            values = pick(cells)
            if not any(values):
                continue
            rows.append((number, dict(zip(columns, values, strict=True))))
    if problems:
        raise DomainError(problems=problems)
    if not rows:
        raise DomainError(problems=[FieldProblem("file", E.NO_ROWS)])
    return rows


def parse_date(text: str) -> date | None:
    return _registry_date(text)


def parse_shares(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -4 or abs(value) >= Decimal("1e10"):
        return None
    return value


def parse_count(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 10 else None


def villages_by_code(codes) -> dict[str, Region]:
    return {r.code: r for r in Region.objects.filter(kind="village", code__in=set(codes))}


def village_checked(user, action, code: str, villages: dict, allowed: dict, bad) -> Region | None:
    """The village of a row, or None after naming the problem (unknown, or not the user's)."""
    if not code:
        bad("village", E.REQUIRED)
        return None
    village = villages.get(code)
    if village is None:
        bad("village", E.UNKNOWN_VILLAGE.format(code=code))
        return None
    if code not in allowed:
        allowed[code] = access.covers(user, action, village)
    if not allowed[code]:
        bad("village", E.FORBIDDEN_VILLAGE.format(village=village.name))
        return None
    return village


def choice_key(text: str, choices: dict[str, str]) -> str | None:
    """The key of a choice written as its key or its label (or the label's start, as 死亡)."""
    if text in choices:
        return text
    for key, label in choices.items():
        if text == label or (text and label.startswith(text) and len(text) >= 2):
            return key
    return None


# ---------------------------------------------------------------------------------------------
# Memberships


def member_on(person_id: int, on: date) -> Membership | None:
    return (
        Membership.objects.filter(person_id=person_id, since__lte=on)
        .exclude(ended_on__lte=on)
        .order_by("-since")
        .first()
    )


def members_on(village: Region, on: date):
    return Membership.objects.filter(village=village, since__lte=on).exclude(ended_on__lte=on)


def member_flags_sync(*, actor, person_ids, entry_id: int | None = None) -> list[int]:
    """The registry's ``Person.is_member`` of these persons set from the register: a member today
    (a membership begun and not ended) or not. Returns the ids whose flag changed."""
    today = timezone.localdate()
    ids = set(person_ids)
    current = set(
        Membership.objects.filter(person_id__in=ids, since__lte=today)
        .exclude(ended_on__lte=today)
        .values_list("person_id", flat=True)
    )
    return member_flags_set(actor=actor, flags={pk: pk in current for pk in ids}, entry_id=entry_id)


def end_reason_key(text: str) -> tuple[str | None, str | None]:
    """(key, None) for a lawful end reason, else (None, the message saying why not)."""
    t = terms()
    choices = "、".join(t.end_reasons.values())
    key = choice_key(text, t.end_reasons)
    if key:
        return key, None
    if any(word in text for word in t.refused_end_reasons):
        return None, str(E.UNLAWFUL_END.format(value=text, choices=choices))
    return None, str(E.UNKNOWN_END.format(value=text, choices=choices))


def members_import(*, actor, path: Path) -> ImportResult:
    """Import memberships from ``path`` (``MEMBER_COLUMNS`` or their Chinese names), all or nothing.

    Raises:
        DomainError: every problem of every row, with row and column; nothing is written.
    """
    t = terms()
    today = timezone.localdate()
    rows = read_rows(path, MEMBER_ALIASES, MEMBER_COLUMNS, MEMBER_REQUIRED)
    problems: list[FieldProblem] = []
    villages = villages_by_code(v["village"] for _, v in rows)
    persons = {
        p.id_number: p
        for p in Person.objects.filter(
            id_number__in={v["id_number"].upper() for _, v in rows}
        ).select_related("household")
    }
    history: dict[int, list[Membership]] = {}
    for m in Membership.objects.filter(person__in=persons.values()).order_by("since"):
        history.setdefault(m.person_id, []).append(m)
    open_now = {pid: m for pid, rows_ in history.items() for m in rows_ if m.ended_on is None}
    allowed: dict[str, bool] = {}
    seen: dict[str, int] = {}
    plan: list[tuple[str, object, dict]] = []
    for number, v in rows:

        def bad(column, message, number=number):
            problems.append(FieldProblem(column, str(message), number))

        village = village_checked(actor, access.MEMBERS_EDIT, v["village"], villages, allowed, bad)
        id_number = v["id_number"].upper()
        for column in MEMBER_REQUIRED:
            if not v[column] and column != "village":
                bad(column, E.REQUIRED)
        for column in ("basis_note", "end_note"):
            if len(v[column]) > NOTE_LIMIT:
                bad(column, E.TOO_LONG.format(limit=NOTE_LIMIT))
        if id_number in seen:
            bad("id_number", E.DUPLICATE_ROW.format(row=seen[id_number]))
        seen.setdefault(id_number, number)
        person = persons.get(id_number)
        if id_number and (person is None or (village and person.village_id != village.pk)):
            bad("id_number", E.UNKNOWN_PERSON.format(id=id_number))
            person = None
        if person and v["name"] and v["name"] != person.name:
            bad("name", E.NAME_MISMATCH.format(name=person.name))
        since = parse_date(v["since"]) if v["since"] else None
        if v["since"] and since is None:
            bad("since", E.BAD_DATE.format(value=v["since"]))
        elif since and since > today:
            bad("since", E.DATE_IN_FUTURE)
        basis = choice_key(v["basis"], t.bases) if v["basis"] else None
        if v["basis"] and basis is None:
            bad("basis", E.UNKNOWN_BASIS.format(value=v["basis"], choices="、".join(t.bases.values())))
        ended_on = parse_date(v["ended_on"]) if v["ended_on"] else None
        if v["ended_on"] and ended_on is None:
            bad("ended_on", E.BAD_DATE.format(value=v["ended_on"]))
        elif ended_on and ended_on > today:
            bad("ended_on", E.DATE_IN_FUTURE)
        elif ended_on and since and ended_on < since:
            bad("ended_on", E.END_BEFORE_SINCE)
        reason = None
        if v["end_reason"]:
            reason, why = end_reason_key(v["end_reason"])
            if why:
                bad("end_reason", why)
            if not v["ended_on"]:
                bad("ended_on", E.END_DATE_REQUIRED)
        elif v["ended_on"]:
            bad("end_reason", E.END_REASON_REQUIRED)
        if reason == "death" and person and person.alive:
            bad("end_reason", E.DEATH_NOT_DEAD)
        if not (person and village and since and basis) or (v["end_reason"] and not reason):
            continue
        current = open_now.get(person.pk)
        values = {
            "since": since,
            "basis": basis,
            "basis_note": v["basis_note"],
            "ended_on": ended_on,
            "end_reason": reason or "",
            "end_note": v["end_note"],
        }
        if current is None:
            ended = next((m for m in history.get(person.pk, []) if m.since == since), None)
            if ended is not None:
                if ended.ended_on != ended_on:
                    bad("ended_on", E.ALREADY_ENDED.format(date=ended.ended_on))
                else:
                    plan.append(("same", ended, values))
                continue
            later = next((m for m in history.get(person.pk, []) if m.ended_on and m.ended_on > since), None)
            if later is not None:
                bad("since", E.ALREADY_ENDED.format(date=later.ended_on))
                continue
            plan.append(("create", (village, person), values))
        elif current.since != since or current.basis != basis:
            bad("since", E.ALREADY_MEMBER.format(since=current.since))
        elif ended_on:
            plan.append(("end", current, values))
        else:
            plan.append(("same", current, values))
    if problems:
        raise DomainError(problems=problems)
    result = ImportResult()
    try:
        with transaction.atomic():
            created = []
            for kind, target, values in plan:
                if kind == "create":
                    village, person = target
                    created.append(
                        Membership(
                            village=village,
                            person=person,
                            household=person.household,
                            recorded_by=actor,
                            **values,
                        )
                    )
                elif kind == "end":
                    target.ended_on, target.end_reason, target.end_note = (
                        values["ended_on"],
                        values["end_reason"],
                        values["end_note"],
                    )
                    target.save(update_fields=["ended_on", "end_reason", "end_note"])
                    result.changed += 1
                else:
                    result.unchanged += 1
            Membership.objects.bulk_create(created)
            result.created = len(created)
            entry = audit_record(
                actor=actor,
                action="affairs_import_members",
                rows=len(rows),
                created=result.created,
                ended=result.changed,
            )
            member_flags_sync(
                actor=actor,
                person_ids={person.pk for person in persons.values()},
                entry_id=entry.pk,
            )
    except IntegrityError as error:
        raise Conflict(E.CONCURRENT_CHANGE, field="file") from error
    return result


def membership_end(
    *, actor, membership: Membership, ended_on: date, reason: str, note: str = ""
) -> Membership:
    """End one membership (from a page or the API) for a lawful reason."""
    access.require_village(actor, access.MEMBERS_EDIT, membership.village)
    key, why = end_reason_key(reason)
    if why:
        raise DomainError(why, field="end_reason")
    if ended_on > timezone.localdate():
        raise DomainError(E.DATE_IN_FUTURE, field="ended_on")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.ended_on:
            raise Conflict(E.ALREADY_ENDED.format(date=locked.ended_on), field="ended_on")
        if ended_on < locked.since:
            raise DomainError(E.END_BEFORE_SINCE, field="ended_on")
        if key == "death" and locked.person.alive:
            raise DomainError(E.DEATH_NOT_DEAD, field="end_reason")
        locked.ended_on, locked.end_reason, locked.end_note = ended_on, key, note[:NOTE_LIMIT]
        locked.save(update_fields=["ended_on", "end_reason", "end_note"])
        entry = audit_record(
            actor=actor, action="affairs_membership_end", obj=locked, ended_on=str(ended_on), reason=key
        )
        member_flags_sync(actor=actor, person_ids=[locked.person_id], entry_id=entry.pk)
    return locked


def import_summary(result: ImportResult) -> str:
    return f"新增 {result.created}，变更 {result.changed}，未变 {result.unchanged}"
