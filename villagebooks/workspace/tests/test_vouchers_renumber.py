"""整理凭证号 on the month's voucher list: the button is there for whoever may close the month,
while it is open and has posted vouchers; pressing it puts the numbers in date order; a reviewer
sees no button and is refused if they post anyway; a closed month says why."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from villagebooks.ledger import services
from villagebooks.ledger.models import Period, Voucher, VoucherRenumbering
from villagebooks.ledger.tests.books import post
from villagebooks.ledger.verification import ledgers_verify
from villagebooks.workspace.tests.vouchers_pages import logged_in, page_messages

pytestmark = pytest.mark.django_db

LIST = "/ledgers/HT01/vouchers/?period=2025-03"
RENUMBER = "/ledgers/HT01/vouchers/renumber/"


@pytest.fixture
def books(ledger, accountant, reviewer):
    return post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-20 购买办公用品
          借 513 管理费用      1234.56
          贷 102 银行存款      1234.56
        2025-03-05 收到道路补助
          借 102 银行存款     50000.00
          贷 241 专项应付款   50000.00  fund=县交通局道路补助
        """,
    )


def _numbers(ledger):
    return list(
        Voucher.objects.filter(ledger=ledger, status="posted")
        .order_by("number")
        .values_list("number", "date")
    )


def test_the_accountant_presses_the_button_and_the_month_follows_date_order(books, ledger, accountant):
    client = logged_in(accountant)
    page = client.get(LIST).content.decode()
    assert 'id="renumber-button"' in page and 'name="period" value="2025-03"' in page
    assert (
        'id="renumber-button"' not in client.get("/ledgers/HT01/vouchers/").content.decode()
    )  # no month chosen
    response = client.post(RENUMBER, {"period": "2025-03", "reason": "月结前"}, follow=True)
    assert response.redirect_chain[-1][0].endswith("?period=2025-03")
    assert any("已整理凭证号：2 张凭证改号" in text for text in page_messages(response))
    assert [day.isoformat() for _n, day in _numbers(ledger)] == ["2025-03-05", "2025-03-20"]
    assert VoucherRenumbering.objects.get().reason == "月结前"
    moved = Voucher.objects.get(ledger=ledger, date="2025-03-05")
    desk = client.get(f"/ledgers/HT01/vouchers/{moved.pk}/").content.decode()
    assert "原记-2，" in desk and "整理凭证号）" in desk
    assert ledgers_verify() == []
    again = client.post(RENUMBER, {"period": "2025-03"}, follow=True)
    assert any("无需整理" in text for text in page_messages(again))


def test_a_reviewer_sees_no_button_and_is_refused(books, ledger, reviewer):
    client = logged_in(reviewer)
    assert 'id="renumber-button"' not in client.get(LIST).content.decode()
    response = client.post(RENUMBER, {"period": "2025-03"})
    assert response.status_code == 403
    assert [day.isoformat() for _n, day in _numbers(ledger)] == ["2025-03-20", "2025-03-05"]


def test_a_closed_month_has_no_button_and_a_post_says_why(books, ledger, accountant):
    Period.objects.filter(ledger=ledger, year=2025, month__lt=3).update(status="closed")
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)
    client = logged_in(accountant)
    assert 'id="renumber-button"' not in client.get(LIST).content.decode()
    response = client.post(RENUMBER, {"period": "2025-03"}, follow=True)
    assert any("已结账，不能整理凭证号" in text for text in page_messages(response))
    assert not VoucherRenumbering.objects.exists()


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_print_and_the_pdf_show_the_original_number_as_the_page_does(books, ledger, accountant, reviewer):
    """A renumbered voucher's print layout and PDF say 原记-n and the day of 整理凭证号 beside its
    number, as its page does; a voucher never renumbered says nothing of it."""
    act = services.vouchers_renumber(actor=accountant, ledger=ledger, year=2025, month=3, reason="月结前")
    day = timezone.localtime(act.renumbered_at).date().isoformat()
    note = f"（原记-2，{day} 整理凭证号）"
    moved = Voucher.objects.get(ledger=ledger, date="2025-03-05")
    client = logged_in(accountant)
    desk = client.get(f"/ledgers/HT01/vouchers/{moved.pk}/").content.decode()
    printed = client.get(f"/ledgers/HT01/vouchers/{moved.pk}/print/").content.decode()
    assert note in desk and note in printed
    text = _pdf_text(client.get(f"/ledgers/HT01/vouchers/{moved.pk}.pdf"))
    assert note in text and "记字第 1 号" in text
    month = _pdf_text(client.get("/ledgers/HT01/vouchers/print.pdf?period=2025-03"))
    assert note in month and f"（原记-1，{day} 整理凭证号）" in month
    (fresh,) = post(
        ledger, accountant, reviewer, "2025-04-02 办公费\n 借 513 管理费用 300.00\n 贷 102 银行存款 300.00"
    )
    assert "原记-" not in client.get(f"/ledgers/HT01/vouchers/{fresh.pk}/print/").content.decode()
    assert "原记-" not in _pdf_text(client.get(f"/ledgers/HT01/vouchers/{fresh.pk}.pdf"))
