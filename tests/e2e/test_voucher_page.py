"""One voucher page in a real browser: the saved message links to it, the preparer withdraws
(撤回) a submitted voucher and submits it again, a township reviewer works one queue across two
ledgers with "next" moving between them, and another township's accountant finds nothing.

Two ledgers of their own (HT17, HT18, made with the CLI) keep the other journeys' figures intact.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import PHONE, app_command, log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_ledgers(app):
    for code in ("HT17", "HT18"):
        app_command(
            app,
            "create-ledger",
            "--user=kuaiji",
            "--village=510781100201",
            f"--code={code}",
            f"--name=黑滩村（{code}）",
            "--chart=2023",
            "--start=2025-01",
            "--no-opening",
        )
    return ("HT17", "HT18")


def _enter(page, app, code: str, day: str, summary: str) -> None:
    """A two-line voucher typed into the grid and saved, submitted for review."""
    page.goto(f"{app.url}/ledgers/{code}/entry/?date={day}")
    page.locator("#line-0-summary").fill(summary)
    page.locator("#line-0-account").fill("513")
    page.locator("#line-0-debit").fill("88.00")
    page.locator("#line-1-summary").fill(summary)
    page.locator("#line-1-account").fill("101")
    page.locator("#line-1-credit").fill("88.00")
    page.locator("#id_submit").check()
    page.locator("#save").click()


def test_one_voucher_page_withdraw_and_a_queue_across_ledgers(pages, app, two_ledgers):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    _enter(page, app, "HT17", "2025-05-06", "买墨盒")
    message = page.locator(".alert-success a")
    expect(message).to_have_text(re.compile(r"^黑滩村（HT17） 草稿 \d+$"))
    message.click()
    expect(page).to_have_url(re.compile(r"/ledgers/HT17/vouchers/\d+/$"))
    first_url = page.url
    expect(page.locator("#voucher-status")).to_have_text("待审核")
    expect(page.locator("#voucher-number")).to_contain_text("草稿")
    screenshot(page, "voucher-page-01-submitted")

    # Withdrawn before anyone reviewed it: a draft again, to change and submit anew.
    page.locator("#withdraw").click()
    expect(page.locator(".alert-success")).to_contain_text("已撤回为草稿")
    expect(page.locator("#voucher-status")).to_have_text("草稿")
    expect(page.locator("#withdraw")).to_have_count(0)
    page.locator("#submit").click()
    expect(page.locator("#voucher-status")).to_have_text("待审核")
    expect(page.locator("#withdraw")).to_be_visible()

    _enter(page, app, "HT18", "2025-05-07", "买纸")
    expect(page.locator(".alert-success a")).to_have_text(re.compile(r"^黑滩村（HT18） 草稿 \d+$"))
    second_url = app.url + page.locator(".alert-success a").get_attribute("href")

    # The township reviewer: home → one queue across the ledgers → approve → the other ledger's.
    desk = pages.open()
    log_in(desk, app, "shenhe")
    expect(desk.locator("#review-waiting")).to_be_visible()
    desk.locator("#open-review-queue").click()
    expect(desk).to_have_url(f"{app.url}/review/")
    expect(desk.locator('#review-queue tr[data-ledger="HT17"]')).to_have_count(1)
    expect(desk.locator('#review-queue tr[data-ledger="HT18"]')).to_have_count(1)
    screenshot(desk, "voucher-page-02-queue-across-ledgers")
    desk.goto(first_url)
    expect(desk.locator("#withdraw")).to_have_count(0)
    expect(desk.locator("#next-in-queue")).to_have_attribute("href", second_url.removeprefix(app.url))
    desk.locator("#approve").click()
    expect(desk).to_have_url(second_url)
    expect(desk.locator(".alert-success")).to_contain_text("已审核通过")

    # Reviewed: no longer the preparer's to withdraw.
    page.goto(first_url)
    expect(page.locator("#voucher-status")).to_have_text("已审核")
    expect(page.locator("#withdraw")).to_have_count(0)
    expect(page.locator("#post")).to_be_visible()

    # On a phone the list is one card a voucher: nothing scrolls sideways.
    phone = pages.open(viewport=PHONE)
    log_in(phone, app, "kuaiji")
    phone.goto(f"{app.url}/ledgers/HT17/vouchers/")
    expect(phone.locator("#voucher-list tbody tr")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.evaluate(
        "[...document.querySelectorAll('.table-scroll')].every(e => e.scrollWidth <= e.clientWidth)"
    )
    screenshot(phone, "voucher-page-03-list-on-a-phone")

    other = pages.open()
    log_in(other, app, "wudu")
    assert other.goto(first_url).status == 404
    expect(other.get_by_text("买墨盒")).to_have_count(0)
