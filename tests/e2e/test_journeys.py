"""The journeys users walk in a real browser against the real server (see conftest.py).

The figures follow from seed_app.py: 黑滩村 opens with 80,000.00 in the bank, receives a
50,000.00 road subsidy in January, pays 30,000.00 for the road in February and 1,234.56 for
office supplies (sub-account 51301) in March; a draft and a submitted voucher wait in April.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.e2e.browsing import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser


def cells(page, code: str) -> list[str]:
    return [
        text.strip() for text in page.locator(f'#trial-balance tr[data-code="{code}"] > *').all_inner_texts()
    ]


def test_accountant_logs_in_reads_the_trial_balance_downloads_it_and_logs_out(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    page.goto(app.url + "/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="登录村账通")).to_be_visible()
    screenshot(page, "01-login")

    # A wrong password first: the error is shown, in Chinese, and nothing else happens.
    page.keyboard.type("kuaiji")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong-password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    screenshot(page, "02-login-error")

    log_in(page, app, "kuaiji")
    expect(page.locator(".user-name")).to_have_text("李会计")
    row = page.locator('tr[data-ledger="HT01"]')
    expect(row).to_contain_text("黑滩村股份经济合作联合社")
    expect(row.locator('[data-count="drafts"]')).to_have_text("1")
    expect(row.locator('[data-count="submitted"]')).to_have_text("1")
    expect(page.locator('tr[data-ledger="QL01"]')).to_have_count(0)
    screenshot(page, "03-home")

    row.get_by_role("link", name="黑滩村股份经济合作联合社").click()
    expect(page).to_have_url(app.url + "/ledgers/HT01/reports/trial-balance/")
    expect(page.locator("#id_from")).to_have_value("2025-01")
    expect(page.locator("#id_to")).to_have_value("2025-03")
    assert cells(page, "102") == [
        "102",
        "银行存款",
        "80,000.00",
        "",
        "50,000.00",
        "31,234.56",
        "98,765.44",
        "",
    ]
    assert cells(page, "51301") == ["51301", "办公费", "", "", "1,234.56", "", "1,234.56", ""]
    assert cells(page, "total")[2:] == [
        "80,000.00",
        "80,000.00",
        "81,234.56",
        "81,234.56",
        "100,000.00",
        "100,000.00",
    ]
    expect(page.get_by_text("试算不平衡")).to_have_count(0)
    screenshot(page, "04-trial-balance")

    # February alone: the subsidy received in January is now part of the opening balance.
    page.locator("#id_from").fill("2025-02")
    page.locator("#id_to").fill("2025-02")
    page.locator("#id_to").press("Enter")
    expect(page).to_have_url(re.compile(r"from=2025-02&to=2025-02"))
    assert cells(page, "102") == ["102", "银行存款", "130,000.00", "", "", "30,000.00", "100,000.00", ""]
    assert cells(page, "241") == ["241", "专项应付款", "", "50,000.00", "30,000.00", "", "", "20,000.00"]
    expect(page.locator('#trial-balance tr[data-code="51301"]')).to_have_count(0)
    screenshot(page, "05-trial-balance-february")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 CSV").click()
    download = download_info.value
    assert download.suggested_filename == "HT01-科目余额表-2025-02至2025-02.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    # Chinese headers, as on the page (the column codes with ?headers=codes).
    assert rows[0] == [
        "科目编码",
        "科目名称",
        "期初借方",
        "期初贷方",
        "本期借方",
        "本期贷方",
        "期末借方",
        "期末贷方",
    ]
    assert ["102", "银行存款", "130000.00", "0.00", "0.00", "30000.00", "100000.00", "0.00"] in rows

    page.get_by_role("link", name="资金来源汇总表", exact=True).click()
    fund = page.locator('#fund-summary tr[data-fund="县交通局道路补助"] > *')
    expect(fund).to_have_text(
        [
            "县交通局道路补助",
            "上级专项资金",
            "0.00",
            "50,000.00",
            "0.00",
            "30,000.00",
            "20,000.00",
            "0.00",
            "20,000.00",
        ]
    )
    screenshot(page, "06-fund-summary")

    # A hand-edited month is refused at its field, in Chinese.
    page.goto(app.url + "/ledgers/HT01/reports/trial-balance/?from=2025-13&to=2025-03")
    expect(page.locator("#id_from_error")).to_have_text("期间格式应为 YYYY-MM")
    expect(page.locator("#trial-balance")).to_have_count(0)
    screenshot(page, "07-trial-balance-bad-month")

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(app.url + "/login/")
    page.goto(app.url + "/ledgers/HT01/reports/trial-balance/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))


def test_an_accountant_of_another_township_cannot_see_the_ledger(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "wudu")
    expect(page.locator('tr[data-ledger="QL01"]')).to_be_visible()
    expect(page.locator('tr[data-ledger="HT01"]')).to_have_count(0)
    expect(page.get_by_text("黑滩村")).to_have_count(0)

    for path in (
        "/ledgers/HT01/reports/trial-balance/",
        "/ledgers/HT01/reports/trial-balance.csv?from=2025-01&to=2025-03",
    ):
        response = page.goto(app.url + path)
        assert response.status == 404
        expect(page.get_by_role("alert")).to_contain_text("账套 HT01 不存在或您无权查看")
        expect(page.get_by_text("银行存款")).to_have_count(0)
    screenshot(page, "08-other-township-404")


def test_pages_fit_a_360px_phone(pages, app):
    from playwright.sync_api import expect

    page = pages.open(viewport=PHONE)
    log_in(page, app, "kuaiji")
    expect(page.locator('tr[data-ledger="HT01"]')).to_be_visible()
    screenshot(page, "09-phone-home")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(app.url + "/ledgers/HT01/reports/trial-balance/")
    expect(page.locator("#trial-balance")).to_be_visible()
    screenshot(page, "10-phone-trial-balance")
    # The wide table scrolls inside its own box; the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
