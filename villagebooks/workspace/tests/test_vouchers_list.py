"""The voucher list: filters, pages that load only what they show, and bulk actions that run one
service call per voucher and report each failure in Chinese without stopping the others."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher, VoucherStatus
from villagebooks.ledger.tests.books import post
from villagebooks.web.tests.pages import table_rows
from villagebooks.workspace.tests.vouchers_pages import field_errors, logged_in, office_voucher, page_messages

pytestmark = pytest.mark.django_db

LIST = "/ledgers/HT01/vouchers/"


def _ids(response) -> list[int]:
    rows, _classes = table_rows(response.content.decode(), "data-voucher")
    return [int(pk) for pk in rows]


@pytest.fixture
def books(ledger, accountant, reviewer):
    """Two posted vouchers in March, a submitted one and a draft in April."""
    posted = post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-05 收到道路补助
          借 102 银行存款     50000.00
          贷 241 专项应付款   50000.00  fund=县交通局道路补助
        2025-03-20 购买办公用品
          借 513 管理费用      1234.56
          贷 102 银行存款      1234.56
        """,
    )
    submitted = office_voucher(
        ledger, accountant, day=date(2025, 4, 3), fen=30_000, summary="支付电费", submit=True
    )
    draft = office_voucher(ledger, accountant, day=date(2025, 4, 2), fen=20_000, summary="购买打印纸")
    return {"road": posted[0], "office": posted[1], "submitted": submitted, "draft": draft}


def test_the_list_shows_every_voucher_newest_first_with_its_lines(books, accountant):
    response = logged_in(accountant).get(LIST)
    assert response.status_code == 200
    rows, _classes = table_rows(response.content.decode(), "data-voucher")
    b = books
    assert list(rows) == [str(b[k].pk) for k in ("submitted", "draft", "office", "road")]
    assert rows[str(b["office"].pk)][1:] == [
        "2025-03-20",
        "记-2",
        "购买办公用品 借 513 管理费用 贷 102 银行存款",
        "1,234.56",
        "已记账",
        "accountant",
        "",
        "查看",
    ]
    assert rows[str(b["draft"].pk)][2] == f"草稿 {b['draft'].draft_no}"
    assert rows[str(b["draft"].pk)][-1] == "修改"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("period=2025-03", ["road", "office"]),  # a month lists in the order of the books
        ("status=submitted", ["submitted"]),
        ("account=241", ["road"]),
        ("account=5", ["submitted", "draft", "office"]),  # a code covers its sub-accounts
        ("min=300&max=1234.56", ["submitted", "office"]),
        ("min=50000", ["road"]),
        ("q=打印", ["draft"]),
        ("q=2&period=2025-03", ["office"]),  # digits find a voucher number too
        ("period=2025-03&status=draft", []),
    ],
)
def test_filters(books, accountant, query, expected):
    response = logged_in(accountant).get(f"{LIST}?{query}")
    assert _ids(response) == [books[name].pk for name in expected]


def test_a_bad_filter_is_an_error_at_its_field_and_lists_nothing(books, accountant):
    response = logged_in(accountant).get(f"{LIST}?period=2025-13&min=abc&account=x1&status=lost")
    assert response.status_code == 400
    assert field_errors(response.content.decode()) == {
        "period": "期间格式应为 YYYY-MM",
        "min": "不是有效的金额",
        "account": "科目编码只能是数字",
        "status": "状态 lost 无效",
    }
    assert _ids(response) == []
    response = logged_in(accountant).get(f"{LIST}?min=500&max=100")
    assert field_errors(response.content.decode()) == {"max": "最小金额不能大于最大金额"}


def test_pages_of_thirty_in_a_fixed_number_of_queries(ledger, accountant, django_assert_max_num_queries):
    for day in range(1, 29):
        office_voucher(ledger, accountant, day=date(2025, 4, day), fen=100 * day)
        office_voucher(ledger, accountant, day=date(2025, 5, day), fen=100 * day)
    client = logged_in(accountant)
    client.get(LIST)
    with django_assert_max_num_queries(11):
        first = client.get(LIST)
    assert len(_ids(first)) == 30
    assert "第 1 / 2 页" in first.content.decode()
    with django_assert_max_num_queries(11):
        second = client.get(LIST + "?page=2&period=")
    assert len(_ids(second)) == 26
    assert set(_ids(first)).isdisjoint(_ids(second))


def test_bulk_review_reviews_each_and_reports_each_failure(books, accountant, reviewer):
    more = office_voucher(books["draft"].ledger, accountant, day=date(2025, 4, 4), fen=500, submit=True)
    ids = [books["submitted"].pk, books["draft"].pk, more.pk, 999_999]
    response = logged_in(reviewer).post(
        LIST + "bulk/", {"action": "review", "ids": ids, "next": LIST + "?status=submitted"}, follow=True
    )
    assert response.redirect_chain[-1][0] == LIST + "?status=submitted"
    assert page_messages(response) == [
        f"已审核 2 张凭证：2025-04-03 草稿 {books['submitted'].draft_no}、2025-04-04 草稿 {more.draft_no}",
        "#999999 未能审核：凭证 #999999 不存在或不属于本账套",
        f"2025-04-02 草稿 {books['draft'].draft_no} 未能审核：凭证当前状态为“草稿”，不能审核",
    ]
    statuses = dict(Voucher.objects.values_list("pk", "status"))
    assert statuses[books["submitted"].pk] == statuses[more.pk] == VoucherStatus.REVIEWED
    assert statuses[books["draft"].pk] == VoucherStatus.DRAFT


def test_bulk_post_numbers_the_vouchers_in_date_order(ledger, accountant, reviewer):
    later = office_voucher(ledger, accountant, day=date(2025, 4, 20), submit=True)
    earlier = office_voucher(ledger, accountant, day=date(2025, 4, 10), submit=True)
    for voucher in (later, earlier):
        services.voucher_review(actor=reviewer, voucher=voucher)
    response = logged_in(accountant).post(
        LIST + "bulk/", {"action": "post", "ids": [later.pk, earlier.pk]}, follow=True
    )
    assert page_messages(response) == ["已记账 2 张凭证：2025-04-10 记-1、2025-04-20 记-2"]
    assert dict(Voucher.objects.values_list("pk", "number")) == {earlier.pk: 1, later.pk: 2}


def test_a_bulk_action_the_role_does_not_allow_is_refused_whole(books, reviewer):
    response = logged_in(reviewer).post(LIST + "bulk/", {"action": "post", "ids": [books["submitted"].pk]})
    assert response.status_code == 403
    assert "您没有权限在账套“黑滩村股份经济合作联合社”批量记账凭证" in response.content.decode()


def test_bulk_needs_a_known_action_and_some_vouchers(books, accountant):
    client = logged_in(accountant)
    assert page_messages(client.post(LIST + "bulk/", {"action": "burn", "ids": [1]}, follow=True)) == [
        "请选择要执行的批量操作"
    ]
    assert page_messages(client.post(LIST + "bulk/", {"action": "post"}, follow=True)) == ["请先勾选凭证"]
    # A "next" outside the site is not followed.
    response = client.post(LIST + "bulk/", {"action": "post", "next": "https://evil.example/"})
    assert response["Location"] == LIST


def test_bulk_buttons_follow_the_users_role(books, accountant, reviewer):
    accountant_page = logged_in(accountant).get(LIST).content.decode()
    assert 'data-bulk="submit"' in accountant_page and 'data-bulk="post"' in accountant_page
    assert 'data-bulk="review"' not in accountant_page
    reviewer_page = logged_in(reviewer).get(LIST).content.decode()
    assert 'data-bulk="review"' in reviewer_page
    assert 'data-bulk="post"' not in reviewer_page and 'data-tab="entry"' not in reviewer_page


def test_bulk_review_refuses_the_reviewers_own_vouchers_and_goes_on(ledger, accountant, make_user, township):
    from villagebooks.regions.services import role_grant, system_user

    both = make_user("both", "accountant", township)
    role_grant(actor=system_user(), user=both, role="reviewer", region=township)
    own = office_voucher(ledger, both, day=date(2025, 4, 1), submit=True)
    theirs = office_voucher(ledger, accountant, day=date(2025, 4, 2), submit=True)
    response = logged_in(both).post(
        LIST + "bulk/", {"action": "review", "ids": [own.pk, theirs.pk]}, follow=True
    )
    assert page_messages(response) == [
        f"已审核 1 张凭证：2025-04-02 草稿 {theirs.draft_no}",
        f"2025-04-01 草稿 {own.draft_no} 未能审核：审核人不能是制单人",
    ]
    assert dict(Voucher.objects.values_list("pk", "status")) == {
        own.pk: VoucherStatus.SUBMITTED,
        theirs.pk: VoucherStatus.REVIEWED,
    }


@pytest.mark.parametrize(
    "typed", ["2025-03", "2025-3", "2025/3", "2025.03", "2025年3月", "202503", " 2025 03 "]
)
def test_a_month_typed_into_a_plain_text_box_filters_too(typed):
    """Browsers without <input type=month> show a text box: the usual ways to type a month work."""
    from villagebooks.workspace.vouchers.forms import VoucherFilterForm

    form = VoucherFilterForm({"period": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"] == 202503


@pytest.mark.parametrize("typed", ["2025-13", "25-03", "2025年", "三月"])
def test_a_month_that_is_not_one_is_refused_at_the_field(typed):
    from villagebooks.workspace.vouchers.forms import VoucherFilterForm

    form = VoucherFilterForm({"period": typed})
    assert not form.is_valid()
    assert form.errors["period"] == ["期间格式应为 YYYY-MM"]
