"""Allocations (资金下达) and the project library (项目库): reads through funds' selectors (scope
first: another village's ledger, share or project answers 404), the lifecycle's step through
its one service (403 when the caller may view the ledger but not take the step)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema

from villagebooks.api import schemas as S
from villagebooks.api.errors import NotFound
from villagebooks.api.fields import Code, Period, money_text, text
from villagebooks.api.selectors import ledger_or_404
from villagebooks.funds import passport, selectors, services
from villagebooks.funds.models import Allocation, AllocationShare, ProjectEntry, ProjectState
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.models import Fund, Ledger, Project

router = Router(tags=["资金项目"])

UNKNOWN_ALLOCATION = "资金下达 {code} 不存在或您无权查看"
UNKNOWN_PROJECT = "项目 {code} 不存在或您无权查看"


class ShareOut(Schema):
    ledger: str
    ledger_name: str
    fund: str
    amount: str
    project: str | None


class AllocationOut(Schema):
    code: str
    issuer: str
    document_number: str
    date: dt.date
    fund_kind: str
    fund_kind_label: str
    purpose: str
    allowed_accounts: list[str]
    forbidden_accounts: list[str] = Field(description="负面清单：禁止支出的科目编码或前缀")
    forbidden_kinds: list[str] = Field(description="负面清单：禁止用于的项目类别")
    control: str
    shares: list[ShareOut] = Field(description="您可以查看的账套的份额")


class BudgetLineOut(Schema):
    fund: str | None
    account: str = Field(description="科目编码或前缀")
    budget: str
    used: str
    remaining: str
    control: str


class ActFileOut(Schema):
    name: str
    content_type: str
    size: int
    sha256: str


class ActOut(Schema):
    from_state: str
    to_state: str
    to_state_label: str
    date: dt.date
    actor: str
    note: str
    documents: str
    files: list[ActFileOut] = Field(description="附件文件（PDF 或图片，SHA-256）")


class MilestoneOut(Schema):
    name: str
    due_state: str
    amount: str
    is_deposit: bool = Field(description="质保金")
    due: bool = Field(description="项目已到该状态：应付")


class ProjectOut(Schema):
    ledger: str
    code: str
    name: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    state_since: dt.date
    start: dt.date
    end: dt.date
    control: str
    budget: str


class ProjectDetailOut(ProjectOut):
    place: str
    content: str
    implementer: str
    performance_target: str
    beneficiaries: str
    next_state: str | None = Field(description="下一步状态；没有则为 null")
    may_advance: bool = Field(description="调用者能否推进到下一步")
    budget_lines: list[BudgetLineOut]
    milestones: list[MilestoneOut]
    acts: list[ActOut]


class AdvanceIn(Schema):
    to: text(16, min_length=1) = Field(
        description="目标状态：申报、审核、立项、公示、实施、验收、移交、评价（或其代码）"
    )
    note: text(500) = ""
    documents: text(500) = Field("", description="附件（文件名或文号）")
    date: dt.date | None = Field(None, description="日期，默认今天")


class DescriptionIn(Schema):
    place: text(200) | None = Field(None, description="实施地点")
    content: text(2000) | None = Field(None, description="建设内容及规模")
    implementer: text(100) | None = Field(None, description="实施单位")
    performance_target: text(2000) | None = Field(None, description="绩效目标")
    beneficiaries: text(2000) | None = Field(None, description="受益对象及联农带农机制")


def _share_out(share: AllocationShare) -> dict:
    return {
        "ledger": share.ledger.code,
        "ledger_name": share.ledger.name,
        "fund": share.fund.name,
        "amount": money_text(share.amount_fen),
        "project": share.project.code if share.project_id else None,
    }


def _allocation_out(allocation: Allocation, shares) -> dict:
    return {
        "code": allocation.code,
        "issuer": allocation.issuer,
        "document_number": allocation.document_number,
        "date": allocation.date,
        "fund_kind": allocation.fund_kind,
        "fund_kind_label": str(allocation.get_fund_kind_display()),
        "purpose": allocation.purpose,
        "allowed_accounts": allocation.allowed_prefixes,
        "forbidden_accounts": allocation.forbidden_prefixes,
        "forbidden_kinds": allocation.forbidden_kind_list,
        "control": allocation.control,
        "shares": [_share_out(share) for share in shares],
    }


def _project_out(ledger: Ledger, entry: ProjectEntry) -> dict:
    return {
        "ledger": ledger.code,
        "code": entry.project.code,
        "name": entry.project.name,
        "kind": entry.kind,
        "kind_label": str(entry.get_kind_display()),
        "state": entry.state,
        "state_label": str(entry.get_state_display()),
        "state_since": entry.state_since,
        "start": entry.start,
        "end": entry.end,
        "control": entry.control,
        "budget": money_text(entry.budget_fen or 0),
    }


def _project_detail(user, ledger: Ledger, code: str) -> dict:
    entry = selectors.project_get(ledger, code)
    if entry is None:
        raise NotFound(UNKNOWN_PROJECT.format(code=code))
    following = selectors.next_state(entry)
    return {
        **_project_out(ledger, entry),
        "place": entry.place,
        "content": entry.content,
        "implementer": entry.implementer,
        "performance_target": entry.performance_target,
        "beneficiaries": entry.beneficiaries,
        "next_state": following,
        "may_advance": selectors.may_advance(user, entry),
        "budget_lines": [
            {
                "fund": row.line.fund.name if row.line.fund_id else None,
                "account": row.line.account_prefix,
                "budget": money_text(row.line.budget_fen),
                "used": money_text(row.used_fen),
                "remaining": money_text(row.remaining_fen),
                "control": row.line.control,
            }
            for row in selectors.budget_rows(entry)
        ],
        "milestones": [
            {
                "name": row.milestone.name,
                "due_state": row.milestone.due_state,
                "amount": money_text(row.milestone.amount_fen),
                "is_deposit": row.milestone.is_deposit,
                "due": row.due,
            }
            for row in selectors.milestone_rows(entry)
        ],
        "acts": [
            {
                "from_state": act.from_state,
                "to_state": act.to_state,
                "to_state_label": str(ProjectState(act.to_state).label),
                "date": act.acted_on,
                "actor": act.actor.username,
                "note": act.note,
                "documents": act.documents,
                "files": [
                    {
                        "name": f.original_name,
                        "content_type": f.content_type,
                        "size": f.size,
                        "sha256": f.sha256,
                    }
                    for f in act.files.all()
                ],
            }
            for act in entry.acts.select_related("actor").prefetch_related("files").order_by("id")
        ],
    }


@router.get(
    "/allocations", response={200: list[AllocationOut], **S.ERRORS}, summary="资金下达（您可以查看的）"
)
def allocations(request):
    return [_allocation_out(a, a.visible_shares) for a in selectors.allocations_visible(request.auth)]


@router.get("/allocations/{code}", response={200: AllocationOut, **S.ERRORS}, summary="资金下达详情")
def allocation_detail(request, code: text(64, min_length=1)):
    allocation = selectors.allocation_get(request.auth, code)
    if allocation is None:
        raise NotFound(UNKNOWN_ALLOCATION.format(code=code))
    return _allocation_out(allocation, allocation.visible_shares)


@router.get("/ledgers/{code}/projects", response={200: list[ProjectOut], **S.ERRORS}, summary="项目库")
def projects(request, code: Code):
    ledger = ledger_or_404(request.auth, code)
    return [_project_out(ledger, entry) for entry in selectors.projects_of(ledger)]


@router.get(
    "/ledgers/{code}/projects/{project}", response={200: ProjectDetailOut, **S.ERRORS}, summary="项目详情"
)
def project_detail(request, code: Code, project: Code):
    ledger = ledger_or_404(request.auth, code)
    return _project_detail(request.auth, ledger, project)


@router.put(
    "/ledgers/{code}/projects/{project}",
    response={200: ProjectDetailOut, **S.ERRORS},
    summary="填写项目库信息（未给出的字段不变）",
)
def project_describe(request, code: Code, project: Code, payload: DescriptionIn):
    ledger = ledger_or_404(request.auth, code)
    if selectors.project_get(ledger, project) is None:
        raise NotFound(UNKNOWN_PROJECT.format(code=project))
    fields = {name: value for name, value in payload.dict().items() if value is not None}
    services.project_describe(actor=request.auth, ledger=ledger, code=project, **fields)
    return _project_detail(request.auth, ledger, project)


@router.post(
    "/ledgers/{code}/projects/{project}/advance",
    response={200: ProjectDetailOut, **S.ERRORS},
    summary="推进项目流程（一步，记录在案）",
)
def project_advance(request, code: Code, project: Code, payload: AdvanceIn):
    ledger = ledger_or_404(request.auth, code)
    if selectors.project_get(ledger, project) is None:
        raise NotFound(UNKNOWN_PROJECT.format(code=project))
    services.project_advance(
        actor=request.auth,
        ledger=ledger,
        code=project,
        to=payload.to,
        note=payload.note,
        documents=payload.documents,
        on=payload.date,
    )
    return _project_detail(request.auth, ledger, project)


# ---------------------------------------------------------------------------------------------
# The fund passport and project execution

UNKNOWN_SCOPE = "账套或区划 {code} 不存在或其中没有您可以查看的账套"


class PassportRowOut(Schema):
    ledger: str
    ledger_name: str
    allocation: str = Field(description="下达编号；空：没有下达文件的支出")
    document_number: str
    issuer: str
    date: dt.date | None
    fund: str
    fund_id: int
    allocated: str
    spent: str
    committed: str
    balance: str
    returned: str


class PassportOut(Schema):
    as_of: dt.date
    identity: str = Field(description="下达 = 已支出 + 已承诺 + 结余 + 已退回")
    rows: list[PassportRowOut]
    villages: list[PassportRowOut] = Field(description="分村合计（区划）")
    total: PassportRowOut


class PassportLineOut(Schema):
    ledger: str
    voucher_id: int
    voucher_number: int | None
    date: dt.date
    summary: str
    account: str
    fund: str
    project: str
    counterparty: str
    counterparty_kind: str = Field(description="household（农户）、person、organisation；空：未记")
    amount: str


class PayeeOut(Schema):
    name: str
    kind: str
    amount: str
    lines: int


class PassportLinesOut(Schema):
    figure: str
    total: str
    payees: list[PayeeOut]
    lines: list[PassportLineOut]


class ExecutionOut(Schema):
    ledger: str
    project: str
    name: str
    kind: str
    state: str
    state_label: str
    end: dt.date
    budget: str
    committed: str
    paid: str
    balance: str
    rate: str | None = Field(description="执行率（%），无预算为 null")
    due: str = Field(description="付款计划已到期未付")
    overdue: bool = Field(description="已过计划完工日期且未验收")


def _scope(user, code: str):
    scope = selectors.funds_scope(user, ledger_code=code) or selectors.funds_scope(user, region_code=code)
    if scope is None:
        raise NotFound(UNKNOWN_SCOPE.format(code=code))
    return scope


def _as_of(to: str) -> dt.date:
    return passport.month_end(parse_period(to, field="to"))


def _row_out(row: passport.PassportRow) -> dict:
    return {
        "ledger": row.ledger_code,
        "ledger_name": row.ledger_name,
        "allocation": row.allocation,
        "document_number": row.document_number,
        "issuer": row.issuer,
        "date": row.allocated_on,
        "fund": row.fund,
        "fund_id": row.fund_id,
        "allocated": money_text(row.allocated_fen),
        "spent": money_text(row.spent_fen),
        "committed": money_text(row.committed_fen),
        "balance": money_text(row.balance_fen),
        "returned": money_text(row.returned_fen),
    }


def _narrowing(scope, fund: int | None, project: str) -> tuple[int | None, int | None]:
    fund_id = project_id = None
    if fund is not None:
        if not Fund.objects.filter(pk=fund, ledger_id__in=scope.ledger_ids).exists():
            raise NotFound(f"资金 {fund} 不存在或您无权查看")
        fund_id = fund
    if project:
        found = Project.objects.filter(ledger_id__in=scope.ledger_ids, code=project)
        if scope.ledger is None or not found.exists():
            raise NotFound(UNKNOWN_PROJECT.format(code=project))
        project_id = found.get().pk
    return fund_id, project_id


@router.get(
    "/funds/{code}/passport",
    response={200: PassportOut, **S.ERRORS},
    summary="资金护照（账套或区划，截至某月末；可按下达、资金、项目）",
)
def fund_passport(
    request,
    code: Code,
    to: Period,
    allocation: text(64) = "",
    fund: int | None = None,
    project: text(32) = "",
):
    scope = _scope(request.auth, code)
    fund_id, project_id = _narrowing(scope, fund, project)
    result = passport.fund_passport(
        scope.ledger_ids, _as_of(to), fund_id=fund_id, project_id=project_id, allocation=allocation or None
    )
    return {
        "as_of": result.as_of,
        "identity": "下达 = 已支出 + 已承诺 + 结余 + 已退回",
        "rows": [_row_out(row) for row in result.rows],
        "villages": [_row_out(row) for row in result.by_ledger()] if scope.region is not None else [],
        "total": _row_out(result.total()),
    }


@router.get(
    "/funds/{code}/passport/lines",
    response={200: PassportLinesOut, **S.ERRORS},
    summary="资金护照明细：已支出或已退回的凭证分录与收款人",
)
def fund_passport_lines(
    request,
    code: Code,
    to: Period,
    figure: Literal["spent", "returned"] = "spent",
    fund: int | None = None,
    project: text(32) = "",
):
    scope = _scope(request.auth, code)
    fund_id, project_id = _narrowing(scope, fund, project)
    lines = passport.passport_lines(
        scope.ledger_ids, _as_of(to), figure=figure, fund_id=fund_id, project_id=project_id
    )
    return {
        "figure": figure,
        "total": money_text(sum(line.amount_fen for line in lines)),
        "payees": [
            {"name": p.name, "kind": p.kind, "amount": money_text(p.amount_fen), "lines": p.lines}
            for p in passport.passport_payees(lines)
        ],
        "lines": [
            {
                "ledger": line.ledger_code,
                "voucher_id": line.voucher_id,
                "voucher_number": line.voucher_number,
                "date": line.date,
                "summary": line.summary,
                "account": line.account,
                "fund": line.fund,
                "project": line.project,
                "counterparty": line.counterparty,
                "counterparty_kind": line.counterparty_kind,
                "amount": money_text(line.amount_fen),
            }
            for line in lines
        ],
    }


@router.get(
    "/funds/{code}/execution",
    response={200: list[ExecutionOut], **S.ERRORS},
    summary="项目执行情况（账套或区划，截至某月末）",
)
def project_execution(request, code: Code, to: Period, overdue: bool = False):
    scope = _scope(request.auth, code)
    as_of = _as_of(to)
    rows = passport.project_execution(scope.ledger_ids, as_of)
    return [
        {
            "ledger": row.ledger_code,
            "project": row.project,
            "name": row.name,
            "kind": row.kind,
            "state": row.state,
            "state_label": row.state_label,
            "end": row.end,
            "budget": money_text(row.budget_fen),
            "committed": money_text(row.committed_fen),
            "paid": money_text(row.paid_fen),
            "balance": money_text(row.balance_fen),
            "rate": None if row.rate_bp is None else money_text(row.rate_bp),
            "due": money_text(row.due_fen),
            "overdue": row.is_overdue(as_of),
        }
        for row in rows
        if not overdue or row.is_overdue(as_of)
    ]
