"""The claim journey in a real browser: 青林村's reporter, on a 360×740 phone, photographs a
receipt and submits a claim (after a first try with a mistake); 武都镇's accountant books it
into a draft voucher in one step; the voucher carries the photo; the reporter sees it booked.

The journey uses 青林村 (QL01, 武都镇) rather than 黑滩村 so that it leaves the figures that
test_journeys.py checks for HT01 as they are. Its one extra user, the village reporter, is added
by running this file as a script against the test server's database (the harness's own set-up
data in seed_app.py stays as it is).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest

from tests.e2e.browsing import PHONE, REPO, app_environment, log_in, screenshot

pytestmark = pytest.mark.browser

REPORTER = "qinglin"
REPORTER_NAME = "王报账"
QINGLIN = "510781101201"


def _add_reporter(password: str) -> None:
    """Run inside the server's environment: 青林村's reporter, made through the services."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from villagebooks.regions.models import Region
    from villagebooks.regions.services import role_grant, system_user

    user = get_user_model().objects.create_user(
        username=REPORTER, password=password, first_name=REPORTER_NAME
    )
    role_grant(actor=system_user(), user=user, role="reporter", region=Region.objects.get(code=QINGLIN))


@pytest.fixture(scope="module")
def reporter(app) -> str:
    done = subprocess.run(
        [sys.executable, __file__, app.password],
        cwd=REPO,
        env=app_environment(app),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return REPORTER


def receipt_jpeg(path) -> str:
    """A photographed receipt: a white slip with lines of print, as a JPEG."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 640), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 40, 420, 600), fill="white", outline=(180, 180, 180))
    draw.text((150, 70), "RECEIPT  No. 00382", fill="black")
    for row, (item, amount) in enumerate((("A4 paper x 3", "75.00"), ("Pens x 5", "11.50"))):
        draw.text((90, 150 + row * 40), item, fill="black")
        draw.text((330, 150 + row * 40), amount, fill="black")
    draw.line((90, 260, 390, 260), fill="black", width=2)
    draw.text((90, 280), "TOTAL", fill="black")
    draw.text((330, 280), "86.50", fill="black")
    draw.ellipse((280, 420, 400, 540), outline=(200, 30, 30), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_reporter_submits_a_claim_from_a_phone_and_the_accountant_books_it(pages, app, reporter, tmp_path):
    from playwright.sync_api import expect

    photo = receipt_jpeg(tmp_path / "receipt.jpg")

    # The reporter, on a phone.
    phone = pages.open(viewport=PHONE)
    log_in(phone, app, reporter)
    phone.goto(app.url + "/claims/")
    expect(phone.get_by_role("heading", name="我的报账单")).to_be_visible()
    expect(phone.get_by_text("还没有报账单")).to_be_visible()
    screenshot(phone, "claims-01-phone-my-claims-empty")
    phone.get_by_role("link", name="新建报账单").click()
    expect(phone).to_have_url(app.url + "/claims/new/")
    camera = phone.locator("#id_photos_camera")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*,application/pdf"
    assert fits_the_phone(phone)
    screenshot(phone, "claims-02-phone-new-claim")

    # A first try with three decimals and no purpose: both are named, in Chinese, at once.
    phone.get_by_label("金额（元）").fill("86.505")
    phone.get_by_label("收款人").fill("江油市文具店")
    phone.get_by_label("支出日期").fill("2025-03-10")
    camera.set_input_files(photo)
    expect(phone.locator("#photo-previews li")).to_have_count(1)
    expect(phone.locator("#photo-previews")).to_contain_text("receipt.jpg")
    phone.get_by_role("button", name="提交报账单").click()
    expect(phone.locator("#id_amount_error")).to_have_text("金额最多两位小数")
    expect(phone.locator("#id_purpose_error")).to_have_text("请填写用途")
    expect(phone.get_by_role("alert")).to_contain_text("请重新选择")
    assert fits_the_phone(phone)
    screenshot(phone, "claims-03-phone-new-claim-errors")

    phone.get_by_label("金额（元）").fill("86.50")
    phone.get_by_label("用途").fill("购买村委会打印纸和笔")
    expect(phone.get_by_label("收款人")).to_have_value("江油市文具店")
    camera.set_input_files(photo)
    expect(phone.locator("#photo-previews img")).to_have_count(1)
    screenshot(phone, "claims-04-phone-new-claim-ready")
    phone.get_by_role("button", name="提交报账单").click()
    expect(phone).to_have_url(re.compile(r"/claims/\d+/$"))
    claim_url = phone.url
    expect(phone.get_by_role("status")).to_have_text("报账单已提交，等待会计处理。")
    expect(phone.locator("#claim-amount")).to_have_text("¥86.50")
    expect(phone.locator("#claim .claim-status")).to_have_text("待处理")
    expect(phone.get_by_text("捌拾陆元伍角整")).to_be_visible()
    receipt = phone.locator(".claim-photos img")
    expect(receipt).to_have_count(1)
    receipt.scroll_into_view_if_needed()
    expect(receipt).to_have_js_property("naturalWidth", 480)
    assert fits_the_phone(phone)
    screenshot(phone, "claims-05-phone-claim-submitted")

    # The accountant of 武都镇 books it into a draft voucher, paid in cash.
    desk = pages.open()
    log_in(desk, app, "wudu")
    desk.goto(app.url + "/claims/")
    waiting = desk.locator('.claims-waiting li[data-ledger="QL01"]')
    expect(waiting.locator('[data-count="waiting"]')).to_have_text("1")
    waiting.get_by_role("link").click()
    expect(desk).to_have_url(app.url + "/claims/ledger/QL01/")
    entry = desk.locator(".claim-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("购买村委会打印纸和笔")
    expect(entry).to_contain_text("¥86.50")
    expect(entry).to_contain_text(REPORTER_NAME)
    expect(entry.locator(".claim-photos img")).to_have_count(1)
    expect(entry.get_by_label("摘要")).to_have_value("购买村委会打印纸和笔")
    entry.get_by_label("费用科目（借方）").select_option("513")
    entry.get_by_label("付款科目（贷方）").select_option("101")
    expect(entry.locator(".claim-photos img")).to_have_js_property("naturalWidth", 480)
    screenshot(desk, "claims-06-accountant-claims-waiting")
    entry.get_by_role("button", name="生成凭证草稿").click()
    expect(desk).to_have_url(claim_url)
    expect(desk.get_by_role("status")).to_contain_text("已生成凭证草稿")
    expect(desk.locator("#claim .claim-status")).to_have_text("已生成凭证")
    screenshot(desk, "claims-07-accountant-claim-booked")

    desk.locator("#claim-voucher a").click()
    expect(desk).to_have_url(re.compile(r"/ledgers/QL01/vouchers/\d+/$"))
    expect(desk.locator("#voucher-status")).to_have_text("草稿")
    expect(desk.locator("#voucher-date")).to_have_text("2025-03-10")
    expect(desk.locator('#voucher-lines tr[data-line="1"]')).to_contain_text("513")
    expect(desk.locator('#voucher-lines tr[data-line="1"]')).to_contain_text("86.50")
    expect(desk.locator('#voucher-lines tr[data-line="2"]')).to_contain_text("101")
    expect(desk.locator("#amount-words")).to_have_text("捌拾陆元伍角整")
    expect(desk.locator("#attachments li")).to_have_count(1)
    expect(desk.locator("#attachments")).to_contain_text("receipt.jpg")
    screenshot(desk, "claims-08-accountant-draft-voucher")

    # The reporter sees what happened to the claim.
    phone.goto(app.url + "/claims/")
    row = phone.locator("#my-claims li").first
    expect(row).to_contain_text("购买村委会打印纸和笔")
    expect(row.locator(".claim-status")).to_have_text("已生成凭证")
    assert fits_the_phone(phone)
    screenshot(phone, "claims-09-phone-my-claims-booked")


if __name__ == "__main__":
    _add_reporter(sys.argv[1])
