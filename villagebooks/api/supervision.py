"""Supervision: the rules' alerts and the findings of a ledger or region, with the same scope
rules as the rest (a ledger or region the caller may not see answers 404; ID numbers masked
unless the caller may see them); an alert dismissed with a reason, a finding opened, answered
(with documents), verified and closed or sent back. None of it writes the books."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.conf import settings
from django.http import FileResponse, Http404
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from villagebooks.api import schemas as S
from villagebooks.api.errors import NotFound
from villagebooks.api.fields import Code, Money, OptionalPeriod, Period, money_to_fen, text
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import fen_to_text
from villagebooks.supervision import services

router = Router(tags=["监督管理"])


class AlertFilter(Schema):
    ledger: text(32) = Field("", description="账套编号（与 region 二选一）")
    region: text(12) = Field("", description="区划代码：其下所有账套")
    from_period: Period = Field(..., alias="from", description="起始期间 YYYY-MM", examples=["2025-01"])
    to_period: Period = Field(..., alias="to", description="截止期间 YYYY-MM", examples=["2025-12"])
    rule: text(40) = Field("", description="只看一条规则，如 split_payment")


class VoucherRefOut(Schema):
    id: int
    number: int | None
    key: str


class AlertOut(Schema):
    key: str = Field(description="预警的稳定标识（排除、立案时引用）")
    rule: str
    ledger: str
    period: str
    vouchers: list[VoucherRefOut]
    batch: str
    id_number: str = Field(description="未授权时为掩码")
    amount: str
    evidence: str


class FindingFilter(Schema):
    ledger: text(32) = Field("", description="账套编号（与 region 二选一）")
    region: text(12) = Field("", description="区划代码：其下所有账套")
    open: bool = Field(False, description="只列未销号的")


class FindingOut(Schema):
    ledger: str
    number: int
    title: str
    rule: str
    period: str
    amount: str
    evidence: str
    deadline: str
    responsible: str
    state: str
    overdue: bool
    age_days: int


class StepOut(Schema):
    kind: str = Field(description="opened 立案 / response 整改 / sent_back 退回 / closed 核实销号")
    text: str
    vouchers: str
    returned: str
    documents: list[dict] = Field(description="上传的整改材料：id、文件名、下载地址")
    actor: str
    actor_role: str
    at: str


class FindingDetailOut(FindingOut):
    alert_keys: list[str]
    steps: list[StepOut]


class DismissIn(Schema):
    ledger: Code
    alert: text(200, min_length=1) = Field(description="预警的 key")
    reason: text(300, filled=True)


class DismissOut(Schema):
    ledger: str
    rule: str
    alert: str
    reason: str


class FindingIn(Schema):
    ledger: Code
    title: text(200, filled=True)
    evidence: text(4000, filled=True)
    deadline: date = Field(description="整改期限 YYYY-MM-DD，不早于今天")
    responsible: text(100, filled=True)
    amount: Money = Field("0.00", description="金额（元）")
    rule: text(40) = Field("", description="来源规则；自行发现的留空")
    period: OptionalPeriod = ""
    vouchers: text(500) = ""
    alerts: list[text(200, min_length=1)] = Field([], max_length=50, description="来源预警的 key")


class RespondIn(Schema):
    measures: text(4000, filled=True)
    vouchers: text(500) = Field("", description="纠正凭证")
    returned: Money = Field("0.00", description="退回金额（元）")
    documents: text(500) = Field("", description="另行提交的纸质材料名称")


class VerifyIn(Schema):
    decision: Literal["close", "send_back"]
    note: text(2000, filled=True)


def _finding_out(f) -> dict:
    return {
        "ledger": f.ledger.code,
        "number": f.number,
        "title": f.title,
        "rule": f.rule,
        "period": f.period,
        "amount": fen_to_text(f.amount_fen),
        "evidence": f.evidence,
        "deadline": f.deadline.isoformat(),
        "responsible": f.responsible,
        "state": f.state,
        "overdue": f.overdue,
        "age_days": f.age_days,
    }


def _detail(request, code: str, number: int) -> dict:
    try:
        f = services.finding_get(actor=request.auth, ledger_code=code, number=number)
    except DomainError as error:
        raise NotFound(str(error.problems[0].message)) from error
    steps = [
        {
            "kind": step.kind,
            "text": step.text,
            "vouchers": step.vouchers,
            "returned": fen_to_text(step.returned_fen),
            "documents": [
                {
                    "id": doc.pk,
                    "name": doc.original_name,
                    "url": f"/api/supervision/findings/{code}/{number}/documents/{doc.pk}",
                }
                for doc in step.files_shown
            ],
            "actor": step.actor.get_username(),
            "actor_role": step.actor_role,
            "at": step.at.isoformat(),
        }
        for step in f.steps_shown
    ]
    return {**_finding_out(f), "alert_keys": f.alert_keys.splitlines(), "steps": steps}


def _fen(value: str, field: str) -> int:
    fen, problem = money_to_fen(value, field=field)
    if problem is not None:
        raise DomainError(problem.message, field=field)
    return fen


def _unseen_is_404(call):
    """A ledger or finding the caller may not see answers 404 like one that does not exist; one
    they see but may not act on so, 403 (``NotPermitted``)."""
    try:
        return call()
    except NotPermitted:
        raise
    except DomainError as error:
        if error.problems and error.problems[0].field in ("ledger", "finding"):
            raise NotFound(str(error.problems[0].message)) from error
        raise


def _scoped(ledger: str, region: str, call):
    if not (ledger or region):
        raise Http404
    try:
        return call()
    except DomainError as error:
        if (
            error.problems
            and error.problems[0].field in ("ledger", "region")
            and "不存在" in str(error.problems[0].message)
        ):
            raise NotFound(str(error.problems[0].message)) from error
        raise


@router.get("/supervision/alerts", response={200: list[AlertOut], **S.ERRORS}, summary="监督预警")
def alerts(request, filters: Query[AlertFilter]):
    """The supervision rules' alerts of the months (alerts dismissed with a reason left out)."""
    ledger, region = filters.ledger.strip(), filters.region.strip()
    result = _scoped(
        ledger,
        region,
        lambda: services.alerts_list(
            actor=request.auth,
            ledger_code=ledger,
            region_code="" if ledger else region,
            first=filters.from_period,
            last=filters.to_period,
            rule=filters.rule.strip(),
        ),
    )
    return [
        {
            "key": a.key,
            "rule": a.rule,
            "ledger": a.ledger,
            "period": a.period,
            "vouchers": [{"id": v.id, "number": v.number, "key": v.key} for v in a.vouchers],
            "batch": a.batch,
            "id_number": a.id_number,
            "amount": fen_to_text(a.amount_fen),
            "evidence": a.evidence,
        }
        for a in result.alerts
    ]


@router.get("/supervision/findings", response={200: list[FindingOut], **S.ERRORS}, summary="问题线索")
def findings(request, filters: Query[FindingFilter]):
    """The findings (问题线索), oldest first, with whether each is overdue."""
    ledger, region = filters.ledger.strip(), filters.region.strip()
    rows = _scoped(
        ledger,
        region,
        lambda: services.findings_list(
            actor=request.auth,
            ledger_code=ledger,
            region_code="" if ledger else region,
            open_only=filters.open,
        ),
    )
    return [_finding_out(f) for f in rows]


@router.post(
    "/supervision/alerts/dismiss", response={201: DismissOut, **S.ERRORS}, summary="排除预警（须说明理由）"
)
def alert_dismiss(request, payload: DismissIn):
    """Judge an alert not a problem: the reason is kept and counted per rule."""
    dismissal = _unseen_is_404(
        lambda: services.alert_dismiss(
            actor=request.auth, ledger_code=payload.ledger, alert_key=payload.alert, reason=payload.reason
        )
    )
    return Status(
        201,
        {
            "ledger": payload.ledger,
            "rule": dismissal.rule,
            "alert": dismissal.alert_key,
            "reason": dismissal.reason,
        },
    )


@router.post(
    "/supervision/findings", response={201: FindingDetailOut, **S.ERRORS}, summary="立案（问题线索）"
)
def finding_open(request, payload: FindingIn):
    """Open a finding from alerts (their keys) or one's own observation."""
    amount = _fen(payload.amount, "amount")
    finding = _unseen_is_404(
        lambda: services.finding_open(
            actor=request.auth,
            ledger_code=payload.ledger,
            title=payload.title,
            evidence=payload.evidence,
            deadline=payload.deadline,
            responsible=payload.responsible,
            amount_fen=amount,
            rule=payload.rule,
            period=payload.period,
            voucher_keys=payload.vouchers,
            alert_keys=payload.alerts,
        )  # fmt: skip
    )
    return Status(201, _detail(request, finding.ledger.code, finding.number))


@router.get(
    "/supervision/findings/{code}/{number}",
    response={200: FindingDetailOut, **S.ERRORS},
    summary="问题线索详情",
)
def finding_detail(request, code: Code, number: int):
    """A finding with every step (never changed or deleted) and its documents."""
    return _detail(request, code, number)


@router.post(
    "/supervision/findings/{code}/{number}/respond",
    response={200: FindingDetailOut, **S.ERRORS},
    summary="提交整改",
)
def finding_respond(request, code: Code, number: int, payload: RespondIn):
    """The village's rectification; documents are uploaded after it (``…/documents``)."""
    returned = _fen(payload.returned, "returned")
    _unseen_is_404(
        lambda: services.finding_respond(
            actor=request.auth,
            ledger_code=code,
            number=number,
            measures=payload.measures,
            vouchers=payload.vouchers,
            returned_fen=returned,
            documents=payload.documents,
        )  # fmt: skip
    )
    return _detail(request, code, number)


@router.post(
    "/supervision/findings/{code}/{number}/documents",
    response={201: FindingDetailOut, **S.ERRORS},
    summary="上传整改材料（PDF 或图片）",
    openapi_extra={
        "requestBody": {
            "content": {"multipart/form-data": {"schema": {"properties": {"file": {"minLength": 1}}}}}
        }
    },
)
def finding_document_add(request, code: Code, number: int, file: File[UploadedFile]):
    """A document of the rectification submitted last, while it waits to be verified."""
    content = file.read(settings.ATTACHMENT_MAX_BYTES + 1)
    upload = services.Upload((file.name or "").rsplit("/", 1)[-1][:255], content)
    _unseen_is_404(
        lambda: services.finding_document_add(
            actor=request.auth, ledger_code=code, number=number, upload=upload
        )
    )
    return Status(201, _detail(request, code, number))


@router.post(
    "/supervision/findings/{code}/{number}/verify",
    response={200: FindingDetailOut, **S.ERRORS},
    summary="核实：销号或退回",
)
def finding_verify(request, code: Code, number: int, payload: VerifyIn):
    """Close the finding (销号) or send it back; by another person of another role than the one who answered."""
    try:
        services.finding_verify(
            actor=request.auth,
            ledger_code=code,
            number=number,
            accept=payload.decision == "close",
            note=payload.note,
        )
    except NotPermitted:
        # Seen but not theirs to verify, or the same person or role that answered: 403.
        raise
    except DomainError as error:
        if error.problems and error.problems[0].field in ("ledger", "finding"):
            raise NotFound(str(error.problems[0].message)) from error
        raise
    return _detail(request, code, number)


@router.get(
    "/supervision/findings/{code}/{number}/documents/{document_id}",
    response={200: None, **S.ERRORS},
    summary="下载整改材料",
    openapi_extra={
        "responses": {
            200: {
                "description": "材料文件",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "image/*": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def finding_document(request, code: Code, number: int, document_id: int):
    document = services.finding_document_get(
        actor=request.auth, ledger_code=code, number=number, document_id=document_id
    )
    if document is None:
        raise NotFound("材料不存在")
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name,
        content_type=document.content_type,
    )  # fmt: skip
