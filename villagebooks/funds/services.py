"""Every write of funds: allocations and the project library from files, and a project's steps.

Each service is one transaction with an audit row; an import checks the whole file first and
reports every bad row (row, column, reason) before it writes anything, then writes it all or
nothing. Funds and projects as line dimensions are the ledger's: written through its services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.common.money import MoneyError, format_fen, yuan_to_fen
from villagebooks.common.tabular import picker, table_open
from villagebooks.funds import errors as E
from villagebooks.funds.access import MANAGE, action_for
from villagebooks.funds.models import (
    STATE_ORDER,
    Allocation,
    AllocationShare,
    BudgetLine,
    Control,
    ProjectAct,
    ProjectDocument,
    ProjectEntry,
    ProjectKind,
    ProjectState,
)
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.access import can, require
from villagebooks.ledger.models import Account, Fund, FundKind, Ledger, Project

ALLOCATION_COLUMNS = (
    "allocation",
    "ledger",
    "date",
    "issuer",
    "document_number",
    "fund",
    "fund_kind",
    "amount",
    "purpose",
    "allowed_accounts",
    "project",
    "control",
)
# Optional after the columns: the 负面清单, ";"-separated account codes or prefixes and
# project kinds (产业发展 … or their codes) that spending from the allocation must never reach.
ALLOCATION_OPTIONAL = ("forbidden",)
# Canonical column → the headers accepted (the second, Chinese, names a missing column).
ALLOCATION_ALIASES = {
    "allocation": ("allocation", "下达编号"),
    "ledger": ("ledger", "账套"),
    "date": ("date", "下达日期", "日期"),
    "issuer": ("issuer", "下达单位"),
    "document_number": ("document_number", "文号"),
    "fund": ("fund", "资金名称", "资金来源"),
    "fund_kind": ("fund_kind", "资金类别"),
    "amount": ("amount", "金额", "下达金额"),
    "purpose": ("purpose", "用途"),
    "allowed_accounts": ("allowed_accounts", "允许支出科目"),
    "project": ("project", "项目"),
    "control": ("control", "控制方式"),
    "forbidden": ("forbidden", "负面清单"),
}
ALLOCATION_REQUIRED = (
    "allocation",
    "ledger",
    "date",
    "issuer",
    "document_number",
    "fund",
    "fund_kind",
    "amount",
)

PROJECT_COLUMNS = (
    "ledger",
    "project",
    "name",
    "kind",
    "fund",
    "account",
    "budget",
    "start",
    "end",
    "control",
)
PROJECT_ALIASES = {
    "ledger": ("ledger", "账套"),
    "project": ("project", "项目编号", "项目"),
    "name": ("name", "项目名称"),
    "kind": ("kind", "项目类别"),
    "fund": ("fund", "资金名称", "资金来源"),
    "account": ("account", "科目", "科目编码"),
    "budget": ("budget", "预算", "预算金额"),
    "start": ("start", "开工日期", "计划开工"),
    "end": ("end", "完工日期", "计划完工"),
    "control": ("control", "控制方式"),
}
PROJECT_REQUIRED = ("ledger", "project", "name", "kind", "account", "budget", "start", "end")

REQUIRED = _("不能为空")
UNKNOWN_COLUMNS = _("未知列：{columns}")
MISSING_COLUMNS = _("缺少必需的列：{columns}")
EXTRA_CELLS = _("本行的列数多于表头")
NO_ROWS = _("文件中没有数据行")
BAD_DATE = _("日期“{text}”无效，应为 YYYY-MM-DD")
UNKNOWN_LEDGER = _("账套 {code} 不存在或您无权管理其资金项目")
BAD_CONTROL = _("控制方式只能是 stop 或 warn（禁止、预警）")
UNKNOWN_FUND_KIND = _("资金类别“{kind}”无效")
UNKNOWN_KIND = _("项目类别“{kind}”无效，应为：{kinds}")
BAD_ACCOUNT = _("科目“{code}”不是本账套的科目编码或其前缀")
BAD_FORBIDDEN = _("负面清单中的“{item}”既不是本账套的科目编码或前缀，也不是项目类别（{kinds}）")
AMOUNT_NOT_POSITIVE = _("金额必须大于零")
BUDGET_NEGATIVE = _("预算不能为负数")
ALLOCATION_EXISTS = _("下达编号 {code} 已存在")
DIFFERS = _("同一{key}的各行此列必须相同（第 {row} 行为“{value}”）")
DUPLICATE_SHARE = _("下达 {code} 在账套 {ledger} 的份额重复（第 {row} 行）")
DUPLICATE_BUDGET = _("项目 {code} 的预算行（资金“{fund}”，科目 {account}）重复（第 {row} 行）")
UNKNOWN_FUND = _("资金来源“{name}”不存在于账套 {ledger}（请先导入资金下达或登记资金来源）")
END_BEFORE_START = _("完工日期早于开工日期")
TOO_MANY_FILES = _("一次最多附 {limit} 个文件")
TOO_LONG = _("最长 {limit} 个字符")

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_ACCOUNT = re.compile(r"\d{1,20}")


def _date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


def _control(text: str) -> str | None:
    value = {"": Control.STOP, "禁止": Control.STOP, "预警": Control.WARN}.get(text, text.lower())
    return value if value in Control.values else None


def _choice(text: str, choices) -> str | None:
    """A choice by its code or its Chinese name (a file's or a script's, whatever language the
    person running it reads), or by its name in the active language."""
    names = {}
    with translation.override("zh-hans"):
        names.update({str(label): value for value, label in choices})
    names.update({str(label): value for value, label in choices})
    names.update({value: value for value, _label in choices})
    return names.get(text)


def _read(path: Path, aliases: dict, required: tuple, columns: tuple) -> list[tuple[int, list[str]]]:
    """The file's rows as (row number, texts of ``columns``); every problem of its header and
    shape raised together."""
    with table_open(Path(path), aliases) as table:
        problems = []
        missing = [name for name in required if name not in table.columns]
        if missing:
            problems.append(FieldProblem("header", MISSING_COLUMNS.format(columns=", ".join(missing))))
        if table.unknown:
            problems.append(FieldProblem("header", UNKNOWN_COLUMNS.format(columns=", ".join(table.unknown))))
        if problems:
            raise DomainError(problems=problems)
        pick = picker(table.columns, columns)
        rows = []
        for number, cells in table.rows:
            if any(cell not in (None, "") for cell in cells[table.width :]):
                problems.append(FieldProblem("", EXTRA_CELLS, number))
                continue
            texts = pick(cells)
            if any(texts):
                rows.append((number, texts))
    if problems:
        raise DomainError(problems=problems)
    if not rows:
        raise DomainError(NO_ROWS, field="file")
    return rows


class _Ledgers:
    """Ledgers by code, each once, with the actor's permission checked."""

    def __init__(self, actor):
        self.actor = actor
        self.by_code: dict[str, Ledger | None] = {}
        self.accounts: dict[int, list[str]] = {}
        self.funds: dict[int, dict[str, Fund]] = {}
        self.projects: dict[int, dict[str, Project]] = {}

    def get(self, code: str) -> Ledger | None:
        if code not in self.by_code:
            ledger = Ledger.objects.filter(code=code).first()
            # One answer for "no such ledger" and "not yours": the other side learns nothing.
            self.by_code[code] = ledger if ledger is not None and can(self.actor, ledger, MANAGE) else None
        return self.by_code[code]

    def account_codes(self, ledger: Ledger) -> list[str]:
        if ledger.pk not in self.accounts:
            self.accounts[ledger.pk] = list(
                Account.objects.filter(ledger=ledger).values_list("code", flat=True)
            )
        return self.accounts[ledger.pk]

    def is_account_or_prefix(self, ledger: Ledger, code: str) -> bool:
        return bool(_ACCOUNT.fullmatch(code)) and any(a.startswith(code) for a in self.account_codes(ledger))

    def fund(self, ledger: Ledger, name: str) -> Fund | None:
        if ledger.pk not in self.funds:
            self.funds[ledger.pk] = {fund.name: fund for fund in Fund.objects.filter(ledger=ledger)}
        return self.funds[ledger.pk].get(name)

    def project(self, ledger: Ledger, code: str) -> Project | None:
        if ledger.pk not in self.projects:
            self.projects[ledger.pk] = {p.code: p for p in Project.objects.filter(ledger=ledger)}
        return self.projects[ledger.pk].get(code)


def _same(groups: dict, key, row: int, values: dict, label: str, problems: list[FieldProblem]) -> None:
    """Rows of one document (or project) must agree on its own fields; the first row sets them."""
    first = groups.get(key)
    if first is None:
        groups[key] = (row, values)
        return
    first_row, first_values = first
    for name, value in values.items():
        if first_values[name] != value:
            problems.append(
                FieldProblem(name, DIFFERS.format(key=label, row=first_row, value=first_values[name]), row)
            )


# ---------------------------------------------------------------------------------------------
# Allocations


@dataclass
class _Share:
    row: int
    ledger: Ledger
    fund_name: str
    fund: Fund | None
    amount_fen: int
    project: Project | None


@dataclass
class _Document:
    code: str
    issuer: str
    document_number: str
    date: date
    fund_kind: str
    purpose: str
    allowed: str
    control: str
    forbidden_accounts: str = ""
    forbidden_kinds: str = ""
    shares: list[_Share] = field(default_factory=list)


@dataclass(frozen=True)
class AllocationsImportResult:
    allocations: int
    shares: int
    funds_created: list[str]


def allocations_import(*, actor, path: Path) -> AllocationsImportResult:
    """Record transfer documents and their ledger shares from a CSV or XLSX file (columns
    ``ALLOCATION_COLUMNS`` or their Chinese names), all or nothing: every bad row is reported."""
    rows = _read(path, ALLOCATION_ALIASES, ALLOCATION_REQUIRED, ALLOCATION_COLUMNS + ALLOCATION_OPTIONAL)
    ledgers = _Ledgers(actor)
    problems: list[FieldProblem] = []
    documents: dict[str, _Document] = {}
    groups: dict = {}
    seen_shares: dict[tuple[str, int], int] = {}
    for row, cells in rows:
        (
            code,
            ledger_code,
            day,
            issuer,
            number,
            fund_name,
            kind,
            amount,
            purpose,
            allowed,
            project_code,
            control,
            forbidden,
        ) = cells
        bad = len(problems)
        for name, value in zip(ALLOCATION_COLUMNS + ALLOCATION_OPTIONAL, cells, strict=True):
            if name in ALLOCATION_REQUIRED and not value:
                problems.append(FieldProblem(name, REQUIRED, row))
        for name, value, limit in (
            ("allocation", code, 64),
            ("issuer", issuer, 100),
            ("document_number", number, 100),
            ("fund", fund_name, 100),
            ("purpose", purpose, 200),
            ("allowed_accounts", allowed, 500),
            ("forbidden", forbidden, 500),
        ):
            if len(value) > limit:
                problems.append(FieldProblem(name, TOO_LONG.format(limit=limit), row))
        parsed_date = _date(day) if day else None
        if day and parsed_date is None:
            problems.append(FieldProblem("date", BAD_DATE.format(text=day), row))
        fund_kind = _choice(kind, FundKind.choices) if kind else None
        if kind and fund_kind is None:
            problems.append(FieldProblem("fund_kind", UNKNOWN_FUND_KIND.format(kind=kind), row))
        control_value = _control(control)
        if control_value is None:
            problems.append(FieldProblem("control", BAD_CONTROL, row))
        amount_fen = _fen_cell("amount", amount, row, problems, lowest=1, below=AMOUNT_NOT_POSITIVE)
        ledger = ledgers.get(ledger_code) if ledger_code else None
        if ledger_code and ledger is None:
            problems.append(FieldProblem("ledger", UNKNOWN_LEDGER.format(code=ledger_code), row))
        prefixes = [item.strip() for item in allowed.split(";") if item.strip()]
        forbidden_accounts, forbidden_kinds = [], []
        project = None
        if ledger is not None:
            for prefix in prefixes:
                if not ledgers.is_account_or_prefix(ledger, prefix):
                    problems.append(FieldProblem("allowed_accounts", BAD_ACCOUNT.format(code=prefix), row))
            for item in (item.strip() for item in forbidden.replace("；", ";").split(";")):
                if not item:
                    continue
                kind_value = _choice(item, ProjectKind.choices)
                if kind_value is not None:
                    forbidden_kinds.append(kind_value)
                elif ledgers.is_account_or_prefix(ledger, item):
                    forbidden_accounts.append(item)
                else:
                    kinds = "、".join(str(label) for _value, label in ProjectKind.choices)
                    problems.append(
                        FieldProblem("forbidden", BAD_FORBIDDEN.format(item=item, kinds=kinds), row)
                    )
            if project_code:
                project = ledgers.project(ledger, project_code)
                if project is None:
                    problems.append(
                        FieldProblem(
                            "project", E.UNKNOWN_PROJECT.format(code=project_code, ledger=ledger_code), row
                        )
                    )
            key = (code, ledger.pk)
            if key in seen_shares:
                problems.append(
                    FieldProblem(
                        "ledger",
                        DUPLICATE_SHARE.format(code=code, ledger=ledger_code, row=seen_shares[key]),
                        row,
                    )
                )
            seen_shares.setdefault(key, row)
        if code:
            _same(
                groups,
                code,
                row,
                {
                    "date": day,
                    "issuer": issuer,
                    "document_number": number,
                    "fund_kind": kind,
                    "purpose": purpose,
                    "allowed_accounts": ";".join(prefixes),
                    "control": control,
                    "forbidden": ";".join(forbidden_accounts + forbidden_kinds),
                },
                gettext("下达编号"),
                problems,
            )
        if len(problems) > bad:
            continue
        document = documents.get(code)
        if document is None:
            document = documents[code] = _Document(
                code,
                issuer,
                number,
                parsed_date,
                fund_kind,
                purpose,
                ";".join(prefixes),
                control_value,
                ";".join(forbidden_accounts),
                ";".join(forbidden_kinds),
            )
        document.shares.append(
            _Share(row, ledger, fund_name, ledgers.fund(ledger, fund_name), amount_fen, project)
        )
    existing = set(Allocation.objects.filter(code__in=documents).values_list("code", flat=True))
    for code in sorted(existing):
        problems.append(
            FieldProblem("allocation", ALLOCATION_EXISTS.format(code=code), documents[code].shares[0].row)
        )
    if problems:
        raise DomainError(problems=sorted(problems, key=lambda p: p.row or 0))
    funds_created: list[str] = []
    try:
        with transaction.atomic():
            for document in documents.values():
                allocation = Allocation.objects.create(
                    code=document.code,
                    issuer=document.issuer,
                    document_number=document.document_number,
                    date=document.date,
                    fund_kind=document.fund_kind,
                    purpose=document.purpose,
                    allowed_accounts=document.allowed,
                    forbidden_accounts=document.forbidden_accounts,
                    forbidden_kinds=document.forbidden_kinds,
                    control=document.control,
                    created_by=actor,
                )
                for share in document.shares:
                    fund = share.fund or ledgers.fund(share.ledger, share.fund_name)
                    if fund is None:
                        fund = ledger_services.fund_create(
                            actor=actor,
                            ledger=share.ledger,
                            name=share.fund_name,
                            kind=document.fund_kind,
                            issuer=document.issuer,
                            document_number=document.document_number,
                            permission=MANAGE,
                        )
                        ledgers.funds[share.ledger.pk][fund.name] = fund
                        funds_created.append(f"{share.ledger.code}:{fund.name}")
                    AllocationShare.objects.create(
                        ledger=share.ledger,
                        allocation=allocation,
                        fund=fund,
                        project=share.project,
                        amount_fen=share.amount_fen,
                    )
                    audit_record(
                        actor=actor,
                        action="allocation_share_create",
                        ledger_id=share.ledger.pk,
                        obj=allocation,
                        allocation=document.code,
                        fund=fund.name,
                        amount_fen=share.amount_fen,
                    )
                audit_record(
                    actor=actor,
                    action="allocation_create",
                    obj=allocation,
                    code=document.code,
                    document_number=document.document_number,
                    amount_fen=sum(share.amount_fen for share in document.shares),
                )
    except IntegrityError as error:  # the same code recorded meanwhile by someone else
        raise Conflict(gettext("下达编号已被他人同时登记，请重新导入"), field="allocation") from error
    return AllocationsImportResult(
        allocations=len(documents),
        shares=sum(len(document.shares) for document in documents.values()),
        funds_created=funds_created,
    )


# ---------------------------------------------------------------------------------------------
# The project library


@dataclass
class _Plan:
    ledger: Ledger
    code: str
    name: str
    kind: str
    start: date
    end: date
    control: str
    row: int
    budget_lines: list[tuple[Fund | None, str, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ProjectsImportResult:
    created: int
    updated: int
    budget_lines: int


def projects_import(*, actor, path: Path, entered_on: date | None = None) -> ProjectsImportResult:
    """Enter projects into the library with their budget lines from a CSV or XLSX file (one row
    per budget line, columns ``PROJECT_COLUMNS``); all or nothing. A project already in the
    library gets its name, dates, control and budget lines replaced by the file's. A new one
    enters at 申报 on ``entered_on`` (default today): the date its 申报 was made."""
    rows = _read(path, PROJECT_ALIASES, PROJECT_REQUIRED, PROJECT_COLUMNS)
    ledgers = _Ledgers(actor)
    problems: list[FieldProblem] = []
    plans: dict[tuple[int, str], _Plan] = {}
    groups: dict = {}
    seen: dict[tuple, int] = {}
    for row, cells in rows:
        ledger_code, code, name, kind, fund_name, account, budget, start, end, control = cells
        bad = len(problems)
        for column, value in zip(PROJECT_COLUMNS, cells, strict=True):
            if column in PROJECT_REQUIRED and not value:
                problems.append(FieldProblem(column, REQUIRED, row))
        if len(code) > ledger_services.PROJECT_CODE_MAX_LENGTH:
            problems.append(
                FieldProblem("project", TOO_LONG.format(limit=ledger_services.PROJECT_CODE_MAX_LENGTH), row)
            )
        if len(name) > ledger_services.PROJECT_NAME_MAX_LENGTH:
            problems.append(
                FieldProblem("name", TOO_LONG.format(limit=ledger_services.PROJECT_NAME_MAX_LENGTH), row)
            )
        kind_value = _choice(kind, ProjectKind.choices) if kind else None
        if kind and kind_value is None:
            kinds = "、".join(str(label) for _value, label in ProjectKind.choices)
            problems.append(FieldProblem("kind", UNKNOWN_KIND.format(kind=kind, kinds=kinds), row))
        start_date, end_date = (_date(start) if start else None), (_date(end) if end else None)
        for column, text, parsed in (("start", start, start_date), ("end", end, end_date)):
            if text and parsed is None:
                problems.append(FieldProblem(column, BAD_DATE.format(text=text), row))
        if start_date and end_date and end_date < start_date:
            problems.append(FieldProblem("end", END_BEFORE_START, row))
        control_value = _control(control)
        if control_value is None:
            problems.append(FieldProblem("control", BAD_CONTROL, row))
        budget_fen = _fen_cell("budget", budget, row, problems, lowest=0, below=BUDGET_NEGATIVE)
        ledger = ledgers.get(ledger_code) if ledger_code else None
        if ledger_code and ledger is None:
            problems.append(FieldProblem("ledger", UNKNOWN_LEDGER.format(code=ledger_code), row))
        fund = None
        if ledger is not None:
            if account and not ledgers.is_account_or_prefix(ledger, account):
                problems.append(FieldProblem("account", BAD_ACCOUNT.format(code=account), row))
            if fund_name:
                fund = ledgers.fund(ledger, fund_name)
                if fund is None:
                    problems.append(
                        FieldProblem("fund", UNKNOWN_FUND.format(name=fund_name, ledger=ledger_code), row)
                    )
            key = (ledger.pk, code, fund_name, account)
            if code and account and key in seen:
                problems.append(
                    FieldProblem(
                        "account",
                        DUPLICATE_BUDGET.format(code=code, fund=fund_name, account=account, row=seen[key]),
                        row,
                    )
                )
            seen.setdefault(key, row)
            if code:
                _same(
                    groups,
                    (ledger.pk, code),
                    row,
                    {"name": name, "kind": kind, "start": start, "end": end},
                    gettext("项目"),
                    problems,
                )
        if len(problems) > bad:
            continue
        plan = plans.get((ledger.pk, code))
        if plan is None:
            plan = plans[(ledger.pk, code)] = _Plan(
                ledger, code, name, kind_value, start_date, end_date, control_value, row
            )
        if control_value == Control.STOP:
            plan.control = Control.STOP  # the project's own rules (spending before 立项): the strictest
        plan.budget_lines.append((fund, account, budget_fen, control_value))
    if problems:
        raise DomainError(problems=sorted(problems, key=lambda p: p.row or 0))
    created = updated = 0
    today = entered_on or timezone.localdate()
    with transaction.atomic():
        for plan in plans.values():
            project, _new = ledger_services.project_save(
                actor=actor, ledger=plan.ledger, code=plan.code, name=plan.name, permission=MANAGE
            )
            entry = ProjectEntry.objects.select_for_update().filter(project=project).first()
            if entry is None:
                entry = ProjectEntry.objects.create(
                    ledger=plan.ledger,
                    project=project,
                    kind=plan.kind,
                    start=plan.start,
                    end=plan.end,
                    control=plan.control,
                    state=ProjectState.DECLARED,
                    state_since=today,
                )
                ProjectAct.objects.create(
                    ledger=plan.ledger,
                    entry=entry,
                    to_state=ProjectState.DECLARED,
                    acted_on=today,
                    actor=actor,
                    note=gettext("导入项目库"),
                )
                created += 1
            else:
                entry.kind, entry.start, entry.end, entry.control = (
                    plan.kind,
                    plan.start,
                    plan.end,
                    plan.control,
                )
                entry.save(update_fields=["kind", "start", "end", "control", "updated_at"])
                entry.budget_lines.all().delete()
                updated += 1
            BudgetLine.objects.bulk_create(
                [
                    BudgetLine(
                        ledger=plan.ledger,
                        entry=entry,
                        fund=fund,
                        account_prefix=account,
                        budget_fen=budget_fen,
                        control=control,
                    )
                    for fund, account, budget_fen, control in plan.budget_lines
                ]
            )
            audit_record(
                actor=actor,
                action="project_entry_save",
                ledger_id=plan.ledger.pk,
                obj=entry,
                code=plan.code,
                budget={
                    f"{fund.name if fund else ''}/{account}": budget_fen
                    for fund, account, budget_fen, _control in plan.budget_lines
                },
            )
    return ProjectsImportResult(
        created=created, updated=updated, budget_lines=sum(len(plan.budget_lines) for plan in plans.values())
    )


# ---------------------------------------------------------------------------------------------
# The lifecycle


def project_state(text: str) -> str:
    """A state by its Chinese name (立项) or its code (approved)."""
    value = _choice(text.strip(), ProjectState.choices)
    if value is None:
        states = "、".join(str(label) for _value, label in ProjectState.choices)
        raise DomainError(E.UNKNOWN_STATE.format(state=text, states=states), field="to")
    return value


def publicity_days() -> int:
    """How long 公示 lasts at least before 实施 (days; a county may set more)."""
    return int(getattr(settings, "VILLAGEBOOKS_PUBLICITY_DAYS", 10))


@dataclass(frozen=True)
class DocumentInput:
    """A paper attached to a lifecycle act: its file name and content (PDF or image)."""

    name: str
    content: bytes


MAX_ACT_DOCUMENTS = 20


def project_advance(
    *,
    actor,
    ledger: Ledger,
    code: str,
    to: str,
    note: str = "",
    documents: str = "",
    on: date | None = None,
    files: list[DocumentInput] | tuple = (),
) -> ProjectEntry:
    """Move project ``code`` of ``ledger`` to the next state of its lifecycle, as a recorded act,
    with ``files`` attached to the act (each checked by content like a voucher's attachment and
    kept with its SHA-256; a file given twice is kept once).

    Raises:
        NotPermitted: the actor does not hold the step (``funds.advance`` or, for 审核, 验收, 评价, ``funds.decide``).
        DomainError: unknown project or state, a step back or skipped, 公示 shorter than allowed.
    """
    target = project_state(to)
    require(actor, ledger, action_for(target))
    on = on or timezone.localdate()
    if len(note) > 500:
        raise DomainError(TOO_LONG.format(limit=500), field="note")
    if len(documents) > 500:
        raise DomainError(TOO_LONG.format(limit=500), field="documents")
    if len(files) > MAX_ACT_DOCUMENTS:
        raise DomainError(TOO_MANY_FILES.format(limit=MAX_ACT_DOCUMENTS), field="document")
    checked = {}
    problems = []
    for number, paper in enumerate(files, start=1):
        try:
            content_type, digest, extension = ledger_services.attachment_checked(paper.content)
        except DomainError as error:
            problems += [
                FieldProblem("document", f"{paper.name or number}：{problem.message}")
                for problem in error.problems
            ]
            continue
        checked.setdefault(digest, (paper, content_type, extension))
    if problems:
        raise DomainError(problems=problems)
    with transaction.atomic():
        entry = (
            ProjectEntry.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(ledger=ledger, project__code=code)
            .first()
        )
        if entry is None:
            raise DomainError(E.UNKNOWN_PROJECT.format(code=code, ledger=ledger.code), field="project")
        current = STATE_ORDER.index(entry.state)
        if STATE_ORDER.index(target) != current + 1:
            allowed = STATE_ORDER[current + 1 : current + 2]
            raise Conflict(
                E.NOT_FORWARD.format(
                    current=ProjectState(entry.state).label,
                    allowed="、".join(str(ProjectState(state).label) for state in allowed) or "—",
                ),
                field="to",
            )
        if on < entry.state_since:
            raise DomainError(E.DATE_BEFORE_STATE.format(date=on, since=entry.state_since), field="date")
        if target == ProjectState.IMPLEMENTING:
            days = publicity_days()
            if on < entry.state_since + timedelta(days=days):
                raise Conflict(
                    E.PUBLICITY_TOO_SHORT.format(
                        since=entry.state_since, days=days, until=entry.state_since + timedelta(days=days - 1)
                    ),
                    field="to",
                )
        before = entry.state
        entry.state, entry.state_since = target, on
        entry.save(update_fields=["state", "state_since", "updated_at"])
        act = ProjectAct.objects.create(
            ledger=ledger,
            entry=entry,
            from_state=before,
            to_state=target,
            acted_on=on,
            actor=actor,
            note=note.strip(),
            documents=documents.strip(),
        )
        stored = []
        try:
            for digest, (paper, content_type, extension) in checked.items():
                document = ProjectDocument(
                    ledger=ledger,
                    act=act,
                    original_name=(paper.name or digest)[:255],
                    content_type=content_type,
                    size=len(paper.content),
                    sha256=digest,
                    uploaded_by=actor,
                )
                document.file.save(f"{digest}{extension}", ContentFile(paper.content), save=False)
                stored.append(document)
                document.save()
        except Exception:
            for document in stored:  # the files of a step not recorded are not kept
                document.file.delete(save=False)
            raise
        audit_record(
            actor=actor,
            action="project_advance",
            ledger_id=ledger.pk,
            obj=entry,
            project=code,
            before=before,
            after=target,
            on=on.isoformat(),
            note=note.strip(),
            files={document.original_name: document.sha256 for document in stored},
        )
    return entry


@dataclass(frozen=True)
class MilestoneInput:
    name: str
    due_state: str  # a state by its Chinese name or code: the payment is due once it is reached
    amount_fen: int
    is_deposit: bool = False  # a quality deposit (质保金), held until its state
    fund: str = ""  # the fund it is paid from, by name; empty: the project's one fund


def milestones_set(*, actor, ledger: Ledger, code: str, milestones: list[MilestoneInput]) -> list:
    """Replace project ``code``'s payment plan (e.g. 40 % at 实施, 50 % at 验收, 10 % held).

    Raises:
        DomainError: an unknown project or state, an amount not above zero, or a plan larger
            than the project's budget.
    """
    from villagebooks.funds.models import MilestonePayment

    require(actor, ledger, MANAGE)
    problems = []
    states = []
    for row, milestone in enumerate(milestones, start=1):
        if not milestone.name.strip():
            problems.append(FieldProblem("name", REQUIRED, row))
        if len(milestone.name.strip()) > 100:
            problems.append(FieldProblem("name", TOO_LONG.format(limit=100), row))
        if milestone.amount_fen <= 0:
            problems.append(FieldProblem("amount", AMOUNT_NOT_POSITIVE, row))
        try:
            states.append(project_state(milestone.due_state))
        except DomainError as error:
            problems += [FieldProblem("due_state", p.message, row) for p in error.problems]
    funds = {fund.name: fund for fund in Fund.objects.filter(ledger=ledger)}
    for row, milestone in enumerate(milestones, start=1):
        if milestone.fund.strip() and milestone.fund.strip() not in funds:
            problems.append(
                FieldProblem(
                    "fund", UNKNOWN_FUND.format(name=milestone.fund.strip(), ledger=ledger.code), row
                )
            )
    if problems:
        raise DomainError(problems=problems)
    with transaction.atomic():
        entry = ProjectEntry.objects.select_for_update().filter(ledger=ledger, project__code=code).first()
        if entry is None:
            raise DomainError(E.UNKNOWN_PROJECT.format(code=code, ledger=ledger.code), field="project")
        budget = sum(entry.budget_lines.values_list("budget_fen", flat=True))
        planned = sum(milestone.amount_fen for milestone in milestones)
        if planned > budget:
            raise DomainError(
                E.MILESTONES_OVER_BUDGET.format(planned=format_fen(planned), budget=format_fen(budget)),
                field="amount",
            )
        MilestonePayment.objects.filter(entry=entry).delete()
        rows = MilestonePayment.objects.bulk_create(
            [
                MilestonePayment(
                    ledger=ledger,
                    entry=entry,
                    position=position,
                    name=milestone.name.strip(),
                    due_state=state,
                    amount_fen=milestone.amount_fen,
                    is_deposit=milestone.is_deposit,
                    fund=funds.get(milestone.fund.strip()),
                )
                for position, (milestone, state) in enumerate(zip(milestones, states, strict=True), start=1)
            ]
        )
        audit_record(
            actor=actor,
            action="milestones_set",
            ledger_id=ledger.pk,
            obj=entry,
            project=code,
            plan=[[m.name, s, m.amount_fen, m.is_deposit] for m, s in zip(milestones, states, strict=True)],
        )
    return rows


DESCRIPTION_FIELDS = {
    "place": 200,
    "content": 2000,
    "implementer": 100,
    "performance_target": 2000,
    "beneficiaries": 2000,
}


def project_describe(*, actor, ledger: Ledger, code: str, **fields: str) -> ProjectEntry:
    """Set the library's fields of project ``code`` (实施地点, 建设内容及规模, 实施单位, 绩效目标,
    受益对象及联农带农机制); the fields not given stay as they are. One audit row with the changes."""
    require(actor, ledger, MANAGE)
    unknown = set(fields) - set(DESCRIPTION_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    problems = [
        FieldProblem(name, TOO_LONG.format(limit=DESCRIPTION_FIELDS[name]))
        for name, value in fields.items()
        if len(value.strip()) > DESCRIPTION_FIELDS[name]
    ]
    if problems:
        raise DomainError(problems=problems)
    with transaction.atomic():
        entry = ProjectEntry.objects.select_for_update().filter(ledger=ledger, project__code=code).first()
        if entry is None:
            raise DomainError(E.UNKNOWN_PROJECT.format(code=code, ledger=ledger.code), field="project")
        before = {name: getattr(entry, name) for name in fields}
        for name, value in fields.items():
            setattr(entry, name, value.strip())
        entry.save(update_fields=[*fields, "updated_at"])
        audit_record(
            actor=actor,
            action="project_describe",
            ledger_id=ledger.pk,
            obj=entry,
            project=code,
            before=before,
            after={name: getattr(entry, name) for name in fields},
        )
    return entry


def _fen_cell(column: str, text: str, row: int, problems: list, *, lowest: int, below) -> int:
    """A file's amount in fen (0 when empty); a bad or too small one adds its problem at ``row``."""
    if not text:
        return 0
    try:
        fen = yuan_to_fen(text)
    except MoneyError as error:
        problems.append(FieldProblem(column, str(error), row))
        return 0
    if fen < lowest:
        problems.append(FieldProblem(column, below, row))
    return fen
