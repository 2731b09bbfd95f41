"""The registry: households and persons (identifiers masked unless asked for and allowed, each
unmasked answer recorded), and the subsidy reconciliation."""

from __future__ import annotations

from django.http import Http404
from ninja import Field, Query, Router, Schema

from villagebooks.api import schemas as S
from villagebooks.api.fields import Period, text
from villagebooks.common.money import fen_to_text
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.registry import subsidies
from villagebooks.registry.selectors import household_or_404, households_in_scope, persons_shown

router = Router(tags=["农户信息"])
PAGE = 200


class PersonOut(Schema):
    id: int
    name: str
    relation: str
    sex: str
    birth_date: str
    alive: bool
    death_date: str | None
    id_number: str = Field(description="未授权或未请求时为掩码（如 5107********1234）")
    bank_card: str
    bank: str
    phone: str
    member: bool
    cadre_role: str
    cadre_of: int | None
    unmasked: bool


class HouseholdOut(Schema):
    id: int
    number: str
    village: str
    address: str
    status: str
    monitor_kind: str
    status_since: str | None


class HouseholdDetailOut(HouseholdOut):
    persons: list[PersonOut]


class HouseholdFilter(Schema):
    village: text(12) = Field("", description="村的区划代码")
    offset: int = Field(0, ge=0, le=10_000_000)


class RevealFilter(Schema):
    reveal: bool = Field(False, description="显示完整证件号码、卡号和电话（需有权限；每次查看均记录）")


class ReconciliationFilter(Schema):
    ledger: text(32) = Field("", description="账套编号（与 region 二选一）")
    region: text(12) = Field("", description="区划代码：其下所有账套")
    from_period: Period = Field(..., alias="from", description="起始期间 YYYY-MM", examples=["2025-01"])
    to_period: Period = Field(..., alias="to", description="截止期间 YYYY-MM", examples=["2025-12"])


class ReconciliationRowOut(Schema):
    batch: str
    id_number: str
    name: str
    listed: str
    paid: str
    booked: str
    state: str
    reason: str
    resolution: str


def _household(household) -> dict:
    return {
        "id": household.pk,
        "number": household.number,
        "village": household.village.code,
        "address": household.address,
        "status": household.status,
        "monitor_kind": household.monitor_kind,
        "status_since": household.status_since.isoformat() if household.status_since else None,
    }


@router.get("/registry/households", response={200: list[HouseholdOut], **S.ERRORS}, summary="农户列表")
def households(request, filters: Query[HouseholdFilter]):
    """Households you may see, 200 at a time (``offset``), of one village if ``village`` is given."""
    rows = households_in_scope(request.auth).order_by("village__code", "number")
    if filters.village.strip():
        rows = rows.filter(village__code=filters.village.strip())
    return [_household(h) for h in rows[filters.offset : filters.offset + PAGE]]


@router.get(
    "/registry/households/{household_id}", response={200: HouseholdDetailOut, **S.ERRORS}, summary="农户"
)
def household(request, household_id: int, filters: Query[RevealFilter]):
    """A household and its persons; a household outside your scope is a 404."""
    found = household_or_404(request.auth, household_id)
    persons = found.persons.select_related("village", "household").order_by("id")
    return _household(found) | {
        "persons": persons_shown(request.auth, persons, reveal=filters.reveal, via="api")
    }


@router.get(
    "/registry/reconciliation",
    response={200: list[ReconciliationRowOut], **S.ERRORS},
    summary="补贴发放三方核对",
)
def reconciliation(request, filters: Query[ReconciliationFilter]):
    """Each person of each list paid in the months: listed, paid by the bank, booked, and the state
    (matched, unpaid, wrong_amount, unlisted, duplicate). ID numbers masked unless you may see them."""
    if not (filters.ledger.strip() or filters.region.strip()):
        raise Http404
    rows = subsidies.reconciliation_report(
        user=request.auth,
        from_key=parse_period(filters.from_period, field="from"),
        to_key=parse_period(filters.to_period, field="to"),
        ledger_code=filters.ledger.strip(),
        region_code=filters.region.strip(),
        via="api",
    )
    keys = subsidies.RECONCILIATION_COLUMNS
    return [
        dict(zip(keys, [*row[:3], *(fen_to_text(v) for v in row[3:6]), *row[6:]], strict=True))
        for row in rows
    ]
