"""The county's dashboard and statistics in a real browser (issue 16, parts 2 and 3): on a phone the
dashboard draws its charts (ECharts, as SVG) with a table under each and does not run off the
screen; on a desktop the statistics form shows its checks passing, a figure opens the villages
behind it and a village its own statement. Both answer the server fast.

The module keeps a ledger of its own (HT38, 黑滩村, made through the services by ``villagebooks
shell`` as an operator would): 60,000.00 of 经营收入 in May 2025, so that the county has a village
with 经营收益 in a band; the other journeys read HT01 and QL01, which it leaves alone.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import DESKTOP, PHONE, app_command, log_in, screenshot

pytestmark = pytest.mark.browser

CODE = "HT38"
COUNTY = "510781000000"
# A guard against a pathological page, not the target (150 ms, measured apart): eight test runs
# share this machine.
PAGE_BUDGET_MS = 1500
SET_UP = f"""
from datetime import date
from django.contrib.auth import get_user_model
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
users = get_user_model().objects
kuaiji, shenhe = users.get(username="kuaiji"), users.get(username="shenhe")
ledger = services.ledger_create(actor=kuaiji, village_code="510781100201", code="{CODE}",
    name="黑滩村经济合作社", chart="2023", start_year=2025, start_month=1)
ledger = services.opening_balances_set(actor=kuaiji, ledger=ledger, rows=[])
lines = [LineInput(summary="鱼塘承包费", account_code="102", debit_fen=6_000_000),
         LineInput(summary="鱼塘承包费", account_code="501", credit_fen=6_000_000)]
voucher = services.voucher_create(actor=kuaiji, ledger=ledger, date=date(2025, 5, 8), lines=lines, submit=True)
services.voucher_review(actor=shenhe, voucher=voucher)
services.voucher_post(actor=kuaiji, voucher=voucher)
"""


@pytest.fixture(scope="module")
def income_ledger(app):
    app_command(app, "shell", "-c", SET_UP)
    return CODE


def _server_ms(page) -> float:
    return page.evaluate(
        "(() => { const t = performance.getEntriesByType('navigation')[0];"
        " return t.responseStart - t.requestStart; })()"
    )


def test_the_dashboard_on_a_phone_draws_its_charts_over_tables(pages, app, income_ledger):
    from playwright.sync_api import expect

    page = pages.open(viewport=PHONE)
    log_in(page, app, "xian")
    page.goto(f"{app.url}/regions/{COUNTY}/dashboard/?year=2025")
    assert _server_ms(page) < PAGE_BUDGET_MS
    expect(page.get_by_role("heading", name="江油市 2025 年概览")).to_be_visible()
    for name in ("cash", "income", "bands", "closing"):
        chart = page.locator(f'[data-chart="{name}"]')
        expect(chart.locator("svg").first).to_be_attached()
        assert chart.bounding_box()["width"] <= PHONE["width"]
        expect(page.locator(f"#table-{name}")).to_be_attached()
    # The table under the cash chart carries the figures (other journeys' ledgers add to them).
    may = page.locator("#table-cash tbody tr").nth(4)
    expect(may.locator("td").first).to_have_text(re.compile(r"^[\d,]+\.\d\d$"))
    # Every village of the county is in one 经营收益 band; 黑滩村 has HT38's 60,000 of income.
    counts = [int(t) for t in page.locator("#table-bands tbody td").all_inner_texts()]
    assert sum(counts) == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "county-dashboard-phone")
    band = (
        page.locator("#table-bands tbody tr")
        .filter(has_not_text="无经营收益")
        .filter(has=page.locator("a", has_text="1"))
    )
    band.first.get_by_role("link").click()
    expect(page).to_have_url(
        re.compile(rf"/regions/{COUNTY}/reports/statistics-income-distribution/lines/2[678]/")
    )
    expect(page.locator('#statistics-villages tr[data-village="510781100201"]')).to_contain_text("黑滩村")


def test_the_statistics_form_shows_its_checks_and_drills_to_a_village(pages, app, income_ledger):
    from playwright.sync_api import expect

    page = pages.open(viewport=DESKTOP)
    log_in(page, app, "xian")
    page.goto(f"{app.url}/regions/{COUNTY}/reports/statistics-income-distribution/?from=2025-01&to=2025-12")
    assert _server_ms(page) < PAGE_BUDGET_MS
    form = page.locator("#statistics-income-distribution")
    income = form.locator('tr[data-row="1"] td').nth(1)
    expect(income).to_have_text(re.compile(r"^[\d,]+\.\d\d$"))
    checks = page.locator("#statistics-income-distribution-checks tbody tr")
    expect(checks).to_have_count(7)
    expect(page.locator("#statistics-income-distribution-checks tr.check-fail")).to_have_count(0)
    expect(checks.first).to_contain_text("7 = 1 + 2 + 3 - 4 - 5")
    expect(checks.first).to_contain_text("通过")
    screenshot(page, "county-statistics-income-distribution")
    # 经营收入 opens its villages; the village's ledger opens its own 收益及收益分配表.
    income.get_by_role("link").click()
    expect(page).to_have_url(
        re.compile(rf"/regions/{COUNTY}/reports/statistics-income-distribution/lines/1/")
    )
    row = page.locator('#statistics-villages tr[data-village="510781100201"]')
    expect(row.locator("td").nth(2)).not_to_have_text("0.00")
    row.get_by_role("link", name=re.compile("HT")).first.click()
    expect(page).to_have_url(
        re.compile(r"/ledgers/HT\d\d/reports/income-statement-form/\?from=2025-01&to=2025-12")
    )
