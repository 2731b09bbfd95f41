"""Banking's fixtures: 黑滩村's books for January (a subsidy in, a contractor and office supplies
paid out, the last cheque clearing in February), the bank's January and February statements as
files, and a helper that writes a statement file.

January, at its end: the books say 98,765.44; the bank says 100,032.70, because the bank has
booked interest (45.20) and a fee (12.50) the books do not have yet, and has not yet paid the
office-supplies cheque of 1,234.56. Both sides adjust to 98,798.14.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from villagebooks.api.tests.conftest import acc, api_as, rev  # noqa: F401 (the API's callers)
from villagebooks.banking import services
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.tests.books import post

HEITAN, TUMEN = "510781100201", "510781100202"
WUDU = "510781101000"

JANUARY_BOOKS = """
    2025-01-10 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-01-25 道路硬化工程款
      借 241 专项应付款   30000.00  fund=县交通局道路补助
      贷 102 银行存款     30000.00
    2025-01-30 购买办公用品
      借 51301 办公费      1234.56
      贷 102 银行存款      1234.56
"""
HEADER = ["date", "summary", "income", "expense", "balance", "counterpart", "serial"]
CHINESE_HEADER = ["交易日期", "摘要", "收入金额", "支出金额", "余额", "对方户名", "流水号"]
JANUARY = [
    ["2025-01-11", "道路补助", "50000.00", "", "130000.00", "江油市交通运输局", "B001"],
    ["2025-01-25", "工程款", "", "30000.00", "100000.00", "江油市路桥公司", "B002"],
    ["2025-01-31", "账户管理费", "", "12.50", "99987.50", "", "B003"],
    ["2025-01-31", "结息", "45.20", "", "100032.70", "", "B004"],
]
FEBRUARY = [["2025-02-02", "转账支票", "", "1234.56", "98798.14", "江油市文具店", "B005"]]


def write_csv(path, rows, *, header=HEADER, encoding="utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path, rows, *, header=CHINESE_HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def books(ledger, accountant, reviewer):
    ledger_services.account_add(
        actor=accountant, ledger=ledger, parent_code="513", code="51301", name="办公费"
    )
    post(ledger, accountant, reviewer, JANUARY_BOOKS)
    return ledger


@pytest.fixture
def statement(tmp_path):
    """``statement(rows, name=…, **options)``: a statement file in tmp_path."""

    def make(rows, name="statement.csv", **options):
        path = tmp_path / name
        if name.endswith(".xlsx"):
            return write_xlsx(path, rows, **options)
        return write_csv(path, rows, **options)

    return make


@pytest.fixture
def imported(books, accountant, statement):
    """January's statement imported for 102 (and matched automatically)."""
    return services.bank_statement_import(
        actor=accountant, ledger=books, account_code="102", path=statement(JANUARY)
    )


@pytest.fixture
def outsider(make_user, region_tree):
    """An accountant of 武都镇: none of 新安镇's ledgers are theirs."""
    return make_user("wudu", "accountant", region_tree[WUDU])
