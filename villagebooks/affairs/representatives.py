"""Members' representatives (成员代表) and the members' meetings (成员大会 · 成员代表大会).

A representative is a member of the collective (on the day elected) chosen for a term, speaking
for some households; a person's terms in one village do not overlap. A meeting is recorded with
its body, date, subject and attendance; whether enough attended is judged against the county's
quorum rule for an ordinary matter (data, ``terms().quorum_ordinary``) and shown, not refused:
the meeting took place, and a decision it took is checked on its own record.

``import-representatives`` / ``import-meetings`` (CSV or XLSX, Chinese headers accepted, all or
nothing: every bad row named with its column) and the one-at-a-time forms of the page and the
API go through the same row check.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from villagebooks.affairs import access
from villagebooks.affairs import errors as E
from villagebooks.affairs.decisions import BODIES, attendance_met
from villagebooks.affairs.members import (
    ImportResult,
    member_on,
    parse_count,
    parse_date,
    read_rows,
    village_checked,
    villages_by_code,
)
from villagebooks.affairs.models import Meeting, Representative
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.common.tabular import Aliases
from villagebooks.regions.models import Region
from villagebooks.registry.models import Person

REPRESENTATIVE_COLUMNS = ("village", "id_number", "name", "since", "until", "households")
REPRESENTATIVE_REQUIRED = ("village", "id_number", "name", "since")
REPRESENTATIVE_ALIASES: Aliases = {
    "village": ("village", "村", "村代码", "所属村"),
    "id_number": ("id_number", "身份证号", "身份证号码"),
    "name": ("name", "姓名"),
    "since": ("since", "当选日期"),
    "until": ("until", "届满日期"),
    "households": ("households", "联系户"),
}
MEETING_COLUMNS = ("village", "body", "held_on", "subject", "eligible", "present", "place", "note")
MEETING_REQUIRED = ("village", "body", "held_on", "subject", "eligible", "present")
MEETING_ALIASES: Aliases = {
    "village": ("village", "村", "村代码", "所属村"),
    "body": ("body", "会议类别", "决议机构"),
    "held_on": ("held_on", "召开日期", "日期"),
    "subject": ("subject", "议题"),
    "eligible": ("eligible", "应到人数"),
    "present": ("present", "实到人数"),
    "place": ("place", "地点"),
    "note": ("note", "备注"),
}


def _text(values: dict, name: str, limit: int, bad, *, required: bool = False) -> str:
    text = (values.get(name) or "").strip()
    if required and not text:
        bad(name, E.REQUIRED)
    elif len(text) > limit:
        bad(name, E.TOO_LONG.format(limit=limit))
    return text


def _day(values: dict, name: str, bad, today: date, *, required: bool = False) -> date | None:
    text = (values.get(name) or "").strip()
    if not text:
        if required:
            bad(name, E.REQUIRED)
        return None
    day = parse_date(text)
    if day is None:
        bad(name, E.BAD_DATE.format(value=text))
    elif day > today:
        bad(name, E.DATE_IN_FUTURE)
        return None
    return day


def representative_problems(village: Region, values: dict, bad, *, today: date) -> dict | None:
    """The fields of one representative (texts, as a row or a form gives them), or None after
    ``bad(column, message)`` named every problem."""
    found: list = []

    def note(column, message):
        found.append(column)
        bad(column, message)

    id_number = _text(values, "id_number", 18, note, required=True).upper()
    name = _text(values, "name", 50, note, required=True)
    since = _day(values, "since", note, today, required=True)
    until_text = (values.get("until") or "").strip()
    until = parse_date(until_text) if until_text else None
    if until_text and until is None:
        note("until", E.BAD_DATE.format(value=until_text))
    households = _text(values, "households", 300, note)
    person = None
    if id_number:
        person = Person.objects.filter(village=village, id_number=id_number).first()
        if person is None:
            note("id_number", E.UNKNOWN_PERSON.format(id=id_number[:6] + "…"))
        elif name and person.name != name:
            note("name", E.NAME_MISMATCH.format(name=person.name))
    if since and until and until < since:
        note("until", E.UNTIL_BEFORE_SINCE)
    if person is not None and since:
        if member_on(person.pk, since) is None:
            note("id_number", E.NOT_A_MEMBER.format(id=id_number[:6] + "…", date=since))
        terms = Representative.objects.filter(village=village, person=person)
        for term in terms:
            if (term.until is None or term.until >= since) and (until is None or until >= term.since):
                note("since", E.REPRESENTATIVE_OVERLAP.format(since=term.since, until=term.until or "—"))
                break
    if found:
        return None
    return {"person": person, "since": since, "until": until, "households": households}


def meeting_problems(village: Region, values: dict, bad, *, today: date) -> dict | None:
    """The fields of one meeting, or None after naming every problem."""
    found: list = []

    def note(column, message):
        found.append(column)
        bad(column, message)

    body_text = _text(values, "body", 16, note, required=True)
    body = body_text if body_text in BODIES else next((k for k, v in BODIES.items() if v == body_text), None)
    if body_text and body is None:
        note("body", E.UNKNOWN_BODY.format(value=body_text))
    held_on = _day(values, "held_on", note, today, required=True)
    subject = _text(values, "subject", 200, note, required=True)
    counts = {}
    for name in ("eligible", "present"):
        text = (values.get(name) or "").strip()
        counts[name] = parse_count(text)
        if not text:
            note(name, E.REQUIRED)
        elif counts[name] is None:
            note(name, E.BAD_COUNT.format(value=text))
    if counts["eligible"] == 0:
        note("eligible", E.NO_ONE_ELIGIBLE)
    if counts["eligible"] and counts["present"] is not None and counts["present"] > counts["eligible"]:
        note("present", E.PRESENT_OVER)
    place = _text(values, "place", 100, note)
    text_note = _text(values, "note", 300, note)
    if body and held_on and subject:
        if Meeting.objects.filter(village=village, body=body, held_on=held_on, subject=subject).exists():
            note("subject", E.MEETING_EXISTS.format(date=held_on))
    if found:
        return None
    return {"body": body, "held_on": held_on, "subject": subject, "place": place, "note": text_note, **counts}


def _import(*, actor, path: Path, aliases, columns, required, check, model, action: str, key) -> ImportResult:
    today = timezone.localdate()
    rows = read_rows(path, aliases, columns, required)
    villages = villages_by_code(v["village"] for _, v in rows)
    allowed: dict[str, bool] = {}
    problems: list[FieldProblem] = []
    plan = []
    seen: dict[tuple, int] = {}
    for number, values in rows:

        def bad(column, message, number=number):
            problems.append(FieldProblem(column, str(message), number))

        village = village_checked(actor, access.MEMBERS_EDIT, values["village"], villages, allowed, bad)
        if village is None:
            continue
        fields = check(village, values, bad, today=today)
        if fields is None:
            continue
        row_key = (village.pk, *key(fields))
        if row_key in seen:
            bad(columns[1], E.DUPLICATE_ROW.format(row=seen[row_key]))
            continue
        seen[row_key] = number
        plan.append((village, fields))
    if problems:
        raise DomainError(problems=problems)
    try:
        with transaction.atomic():
            model.objects.bulk_create(model(village=v, recorded_by=actor, **fields) for v, fields in plan)
            audit_record(actor=actor, action=action, rows=len(rows), created=len(plan))
    except IntegrityError as error:
        raise Conflict(E.CONCURRENT_CHANGE, field="file") from error
    return ImportResult(created=len(plan))


def representatives_import(*, actor, path: Path) -> ImportResult:
    """Import representatives from ``path`` (``REPRESENTATIVE_COLUMNS`` or their Chinese names),
    all or nothing: every problem of every row is named with its column."""
    return _import(
        actor=actor,
        path=path,
        aliases=REPRESENTATIVE_ALIASES,
        columns=REPRESENTATIVE_COLUMNS,
        required=REPRESENTATIVE_REQUIRED,
        check=representative_problems,
        model=Representative,
        action="affairs_import_representatives",
        key=lambda f: (f["person"].pk,),
    )


def meetings_import(*, actor, path: Path) -> ImportResult:
    """Import meetings from ``path`` (``MEETING_COLUMNS`` or their Chinese names), all or nothing."""
    return _import(
        actor=actor,
        path=path,
        aliases=MEETING_ALIASES,
        columns=MEETING_COLUMNS,
        required=MEETING_REQUIRED,
        check=meeting_problems,
        model=Meeting,
        action="affairs_import_meetings",
        key=lambda f: (f["body"], f["held_on"], f["subject"]),
    )


def _create(*, actor, village: Region, values: dict, check, model, action: str):
    access.require_village(actor, access.MEMBERS_EDIT, village)
    problems: list[FieldProblem] = []
    fields = check(
        village, values, lambda c, m: problems.append(FieldProblem(c, str(m))), today=timezone.localdate()
    )
    if fields is None:
        raise DomainError(problems=problems)
    try:
        with transaction.atomic():
            row = model.objects.create(village=village, recorded_by=actor, **fields)
            audit_record(actor=actor, action=action, obj=row)
    except IntegrityError as error:
        raise Conflict(E.CONCURRENT_CHANGE, field="status") from error
    return row


def representative_create(*, actor, village: Region, values: dict) -> Representative:
    """One representative from a page or the API (texts as a form gives them)."""
    return _create(
        actor=actor,
        village=village,
        values=values,
        check=representative_problems,
        model=Representative,
        action="affairs_representative_create",
    )


def meeting_create(*, actor, village: Region, values: dict) -> Meeting:
    """One meeting from a page or the API."""
    return _create(
        actor=actor,
        village=village,
        values=values,
        check=meeting_problems,
        model=Meeting,
        action="affairs_meeting_create",
    )


def representatives_on(village: Region, on: date) -> list[dict]:
    """The village's representatives serving on ``on`` (name and household, never an ID number)."""
    rows = (
        Representative.objects.filter(village=village, since__lte=on)
        .exclude(until__lt=on)
        .select_related("person__household")
        .order_by("since", "person__name", "id")
    )
    return [
        {
            "id": r.pk,
            "name": r.person.name,
            "household": r.person.household.number if r.person.household_id else "",
            "since": r.since,
            "until": r.until,
            "households": r.households,
        }
        for r in rows
    ]


def meetings_of(village: Region, *, limit: int = 200) -> list[dict]:
    """The village's meetings, newest first, each with whether enough attended (ordinary rule)."""
    return [
        {
            "id": m.pk,
            "body": m.body,
            "body_label": BODIES.get(m.body, m.body),
            "held_on": m.held_on,
            "subject": m.subject,
            "eligible": m.eligible,
            "present": m.present,
            "place": m.place,
            "note": m.note,
            "quorum": attendance_met(eligible=m.eligible, present=m.present),
        }
        for m in Meeting.objects.filter(village=village).order_by("-held_on", "-id")[:limit]
    ]
