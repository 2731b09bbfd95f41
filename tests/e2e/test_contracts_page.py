"""The contracts page (合同管理) in a real browser: the accountant imports a contract file on
the page (a bad file is refused with its row named, nothing written), sees what is overdue,
terminates a contract on its page; the reviewer reads the page without its forms; an
accountant of another township is not shown the ledger.

The module keeps a ledger of its own (HT25, made with the CLI as an operator would)."""

from __future__ import annotations

import pytest

from tests.e2e.browsing import PHONE, app_command, log_in, screenshot

pytestmark = pytest.mark.browser

CODE = "HT25"
HEADER = (
    "合同编号,账套,合同类型,对方名称,对方类别,身份证号,户编号,标的编号,标的,签订日期,起始日期,终止日期,"
    "合同总价,保证金,产权交易,交易编号,续签原合同,应收日期,应收金额"
)
GOOD = (
    f"{HEADER}\n"
    f"{CODE}-001,{CODE},租赁,江油市绿源农业开发有限公司,单位,,,,村集体仓库,2025-01-05,2025-02-01,2030-01-31,"
    "50000.00,2000.00,是,JY-2025-031,,2025-03-01,10000.00\n"
) + "".join(
    f"{CODE}-001,{CODE},租赁,江油市绿源农业开发有限公司,单位,,,,村集体仓库,2025-01-05,2025-02-01,2030-01-31,"
    f"50000.00,2000.00,是,JY-2025-031,,{year}-03-01,10000.00\n"
    for year in (2026, 2027, 2028, 2029)
)
TOO_LONG = f"{HEADER}\n{CODE}-002,{CODE},租赁,王五,个人,,,,门面,2025-01-05,2025-02-01,2046-01-31,100.00,0,否,,,2025-03-01,100.00\n"


@pytest.fixture(scope="module")
def ledger_code(app):
    app_command(
        app, "create-ledger", "--user=kuaiji", "--village=510781100201", f"--code={CODE}",
        "--name=黑滩村集体资产管理", "--chart=2023", "--start=2025-01",
    )  # fmt: skip
    return CODE


def test_accountant_imports_sees_overdue_and_terminates(pages, app, ledger_code, tmp_path):
    from playwright.sync_api import expect

    good, bad = tmp_path / "contracts.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(TOO_LONG, encoding="utf-8")
    page = pages.open()
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/affairs/{CODE}/contracts/?on=2026-04-01")
    page.locator("#id_file_contracts").set_input_files(str(bad))
    page.locator("#import-contracts button[type=submit]").click()
    expect(page.get_by_role("alert").first).to_contain_text("第2行")
    expect(page.get_by_role("alert").first).to_contain_text("二十年")
    expect(page.locator("#contracts")).not_to_contain_text(f"{CODE}-002")

    page.locator("#id_file_contracts").set_input_files(str(good))
    page.locator("#import-contracts button[type=submit]").click()
    expect(page.get_by_role("status").first).to_contain_text("导入完成")
    page.goto(f"{app.url}/affairs/{CODE}/contracts/?on=2026-04-01")
    expect(page.locator("#contracts")).to_contain_text("江油市绿源农业开发有限公司")
    overdue = page.locator("#overdue tbody tr")
    expect(overdue).to_have_count(2)  # 2025-03-01 and 2026-03-01, nothing received
    expect(overdue.first).to_contain_text("396")
    screenshot(page, "contracts-01-overdue")

    page.get_by_role("link", name=f"{CODE}-001").click()
    page.locator("#id_date").fill("2026-06-30")
    page.locator("#id_reason").fill("承租方经营调整，双方协商解除")
    page.locator("#terminate button[type=submit]").click()
    expect(page.get_by_role("status").first).to_contain_text("合同已解除")
    expect(page.locator("#contract")).to_contain_text("承租方经营调整")
    expect(page.locator("#events")).to_contain_text("解除")
    assert page.locator("#terminate").count() == 0
    assert pages.external == []


def test_reviewer_reads_without_forms_on_a_phone_and_other_township_is_refused(pages, app, ledger_code):
    from playwright.sync_api import expect

    page = pages.open(viewport=PHONE)
    log_in(page, app, "shenhe")
    page.goto(f"{app.url}/affairs/{CODE}/contracts/")
    expect(page.locator("h1")).to_contain_text("合同管理")
    assert page.locator("#import-contracts").count() == 0
    assert page.locator("#match-receipts").count() == 0
    screenshot(page, "contracts-02-reviewer-phone")

    other = pages.open()
    log_in(other, app, "wudu")
    response = other.goto(f"{app.url}/affairs/{CODE}/contracts/")
    assert response.status == 404
