"""One page per voucher (/ledgers/<code>/vouchers/<id>/): what each user may do there, its name
within the ledger (草稿 n, 记-n), the old addresses leading to it, and 撤回 by the preparer with
the other side of that boundary (a colleague, a reviewer, another township's user)."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher, VoucherStatus
from villagebooks.workspace.tests.vouchers_pages import logged_in, office_voucher, page_messages

pytestmark = pytest.mark.django_db


def page(voucher) -> str:
    return f"/ledgers/{voucher.ledger.code}/vouchers/{voucher.pk}/"


def actions(html: str) -> set[str]:
    shown = set()
    for name in ("withdraw", "approve", "post", "reverse", "submit", "delete", "send-back", "print"):
        if f'id="{name}"' in html:
            shown.add(name)
    if "/edit/" in html:
        shown.add("edit")
    return shown


@pytest.fixture
def colleague(make_user, township):
    """Another accountant of the same agency: may prepare in the ledger, did not prepare this one."""
    return make_user("colleague", "accountant", township)


def test_drafts_are_numbered_within_their_ledger_and_named_so_on_the_page(ledger, other_ledger, accountant):
    first = office_voucher(ledger, accountant, day=date(2025, 4, 1))
    elsewhere = office_voucher(other_ledger, accountant, day=date(2025, 4, 1))
    second = office_voucher(ledger, accountant, day=date(2025, 4, 2))
    assert (first.draft_no + 1, elsewhere.draft_no) == (second.draft_no, 1)
    services.voucher_delete(actor=accountant, voucher=second)
    # A deleted draft's number is not given again.
    assert office_voucher(ledger, accountant, day=date(2025, 4, 3)).draft_no == second.draft_no + 1
    html = logged_in(accountant).get(page(first)).content.decode()
    assert f'<dd id="voucher-number">草稿 {first.draft_no}' in html
    assert f"<title>{ledger.name} 草稿 {first.draft_no}" in html
    assert f"#{first.pk}" not in html


def test_the_page_shows_each_user_what_they_may_do(
    ledger, accountant, reviewer, colleague, make_user, region_tree
):
    voucher = office_voucher(ledger, accountant, submit=True)
    assert actions(logged_in(accountant).get(page(voucher)).content.decode()) == {"withdraw", "print"}
    assert actions(logged_in(colleague).get(page(voucher)).content.decode()) == {"print"}
    assert actions(logged_in(reviewer).get(page(voucher)).content.decode()) == {
        "approve",
        "send-back",
        "print",
    }
    services.voucher_review(actor=reviewer, voucher=voucher)
    assert actions(logged_in(accountant).get(page(voucher)).content.decode()) == {"post", "print"}
    posted = services.voucher_post(actor=accountant, voucher=voucher)
    html = logged_in(accountant).get(page(voucher)).content.decode()
    assert actions(html) == {"reverse", "print"}
    assert f'<dd id="voucher-number">记-{posted.number}</dd>' in html
    reporter = make_user("cun", "reporter", region_tree["510781100201"], ledger_id=ledger.pk)
    assert actions(logged_in(reporter).get(page(voucher)).content.decode()) == {"print"}


def test_the_old_addresses_lead_to_the_one_page(ledger, accountant):
    voucher = office_voucher(ledger, accountant, submit=True)
    client = logged_in(accountant)
    assert client.get(f"/ledgers/HT01/review/{voucher.pk}/")["Location"] == page(voucher)
    assert client.get(page(voucher), {"print": "1"})["Location"] == f"{page(voucher)}print/"


def test_the_preparer_withdraws_a_submitted_voucher_and_may_change_it_again(ledger, accountant):
    voucher = office_voucher(ledger, accountant, submit=True)
    response = logged_in(accountant).post(f"{page(voucher)}withdraw/", follow=True)
    assert response.redirect_chain[-1][0] == page(voucher)
    assert page_messages(response) == [f"草稿 {voucher.draft_no} 已撤回为草稿，可以修改后重新提交"]
    voucher.refresh_from_db()
    assert (voucher.status, voucher.submitted_at) == (VoucherStatus.DRAFT, None)
    assert "edit" in actions(response.content.decode())
    entry = AuditEntry.objects.get(action="voucher_withdraw")
    assert (entry.actor_id, entry.object_id, entry.ledger_id) == (accountant.pk, voucher.pk, ledger.pk)


def test_only_the_preparer_withdraws_and_only_before_review(ledger, accountant, reviewer, colleague):
    voucher = office_voucher(ledger, accountant, submit=True)
    for other in (colleague, reviewer):
        response = logged_in(other).post(f"{page(voucher)}withdraw/")
        assert response.status_code == 403
        assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.SUBMITTED
    assert (
        "只有制单人本人可以撤回这张凭证"
        in logged_in(colleague).post(f"{page(voucher)}withdraw/").content.decode()
    )
    services.voucher_review(actor=reviewer, voucher=voucher)
    response = logged_in(accountant).post(f"{page(voucher)}withdraw/", follow=True)
    assert page_messages(response) == ["凭证当前状态为“已审核”，不能撤回"]
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.REVIEWED
    assert not AuditEntry.objects.filter(action="voucher_withdraw").exists()


def test_another_townships_user_finds_neither_the_page_nor_the_withdrawal(
    ledger, accountant, make_user, region_tree
):
    voucher = office_voucher(ledger, accountant, submit=True)
    outsider = logged_in(make_user("wudu", "accountant", region_tree["510781101000"]))
    for path in ("", "withdraw/"):
        response = outsider.post(f"{page(voucher)}{path}") if path else outsider.get(page(voucher))
        assert response.status_code == 404
        assert "购买打印纸" not in response.content.decode()
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.SUBMITTED
