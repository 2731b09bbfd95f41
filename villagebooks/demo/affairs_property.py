"""The demo county's contracts, asset cards and resources, read off each village's own books so
that they reconcile: a 发包 contract and a land parcel for every tenant billed through 应收款
(the receipts matched from the posted vouchers; a tenant who paid late or in part is overdue,
arrears from before the contract are named on the reconciliation), an uncontracted forest
parcel, and asset cards adding up to 固定资产 (151) and 累计折旧 (152): the opening 151 split
into the office building (公益性) and the shop building (经营性, carrying the opening 152), and a
card for each project turned into a fixed asset.

Everything goes through the import services, from CSV files, as an accountant's work would.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db.models import Sum

from villagebooks.affairs import assets, contracts, resources
from villagebooks.common.money import fen_to_text
from villagebooks.ledger.models import Counterparty, Ledger, OpeningBalance, VoucherLine, VoucherStatus

RENT_PER_MU_FEN = 80_000  # 800 元 a 亩 a year: the parcels' areas follow from the rents
TERM_YEARS = 10
PARTY_KINDS = {"organisation": "单位", "person": "个人", "household": "农户"}


def _header(aliases: dict) -> str:
    return ",".join(names[-1] for names in aliases.values())


CONTRACT_HEADER = _header(contracts.CONTRACT_ALIASES)
ASSET_HEADER = _header(assets.ASSET_ALIASES)
RESOURCE_HEADER = _header(resources.RESOURCE_ALIASES)


@dataclass
class AffairsPropertySummary:
    contracts: int = 0
    resources: int = 0
    cards: int = 0
    receipts_matched: int = 0


def _rents(ledger: Ledger) -> dict[int, list[tuple[date, int]]]:
    """Counterparty → (bill date, amount) of each year's land rent booked to 应收款."""
    rows = (
        VoucherLine.objects.filter(
            ledger=ledger,
            account__code__startswith="112",
            debit_fen__gt=0,
            counterparty__isnull=False,
            voucher__status=VoucherStatus.POSTED,
            summary__endswith="土地承包费",
        )
        .values("counterparty_id", "voucher__date")
        .annotate(amount=Sum("debit_fen"))
        .order_by("counterparty_id", "voucher__date")
    )
    rents: dict[int, list[tuple[date, int]]] = {}
    for row in rows:
        rents.setdefault(row["counterparty_id"], []).append((row["voucher__date"], row["amount"]))
    return rents


def _same_day(day: date, year: int) -> date:
    return date(year, day.month, min(day.day, 28))


def _village_rows(ledger: Ledger) -> tuple[list[str], list[str], list[str]]:
    contract_rows, resource_rows, card_rows = [], [], []
    parties = dict(Counterparty.objects.filter(ledger=ledger).values_list("id", "name"))
    kinds = dict(Counterparty.objects.filter(ledger=ledger).values_list("id", "kind"))
    for number, (party_id, bills) in enumerate(sorted(_rents(ledger).items()), start=1):
        name = parties[party_id]
        first = bills[0][0]
        resource = f"ZY-{number:02d}"
        rent = bills[-1][1]
        area = max(rent * 100 // RENT_PER_MU_FEN, 1)
        resource_rows.append(
            f"{resource},{ledger.code},{name}承包地,土地,耕地,{number}组,{area // 100}.{area % 100:02d},"
        )
        billed = {day.year: (day, amount) for day, amount in bills}
        schedule = [
            billed.get(year, (_same_day(first, year), rent))
            for year in range(first.year, first.year + TERM_YEARS)
        ]
        price = sum(amount for _day, amount in schedule)
        party_kind = PARTY_KINDS.get(kinds[party_id], "单位")
        for due, amount in schedule:
            contract_rows.append(
                ",".join(
                    [
                        f"{ledger.code}-FB-{number:02d}",
                        ledger.code,
                        "发包",
                        name,
                        party_kind,
                        "",
                        "",
                        resource,
                        f"{name}承包地（{number}组）",
                        first.isoformat(),
                        date(first.year, 1, 1).isoformat(),
                        date(first.year + TERM_YEARS - 1, 12, 31).isoformat(),
                        fen_to_text(price),
                        "0",
                        "是" if number == 1 else "否",
                        f"JY-{ledger.code}-{number:02d}" if number == 1 else "",
                        "",
                        due.isoformat(),
                        fen_to_text(amount),
                    ]
                )  # fmt: skip
            )
    resource_rows.append(
        f"ZY-{len(resource_rows) + 1:02d},{ledger.code},集体林地,林地,林地,后山,120.00,未发包"
    )
    card_rows.extend(_cards(ledger))
    return contract_rows, resource_rows, card_rows


def _cards(ledger: Ledger) -> list[str]:
    def balance(code: str) -> int:
        rows = OpeningBalance.objects.filter(ledger=ledger, account__code__startswith=code)
        return sum(r.debit_fen - r.credit_fen for r in rows)

    fixed, depreciation = balance("151"), -balance("152")
    rows = []
    start = ledger.start_year
    public_method = "年限平均法" if ledger.chart == "2004" else ""
    public_life = "50" if ledger.chart == "2004" else ""
    if fixed > 0:
        shop = fixed * 4 // 10
        rows.append(
            f"ZC-001,{ledger.code},村集体门面房,固定资产,房屋及建筑物,经营性,{start - 6}-06-30,村街上,"
            f"{fen_to_text(shop)},{fen_to_text(depreciation)},年限平均法,30,5,,"
        )
        rows.append(
            f"ZC-002,{ledger.code},村委会办公楼,固定资产,房屋及建筑物,公益性,{start - 10}-06-30,村委会,"
            f"{fen_to_text(fixed - shop)},0,{public_method},{public_life},0,,"
        )
    productive = balance("132") if ledger.chart == "2023" else 0
    if productive > 0:  # the ploughing cattle a village brought over from its 2004 books (old_books.py)
        rows.append(
            f"ZC-SW1,{ledger.code},耕牛,生产性生物资产,生物资产,经营性,{start - 3}-05-01,村集体牛圈,"
            f"{fen_to_text(productive)},{fen_to_text(-balance('133'))},年限平均法,8,5,,"
        )
    additions = (
        VoucherLine.objects.filter(
            ledger=ledger,
            account__code__startswith="151",
            debit_fen__gt=0,
            voucher__status=VoucherStatus.POSTED,
        )
        .select_related("voucher")
        .order_by("voucher__date", "voucher_id", "line_no")
    )
    for number, line in enumerate(additions, start=3):
        name = line.summary.split("验收")[0].split("完工")[0][:60] or "项目形成资产"
        rows.append(
            f"ZC-{number:03d},{ledger.code},{name},固定资产,基础设施,公益性,{line.voucher.date.isoformat()},本村,"
            f"{fen_to_text(line.debit_fen)},0,{public_method},{'20' if public_life else ''},0,,"
        )
    return rows


def demo_affairs_property_load(*, accountant_for: Callable[[Ledger], object], ledgers: list[Ledger]) -> AffairsPropertySummary:  # fmt: skip
    """Contracts, resources and asset cards for ``ledgers``, each by its township's accountant."""
    summary = AffairsPropertySummary()
    with tempfile.TemporaryDirectory() as folder:
        for ledger in ledgers:
            actor = accountant_for(ledger)
            contract_rows, resource_rows, card_rows = _village_rows(ledger)
            path = Path(folder) / f"{ledger.code}-resources.csv"
            path.write_text("\n".join([RESOURCE_HEADER, *resource_rows]) + "\n", encoding="utf-8")
            summary.resources += resources.resources_import(actor=actor, path=path)
            if card_rows:
                path = Path(folder) / f"{ledger.code}-assets.csv"
                path.write_text("\n".join([ASSET_HEADER, *card_rows]) + "\n", encoding="utf-8")
                summary.cards += assets.assets_import(actor=actor, path=path)
            if contract_rows:
                path = Path(folder) / f"{ledger.code}-contracts.csv"
                path.write_text("\n".join([CONTRACT_HEADER, *contract_rows]) + "\n", encoding="utf-8")
                summary.contracts += contracts.contracts_import(actor=actor, path=path)
                summary.receipts_matched += contracts.receipts_match(actor=actor, ledger=ledger)
    return summary
