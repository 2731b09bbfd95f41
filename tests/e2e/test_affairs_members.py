"""The member register on a phone, in a real browser: the accountant downloads the template,
uploads a file whose unlawful end of membership is refused row by row (nothing written), then
the corrected file, and sees the members on 黑滩村's page without any ID number.

(Members are the village's, not a ledger's: this module creates no ledger, so it uses none of
its codes HT21–HT24.)"""

from __future__ import annotations

import pytest

from tests.e2e.browsing import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser
ZHANG, LI = "510781196503120033", "510781196708230041"
HEADER = "村,身份证号,姓名,取得日期,取得方式,丧失日期,丧失原因\n"


def test_the_member_register_is_imported_and_shown_on_a_phone(pages, app, tmp_path):
    from playwright.sync_api import expect

    bad = tmp_path / "members-bad.csv"
    bad.write_text(
        HEADER + f"510781100201,{ZHANG},张德明,2017-06-30,原始取得,,\n"
        f"510781100201,{LI},李秀英,2017-06-30,法定取得,2024-05-01,外出务工\n",
        encoding="utf-8",
    )
    good = tmp_path / "members.csv"
    good.write_text(
        HEADER + f"510781100201,{ZHANG},张德明,2017-06-30,原始取得,,\n"
        f"510781100201,{LI},李秀英,2017-06-30,法定取得,,\n",
        encoding="utf-8",
    )
    page = pages.open(viewport=PHONE)
    log_in(page, app, "kuaiji")
    page.goto(app.url + "/affairs/members/")
    page.get_by_role("link", name="黑滩村").click()
    expect(page.locator("#members-list")).to_contain_text("尚未登记成员")
    page.get_by_role("link", name="导入成员").click()
    with page.expect_download() as download:
        page.locator("#import-template").click()
    assert download.value.suggested_filename == "members-template.csv"
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("#import-problems")).to_contain_text(
        "第3行 end_reason: “外出务工”不是丧失成员身份的法定事由"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("input[type=file]").set_input_files(str(good))
    page.get_by_role("button", name="导入").click()
    expect(page.locator("#import-summary")).to_contain_text("新增 2")
    page.goto(app.url + "/affairs/members/510781100201/")
    expect(page.locator("#members-list")).to_contain_text("张德明")
    expect(page.locator("#members-list")).to_contain_text("法定取得")
    expect(page.locator("#members-summary")).to_contain_text("成员 2 人，1 户")
    assert ZHANG not in page.content() and LI not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "affairs-01-members-on-a-phone")
    assert pages.external == []
