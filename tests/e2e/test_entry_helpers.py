"""Entry helpers in a real browser: a voucher saved as a template and a new one started from it,
a voucher copied to a new draft dated today, a common summary offered in the grid's summary
cell, and a recurring voucher generated for a month. Its own ledger (HT42, made with the CLI)."""

from __future__ import annotations

import re

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
        "--code=HT42",
        "--name=黑滩村（模板）",
        "--chart=2023",
        "--start=2025-01",
        "--no-opening",
    )
    return "HT42"


def test_template_copy_summary_and_recurring(pages, app, ledger_code):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    base = f"{app.url}/ledgers/{ledger_code}"

    # A common summary of the ledger, offered in every summary cell of the grid.
    page.goto(f"{base}/helpers/")
    page.locator("#id_summary_text").fill("计提村干部报酬")
    page.locator("#summary-add").click()
    expect(page.locator('#summary-list li[data-summary="计提村干部报酬"]')).to_have_count(1)

    page.goto(f"{base}/entry/?date=2025-05-06")
    expect(page.locator('#summary-options option[value="计提村干部报酬"]')).to_have_count(1)
    expect(page.locator("#line-0-summary")).to_have_attribute("list", "summary-options")
    page.locator("#line-0-summary").fill("计提村干部报酬")
    page.locator("#line-0-account").fill("513")
    page.locator("#line-0-debit").fill("3000.00")
    page.locator("#line-1-summary").fill("计提村干部报酬")
    page.locator("#line-1-account").fill("101")
    page.locator("#line-1-credit").fill("3000.00")
    page.locator("#save").click()
    page.locator(".alert-success a").click()
    expect(page).to_have_url(re.compile(r"/vouchers/\d+/$"))
    voucher_url = page.url

    # Saved as a template, then a new voucher started from it.
    page.locator("#save-template summary").click()
    page.locator("#id_template_name").fill("村干部报酬")
    page.locator("#save-template-button").click()
    expect(page.locator(".alert-success")).to_contain_text("已存为凭证模板“村干部报酬”")
    page.goto(f"{base}/entry/")
    page.locator("#id_template").select_option(label="村干部报酬")
    page.locator("#use-template").click()
    expect(page.locator("#line-0-account")).to_have_value("513")
    expect(page.locator("#line-1-credit")).to_have_value("3000.00")
    screenshot(page, "helpers-01-from-template")

    # Copied: a new draft dated today, opened for editing.
    page.goto(voucher_url)
    page.locator("#copy").click()
    expect(page.locator(".alert-success")).to_contain_text("已复制为新的草稿凭证")
    expect(page).to_have_url(re.compile(r"/vouchers/\d+/edit/$"))
    assert page.url != voucher_url
    expect(page.locator("#line-0-summary")).to_have_value("计提村干部报酬")
    expect(page.locator("#line-0-debit")).to_have_value(re.compile(r"^3,?000\.00$"))

    # Recurring: defined from the voucher, generated for June once.
    page.goto(voucher_url)
    page.locator("#save-recurring summary").click()
    page.locator("#id_recurring_name").fill("每月计提报酬")
    page.locator("#id_recurring_day").fill("25")
    page.locator("#save-recurring-button").click()
    expect(page).to_have_url(f"{base}/helpers/")
    page.locator("#id_period").fill("2025-06")
    page.locator("#recurring-generate").click()
    expect(page.locator(".alert-success")).to_contain_text("新生成草稿 1 张")
    page.locator("#recurring-generate").click()
    expect(page.locator(".alert-success")).to_contain_text("新生成草稿 0 张，本月已生成过 1 个")
    expect(page.locator('#recurring-list tr[data-entry="每月计提报酬"]')).to_contain_text("2025-06")
    screenshot(page, "helpers-02-recurring")
