"""Books the page tests read: three months of a road project on 黑滩村's ledger (HT01).

The figures every page test pins follow from these vouchers: 80,000.00 in the bank at the
start, a 50,000.00 road subsidy received in January (记-1 of January), 30,000.00 paid for the
road in February (记-1 of February), 1,234.56 of office supplies on sub-account 51301 in March
(记-1 of March).
"""

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post

ROAD_PROJECT = """
    2025-01-10 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-02-15 道路硬化工程款
      借 241 专项应付款   30000.00  fund=县交通局道路补助
      贷 102 银行存款     30000.00
    2025-03-20 购买办公用品
      借 51301 办公费      1234.56
      贷 102 银行存款      1234.56
"""


@pytest.fixture
def books(ledger, accountant, reviewer):
    """Three months of a road project paid from an earmarked fund, and office costs on a sub-account."""
    services.account_add(actor=accountant, ledger=ledger, parent_code="513", code="51301", name="办公费")
    post(ledger, accountant, reviewer, ROAD_PROJECT)
    return ledger


@pytest.fixture
def media(settings, tmp_path):
    """Attachments stored under a temporary folder, never under var/."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
