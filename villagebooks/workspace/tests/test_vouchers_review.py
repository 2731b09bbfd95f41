"""The review desk (a voucher beside its attachments), approving and sending back, posting, and
the red reversal of a posted voucher with its reason."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher, VoucherKind, VoucherStatus
from villagebooks.ledger.tests.books import balance
from villagebooks.workspace.tests.vouchers_pages import (
    PDF,
    PNG,
    field_errors,
    logged_in,
    office_voucher,
    page_messages,
)

pytestmark = pytest.mark.django_db


def desk(voucher) -> str:
    return f"/ledgers/HT01/vouchers/{voucher.pk}/"


def test_the_queue_lists_what_waits_for_review_oldest_first(ledger, accountant, reviewer):
    later = office_voucher(ledger, accountant, day=date(2025, 4, 9), submit=True)
    earlier = office_voucher(ledger, accountant, day=date(2025, 4, 1), submit=True)
    office_voucher(ledger, accountant, day=date(2025, 4, 5))  # a draft does not wait for review
    html = logged_in(reviewer).get("/ledgers/HT01/review/").content.decode()
    assert "2 张凭证待审核" in html
    assert html.index(f'data-voucher="{earlier.pk}"') < html.index(f'data-voucher="{later.pk}"')
    assert f'href="/ledgers/HT01/vouchers/{earlier.pk}/" id="start-review"' in html


def test_the_desk_shows_the_voucher_beside_its_attachments(ledger, accountant, reviewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    voucher = office_voucher(ledger, accountant, submit=True)
    picture = services.attachment_add(actor=accountant, voucher=voucher, name="发票.png", content=PNG)
    scan = services.attachment_add(actor=accountant, voucher=voucher, name="合同.pdf", content=PDF)
    client = logged_in(reviewer)
    html = client.get(desk(voucher)).content.decode()
    assert f'<img src="/ledgers/HT01/vouchers/{voucher.pk}/files/{picture.pk}/" alt="发票.png">' in html
    assert "贰佰元整" in html and 'id="approve"' in html
    html = client.get(desk(voucher) + f"?preview={scan.pk}").content.decode()
    assert f'<iframe src="/ledgers/HT01/vouchers/{voucher.pk}/files/{scan.pk}/" title="合同.pdf">' in html
    response = client.get(f"/ledgers/HT01/vouchers/{voucher.pk}/files/{scan.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # the desk frames it; other sites may not
    assert b"".join(response.streaming_content) == PDF


def test_approving_moves_on_to_the_next_voucher_waiting(ledger, accountant, reviewer):
    first = office_voucher(ledger, accountant, day=date(2025, 4, 1), submit=True)
    second = office_voucher(ledger, accountant, day=date(2025, 4, 2), submit=True)
    client = logged_in(reviewer)
    response = client.post(desk(first) + "approve/")
    assert response["Location"] == desk(second)
    first.refresh_from_db()
    assert (first.status, first.reviewed_by) == (VoucherStatus.REVIEWED, reviewer)
    response = client.post(desk(second) + "approve/", follow=True)
    assert response.redirect_chain[-1][0] == "/ledgers/HT01/review/"
    assert page_messages(response) == [
        f"草稿 {first.draft_no} 已审核通过",
        f"草稿 {second.draft_no} 已审核通过",
        "审核队列中没有其他待审核的凭证",
    ]


def test_a_reviewer_may_not_review_a_voucher_they_prepared(ledger, make_user, township):
    from villagebooks.regions.services import role_grant, system_user

    both = make_user("both", "accountant", township)
    role_grant(actor=system_user(), user=both, role="reviewer", region=township)
    voucher = office_voucher(ledger, both, submit=True)
    client = logged_in(both)
    html = client.get(desk(voucher)).content.decode()
    assert 'id="approve"' not in html
    assert "您是这张凭证的制单人，不能审核自己的凭证。" in html
    response = client.post(desk(voucher) + "approve/")
    assert response.status_code == 403  # the service refuses it as a matter of permission
    assert "<p>审核人不能是制单人</p>" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED


def test_sending_back_needs_a_reason_and_makes_a_draft_again(ledger, accountant, reviewer):
    voucher = office_voucher(ledger, accountant, submit=True)
    client = logged_in(reviewer)
    response = client.post(desk(voucher) + "send-back/", {"reason": "   "})
    assert response.status_code == 400
    assert field_errors(response.content.decode()) == {"reason": "请填写原因"}
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED
    response = client.post(desk(voucher) + "send-back/", {"reason": "缺少发票"}, follow=True)
    assert page_messages(response) == [
        f"草稿 {voucher.draft_no} 已退回制单人：缺少发票",
        "审核队列中没有其他待审核的凭证",
    ]
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.DRAFT
    # The preparer finds the reason where they correct the voucher.
    html = logged_in(accountant).get(f"/ledgers/HT01/vouchers/{voucher.pk}/edit/").content.decode()
    assert re.search(r'id="sent-back">reviewer 于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 退回：缺少发票</p>', html)


def test_posting_a_reviewed_voucher_numbers_it_and_moves_the_balances(ledger, accountant, reviewer):
    voucher = office_voucher(ledger, accountant, submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    client = logged_in(accountant)
    assert 'id="post"' in client.get(desk(voucher)).content.decode()
    response = client.post(f"/ledgers/HT01/vouchers/{voucher.pk}/post/", follow=True)
    assert page_messages(response) == ["凭证已记账", "编号：2025-04-02 记-1"]
    voucher.refresh_from_db()
    assert (voucher.status, voucher.number) == (VoucherStatus.POSTED, 1)
    assert balance(ledger, "102") == 8_000_000 - 20_000
    # Posting twice is refused by the service, with its reason.
    response = client.post(f"/ledgers/HT01/vouchers/{voucher.pk}/post/", follow=True)
    assert page_messages(response) == ["凭证当前状态为“已记账”，不能记账"]


def test_a_posted_voucher_is_reversed_with_its_reason(ledger, accountant, reviewer):
    voucher = office_voucher(ledger, accountant, submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    client = logged_in(accountant)
    assert 'id="reverse"' in client.get(desk(voucher)).content.decode()
    url = f"/ledgers/HT01/vouchers/{voucher.pk}/reverse/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"date": "2025-04-30", "reason": ""})
    assert response.status_code == 400
    assert field_errors(response.content.decode()) == {"reason": "请填写原因"}
    response = client.post(url, {"date": "2024-12-01", "reason": "金额有误"})
    assert field_errors(response.content.decode()) == {"date": "日期 2024-12-01 早于账套启用期间 2025-01"}
    assert Voucher.objects.count() == 1

    response = client.post(url, {"date": "2025-04-30", "reason": "金额有误"})
    reversal = Voucher.objects.get(kind=VoucherKind.REVERSAL)
    assert response["Location"] == desk(reversal)
    assert (reversal.status, reversal.reverses_id, reversal.amount_fen) == (
        VoucherStatus.SUBMITTED,
        voucher.pk,
        -20_000,
    )
    assert reversal.note == "注销2025年04月02日记字第1号凭证：金额有误"
    assert sorted(reversal.lines.values_list("debit_fen", "credit_fen")) == [(-20_000, 0), (0, -20_000)]
    # Once reversed, the desk no longer offers it, and the service refuses it again.
    html = client.get(desk(voucher)).content.decode()
    assert 'id="reverse"' not in html and "本凭证已被红字冲销" in html
    response = client.post(url, {"date": "2025-04-30", "reason": "再次"})
    assert "该凭证已被冲销" in response.content.decode()


def test_attachments_are_added_from_the_desk_until_posting(ledger, accountant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    voucher = office_voucher(ledger, accountant, submit=True)
    client = logged_in(accountant)
    url = f"/ledgers/HT01/vouchers/{voucher.pk}/upload/"
    response = client.post(url, {"attachments": [SimpleUploadedFile("a.png", PNG)]}, follow=True)
    assert page_messages(response) == ["已上传附件 1 个"]
    response = client.post(url, {"attachments": [SimpleUploadedFile("again.png", PNG)]}, follow=True)
    assert page_messages(response) == [
        f"附件“again.png”未能上传：该原始凭证已附在本账套的凭证上（{voucher}），同一原始凭证不能重复入账"
    ]
    assert page_messages(client.post(url, {}, follow=True)) == ["请选择要上传的文件"]
    voucher.refresh_from_db()
    assert voucher.attachment_count == 1
