"""Two traps of voucher entry, walked in a real browser (issue 17): Ctrl+S pressed right after the
last amount, when Enter has already opened a line and copied the summary into it, saves the
voucher (the copied line is dropped, not refused); and a parent account's code (513 with its
sub-accounts 51301 and 51302) is not silently taken as its first sub-account: the cell lists the
sub-accounts and waits for one to be chosen.

The module keeps a ledger of its own (HT08, made with the CLI), so that its vouchers change none
of the figures the other journeys read.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import app_command, log_in, screenshot

pytestmark = pytest.mark.browser

CODE = "HT08"


@pytest.fixture(scope="module")
def traps_ledger(app):
    app_command(
        app,
        "create-ledger",
        "--user=kuaiji",
        "--village=510781100201",
        f"--code={CODE}",
        "--name=黑滩村经济合作社（录入陷阱）",
        "--chart=2023",
        "--start=2025-01",
        "--no-opening",
    )
    for code, name in (("51301", "办公费"), ("51302", "差旅费")):
        app_command(
            app,
            "add-account",
            "--user=kuaiji",
            f"--ledger={CODE}",
            "--parent=513",
            f"--code={code}",
            f"--name={name}",
        )
    return CODE


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_a_parent_code_asks_for_a_sub_account_and_ctrl_s_after_the_last_amount_saves(
    pages, app, traps_ledger
):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{CODE}/entry/?date=2025-05-06")
    expect(page.locator("#line-0-summary")).to_be_focused()
    keys = page.keyboard
    keys.type("购买办公用品")
    keys.press("Enter")

    # 513 has sub-accounts: Enter takes none of them, the cell says which there are.
    keys.type("513")
    menu = page.locator("#account-menu")
    expect(menu).to_be_visible()
    expect(menu.locator("[role=option]")).to_have_count(2)
    expect(menu.locator("[aria-selected=true]")).to_have_count(0)
    keys.press("Enter")
    expect(page.locator("#line-0-account")).to_have_value("513")
    expect(page.locator("#line-0-account-error")).to_have_text(
        "科目 513 有下级科目，请选择末级科目：51301 办公费、51302 差旅费"
    )
    assert _focused(page) == "line-0-account"
    expect(menu).to_be_visible()
    screenshot(page, "entry-traps-01-parent-account")
    # Leaving the cell does not take one either.
    keys.press("Shift+Enter")
    expect(page.locator("#line-0-account")).to_have_value("513")
    expect(page.locator("#line-0-account-error")).to_be_visible()
    keys.press("Enter")
    assert _focused(page) == "line-0-account"
    # An arrow key picks a sub-account, Enter takes it.
    keys.press("End")
    keys.type(" ")
    keys.press("Backspace")
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    keys.press("Enter")
    expect(page.locator("#line-0-account")).to_have_value("51302")
    expect(page.locator("#line-0-account-error")).to_have_count(0)
    assert _focused(page) == "line-0-debit"
    keys.type("350")
    keys.press("Enter")

    assert _focused(page) == "line-1-summary"
    keys.press("Enter")
    keys.type("102")
    keys.press("Enter")
    assert _focused(page) == "line-1-credit"
    expect(page.locator("#line-1-credit")).to_have_value("350.00")
    # Enter after the last amount opens a line with the summary copied into it …
    keys.press("Enter")
    assert _focused(page) == "line-2-summary"
    expect(page.locator("#line-2-summary")).to_have_value("购买办公用品")
    # … and Ctrl+S right there saves the voucher without it.
    keys.press("Control+S")
    page.wait_for_url(f"{app.url}/ledgers/{CODE}/entry/?date=2025-05-06")
    expect(page.locator(".alert-success")).to_have_text(re.compile(r"（2025-05-06，金额 350.00）已提交审核"))
    expect(page.locator(".alert-danger")).to_have_count(0)
    screenshot(page, "entry-traps-02-saved")

    page.goto(f"{app.url}/ledgers/{CODE}/vouchers/")
    page.locator("#voucher-list tbody tr").first.locator("a").first.click()
    expect(page.locator("body")).to_contain_text("51302")
    expect(page.locator("body")).not_to_contain_text("51301")
