"""Public disclosure (村务公开): the list of a village's disclosures and one disclosure's stored
snapshot need no authentication (they are public pages' data); publishing does, through the one
service (403 when the caller may see the ledger but not publish, 404 when not even that)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from ninja import Field, Router, Schema, Status

from villagebooks.api import schemas as S
from villagebooks.api.errors import NotFound
from villagebooks.api.fields import Code, text
from villagebooks.api.selectors import ledger_or_404
from villagebooks.disclosure import selectors, services
from villagebooks.disclosure.periods import parse_disclosure_period

router = Router(tags=["村务公开"])

UNKNOWN_LEDGER = "账套 {code} 不存在"
# A month (2025-03) or a quarter (2025-Q1): the services' rule, said in the schema.
DisclosurePeriod = text(7, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2]|[Qq][1-4])$")
Version = Annotated[int, Field(ge=1, le=32767)]
UNKNOWN_DISCLOSURE = "{code} 没有公开 {period}（版本 {version}）"


class DisclosureOut(Schema):
    ledger: str
    period: str
    label: str
    version: int
    reason: str
    published_at: dt.datetime
    sha256: str = Field(description="公开内容（规范 JSON）的 SHA-256")
    chain_size: int = Field(description="公开时账簿哈希链的条数")
    chain_head: str
    chain_root: str
    address: str = Field(description="公开页面的完整地址")


class DisclosureDetailOut(DisclosureOut):
    snapshot: dict = Field(description="公开时冻结的内容，金额为整数（分）")


class PublishIn(Schema):
    period: DisclosurePeriod = Field(description="YYYY-MM 或 YYYY-Qn")
    reason: text(300) = Field("", description="更正理由（再次公开同一期间时必填）")


def _out(disclosure) -> dict:
    return {
        "ledger": disclosure.ledger.code,
        "period": disclosure.period,
        "label": parse_disclosure_period(disclosure.period).label,
        "version": disclosure.version,
        "reason": disclosure.reason,
        "published_at": disclosure.published_at,
        "sha256": disclosure.sha256,
        "chain_size": disclosure.chain_size,
        "chain_head": disclosure.chain_head,
        "chain_root": disclosure.chain_root,
        "address": services.public_address(disclosure),
    }


def _public_ledger(code: str):
    ledger = selectors.public_ledger(code)
    if ledger is None:
        raise NotFound(UNKNOWN_LEDGER.format(code=code))
    return ledger


@router.get(
    "/public/{code}/disclosures",
    auth=None,
    response={200: list[DisclosureOut], **S.ERRORS},
    summary="一个村的全部公开（无需登录；每期各版本，新的在前）",
)
def disclosures_list(request, code: Code):
    ledger = _public_ledger(code)
    return [_out(version) for group in selectors.disclosures_by_period(ledger) for version in group.versions]


@router.get(
    "/public/{code}/disclosures/{period}/{version}",
    auth=None,
    response={200: DisclosureDetailOut, **S.ERRORS},
    summary="一次公开的冻结内容（无需登录）",
)
def disclosure_detail(request, code: Code, period: DisclosurePeriod, version: Version):
    ledger = _public_ledger(code)
    disclosure = selectors.disclosure_get(ledger, period.upper(), version)
    if disclosure is None:
        raise NotFound(UNKNOWN_DISCLOSURE.format(code=code, period=period, version=version))
    return _out(disclosure) | {"snapshot": json.loads(disclosure.snapshot)}


@router.post(
    "/ledgers/{code}/disclosures",
    response={201: DisclosureOut, **S.ERRORS},
    summary="公开一期已结账的账目（再次公开同一期间即更正，须写理由）",
)
def disclosure_publish(request, code: Code, payload: PublishIn):
    ledger = ledger_or_404(request.auth, code)
    disclosure = services.disclosure_publish(
        actor=request.auth, ledger=ledger, period=payload.period, reason=payload.reason
    )
    return Status(201, _out(disclosure))
