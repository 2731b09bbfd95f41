"""The fund summary of the demo county against its balance sheet (issue 12): every fund-bearing
line agrees, for the county and each village, in a closed year, the open one and across both;
and the county's 村办公经费 opens 2026 with what it closed 2025 with.

The demo is loaded once for the module inside a transaction rolled back at its end, so this
module holds only tests that read it (its users would collide with the other tests' fixtures).
"""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.reports.fund_summary import build_fund_summary
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.tests.test_fund_summary import _assert_reconciles, _row


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo county (3 villages, 2025 closed, 2026 to October), loaded once for the module."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings

    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        call_command(
            "demo",
            villages=3,
            vouchers=40,
            seed=5,
            today=date(2026, 11, 28),
            planted_villages=0,
            stdout=StringIO(),
        )
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("first,last", [(202501, 202512), (202601, 202610), (202504, 202609)])
def test_the_demo_countys_fund_summary_reconciles_with_its_balance_sheet(demo_county, db, first, last):
    from villagebooks.ledger.models import Ledger
    from villagebooks.ledger.selectors import in_force
    from villagebooks.regions.services import system_user

    user = system_user()
    county = _assert_reconciles(
        scope_for_region(user=user, region_code="510781000000", from_key=first, to_key=last)
    )
    assert county.total.held_fen > 0
    # Each village's books of the period: the first village's 2004 ledger ended with 2024.
    for code in Ledger.objects.filter(in_force(year=last // 100)).values_list("code", flat=True):
        _assert_reconciles(scope_for_ledger(user=user, ledger_code=code, from_key=first, to_key=last))


def test_the_demo_countys_village_office_funds_open_2026_where_2025_closed(demo_county, db):
    from villagebooks.regions.services import system_user

    user = system_user()

    def office(first, last):
        scope = scope_for_region(user=user, region_code="510781000000", from_key=first, to_key=last)
        return _row(build_fund_summary(scope), "村办公经费")

    closed, opened = office(202501, 202512), office(202601, 202610)
    assert closed.balance_fen > 0
    assert opened.opening_fen == closed.balance_fen
