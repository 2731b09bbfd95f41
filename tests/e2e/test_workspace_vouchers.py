"""The accountant's voucher journey in a real browser: a voucher entered with the keyboard only
(pinyin initials, the fund cell that appears, the summary copied, the amount that balances itself,
Ctrl+S), approved by the reviewer, posted from the list, and shown by the trial balance; source
documents dropped beside the voucher; the workspace at 1366×768.

The module keeps a ledger of its own (HT09, made with the CLI like an operator would), so that its
vouchers change none of the figures the other journeys read from HT01.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import DESKTOP, app_command, log_in, screenshot

pytestmark = pytest.mark.browser

CODE = "HT09"
FUND = "县交通局道路补助"


@pytest.fixture(scope="module")
def workspace_ledger(app):
    app_command(
        app,
        "create-ledger",
        "--user=kuaiji",
        "--village=510781100201",
        f"--code={CODE}",
        "--name=黑滩村经济合作社（凭证录入）",
        "--chart=2023",
        "--start=2025-01",
        "--no-opening",
    )
    app_command(
        app, "create-fund", "--user=kuaiji", f"--ledger={CODE}", f"--name={FUND}", "--kind=上级专项资金"
    )
    return CODE


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_a_voucher_typed_with_the_keyboard_is_approved_posted_and_reported(pages, app, workspace_ledger):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{CODE}/entry/?date=2025-04-08")
    expect(page.locator("#line-0-summary")).to_be_focused()
    expect(page.locator("#id_date")).to_have_value("2025-04-08")
    _no_sideways_scroll(page)
    screenshot(page, "vouchers-01-entry")

    keys = page.keyboard
    keys.type("收到道路补助")
    keys.press("Enter")
    assert _focused(page) == "line-0-account"

    # An account that is not in the ledger: refused at its cell, in Chinese, and the cursor stays.
    keys.type("zzz")
    keys.press("Enter")
    error = page.locator("#line-0-account-error")
    expect(error).to_have_text("科目“zzz”不存在于本账套，请输入科目编码、名称或拼音首字母")
    assert _focused(page) == "line-0-account"
    screenshot(page, "vouchers-02-entry-error-at-cell")

    # Pinyin initials: yhck is 银行存款.
    keys.press("Control+A")
    keys.type("yhck")
    expect(error).to_have_count(0)
    menu = page.locator("#account-menu")
    expect(menu).to_be_visible()
    expect(menu.locator("[role=option]").first).to_contain_text("102")
    expect(menu.locator("[role=option]").first).to_contain_text("银行存款")
    screenshot(page, "vouchers-03-entry-pinyin-search")
    keys.press("Enter")
    expect(page.locator("#line-0-account")).to_have_value("102")
    # 102 asks for no fund or counterparty: the cursor goes straight to the debit.
    assert _focused(page) == "line-0-debit"
    keys.type("50000")
    keys.press("Enter")

    # A new line copies the summary above; the fund cell appears because 241 asks for one.
    assert _focused(page) == "line-1-summary"
    expect(page.locator("#line-1-summary")).to_have_value("收到道路补助")
    expect(page.locator("#line-1-fund")).to_be_hidden()
    keys.press("Enter")
    keys.type("zxyfk")
    keys.press("Enter")
    expect(page.locator("#line-1-account")).to_have_value("241")
    expect(page.locator("#line-1-fund")).to_be_visible()
    assert _focused(page) == "line-1-fund"
    keys.type(FUND)
    keys.press("Enter")
    # The last line's amount fills itself: the difference, on the credit side.
    assert _focused(page) == "line-1-credit"
    expect(page.locator("#line-1-credit")).to_have_value("50000.00")
    expect(page.locator("#balance-state")).to_have_text("借贷平衡")
    expect(page.locator("#total-debit")).to_have_text("50,000.00")
    screenshot(page, "vouchers-04-entry-balanced")
    keys.press("Enter")
    assert _focused(page) == "line-2-summary"
    keys.press("Enter")  # an untouched line under a balanced voucher: on to saving
    assert _focused(page) == "save-next"

    keys.press("Control+S")
    page.wait_for_url(f"{app.url}/ledgers/{CODE}/entry/?date=2025-04-08")
    expect(page.locator(".alert-success")).to_have_text(
        re.compile(r"黑滩村经济合作社（凭证录入） 草稿 \d+（2025-04-08，金额 50,000.00）已提交审核")
    )
    expect(page.locator("#line-0-summary")).to_be_focused()
    expect(page.locator("#line-0-summary")).to_have_value("")
    screenshot(page, "vouchers-05-entry-saved-next")

    # The reviewer approves it on the desk.
    desk = pages.open()
    log_in(desk, app, "shenhe")
    desk.goto(f"{app.url}/ledgers/{CODE}/review/")
    expect(desk.locator("#review-queue tbody tr")).to_have_count(1)
    screenshot(desk, "vouchers-06-review-queue")
    desk.locator("#start-review").click()
    expect(desk.locator("#voucher-lines tbody tr")).to_have_count(2)
    expect(desk.locator("#voucher-lines")).to_contain_text(FUND)
    expect(desk.locator(".amount-words")).to_have_text("伍万元整")
    expect(desk.locator("#approve")).to_be_focused()
    _no_sideways_scroll(desk)
    screenshot(desk, "vouchers-07-review-desk")
    desk.keyboard.press("Enter")
    # On to the next voucher waiting in the reviewer's other ledgers (HT01's from the seed, or one
    # another journey left waiting in its own ledger): never back to this ledger, now empty.
    expect(desk).to_have_url(re.compile(r"/ledgers/HT(?!" + CODE[2:] + r")\d+/vouchers/\d+/$"))
    expect(desk.locator(".alert-success")).to_contain_text("已审核通过")
    desk.goto(f"{app.url}/ledgers/{CODE}/review/")
    expect(desk.locator("#review-queue")).to_have_count(0)

    # The accountant posts it from the list, and the trial balance shows it.
    page.goto(f"{app.url}/ledgers/{CODE}/vouchers/?status=reviewed")
    rows = page.locator("#voucher-list tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator('input[name="ids"]').check()
    screenshot(page, "vouchers-08-list-reviewed")
    page.locator('[data-bulk="post"]').click()
    expect(page.locator(".alert-success")).to_have_text("已记账 1 张凭证：2025-04-08 记-1")
    page.goto(f"{app.url}/ledgers/{CODE}/vouchers/")
    expect(page.locator("#voucher-list tbody tr").first).to_contain_text("记-1")
    expect(page.locator("#voucher-list tbody tr").first).to_contain_text("已记账")
    screenshot(page, "vouchers-09-list-posted")

    page.goto(f"{app.url}/ledgers/{CODE}/reports/trial-balance/?from=2025-04&to=2025-04")
    bank = page.locator('#trial-balance tr[data-code="102"] > *')
    expect(bank).to_have_text(["102", "银行存款", "", "", "50,000.00", "", "50,000.00", ""])
    earmarked = page.locator('#trial-balance tr[data-code="241"] > *')
    expect(earmarked).to_have_text(["241", "专项应付款", "", "", "", "50,000.00", "", "50,000.00"])
    screenshot(page, "vouchers-10-trial-balance")


# A scanned receipt drawn in the page itself, dropped on the drop zone as a user drags a file.
DROP_A_SCAN = """
async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 480; canvas.height = 640;
  const pen = canvas.getContext("2d");
  pen.fillStyle = "#fffdf5"; pen.fillRect(0, 0, 480, 640);
  pen.strokeStyle = "#b42318"; pen.lineWidth = 4; pen.strokeRect(20, 20, 440, 600);
  pen.fillStyle = "#1d2430"; pen.font = "40px sans-serif"; pen.fillText("收  据", 170, 100);
  pen.font = "24px sans-serif"; pen.fillText("今收到 打印纸款", 60, 200); pen.fillText("人民币 叁佰伍拾元整", 60, 260);
  const blob = await new Promise((done) => canvas.toBlob(done, "image/png"));
  const file = new File([blob], "收据.png", { type: "image/png" });
  const transfer = new DataTransfer();
  transfer.items.add(file);
  const zone = document.getElementById("dropzone");
  zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
}
"""


def test_a_scan_dropped_beside_the_voucher_is_previewed_and_saved_with_it(pages, app, workspace_ledger):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{CODE}/entry/?date=2025-04-09")
    page.evaluate(DROP_A_SCAN)
    expect(page.locator("#pending-files li")).to_have_text(["收据.png×"])
    expect(page.locator("#pending-preview img")).to_be_visible()

    keys = page.keyboard
    keys.type("购买打印纸")
    keys.press("Enter")
    keys.type("glfy")
    keys.press("Enter")
    expect(page.locator("#line-0-account")).to_have_value("513")
    keys.type("350")
    keys.press("Enter")
    keys.press("Enter")
    keys.type("102")
    keys.press("Enter")  # the credit fills itself
    expect(page.locator("#line-1-credit")).to_have_value("350.00")
    page.locator("#id_submit").uncheck()
    screenshot(page, "vouchers-11-entry-with-scan")
    page.locator("#save").click()

    # Saved as a draft: it opens again in the grid with the scan beside it.
    expect(page).to_have_url(re.compile(rf"/ledgers/{CODE}/vouchers/\d+/edit/$"))
    expect(page.locator(".alert-success")).to_contain_text("已保存为草稿，附件 1 个")
    expect(page.locator("#attachment-preview img")).to_be_visible()
    # The picture served back is the one dropped (480 px wide), loaded from the app.
    # (a property read, not wait_for_function: the pages' CSP refuses the eval a string predicate
    # needs while it polls.)
    expect(page.locator("#attachment-preview img")).to_have_js_property("naturalWidth", 480)
    expect(page.locator("#line-0-account")).to_have_value("513")
    expect(page.locator("#line-0-account + .account-label")).to_have_text("管理费用")
    _no_sideways_scroll(page)
    screenshot(page, "vouchers-12-draft-with-scan")

    # Submitted from its desk, it waits for the reviewer with the scan beside it.
    page.get_by_role("link", name="查看").click()
    page.locator("#submit").click()
    expect(page.locator("#voucher-status")).to_have_text("待审核")
    reviewer = pages.open()
    log_in(reviewer, app, "shenhe")
    reviewer.goto(page.url)
    expect(reviewer.locator("#approve")).to_be_visible()
    expect(reviewer.locator("#attachment-preview img")).to_be_visible()
    expect(reviewer.locator("#attachment-preview figcaption")).to_have_text("收据.png")
    _no_sideways_scroll(reviewer)
    screenshot(reviewer, "vouchers-13-review-desk-with-scan")

    # The same document cannot be booked twice: dropped on a second voucher, it is refused.
    page.goto(f"{app.url}/ledgers/{CODE}/entry/?date=2025-04-09")
    page.evaluate(DROP_A_SCAN)
    for cell, value in (("summary", "再买纸"), ("account", "513"), ("debit", "350")):
        page.locator(f"#line-0-{cell}").fill(value)
    for cell, value in (("summary", "再买纸"), ("account", "102"), ("credit", "350")):
        page.locator(f"#line-1-{cell}").fill(value)
    page.locator("#id_submit").uncheck()
    page.locator("#save").click()
    expect(page.locator(".alert-danger")).to_contain_text(
        "附件“收据.png”未能上传：该原始凭证已附在本账套的凭证上"
    )


def test_the_list_filters_and_pages_at_1366(pages, app, workspace_ledger):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{CODE}/vouchers/")
    page.locator("#id_q").fill("打印纸")
    page.locator("#id_q").press("Enter")
    expect(page).to_have_url(re.compile(r"q=%E6%89%93%E5%8D%B0%E7%BA%B8"))
    expect(page.locator("#voucher-list tbody tr")).to_have_count(1)
    expect(page.locator("#voucher-list tbody tr").first).to_contain_text("购买打印纸")
    _no_sideways_scroll(page)
    screenshot(page, "vouchers-14-list-filtered")

    page.goto(f"{app.url}/ledgers/{CODE}/vouchers/?min=abc")
    expect(page.locator("#id_min_error")).to_have_text("不是有效的金额")
    screenshot(page, "vouchers-15-list-bad-filter")
