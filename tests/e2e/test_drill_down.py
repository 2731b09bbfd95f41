"""Drilling down in a real browser: from the balance sheet to the accounts of a line, to an
account's detail ledger, to a voucher and its scanned attachment; the print layout; and the
township's consolidated balance sheet.

The figures follow from seed_app.py (see test_journeys.py): at the end of March 黑滩村 has
98,765.44 in the bank; the road payment of 2025-02-15 (记-1 of February) carries 道路验收单.pdf.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.browsing import ATTACHMENT, ATTACHMENT_NAME, DESKTOP, app_command, log_in, screenshot

pytestmark = pytest.mark.browser


def row_cells(page, table: str, key: str, attribute: str = "data-line") -> list[str]:
    return [text.strip() for text in page.locator(f'#{table} tr[{attribute}="{key}"] > *').all_inner_texts()]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_from_the_balance_sheet_down_to_a_voucher_and_its_attachment(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.locator('tr[data-ledger="HT01"]').get_by_role("link", name="资产负债表").click()
    # Home opens the official form (issue 16); the plain statement is one tab away.
    expect(page).to_have_url(app.url + "/ledgers/HT01/reports/balance-sheet-form/")
    expect(page.locator('.tabs a[aria-current="page"]')).to_have_text("资产负债表（正式格式）")
    page.locator(".tabs").get_by_role("link", name="资产负债表", exact=True).click()
    expect(page).to_have_url(re.compile(r"/ledgers/HT01/reports/balance-sheet/(\?.*)?$"))
    expect(page.locator('.tabs a[aria-current="page"]')).to_have_text("资产负债表")
    assert row_cells(page, "balance-sheet", "1") == ["1", "货币资金", "80,000.00", "98,765.44"]
    assert row_cells(page, "balance-sheet", "39") == ["39", "专项应付款", "0.00", "20,000.00"]
    assert row_cells(page, "balance-sheet", "46") == ["46", "负债和所有者权益总计", "80,000.00", "98,765.44"]
    expect(page.get_by_text("资产总计与负债和所有者权益总计相等。")).to_be_visible()
    assert fits_the_screen(page)
    screenshot(page, "11-balance-sheet")

    # The line 货币资金 = 101 + 102: its terms, and the trial balance of those accounts.
    page.locator("#balance-sheet").get_by_role("link", name="货币资金").click()
    expect(page).to_have_url(
        re.compile(r"/ledgers/HT01/reports/balance-sheet/lines/1/\?from=2025-01&to=2025-03$")
    )
    expect(page.get_by_role("heading", name="资产负债表 · 第 1 行 货币资金")).to_be_visible()
    assert row_cells(page, "line-terms", "102", "data-term") == ["＋", "102", "银行存款", "余额"]
    assert row_cells(page, "line-accounts", "102", "data-code") == [
        "102",
        "银行存款",
        "80,000.00",
        "",
        "50,000.00",
        "31,234.56",
        "98,765.44",
        "",
    ]
    assert fits_the_screen(page)
    screenshot(page, "12-balance-sheet-line")

    # The account's detail ledger for the same months, the picker set to it.
    page.locator("#line-accounts").get_by_role("link", name="102").click()
    expect(page).to_have_url(re.compile(r"/reports/detail-ledger/\?from=2025-01&to=2025-03&account=102$"))
    expect(page.locator("#id_account")).to_have_value("102")
    expect(page.get_by_role("heading", name="明细账 102 银行存款")).to_be_visible()
    road = page.locator("#detail-ledger tr", has_text="2025-02-15")
    expect(road.locator("> *")).to_have_text(
        ["2025-02-15", "记-1", "102", "道路硬化工程款", "借", "", "30,000.00", "100,000.00"]
    )
    expect(page.locator('#detail-ledger tr[data-row="total"] > *')).to_have_text(
        ["", "", "102", "本期合计", "借", "50,000.00", "31,234.56", "98,765.44"]
    )
    assert fits_the_screen(page)
    screenshot(page, "13-detail-ledger")

    # The voucher behind the February line: header, lines, totals in words, people, attachment.
    road.get_by_role("link", name="记-1").click()
    expect(page).to_have_url(re.compile(r"/ledgers/HT01/vouchers/\d+/$"))
    expect(page.locator("#voucher-number")).to_have_text("记-1")
    expect(page.locator("#voucher-date")).to_have_text("2025-02-15")
    expect(page.locator("#voucher-status")).to_have_text("已记账")
    expect(page.locator('#voucher-lines tr[data-line="1"] > *')).to_have_text(
        ["道路硬化工程款", "241 专项应付款", "县交通局道路补助", "30,000.00", ""]
    )
    expect(page.locator('#voucher-lines tr[data-line="2"] > *')).to_have_text(
        ["道路硬化工程款", "102 银行存款", "", "", "30,000.00"]
    )
    expect(page.locator("#amount-words")).to_have_text("叁万元整")
    expect(page.locator('[data-step="prepared"]')).to_contain_text("李会计")
    expect(page.locator('[data-step="reviewed"]')).to_contain_text("赵审核")
    expect(page.locator('[data-step="posted"]')).to_contain_text("李会计")
    assert fits_the_screen(page)
    screenshot(page, "14-voucher")

    with page.expect_download() as download_info:
        page.locator("#attachments [data-download]").click()
    download = download_info.value
    assert download.suggested_filename == ATTACHMENT_NAME
    assert Path(download.path()).read_bytes() == ATTACHMENT

    # The voucher's print layout: no navigation, the voucher alone.
    page.get_by_role("link", name="打印样式").click()
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#voucher-lines")).to_be_visible()
    screenshot(page, "15-voucher-print")


def test_a_report_prints_without_navigation_and_a_township_adds_up_its_villages(pages, app):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(app.url + "/ledgers/HT01/reports/balance-sheet/?from=2025-01&to=2025-03")
    page.get_by_role("link", name="打印", exact=True).click()
    expect(page).to_have_url(re.compile(r"print=1"))
    for hidden in (".topbar", ".tabs", ".period-form"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".report-scope")).to_contain_text("编制单位：黑滩村股份经济合作联合社（HT01）")
    expect(page.locator(".report-scope")).to_contain_text("2025-01 至 2025-03")
    screenshot(page, "16-balance-sheet-print")
    page.emulate_media(media="print")
    expect(page.locator(".print-toolbar")).to_be_hidden()
    page.emulate_media(media="screen")

    # The township's consolidated statement, from home; the books of one ledger are not offered.
    page.goto(app.url + "/")
    page.locator('[data-region="510781100000"]').get_by_role("link", name="新安镇").click()
    page.get_by_role("link", name="资产负债表", exact=True).click()
    expect(page.get_by_role("heading", name="新安镇汇总报表")).to_be_visible()
    # The page shows what the report engine adds up for the township (other journeys add
    # ledgers of their own to it, and vouchers after March, so the figures are read from the
    # command for the same months, not written here).
    page.goto(page.url.split("?")[0] + "?from=2025-01&to=2025-03")
    expect(page.locator(".report-scope")).to_contain_text("2025-01 至 2025-03")
    expected = app_command(
        app,
        "report",
        "balance-sheet",
        "--region=510781100000",
        "--from=2025-01",
        "--to=2025-03",
        "--user=kuaiji",
    )
    cash = next(line.split() for line in expected.splitlines() if line.split()[:2] == ["1", "货币资金"])
    assert row_cells(page, "balance-sheet", "1") == cash
    expect(page.locator(".tabs").get_by_role("link", name="明细账")).to_have_count(0)
    assert fits_the_screen(page)
    screenshot(page, "17-township-balance-sheet")

    # Another township's accountant finds neither the voucher nor the region.
    other = pages.open()
    log_in(other, app, "wudu")
    assert other.goto(app.url + page.url.removeprefix(app.url)).status == 404
    response = other.goto(app.url + "/ledgers/HT01/vouchers/2/")
    assert response.status == 404
    expect(other.get_by_role("alert")).to_contain_text("凭证不存在或您无权查看")
    expect(other.get_by_text("道路硬化工程款")).to_have_count(0)
