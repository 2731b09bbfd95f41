"""Getting around a region in a real browser (issue 16, part 4): the county's user picks a township
in the region picker, reads the names in the breadcrumb, drills an account down per village with
township subtotals and on to one village's books, on a desktop and on a phone.

seed_app.py: 江油市 has 新安镇 (黑滩村 HT01: 98,765.44 in the bank at the end of March) and 武都镇
(青林村 QL01: 80,000.00, its opening). ``xian`` holds the county's role.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser

COUNTY, XINAN, WUDU = "510781000000", "510781100000", "510781101000"
MONTHS = "from=2025-01&to=2025-03"


def cells(page, key: str) -> list[str]:
    return [
        t.strip() for t in page.locator(f'#village-trial-balance tr[data-row="{key}"] > *').all_inner_texts()
    ]


def test_the_county_picks_a_township_and_drills_an_account_down_per_village(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "xian")
    picker = page.locator("#id_region_pick")
    expect(picker.locator("option")).to_have_count(
        5
    )  # 江油市, its 2 townships and their 2 villages, as a tree
    picker.select_option(WUDU)
    page.get_by_role("button", name="打开").click()
    expect(page).to_have_url(re.compile(rf"/regions/{WUDU}/reports/trial-balance/$"))
    expect(page.get_by_role("heading", name="武都镇汇总报表")).to_be_visible()
    crumbs = page.locator("nav.crumbs")
    expect(crumbs).to_contain_text("江油市")
    expect(crumbs).not_to_contain_text(COUNTY)
    # Up to the county by the breadcrumb, then the county's trial balance of March.
    crumbs.get_by_role("link", name="江油市").click()
    expect(page.get_by_role("heading", name="江油市汇总报表")).to_be_visible()
    page.goto(f"{app.url}/regions/{COUNTY}/reports/trial-balance/?{MONTHS}")
    page.locator("#trial-balance").get_by_role("link", name="102", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/regions/{COUNTY}/reports/village-trial-balance/\?.*account=102"))
    assert cells(page, "HT01")[:3] == ["510781100201", "黑滩村", "HT01"]
    assert cells(page, "HT01")[-2:] == ["98,765.44", "0.00"]
    assert cells(page, f"township-{XINAN}")[1] == "新安镇 小计"
    assert cells(page, f"township-{WUDU}")[-2:] == ["80,000.00", "0.00"]
    name_width = page.locator('#village-trial-balance tr[data-row="HT01"] th.village-name').bounding_box()[
        "width"
    ]
    assert name_width > 40  # the name is readable, never one character wide
    screenshot(page, "31-county-account-per-village")
    # The village's row opens its own detail ledger of the account, for the same months.
    page.locator('#village-trial-balance tr[data-row="HT01"]').get_by_role("link", name="HT01").click()
    expect(page).to_have_url(re.compile(rf"/ledgers/HT01/reports/detail-ledger/\?{MONTHS}&account=102$"))
    expect(page.get_by_role("heading", name="明细账 102 银行存款")).to_be_visible()
    expect(page.locator("nav.crumbs")).to_contain_text("新安镇")


def test_on_a_phone_the_breakdown_scrolls_inside_its_table_and_the_picker_fits(pages, app):
    from playwright.sync_api import expect

    page = pages.open(viewport=PHONE)
    log_in(page, app, "xian")
    page.goto(f"{app.url}/regions/{COUNTY}/reports/village-statements/?{MONTHS}")
    expect(page.locator("#village-statements")).to_be_visible()
    expect(page.locator("#id_region_pick")).to_be_visible()
    # The page itself does not run off the screen: the wide table scrolls in its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.locator('#village-statements tr[data-row="HT01"] th.village-name').bounding_box()
    assert box["width"] > 40
    expect(page.locator(f'#village-statements tr[data-row="township-{WUDU}"]')).to_contain_text("武都镇 小计")
    screenshot(page, "32-county-statements-per-village-phone")


def test_a_township_user_is_offered_only_its_own_township(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    options = page.locator("#id_region_pick option")
    expect(options).to_have_count(2)  # 新安镇 and 黑滩村
    response = page.goto(f"{app.url}/regions/go/?region={WUDU}")
    assert response.status == 404
    response = page.goto(f"{app.url}/regions/{WUDU}/reports/trial-balance/")
    assert response.status == 404
