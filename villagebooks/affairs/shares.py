"""Share classes (股种: 人口股、劳龄股、集体股 …) and holdings (份额), kept as changes.

A holding is never overwritten: the first allotment, an inheritance, a transfer or gift inside
the collective and a correction are each a ``ShareEntry`` (two, paired, for a move between
holders), and a holding on a date is the sum of its entries up to that date. The county's cap
(no household over ``max_holding_ratio`` of the village's total shares, data) is checked on
every change.

``import-shares FILE`` (CSV or XLSX, Chinese headers accepted, all or nothing), one row per
change: ``village, share_class, id_number, shares, date`` and optionally ``change`` (初始配置 by
default; 继承/转让/赠与 need ``from_id_number``, 调整 may be negative), ``class_name`` and
``class_kind`` (a class named for the first time is created), ``note``. The holder is the member
with ``id_number`` (their household holds the shares); a collective class (集体股) has no holder.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from villagebooks.affairs import access
from villagebooks.affairs import errors as E
from villagebooks.affairs.members import (
    ImportResult,
    choice_key,
    parse_date,
    parse_shares,
    read_rows,
    village_checked,
    villages_by_code,
)
from villagebooks.affairs.models import Membership, ShareClass, ShareEntry
from villagebooks.affairs.models.members import ShareChange
from villagebooks.affairs.terms import terms
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.regions.models import Region
from villagebooks.registry.models import Person

SHARE_COLUMNS = (
    "village",
    "share_class",
    "id_number",
    "shares",
    "date",
    "change",
    "from_id_number",
    "class_name",
    "class_kind",
    "note",
)
SHARE_REQUIRED = ("village", "share_class", "id_number", "shares", "date")
SHARE_ALIASES = {
    "village": ("village", "村", "村代码", "所属村"),
    "share_class": ("share_class", "股种代码", "股种"),
    "id_number": ("id_number", "身份证号", "持有人身份证号"),
    "shares": ("shares", "份额", "股数"),
    "date": ("date", "变动日期", "日期"),
    "change": ("change", "变动类型"),
    "from_id_number": ("from_id_number", "转出人身份证号"),
    "class_name": ("class_name", "股种名称"),
    "class_kind": ("class_kind", "股种类别"),
    "note": ("note", "说明", "备注"),
}
MOVES = (ShareChange.INHERIT, ShareChange.TRANSFER, ShareChange.GIFT)
CHANGE_LABELS = {c.value: str(c.label) for c in ShareChange}


def number_text(value: Decimal) -> str:
    """A number of shares as people write it: 4, 0.5, 1.25 (never 4.0000 or 3E+1)."""
    return format(Decimal(value).normalize(), "f")


def holdings(village: Region, on: date, *, members_only: bool = False) -> list[dict]:
    """Holdings on ``on`` per household and class, in SQL: [{household_id, share_class_id, shares}],
    the collective's (household None) included unless ``members_only``."""
    rows = ShareEntry.objects.filter(village=village, date__lte=on)
    if members_only:
        rows = rows.filter(household__isnull=False)
    rows = (
        rows.values("household_id", "share_class_id")
        .annotate(shares=Sum("shares"))
        .order_by("household_id", "share_class_id")
    )
    return [r for r in rows if r["shares"]]


def household_totals(village: Region, on: date) -> dict[int | None, Decimal]:
    totals: dict[int | None, Decimal] = defaultdict(Decimal)
    for row in holdings(village, on):
        totals[row["household_id"]] += row["shares"]
    return dict(totals)


def cap_problems(totals: dict, labels: dict) -> list[str]:
    """The holders (members; a household for shares held per household) holding more than the
    county's cap of the village's total shares, as messages; ``totals`` keyed by holder (None:
    the collective, never capped), ``labels`` naming each."""
    cap = terms().max_holding_ratio
    total = sum(totals.values(), Decimal(0))
    if total <= 0:
        return []
    found = []
    for holder, held in sorted(totals.items(), key=lambda kv: str(kv[0])):
        if holder is None or held <= cap * total:
            continue
        found.append(
            str(
                E.OVER_CAP.format(
                    holder=labels.get(holder, holder),
                    held=number_text(held),
                    percent=(held * 100 / total).quantize(Decimal("0.01")),
                    cap=number_text(cap * 100),
                )
            )
        )
    return found


def shares_import(*, actor, path: Path) -> ImportResult:
    """Import share changes from ``path`` (``SHARE_COLUMNS`` or their Chinese names), all or nothing.

    Raises:
        DomainError: every problem of every row, with row and column (and the cap, for the file
            as a whole); nothing is written.
    """
    t = terms()
    today = timezone.localdate()
    rows = read_rows(path, SHARE_ALIASES, SHARE_COLUMNS, SHARE_REQUIRED)
    problems: list[FieldProblem] = []
    villages = villages_by_code(v["village"] for _, v in rows)
    ids = {v["id_number"].upper() for _, v in rows} | {v["from_id_number"].upper() for _, v in rows}
    persons = {
        p.id_number: p for p in Person.objects.filter(id_number__in=ids - {""}).select_related("household")
    }
    classes = {(c.village_id, c.code): c for c in ShareClass.objects.filter(village__in=villages.values())}
    new_classes: dict[tuple[int, str], ShareClass] = {}
    # Every membership of the persons named, for the "a member on that date" check in memory.
    spans: dict[int, list[tuple]] = {}
    for person_id, since, ended_on in Membership.objects.filter(person__in=persons.values()).values_list(
        "person_id", "since", "ended_on"
    ):
        spans.setdefault(person_id, []).append((since, ended_on))
    allowed: dict[str, bool] = {}
    # Running holdings per (village, household or None, class) as the file changes them, from
    # the register's holdings on each row's date (rows are applied in file order).
    pending: list[dict] = []
    for number, v in rows:

        def bad(column, message, number=number):
            problems.append(FieldProblem(column, str(message), number))

        village = village_checked(actor, access.MEMBERS_EDIT, v["village"], villages, allowed, bad)
        for column in ("share_class", "shares", "date"):
            if not v[column]:
                bad(column, E.REQUIRED)
        if len(v["note"]) > 200:
            bad("note", E.TOO_LONG.format(limit=200))
        on = parse_date(v["date"]) if v["date"] else None
        if v["date"] and on is None:
            bad("date", E.BAD_DATE.format(value=v["date"]))
        elif on and on > today:
            bad("date", E.DATE_IN_FUTURE)
        shares = parse_shares(v["shares"]) if v["shares"] else None
        if v["shares"] and shares is None:
            bad("shares", E.BAD_NUMBER.format(value=v["shares"]))
        change = choice_key(v["change"], CHANGE_LABELS) if v["change"] else ShareChange.ALLOT
        if change is None:
            bad(
                "change",
                E.UNKNOWN_CHANGE.format(value=v["change"], choices="、".join(CHANGE_LABELS.values())),
            )
        if shares is not None and (shares == 0 or (shares < 0 and change != ShareChange.ADJUST)):
            bad("shares", E.ZERO_SHARES)
            shares = None
        share_class = None
        if village and v["share_class"]:
            key = (village.pk, v["share_class"])
            share_class = classes.get(key) or new_classes.get(key)
            if share_class is None:
                kind = choice_key(v["class_kind"], t.share_class_kinds) if v["class_kind"] else None
                if not v["class_name"] or kind is None:
                    known = "、".join(c.code for c in classes.values() if c.village_id == village.pk) or "—"
                    bad("share_class", E.UNKNOWN_CLASS.format(value=v["share_class"], choices=known))
                    if v["class_kind"] and kind is None:
                        kinds = "、".join(t.share_class_kinds.values())
                        bad("class_kind", E.UNKNOWN_CLASS_KIND.format(value=v["class_kind"], choices=kinds))
                elif kind == "collective" and not t.collective_shares_allowed:
                    bad("class_kind", E.COLLECTIVE_NOT_ALLOWED)
                else:
                    share_class = ShareClass(
                        village=village, code=v["share_class"], name=v["class_name"][:30], kind=kind
                    )
                    new_classes[key] = share_class
        collective = share_class is not None and share_class.kind == "collective"
        holder = from_person = None
        id_number, from_id = v["id_number"].upper(), v["from_id_number"].upper()
        if collective:
            if id_number:
                bad("id_number", E.COLLECTIVE_NO_HOLDER)
        else:
            if not id_number:
                bad("id_number", E.REQUIRED)
            else:
                holder = persons.get(id_number)
                if holder is None or (village and holder.village_id != village.pk):
                    bad("id_number", E.UNKNOWN_PERSON.format(id=id_number))
                    holder = None
            if holder and on and change != ShareChange.INHERIT and not _member_on(spans, holder.pk, on):
                bad("id_number", E.NOT_A_MEMBER.format(id=id_number, date=on))
                holder = None
        if change in MOVES:
            if not from_id:
                bad("from_id_number", E.FROM_REQUIRED)
            elif from_id == id_number:
                bad("from_id_number", E.FROM_SAME)
            else:
                from_person = persons.get(from_id)
                if from_person is None or (village and from_person.village_id != village.pk):
                    bad("from_id_number", E.UNKNOWN_PERSON.format(id=from_id))
                    from_person = None
        if not (village and share_class and on and shares is not None and change) or (
            not collective and not holder
        ):
            continue
        if change in MOVES and from_person is None:
            continue
        pending.append(
            {
                "row": number,
                "village": village,
                "share_class": share_class,
                "holder": holder,
                "from": from_person,
                "shares": shares,
                "date": on,
                "change": change,
                "note": v["note"],
            }
        )
    if problems:
        raise DomainError(problems=problems)
    problems = _check_holdings(pending)
    if problems:
        raise DomainError(problems=problems)
    result = ImportResult()
    try:
        with transaction.atomic():
            for share_class in new_classes.values():
                share_class.save()
            plain = []
            for item in pending:
                if item["from"] is None:
                    plain.append(_entry(actor, item, item["holder"], item["shares"]))
                else:
                    _write(actor, item)
                result.created += 1
            ShareEntry.objects.bulk_create(plain, batch_size=1000)
            audit_record(
                actor=actor,
                action="affairs_import_shares",
                rows=len(rows),
                entries=result.created,
                classes_created=len(new_classes),
            )
    except IntegrityError as error:
        raise Conflict(E.CONCURRENT_CHANGE, field="file") from error
    result.extra["classes_created"] = len(new_classes)
    return result


def _check_holdings(pending: list[dict]) -> list[FieldProblem]:
    """No holding below zero after any row, and no household over the cap at the file's end."""
    problems: list[FieldProblem] = []
    by_village: dict[int, list[dict]] = defaultdict(list)
    for item in pending:
        by_village[item["village"].pk].append(item)
    for items in by_village.values():
        village = items[0]["village"]
        last = max(item["date"] for item in items)
        # Per household and class code: the register's holding (all dates) plus the file's rows.
        held: dict[tuple[int | None, str], Decimal] = defaultdict(Decimal)
        for entry in ShareEntry.objects.filter(village=village).values(
            "household_id", "share_class__code", "shares"
        ):
            held[(entry["household_id"], entry["share_class__code"])] += entry["shares"]
        for item in items:
            code = item["share_class"].code
            to_household = item["holder"].household_id if item["holder"] else None
            if item["from"]:
                source = (item["from"].household_id, code)
                if held[source] < item["shares"]:
                    problems.append(
                        FieldProblem(
                            "shares",
                            str(
                                E.NOT_ENOUGH_SHARES.format(
                                    date=item["date"],
                                    held=number_text(held[source]),
                                    share_class=item["share_class"].name,
                                    shares=number_text(item["shares"]),
                                )
                            ),
                            item["row"],
                        )
                    )
                    continue
                held[source] -= item["shares"]
            held[(to_household, code)] += item["shares"]
            if held[(to_household, code)] < 0:
                problems.append(
                    FieldProblem(
                        "shares",
                        str(
                            E.NEGATIVE_HOLDING.format(
                                share_class=item["share_class"].name,
                                held=number_text(held[(to_household, code)]),
                            )
                        ),
                        item["row"],
                    )
                )
        # The cap: per holder (a member; a household when no member is named), at the file's end.
        totals: dict = defaultdict(Decimal)
        labels: dict = {}
        for entry in ShareEntry.objects.filter(village=village).values(
            "person_id", "person__name", "household_id", "household__number", "shares"
        ):
            key = _holder_key(entry["person_id"], entry["household_id"])
            totals[key] += entry["shares"]
            labels[key] = _holder_label(entry["person__name"], entry["household__number"])
        for item in items:
            for person, sign in ((item["holder"], 1), (item["from"], -1)):
                if person is None:
                    continue
                key = ("p", person.pk)
                totals[key] += sign * item["shares"]
                labels[key] = _holder_label(person.name, person.household.number)
            if item["holder"] is None:
                totals[None] += item["shares"]
        for message in cap_problems(totals, labels):
            problems.append(FieldProblem("shares", str(E.AS_OF.format(message=message, date=last))))
    return problems


def _member_on(spans: dict, person_id: int, on: date) -> bool:
    return any(
        since <= on and (ended_on is None or ended_on > on) for since, ended_on in spans.get(person_id, ())
    )


def _holder_key(person_id, household_id):
    if person_id:
        return ("p", person_id)
    return ("h", household_id) if household_id else None


def _holder_label(name, number) -> str:
    return f"{name}（{number}）" if name else str(number or "")


def _entry(actor, item: dict, person, shares, pair=None) -> ShareEntry:
    return ShareEntry(
        village=item["village"],
        share_class=item["share_class"],
        household_id=person.household_id if person else None,
        person=person,
        shares=shares,
        date=item["date"],
        change=item["change"],
        pair=pair,
        note=item["note"],
        recorded_by=actor,
    )


def _write(actor, item: dict) -> None:
    holder, source = item["holder"], item["from"]
    pair = None
    if source is not None:
        pair = ShareEntry.objects.create(
            village=item["village"],
            share_class=item["share_class"],
            household_id=source.household_id,
            person=source,
            shares=-item["shares"],
            date=item["date"],
            change=item["change"],
            note=item["note"],
            recorded_by=actor,
        )
    ShareEntry.objects.create(
        village=item["village"],
        share_class=item["share_class"],
        household_id=holder.household_id if holder else None,
        person=holder,
        shares=item["shares"],
        date=item["date"],
        change=item["change"],
        pair=pair,
        note=item["note"],
        recorded_by=actor,
    )
