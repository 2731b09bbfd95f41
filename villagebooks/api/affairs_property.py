"""Contracts, asset cards, resources and depreciation (村务: 合同 · 资产 · 资源): reads through
``affairs.selectors_property`` on a ledger in the caller's scope (another village's ledger,
contract or card answers 404), writes through the one service of each act (403 when the
caller may view the ledger but not act). The village reporter reads their own village's."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Field, Router, Schema

from villagebooks.affairs import assets, contracts, depreciation
from villagebooks.affairs import selectors_property as selectors
from villagebooks.affairs.models import AssetCard, Contract
from villagebooks.api import schemas as S
from villagebooks.api.errors import NotFound
from villagebooks.api.fields import Code, money_text, text
from villagebooks.api.selectors import ledger_or_404

router = Router(tags=["合同资产"])

UNKNOWN_CONTRACT = "合同 {code} 不存在或您无权查看"
UNKNOWN_CARD = "资产卡片 {code} 不存在或您无权查看"
# Months the books can hold: 1900-01 … 2099-12.
MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"


class ContractOut(Schema):
    code: str
    kind: str
    kind_label: str
    party: str = Field(description="对方名称（不含证件号）")
    party_kind: str
    subject: str
    object: str | None = Field(description="标的的资产卡片或资源编号")
    signed_on: dt.date
    start: dt.date
    end: dt.date
    state: str
    price: str
    deposit: str
    exchange_traded: bool = Field(description="经农村产权交易平台交易")
    exchange_reference: str
    renews: str | None
    terminated_on: dt.date | None
    due: str = Field(description="截至日期已到期的应收")
    received: str
    overdue: str


class InstalmentOut(Schema):
    seq: int
    due_on: dt.date
    amount: str
    received: str
    outstanding: str
    days_overdue: int


class ContractDetailOut(ContractOut):
    schedule: list[InstalmentOut]


class OverdueOut(Schema):
    contract: str
    party: str
    due_date: dt.date
    amount_due: str
    received: str
    outstanding: str
    days_overdue: int


class PartyReconciliationOut(Schema):
    party: str
    contracts: list[str]
    contract_receivable: str = Field(description="合同欠款：已到期未收")
    books_receivable: str = Field(description="账面应收款（月末，该往来单位）")
    difference: str
    reason: str


class CardOut(Schema):
    code: str
    name: str
    kind: str
    category: str
    nature: str = Field(description="operating 经营性 / public 公益性")
    acquired_on: dt.date
    location: str
    original: str
    accumulated_depreciation: str = Field(description="建卡时累计折旧加已记账的折旧凭证")
    net: str
    method: str
    life_months: int
    residual_rate_percent: str
    project: str | None
    disposed_on: dt.date | None


class AccountReconciliationOut(Schema):
    account: str
    name: str
    cards: str
    books: str
    difference: str


class ResourceOut(Schema):
    code: str
    name: str
    kind: str
    land_use: str
    location: str
    area_mu: str
    contracted: bool
    contract: str | None
    party: str


class TerminateIn(Schema):
    date: dt.date
    reason: text(200, filled=True)


class DisposeIn(Schema):
    date: dt.date
    note: text(200, filled=True)


class DepreciateIn(Schema):
    period: text(7, pattern=MONTH_PATTERN) = Field(description="YYYY-MM")


class DepreciationOut(Schema):
    period: str
    total: str
    cards: int
    voucher_id: int
    voucher_status: str


class MatchOut(Schema):
    matched: int


def _on(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _contract_out(row: selectors.ContractRow) -> dict:
    contract = row.contract
    object_code = (
        contract.asset.code if contract.asset else contract.resource.code if contract.resource else None
    )
    return {
        "code": contract.code,
        "kind": contract.kind,
        "kind_label": contract.get_kind_display(),
        "party": contract.party_name,
        "party_kind": contract.party_kind,
        "subject": contract.subject,
        "object": object_code,
        "signed_on": contract.signed_on,
        "start": contract.start,
        "end": contract.end,
        "state": row.state,
        "price": money_text(contract.price_fen),
        "deposit": money_text(contract.deposit_fen),
        "exchange_traded": contract.exchange_traded,
        "exchange_reference": contract.exchange_reference,
        "renews": contract.renews.code if contract.renews else None,
        "terminated_on": contract.terminated_on,
        "due": money_text(row.due_fen),
        "received": money_text(row.received_fen),
        "overdue": money_text(row.overdue_fen),
    }


def _contract_or_404(ledger, code: str) -> Contract:
    contract = Contract.objects.filter(ledger=ledger, code=code).first()
    if contract is None:
        raise NotFound(UNKNOWN_CONTRACT.format(code=code))
    return contract


@router.get("/ledgers/{code}/contracts", response={200: list[ContractOut], **S.ERRORS}, summary="合同")
def contract_list(request, code: Code, on: dt.date | None = None):
    ledger = ledger_or_404(request.auth, code)
    return [_contract_out(row) for row in selectors.contracts_summary(ledger, _on(on))]


@router.get(
    "/ledgers/{code}/contracts/overdue", response={200: list[OverdueOut], **S.ERRORS}, summary="逾期应收"
)
def overdue(request, code: Code, on: dt.date | None = None):
    ledger = ledger_or_404(request.auth, code)
    return [
        {
            "contract": item["contract"],
            "party": item["party"],
            "due_date": item["due_date"],
            "amount_due": money_text(item["amount_due_fen"]),
            "received": money_text(item["received_fen"]),
            "outstanding": money_text(item["outstanding_fen"]),
            "days_overdue": item["days_overdue"],
        }
        for item in selectors.overdue_receipts(ledger, _on(on))
    ]


@router.get(
    "/ledgers/{code}/contracts/reconciliation",
    response={200: list[PartyReconciliationOut], **S.ERRORS},
    summary="应收款与合同核对",
)
def receivable_reconciliation(request, code: Code, on: dt.date | None = None):
    ledger = ledger_or_404(request.auth, code)
    return [
        {
            "party": row.party,
            "contracts": row.contracts,
            "contract_receivable": money_text(row.contract_fen),
            "books_receivable": money_text(row.books_fen),
            "difference": money_text(row.difference_fen),
            "reason": row.reason,
        }
        for row in selectors.receivable_reconciliation(ledger, _on(on))
    ]


@router.post(
    "/ledgers/{code}/contracts/match-receipts", response={200: MatchOut, **S.ERRORS}, summary="匹配收款"
)
def match_receipts(request, code: Code):
    ledger = ledger_or_404(request.auth, code)
    return {"matched": contracts.receipts_match(actor=request.auth, ledger=ledger)}


def _contract_detail(ledger, contract: Contract, on: dt.date) -> dict:
    row = next(r for r in selectors.contracts_summary(ledger, on) if r.contract.pk == contract.pk)
    schedule = [
        {
            "seq": r.seq,
            "due_on": r.due_on,
            "amount": money_text(r.amount_fen),
            "received": money_text(r.received_fen),
            "outstanding": money_text(r.outstanding_fen),
            "days_overdue": r.days_overdue if r.due_on < on else 0,
        }
        for r in selectors.receivables(ledger, on, contract=contract)
    ]
    return _contract_out(row) | {"schedule": schedule}


@router.get(
    "/ledgers/{code}/contracts/{contract}", response={200: ContractDetailOut, **S.ERRORS}, summary="合同详情"
)
def contract_detail(request, code: Code, contract: Code, on: dt.date | None = None):
    ledger = ledger_or_404(request.auth, code)
    return _contract_detail(ledger, _contract_or_404(ledger, contract), _on(on))


@router.post(
    "/ledgers/{code}/contracts/{contract}/terminate",
    response={200: ContractDetailOut, **S.ERRORS},
    summary="解除合同（记录在案，不可再改）",
)
def contract_terminate(request, code: Code, contract: Code, payload: TerminateIn):
    ledger = ledger_or_404(request.auth, code)
    found = _contract_or_404(ledger, contract)
    contracts.contract_terminate(
        actor=request.auth, contract=found, on_date=payload.date, reason=payload.reason
    )
    return _contract_detail(ledger, found, payload.date)


def _card_out(row: selectors.CardRow) -> dict:
    card = row.card
    return {
        "code": card.code,
        "name": card.name,
        "kind": card.kind,
        "category": card.category,
        "nature": card.nature,
        "acquired_on": card.acquired_on,
        "location": card.location,
        "original": money_text(card.original_fen),
        "accumulated_depreciation": money_text(row.accumulated_fen),
        "net": money_text(row.net_fen),
        "method": card.method,
        "life_months": card.life_months,
        "residual_rate_percent": f"{card.residual_rate_bp / 100:.2f}",
        "project": card.project.code if card.project else None,
        "disposed_on": card.disposed_on,
    }


@router.get("/ledgers/{code}/assets", response={200: list[CardOut], **S.ERRORS}, summary="资产卡片")
def asset_list(request, code: Code, on: dt.date | None = None):
    ledger = ledger_or_404(request.auth, code)
    return [_card_out(row) for row in selectors.cards(ledger, _on(on), include_disposed=True)]


@router.get(
    "/ledgers/{code}/assets/reconciliation",
    response={200: list[AccountReconciliationOut], **S.ERRORS},
    summary="资产卡片与科目余额核对",
)
def asset_reconciliation(request, code: Code, on: dt.date | None = None):
    ledger = ledger_or_404(request.auth, code)
    return [
        {
            "account": row.account,
            "name": row.label,
            "cards": money_text(row.cards_fen),
            "books": money_text(row.books_fen),
            "difference": money_text(row.difference_fen),
        }
        for row in selectors.asset_reconciliation(ledger, _on(on))
    ]


@router.post(
    "/ledgers/{code}/assets/{card}/dispose", response={200: CardOut, **S.ERRORS}, summary="登记资产处置"
)
def asset_dispose(request, code: Code, card: Code, payload: DisposeIn):
    ledger = ledger_or_404(request.auth, code)
    found = AssetCard.objects.filter(ledger=ledger, code=card).first()
    if found is None:
        raise NotFound(UNKNOWN_CARD.format(code=card))
    assets.asset_dispose(actor=request.auth, card=found, on_date=payload.date, note=payload.note)
    rows = selectors.cards(ledger, max(payload.date, found.acquired_on), include_disposed=True)
    return _card_out(next(row for row in rows if row.card.pk == found.pk))


@router.post(
    "/ledgers/{code}/depreciation",
    response={200: DepreciationOut, **S.ERRORS},
    summary="计提当月折旧（生成凭证并提交审核；同一月份只生成一次）",
)
def depreciate(request, code: Code, payload: DepreciateIn):
    ledger = ledger_or_404(request.auth, code)
    year, month = depreciation.parse_period(payload.period)
    result = depreciation.depreciation_run(actor=request.auth, ledger=ledger, year=year, month=month)
    return {
        "period": payload.period,
        "total": money_text(result.run.total_fen),
        "cards": result.cards,
        "voucher_id": result.voucher.pk,
        "voucher_status": result.voucher.status,
    }


@router.get("/ledgers/{code}/resources", response={200: list[ResourceOut], **S.ERRORS}, summary="资源台账")
def resource_list(request, code: Code, on: dt.date | None = None):
    ledger = ledger_or_404(request.auth, code)
    return [
        {
            "code": row.resource.code,
            "name": row.resource.name,
            "kind": row.resource.kind,
            "land_use": row.resource.land_use,
            "location": row.resource.location,
            "area_mu": str(row.resource.area),
            "contracted": row.contract is not None,
            "contract": row.contract.code if row.contract else None,
            "party": row.contract.party_name if row.contract else "",
        }
        for row in selectors.resources_with_state(ledger, _on(on))
    ]
