"""The funds pages: what each user sees, the lifecycle button for those who hold the step, 404 for
another township's user on every page, and the budget warning on the voucher and review pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from villagebooks.funds.models import BudgetLine, Control, ProjectAct, ProjectEntry
from villagebooks.funds.tests.support import advance_to
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import parse_vouchers, post


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def outsider(make_user, region_tree):
    return make_user("wudu", "agency-manager", region_tree["510781101000"])


def test_the_allocation_pages(road, accountant):
    client = client_of(accountant)
    listing = client.get("/funds/allocations/").content.decode()
    assert "江交〔2025〕12号" in listing and "300,000.00" in listing
    detail = client.get("/funds/allocations/A-2025-01/").content.decode()
    assert "江油市交通运输局" in detail and "153、513" in detail


def test_the_ledger_page_lists_projects_and_shares(road, accountant):
    page = client_of(accountant).get("/funds/ledger/HT01/").content.decode()
    assert "黑滩村道路硬化" in page and "200,000.00" in page and "江交〔2025〕12号" in page
    assert 'data-section="funds"' in page


def test_the_project_page_shows_budget_used_and_the_button_for_the_holder(
    road, accountant, reviewer, manager
):
    advance_to(road, manager, "P01", "实施")
    post(
        road,
        accountant,
        reviewer,
        """
        2025-03-10 道路工程款
          借 153 在建工程   50000.00  fund=县交通局道路补助 project=P01
          贷 102 银行存款   50000.00
        """,
    )
    page = client_of(accountant).get("/funds/ledger/HT01/projects/P01/").content.decode()
    assert "50,000.00" in page and "150,000.00" in page  # used, remaining
    assert 'id="advance"' not in page
    page = client_of(manager).get("/funds/ledger/HT01/projects/P01/").content.decode()
    assert 'id="advance"' in page and "验收" in page


def test_advancing_from_the_page(road, manager, accountant):
    ProjectEntry.objects.update(state_since=date(2025, 2, 1))
    response = client_of(manager).post(
        "/funds/ledger/HT01/projects/P01/advance/", {"to": "reviewed", "date": "2025-02-02", "note": "乡审核"}
    )
    assert response.status_code == 302
    assert ProjectEntry.objects.get().state == "reviewed"
    refused = client_of(accountant).post("/funds/ledger/HT01/projects/P01/advance/", {"to": "approved"})
    assert refused.status_code == 403
    wrong = client_of(manager).post("/funds/ledger/HT01/projects/P01/advance/", {"to": "implementing"})
    assert wrong.status_code == 400 and "只能向后推进到" in wrong.content.decode()
    assert ProjectAct.objects.count() == 2


def test_another_townships_user_gets_404_everywhere(road, outsider):
    client = client_of(outsider)
    for path in (
        "/funds/allocations/A-2025-01/",
        "/funds/ledger/HT01/",
        "/funds/ledger/HT01/projects/P01/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/funds/ledger/HT01/projects/P01/advance/", {"to": "reviewed"}).status_code == 404
    assert "江交" not in client.get("/funds/allocations/").content.decode()
    assert ProjectEntry.objects.get().state == "declared"


def test_the_warning_shows_on_the_voucher_and_the_review_desk(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    BudgetLine.objects.update(control=Control.WARN)
    ProjectEntry.objects.update(control=Control.WARN)
    [(day, _s, lines)] = parse_vouchers(
        """
        2025-03-10 道路工程款
          借 153 在建工程   70000.00  fund=县交通局道路补助 project=P01
          贷 102 银行存款   70000.00
        """
    )
    BudgetLine.objects.update(budget_fen=1_000_000)
    voucher = services.voucher_create(actor=accountant, ledger=road, date=day, lines=lines, submit=True)
    page = client_of(reviewer).get(f"/ledgers/HT01/vouchers/{voucher.pk}/").content.decode()
    assert 'id="voucher-warnings"' in page and "超预算" in page and "项目 P01" in page
    # The review desk's old address leads to the same one voucher page.
    desk = client_of(reviewer).get(f"/ledgers/HT01/review/{voucher.pk}/", follow=True).content.decode()
    assert 'id="voucher-warnings"' in desk and "超预算" in desk


def test_the_entry_page_refuses_a_stop_and_keeps_a_drafts_project(road, accountant, reviewer, manager):
    """Budget control on the page path: the voucher entry grid's save is refused with the rule's
    words; a draft made elsewhere with a project keeps it when saved again from the grid."""
    from villagebooks.ledger.models import Voucher, VoucherLine
    from villagebooks.workspace.tests.vouchers_pages import grid_post

    client = client_of(accountant)
    rows = [
        {"summary": "道路工程款", "account": "514", "fund": "县交通局道路补助", "debit": "100.00"},
        {"summary": "道路工程款", "account": "102", "credit": "100.00"},
    ]
    response = client.post("/ledgers/HT01/entry/", grid_post("2025-03-10", rows, action="save"))
    assert response.status_code == 400
    assert "超范围支出" in response.content.decode()
    assert not Voucher.objects.exists()

    advance_to(road, manager, "P01", "实施")
    post(
        road,
        accountant,
        reviewer,
        "2025-03-02 收到补助\n 借 102 银行存款 300000.00\n 贷 241 专项应付款 300000.00 fund=县交通局道路补助",
    )
    [(day, _s, lines)] = parse_vouchers(
        """
        2025-03-10 道路工程款
          借 153 在建工程   1000.00  fund=县交通局道路补助 project=P01
          贷 102 银行存款   1000.00
        """
    )
    voucher = services.voucher_create(actor=accountant, ledger=road, date=day, lines=lines)
    page = client.get(f"/ledgers/HT01/vouchers/{voucher.pk}/edit/").content.decode()
    assert 'name="line-0-project" value="P01"' in page
    rows = [
        {"summary": "道路工程款", "account": "153", "fund": "县交通局道路补助", "debit": "1200.00"},
        {"summary": "道路工程款", "account": "102", "credit": "1200.00"},
    ]
    client.post(
        f"/ledgers/HT01/vouchers/{voucher.pk}/edit/",
        grid_post("2025-03-10", rows, action="save", **{"line-0-project": "P01"}),
    )
    assert list(VoucherLine.objects.filter(voucher=voucher).values_list("project__code", "debit_fen")) == [
        ("P01", 120_000),
        (None, 0),
    ]
