"""The public check of a disclosure: it passes on untouched books, and fails, plainly and in
Chinese, once a published figure is changed behind the app's back (raw SQL as the tables' owner,
with the books' triggers out of the way, as ``ledger/tests/chain/test_tampering.py`` does)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from villagebooks.disclosure.check import disclosure_check
from villagebooks.disclosure.services import disclosure_publish
from villagebooks.ledger.models import VoucherLine
from villagebooks.ledger.tests.chain.test_tampering import TWO_ROLES, tamper

pytestmark = pytest.mark.django_db(transaction=TWO_ROLES, serialized_rollback=TWO_ROLES)


@pytest.fixture
def published(books, ledger, accountant):
    return disclosure_publish(actor=accountant, ledger=ledger, period="2025-Q1")


def test_untouched_books_pass_the_check(published):
    result = disclosure_check(published)
    assert result.ok, result.problems
    assert result.vouchers_checked == 4
    assert result.figures_checked > 10


def test_the_page_reuses_its_check_while_the_rows_it_reads_are_unchanged(
    published, books, ledger, accountant, reviewer
):
    from villagebooks.disclosure.check import disclosure_check_recent
    from villagebooks.ledger.tests.books import post

    first = disclosure_check_recent(published)
    assert first.ok, first.problems
    assert (first.figures_checked, first.vouchers_checked) == (disclosure_check(published).figures_checked, 4)
    assert disclosure_check_recent(published).checked_at == first.checked_at
    # A voucher posted after publication, in a later month: this disclosure neither shows nor chains it.
    post(ledger, accountant, reviewer, "2025-04-02 办公费\n  借 513 管理费用 10.00\n  贷 102 银行存款 10.00")
    assert disclosure_check_recent(published).checked_at == first.checked_at


def test_a_figure_changed_after_a_passed_check_fails_the_page_at_once(published, books, settings):
    """The verdict is kept (an hour here), yet the changed line is found on the next request: the
    fingerprint of the rows the check reads is part of its key."""
    settings.DISCLOSURE_CHECK_SECONDS = 3600
    client = Client()
    assert "核对未通过" not in client.get("/public/HT01/2025-Q1/").content.decode()
    payment = VoucherLine.objects.get(voucher_id=books[2].pk, line_no=1)  # 管理费用 8000.00
    tamper((f"UPDATE ledger_voucherline SET debit_fen = 900000 WHERE id = {payment.pk}", []))
    page = client.get("/public/HT01/2025-Q1/").content.decode()
    assert "核对未通过" in page
    assert "现在账上是 9,000.00 元" in page
    assert "记账后被改过：第1行借方：记账时 8000.00，现为 9000.00" in page


def test_a_changed_summary_is_found_after_a_passed_check(published, books, settings):
    from villagebooks.disclosure.check import disclosure_check_recent

    settings.DISCLOSURE_CHECK_SECONDS = 3600
    assert disclosure_check_recent(published).ok
    line = VoucherLine.objects.get(voucher_id=books[2].pk, line_no=1)
    tamper((f"UPDATE ledger_voucherline SET summary = '改过的摘要' WHERE id = {line.pk}", []))
    problems = "\n".join(disclosure_check_recent(published).problems)
    assert "记账后被改过" in problems


def test_a_changed_amount_fails_the_check_on_the_public_page(published, books, settings):
    settings.DISCLOSURE_CHECK_SECONDS = 0  # no check reused: the page checks now
    payment = VoucherLine.objects.get(voucher_id=books[2].pk, line_no=1)  # 管理费用 8000.00
    tamper((f"UPDATE ledger_voucherline SET debit_fen = 900000 WHERE id = {payment.pk}", []))
    result = disclosure_check(published)
    assert not result.ok
    text = "\n".join(result.problems)
    assert "公开时 8,000.00 元，现在账上是 9,000.00 元" in text
    assert "记账后被改过：第1行借方：记账时 8000.00，现为 9000.00" in text
    page = Client().get("/public/HT01/2025-Q1/").content.decode()
    assert "核对未通过" in page
    assert "现在账上是 9,000.00 元" in page


def test_an_edited_snapshot_fails_the_check(published):
    if connection.vendor != "sqlite":
        pytest.skip("tamper() puts only the books' triggers out of the way on PostgreSQL")
    tamper(
        (
            "UPDATE disclosure_disclosure SET snapshot = replace(snapshot, '823456', '723456') WHERE id = %s",
            [published.pk],
        )
    )
    published.refresh_from_db()
    assert disclosure_check(published).problems == ["公开内容与公开时的哈希值不符：公开记录被改过"]


def test_a_published_disclosure_cannot_be_edited_or_deleted(published):
    from django.db import DatabaseError, transaction

    from villagebooks.disclosure.models import Disclosure

    with pytest.raises(DatabaseError), transaction.atomic():
        Disclosure.objects.filter(pk=published.pk).update(reason="改一下")
    with pytest.raises(DatabaseError), transaction.atomic():
        Disclosure.objects.filter(pk=published.pk).delete()
