"""Bank reconciliation (银行对账) in a real browser: the accountant uploads HT01's bank statement,
which matches the three posted bank lines by itself; undoes one match and makes it again by hand;
and reads the 银行存款余额调节表, which ties. The statement matches everything, so the month
closes of the other journeys meet no unreconciled item.
"""

from __future__ import annotations

import pytest

from tests.e2e.browsing import log_in, screenshot

pytestmark = pytest.mark.browser

STATEMENT = """交易日期,摘要,收入金额,支出金额,余额,对方户名,流水号
2025-01-11,道路补助,50000.00,,130000.00,江油市交通运输局,E2E001
2025-02-15,工程款,,30000.00,100000.00,江油市路桥公司,E2E002
2025-03-22,转账支票,,1234.56,98765.44,江油市文具店,E2E003
"""


def test_a_statement_is_uploaded_matched_undone_matched_by_hand_and_ties(pages, app, tmp_path):
    from playwright.sync_api import expect

    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/HT01/bank/")
    expect(page.locator("h1")).to_have_text("银行对账")
    expect(page.locator("#bank-reconciliation .alert-danger")).to_have_text(
        "科目 102 尚未导入银行对账单，无法编制余额调节表"
    )
    statement = tmp_path / "黑滩村2025年1-3月对账单.csv"
    statement.write_bytes(STATEMENT.encode("gbk"))
    page.locator("#id_file").set_input_files(str(statement))
    page.get_by_role("button", name="导入并自动勾对").click()
    expect(page.locator(".alert-success")).to_have_text(
        "已导入对账单 黑滩村2025年1-3月对账单.csv：3 笔交易，自动勾对 3 笔。"
    )
    expect(page.locator("#id_period")).to_have_value("2025-03")
    expect(page.locator("#bank-difference")).to_have_text("调节后余额相等。")
    screenshot(page, "bank-01-imported")

    page.goto(f"{app.url}/ledgers/HT01/bank/?account=102&period=2025-01")
    expect(page.locator("#bank-matches tbody tr[data-match]")).to_have_count(1)
    page.get_by_role("button", name="取消勾对").click()
    expect(page.locator(".alert-success")).to_have_text("已取消勾对。")
    expect(page.locator('[data-kind="bank_only_in"]')).to_have_text("50,000.00")
    expect(page.locator('[data-kind="book_only_in"]')).to_have_text("50,000.00")
    expect(page.locator("#bank-difference")).to_have_text("调节后余额相等。")
    screenshot(page, "bank-02-unmatched")

    page.locator("#bank-open input[type=radio]").check()
    page.locator("#book-open input[type=radio]").check()
    page.get_by_role("button", name="勾对所选的两笔").click()
    expect(page.locator(".alert-success")).to_have_text("已勾对。")
    expect(page.locator("#bank-matches tbody tr[data-match]")).to_contain_text("手工")
    expect(page.locator('[data-kind="adjusted_book"]')).to_have_text("130,000.00")
    expect(page.locator('[data-kind="adjusted_bank"]')).to_have_text("130,000.00")

    page.get_by_role("link", name="报表页").click()
    table = page.locator("#bank-reconciliation")
    expect(table.locator('tr[data-kind="bank_balance"]')).to_contain_text("银行对账单余额")
    expect(table.locator('tr[data-kind="adjusted_bank"]')).to_contain_text("130,000.00")
    screenshot(page, "bank-03-report")
