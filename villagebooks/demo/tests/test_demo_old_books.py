"""The demo county's village on the 2004 chart (新旧衔接, issue 17): its 2024 books, closed, were
brought over by the conversion to the village's 2023 ledger, which opens 2025 with exactly the
balances its generated books need; the conversion's balance sheet agrees before and after, line
by line of the 2023 form and in both forms' totals; and the village is one village in the
county's figures, the old ledger for 2024 and the new one from 2025.

The demo is loaded (by default, with the 2004 books) once for the module inside a transaction
rolled back at its end.
"""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from villagebooks.demo.generator import CountySpec, write_county
from villagebooks.demo.old_books import old_books_report
from villagebooks.ledger.models import Ledger, OpeningBalance
from villagebooks.ledger.verification import ledgers_verify
from villagebooks.regions.models import Region
from villagebooks.regions.services import system_user
from villagebooks.reports.scope import scope_for_region
from villagebooks.reports.statements import build_balance_sheet
from villagebooks.reports.statistics import build_statistics, form_slugs

TODAY = date(2026, 11, 28)
SPEC = dict(villages=3, vouchers=40, seed=5, today=TODAY)


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        call_command("demo", **SPEC, stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def first_setup(tmp_path_factory) -> dict:
    """The generator's set-up of the first village's 2023 ledger (what its books open with)."""
    spec = CountySpec(villages=3, vouchers_per_year=40, first_year=2025, end=TODAY, seed=5)
    files = write_county(spec, Path(tmp_path_factory.mktemp("county")), split_by_township=True, hold_last=3)
    with files.ledgers.open(encoding="utf-8") as handle:
        return json.loads(handle.readline())


def test_the_2004_books_were_brought_over_and_the_balance_sheet_agrees(demo_county, db):
    user = system_user()
    old = Ledger.objects.get(chart="2004")
    new = Ledger.objects.get(continues=old)
    assert old.carried_year == 2025  # 2024 closed
    assert new.chart == "2023" and new.start_year == 2025 and new.village_id == old.village_id
    report = old_books_report(user=user, old=old, year=2024, new=new)
    assert report.agrees
    assert all(line.new_fen is not None for line in report.lines if line.carried_fen is not None)
    (_assets, old_assets, _c, new_assets), (_claims, old_claims, _c2, new_claims) = report.totals
    assert old_assets == new_assets == old_claims == new_claims > 0
    assert ledgers_verify(ledger_ids=[old.pk, new.pk]) == []


def test_the_new_ledger_opens_with_what_its_generated_books_need(demo_county, first_setup, db):
    """Each opening the generator chose is the conversion's opening of the same account and
    dimensions (the books then spend that cash and bank, pay that retention); the rest of the
    opening is what the old year left of its own, and 未分配收益 balances it."""
    new = Ledger.objects.get(continues__isnull=False)
    assert new.code == first_setup["ledger"]
    opening: dict[tuple[str, str, str], int] = {}
    for o in OpeningBalance.objects.filter(ledger=new).select_related("account", "fund", "counterparty"):
        key = (o.account.code, o.fund.name if o.fund else "", o.counterparty.name if o.counterparty else "")
        opening[key] = opening.get(key, 0) + o.debit_fen - o.credit_fen
    for line in first_setup["openings"]:
        if line["account"] != "32201":
            key = (line["account"], line["fund"], line["counterparty"])
            assert opening[key] == line["debit_fen"] - line["credit_fen"], key
    assert opening[("15399", "", "")] == 1_800_000  # the old year's road works (2004: 154 在建工程)
    assert opening[("1320101", "", "")] == 600_000  # 耕牛, decided 生产性生物资产 (under 13201 牲畜(禽)资产)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_village_counts_once_in_the_county_every_year(demo_county, db, year):
    user = system_user()
    county = Region.objects.get(kind="county")
    old = Ledger.objects.get(chart="2004")
    village = old.village
    scope = scope_for_region(
        user=user, region_code=county.code, from_key=year * 100 + 1, to_key=year * 100 + 12
    )
    counted = Ledger.objects.filter(pk__in=scope.ledger_ids + scope.mapped_ledger_ids, village=village)
    assert counted.count() == 1
    assert counted.get().chart == ("2004" if year == 2024 else "2023")
    table = build_statistics(scope, form_slugs()[0])
    assert (
        len(table.villages) == Region.objects.filter(kind="village", ledgers__isnull=False).distinct().count()
    )
    assert sum(village.ledger_codes.count(old.code) for village in table.villages.values()) == (year == 2024)
    sheet = build_balance_sheet(scope)
    assert sheet.check and sheet.line(sheet.check[0]).amounts == sheet.line(sheet.check[1]).amounts
    assert build_balance_sheet(scope.without_rollups()).rows == sheet.rows
