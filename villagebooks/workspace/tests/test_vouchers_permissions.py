"""The other side of each boundary: another village's vouchers, roles that may only look, the
reviewer's own voucher (see test_vouchers_review), CSRF on every form."""

from __future__ import annotations

import re
from datetime import date

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher, VoucherStatus
from villagebooks.workspace.tests.vouchers_pages import PNG, grid_post, logged_in, office_voucher

pytestmark = pytest.mark.django_db

LINES = [{"summary": "x", "account": "513", "debit": "1"}, {"summary": "x", "account": "102", "credit": "1"}]


@pytest.fixture
def foreign(other_ledger, accountant):
    """A draft of 土门村 (TM01), a ledger of the same township."""
    return office_voucher(other_ledger, accountant, day=date(2025, 4, 2))


@pytest.fixture
def outsider(make_user, region_tree):
    """An accountant of 武都镇: the 新安镇 ledgers are not theirs."""
    return make_user("wudu", "accountant", region_tree["510781101000"])


def test_another_villages_voucher_is_not_found_through_this_ledger(ledger, accountant, foreign):
    client = logged_in(accountant)
    for path in ("review/{id}/", "vouchers/{id}/", "vouchers/{id}/edit/", "vouchers/{id}/reverse/"):
        response = client.get("/ledgers/HT01/" + path.format(id=foreign.pk))
        assert response.status_code == 404, path
        assert "凭证不存在或您无权查看" in response.content.decode()
    for path in (
        "review/{id}/approve/",
        "vouchers/{id}/post/",
        "vouchers/{id}/delete/",
        "vouchers/{id}/submit/",
    ):
        assert client.post("/ledgers/HT01/" + path.format(id=foreign.pk)).status_code == 404, path
    assert Voucher.objects.filter(pk=foreign.pk).exists()


def test_a_ledger_out_of_scope_is_not_found_at_all(ledger, accountant, outsider):
    voucher = office_voucher(ledger, accountant, submit=True)
    client = logged_in(outsider)
    for path in (
        "entry/",
        "vouchers/",
        "review/",
        f"review/{voucher.pk}/",
        f"vouchers/{voucher.pk}/",
        "entry/counterparties/?q=张",
    ):
        response = client.get("/ledgers/HT01/" + path)
        assert response.status_code == 404, path
        # A voucher's page names the voucher, not the ledger, as the voucher page always did.
        message = "凭证不存在或您无权查看" if str(voucher.pk) in path else "账套 HT01 不存在或您无权查看"
        assert message in response.content.decode(), path
    assert client.post("/ledgers/HT01/entry/", grid_post("2025-04-02", LINES)).status_code == 404
    assert client.post(f"/ledgers/HT01/vouchers/{voucher.pk}/post/").status_code == 404
    assert Voucher.objects.count() == 1


@pytest.mark.parametrize("role", ["reporter", "supervisor"])
def test_roles_that_only_look_see_no_entry_or_post_buttons_and_are_refused(
    ledger, accountant, reviewer, make_user, township, role, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    looker = make_user("looker", role, township)
    reviewed = office_voucher(ledger, accountant, submit=True)
    services.voucher_review(actor=reviewer, voucher=reviewed)
    draft = office_voucher(ledger, accountant, day=date(2025, 4, 3))
    client = logged_in(looker)

    listing = client.get("/ledgers/HT01/vouchers/").content.decode()
    assert f'data-voucher="{reviewed.pk}"' in listing
    assert not re.search(r'data-tab="entry"|data-bulk=|name="ids"|/edit/', listing)
    page = client.get(f"/ledgers/HT01/vouchers/{reviewed.pk}/").content.decode()
    assert not re.search(r'id="(post|approve|send-back|submit|delete|reverse)"|id="dropzone"', page)

    refusals = {
        "/ledgers/HT01/entry/": grid_post("2025-04-02", LINES),
        f"/ledgers/HT01/vouchers/{reviewed.pk}/post/": {},
        f"/ledgers/HT01/review/{reviewed.pk}/send-back/": {"reason": "不对"},
        f"/ledgers/HT01/vouchers/{draft.pk}/submit/": {},
        f"/ledgers/HT01/vouchers/{draft.pk}/delete/": {},
        f"/ledgers/HT01/vouchers/{draft.pk}/edit/": grid_post("2025-04-02", LINES),
        f"/ledgers/HT01/vouchers/{draft.pk}/upload/": {"attachments": [_png()]},
        "/ledgers/HT01/vouchers/bulk/": {"action": "post", "ids": [reviewed.pk]},
    }
    for path, data in refusals.items():
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "您没有权限" in response.content.decode(), path
    assert client.get("/ledgers/HT01/entry/").status_code == 403
    reviewed.refresh_from_db()
    draft.refresh_from_db()
    assert (reviewed.status, draft.status, draft.attachment_count) == (
        VoucherStatus.REVIEWED,
        VoucherStatus.DRAFT,
        0,
    )
    assert Voucher.objects.count() == 2


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.png", PNG)


def test_every_form_needs_its_csrf_token(ledger, accountant, reviewer):
    voucher = office_voucher(ledger, accountant, submit=True)
    guarded = logged_in(accountant, enforce_csrf_checks=True)
    posts = {
        "/ledgers/HT01/entry/": grid_post("2025-04-02", LINES),
        "/ledgers/HT01/vouchers/bulk/": {"action": "submit", "ids": [voucher.pk]},
        f"/ledgers/HT01/vouchers/{voucher.pk}/post/": {},
        f"/ledgers/HT01/vouchers/{voucher.pk}/reverse/": {"date": "2025-04-30", "reason": "x"},
        f"/ledgers/HT01/review/{voucher.pk}/send-back/": {"reason": "x"},
    }
    for path, data in posts.items():
        assert guarded.post(path, data).status_code == 403, path
    assert Voucher.objects.count() == 1

    # With the token the page carries, the same post goes through.
    page = guarded.get("/ledgers/HT01/entry/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = guarded.post(
        "/ledgers/HT01/entry/", {**grid_post("2025-04-02", LINES), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Voucher.objects.count() == 2


def test_pages_need_a_login(ledger):
    from django.test import Client

    response = Client().get("/ledgers/HT01/entry/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
