"""The household page on a phone, in a real browser: it fits the screen, the identifiers are
masked until the accountant asks for them."""

from __future__ import annotations

import pytest

from tests.e2e.browsing import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser
FULL_ID = "510781196503120033"


def test_the_household_page_fits_a_phone_and_masks_until_asked(pages, app):
    from playwright.sync_api import expect

    page = pages.open(viewport=PHONE)
    log_in(page, app, "kuaiji")
    page.locator("#home-registry").click()
    page.get_by_label("户编号或姓名").fill("张德明")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="黑滩村 · HT-001").click()
    expect(page.locator("#household-status")).to_contain_text("脱贫户")
    expect(page.locator("table.persons").first).to_contain_text("5107********0033")
    assert FULL_ID not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "registry-01-household-on-a-phone")
    page.locator("#reveal").click()
    expect(page.locator("table.persons").first).to_contain_text(FULL_ID)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert pages.external == []
