"""The month-close checklist's advice on voucher numbers: how many of the month's posted vouchers
are not numbered in date order; it reads as done after 整理凭证号, and never refuses a close."""

from __future__ import annotations

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.closing_checks import period_close_blockers, period_number_order
from villagebooks.ledger.models import Period, PeriodStatus
from villagebooks.ledger.tests.books import post

pytestmark = pytest.mark.django_db

# Posted in this order: the 20th gets 记-1, the 5th 记-2, the 12th 记-3; the 25th 记-4 (in place).
BOOKS = """
    2025-01-20 办公费
      借 513 管理费用       800.00
      贷 102 银行存款       800.00
    2025-01-05 收到村集体收入
      借 102 银行存款      5000.00
      贷 501 经营收入      5000.00
    2025-01-12 办公费
      借 513 管理费用       300.00
      贷 102 银行存款       300.00
    2025-01-25 办公费
      借 513 管理费用       100.00
      贷 102 银行存款       100.00
"""


@pytest.fixture
def books(ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, BOOKS)
    return ledger


def test_the_vouchers_out_of_date_order_are_counted(books):
    order = period_number_order(ledger=books, year=2025, month=1)
    assert (order.posted, order.out_of_order, order.in_order) == (4, 3, False)
    assert order.period_text == "2025-01"


def test_after_renumbering_the_month_reads_as_in_order(books, accountant):
    services.vouchers_renumber(actor=accountant, ledger=books, year=2025, month=1)
    order = period_number_order(ledger=books, year=2025, month=1)
    assert (order.posted, order.out_of_order, order.in_order) == (4, 0, True)


def test_a_month_without_vouchers_or_periods_is_in_order(books):
    assert period_number_order(ledger=books, year=2025, month=2).in_order
    order = period_number_order(ledger=books, year=2026, month=3)  # a year without periods yet
    assert (order.posted, order.out_of_order) == (0, 0)


def test_numbers_out_of_date_order_never_block_the_close(books, accountant):
    assert period_close_blockers(ledger=books, year=2025, month=1) == []
    services.period_close(actor=accountant, ledger=books, year=2025, month=1)
    assert Period.objects.get(ledger=books, year=2025, month=1).status == PeriodStatus.CLOSED
    # Still out of order once closed: the advice reports the fact, 整理凭证号 is refused now.
    assert period_number_order(ledger=books, year=2025, month=1).out_of_order == 3
