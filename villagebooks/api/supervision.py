"""Supervision: the rules' alerts and the findings of a ledger or region, with the same scope
rules as the rest (a ledger or region the caller may not see answers 404; ID numbers masked
unless the caller may see them)."""

from __future__ import annotations

from django.http import Http404
from ninja import Field, Query, Router, Schema

from villagebooks.api import schemas as S
from villagebooks.api.errors import NotFound
from villagebooks.api.fields import Period, text
from villagebooks.common.errors import DomainError
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
    return [
        {
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
        for f in rows
    ]
