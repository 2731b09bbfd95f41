"""Entry helper pages: copy, save as template and start from it, common summaries in the grid,
recurring vouchers defined on the voucher page and generated on the helpers page; and the
other side: who may not."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.ledger.models import RecurringEntry, Voucher, VoucherStatus, VoucherTemplate
from villagebooks.workspace.tests.vouchers_pages import logged_in, office_voucher

pytestmark = pytest.mark.django_db


def test_copy_opens_a_new_draft_dated_today(ledger, accountant, monkeypatch):
    voucher = office_voucher(ledger, accountant, submit=True)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2025, 4, 20))
    client = logged_in(accountant)
    assert 'id="copy"' in client.get(f"/ledgers/HT01/vouchers/{voucher.pk}/").content.decode()
    response = client.post(f"/ledgers/HT01/vouchers/{voucher.pk}/copy/")
    copy = Voucher.objects.exclude(pk=voucher.pk).get(ledger=ledger)
    assert response.status_code == 302
    assert response["Location"] == f"/ledgers/HT01/vouchers/{copy.pk}/edit/"
    assert (copy.status, copy.date, copy.amount_fen) == (VoucherStatus.DRAFT, date(2025, 4, 20), 20_000)


def test_save_as_template_and_start_a_voucher_from_it(ledger, accountant):
    voucher = office_voucher(ledger, accountant)
    client = logged_in(accountant)
    client.post(f"/ledgers/HT01/vouchers/{voucher.pk}/save-template/", {"name": "买纸"})
    template = VoucherTemplate.objects.get(ledger=ledger, name="买纸")
    html = client.get("/ledgers/HT01/entry/").content.decode()
    assert f'<option value="{template.pk}">买纸</option>' in html
    html = client.get(f"/ledgers/HT01/entry/?template={template.pk}").content.decode()
    assert 'name="line-0-account" id="line-0-account" value="513"' in html
    assert 'name="line-1-credit" id="line-1-credit" value="200.00"' in html
    # A name taken is said, nothing added.
    response = client.post(
        f"/ledgers/HT01/vouchers/{voucher.pk}/save-template/", {"name": "买纸"}, follow=True
    )
    assert "已有名为“买纸”的凭证模板" in response.content.decode()
    assert VoucherTemplate.objects.count() == 1


def test_common_summaries_are_offered_in_the_grid(ledger, accountant):
    client = logged_in(accountant)
    client.post("/ledgers/HT01/helpers/summaries/", {"text": "计提村干部报酬"})
    client.post("/ledgers/HT01/helpers/summaries/", {"text": "我的摘要", "personal": "1"})
    html = client.get("/ledgers/HT01/entry/").content.decode()
    assert (
        '<datalist id="summary-options"><option value="我的摘要"><option value="计提村干部报酬"></datalist>'
        in html
    )
    assert 'list="summary-options"' in html


def test_recurring_defined_on_the_voucher_page_and_generated_once(ledger, accountant):
    voucher = office_voucher(ledger, accountant)
    client = logged_in(accountant)
    response = client.post(
        f"/ledgers/HT01/vouchers/{voucher.pk}/save-recurring/", {"name": "每月纸张", "day_of_month": "31"}
    )
    assert response["Location"] == "/ledgers/HT01/helpers/"
    assert RecurringEntry.objects.get(ledger=ledger).day_of_month == 31
    before = Voucher.objects.count()
    client.post("/ledgers/HT01/helpers/recurring/generate/", {"period": "2025-06"})
    client.post("/ledgers/HT01/helpers/recurring/generate/", {"period": "2025-06"})
    made = Voucher.objects.exclude(pk=voucher.pk).get(ledger=ledger)
    assert Voucher.objects.count() == before + 1
    assert made.date == date(2025, 6, 30)
    html = client.get("/ledgers/HT01/helpers/").content.decode()
    assert "2025-06" in html and "每月纸张" in html
    bad = client.post("/ledgers/HT01/helpers/recurring/generate/", {"period": "2025-13"}, follow=True)
    assert "YYYY-MM" in bad.content.decode() or "月份" in bad.content.decode()


def test_a_reviewer_sees_the_page_but_may_not_use_the_helpers(ledger, accountant, reviewer):
    voucher = office_voucher(ledger, accountant, submit=True)
    client = logged_in(reviewer)
    html = client.get("/ledgers/HT01/helpers/").content.decode()
    assert 'id="summary-form"' not in html
    assert 'id="copy"' not in client.get(f"/ledgers/HT01/vouchers/{voucher.pk}/").content.decode()
    before = (Voucher.objects.count(), VoucherTemplate.objects.count(), RecurringEntry.objects.count())
    assert client.post(f"/ledgers/HT01/vouchers/{voucher.pk}/copy/").status_code == 403
    assert (
        client.post(f"/ledgers/HT01/vouchers/{voucher.pk}/save-template/", {"name": "x"}).status_code == 403
    )
    assert (
        client.post(
            f"/ledgers/HT01/vouchers/{voucher.pk}/save-recurring/", {"name": "x", "day_of_month": "1"}
        ).status_code
        == 403
    )
    assert client.post("/ledgers/HT01/helpers/summaries/", {"text": "x"}).status_code == 403
    assert client.post("/ledgers/HT01/helpers/recurring/generate/", {"period": "2025-06"}).status_code == 403
    assert before == (
        Voucher.objects.count(),
        VoucherTemplate.objects.count(),
        RecurringEntry.objects.count(),
    )


def test_another_townships_accountant_finds_nothing(ledger, accountant, make_user, region_tree):
    voucher = office_voucher(ledger, accountant)
    outsider = logged_in(make_user("wudu", "accountant", region_tree["510781101000"]))
    assert outsider.get("/ledgers/HT01/helpers/").status_code == 404
    assert outsider.post(f"/ledgers/HT01/vouchers/{voucher.pk}/copy/").status_code == 404
    assert Voucher.objects.count() == 1


def test_a_template_of_another_ledger_or_a_bad_id_starts_an_empty_voucher(ledger, other_ledger, accountant):
    voucher = office_voucher(other_ledger, accountant)
    client = logged_in(accountant)
    client.post(f"/ledgers/TM01/vouchers/{voucher.pk}/save-template/", {"name": "土门村的"})
    template = VoucherTemplate.objects.get(name="土门村的")
    for value in (str(template.pk), "²", "9" * 30, "x"):
        response = client.get("/ledgers/HT01/entry/", {"template": value})
        assert response.status_code == 200
        assert 'id="line-0-account" value=""' in response.content.decode()
