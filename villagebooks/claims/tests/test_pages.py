"""The claim pages over HTTP: the reporter's form (phone first), its errors in Chinese at their
fields, CSRF, the receipt files, the accountant's one-step booking, and bounded query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from villagebooks.claims import errors as E
from villagebooks.claims import services
from villagebooks.claims.models import Claim, ClaimStatus
from villagebooks.claims.tests.conftest import EXE, JPEG, PDF, PNG, stored_files, upload
from villagebooks.ledger.models import Voucher


def form_data(**changes) -> dict:
    data = {
        "ledger": "HT01",
        "spent_on": "2025-03-10",
        "amount": "86.50",
        "purpose": "购买村委会打印纸",
        "payee": "江油市文具店",
        "photos": [upload("发票.jpg", JPEG)],
    }
    data.update(changes)
    return data


def error_at(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}_error">(.*?)</(?:p|div)>', html, re.S)
    assert match, f"no error at {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.fixture
def as_user(client):
    def login(user) -> Client:
        client.force_login(user)
        return client

    return login


# ---------------------------------------------------------------------------------------------
# The reporter


def test_the_new_claim_form_is_made_for_a_phone_camera(as_user, reporter, ledger):
    html = as_user(reporter).get("/claims/new/").content.decode()
    assert (
        '<input type="file" id="id_photos_camera" name="photos" class="claim-file-input" '
        'accept="image/*,application/pdf" capture="environment" multiple>'
    ) in html
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert 'inputmode="decimal"' in html
    # One village, one ledger: the reporter is not asked which.
    assert '<input type="hidden" name="ledger" value="HT01"' in html
    assert "黑滩村股份经济合作联合社" in html


def test_a_reporter_submits_a_claim_and_sees_its_state(as_user, reporter, ledger, media):
    client = as_user(reporter)
    response = client.post(
        "/claims/new/", form_data(photos=[upload("发票.jpg", JPEG), upload("单据.pdf", PDF)])
    )
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert (claim.amount_fen, claim.purpose, claim.payee, claim.photos.count()) == (
        8650,
        "购买村委会打印纸",
        "江油市文具店",
        2,
    )
    html = client.get(response["Location"]).content.decode()
    assert "报账单已提交，等待会计处理。" in html
    assert 'id="claim-amount">¥86.50</span>' in html and "捌拾陆元伍角整" in html
    assert 'data-status="submitted">待处理</span>' in html
    photo, pdf = claim.photos.order_by("id")
    assert f'<img src="/claims/{claim.pk}/photos/{photo.pk}/"' in html
    assert f'href="/claims/{claim.pk}/photos/{pdf.pk}/"' in html
    assert "撤回报账单" in html and "生成凭证草稿" not in html
    listing = client.get("/claims/").content.decode()
    assert f'data-claim="{claim.pk}"' in listing and "¥86.50" in listing and "2 张票据" in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "86.505"}, "id_amount", "金额最多两位小数"),
        ({"amount": "-5"}, "id_amount", E.AMOUNT_NOT_POSITIVE),
        ({"amount": "0"}, "id_amount", E.AMOUNT_NOT_POSITIVE),
        ({"amount": "八十六"}, "id_amount", "不是有效的金额"),
        ({"amount": ""}, "id_amount", "请填写金额"),
        ({"purpose": ""}, "id_purpose", E.PURPOSE_REQUIRED),
        ({"payee": "  "}, "id_payee", E.PAYEE_REQUIRED),
        ({"spent_on": "2025-02-30"}, "id_spent_on", "日期格式应为 YYYY-MM-DD"),
        ({"spent_on": "2999-01-01"}, "id_spent_on", E.DATE_IN_FUTURE),
        ({"photos": []}, "id_photos", E.PHOTOS_REQUIRED),
        ({"photos": [upload("发票.jpg", EXE)]}, "id_photos", E.PHOTO_TYPE.format(name="发票.jpg")),
    ],
)
def test_bad_input_is_named_at_its_field_and_nothing_is_kept(
    as_user, reporter, ledger, media, changes, field, message
):
    response = as_user(reporter).post("/claims/new/", form_data(**changes))
    assert response.status_code == 400
    assert error_at(response.content.decode(), field) == message
    assert Claim.objects.count() == 0 and stored_files(media) == []


def test_every_problem_is_shown_at_once(as_user, reporter, ledger):
    # On a phone each round trip means choosing the photos again: say everything the first time.
    response = as_user(reporter).post(
        "/claims/new/", form_data(amount="12.345", purpose="", photos=[upload("a.gif", b"GIF89a")])
    )
    html = response.content.decode()
    assert error_at(html, "id_amount") == "金额最多两位小数"
    assert error_at(html, "id_purpose") == E.PURPOSE_REQUIRED
    assert error_at(html, "id_photos") == E.PHOTO_TYPE.format(name="a.gif")
    assert "浏览器不会保留已选择的照片，请重新选择。" in html


def test_a_file_over_the_limit_is_refused(as_user, reporter, ledger, settings, media):
    settings.CLAIM_PHOTO_MAX_BYTES = 1024 * 1024
    response = as_user(reporter).post(
        "/claims/new/", form_data(photos=[upload("big.png", PNG + b"\x00" * 2**20)])
    )
    assert error_at(response.content.decode(), "id_photos") == E.PHOTO_TOO_LARGE.format(
        name="big.png", limit=1
    )
    assert Claim.objects.count() == 0 and stored_files(media) == []


def test_the_reporter_withdraws_from_the_claim_page(as_user, reporter, ledger, submit):
    claim = submit(reporter, ledger)
    client = as_user(reporter)
    response = client.post(f"/claims/{claim.pk}/withdraw/")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'data-status="withdrawn">已撤回</span>' in html and "撤回报账单" not in html


def test_every_form_needs_its_csrf_token(reporter, accountant, ledger, submit):
    claim = submit(reporter, ledger)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reporter)
    assert strict.post("/claims/new/", form_data()).status_code == 403
    assert strict.post(f"/claims/{claim.pk}/withdraw/").status_code == 403
    strict.force_login(accountant)
    book = {f"c{claim.pk}-account": "513", f"c{claim.pk}-counter_account": "102"}
    assert strict.post(f"/claims/{claim.pk}/book/", book).status_code == 403
    assert strict.post(f"/claims/{claim.pk}/return/", {f"r{claim.pk}-reason": "缺发票"}).status_code == 403
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and Claim.objects.count() == 1


def test_receipts_are_served_only_through_the_page_with_safe_headers(as_user, reporter, ledger, submit):
    claim = submit(reporter, ledger, photos=[upload("发票.jpg", JPEG), upload("单据.pdf", PDF)])
    photo, pdf = claim.photos.order_by("id")
    client = as_user(reporter)
    response = client.get(f"/claims/{claim.pk}/photos/{photo.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("inline")
    response = client.get(f"/claims/{claim.pk}/photos/{pdf.pk}/")
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith(
        "attachment"
    )
    # A photo id under another claim's address is not found.
    other = submit(reporter, ledger, photos=[upload("b.png", PNG)])
    assert client.get(f"/claims/{other.pk}/photos/{photo.pk}/").status_code == 404


# ---------------------------------------------------------------------------------------------
# The accountant


def test_the_accountant_books_a_claim_in_one_step(as_user, reporter, accountant, ledger, submit):
    claim = submit(reporter, ledger, photos=[upload("发票.jpg", JPEG), upload("单据.pdf", PDF)])
    client = as_user(accountant)
    html = client.get("/claims/ledger/HT01/").content.decode()
    assert f'data-claim="{claim.pk}"' in html and "待处理 1 张" in html
    assert f'<img src="/claims/{claim.pk}/photos/' in html
    assert f'action="/claims/{claim.pk}/book/"' in html
    # The paying account defaults to the bank, the summary to the claim's purpose.
    assert '<option value="102" selected>102 银行存款</option>' in html
    assert f'name="c{claim.pk}-summary" value="购买村委会打印纸"' in html
    assert '<optgroup label="支出类">' in html

    response = client.post(
        f"/claims/{claim.pk}/book/",
        {
            f"c{claim.pk}-account": "513",
            f"c{claim.pk}-counter_account": "101",
            f"c{claim.pk}-summary": "购买村委会打印纸",
            f"c{claim.pk}-date": "2025-03-12",
            f"c{claim.pk}-fund": "",
            f"c{claim.pk}-counterparty": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    voucher = Voucher.objects.get(ledger=ledger)
    assert (str(voucher.date), voucher.amount_fen, voucher.attachment_count) == ("2025-03-12", 8650, 2)
    html = client.get(response["Location"]).content.decode()
    assert f"已生成凭证草稿 草稿 {voucher.draft_no}，票据已作为附件。" in html
    assert f'<a href="/ledgers/HT01/vouchers/{voucher.pk}/">草稿 {voucher.draft_no}</a>' in html
    assert "没有等待处理的报账单。" in client.get("/claims/ledger/HT01/").content.decode()
    assert f'data-claim="{claim.pk}"' in client.get("/claims/ledger/HT01/?show=all").content.decode()
    # The voucher page shows the receipts as its attachments.
    voucher_page = client.get(f"/ledgers/HT01/vouchers/{voucher.pk}/").content.decode()
    assert "发票.jpg" in voucher_page and "单据.pdf" in voucher_page


def test_a_bad_booking_comes_back_with_the_field_named(as_user, reporter, accountant, ledger, submit):
    claim = submit(reporter, ledger)
    response = as_user(accountant).post(
        f"/claims/{claim.pk}/book/",
        {f"c{claim.pk}-account": "241", f"c{claim.pk}-counter_account": "102", f"c{claim.pk}-summary": ""},
    )
    assert response.status_code == 400
    assert error_at(response.content.decode(), f"id_c{claim.pk}-fund") == "科目 241 必须指定资金来源"
    response = as_user(accountant).post(f"/claims/{claim.pk}/book/", {f"c{claim.pk}-counter_account": "102"})
    assert error_at(response.content.decode(), f"id_c{claim.pk}-account") == E.ACCOUNT_REQUIRED
    assert Voucher.objects.count() == 0


def test_the_accountant_returns_a_claim_and_the_reporter_reads_why(
    as_user, reporter, accountant, ledger, submit
):
    claim = submit(reporter, ledger)
    client = as_user(accountant)
    response = client.post(f"/claims/{claim.pk}/return/", {f"r{claim.pk}-reason": ""})
    assert response.status_code == 400
    assert error_at(response.content.decode(), f"id_r{claim.pk}-reason") == E.REASON_REQUIRED
    response = client.post(f"/claims/{claim.pk}/return/", {f"r{claim.pk}-reason": "缺少发票原件"})
    assert response.status_code == 302 and response["Location"] == "/claims/ledger/HT01/"
    html = as_user(reporter).get(f"/claims/{claim.pk}/").content.decode()
    assert 'data-status="returned">已退回</span>' in html and "缺少发票原件" in html


def test_the_accountant_sees_the_ledgers_with_claims_waiting(as_user, reporter, accountant, ledger, submit):
    submit(reporter, ledger)
    html = as_user(accountant).get("/claims/").content.decode()
    assert re.search(
        r'data-ledger="HT01">\s*<a href="/claims/ledger/HT01/">黑滩村股份经济合作联合社</a>', html
    )
    assert 'data-count="waiting">1</span>' in html
    assert "新建报账单" not in html


# ---------------------------------------------------------------------------------------------
# Queries


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_lists_cost_the_same_queries_for_one_claim_or_many(as_user, reporter, accountant, ledger, submit):
    submit(reporter, ledger, photos=[upload("0.jpg", JPEG + b"\x00"), upload("0.pdf", PDF + b"\x00")])
    reporter_client = as_user(reporter)
    mine_one = _queries(reporter_client, "/claims/")
    accountant_client = Client()
    accountant_client.force_login(accountant)
    ledger_one = _queries(accountant_client, "/claims/ledger/HT01/")
    for n in range(1, 9):
        submit(
            reporter,
            ledger,
            photos=[upload(f"{n}.jpg", JPEG + bytes([n])), upload(f"{n}.pdf", PDF + bytes([n]))],
        )
    assert _queries(reporter_client, "/claims/") == mine_one
    assert _queries(accountant_client, "/claims/ledger/HT01/") == ledger_one
    assert mine_one <= 8 and ledger_one <= 13  # 13: the ledger bar asks what the user may do (one query)
    services.claim_book(
        actor=accountant, claim=Claim.objects.last(), account_code="513", counter_account_code="102"
    )
    assert _queries(accountant_client, "/claims/ledger/HT01/?show=all") == ledger_one
