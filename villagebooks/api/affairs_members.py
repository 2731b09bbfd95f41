"""Members, shares, dividends and decisions (村务: 成员、份额、按股分红、四议两公开). A village or
ledger outside your scope answers 404, as one that does not exist; no ID number, card or phone
is answered."""

from __future__ import annotations

from datetime import date as Date

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from villagebooks.affairs import access
from villagebooks.affairs.decisions import decision_create, payment_link
from villagebooks.affairs.dividends import dividends_distribute
from villagebooks.affairs.members import membership_end
from villagebooks.affairs.models import Decision, Membership
from villagebooks.affairs.public import public_decisions, public_dividends
from villagebooks.affairs.selectors_members import (
    household_holdings,
    linkable_voucher,
    members_summary,
    memberships,
    payments_missing_decision,
    village_or_404,
)
from villagebooks.affairs.shares import number_text
from villagebooks.api import schemas as S
from villagebooks.api.errors import NotFound
from villagebooks.api.fields import Code, Money, money_text, money_to_fen, text
from villagebooks.api.selectors import ledger_or_404
from villagebooks.common.errors import DomainError

router = Router(tags=["成员与份额、四议两公开"])
UNKNOWN_VILLAGE = "村 {code} 不存在或您无权查看"
UNKNOWN_VOUCHER = "凭证 {voucher} 不存在（应写作 期间/凭证号，如 2025-03/12）"


def _village(user, code: str, action: str = access.VIEW):
    try:
        return village_or_404(user, code, action)
    except Http404:
        raise NotFound(UNKNOWN_VILLAGE.format(code=code)) from None


class MemberOut(Schema):
    id: int
    household: str
    name: str
    since: Date
    basis: str
    basis_note: str
    ended_on: Date | None
    end_reason: str


class ClassOut(Schema):
    code: str
    name: str
    kind: str
    shares: str


class SummaryOut(Schema):
    date: str
    members: int
    households: int
    classes: list[ClassOut]


class HoldingOut(Schema):
    household: str = Field(description="户编号；集体股为“集体”")
    classes: dict[str, str]
    total: str


class DateFilter(Schema):
    date: Date | None = Field(None, description="截至日期（默认今天）")


class EndIn(Schema):
    ended_on: Date
    reason: text(40, filled=True) = Field(
        ..., description="死亡、取得其他农村集体经济组织成员身份、成为公务员 等法定事由"
    )
    note: text(200) = ""


class DividendIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    amount: Money = Field(..., description="向成员分配总额（元）")
    reserve: Money = Field(..., description="提取公积公益金（元），不低于本县最低比例")
    welfare: Money = Field("0", description="提取应付福利费（元，2004 制度）")


class HouseholdDividendOut(Schema):
    household: str
    head_name: str
    shares: str
    amount: str


class DividendOut(Schema):
    year: int
    share_date: str
    profit: str
    reserve: str
    welfare: str
    amount: str
    total_shares: str
    per_share_yuan: str
    method: str
    households: list[HouseholdDividendOut]


class PaymentOut(Schema):
    date: str
    voucher: str
    note: str
    amount: str


class DecisionOut(Schema):
    code: str
    matter: str
    major: bool
    amount: str | None
    proposed_on: str
    discussed_on: str
    reviewed_on: str
    resolved_on: str
    body: str
    eligible: int
    present: int
    votes_for: int
    votes_against: int
    votes_abstain: int
    resolution_notice_on: str | None
    result_notice_on: str | None
    payments: list[PaymentOut]


class DecisionIn(Schema):
    code: text(32, filled=True)
    matter: text(200, filled=True)
    major: bool = False
    amount: Money = ""
    proposed_on: Date
    discussed_on: Date
    reviewed_on: Date
    resolved_on: Date
    body: text(20, filled=True) = Field(
        ..., description="members（成员大会）或 representatives（成员代表大会）"
    )
    eligible: int = Field(..., ge=0, le=1_000_000)
    present: int = Field(..., ge=0, le=1_000_000)
    votes_for: int = Field(..., ge=0, le=1_000_000)
    votes_against: int = Field(0, ge=0, le=1_000_000)
    votes_abstain: int = Field(0, ge=0, le=1_000_000)
    resolution_notice_on: Date | None = None
    result_notice_on: Date | None = None
    note: text(300) = ""


class LinkIn(Schema):
    ledger: Code
    voucher: text(20, filled=True) = Field(..., description="期间/凭证号，如 2025-03/12")


class RangeFilter(Schema):
    date_from: Date = Field(..., alias="from")
    date_to: Date = Field(..., alias="to")


class MissingOut(Schema):
    voucher_id: int
    label: str
    date: Date
    note: str
    amount: str


def _member(m: Membership) -> dict:
    return {
        "id": m.pk,
        "household": m.household.number,
        "name": m.person.name,
        "since": m.since,
        "basis": m.basis,
        "basis_note": m.basis_note,
        "ended_on": m.ended_on,
        "end_reason": m.end_reason,
    }


def _decision_out(row: dict) -> dict:
    amount = row["amount_fen"]
    return row | {
        "amount": money_text(amount) if amount is not None else None,
        "payments": [p | {"amount": money_text(p["amount_fen"])} for p in row["payments"]],
    }


@router.get(
    "/affairs/villages/{code}/members", response={200: list[MemberOut], **S.ERRORS}, summary="成员名册"
)
def members_list(request, code: Code):
    village = _village(request.auth, code)
    return [_member(m) for m in memberships(request.auth, village)]


@router.post(
    "/affairs/memberships/{membership_id}/end", response={200: MemberOut, **S.ERRORS}, summary="终止成员身份"
)
def member_end(request, membership_id: int, payload: EndIn):
    """Only for a lawful reason; 就学、务工、离婚、服刑 等 are refused (422)."""
    found = (
        Membership.objects.select_related("village", "person", "household").filter(pk=membership_id).first()
    )
    if found is None or not access.covers(request.auth, access.VIEW, found.village):
        raise NotFound(f"成员记录 {membership_id} 不存在或您无权查看")
    ended = membership_end(
        actor=request.auth,
        membership=found,
        ended_on=payload.ended_on,
        reason=payload.reason,
        note=payload.note,
    )
    return _member(ended)


@router.get(
    "/affairs/villages/{code}/shares", response={200: SummaryOut, **S.ERRORS}, summary="成员与份额汇总"
)
def shares_summary(request, code: Code, filters: Query[DateFilter]):
    village = _village(request.auth, code)
    from django.utils import timezone

    return members_summary(village, filters.date or timezone.localdate())


@router.get(
    "/affairs/villages/{code}/holdings", response={200: list[HoldingOut], **S.ERRORS}, summary="各户份额"
)
def holdings_list(request, code: Code, filters: Query[DateFilter]):
    village = _village(request.auth, code)
    from django.utils import timezone

    rows = household_holdings(village, filters.date or timezone.localdate())
    return [
        {
            "household": r["number"],
            "classes": {k: number_text(v) for k, v in r["classes"].items()},
            "total": number_text(r["total"]),
        }
        for r in rows
    ]


def _dividend_out(ledger, year) -> dict:
    found = public_dividends(ledger, year)
    if not found:
        raise NotFound(f"{year} 年没有按股分红")
    d = found[0]
    return {
        "year": d["year"],
        "share_date": d["share_date"],
        "profit": money_text(d["profit_fen"]),
        "reserve": money_text(d["reserve_fen"]),
        "welfare": money_text(d["welfare_fen"]),
        "amount": money_text(d["amount_fen"]),
        "total_shares": d["total_shares"],
        "per_share_yuan": d["per_share_yuan"],
        "method": d["method"],
        "households": [h | {"amount": money_text(h["amount_fen"])} for h in d["households"]],
    }


@router.get(
    "/affairs/ledgers/{code}/dividends/{year}",
    response={200: DividendOut, **S.ERRORS},
    summary="按股分红明细",
)
def dividend_get(request, code: Code, year: int):
    return _dividend_out(ledger_or_404(request.auth, code), year)


@router.post(
    "/affairs/ledgers/{code}/dividends",
    response={201: DividendOut, **S.ERRORS},
    summary="按股分红（生成待审核的收益分配凭证）",
)
def dividend_distribute(request, code: Code, payload: DividendIn):
    ledger = ledger_or_404(request.auth, code)
    fen = {}
    for name in ("amount", "reserve", "welfare"):
        value, problem = money_to_fen(getattr(payload, name), field=name)
        if problem:
            raise DomainError(problems=[problem])
        fen[name] = value
    dividends_distribute(
        actor=request.auth,
        ledger=ledger,
        year=payload.year,
        amount_fen=fen["amount"],
        reserve_fen=fen["reserve"],
        welfare_fen=fen["welfare"],
    )
    return Status(201, _dividend_out(ledger, payload.year))


@router.get(
    "/affairs/ledgers/{code}/decisions",
    response={200: list[DecisionOut], **S.ERRORS},
    summary="四议两公开记录",
)
def decisions_list(request, code: Code, filters: Query[RangeFilter]):
    ledger = ledger_or_404(request.auth, code)
    return [_decision_out(row) for row in public_decisions(ledger, filters.date_from, filters.date_to)]


@router.get(
    "/affairs/ledgers/{code}/payments-without-decision",
    response={200: list[MissingOut], **S.ERRORS},
    summary="达到限额但未关联决策记录的支出",
)
def missing_list(request, code: Code, filters: Query[RangeFilter]):
    ledger = ledger_or_404(request.auth, code)
    return [
        p | {"amount": money_text(p["amount_fen"])}
        for p in payments_missing_decision(ledger, filters.date_from, filters.date_to)
    ]


@router.post(
    "/affairs/villages/{code}/decisions", response={201: DecisionOut, **S.ERRORS}, summary="新建决策记录"
)
def decision_new(request, code: Code, payload: DecisionIn):
    village = _village(request.auth, code)
    values = {
        key: ("是" if value else "否")
        if key == "major"
        else (value.isoformat() if isinstance(value, Date) else str(value) if value is not None else "")
        for key, value in payload.dict().items()
    }
    decision = decision_create(actor=request.auth, village=village, values=values)
    return Status(201, _decision_row(decision))


def _decision_row(decision: Decision) -> dict:
    from villagebooks.ledger.models import Ledger

    ledger = Ledger.objects.filter(village_id=decision.village_id).order_by("code").first()
    rows = public_decisions(ledger, decision.resolved_on, decision.resolved_on) if ledger else []
    row = next((r for r in rows if r["code"] == decision.code), None)
    if row is None:  # a village with no ledger yet
        row = {
            "code": decision.code,
            "matter": decision.matter,
            "major": decision.major,
            "amount_fen": decision.amount_fen,
            "proposed_on": decision.proposed_on.isoformat(),
            "discussed_on": decision.discussed_on.isoformat(),
            "reviewed_on": decision.reviewed_on.isoformat(),
            "resolved_on": decision.resolved_on.isoformat(),
            "body": decision.body,
            "eligible": decision.eligible,
            "present": decision.present,
            "votes_for": decision.votes_for,
            "votes_against": decision.votes_against,
            "votes_abstain": decision.votes_abstain,
            "resolution_notice_on": decision.resolution_notice_on
            and decision.resolution_notice_on.isoformat(),
            "result_notice_on": decision.result_notice_on and decision.result_notice_on.isoformat(),
            "payments": [],
        }
    return _decision_out(row)


@router.post(
    "/affairs/villages/{code}/decisions/{decision}/payments",
    response={201: DecisionOut, **S.ERRORS},
    summary="关联支出凭证（已记账）",
)
def decision_payment(request, code: Code, decision: Code, payload: LinkIn):
    village = _village(request.auth, code)
    found = Decision.objects.filter(village=village, code=decision).first()
    if found is None:
        raise NotFound(f"决策记录 {decision} 不存在")
    ledger = ledger_or_404(request.auth, payload.ledger)
    voucher = linkable_voucher(request.auth, ledger.code, payload.voucher)
    if voucher is None:
        raise NotFound(UNKNOWN_VOUCHER.format(voucher=payload.voucher))
    payment_link(actor=request.auth, decision=found, voucher=voucher)
    return Status(201, _decision_row(found))
