"""新旧衔接 in a real browser: an accountant opens a closed 2004 ledger's 新旧衔接 page, previews
the conversion, is refused while items are undecided (nothing made), decides them, converts, and
reads that the old and new balance sheets agree line by line.

The module keeps ledgers of its own (HT55OLD, the demo's 2004 year loaded through the services
by ``villagebooks shell``; HT55NEW made by the page), so nothing another journey reads changes.
"""

from __future__ import annotations

import pytest

from tests.e2e.browsing import DESKTOP, app_command, log_in, screenshot

pytestmark = pytest.mark.browser

OLD, NEW = "HT55OLD", "HT55NEW"
LOAD_OLD_BOOKS = f"""
from django.contrib.auth import get_user_model
from villagebooks.demo.old_books import old_books_load
from villagebooks.regions.services import system_user
users = get_user_model().objects
old_books_load(
    setup_actor=system_user(), accountant=users.get(username="kuaiji"), reviewer=users.get(username="shenhe"),
    village_code="510781100201", village_name="黑滩村", year=2024, code="{OLD}",
)
"""


@pytest.fixture(scope="module")
def old_ledger(app):
    app_command(app, "shell", "-c", LOAD_OLD_BOOKS)
    return OLD


def test_a_2004_ledger_is_brought_over_after_its_decisions(pages, app, old_ledger):
    from playwright.sync_api import expect

    page = pages.open(viewport=DESKTOP)
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{OLD}/closing/")
    page.get_by_role("link", name="新旧衔接").click()
    expect(page.locator("#convert-year")).to_have_value("2024")
    page.locator("#convert-to").fill(NEW)
    page.get_by_role("button", name="预览").click()

    # The items to decide, before anything is made: 耕牛 (131 → 131 or 132), 应付福利费 (→ 211 or
    # 212) and, since 211 asks for a counterparty, whose it is.
    items = page.locator("#decision-items")
    expect(items.locator('[data-item="split-13101"]')).to_be_visible()
    expect(items.locator('[data-item="split-212"]')).to_be_visible()
    expect(page.locator("#convert-problems")).to_contain_text("需要决定转入哪个2023年科目")
    page.locator("#convert-submit").click()
    expect(page.locator("#convert-problems")).to_be_visible()
    expect(page.locator("#converted")).to_have_count(0)

    page.locator('select[name="decision-13101"]').select_option("132")
    page.locator('select[name="decision-212"]').select_option("211")
    page.locator('input[name="counterparty-212"]').fill("全体成员")
    page.locator("#convert-preview").click()
    expect(page.locator("#convert-problems")).to_have_count(0)
    expect(page.locator('#carried-balances [data-old="13101"]')).to_have_attribute("data-new", "1320101")
    page.locator("#convert-submit").click()

    expect(page.locator("#converted")).to_contain_text(f"已新建账套 {NEW}")
    expect(page.locator('#converted [data-agrees="yes"]')).to_be_visible()
    totals = page.locator("#conversion-totals tbody tr")
    expect(totals).to_have_count(2)
    for row in range(2):
        cells = totals.nth(row).locator("td")
        old, new = cells.nth(0).inner_text(), cells.nth(2).inner_text()
        assert old == new and old not in ("", "0.00")
    screenshot(page, "ledger-conversion")
    page.get_by_role("link", name="查看新账套的期初余额").click()
    expect(page.locator("[data-ledger-status]")).to_have_attribute("data-ledger-status", "active")
