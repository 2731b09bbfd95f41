"""Writes to the region tree and to users' roles."""

from __future__ import annotations

import csv
import io
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, FieldProblem, NotPermitted
from villagebooks.common.tabular import cell_text, picker, table_open
from villagebooks.regions.access import (
    grant_refusal,
    granting_places,
    require_may_grant,
    require_user_manager,
)
from villagebooks.regions.models import KIND_DEPTH, Region, RegionKind, Role, RoleAssignment

REGION_COLUMNS = ["code", "name", "parent_code", "kind"]
BAD_CODE = _("区划代码必须是12位数字")
BAD_KIND = _("级别必须是 province、city、county、township、village 之一（或 省、市、县、乡镇、村）")
UNKNOWN_PARENT = _("上级区划 {code} 不存在")
PARENT_KIND = _("上级区划的级别应高于本级")
DUPLICATE_CODE = _("区划代码 {code} 在文件中重复")
MOVED_REGION = _("区划 {code} 已存在且上级或级别不同，不能移动")
MISSING_COLUMNS = _("缺少列：{columns}")
NAME_REQUIRED = _("名称不能为空")
UNKNOWN_ROLE_NAME = _("未知角色：{role}")
# The Chinese names of the kinds, as a county's spreadsheet writes them (fixed: the file is data,
# whatever language the person importing it reads).
KIND_ALIASES = {"省": "province", "市": "city", "县(区)": "county", "乡镇": "township", "村": "village"} | {
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
            problems.append(FieldProblem("name", NAME_REQUIRED, number))
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
    """Give ``user`` a role over ``region`` (or one ledger in it); granting twice is harmless.

    Raises:
        NotPermitted: ``actor`` may not grant ``role`` there (``regions.access``).
    """
    if role not in Role.values:
        raise DomainError(UNKNOWN_ROLE_NAME.format(role=role), field="role")
    require_may_grant(actor, role, region)
    with transaction.atomic():
        assignment, _ = RoleAssignment.objects.get_or_create(
            user=user, role=role, region=region, ledger_id=ledger_id
        )
        audit_record(
            actor=actor,
            action="role_grant",
            ledger_id=ledger_id,
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


# ---------------------------------------------------------------------------------------------
# Users: created with their first role, or given one more role at another place
#
# The command line sets a county up (``villagebooks add-user``, ``villagebooks import-users``).
# A user is created without a usable password unless one is given; ``villagebooks changepassword``
# sets it later. A password is never changed here: a row for an existing user only adds a role.

USER_COLUMNS = ("username", "role", "region", "ledger", "full_name", "password")
USER_REQUIRED_COLUMNS = ("username", "role")
# The headers accepted for each column, as ``common.tabular`` compares them.
USER_COLUMN_ALIASES = {
    "username": ("username", "用户名"),
    "role": ("role", "角色"),
    "region": ("region", "行政区划"),
    "ledger": ("ledger", "账套"),
    "full_name": ("full_name", "姓名"),
    "password": ("password", "密码"),
}
USERNAME_REQUIRED = _("用户名不能为空")
BAD_USERNAME = _("用户名只能包含字母、数字、汉字和 @ . + - _，最长150个字符")
UNKNOWN_ROLE = _(
    "未知角色“{role}”，应为 admin、county、agency-manager、accountant、reviewer、reporter、supervisor 之一"
)
PLACE_REQUIRED = _("请填写 region（行政区划代码）或 ledger（账套编号）之一")
PLACE_BOTH = _("region 和 ledger 只能填写一个（账套角色的行政区划就是账套所属的村）")
REGION_ROLE_ONLY = _("“{role}”角色只能授予在行政区划上，不能授予在单个账套上")
UNKNOWN_REGION = _("行政区划 {code} 不存在")
UNKNOWN_LEDGER = _("账套 {code} 不存在")
FULL_NAME_TOO_LONG = _("姓名最长150个字符")
PASSWORD_EMPTY = _("密码不能为空")
ALREADY_GRANTED = _("用户 {username} 已在“{place}”拥有角色“{role}”")
DUPLICATE_USER_ROW = _("与第{row}行重复")
NAME_MISMATCH = _("用户 {username} 已存在且姓名不同，请确认是否为同一人")
PASSWORD_FOR_EXISTING = _(
    "用户 {username} 已存在，不能在此修改密码（请用 villagebooks changepassword {username}）"
)
FULL_NAME_CONFLICT = _("同一用户的姓名与第{row}行不同")
PASSWORD_CONFLICT = _("同一用户的密码与第{row}行不同")
UNKNOWN_COLUMNS = _("未知列：{columns}")
PLACE_COLUMN_MISSING = _("缺少列：region 或 ledger（至少要有其中一列）")
EXTRA_CELLS = _("本行的列数多于表头")
NO_USER_ROWS = _("文件中没有用户")
CONCURRENT_USER_CHANGE = _("其他人同时修改了这些用户，未作任何更改，请重新运行")
# Chinese role names are accepted too, as a county office's spreadsheet writes them (fixed: the file
# is data, whatever language the person importing it reads).
ROLE_ALIASES = {
    "系统管理员": Role.ADMIN,
    "县级主管部门": Role.COUNTY,
    "代理中心负责人": Role.AGENCY_MANAGER,
    "代理会计": Role.ACCOUNTANT,
    "审核员": Role.REVIEWER,
    "村报账员": Role.REPORTER,
    "监督员": Role.SUPERVISOR,
}
REGION_ONLY_ROLES = (Role.ADMIN, Role.COUNTY)
USERNAME_MAX_LENGTH = 150
FULL_NAME_MAX_LENGTH = 150


@dataclass(frozen=True)
class UserRow:
    """One user and one role at one place, as the command or a CSV row gives it."""

    username: str
    role: str
    region: str = ""
    ledger: str = ""
    full_name: str = ""
    password: str | None = None  # None: none given
    row: int | None = None


@dataclass(frozen=True)
class UserAdded:
    user: object
    assignment: RoleAssignment
    place: str
    created: bool
    # Created without a password: the user cannot log in until one is set.
    needs_password: bool


@dataclass(frozen=True)
class UsersImportResult:
    users_created: list[str]
    roles_granted: int
    without_password: list[str]


@dataclass
class _Grant:
    row: UserRow
    username: str
    role: str
    region: Region | None = None
    ledger_id: int | None = None
    place: str = ""


@dataclass
class _NewUser:
    username: str
    full_name: str = ""
    full_name_row: int | None = None
    password: str | None = None
    password_row: int | None = None
    password_hash: str = ""


def user_add(
    *,
    actor,
    username: str,
    role: str,
    region_code: str | None = None,
    ledger_code: str | None = None,
    password: str | None = None,
    full_name: str = "",
) -> UserAdded:
    """Create ``username`` with ``role`` at a region or a ledger, or give an existing user that role.

    Raises:
        NotPermitted: the actor may not manage users at that place.
        DomainError: an unknown role, region or ledger, a role already held, a weak password,
            or a password or another name for a user who already exists. Nothing is changed.
    """
    row = UserRow(
        username=(username or "").strip(),
        role=(role or "").strip(),
        region=(region_code or "").strip(),
        ledger=(ledger_code or "").strip(),
        full_name=(full_name or "").strip(),
        password=password,
    )
    grants, new_users = _users_plan(actor=actor, rows=[row])
    with _concurrent_change_refused():
        created, assignments = _users_apply(actor=actor, grants=grants, new_users=new_users)
    grant = grants[0]
    return UserAdded(
        user=assignments[0].user,
        assignment=assignments[0],
        place=grant.place,
        created=bool(created),
        needs_password=bool(created) and new_users[grant.username].password is None,
    )


def users_import(*, actor, path: Path, progress: bool = False) -> UsersImportResult:
    """Create users and grant roles from a CSV or XLSX file (columns ``USER_COLUMNS``, or their
    Chinese names); all or nothing.

    One row is one role at one place; a user with several roles has several rows, and needs
    ``full_name`` and ``password`` (optional) on one of them only. Every bad row is reported.
    """
    require_user_manager(actor)  # before any of the file is looked at
    rows = _user_rows_from_file(Path(path))
    grants, new_users = _users_plan(actor=actor, rows=rows, progress=progress)
    with _concurrent_change_refused():
        created, assignments = _users_apply(actor=actor, grants=grants, new_users=new_users)
    return UsersImportResult(
        users_created=[user.username for user in created],
        roles_granted=len(assignments),
        without_password=[user.username for user in created if not new_users[user.username].password],
    )


def _user_rows_from_file(path: Path) -> list[UserRow]:
    with table_open(path, USER_COLUMN_ALIASES) as table:
        problems = []
        missing = [c for c in USER_REQUIRED_COLUMNS if c not in table.columns]
        if missing:
            problems.append(FieldProblem("header", MISSING_COLUMNS.format(columns=", ".join(missing))))
        if "region" not in table.columns and "ledger" not in table.columns:
            problems.append(FieldProblem("header", PLACE_COLUMN_MISSING))
        if table.unknown:
            problems.append(FieldProblem("header", UNKNOWN_COLUMNS.format(columns=", ".join(table.unknown))))
        if problems:
            raise DomainError(problems=problems)

        pick = picker(table.columns, USER_COLUMNS[:-1])
        password_at, width = table.columns.get("password"), table.width
        rows = []
        for number, cells in table.rows:
            if any(cell not in (None, "") for cell in cells[width:]):
                problems.append(FieldProblem("", EXTRA_CELLS, number))
                continue
            username, role, region, ledger, full_name = pick(cells)
            password = cells[password_at] if password_at is not None and password_at < len(cells) else None
            # Only the line ending is not part of a password; a blank cell gives none.
            password = (password if type(password) is str else cell_text(password)).strip("\r\n") or None
            if not (username or role or region or ledger or full_name or password):
                continue  # a spreadsheet's empty trailing row
            rows.append(UserRow(username, role, region, ledger, full_name, password, row=number))
    if problems:
        raise DomainError(problems=problems)
    if not rows:
        raise DomainError(NO_USER_ROWS, field="file")
    return rows


def _users_plan(*, actor, rows: list[UserRow], progress: bool = False):
    """Check every row and work out what to write; raise with every problem found, or return
    the grants and the users to create (passwords already hashed, outside the transaction)."""
    require_user_manager(actor)
    user_model = get_user_model()
    problems: list[FieldProblem] = []
    forbidden: list[FieldProblem] = []
    grants: list[_Grant] = []
    for row in rows:
        grant = _Grant(row=row, username=user_model.normalize_username(row.username), role=row.role)
        grant.role = ROLE_ALIASES.get(row.role, row.role)
        row_problems = _user_row_problems(row, grant)
        problems += row_problems
        if not row_problems:
            grants.append(grant)

    regions = Region.objects.in_bulk([g.row.region for g in grants if g.row.region], field_name="code")
    # Ledgers belong to the app above this one; reading them through the app registry keeps
    # this module's imports pointing down the layers, as RoleAssignment's plain ledger_id does.
    ledger_model = apps.get_model("ledger", "Ledger")
    ledgers = (
        ledger_model.objects.select_related("village").in_bulk(
            [g.row.ledger for g in grants if g.row.ledger], field_name="code"
        )
        if any(g.row.ledger for g in grants)
        else {}
    )
    places = granting_places(actor)
    placed = []
    for grant in grants:
        row = grant.row
        if row.ledger:
            ledger = ledgers.get(row.ledger)
            if ledger is None:
                problems.append(FieldProblem("ledger", UNKNOWN_LEDGER.format(code=row.ledger), row.row))
                continue
            grant.region, grant.ledger_id, grant.place = ledger.village, ledger.pk, str(ledger)
        else:
            grant.region = regions.get(row.region)
            if grant.region is None:
                problems.append(FieldProblem("region", UNKNOWN_REGION.format(code=row.region), row.row))
                continue
            grant.place = str(grant.region)
        refusal = grant_refusal(places, grant.role, grant.region)
        if refusal is not None:
            field = "ledger" if row.ledger else "region"
            forbidden.append(FieldProblem(field, refusal, row.row))
            continue
        placed.append(grant)

    existing = {u.username: u for u in user_model.objects.filter(username__in={g.username for g in placed})}
    held = set(
        RoleAssignment.objects.filter(user__in=existing.values()).values_list(
            "user__username", "role", "region_id", "ledger_id"
        )
    )
    seen: dict[tuple, int | None] = {}
    new_users: dict[str, _NewUser] = {}
    for grant in placed:
        row = grant.row
        key = (grant.username, grant.role, grant.region.pk, grant.ledger_id)
        if key in seen:
            problems.append(FieldProblem("username", DUPLICATE_USER_ROW.format(row=seen[key]), row.row))
            continue
        seen[key] = row.row
        if key in held:
            role_name = Role(grant.role).label
            message = ALREADY_GRANTED.format(username=grant.username, place=grant.place, role=role_name)
            problems.append(FieldProblem("role", message, row.row))
        user = existing.get(grant.username)
        if user is not None:
            if row.full_name and row.full_name != user.get_full_name():
                problems.append(
                    FieldProblem("full_name", NAME_MISMATCH.format(username=grant.username), row.row)
                )
            if row.password is not None:
                problems.append(
                    FieldProblem("password", PASSWORD_FOR_EXISTING.format(username=grant.username), row.row)
                )
            continue
        new = new_users.setdefault(grant.username, _NewUser(username=grant.username))
        if row.full_name:
            if new.full_name and new.full_name != row.full_name:
                problems.append(
                    FieldProblem("full_name", FULL_NAME_CONFLICT.format(row=new.full_name_row), row.row)
                )
            elif not new.full_name:
                new.full_name, new.full_name_row = row.full_name, row.row
        if row.password is not None:
            if new.password is not None and new.password != row.password:
                problems.append(
                    FieldProblem("password", PASSWORD_CONFLICT.format(row=new.password_row), row.row)
                )
            elif new.password is None:
                new.password, new.password_row = row.password, row.row
    for new in new_users.values():
        if new.password is not None:
            problems += _password_problems(user_model, new)

    if forbidden and not problems:
        raise NotPermitted(problems=forbidden)
    if problems or forbidden:
        raise DomainError(problems=sorted(problems + forbidden, key=lambda p: p.row or 0))

    to_hash = [new for new in new_users.values() if new.password is not None]
    # PBKDF2 at Django's cost takes about half a second a password: a county's file takes minutes.
    for new in tqdm(to_hash, desc="设置密码", unit="人", file=sys.stderr, disable=not progress, leave=False):
        new.password_hash = make_password(new.password)
    return placed, new_users


def _user_row_problems(row: UserRow, grant: _Grant) -> list[FieldProblem]:
    """The checks of one row that need no database."""
    problems = []
    if not row.username:
        problems.append(FieldProblem("username", USERNAME_REQUIRED, row.row))
    elif len(grant.username) > USERNAME_MAX_LENGTH or not re.fullmatch(
        UnicodeUsernameValidator.regex, grant.username
    ):
        problems.append(FieldProblem("username", BAD_USERNAME, row.row))
    if grant.role not in Role.values:
        problems.append(FieldProblem("role", UNKNOWN_ROLE.format(role=row.role), row.row))
    if not row.region and not row.ledger:
        problems.append(FieldProblem("region", PLACE_REQUIRED, row.row))
    elif row.region and row.ledger:
        problems.append(FieldProblem("ledger", PLACE_BOTH, row.row))
    elif row.ledger and grant.role in REGION_ONLY_ROLES:
        problems.append(FieldProblem("ledger", REGION_ROLE_ONLY.format(role=Role(grant.role).label), row.row))
    if len(row.full_name) > FULL_NAME_MAX_LENGTH:
        problems.append(FieldProblem("full_name", FULL_NAME_TOO_LONG, row.row))
    if row.password is not None and not row.password:
        problems.append(FieldProblem("password", PASSWORD_EMPTY, row.row))
    return problems


def _password_problems(user_model, new: _NewUser) -> list[FieldProblem]:
    """Django's validators (settings.AUTH_PASSWORD_VALIDATORS), in Chinese whatever the caller's language."""
    candidate = user_model(username=new.username, first_name=new.full_name)
    with translation.override("zh-hans"):
        try:
            validate_password(new.password, user=candidate)
        except ValidationError as error:
            return [FieldProblem("password", message, new.password_row) for message in error.messages]
    return []


@contextmanager
def _concurrent_change_refused():
    """A user or role created by someone else between the checks and the writes: nothing is kept."""
    try:
        yield
    except IntegrityError as error:
        raise DomainError(CONCURRENT_USER_CHANGE, field="username") from error


def _users_apply(*, actor, grants: list[_Grant], new_users: dict[str, _NewUser]):
    user_model = get_user_model()
    with transaction.atomic():
        created = []
        users = {}
        for new in new_users.values():
            user = user_model(username=new.username, first_name=new.full_name)
            # make_password(None) is Django's unusable password: nobody can log in with it.
            user.password = new.password_hash or make_password(None)
            user.save()
            audit_record(
                actor=actor,
                action="user_create",
                obj=user,
                username=user.username,
                full_name=user.first_name,
                password_set=bool(new.password_hash),
            )
            created.append(user)
            users[user.username] = user
        missing = [g.username for g in grants if g.username not in users]
        users |= {u.username: u for u in user_model.objects.filter(username__in=missing)}
        assignments = []
        for grant in grants:
            # A plain create (not role_grant's get_or_create): a role someone granted since the
            # checks is a conflict that undoes the whole run, not silently the same.
            assignment = RoleAssignment.objects.create(
                user=users[grant.username], role=grant.role, region=grant.region, ledger_id=grant.ledger_id
            )
            audit_record(
                actor=actor,
                action="role_grant",
                ledger_id=grant.ledger_id,
                obj=assignment,
                user=grant.username,
                role=grant.role,
                region=grant.region.code,
            )
            assignments.append(assignment)
    return created, assignments
