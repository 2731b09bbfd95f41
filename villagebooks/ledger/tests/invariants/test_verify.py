"""``verify`` recomputes every stored balance from its sources and names what disagrees."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from villagebooks.common.money import format_fen
from villagebooks.ledger import services
from villagebooks.ledger import verification as V
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import AccountBalance, Period, VoucherStatus
from villagebooks.ledger.tests.books import post
from villagebooks.ledger.tests.invariants.support import close_year, new_ledger, reverse

BOOKS = """
    2025-03-01 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-03-05 道路硬化工程款
      借 241 专项应付款   30000.00  fund=县交通局道路补助
      贷 102 银行存款     30000.00
    2025-04-02 借给张三
      借 112 应收款        2000.00  party=张三
      贷 101 库存现金      2000.00
    2025-05-10 村集体经营收入
      借 102 银行存款     12000.00
      贷 501 经营收入     12000.00
    2025-06-10 办公费
      借 513 管理费用       800.00
      贷 102 银行存款       800.00
"""


@pytest.fixture
def books(ledger, accountant, reviewer):
    vouchers = post(ledger, accountant, reviewer, BOOKS)
    reverse(ledger, accountant, reviewer, vouchers[-1], date(2025, 6, 20))
    return ledger


def _only(ledger):
    return V.ledgers_verify(ledger_ids=[ledger.pk])


def _row(ledger, code, period_key, **extra):
    return AccountBalance.objects.filter(ledger=ledger, account__code=code, period_key=period_key, **extra)


def test_books_kept_by_the_services_verify(books):
    assert _only(books) == []
    report = V.ledger_verify(ledger=books)
    assert report.vouchers == 6 and report.lines == 12
    assert report.balance_rows == AccountBalance.objects.filter(ledger=books).count() > 0


def test_the_command_prints_one_line_of_chinese_when_all_agree(books):
    out = io.StringIO()
    call_command("verify", stdout=out)
    text = out.getvalue()
    assert text.count("\n") == 1
    assert text.startswith("校验通过：1 个账套，")
    assert "6 张已记账凭证（12 条分录）" in text and "用时" in text


def test_a_changed_movement_is_named_with_ledger_account_period_and_both_figures(books):
    _row(books, "102", 202503).update(debit_fen=F("debit_fen") + 1)
    assert _only(books) == [V.Discrepancy("HT01", "102", 202503, V.DEBIT, 5_000_000, 5_000_001)]
    with pytest.raises(CommandError) as error:
        call_command("verify", ledger="HT01")
    message = str(error.value)
    assert "发现 1 处不符" in message
    assert "账套 HT01 科目 102 期间 2025-03：借方发生额：应为 50,000.00，实为 50,000.01" in message


def test_a_lost_row_and_a_stray_row_are_both_reported(books):
    _row(books, "501", 202505).delete()
    AccountBalance.objects.create(
        ledger=books,
        account=books.accounts.get(code="101"),
        year=2025,
        month=7,
        period_key=202507,
        debit_fen=5,
    )
    found = {(d.account_code, d.period_key, d.what, d.expected_fen, d.stored_fen) for d in _only(books)}
    assert found == {("501", 202505, V.CREDIT, 1_200_000, 0), ("101", 202507, V.DEBIT, 0, 5)}


def test_a_dimension_row_is_checked_on_its_own(books):
    # Moving an amount between two funds keeps the account's total: only a per-dimension check sees it.
    row = _row(books, "241", 202503).get()
    AccountBalance.objects.filter(pk=row.pk).update(fund_key=0)
    found = _only(books)
    assert [(d.what, d.expected_fen, d.stored_fen) for d in found] == [
        (V.DEBIT, 0, 3_000_000),
        (V.CREDIT, 0, 5_000_000),
        (V.DEBIT + "（资金来源：县交通局道路补助）", 3_000_000, 0),
        (V.CREDIT + "（资金来源：县交通局道路补助）", 5_000_000, 0),
    ]


def test_the_opening_rows_must_equal_the_opening_balances(books):
    _row(books, "301", 202500).update(credit_fen=1)
    assert _only(books) == [V.Discrepancy("HT01", "301", 202500, V.OPENING_CREDIT, 8_000_000, 1)]
    with pytest.raises(CommandError, match="科目 301 期间 2025年初：期初贷方"):
        call_command("verify")


def test_after_a_year_close_the_carried_opening_is_checked_too(books, accountant, reviewer):
    # The loan to 张三 was paid from 库存现金: cash drawn first, or the month close refuses it.
    post(
        books,
        accountant,
        reviewer,
        """
        2025-04-01 提取备用金
          借 101 库存现金      2000.00
          贷 102 银行存款      2000.00
        """,
    )
    close_year(books, accountant, 2025, appropriations={"提取公积公益金": 100_000}, reviewer=reviewer)
    assert _only(books) == []
    carried = _row(books, "102", 202600).get()
    assert carried.debit_fen == 8_000_000 + 5_000_000 - 3_000_000 + 1_200_000 - 200_000
    _row(books, "102", 202600).update(debit_fen=F("debit_fen") - 100)
    # The closing entries are their own rows (is_closing) and are checked as such.
    _row(books, "321", 202512, is_closing=True).update(credit_fen=F("credit_fen") + 7)
    # Nothing is carried into a year that is not closed yet.
    AccountBalance.objects.create(
        ledger=books,
        account=books.accounts.get(code="101"),
        year=2027,
        month=0,
        period_key=202700,
        debit_fen=9,
    )
    found = {(d.account_code, d.period_key, d.what, d.expected_fen - d.stored_fen) for d in _only(books)}
    assert found == {
        ("102", 202600, V.OPENING_DEBIT, 100),
        ("321", 202512, V.CREDIT + "（结转凭证）", -7),
        ("101", 202700, V.OPENING_DEBIT, -9),
    }


def _corrupted_draft(ledger, accountant, change):
    """A draft voucher changed behind the services' back (drafts are not protected), then posted."""
    voucher = services.voucher_create(
        actor=accountant,
        ledger=ledger,
        date=date(2025, 2, 3),
        lines=[
            LineInput(summary="购买水泥", account_code="121", debit_fen=10_000),
            LineInput(summary="购买水泥", account_code="102", credit_fen=10_000),
        ],
        submit=True,
    )
    change(voucher)
    return voucher


def test_a_posted_voucher_that_does_not_balance_is_reported(ledger, accountant, reviewer):
    voucher = _corrupted_draft(
        ledger, accountant, lambda v: v.lines.filter(line_no=1).update(debit_fen=15_000)
    )
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    found = _only(ledger)
    assert found == [
        V.Discrepancy("HT01", "", 202502, V.UNBALANCED.format(number=1), 15_000, 10_000, "voucher"),
        V.Discrepancy("HT01", "", 202502, V.VOUCHER_AMOUNT.format(number=1), 15_000, 10_000, "voucher"),
    ]
    assert str(found[0]) == (
        f"账套 HT01 期间 2025-02：记-1 借贷不平衡（借方合计 / 贷方合计）：应为 {format_fen(15_000)}，"
        f"实为 {format_fen(10_000)}"
    )


def test_a_gap_in_the_numbers_is_reported(books, accountant, reviewer):
    Period.objects.filter(ledger=books, year=2025, month=4).update(last_number=F("last_number") + 1)
    post(
        books,
        accountant,
        reviewer,
        """
        2025-04-20 还款
          借 101 库存现金      500.00
          贷 112 应收款        500.00  party=张三
    """,
    )
    found = _only(books)
    assert [(d.period_key, d.what, d.expected_fen, d.stored_fen, d.check) for d in found] == [
        (202504, V.NUMBER_GAP, 2, 3, "numbering"),
        (202504, V.NUMBER_COUNTER, 2, 3, "numbering"),
    ]
    assert str(found[0]) == "账套 HT01 期间 2025-04：凭证号不连续（已记账张数 / 最大凭证号）：应为 2，实为 3"


def test_the_ledger_option_checks_one_ledger_and_refuses_an_unknown_one(books, accountant):
    other = new_ledger(accountant)
    _row(other, "102", 202500).update(debit_fen=1)
    out = io.StringIO()
    call_command("verify", ledger="HT01", stdout=out)
    assert out.getvalue().startswith("校验通过：1 个账套")
    with pytest.raises(CommandError, match=f"账套 {other.code} 科目 102"):
        call_command("verify")
    assert [d.ledger_code for d in V.ledgers_verify()] == [other.code]
    with pytest.raises(CommandError, match="账套 NOPE 不存在"):
        call_command("verify", ledger="NOPE")


def test_a_posted_voucher_with_one_line_is_reported(ledger, accountant, reviewer):
    voucher = _corrupted_draft(ledger, accountant, lambda v: v.lines.filter(line_no=2).delete())
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    found = [(d.what, d.expected_fen, d.stored_fen, d.check) for d in _only(ledger)]
    assert found == [
        (V.TOO_FEW_LINES.format(number=1), 2, 1, "lines"),
        (V.UNBALANCED.format(number=1), 10_000, 0, "voucher"),
    ]


def test_a_line_on_another_ledgers_account_is_reported(ledger, accountant, reviewer):
    other = new_ledger(accountant)
    foreign = other.accounts.get(code="121")
    voucher = _corrupted_draft(
        ledger, accountant, lambda v: v.lines.filter(line_no=1).update(account=foreign)
    )
    services.voucher_review(actor=reviewer, voucher=voucher)
    if connection.vendor == "postgresql":
        # There the balance row's key (account, ledger) refuses the posting itself (migration
        # 0024): such a voucher cannot be posted, so verify has nothing to find.
        with pytest.raises(IntegrityError, match="balance_account_in_ledger"), transaction.atomic():
            services.voucher_post(actor=accountant, voucher=voucher)
            with connection.cursor() as cursor:  # the deferred keys, checked as at commit
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        voucher.refresh_from_db()
        assert voucher.status == VoucherStatus.REVIEWED
        assert _only(ledger) == []
        return
    services.voucher_post(actor=accountant, voucher=voucher)
    assert _only(ledger) == [
        V.Discrepancy("HT01", f"#{foreign.pk}", 202502, V.FOREIGN_ACCOUNT, 10_000, 10_000),
    ]


def test_a_voucher_not_posted_in_a_closed_month_is_named(books, accountant, reviewer):
    # As the review found them: vouchers that a race left in a month closed meanwhile.
    lines = [LineInput("收款", "102", debit_fen=100), LineInput("收款", "501", credit_fen=100)]
    submitted = services.voucher_create(
        actor=accountant, ledger=books, date=date(2025, 3, 20), lines=lines, submit=True
    )
    reviewed = services.voucher_review(
        actor=reviewer,
        voucher=services.voucher_create(
            actor=accountant, ledger=books, date=date(2025, 3, 21), lines=lines, submit=True
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_period SET status = 'closed' WHERE ledger_id = %s AND year = 2025 AND month = 3",
            [books.pk],
        )

    found = _only(books)

    vouchers = f"ID {submitted.pk}（待审核）、ID {reviewed.pk}（已审核）"
    assert found == [
        V.Discrepancy("HT01", "", 202503, V.UNPOSTED_IN_CLOSED.format(vouchers=vouchers), 0, 2, "closed")
    ]
    assert str(found[0]) == (
        f"账套 HT01 期间 2025-03：期间已结账，但有未记账凭证 {vouchers}（未记账张数）：应为 0，实为 2"
    )
    # Nor do they move on there: reopening the month is the way.
    with pytest.raises(services.DomainError, match="已结账"):
        services.voucher_post(actor=accountant, voucher=reviewed)
    with pytest.raises(services.DomainError, match="已结账"):
        services.voucher_review(actor=reviewer, voucher=submitted)
