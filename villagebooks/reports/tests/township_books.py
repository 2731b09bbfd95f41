"""The half year that the dimension, breakdown and comparison tests read, written as text.

黑滩村 (HT01) opens 2025 with 银行存款 80,000.00 against 资本 and in January–June 2025:
receives a road grant and the office grant into 专项应付款 (two funds), pays the road works from
the road grant, lets land, lends to 张三 (who pays part back) and to 李四, pays office costs,
advances 2,000.00 to 张三 and holds 500.00 for 李四 on 内部往来.

  30 June 2025, HT01: 银行存款 153,800.00 · 应收款 3,500.00 (张三 2,000 + 李四 1,500)
  内部往来 net debit 1,500.00 (张三 debit 2,000, 李四 credit 500) · 专项应付款 60,000.00 credit
  (道路补助 30,000 + 运转经费 30,000) · 资本 80,000.00 · 经营收入 20,000.00 · 管理费用 1,200.00

土门村 (TM01, no opening balances) receives 10,000.00 of its own 县交通局道路补助 (same name as
HT01's fund) in March and 5,000.00 of pond rent in April.
"""

from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post

HEITAN_2025 = """
    2025-02-10 收到县交通局道路补助
      借 102 银行存款     50000.00  fund=县交通局道路补助
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-03-05 收到村级组织运转经费
      借 102 银行存款     30000.00
      贷 241 专项应付款   30000.00  fund=村级组织运转经费
    2025-04-08 支付道路工程款
      借 241 专项应付款   20000.00  fund=县交通局道路补助
      贷 102 银行存款     20000.00  fund=县交通局道路补助
    2025-05-15 收到土地租金
      借 102 银行存款     20000.00
      贷 501 经营收入     20000.00
    2025-05-20 张三借款
      借 112 应收款        3000.00  party=张三
      贷 102 银行存款      3000.00
    2025-06-01 李四借款
      借 112 应收款        1500.00  party=李四
      贷 102 银行存款      1500.00
    2025-06-10 购买办公用品
      借 513 管理费用      1200.00
      贷 102 银行存款      1200.00
    2025-06-15 张三还款
      借 102 银行存款      1000.00
      贷 112 应收款        1000.00  party=张三
    2025-06-20 代张三垫付
      借 113 内部往来      2000.00  party=张三
      贷 102 银行存款      2000.00
    2025-06-21 收到李四暂存款
      借 102 银行存款       500.00
      贷 113 内部往来       500.00  party=李四
"""

TUMEN_2025 = """
    2025-03-01 收到县交通局道路补助
      借 102 银行存款     10000.00
      贷 241 专项应付款   10000.00  fund=县交通局道路补助
    2025-04-01 收到鱼塘承包费
      借 102 银行存款      5000.00
      贷 501 经营收入      5000.00
"""


def write_heitan(ledger, accountant, reviewer) -> None:
    services.counterparty_create(actor=accountant, ledger=ledger, name="李四", kind="person")
    post(ledger, accountant, reviewer, HEITAN_2025)


def write_tumen(other_ledger, accountant, reviewer) -> None:
    services.fund_create(
        actor=accountant, ledger=other_ledger, name="县交通局道路补助", kind="earmarked_transfer"
    )
    post(other_ledger, accountant, reviewer, TUMEN_2025)
