"""A village's books for the disclosure tests: income and spending over the first quarter of 2025,
one big payment, the months closed."""

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post

BOOKS = """
    2025-01-10 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-01-20 收到集体资产出租收入
      借 102 银行存款      3000.00
      贷 501 经营收入      3000.00
    2025-02-15 支付村道维修款 身份证510781196503120033
      借 513 管理费用      8000.00
      贷 102 银行存款      8000.00
    2025-03-20 购买办公用品
      借 513 管理费用       234.56
      贷 102 银行存款       234.56
"""


@pytest.fixture(autouse=True)
def fresh_cache():
    """The check and the look-up limits live in Django's cache: none carried from another test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def books(ledger, accountant, reviewer):
    vouchers = post(ledger, accountant, reviewer, BOOKS)
    for month in (1, 2, 3):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    return vouchers
