"""The demo county's village still on the 2004 chart (新旧衔接, issue 17): its closed 2024 books move
to a new 2023 ledger, every item decided as the map suggests, and the balance sheet agrees before
and after, line by line of the 2023 form and in both forms' totals.

The demo is loaded (``demo --with-2004``) once for the module inside a transaction rolled back at
its end.
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from villagebooks.ledger.models import Ledger
from villagebooks.ledger.tests.books import balance
from villagebooks.ledger.verification import ledgers_verify
from villagebooks.regions.services import system_user
from villagebooks.reports import ledger_conversion as conversion
from villagebooks.reports.ledger_conversion import DIMENSION, Decision

MEMBERS = "全体成员"


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        call_command(
            "demo",
            villages=3,
            vouchers=40,
            seed=5,
            today=date(2026, 11, 28),
            with_2004=True,
            stdout=StringIO(),
        )
        yield
        transaction.set_rollback(True)


def test_the_demo_2004_ledger_moves_to_2023_and_its_balance_sheet_agrees(demo_county, db):
    user = system_user()
    old_ledgers = list(Ledger.objects.filter(chart="2004"))
    assert old_ledgers, "the demo keeps a village on the 2004 chart"
    for old in old_ledgers:
        assert old.carried_year == 2025  # 2024 closed
        new_code = old.code.replace("-04", "-23")

        def plan(decisions, old=old, new_code=new_code):
            return conversion.conversion_plan(
                user=user, ledger_code=old.code, year=2024, new_code=new_code, decisions=decisions
            )

        first = plan({})
        assert first.items and first.problems  # nothing made before the decisions
        decisions = {
            item.old_code: Decision(
                to=item.options[0], counterparty=MEMBERS if "counterparty" in item.needs else ""
            )
            for item in first.items
        }
        decided = plan(decisions)
        assert decided.problems == []
        before = conversion.conversion_report(user=user, plan=decided)
        assert before.agrees
        new = conversion.ledger_convert(
            actor=user, ledger_code=old.code, year=2024, new_code=new_code, decisions=decisions
        )
        report = conversion.conversion_report(user=user, plan=decided, new=new)
        assert report.agrees
        assert all(line.new_fen is not None for line in report.lines if line.carried_fen is not None)
        (assets, old_assets, _c, new_assets), (claims, old_claims, _c2, new_claims) = report.totals
        assert old_assets == new_assets == old_claims == new_claims > 0
        assert balance(new, "102") == balance(old, "102") > 0
        assert any(item.kind == DIMENSION for item in first.items)
        assert ledgers_verify(ledger_ids=[old.pk, new.pk]) == []
