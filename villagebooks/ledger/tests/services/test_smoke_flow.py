from villagebooks.ledger.tests.books import balance, post


def test_paying_road_works_from_earmarked_fund(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-01 收到道路补助
          借 102 银行存款     50000.00
          贷 241 专项应付款   50000.00  fund=县交通局道路补助
        2025-03-05 道路硬化工程款
          借 241 专项应付款   50000.00  fund=县交通局道路补助
          贷 102 银行存款     50000.00
    """,
    )
    assert balance(ledger, "102") == 8_000_000
    assert balance(ledger, "241") == 0
