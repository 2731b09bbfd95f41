"""``import-households``: households and persons from a CSV or XLSX file, one row per person, all
or nothing. A row gives the whole current state of its person; importing again is how changes
arrive (a new status, a death, a new card), and each change is kept (``RegistryChange``,
``HouseholdStatus``) with its date, who made it and the operation-log entry of the import.

Every bad row is reported with row, column and reason: an ID number failing GB 11643 (checksum,
birth date, address code), a card failing the Luhn check (or only warned of, as the county sets:
``terms``), one person in two households, two persons with one ID number, a card shared by two
persons, an unknown village or one the user may not edit, a status without its date.
The file is checked whole, in memory as plain tuples, with a few bulk queries; the writes are
bulk inserts and updates in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.common.tabular import Aliases, picker, table_open
from villagebooks.regions.models import Region
from villagebooks.registry import access
from villagebooks.registry import errors as E
from villagebooks.registry.domain import identity
from villagebooks.registry.models import Household, HouseholdStatus, Person, RegistryChange
from villagebooks.registry.terms import terms

COLUMNS = (
    "village",
    "household",
    "name",
    "id_number",
    "relation",
    "alive",
    "death_date",
    "status",
    "status_date",
    "member",
    "cadre_role",
    "cadre_of",
    "phone",
    "bank_card",
    "bank",
)
# The second name of each is the Chinese header a missing column is reported by.
ALIASES: Aliases = {
    "village": ("village", "村", "所属村", "村代码"),
    "household": ("household", "户编号"),
    "name": ("name", "姓名"),
    "id_number": ("id_number", "身份证号", "身份证号码"),
    "relation": ("relation", "与户主关系"),
    "alive": ("alive", "是否健在", "健在"),
    "death_date": ("death_date", "死亡日期"),
    "status": ("status", "户类型", "户状态"),
    "status_date": ("status_date", "状态日期", "户类型日期"),
    "member": ("member", "集体经济组织成员", "是否成员"),
    "cadre_role": ("cadre_role", "村干部职务"),
    "cadre_of": ("cadre_of", "干部亲属", "关联村干部身份证号"),
    "phone": ("phone", "电话", "联系电话"),
    "bank_card": ("bank_card", "一卡通卡号", "银行卡号"),
    "bank": ("bank", "开户银行"),
}
YES = {"是", "1", "true", "yes", "y", "健在", "在世"}
NO = {"否", "0", "false", "no", "n", "死亡", "已故", "去世"}
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$|^(\d{4})(\d{2})(\d{2})$")
LIMITS = {"household": 32, "name": 50, "relation": 20, "bank": 50}
# The person fields an import sets, in the order RegistryChange rows list them.
TRACKED = (
    "household_id",
    "name",
    "relation",
    "alive",
    "death_date",
    "phone",
    "bank_card",
    "bank",
    "is_member",
    "cadre_role",
    "cadre_of_id",
)


@dataclass
class HouseholdsImportResult:
    households_created: int = 0
    persons_created: int = 0
    persons_changed: int = 0
    status_changes: int = 0
    warnings: list[FieldProblem] = field(default_factory=list)


@dataclass
class _Row:
    row: int
    village: str
    household: str
    name: str
    id_number: str
    relation: str
    alive: bool
    death_date: date | None
    status: str
    monitor_kind: str
    status_date: date | None
    member: bool
    cadre_role: str
    cadre_of: str
    phone: str
    bank_card: str
    bank: str
    sex: str = ""
    birth_date: date | None = None


def parse_date(text: str) -> date | None:
    """A date as a spreadsheet writes it (2025-03-01, 2025/3/1, 20250301); None if it is not one."""
    match = _DATE.match(text)
    if not match:
        return None
    parts = [int(p) for p in match.groups() if p is not None]
    try:
        return date(*parts)
    except ValueError:
        return None


def parse_status(text: str) -> tuple[str, str] | None:
    """(status, monitor kind) from "脱贫户", "监测对象（边缘易致贫户）", "监测对象/边缘易致贫户" or the kind
    alone; ("监测对象", "") when the kind is missing; None when it is no status at all."""
    t = terms()
    text = re.sub(r"\s+", "", text)
    if text in t.monitor_kinds:
        return t.monitored_status, text
    match = re.match(r"^(.+?)[（(/:：-](.+?)[）)]?$", text)
    if match and match.group(1) == t.monitored_status and match.group(2) in t.monitor_kinds:
        return t.monitored_status, match.group(2)
    if text in t.statuses:
        return text, ""
    return None


def households_import(*, actor, path: Path, progress: bool = False) -> HouseholdsImportResult:
    """Import households and persons from ``path`` (columns ``COLUMNS`` or their Chinese names).

    Raises:
        DomainError: every problem of every row (nothing is written); NotPermitted rows are
            problems too, naming the village.
        Conflict: another import changed the same persons meanwhile; nothing was written.
    """
    today = timezone.localdate()
    result = HouseholdsImportResult()
    rows, problems = _read(Path(path), today, result.warnings)
    plan = _Plan(actor=actor, today=today, rows=rows, problems=problems)
    plan.check()
    if plan.problems:
        plan.problems.sort(key=lambda p: (p.row or 0, COLUMNS.index(p.field) if p.field in COLUMNS else -1))
        raise DomainError(problems=plan.problems)
    try:
        with transaction.atomic():
            plan.write(result)
    except IntegrityError as error:
        raise Conflict(E.CONCURRENT_CHANGE, field="file") from error
    return result


def _read(path: Path, today: date, warnings: list[FieldProblem]) -> tuple[list[_Row], list[FieldProblem]]:
    t = terms()
    status_choices = "、".join(t.statuses)
    kinds = "、".join(t.monitor_kinds)
    problems: list[FieldProblem] = []
    rows: list[_Row] = []
    with table_open(path, ALIASES, required=COLUMNS) as table:
        if table.unknown:
            raise DomainError(
                problems=[
                    FieldProblem("header", E.UNKNOWN_COLUMNS.format(columns=", ".join(table.unknown)), 1)
                ]
            )
        pick = picker(table.columns, COLUMNS)
        width = table.width
        for number, cells in table.rows:
            if any(cell not in (None, "") for cell in cells[width:]):
                problems.append(FieldProblem("", E.EXTRA_CELLS, number))
                continue
            values = pick(cells)
            if not any(values):
                continue  # a spreadsheet's empty trailing row
            (village, household, name, id_text, relation, alive_text, death_text, status_text,
             status_date_text, member_text, cadre_role, cadre_of, phone, card_text, bank) = values  # fmt: skip

            def bad(column: str, message) -> None:
                problems.append(FieldProblem(column, str(message), number))  # noqa: B023

            for column, value in (("village", village), ("household", household), ("name", name),
                                  ("id_number", id_text), ("relation", relation)):  # fmt: skip
                if not value:
                    bad(column, E.REQUIRED)
            for column, value in (
                ("household", household),
                ("name", name),
                ("relation", relation),
                ("bank", bank),
            ):
                if len(value) > LIMITS[column]:
                    bad(column, E.TOO_LONG.format(limit=LIMITS[column]))
            id_number = identity.normalise_id(id_text)
            sex, born = "", None
            if id_number:
                message = identity.id_number_problem(id_number, today=today)
                if message:
                    bad("id_number", message)
                else:
                    sex, born = identity.sex_and_birth(id_number)
            alive = _yes_no(alive_text, default=True)
            if alive is None:
                bad("alive", E.BAD_YES_NO.format(value=alive_text))
            death_date = _date_cell(death_text, "death_date", today, bad)
            if alive is False and death_date is None and not death_text:
                bad("death_date", E.DEATH_DATE_REQUIRED)
            if alive is True and death_text:
                bad("death_date", E.DEATH_DATE_ALIVE)
            if death_date and born and death_date < born:
                bad("death_date", E.DEATH_BEFORE_BIRTH)
            status, kind = "", ""
            if status_text:
                parsed = parse_status(status_text)
                if parsed is None:
                    bad(
                        "status",
                        E.UNKNOWN_STATUS.format(value=status_text, choices=status_choices, kinds=kinds),
                    )
                elif parsed[0] == t.monitored_status and not parsed[1]:
                    bad("status", E.MONITOR_KIND_REQUIRED.format(kinds=kinds))
                else:
                    status, kind = parsed
            status_date = _date_cell(status_date_text, "status_date", today, bad)
            member = _yes_no(member_text, default=False)
            if member is None:
                bad("member", E.BAD_YES_NO.format(value=member_text))
            if cadre_role and cadre_role not in t.cadre_roles:
                bad(
                    "cadre_role",
                    E.UNKNOWN_CADRE_ROLE.format(value=cadre_role, choices="、".join(t.cadre_roles)),
                )
            cadre_of = identity.normalise_id(cadre_of)
            if cadre_of and cadre_of == id_number:
                bad("cadre_of", E.CADRE_OF_SELF)
            phone = phone.replace(" ", "")
            if phone and (message := identity.phone_problem(phone)):
                bad("phone", message)
            card = identity.normalise_card(card_text)
            if card:
                luhn_valid = identity.card_luhn_valid(card)
                if message := identity.card_problem(
                    card, luhn_valid=luhn_valid, luhn_required=t.luhn_required
                ):
                    bad("bank_card", message)
                elif not luhn_valid:
                    warnings.append(FieldProblem("bank_card", str(identity.CARD_LUHN), number))
                if not bank:
                    bad("bank", E.CARD_WITHOUT_BANK)
            rows.append(
                _Row(
                    number,
                    village,
                    household,
                    name,
                    id_number,
                    relation,
                    bool(alive),
                    death_date,
                    status,
                    kind,
                    status_date,
                    bool(member),
                    cadre_role,
                    cadre_of,
                    phone,
                    card,
                    bank,
                    sex,
                    born,
                )  # fmt: skip
            )
    if not rows and not problems:
        raise DomainError(E.NO_ROWS, field="file")
    return rows, problems


def _yes_no(text: str, *, default: bool) -> bool | None:
    if not text:
        return default
    lowered = text.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    return None


def _date_cell(text: str, column: str, today: date, bad) -> date | None:
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        bad(column, E.BAD_DATE.format(value=text))
    elif day > today:
        bad(column, E.DATE_IN_FUTURE)
        return None
    return day


def _chunks(values: list, size: int = 5000):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class _Plan:
    actor: object
    today: date
    rows: list[_Row]
    problems: list[FieldProblem]
    villages: dict[str, Region] = field(default_factory=dict)
    households: dict[tuple[int, str], dict] = field(default_factory=dict)
    existing: dict[str, dict] = field(default_factory=dict)  # id number → the person's values

    def bad(self, row: _Row, column: str, message) -> None:
        self.problems.append(FieldProblem(column, str(message), row.row))

    def check(self) -> None:
        self._check_villages()
        self._load()
        self._check_within_file()
        self._check_against_registry()

    def _check_villages(self) -> None:
        codes = {r.village for r in self.rows if r.village}
        self.villages = Region.objects.in_bulk(codes, field_name="code")
        condition = access.village_filter(self.actor, access.EDIT)
        editable = (
            codes
            if condition is None
            else set(Region.objects.filter(condition, code__in=codes).values_list("code", flat=True))
        )
        kept = []
        for row in self.rows:
            village = self.villages.get(row.village)
            if village is None:
                if row.village:
                    self.bad(row, "village", E.UNKNOWN_VILLAGE.format(code=row.village))
                continue
            if village.kind != "village":
                self.bad(row, "village", E.NOT_A_VILLAGE.format(code=row.village))
            elif row.village not in editable:
                self.bad(row, "village", E.FORBIDDEN_VILLAGE_ROW.format(village=village.name))
            else:
                kept.append(row)
        self.rows = kept

    def _load(self) -> None:
        village_ids = {v.pk for v in self.villages.values()}
        for values in Household.objects.filter(village_id__in=village_ids).values(
            "id", "village_id", "number", "status", "monitor_kind", "status_since"
        ):
            self.households[(values["village_id"], values["number"])] = values
        ids = [r.id_number for r in self.rows if r.id_number]
        cards = [r.bank_card for r in self.rows if r.bank_card]
        fields = ("id", "id_number", "village_id", "household__number", *TRACKED, "cadre_of__id_number")
        for chunk in _chunks(ids):
            for values in Person.objects.filter(id_number__in=chunk).values(*fields):
                self.existing[values["id_number"]] = values
        self.card_owners: dict[str, dict] = {}
        for chunk in _chunks(cards):
            for values in Person.objects.filter(bank_card__in=chunk).values("id_number", "name", "bank_card"):
                self.card_owners[values["bank_card"]] = values
        cadre_ids = sorted({r.cadre_of for r in self.rows if r.cadre_of} - set(ids))
        self.outside_cadres: dict[str, str] = {}
        for chunk in _chunks(cadre_ids):
            self.outside_cadres |= dict(
                Person.objects.filter(id_number__in=chunk).values_list("id_number", "cadre_role")
            )
        # A person moved from a village the actor may not edit is an edit of that village too.
        moved_from = {v["village_id"] for v in self.existing.values()} - village_ids
        if moved_from:
            condition = access.village_filter(self.actor, access.EDIT)
            allowed = (
                moved_from
                if condition is None
                else set(Region.objects.filter(condition, pk__in=moved_from).values_list("pk", flat=True))
            )
            names = dict(Region.objects.filter(pk__in=moved_from).values_list("pk", "name"))
            for row in self.rows:
                person = self.existing.get(row.id_number)
                if person and person["village_id"] in moved_from and person["village_id"] not in allowed:
                    village = names[person["village_id"]]
                    self.bad(row, "village", E.FORBIDDEN_VILLAGE_ROW.format(village=village))

    def _check_within_file(self) -> None:
        by_id: dict[str, _Row] = {}
        by_card: dict[str, _Row] = {}
        status_of: dict[tuple[str, str], _Row] = {}
        for row in self.rows:
            if row.id_number:
                first = by_id.setdefault(row.id_number, row)
                if first is not row:
                    if first.name != row.name:
                        self.bad(row, "id_number", E.ID_TWO_PERSONS.format(row=first.row))
                    elif (first.village, first.household) != (row.village, row.household):
                        self.bad(
                            row,
                            "household",
                            E.ID_TWO_HOUSEHOLDS.format(row=first.row, household=first.household),
                        )
                    else:
                        self.bad(row, "id_number", E.ID_DUPLICATE_ROW.format(row=first.row))
            if row.bank_card:
                first = by_card.setdefault(row.bank_card, row)
                if first is not row and first.id_number != row.id_number:
                    self.bad(row, "bank_card", E.CARD_SHARED.format(row=first.row))
            if row.status or row.status_date:
                key = (row.village, row.household)
                first = status_of.setdefault(key, row)
                if first is not row and (first.status, first.monitor_kind, first.status_date) != (
                    row.status,
                    row.monitor_kind,
                    row.status_date,
                ):
                    self.bad(row, "status", E.STATUS_CONFLICT.format(row=first.row))
        self.by_id = by_id
        self.status_of = status_of

    def _check_against_registry(self) -> None:
        for row in self.rows:
            person = self.existing.get(row.id_number)
            if person is not None and person["name"] != row.name:
                self.bad(
                    row,
                    "id_number",
                    E.ID_TWO_PERSONS_REGISTERED.format(
                        name=person["name"], household=person["household__number"]
                    ),
                )
            owner = self.card_owners.get(row.bank_card) if row.bank_card else None
            if owner is not None and owner["id_number"] != row.id_number:
                moving = self.by_id.get(owner["id_number"])
                if moving is None or moving.bank_card == row.bank_card:
                    self.bad(row, "bank_card", E.CARD_SHARED_REGISTERED.format(name=owner["name"]))
            if row.cadre_of:
                in_file = self.by_id.get(row.cadre_of)
                role = in_file.cadre_role if in_file is not None else self.outside_cadres.get(row.cadre_of)
                if role is None:
                    self.bad(row, "cadre_of", E.CADRE_OF_UNKNOWN.format(id=identity.mask(row.cadre_of)))
                elif not role:
                    self.bad(row, "cadre_of", E.CADRE_OF_NOT_CADRE.format(id=identity.mask(row.cadre_of)))
        for (village_code, number), row in self.status_of.items():
            village = self.villages[village_code]
            current = self.households.get((village.pk, number))
            if not row.status:
                continue
            if current is not None and (current["status"], current["monitor_kind"]) == (
                row.status,
                row.monitor_kind,
            ):
                continue
            if row.status_date is None:
                self.bad(row, "status_date", E.STATUS_DATE_REQUIRED)
            elif (
                current is not None and current["status_since"] and row.status_date < current["status_since"]
            ):
                self.bad(row, "status_date", E.STATUS_DATE_EARLIER.format(since=current["status_since"]))
        told = set()  # one problem a household, on its first row
        for row in self.rows:
            village = self.villages[row.village]
            key = (row.village, row.household)
            if (
                key not in told
                and (village.pk, row.household) not in self.households
                and not getattr(self.status_of.get(key), "status", "")
            ):
                told.add(key)
                self.bad(row, "status", E.STATUS_REQUIRED_NEW)

    # -----------------------------------------------------------------------------------------

    def write(self, result: HouseholdsImportResult) -> None:
        actor, today = self.actor, self.today
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        iso_today = today.isoformat()
        changes: list[list] = []  # RegistryChange rows, the operation-log entry filled in last

        def change(village_id, household_id, person_id, name, before, after, effective=iso_today):
            before = "" if before is None else before.isoformat() if isinstance(before, date) else str(before)
            after = "" if after is None else after.isoformat() if isinstance(after, date) else str(after)
            changes.append(
                [village_id, household_id, person_id, name, before, after, effective, now, actor.pk]
            )

        # Households: the new ones with their first status; a status change of an existing one
        # as a history row and the household's current status updated.
        new_households: dict[tuple[int, str], _Row | None] = {}
        for row in self.rows:
            key = (self.villages[row.village].pk, row.household)
            if key not in self.households and key not in new_households:
                new_households[key] = self.status_of.get((row.village, row.household))
        _insert(
            Household,
            (
                "village_id",
                "number",
                "address",
                "status",
                "monitor_kind",
                "status_since",
                "created_at",
                "updated_at",
            ),
            [
                (village_id, number, "", first.status, first.monitor_kind, _iso(first.status_date), now, now)
                for (village_id, number), first in new_households.items()
            ],
        )
        for chunk in _chunks(sorted({village_id for village_id, _n in new_households})):
            for values in Household.objects.filter(village_id__in=chunk).values(
                "id", "village_id", "number", "status", "monitor_kind", "status_since"
            ):
                key = (values["village_id"], values["number"])
                if key in new_households:
                    self.households[key] = values | {"new": True}
        result.households_created = len(new_households)

        statuses, household_updates = [], []
        for (village_code, number), row in self.status_of.items():
            village = self.villages[village_code]
            current = self.households[(village.pk, number)]
            if not row.status:
                continue
            if current.get("new"):
                statuses.append(
                    (current["id"], row.status, row.monitor_kind, _iso(row.status_date), now, actor.pk)
                )
                change(village.pk, current["id"], None, "created", "", number)
                continue
            if (current["status"], current["monitor_kind"]) == (row.status, row.monitor_kind):
                continue
            statuses.append(
                (current["id"], row.status, row.monitor_kind, _iso(row.status_date), now, actor.pk)
            )
            before = "/".join(filter(None, (current["status"], current["monitor_kind"])))
            after = "/".join(filter(None, (row.status, row.monitor_kind)))
            change(village.pk, current["id"], None, "status", before, after, _iso(row.status_date))
            household_updates.append(
                (row.status, row.monitor_kind, _iso(row.status_date), now, current["id"])
            )
        _insert(
            HouseholdStatus,
            ("household_id", "status", "monitor_kind", "since", "recorded_at", "recorded_by_id"),
            statuses,
        )
        _update(Household, ("status", "monitor_kind", "status_since", "updated_at"), household_updates)
        result.status_changes = len(statuses)

        # Persons: new ones inserted, changed ones updated, then the cadre links (which may
        # point at a person created just now).
        new_rows, updates, kept = [], [], []
        changed_ids: set[int] = set()
        for row in self.rows:
            village_id = self.villages[row.village].pk
            household_id = self.households[(village_id, row.household)]["id"]
            values = {
                "household_id": household_id,
                "name": row.name,
                "relation": row.relation,
                "alive": row.alive,
                "death_date": row.death_date,
                "phone": row.phone,
                "bank_card": row.bank_card,
                "bank": row.bank,
                "is_member": row.member,
                "cadre_role": row.cadre_role,
            }
            old = self.existing.get(row.id_number)
            if old is None:
                new_rows.append(
                    (
                        village_id,
                        row.id_number,
                        row.sex,
                        _iso(row.birth_date),
                        household_id,
                        row.name,
                        row.relation,
                        row.alive,
                        _iso(row.death_date),
                        row.phone,
                        row.bank_card,
                        row.bank,
                        row.member,
                        row.cadre_role,
                        now,
                        now,
                    )  # fmt: skip
                )
            else:
                different = [name for name, value in values.items() if old[name] != value]
                if different or old["village_id"] != village_id:
                    changed_ids.add(old["id"])
                    updates.append((village_id, *(_iso(values[name]) for name in UPDATED), now, old["id"]))
                for name in different:
                    if name == "household_id":  # a move, told by the households' numbers
                        change(village_id, household_id, old["id"], "household", old["household__number"],
                               row.household, iso_today)  # fmt: skip
                        continue
                    effective = (
                        row.death_date if name in ("alive", "death_date") and row.death_date else today
                    )
                    change(
                        village_id, household_id, old["id"], name, old[name], values[name], _iso(effective)
                    )
            kept.append((row, household_id, village_id))
        _insert(
            Person,
            ("village_id", "id_number", "sex", "birth_date", "household_id", "name", "relation", "alive",
             "death_date", "phone", "bank_card", "bank", "is_member", "cadre_role", "created_at", "updated_at"),
            new_rows,
        )  # fmt: skip
        _update(Person, ("village_id", *UPDATED, "updated_at"), updates)
        result.persons_created = len(new_rows)

        person_id = {number: values["id"] for number, values in self.existing.items()}
        for chunk in _chunks([r[1] for r in new_rows]):
            person_id |= dict(Person.objects.filter(id_number__in=chunk).values_list("id_number", "id"))
        links = []
        for row, household_id, village_id in kept:
            pk = person_id[row.id_number]
            old = self.existing.get(row.id_number)
            if old is None:
                change(village_id, household_id, pk, "created", "", row.name)
            before = old["cadre_of_id"] if old else None
            after = (person_id.get(row.cadre_of) or self._cadre_pk(row.cadre_of)) if row.cadre_of else None
            if before != after:
                links.append((after, now, pk))
                if old is not None:
                    changed_ids.add(pk)
                    change(
                        village_id,
                        household_id,
                        pk,
                        "cadre_of",
                        old["cadre_of__id_number"] or "",
                        row.cadre_of,
                    )
        _update(Person, ("cadre_of_id", "updated_at"), links)
        result.persons_changed = len(changed_ids)
        # The operation log is append-only: its entry is written once, with the counts, and the
        # change rows name it.
        entry = audit_record(
            actor=actor,
            action="registry_import_households",
            rows=len(self.rows),
            households_created=result.households_created,
            persons_created=result.persons_created,
            persons_changed=result.persons_changed,
            status_changes=result.status_changes,
        )
        _insert(
            RegistryChange,
            ("village_id", "household_id", "person_id", "field", "before", "after", "effective", "changed_at",
             "changed_by_id", "audit_entry_id"),
            [(*item, entry.pk) for item in changes],
        )  # fmt: skip

    def _cadre_pk(self, id_number: str) -> int | None:
        if not hasattr(self, "_cadre_pks"):
            outside = list(self.outside_cadres)
            self._cadre_pks = dict(
                Person.objects.filter(id_number__in=outside).values_list("id_number", "id")
            )
        return self._cadre_pks.get(id_number)


# Person fields an import updates (besides the village and the cadre link, set apart).
UPDATED = ("household_id", "name", "relation", "alive", "death_date", "phone", "bank_card", "bank", "is_member",
           "cadre_role")  # fmt: skip


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


# Plain parameterised statements, many rows each: Django's bulk_create and bulk_update compile
# every row's expressions (bulk_update builds a CASE per column), which cost most of the import
# of 100,000 persons; these send the same rows for a fraction of it. Dates go as ISO text,
# timestamps as the backend adapts them, so both databases read them as their own.
def _insert(model, columns: tuple[str, ...], rows: list) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the rows stream in one statement, with no SQL text to build or parse.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = "INSERT INTO {} ({}) VALUES ({})".format(table, names, ", ".join(["%s"] * len(columns)))
        for chunk in _chunks(rows):
            cursor.executemany(sql, chunk)


def _update(model, columns: tuple[str, ...], rows: list) -> None:
    """``rows`` are the new values of ``columns`` followed by the row's id."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE id = %s".format(
        quote(model._meta.db_table), ", ".join(f"{quote(c)} = %s" for c in columns)
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.executemany(sql, chunk)


def import_summary(result: HouseholdsImportResult) -> str:
    return gettext(
        "农户信息导入完成：新建户 {households} 户，新建人员 {created} 人，变更人员 {changed} 人，户类型变更 {statuses} 次"
    ).format(
        households=result.households_created,
        created=result.persons_created,
        changed=result.persons_changed,
        statuses=result.status_changes,
    )


# ---------------------------------------------------------------------------------------------
# One person corrected on a page


CORRECTABLE = ("name", "relation", "phone", "bank_card", "bank", "alive", "death_date", "is_member")


def person_correct(*, actor, person: Person, values: dict) -> list[str]:
    """Correct one person's fields (``CORRECTABLE``; texts as typed, ``alive``/``is_member`` bools,
    ``death_date`` a date or None): the same checks as the import, each change kept as history.
    Returns the names of the fields changed.

    Raises:
        NotPermitted: the actor may not edit the person's village.
        DomainError: every bad field.
    """
    access.require_village(actor, access.EDIT, person.village)
    today = timezone.localdate()
    t = terms()
    problems: list[FieldProblem] = []
    new = {name: values.get(name, getattr(person, name)) for name in CORRECTABLE}
    for name in ("name", "relation", "phone", "bank_card", "bank"):
        new[name] = (new[name] or "").strip()
    new["phone"] = new["phone"].replace(" ", "")
    new["bank_card"] = identity.normalise_card(new["bank_card"])
    for name in ("name", "relation"):
        if not new[name]:
            problems.append(FieldProblem(name, str(E.REQUIRED)))
    for name in ("name", "relation", "bank"):
        if len(new[name]) > LIMITS[name]:
            problems.append(FieldProblem(name, str(E.TOO_LONG.format(limit=LIMITS[name]))))
    if new["phone"] and (message := identity.phone_problem(new["phone"])):
        problems.append(FieldProblem("phone", message))
    if new["bank_card"]:
        if message := identity.card_problem(new["bank_card"], luhn_required=t.luhn_required):
            problems.append(FieldProblem("bank_card", message))
        if not new["bank"]:
            problems.append(FieldProblem("bank", str(E.CARD_WITHOUT_BANK)))
        owner = Person.objects.filter(bank_card=new["bank_card"]).exclude(pk=person.pk).first()
        if owner is not None:
            problems.append(FieldProblem("bank_card", str(E.CARD_SHARED_REGISTERED.format(name=owner.name))))
    if new["alive"]:
        new["death_date"] = None
    elif new["death_date"] is None:
        problems.append(FieldProblem("death_date", str(E.DEATH_DATE_REQUIRED)))
    elif new["death_date"] > today:
        problems.append(FieldProblem("death_date", str(E.DATE_IN_FUTURE)))
    elif new["death_date"] < person.birth_date:
        problems.append(FieldProblem("death_date", str(E.DEATH_BEFORE_BIRTH)))
    if problems:
        raise DomainError(problems=problems)
    changed = [name for name in CORRECTABLE if getattr(person, name) != new[name]]
    if not changed:
        return []
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        entry = audit_record(actor=actor, action="registry_person_correct", obj=locked, fields=changed)
        rows = []
        for name in changed:
            before, after = getattr(locked, name), new[name]
            effective = new["death_date"] if name in ("alive", "death_date") and new["death_date"] else today
            rows.append(
                RegistryChange(
                    village_id=locked.village_id,
                    household_id=locked.household_id,
                    person=locked,
                    field=name,
                    before="" if before is None else str(before),
                    after="" if after is None else str(after),
                    effective=effective,
                    changed_by=actor,
                    audit_entry_id=entry.pk,
                )
            )
            setattr(locked, name, after)
        locked.save(update_fields=[*changed, "updated_at"])
        RegistryChange.objects.bulk_create(rows)
    for name in changed:
        setattr(person, name, new[name])
    return changed


def helper_assign(
    *, actor, household: Household, name: str, since: date, unit: str = "", phone: str = ""
) -> None:
    """Assign a 帮扶责任人 to ``household`` from ``since``: the current one's period ends the day
    before, and both are kept, with a change row naming who was replaced by whom."""
    from datetime import timedelta

    from villagebooks.registry.models import Helper

    access.require_village(actor, access.EDIT, household.village)
    name, unit, phone = name.strip(), unit.strip(), phone.replace(" ", "")
    problems = []
    if not name:
        problems.append(FieldProblem("name", str(E.REQUIRED)))
    if len(name) > LIMITS["name"]:
        problems.append(FieldProblem("name", str(E.TOO_LONG.format(limit=LIMITS["name"]))))
    if len(unit) > 100:
        problems.append(FieldProblem("unit", str(E.TOO_LONG.format(limit=100))))
    if phone and (message := identity.phone_problem(phone)):
        problems.append(FieldProblem("phone", message))
    with transaction.atomic():
        current = Helper.objects.select_for_update().filter(household=household, until__isnull=True).first()
        if current is not None and since <= current.since:
            problems.append(FieldProblem("since", str(E.HELPER_SINCE_EARLIER.format(since=current.since))))
        if problems:
            raise DomainError(problems=problems)
        if current is not None:
            current.until = since - timedelta(days=1)
            current.save(update_fields=["until"])
        Helper.objects.create(
            household=household, name=name, unit=unit, phone=phone, since=since, recorded_by=actor
        )
        entry = audit_record(
            actor=actor, action="registry_helper_assign", obj=household, name=name, since=since.isoformat()
        )
        RegistryChange.objects.create(
            village_id=household.village_id,
            household=household,
            field="helper",
            before=current.name if current else "",
            after=name,
            effective=since,
            changed_by=actor,
            audit_entry_id=entry.pk,
        )


# ---------------------------------------------------------------------------------------------
# Membership flags from the member register


def member_flags_set(*, actor, flags: dict[int, bool], entry_id: int | None = None) -> list[int]:
    """Set ``Person.is_member`` to ``flags[person id]`` where it differs, each change kept as
    history (``RegistryChange``, field ``is_member``). Returns the ids of the persons changed.

    The member register (affairs, above the registry) calls this after its own change, which it
    checked for permission and recorded in the operation log (``entry_id``): the flag follows the
    register and is not a decision of its own.
    """
    if not flags:
        return []
    today = timezone.localdate()
    with transaction.atomic():
        changing = list(Person.objects.select_for_update().filter(pk__in=list(flags)).order_by("pk"))
        changing = [p for p in changing if p.is_member != flags[p.pk]]
        rows = []
        for person in changing:
            rows.append(
                RegistryChange(
                    village_id=person.village_id,
                    household_id=person.household_id,
                    person=person,
                    field="is_member",
                    before=str(person.is_member),
                    after=str(flags[person.pk]),
                    effective=today,
                    changed_by=actor,
                    audit_entry_id=entry_id,
                )
            )
            person.is_member, person.updated_at = flags[person.pk], timezone.now()
        if changing:
            Person.objects.bulk_update(changing, ["is_member", "updated_at"])
        RegistryChange.objects.bulk_create(rows)
    return [p.pk for p in changing]
