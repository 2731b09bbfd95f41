"""English from the user menu, in a real browser: the accountant switches the pages to English
with the top bar's language button, reads the trial balance in English (its figures and account
names as they are), and switches back to Chinese."""

from __future__ import annotations

import pytest

from tests.e2e.browsing import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser


def test_the_accountant_switches_to_english_and_back(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    expect(page.get_by_role("button", name="退出")).to_be_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_url(app.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("button", name="简体中文")).to_be_visible()
    screenshot(page, "language-01-home-in-english")

    page.goto(app.url + "/ledgers/HT01/reports/trial-balance/?from=2025-01&to=2025-03")
    expect(page.locator("#report-title")).to_contain_text("Trial balance")
    expect(page.locator('#trial-balance tr[data-code="102"]')).to_contain_text("银行存款")
    screenshot(page, "language-02-trial-balance-in-english")

    # The choice stays with the browser from page to page, until it is changed back.
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_url("**/ledgers/HT01/reports/trial-balance/?from=2025-01&to=2025-03")
    expect(page.locator("#report-title")).to_contain_text("科目余额表")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    assert pages.external == []


def test_the_language_button_fits_the_phone_top_bar(pages, app):
    from playwright.sync_api import expect

    page = pages.open(viewport=PHONE)
    log_in(page, app, "kuaiji")
    page.get_by_role("button", name="English").click()
    page.wait_for_url(app.url + "/")
    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "language-03-phone-in-english")
