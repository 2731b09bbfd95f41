"""The set-up and closing pages answer in under 300 ms on the demo county's books.

Each page reads one ledger, so what it costs depends on the size of a ledger, not on the number
of villages: two villages of the demo (``villagebooks demo``: 300 vouchers a village and year,
last year closed, this year running to "today" with vouchers waiting) give ledgers of the
demo's size. The median of five requests after a warm-up is compared, so that one slow moment
of a shared machine does not fail the test; the query-count tests pin the cost in round trips.
"""

from __future__ import annotations

import statistics
import time
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from villagebooks.ledger.access import ledgers_in_scope
from villagebooks.ledger.models import Period, PeriodStatus, Voucher

TODAY = date(2026, 3, 15)
BUDGET_MS = 300
PAGES = ("accounts/", "opening-balances/", "closing/", "closing/?year=2025", "closing/year/")


@pytest.fixture(scope="module")
def demo_books(django_db_setup, django_db_blocker):
    """Two villages of the demo, loaded once for the module and rolled back at its end."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        call_command(
            "demo", villages=2, vouchers=300, seed=2025, today=TODAY, planted_villages=0, stdout=StringIO()
        )
        yield
        transaction.set_rollback(True)


def _median_ms(client: Client, url: str) -> float:
    assert client.get(url).status_code == 200
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(samples)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_answers_within_the_budget_on_demo_books(demo_books, db, page):
    manager = get_user_model().objects.get(username="manager")
    ledger = ledgers_in_scope(manager).order_by("code").first()
    # The demo's books are what the budget is about: a closed year and a running one.
    assert Voucher.objects.filter(ledger=ledger).count() > 300
    assert Period.objects.filter(ledger=ledger, year=2025, status=PeriodStatus.CLOSED).count() == 12
    client = Client()
    client.force_login(manager)
    assert _median_ms(client, f"/ledgers/{ledger.code}/{page}") < BUDGET_MS
