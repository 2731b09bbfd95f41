"""Allocations (资金下达) and the project library (项目库): reads through funds' selectors (scope
first: another village's ledger, share or project answers 404), the lifecycle's step through
its one service (403 when the caller may view the ledger but not take the step)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema

from villagebooks.api import schemas as S
from villagebooks.api.errors import NotFound
from villagebooks.api.fields import Code, money_text, text
from villagebooks.api.selectors import ledger_or_404
from villagebooks.funds import selectors, services
from villagebooks.funds.models import Allocation, AllocationShare, ProjectEntry, ProjectState
from villagebooks.ledger.models import Ledger

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
    control: str
    shares: list[ShareOut] = Field(description="您可以查看的账套的份额")


class BudgetLineOut(Schema):
    fund: str | None
    account: str = Field(description="科目编码或前缀")
    budget: str
    used: str
    remaining: str
    control: str


class ActOut(Schema):
    from_state: str
    to_state: str
    to_state_label: str
    date: dt.date
    actor: str
    note: str
    documents: str


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
            }
            for act in entry.acts.select_related("actor").order_by("id")
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
