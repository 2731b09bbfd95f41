"""The demo county's contracts, resources and asset cards: the cards reconcile with 151/152 in
every village, some contracts are overdue, receipts are matched from the books."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from villagebooks.affairs import selectors_property as S
from villagebooks.affairs.models import AssetCard, Contract, ReceiptMatch, Resource
from villagebooks.affairs.public_property import public_contracts, public_resources
from villagebooks.ledger.models import Ledger
from villagebooks.ledger.selectors import in_force

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        out = StringIO()
        call_command("demo", villages=3, vouchers=40, seed=5, today=TODAY, planted_villages=0, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_output, db):
    return demo_output


def test_every_village_has_cards_that_reconcile_with_the_books(loaded):
    assert "资产卡片" in loaded
    # The village's register is kept on its ledger in force: a 2004 ledger carried over to a new
    # one (新旧衔接, the demo's first village) hands its assets to it.
    for ledger in Ledger.objects.filter(in_force()):
        assert AssetCard.objects.filter(ledger=ledger).exists()
        rows = S.asset_reconciliation(ledger, TODAY)
        assert {r.account for r in rows} >= {"151", "152"}
        assert all(r.difference_fen == 0 for r in rows), (ledger.code, rows)


def test_contracts_with_matched_receipts_and_some_overdue(loaded):
    assert Contract.objects.count() >= 3 and Resource.objects.count() >= 4
    assert ReceiptMatch.objects.exists()
    overdue = [item for ledger in Ledger.objects.all() for item in S.overdue_receipts(ledger, TODAY)]
    assert overdue and all(item["days_overdue"] > 0 for item in overdue)
    ledger = Ledger.objects.order_by("code").first()
    published = public_contracts(ledger, TODAY)
    assert published and all("id_number" not in item for item in published)
    assert any(item["contracted"] for item in public_resources(ledger, TODAY))
    assert any(not item["contracted"] for item in public_resources(ledger, TODAY))
