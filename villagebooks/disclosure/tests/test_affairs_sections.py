"""The affairs' dividend in a disclosure and in a member's own look-up (the dividend rows are made
directly: how ``affairs`` divides them is its own tests' business)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from villagebooks.disclosure.services import disclosure_publish
from villagebooks.disclosure.tests.support import LI_ID, ZHANG_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def dividend(ledger, accountant, reviewer):
    from villagebooks.affairs.models import Dividend, DividendLine
    from villagebooks.disclosure.tests.support import paid_subsidy_list
    from villagebooks.registry.models import Household

    paid_subsidy_list(ledger, accountant, reviewer)
    made = Dividend.objects.create(
        ledger=ledger, year=2024, on_date=date(2024, 12, 31), amount_fen=600_000, reserve_fen=200_000,
        profit_fen=800_000, total_shares=Decimal("3"), per_share="2000.00", method="按份额分配，最大余数法到分",
        created_by=accountant,
    )  # fmt: skip
    household = Household.objects.get(number="HT-001")
    DividendLine.objects.create(
        ledger=ledger, dividend=made, household=household, head_name="张德明", counterparty="张德明",
        shares=Decimal("3"), amount_fen=600_000,
    )  # fmt: skip
    return made


def test_the_dividend_is_published_per_household(dividend, ledger, accountant):
    from villagebooks.ledger import services

    for month in (1, 2, 3):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    published = disclosure_publish(actor=accountant, ledger=ledger, period="2025-Q1")
    section = next(s for s in json.loads(published.snapshot)["sections"] if s["key"] == "dividends")
    summary, households = section["tables"]
    assert ["向成员分配", 600_000] in summary["rows"]
    assert households["rows"] == [["HT-001", "张德明", "3", 600_000]]
    assert ZHANG_ID not in published.snapshot


def test_a_member_finds_the_households_dividend_beside_the_subsidy(dividend):
    cache.clear()
    page = Client().post("/public/HT01/lookup/", {"id_number": LI_ID, "name": "李秀英"}).content.decode()
    assert "2024年度分红" in page and "6,000.00" in page and "300.00" in page
    wrong = Client().post("/public/HT01/lookup/", {"id_number": LI_ID, "name": "张德明"}).content.decode()
    assert "年度分红" not in wrong and "没有查到" in wrong


def test_a_paid_dividend_list_is_in_the_look_up_until_the_bank_returns_it(
    dividend, ledger, accountant, tmp_path
):
    from villagebooks.ledger.models import Counterparty
    from villagebooks.registry.models import Person
    from villagebooks.registry.subsidies import (
        RETURN_COLUMNS,
        Payee,
        bank_return_import,
        payable_batch_create,
        payable_programme,
    )
    from villagebooks.registry.tests.conftest import write_csv

    zhang = Person.objects.get(id_number=ZHANG_ID)
    Counterparty.objects.create(ledger=ledger, name="张德明", kind="household")  # as the year close makes it
    programme = payable_programme(region=ledger.village, code="FH-TEST", name="集体收益分红")
    payable_batch_create(
        actor=accountant, ledger=ledger, programme=programme, batch_code="FH2024", pay_date=date(2025, 1, 20),
        payees=[Payee(person=zhang, counterparty="张德明", amount_fen=600_000)], payable_account="211",
        reviewer_username="reviewer",
    )  # fmt: skip
    cache.clear()
    page = Client().post("/public/HT01/lookup/", {"id_number": ZHANG_ID, "name": "张德明"}).content.decode()
    assert "集体收益分红" in page and "6,000.00" in page
    bank_file = write_csv(
        tmp_path / "return.csv",
        [[ZHANG_ID, "张德明", zhang.bank_card, "6000.00", "失败", "卡已挂失"]],
        RETURN_COLUMNS,
    )
    bank_return_import(actor=accountant, path=bank_file, ledger=ledger, batch_code="FH2024")
    cache.clear()
    page = Client().post("/public/HT01/lookup/", {"id_number": ZHANG_ID, "name": "张德明"}).content.decode()
    assert "集体收益分红" not in page and "2024年度分红" in page
