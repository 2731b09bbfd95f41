"""In a real browser: the public disclosure finds a figure changed in the database after a
passed check at once (a phone without JavaScript, the server's kept verdict notwithstanding);
the accountant renews a contract on its page, an unreadable schedule line and then a term beyond the
legal limit shown at their fields first.

The module keeps a ledger of its own (HT54, made through the services with ``villagebooks shell``,
as an operator would); its contract is HT54-001.
"""

from __future__ import annotations

import pytest

from tests.e2e.browsing import DESKTOP, log_in, screenshot
from tests.e2e.browsing import app_command as run

pytestmark = pytest.mark.browser

CODE = "HT54"
PHONE_390 = {"width": 390, "height": 844}
BOOKS = f"""
from django.contrib.auth import get_user_model
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
users = get_user_model().objects
kuaiji, shenhe = users.get(username="kuaiji"), users.get(username="shenhe")
ledger = services.ledger_create(actor=kuaiji, village_code="510781100201", code="{CODE}",
    name="黑滩村股份经济合作联合社", chart="2023", start_year=2025, start_month=1)
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
''')
for month in (1, 2, 3):
    services.period_close(actor=kuaiji, ledger=ledger, year=2025, month=month)
"""
TAMPER = """
from villagebooks.ledger.models import VoucherLine
from villagebooks.ledger.tests.chain.test_tampering import tamper
line = VoucherLine.objects.get(ledger__code="HT54", summary="村委会办公用品", debit_fen__gt=0)
tamper((f"UPDATE ledger_voucherline SET debit_fen = 95600 WHERE id = {line.pk}", []))
"""
CONTRACT = (
    "合同编号,账套,合同类型,对方名称,对方类别,身份证号,户编号,标的编号,标的,签订日期,起始日期,终止日期,"
    "合同总价,保证金,产权交易,交易编号,续签原合同,应收日期,应收金额\n"
    f"{CODE}-001,{CODE},租赁,江油市绿源农业开发有限公司,单位,,,,村集体仓库,2025-01-05,2025-02-01,2026-01-31,"
    "12000.00,1000.00,否,,,2025-03-01,12000.00\n"
)


@pytest.fixture(scope="module")
def published(app):
    run(app, "shell", "-c", BOOKS)
    run(app, "publish", f"--ledger={CODE}", "--period=2025-Q1")
    return f"{app.url}/public/{CODE}/2025-Q1/"


def test_a_figure_changed_after_a_passed_check_fails_the_phone_page_at_once(pages, app, published):
    from playwright.sync_api import expect

    context = pages.browser.new_context(viewport=PHONE_390, locale="zh-CN", java_script_enabled=False)
    context.route("**/*", pages._only_the_app)
    pages.contexts.append(context)
    page = context.new_page()
    page.goto(published)
    expect(page.locator("#check")).to_contain_text("核对通过")
    page.reload()  # the server keeps this verdict now
    expect(page.locator("#check")).to_contain_text("核对通过")
    run(app, "shell", "-c", TAMPER)
    page.reload()
    expect(page.locator("#check")).to_contain_text("核对未通过")
    expect(page.locator("#check")).to_contain_text("现在账上是 956.00 元")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    screenshot(page, "affairs-registers-01-check-fails-on-a-phone")
    assert pages.external == []


def test_the_accountant_renews_a_contract_with_errors_at_their_fields_first(pages, app, published, tmp_path):
    from playwright.sync_api import expect

    upload = tmp_path / "contract.csv"
    upload.write_text(CONTRACT, encoding="utf-8")
    page = pages.open(viewport=DESKTOP)
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/affairs/{CODE}/contracts/")
    page.locator("#id_file_contracts").set_input_files(str(upload))
    page.locator("#import-contracts button[type=submit]").click()
    expect(page.get_by_role("status").first).to_contain_text("导入完成")
    page.goto(f"{app.url}/affairs/{CODE}/contracts/{CODE}-001/")
    page.locator("#renew-link").click()
    expect(page.locator("#id_start")).to_have_value("2026-02-01")
    expect(page.locator("#id_schedule")).to_have_value("2026-03-01 12000.00")
    page.locator("#id_code").fill(f"{CODE}-002")
    page.locator("#id_end").fill("2050-01-31")
    page.locator("#id_schedule").fill("2026-03-01 6000.00\n明年三月 6000")
    page.locator("#renew button[type=submit]").click()
    expect(page.locator("#id_schedule_error")).to_contain_text("第 2 行")  # what cannot be read first
    expect(page.locator("#id_code")).to_have_value(f"{CODE}-002")  # what was typed is kept
    page.locator("#id_schedule").fill("2026-03-01 6000.00\n2026-09-01 6000.00")
    page.locator("#renew button[type=submit]").click()
    expect(page.locator("#id_end_error")).to_contain_text("超过法定上限 20 年")  # then the rules
    screenshot(page, "affairs-registers-02-renewal-errors")
    page.locator("#id_end").fill("2027-01-31")
    page.locator("#renew button[type=submit]").click()
    expect(page.get_by_role("status").first).to_contain_text(f"已续签为合同 {CODE}-002")
    expect(page.locator("#contract")).to_contain_text(f"{CODE}-001")
    page.goto(f"{app.url}/affairs/{CODE}/contracts/{CODE}-001/")
    expect(page.locator("#events")).to_contain_text("续签")
    assert page.locator("#renew-link").count() == 0
    assert pages.external == []
