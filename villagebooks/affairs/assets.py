"""Every write of asset cards (资产卡片): the import from a file (all or nothing, every bad row
named) and disposal. Whether a card is depreciated follows the ledger's chart: 公益性 assets are
not under the 2023 system (data, ``public_benefit_depreciated``), consumable and 公益性
biological assets never are."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from villagebooks.affairs import errors_property as E
from villagebooks.affairs.access_property import ASSETS
from villagebooks.affairs.files_property import Cells, property_terms, read_rows
from villagebooks.affairs.models import AssetCard, AssetKind, AssetNature, DepreciationMethod
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.common.money import format_fen
from villagebooks.funds.models import AllocationShare
from villagebooks.ledger.access import can, require
from villagebooks.ledger.models import Ledger, Project

ASSET_ALIASES = {
    "card": ("card", "卡片编号"),
    "ledger": ("ledger", "账套"),
    "name": ("name", "资产名称"),
    "kind": ("kind", "资产类型"),
    "category": ("category", "类别"),
    "nature": ("nature", "经营性/公益性"),
    "acquired": ("acquired", "取得日期"),
    "location": ("location", "存放地点"),
    "original": ("original", "原值"),
    "opening_depreciation": ("opening_depreciation", "建卡时累计折旧"),
    "method": ("method", "折旧方法"),
    "life_years": ("life_years", "使用年限"),
    "residual_rate": ("residual_rate", "净残值率"),
    "project": ("project", "项目编号"),
    "allocation": ("allocation", "资金下达编号"),
}
ASSET_REQUIRED = ("card", "ledger", "name", "category", "nature", "acquired", "original")


def depreciated(chart: str, kind: str, nature: str) -> bool:
    """Whether a card of this kind and nature is depreciated under ``chart``."""
    if kind in (AssetKind.CONSUMABLE_BIO, AssetKind.PUBLIC_BIO):
        return False
    if nature == AssetNature.PUBLIC:
        return bool(property_terms()["public_benefit_depreciated"][chart])
    return True


def _card(cells: Cells, ledger: Ledger | None, actor) -> AssetCard:
    code = cells.text("card", required=True, limit=32)
    name = cells.text("name", required=True, limit=100)
    kind = cells.choice("kind", AssetKind.choices, required=False, default=AssetKind.FIXED)
    category = cells.text("category", required=True, limit=30)
    nature = cells.choice("nature", AssetNature.choices)
    acquired = cells.date("acquired", required=True)
    location = cells.text("location")
    original = cells.fen("original", required=True, positive=True)
    opening = cells.fen("opening_depreciation")
    method = cells.choice("method", DepreciationMethod.choices, required=False, default="")
    life = cells.decimal("life_years")
    rate = cells.decimal("residual_rate")
    card = AssetCard(
        ledger=ledger, code=code, name=name, kind=kind, category=category, nature=nature,
        acquired_on=acquired, location=location, original_fen=original,
        opening_depreciation_fen=opening, created_by=actor,
    )  # fmt: skip
    if ledger is None or not nature:
        return card
    if depreciated(ledger.chart, kind, nature):
        card.method = method or DepreciationMethod.STRAIGHT_LINE
        if card.method != DepreciationMethod.NONE:
            if life is None or life <= 0 or life > 100:
                cells.bad("life_years", E.LIFE_REQUIRED)
            else:
                card.life_months = int((life * 12).to_integral_value())
    else:
        if method and method != DepreciationMethod.NONE:
            what = AssetKind(kind).label if nature != AssetNature.PUBLIC else AssetNature.PUBLIC.label
            cells.bad("method", E.NOT_DEPRECIATED.format(what=what, chart=ledger.chart))
        card.method = DepreciationMethod.NONE
    if rate is not None:
        if not Decimal(0) <= rate <= Decimal(100):
            cells.bad("residual_rate", E.RESIDUAL_RATE)
        else:
            card.residual_rate_bp = int((rate * 100).to_integral_value())
    if original and opening > card.depreciable_fen and card.method != DepreciationMethod.NONE:
        cells.bad(
            "opening_depreciation",
            E.OPENING_OVER.format(opening=format_fen(opening), depreciable=format_fen(card.depreciable_fen)),
        )
    elif opening and card.method == DepreciationMethod.NONE and opening > original:
        cells.bad(
            "opening_depreciation",
            E.OPENING_OVER.format(opening=format_fen(opening), depreciable=format_fen(original)),
        )
    project_code = cells.text("project", limit=32)
    if project_code:
        card.project = Project.objects.filter(ledger=ledger, code=project_code).first()
        if card.project is None:
            cells.bad("project", E.UNKNOWN_PROJECT.format(code=project_code, ledger=ledger.code))
    allocation_code = cells.text("allocation", limit=64)
    if allocation_code:
        card.allocation = AllocationShare.objects.filter(
            ledger=ledger, allocation__code=allocation_code
        ).first()
        if card.allocation is None:
            cells.bad("allocation", E.UNKNOWN_ALLOCATION.format(code=allocation_code, ledger=ledger.code))
    return card


def assets_import(*, actor, path: Path) -> int:
    """Record asset cards from a CSV or XLSX file (columns ``ASSET_ALIASES``); returns how many."""
    rows = read_rows(path, ASSET_ALIASES, ASSET_REQUIRED)
    problems: list[FieldProblem] = []
    ledgers: dict[str, Ledger | None] = {}
    seen: dict[tuple[str, str], int] = {}
    planned = []
    for row, values in rows:
        cells = Cells(row, values, problems)
        before = len(problems)
        ledger_code = cells.text("ledger", required=True, limit=32)
        if ledger_code not in ledgers:
            ledger = Ledger.objects.filter(code=ledger_code).first()
            ledgers[ledger_code] = ledger if ledger is not None and can(actor, ledger, ASSETS) else None
        ledger = ledgers[ledger_code]
        if ledger_code and ledger is None:
            cells.bad("ledger", E.UNKNOWN_LEDGER.format(code=ledger_code))
        card = _card(cells, ledger, actor)
        key = (ledger_code, card.code)
        if key in seen:
            cells.bad("card", E.CARD_DUPLICATE.format(code=card.code, row=seen[key]))
        seen.setdefault(key, row)
        if (
            ledger is not None
            and card.code
            and AssetCard.objects.filter(ledger=ledger, code=card.code).exists()
        ):
            cells.bad("card", E.CARD_EXISTS.format(code=card.code))
        if len(problems) == before:
            planned.append(card)
    if problems:
        raise DomainError(problems=problems)
    with transaction.atomic():
        AssetCard.objects.bulk_create(planned)
        for ledger_id in {c.ledger_id for c in planned}:
            mine = [c for c in planned if c.ledger_id == ledger_id]
            audit_record(
                actor=actor,
                action="assets_import",
                ledger_id=ledger_id,
                cards=len(mine),
                original_fen=sum(c.original_fen for c in mine),
            )
    return len(planned)


def asset_dispose(*, actor, card: AssetCard, on_date: date, note: str) -> AssetCard:
    """Record the card's disposal (处置): it is depreciated in that month and not after. The
    books' entry (固定资产清理) is the accountant's voucher, as any other."""
    require(actor, card.ledger, ASSETS)
    if not note.strip():
        raise DomainError(E.REASON_REQUIRED, field="note")
    with transaction.atomic():
        card = AssetCard.objects.select_for_update().get(pk=card.pk)
        if card.disposed_on is not None:
            raise Conflict(E.ALREADY_DISPOSED.format(date=card.disposed_on), field="status")
        if on_date < card.acquired_on:
            raise DomainError(E.DISPOSAL_BEFORE.format(date=card.acquired_on), field="date")
        card.disposed_on, card.disposal_note = on_date, note.strip()[:200]
        card.save(update_fields=["disposed_on", "disposal_note"])
        audit_record(actor=actor, action="asset_dispose", ledger_id=card.ledger_id, obj=card, note=note)
    return card
