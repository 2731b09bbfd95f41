"""The public disclosure (村务公开) in a real browser, on a phone, without login and with
JavaScript switched off: the village's page, a quarter's disclosure with its check passed, the
look-up form; and the accountant publishing a month from the page.

The module keeps a ledger of its own (HT29), its books posted and months closed through the
services (``villagebooks shell``) and its quarter published with ``villagebooks publish``, as an
operator would.
"""

from __future__ import annotations

import pytest

from tests.e2e.browsing import DESKTOP, log_in, screenshot
from tests.e2e.browsing import app_command as run

pytestmark = pytest.mark.browser

CODE = "HT29"
PHONE_390 = {"width": 390, "height": 844}
BOOKS = f"""
from django.contrib.auth import get_user_model
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
users = get_user_model().objects
kuaiji, shenhe = users.get(username="kuaiji"), users.get(username="shenhe")
ledger = services.ledger_create(actor=kuaiji, village_code="510781100201", code="{CODE}",
    name="黑滩村经济合作社", chart="2023", start_year=2025, start_month=1)
ledger = services.opening_balances_set(actor=kuaiji, ledger=ledger, rows=[
    services.OpeningInput(account_code="102", debit_fen=5_000_000),
    services.OpeningInput(account_code="301", credit_fen=5_000_000)])
post(ledger, kuaiji, shenhe, '''
    2025-01-20 集体鱼塘承包费
      借 102 银行存款      6000.00
      贷 501 经营收入      6000.00
    2025-02-11 村委会办公用品
      借 513 管理费用       356.00
      贷 102 银行存款       356.00
    2025-03-05 村道路灯电费
      借 514 公益支出      1280.00
      贷 102 银行存款      1280.00
''')
for month in (1, 2, 3):
    services.period_close(actor=kuaiji, ledger=ledger, year=2025, month=month)
"""


@pytest.fixture(scope="module")
def published(app):
    run(app, "shell", "-c", BOOKS)
    address = run(app, "publish", f"--ledger={CODE}", "--period=2025-Q1").strip()
    assert address == f"http://127.0.0.1:8000/public/{CODE}/2025-Q1/"
    return address


def _no_script_phone(pages):
    """A phone with JavaScript switched off, reaching only the app."""
    context = pages.browser.new_context(viewport=PHONE_390, locale="zh-CN", java_script_enabled=False)
    context.set_default_timeout(10_000)
    context.route("**/*", pages._only_the_app)
    pages.contexts.append(context)
    return context.new_page()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]


def test_a_villager_reads_the_quarter_on_a_phone_without_login_or_javascript(pages, app, published):
    from playwright.sync_api import expect

    page = _no_script_phone(pages)
    response = page.goto(f"{app.url}/public/{CODE}/")
    assert response.status == 200 and page.url == f"{app.url}/public/{CODE}/"  # no login asked
    expect(page.locator("h1")).to_contain_text("黑滩村村务公开")
    page.get_by_role("link", name="2025年第1季度").click()
    expect(page.locator("#check")).to_contain_text("核对通过")
    expect(page.locator("#section-income_spending")).to_contain_text("6,000.00")
    expect(page.locator("#section-income_spending")).to_contain_text("公益支出")
    expect(page.locator("#section-statements")).to_contain_text("资产负债表")
    expect(page.locator("#proof")).to_contain_text("SHA-256")
    screenshot(page, "disclosure-01-quarter-on-a-phone-no-js")
    assert pages.external == []


def test_the_public_pages_fit_a_phone_in_large_type(pages, app, published):
    page = pages.open(viewport=PHONE_390)
    for address in (f"/public/{CODE}/", f"/public/{CODE}/2025-Q1/", f"/public/{CODE}/lookup/"):
        page.goto(app.url + address)
        assert _fits(page), address
        body = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('main p, main li')).fontSize)"
        )
        assert body >= 18, (address, body)
    assert pages.external == [] and pages.csp_violations == []


def test_the_look_up_answers_without_javascript(pages, app, published):
    from playwright.sync_api import expect

    page = _no_script_phone(pages)
    page.goto(f"{app.url}/public/{CODE}/")
    page.get_by_role("link", name="查询本人领取的补贴").click()
    page.get_by_label("身份证号").fill("510781199001010012")
    page.get_by_label("姓名").fill("王五")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#result")).to_contain_text("没有查到")
    assert "510781199001010012" not in page.content()
    screenshot(page, "disclosure-02-look-up-no-js")


def test_the_accountant_publishes_a_month_and_a_correction_from_the_page(pages, app, published):
    from playwright.sync_api import expect

    page = pages.open(viewport=DESKTOP)
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/public/manage/")
    page.locator("select[name=ledger]").select_option(CODE)
    page.get_by_label("公开期间").fill("2025-02")
    page.locator("#publish").click()
    expect(page.locator(".alert")).to_contain_text(f"/public/{CODE}/2025-02/")
    page.locator("select[name=ledger]").select_option(CODE)
    page.get_by_label("公开期间").fill("2025-04")
    page.locator("#publish").click()
    expect(page.locator(".alert")).to_contain_text("2025-04 尚未结账")
    page.locator("select[name=ledger]").select_option(CODE)
    page.get_by_label("公开期间").fill("2025-02")
    page.get_by_label("更正理由").fill("摘要写错，更正")
    page.locator("#publish").click()
    expect(page.locator("#published")).to_contain_text("摘要写错，更正")
    page.goto(f"{app.url}/public/{CODE}/2025-02/")
    expect(page.locator("#reason")).to_contain_text("摘要写错，更正")
    expect(page.locator("#versions")).to_contain_text("版本 1")
    screenshot(page, "disclosure-03-correction")
