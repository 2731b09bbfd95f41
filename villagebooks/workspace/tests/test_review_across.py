"""One review queue across the ledgers a reviewer may review, "next" moving across them, and the
home page leading a reviewer to it; a reviewer of another township sees none of it."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.workspace.tests.vouchers_pages import logged_in, office_voucher

pytestmark = pytest.mark.django_db


def desk(voucher) -> str:
    return f"/ledgers/{voucher.ledger.code}/vouchers/{voucher.pk}/"


@pytest.fixture
def waiting(ledger, other_ledger, accountant, reviewer):
    """Two ledgers of the township, vouchers waiting in both, dates interleaved; one the reviewer's own."""
    return [
        office_voucher(ledger, accountant, day=date(2025, 4, 1), submit=True),
        office_voucher(other_ledger, accountant, day=date(2025, 4, 2), submit=True),
        office_voucher(ledger, accountant, day=date(2025, 4, 3), submit=True),
    ]


def test_the_queue_holds_every_ledger_oldest_first(waiting, reviewer):
    html = logged_in(reviewer).get("/review/").content.decode()
    assert "3 张凭证待审核" in html
    order = [html.index(f'data-voucher="{v.pk}" data-ledger="{v.ledger.code}"') for v in waiting]
    assert order == sorted(order)
    assert f'href="{desk(waiting[0])}" id="start-review"' in html


def test_approving_moves_on_to_the_next_voucher_in_another_ledger(waiting, reviewer):
    client = logged_in(reviewer)
    assert f'href="{desk(waiting[1])}" id="next-in-queue"' in client.get(desk(waiting[0])).content.decode()
    response = client.post(f"{desk(waiting[0])}approve/")
    assert response["Location"] == desk(waiting[1])  # TM01 after HT01
    assert client.post(f"{desk(waiting[1])}approve/")["Location"] == desk(waiting[2])


def test_the_home_page_leads_a_reviewer_to_the_queue_and_not_an_accountant(waiting, reviewer, accountant):
    home = logged_in(reviewer).get("/").content.decode()
    assert 'id="review-waiting"' in home and "有 3 张凭证待审核" in home and 'href="/review/"' in home
    assert 'id="review-waiting"' not in logged_in(accountant).get("/").content.decode()


def test_a_reviewer_of_another_township_sees_an_empty_queue(waiting, make_user, region_tree):
    other = logged_in(make_user("wudu-rev", "reviewer", region_tree["510781101000"]))
    html = other.get("/review/").content.decode()
    assert "没有待审核的凭证。" in html
    assert all(f'data-voucher="{v.pk}"' not in html for v in waiting)
    assert other.get(desk(waiting[0])).status_code == 404
    assert 'id="review-waiting"' not in other.get("/").content.decode()  # no ledger to review there
