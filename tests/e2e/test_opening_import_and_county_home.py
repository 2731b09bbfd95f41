"""In a real browser: a new ledger's opening balances imported from a file through the preview
(HT43, made with the CLI, still in set-up), and the county user's home showing their region's
state, where that ledger now counts."""

from __future__ import annotations

import pytest

from tests.e2e.browsing import app_command, log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ledger_code(app):
    app_command(
        app,
        "create-ledger",
        "--user=kuaiji",
        "--village=510781100201",
        "--code=HT43",
        "--name=黑滩村（期初导入）",
        "--chart=2023",
        "--start=2025-01",
    )
    return "HT43"


def test_opening_balances_through_the_preview_then_the_county_home(pages, app, ledger_code, tmp_path):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{ledger_code}/opening-balances/")
    page.locator("#opening-import-link").click()
    expect(page.locator("#import-title")).to_have_text("期初余额导入")

    unbalanced = tmp_path / "期初.csv"
    unbalanced.write_text("科目,借方,贷方\n102,120000.00,\n301,,110000.00\n", encoding="utf-8")
    page.locator("#id_file").set_input_files(str(unbalanced))
    page.locator("#preview-button").click()
    expect(page.locator("#import-problems")).to_contain_text("未导入任何数据")
    expect(page.locator("#confirm-button")).to_have_count(0)

    fixed = tmp_path / "期初-改.csv"
    fixed.write_text("科目,借方,贷方\n102,120000.00,\n301,,120000.00\n", encoding="utf-8")
    page.locator("#id_file").set_input_files(str(fixed))
    page.locator("#preview-button").click()
    expect(page.locator("#preview-summary")).to_contain_text("期初余额 2 行")
    expect(page.locator("#preview-debit")).to_have_text("120,000.00")
    page.locator("#confirm-button").click()
    expect(page.locator(".alert-success")).to_contain_text("期初余额已导入：2 行")
    expect(page.locator('[data-ledger-status="active"]')).to_be_visible()
    screenshot(page, "opening-import-01-imported")

    county = pages.open()
    log_in(county, app, "xian")
    state = county.locator('[data-region-state="510781000000"]')
    expect(state).to_be_visible()
    expect(state).to_contain_text("江油市 辖区概况")
    expect(state.locator('tr[data-township="510781100000"]')).to_contain_text("新安镇")
    expect(state.locator('[data-figure="waiting"]')).to_contain_text("待审核凭证")
    screenshot(county, "county-home-01-region-state")
