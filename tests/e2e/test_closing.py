"""A ledger set up and its first month closed, in a real browser: the accountant adds a
sub-account, enters the opening balances in the grid (which refuses to save while it does not
balance), finds on the closing page that a voucher of January is not posted yet, and once it is
posted closes January; the page fits a phone and answers in under 300 ms.

The module keeps a ledger of its own (HT07, made with the CLI as an operator would), so that
its vouchers and closed month change none of what the other journeys read from HT01. The voucher
comes in through ``import-vouchers`` (as 待审核) and is reviewed and posted through the services
(``villagebooks shell``): the voucher pages belong to another journey.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import DESKTOP, PHONE, app_command, log_in, screenshot

pytestmark = pytest.mark.browser

CODE = "HT07"
NAME = "黑滩村村民委员会"
PAGE_BUDGET_MS = 300
VOUCHERS = (
    "ledger,voucher,date,summary,account,debit,credit\n"
    f"{CODE},1,2025-01-08,购买办公用品,51301,200.00,\n"
    f"{CODE},1,2025-01-08,购买办公用品,102,,200.00\n"
)
POST_THE_SUBMITTED_VOUCHER = f"""
from django.contrib.auth import get_user_model
from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher
users = get_user_model().objects
voucher = Voucher.objects.get(ledger__code="{CODE}", status="submitted")
services.voucher_review(actor=users.get(username="shenhe"), voucher=voucher)
services.voucher_post(actor=users.get(username="kuaiji"), voucher=voucher)
"""


@pytest.fixture(scope="module")
def new_ledger(app):
    app_command(
        app,
        "create-ledger",
        "--user=kuaiji",
        "--village=510781100201",
        f"--code={CODE}",
        f"--name={NAME}",
        "--chart=2023",
        "--start=2025-01",
    )
    return CODE


def _server_ms(page) -> float:
    """How long the server took to answer the page just loaded (request sent → first byte)."""
    return page.evaluate(
        "(() => { const t = performance.getEntriesByType('navigation')[0];"
        " return t.responseStart - t.requestStart; })()"
    )


def test_a_ledger_is_set_up_and_its_first_month_closed(pages, app, new_ledger, tmp_path):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    base = f"{app.url}/ledgers/{CODE}"

    # The chart: a sub-account under 513 管理费用, its code proposed when the parent is chosen.
    page.goto(base + "/accounts/")
    assert _server_ms(page) < PAGE_BUDGET_MS
    page.locator("#id_parent").select_option("513")
    expect(page.locator("#id_code")).to_have_value("51301")
    expect(page.locator("#id_name")).to_be_focused()
    page.keyboard.type("办公费")
    page.keyboard.press("Enter")
    expect(page).to_have_url(base + "/accounts/#account-51301")
    expect(page.get_by_role("status")).to_contain_text("已增加科目 51301 办公费")
    expect(page.locator('#accounts tr[data-code="51301"] th')).to_have_text("办公费")
    screenshot(page, "closing-01-chart")

    # Opening balances: the grid shows the difference and will not save until it balances.
    page.get_by_role("link", name="期初余额").click()
    expect(page).to_have_url(base + "/opening-balances/")
    assert _server_ms(page) < PAGE_BUDGET_MS
    save = page.get_by_role("button", name="保存期初余额")
    page.get_by_label("102 银行存款 借方余额").fill("20,000")
    status = page.locator("#opening-status")
    expect(status).to_have_text("借贷不平衡，差额 20,000.00，不能保存")
    expect(save).to_be_disabled()
    expect(page.locator("#difference")).to_have_text("20,000.00")
    page.get_by_label("301 资本 贷方余额").fill("19999.999")
    expect(status).to_contain_text("有 1 个金额无法识别")
    expect(save).to_be_disabled()
    screenshot(page, "closing-02-opening-unbalanced")
    capital = page.get_by_label("301 资本 贷方余额")
    capital.fill("20000")
    capital.press("Tab")  # left: it reads back with thousands separators, as the books print it
    expect(capital).to_have_value("20,000.00")
    expect(status).to_have_text("借贷平衡，合计 20,000.00")
    expect(save).to_be_enabled()
    expect(page.locator("#total-debit")).to_have_text("20,000.00")
    expect(page.locator("#total-credit")).to_have_text("20,000.00")
    save.click()
    expect(page.get_by_role("status").first).to_contain_text(
        "期初余额已保存：借方合计 20,000.00，贷方合计 20,000.00"
    )
    expect(page.locator("[data-ledger-status]")).to_have_text("使用中")
    expect(page.get_by_label("102 银行存款 借方余额")).to_have_value("20,000.00")
    screenshot(page, "closing-03-opening-saved")

    # A voucher of January comes in, waiting for review: the closing page says so.
    vouchers = tmp_path / "vouchers.csv"
    vouchers.write_text(VOUCHERS, encoding="utf-8")
    assert "凭证 1 张" in app_command(app, "import-vouchers", "--user=kuaiji", str(vouchers))
    page.get_by_role("link", name="结账").click()
    expect(page).to_have_url(base + "/closing/")
    assert _server_ms(page) < PAGE_BUDGET_MS
    expect(page.locator("#next-title")).to_have_text("下一个结账月份：2025-01")
    blocker = page.locator('#checklist li[data-check="unposted"]')
    expect(blocker).to_contain_text("期间 2025-01 还有 1 张未记账凭证")
    expect(blocker.get_by_role("link", name="待审核 1 张")).to_have_attribute(
        "href", re.compile(r"/vouchers/\?period=2025-01&status=submitted$")
    )
    expect(page.locator("#unposted tbody tr")).to_have_count(1)
    expect(page.locator("#unposted tbody tr td").nth(3)).to_have_text("200.00")
    expect(page.locator("#close-button")).to_be_disabled()
    expect(page.locator('#months tr[data-period="2025-01"] td').nth(2)).to_have_text("1")
    screenshot(page, "closing-04-blocked-by-unposted-voucher")

    # The voucher is reviewed and posted; the checklist clears and January closes.
    app_command(app, "shell", "-c", POST_THE_SUBMITTED_VOUCHER)
    page.reload()
    expect(page.locator('#checklist li[data-check="ok"]')).to_have_count(5)
    expect(page.locator("#unposted")).to_have_count(0)
    close = page.get_by_role("button", name="结账 2025-01")
    expect(close).to_be_enabled()
    screenshot(page, "closing-05-ready")
    close.click()
    expect(page).to_have_url(base + "/closing/?year=2025")
    expect(page.get_by_role("status").first).to_contain_text("2025-01 已结账")
    january = page.locator('#months tr[data-period="2025-01"] > *')
    expect(january.nth(1)).to_have_text("已结账")
    expect(january.nth(2)).to_have_text("1")
    expect(january.nth(4)).to_have_text("李会计")
    expect(page.locator("#next-title")).to_have_text("下一个结账月份：2025-02")
    # Reopening is the agency manager's: the accountant reads how, but has no button.
    expect(page.locator("#reopen-title")).to_have_text("反结账 2025-01")
    expect(page.locator("#reopen-button")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    screenshot(page, "closing-06-january-closed")

    # The year close shows the vouchers it would post, and waits for the months before December.
    page.goto(base + "/closing/year/")
    assert _server_ms(page) < PAGE_BUDGET_MS
    expect(page.locator('#year-checklist li[data-check="earlier_open"]')).to_contain_text("先结账 2025-02")
    first = page.locator('#plan table[data-voucher="1"]')
    expect(first.locator("caption")).to_contain_text("1. 结转本年收益")
    # Posted by the system at the close, reviewed by nobody.
    expect(first.locator("caption [data-stage]")).to_have_attribute("data-stage", "now")
    expect(first.locator('tbody tr[data-code="51301"] td')).to_have_text(
        ["结转本年收益", "51301 办公费", "", "", "", "200.00"]
    )
    expect(page.locator('[data-figure="profit"]')).to_have_text("-200.00")
    expect(page.get_by_text("本次分配超过了可分配收益")).to_have_count(0)  # a loss, nothing distributed
    expect(page.locator("#year-close-button")).to_be_disabled()
    screenshot(page, "closing-07-year-close-preview")


def test_the_closing_page_fits_a_phone(pages, app, new_ledger):
    from playwright.sync_api import expect

    page = pages.open(viewport=PHONE)
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{CODE}/closing/")
    expect(page.locator("#next-title")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "closing-08-phone")


def test_an_accountant_of_another_township_cannot_open_the_closing_page(pages, app, new_ledger):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "wudu")
    for path in ("/closing/", "/accounts/", "/opening-balances/", "/closing/year/"):
        response = page.goto(f"{app.url}/ledgers/{CODE}{path}")
        assert response.status == 404
        expect(page.get_by_role("alert")).to_contain_text(f"账套 {CODE} 不存在或您无权查看")
        expect(page.get_by_text(NAME)).to_have_count(0)
