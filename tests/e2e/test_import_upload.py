"""The voucher import page in a real browser: a file with an error shows it at its row and
column and writes nothing; the corrected file is previewed, confirmed, and its vouchers are in
the ledger's list. Its own ledger (HT41, made with the CLI)."""

from __future__ import annotations

import pytest

from tests.e2e.browsing import app_command, log_in, screenshot

pytestmark = pytest.mark.browser

HEADER = "账套,凭证号,日期,摘要,科目,借方,贷方,资金来源,往来单位\n"
ROWS = (
    "HT41,导-01,2025-05-06,买办公用品,513,120.00,,,\n"
    "HT41,导-01,2025-05-06,买办公用品,{account},,120.00,,\n"
    "HT41,导-02,2025-05-08,付电费,513,86.50,,,\n"
    "HT41,导-02,2025-05-08,付电费,101,,86.50,,\n"
)


@pytest.fixture(scope="module")
def ledger_code(app):
    app_command(
        app,
        "create-ledger",
        "--user=kuaiji",
        "--village=510781100201",
        "--code=HT41",
        "--name=黑滩村（导入）",
        "--chart=2023",
        "--start=2025-01",
        "--no-opening",
    )
    return "HT41"


def test_upload_with_an_error_then_fixed_previewed_and_confirmed(pages, app, ledger_code, tmp_path):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{ledger_code}/vouchers/")
    page.locator('a[data-tab="import"]').click()
    expect(page.locator("#import-title")).to_have_text("凭证导入")
    expect(page.locator("#template-link")).to_have_attribute(
        "href", f"/ledgers/{ledger_code}/import/vouchers/template.xlsx"
    )

    bad = tmp_path / "凭证.csv"
    bad.write_text(HEADER + ROWS.format(account="9999"), encoding="utf-8")
    page.locator("#id_file").set_input_files(str(bad))
    page.locator("#preview-button").click()
    problem = page.locator('#problems-table tr[data-row="3"][data-field="account"]')
    expect(problem).to_contain_text("第 3 行")
    expect(problem).to_contain_text("科目")
    expect(problem).to_contain_text("9999")
    expect(page.locator("#import-problems")).to_contain_text("未导入任何数据")
    expect(page.locator("#confirm-button")).to_have_count(0)
    screenshot(page, "import-01-problem-at-its-row")

    page.goto(f"{app.url}/ledgers/{ledger_code}/vouchers/")
    expect(page.get_by_text("买办公用品")).to_have_count(0)  # nothing was written

    good = tmp_path / "凭证-改.csv"
    good.write_text(HEADER + ROWS.format(account="101"), encoding="utf-8")
    page.goto(f"{app.url}/ledgers/{ledger_code}/import/vouchers/")
    page.locator("#id_file").set_input_files(str(good))
    page.locator("#preview-button").click()
    expect(page.locator("#preview-summary")).to_contain_text("凭证 2 张，分录 4 条")
    expect(page.locator("#preview-debit")).to_have_text("206.50")
    expect(page.locator(".preview-voucher")).to_have_count(2)
    screenshot(page, "import-02-preview")

    page.locator("#confirm-button").click()
    expect(page.locator(".alert-success")).to_contain_text("已导入凭证 2 张，分录 4 条")
    expect(page).to_have_url(f"{app.url}/ledgers/{ledger_code}/vouchers/")
    expect(page.get_by_text("买办公用品").first).to_be_visible()
    expect(page.get_by_text("付电费").first).to_be_visible()
    screenshot(page, "import-03-imported")
