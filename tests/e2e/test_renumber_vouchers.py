"""整理凭证号 in a real browser: vouchers of March posted in an order other than their dates' carry
numbers out of date order; the closing checklist says how many and links to the month's list,
where the accountant gives a reason and presses 整理凭证号; the list then reads in date order and
a renumbered voucher's page shows its 原记-n. The other side: the reviewer (who may not close)
sees neither the link nor the button and is refused if the form is forced; a closed month offers
no button.

The module keeps ledgers of its own (HT62, HT63, made with the CLI like an operator would), so that
their vouchers change none of the figures the other journeys read from HT01."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browsing import DESKTOP, app_command, log_in, screenshot

pytestmark = pytest.mark.browser

CODE = "HT62"
CLOSED_CODE = "HT63"
# Posted in this order (import order), so the 20th is 记-1, the 5th 记-2 and the 12th 记-3.
POST_OUT_OF_DATE_ORDER = """
from datetime import date
from django.contrib.auth import get_user_model
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Ledger
users = get_user_model().objects
accountant, reviewer = users.get(username="kuaiji"), users.get(username="shenhe")
ledger = services.opening_balances_set(actor=accountant, ledger=Ledger.objects.get(code="{code}"), rows=[
    services.OpeningInput(account_code="102", debit_fen=8_000_000),
    services.OpeningInput(account_code="301", credit_fen=8_000_000)])
for day, summary, fen in ((20, "支付办公费", 80000), (5, "支付会议费", 50000), (12, "支付水电费", 30000)):
    lines = [LineInput(summary=summary, account_code="513", debit_fen=fen),
             LineInput(summary=summary, account_code="102", credit_fen=fen)]
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, day), lines=lines,
                                      submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
"""
CLOSE_THROUGH_MARCH = """
from django.contrib.auth import get_user_model
from villagebooks.ledger import services
from villagebooks.ledger.models import Ledger
accountant = get_user_model().objects.get(username="kuaiji")
ledger = Ledger.objects.get(code="{code}")
for month in (1, 2, 3):
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
"""


def _ledger(app, code: str, name: str) -> str:
    app_command(
        app,
        "create-ledger",
        "--user=kuaiji",
        "--village=510781100201",
        f"--code={code}",
        f"--name={name}",
        "--chart=2023",
        "--start=2025-01",
    )
    app_command(app, "shell", "-c", POST_OUT_OF_DATE_ORDER.replace("{code}", code))
    return code


@pytest.fixture(scope="module")
def ledgers(app):
    _ledger(app, CODE, "黑滩村经济合作社（整理凭证号）")
    _ledger(app, CLOSED_CODE, "黑滩村经济合作社（已结账）")
    app_command(app, "shell", "-c", CLOSE_THROUGH_MARCH.replace("{code}", CLOSED_CODE))
    return CODE, CLOSED_CODE


def _listed(page) -> list[tuple[str, str]]:
    """(number, date) of the list's three rows, in the list's order."""
    from playwright.sync_api import expect

    rows = page.locator("#voucher-list tbody tr")
    expect(rows).to_have_count(3)
    return [
        (
            rows.nth(i).locator("td").nth(2).inner_text().strip(),
            rows.nth(i).locator("td").nth(1).inner_text().strip(),
        )
        for i in range(rows.count())
    ]


def _by_number(listed: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(listed, key=lambda row: int(row[0].removeprefix("记-")))


def test_the_accountant_puts_the_months_numbers_in_date_order(pages, app, ledgers):
    from playwright.sync_api import expect

    page = pages.open(viewport=DESKTOP)
    log_in(page, app, "kuaiji")
    base = f"{app.url}/ledgers/{CODE}"

    # The checklist of January knows nothing of March; close January and February first.
    app_command(
        app, "shell", "-c", CLOSE_THROUGH_MARCH.replace("{code}", CODE).replace("(1, 2, 3)", "(1, 2)")
    )
    page.goto(base + "/closing/")
    expect(page.locator("#next-title")).to_have_text("下一个结账月份：2025-03")
    advice = page.locator('#checklist li[data-check="number_order"]')
    expect(advice).to_contain_text("2025-03 有 3 张已记账凭证的凭证号与日期顺序不符（共 3 张）")
    expect(advice).to_have_class("check-warning")
    expect(page.get_by_role("button", name="结账 2025-03")).to_be_enabled()  # advice only
    screenshot(page, "renumber-01-checklist-advice")

    advice.get_by_role("link", name="整理凭证号").click()
    expect(page).to_have_url(re.compile(r"/vouchers/\?period=2025-03#renumber-form$"))
    assert _by_number(_listed(page)) == [
        ("记-1", "2025-03-20"),
        ("记-2", "2025-03-05"),
        ("记-3", "2025-03-12"),
    ]
    page.get_by_label("说明（可选）").fill("月结前按日期整理")
    page.get_by_role("button", name="整理凭证号").click()
    expect(page.get_by_role("status")).to_contain_text("2025-03 已整理凭证号：3 张凭证改号")
    assert _by_number(_listed(page)) == [
        ("记-1", "2025-03-05"),
        ("记-2", "2025-03-12"),
        ("记-3", "2025-03-20"),
    ]
    screenshot(page, "renumber-02-list-in-date-order")

    # The voucher of the 20th, 记-1 before, is 记-3 now and says so.
    page.locator("#voucher-list tbody tr", has_text="2025-03-20").get_by_role("link", name="查看").click()
    number = page.locator("#voucher-number")
    expect(number).to_contain_text("记-3")
    expect(number.locator(".renumbered")).to_contain_text("原记-1，")
    expect(number.locator(".renumbered")).to_contain_text("整理凭证号")
    screenshot(page, "renumber-03-voucher-page")

    # The checklist now reads as done; a second press changes nothing.
    page.goto(base + "/closing/")
    expect(page.locator('#checklist li[data-check="number_order"]')).to_have_class("check-ok")
    expect(page.locator('#checklist li[data-check="number_order"]')).to_contain_text("凭证号按日期顺序排列")
    page.goto(base + "/vouchers/?period=2025-03")
    page.get_by_role("button", name="整理凭证号").click()
    expect(page.get_by_role("status")).to_contain_text("2025-03 的凭证号已按日期排列，无需整理")


def test_the_reviewer_may_not_renumber(pages, app, ledgers):
    from playwright.sync_api import expect

    page = pages.open(viewport=DESKTOP)
    log_in(page, app, "shenhe")
    base = f"{app.url}/ledgers/{CODE}"
    page.goto(base + "/vouchers/?period=2025-03")
    expect(page.locator("#voucher-list tbody tr")).to_have_count(3)
    expect(page.locator("#renumber-form")).to_have_count(0)
    expect(page.get_by_role("button", name="整理凭证号")).to_have_count(0)
    # Forced from the page anyway: refused, nothing moves.
    before = _listed(page)
    status = page.evaluate(
        """async () => {
            const token = document.querySelector('[name=csrfmiddlewaretoken]').value;
            const body = new URLSearchParams({csrfmiddlewaretoken: token, period: '2025-03'});
            const response = await fetch('renumber/', {method: 'POST', body});
            return response.status;
        }"""
    )
    assert status == 403
    page.reload()
    assert _listed(page) == before


def test_a_closed_month_offers_no_button(pages, app, ledgers):
    from playwright.sync_api import expect

    page = pages.open(viewport=DESKTOP)
    log_in(page, app, "kuaiji")
    page.goto(f"{app.url}/ledgers/{CLOSED_CODE}/vouchers/?period=2025-03")
    expect(page.locator("#voucher-list tbody tr")).to_have_count(3)
    expect(page.get_by_role("button", name="整理凭证号")).to_have_count(0)
    assert _by_number(_listed(page))[0] == ("记-1", "2025-03-20")  # still as posted
