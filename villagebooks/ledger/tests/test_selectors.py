"""``ledger.selectors``: the reads the pages, the workspace and the API share. Each read that takes
a user is tried from both sides of every scope boundary: the user's own ledger, the next village
of the same township, a ledger role that does not reach the next village, a user who cannot log in."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from villagebooks.ledger import services
from villagebooks.ledger.models import AccountBalance
from villagebooks.ledger.selectors import (
    account_list,
    attachment_get,
    balance_window,
    first_report_key,
    ledger_get,
    region_report_range,
    report_range,
    voucher_get,
)
from villagebooks.ledger.tests.books import parse_vouchers, post
from villagebooks.regions.models import RoleAssignment

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LABOUR = """
    2025-03-25 应付张三修路劳务费
      借 241 专项应付款   800.00  fund=县交通局道路补助
      贷 211 应付款       800.00  party=张三
"""


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def labour(ledger, accountant, reviewer, media):
    """A posted voucher of 黑滩村 with a fund, a counterparty and a scanned receipt."""
    day, _, lines = parse_vouchers(LABOUR)[0]
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, submit=True)
    services.attachment_add(actor=accountant, voucher=voucher, name="劳务费签收单.pdf", content=PDF)
    services.voucher_review(actor=reviewer, voucher=voucher)
    return services.voucher_post(actor=accountant, voucher=voucher)


@pytest.fixture
def reporter(make_user, region_tree):
    """黑滩村's village reporter: a role at the village, which may view its ledger."""
    return make_user("heitan", "reporter", region_tree["510781100201"])


@pytest.fixture
def outsiders(region_tree, other_ledger):
    """Who must not see 黑滩村's books: an accountant of 土门村 only (a ledger role), the
    accountant of the other township, and someone who is logged out or deactivated."""
    user_model = get_user_model()
    tumen = user_model.objects.create_user(username="tumen-only")
    RoleAssignment.objects.create(
        user=tumen, role="accountant", region=other_ledger.village, ledger_id=other_ledger.pk
    )
    wudu = user_model.objects.create_user(username="wudu")
    RoleAssignment.objects.create(user=wudu, role="accountant", region=region_tree["510781101000"])
    gone = user_model.objects.create_user(username="gone", is_active=False)
    RoleAssignment.objects.create(user=gone, role="accountant", region=region_tree["510781100000"])
    return [tumen, wudu, gone, AnonymousUser()]


def test_a_ledger_is_found_by_those_who_may_view_it_and_nobody_else(ledger, accountant, reporter, outsiders):
    found = ledger_get(user=accountant, code="HT01")
    assert found == ledger
    assert found.village.name == "黑滩村" and found.village.parent.name == "新安镇"
    assert ledger_get(user=reporter, code="HT01") == ledger
    assert ledger_get(user=reporter, code="HT01", action="ledger.prepare") is None
    for outsider in outsiders:
        assert ledger_get(user=outsider, code="HT01") is None
    assert ledger_get(user=outsiders[0], code="TM01").code == "TM01"  # the other side: their own
    assert ledger_get(user=accountant, code="NOPE") is None


def test_a_voucher_comes_with_what_its_pages_show_in_three_queries(
    labour, accountant, django_assert_num_queries
):
    accountant = get_user_model().objects.get(pk=accountant.pk)
    with django_assert_num_queries(4):  # the user's roles, the voucher, its lines, its attachments
        voucher = voucher_get(user=accountant, ledger_code="HT01", voucher_id=labour.pk)
        lines = list(voucher.lines.all())
        attachments = list(voucher.attachments.all())
        assert voucher.ledger.village.parent.name == "新安镇"
        assert (voucher.period.month, voucher.prepared_by, voucher.posted_by) == (3, accountant, accountant)
        assert [(line.account.code, line.account.parent_id is None) for line in lines] == [
            ("241", True),
            ("211", True),
        ]
        assert lines[0].fund.name == "县交通局道路补助" and lines[1].counterparty.name == "张三"
        assert [(a.original_name, a.uploaded_by) for a in attachments] == [("劳务费签收单.pdf", accountant)]
    with django_assert_num_queries(1):  # roles kept on the user: only the voucher itself
        plain = voucher_get(user=accountant, ledger_code="HT01", voucher_id=labour.pk, details=False)
        assert plain.ledger.code == "HT01" and plain.reviewed_by.username == "reviewer"


def test_a_voucher_is_none_outside_scope_or_under_another_ledgers_code(labour, reporter, outsiders):
    assert voucher_get(user=reporter, ledger_code="HT01", voucher_id=labour.pk) == labour
    for outsider in outsiders:
        assert voucher_get(user=outsider, ledger_code="HT01", voucher_id=labour.pk) is None
    # The 土门村 accountant asking under their own ledger's code: still not theirs.
    assert voucher_get(user=outsiders[0], ledger_code="TM01", voucher_id=labour.pk) is None
    assert voucher_get(user=reporter, ledger_code="TM01", voucher_id=labour.pk) is None
    assert voucher_get(user=reporter, ledger_code="HT01", voucher_id=labour.pk + 1000) is None


def test_an_attachment_only_through_its_own_voucher_and_ledger(labour, ledger, accountant, outsiders):
    attachment = labour.attachments.get()
    found = attachment_get(
        user=accountant, ledger_code="HT01", voucher_id=labour.pk, attachment_id=attachment.pk
    )
    assert found == attachment
    for outsider in outsiders:
        assert (
            attachment_get(
                user=outsider, ledger_code="HT01", voucher_id=labour.pk, attachment_id=attachment.pk
            )
            is None
        )
    [other] = post(
        ledger, accountant, _reviewer(), "2025-03-26 收到租金\n 借 102 银行存款 10.00\n 贷 301 资本 10.00"
    )
    # The right ledger, the wrong voucher; the right ids under another ledger's code.
    assert (
        attachment_get(user=accountant, ledger_code="HT01", voucher_id=other.pk, attachment_id=attachment.pk)
        is None
    )
    assert (
        attachment_get(user=accountant, ledger_code="TM01", voucher_id=labour.pk, attachment_id=attachment.pk)
        is None
    )


def _reviewer():
    return get_user_model().objects.get(username="reviewer")


def test_accounts_in_code_order_of_that_ledger_only(ledger, new_ledger, accountant):
    services.account_add(actor=accountant, ledger=new_ledger, parent_code="102", code="10201", name="农商行")
    codes = [account.code for account in account_list(ledger=new_ledger)]
    assert codes == sorted(codes) and codes.index("102") < codes.index("10201")
    assert "10201" not in {account.code for account in account_list(ledger=ledger)}


def test_balances_start_at_month_zero_of_the_carried_year(ledger, accountant, reviewer):
    """The window over 2025 opens with the start year's month 0 (opening balances), and once 2025
    is carried into 2026, a window in 2026 opens at 2026's month 0, not at 2025's plus its months
    (which would count the year twice); a window asked in 2025 still opens at 2025's month 0."""
    post(ledger, accountant, reviewer, "2025-03-05 收到租金\n 借 102 银行存款 100.00\n 贷 301 资本 100.00")

    def bank(window) -> int:
        rows = AccountBalance.objects.filter(window, ledger=ledger, account__code="102")
        return sum(row.debit_fen - row.credit_fen for row in rows)

    assert bank(balance_window(carried_year=2025, year=2025, before_key=202503)) == 8_000_000
    assert bank(balance_window(carried_year=2025, year=2025, before_key=202504)) == 8_010_000
    # A carried 2026 whose month 0 says what 2025 closed with (as a year close writes it).
    account = ledger.accounts.get(code="102")
    AccountBalance.objects.create(
        ledger=ledger, account=account, year=2026, month=0, period_key=202600, debit_fen=8_010_000
    )
    assert bank(balance_window(carried_year=2026, year=2026, before_key=202601)) == 8_010_000
    assert bank(balance_window(carried_year=2026, year=2025, before_key=202504)) == 8_010_000
    assert bank(balance_window(carried_year=2025, year=2026, before_key=202601)) == 8_010_000


def test_reports_open_on_the_current_year(ledger, accountant, reviewer, region_tree, outsiders):
    assert first_report_key(ledger) == 202501
    assert report_range(ledger=ledger) == (202501, 202501)
    post(ledger, accountant, reviewer, "2025-03-05 收到租金\n 借 102 银行存款 100.00\n 贷 301 资本 100.00")
    assert report_range(ledger=ledger) == (202501, 202503)
    township = region_tree["510781100000"]
    today = date(2026, 7, 1)
    assert region_report_range(user=accountant, region=township, chart="2023", today=today) == (
        202501,
        202503,
    )
    # Outside scope nothing is posted: the latest first month of their ledgers, or today.
    assert region_report_range(user=outsiders[0], region=township, chart="2023", today=today) == (
        202501,
        202501,
    )
    assert region_report_range(user=outsiders[1], region=township, chart="2023", today=today) == (
        202601,
        202607,
    )
