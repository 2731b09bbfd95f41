"""Asset cards: the import (what is depreciated under which chart, every bad row named, all or
nothing), disposal, the public summary and the hand-over reconciliation with funds' projects."""

from datetime import date

import pytest

from villagebooks.affairs import assets
from villagebooks.affairs import selectors_property as S
from villagebooks.affairs.models import AssetCard, DepreciationMethod
from villagebooks.affairs.public_property import public_assets
from villagebooks.affairs.tests.property_support import ASSET_HEADER, import_assets
from villagebooks.common.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db


def test_import_cards_and_public_benefit_not_depreciated_under_2023(ledger, accountant, tmp_path):
    assert import_assets(tmp_path, accountant) == 3
    shop = AssetCard.objects.get(code="ZC-001")
    assert shop.original_fen == 12_000_000 and shop.life_months == 240 and shop.residual_rate_bp == 500
    assert shop.depreciable_fen == 11_400_000
    assert AssetCard.objects.get(code="ZC-003").method == DepreciationMethod.NONE


def test_public_benefit_card_with_a_method_is_refused(ledger, accountant, tmp_path):
    text = f"{ASSET_HEADER}\nZC-009,HT01,文化广场,固定资产,基础设施,公益性,2025-01-05,村口,80000.00,0,年限平均法,20,0,,\n"
    with pytest.raises(DomainError) as error:
        import_assets(tmp_path, accountant, text)
    assert [(p.row, p.field) for p in error.value.problems] == [(2, "method")]


def test_every_bad_row_named_and_nothing_written(ledger, accountant, tmp_path):
    text = "\n".join(
        [
            ASSET_HEADER,
            "A1,HT01,抽水机,固定资产,机器设备,经营性,2025-01-05,泵站,-5.00,0,年限平均法,10,5,,",
            "A2,HT01,拖拉机,固定资产,农业机械,经营性,2025-02-30,库房,30000.00,0,年限平均法,,5,,",
            "A3,HT01,办公楼,固定资产,房屋及建筑物,公私合营,2025-01-05,村委会,90000.00,0,,30,5,,",
            "A4,HT01,电脑,固定资产,电子设备,经营性,2025-01-05,村委会,5000.00,6000.00,年限平均法,3,5,P99,",
            "A5,HT01,电脑,固定资产,电子设备,经营性,2025-01-05,村委会,5000.00,0,年限平均法,3,5,,",
            "A5,HT01,电脑,固定资产,电子设备,经营性,2025-01-05,村委会,5000.00,0,年限平均法,3,5,,",
        ]
    )
    with pytest.raises(DomainError) as error:
        import_assets(tmp_path, accountant, text)
    found = {(p.row, p.field) for p in error.value.problems}
    assert {
        (2, "original"),
        (3, "acquired"),
        (4, "nature"),
        (5, "opening_depreciation"),
        (5, "project"),
        (7, "card"),
    } <= found
    assert not AssetCard.objects.exists()


def test_reporter_cannot_import(ledger, accountant, make_user, region_tree, tmp_path):
    reporter = make_user("reporter", "reporter", region_tree["510781100201"])
    with pytest.raises(DomainError):
        import_assets(tmp_path, reporter)
    assert not AssetCard.objects.exists()


def test_disposal_is_set_once_and_the_card_leaves_the_summary(ledger, accountant, tmp_path):
    import_assets(tmp_path, accountant)
    card = AssetCard.objects.get(code="ZC-002")
    assets.asset_dispose(actor=accountant, card=card, on_date=date(2025, 6, 1), note="报废")
    with pytest.raises(Conflict):
        assets.asset_dispose(actor=accountant, card=card, on_date=date(2025, 7, 1), note="再次")
    before = {r["category"]: r for r in public_assets(ledger, date(2025, 5, 31))}
    after = {r["category"]: r for r in public_assets(ledger, date(2025, 6, 30))}
    assert "家具用具" in before and "家具用具" not in after
    assert after["基础设施"] == {
        "category": "基础设施",
        "nature": "公益性",
        "cards": 1,
        "original_fen": 5_000_000,
        "depreciation_fen": 0,
        "net_fen": 5_000_000,
    }


def test_handed_over_project_without_card_is_listed(ledger, accountant, manager, tmp_path):
    from villagebooks.funds.tests.support import advance_to, import_allocations, import_projects

    import_allocations(tmp_path, accountant)
    import_projects(tmp_path, accountant)
    advance_to(ledger, manager, "P01", "移交")
    rows = S.handover_reconciliation(ledger)
    assert [(r.project, r.cards, r.cards_fen) for r in rows] == [("P01", 0, 0)]
    text = f"{ASSET_HEADER}\nZC-010,HT01,村道,固定资产,基础设施,公益性,2025-03-20,一组,200000.00,0,,,,P01,A-2025-01\n"
    import_assets(tmp_path, accountant, text)
    card = AssetCard.objects.get(code="ZC-010")
    assert card.allocation.allocation.code == "A-2025-01"
    assert [(r.project, r.cards, r.cards_fen) for r in S.handover_reconciliation(ledger)] == [
        ("P01", 1, 20_000_000)
    ]


def test_public_benefit_register_on_the_page(client, ledger, accountant, tmp_path):
    from django.urls import reverse

    import_assets(tmp_path, accountant)
    client.force_login(accountant)
    page = client.get(reverse("affairs:assets", args=["HT01"]), {"register": "public", "on": "2025-06-30"})
    text = page.content.decode()
    assert "ZC-003" in text and "ZC-001" not in text
