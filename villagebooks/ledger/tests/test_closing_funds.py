"""The month close and money that goes below zero (issue 12): 库存现金 or a bank account below
zero stops the close; a fund spent beyond what it received, or a fund's 专项应付款 below zero,
passes with a warning that the checklist shows and the close records."""

from __future__ import annotations

import pytest

from villagebooks.common.errors import DomainError
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services
from villagebooks.ledger.closing_checks import (
    BlockerKind,
    WarningKind,
    period_close_blockers,
    period_close_warnings,
)
from villagebooks.ledger.models import Period, PeriodStatus
from villagebooks.ledger.tests.books import post


def test_cash_below_zero_at_the_month_end_stops_the_close(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 支付会议费
          借 513 管理费用   700.00
          贷 101 库存现金   700.00
        """,
    )
    blockers = period_close_blockers(ledger=ledger, year=2025, month=1)
    assert [b.kind for b in blockers] == [BlockerKind.CASH_NEGATIVE]
    assert blockers[0].message == "期间 2025-01 末库存现金或银行存款为负数：101 库存现金 -700.00 元"
    with pytest.raises(DomainError, match="库存现金或银行存款为负数"):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    assert Period.objects.get(ledger=ledger, year=2025, month=1).status == PeriodStatus.OPEN
    # Drawn from the bank the same month, the month closes.
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-05 提取现金
          借 101 库存现金  1000.00
          贷 102 银行存款  1000.00
        """,
    )
    assert period_close_blockers(ledger=ledger, year=2025, month=1) == []
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)


def test_a_bank_account_overdrawn_within_the_month_but_not_at_its_end_closes(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-03 支付工程款
          借 153 在建工程   90000.00
          贷 102 银行存款   90000.00
        2025-01-20 收到借款
          借 102 银行存款   20000.00
          贷 201 短期借款   20000.00
        """,
    )
    assert period_close_blockers(ledger=ledger, year=2025, month=1) == []


def test_a_fund_or_its_special_payable_below_zero_warns_and_the_close_passes(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 收到道路补助
          借 102 银行存款     10000.00
          贷 241 专项应付款   10000.00  fund=县交通局道路补助
        2025-01-20 支付道路工程款
          借 241 专项应付款   12000.00  fund=县交通局道路补助
          贷 102 银行存款     12000.00
        2025-01-25 支付路灯电费
          借 514 公益支出       300.00  fund=村级组织运转经费
          贷 102 银行存款       300.00
        """,
    )
    warnings = period_close_warnings(ledger=ledger, year=2025, month=1)
    assert [(w.kind, w.fund, w.amount_fen) for w in warnings] == [
        (WarningKind.FUND_NEGATIVE, "县交通局道路补助", -200_000),
        (WarningKind.HELD_NEGATIVE, "县交通局道路补助", -200_000),
        (WarningKind.FUND_NEGATIVE, "村级组织运转经费", -30_000),
    ]
    assert (
        warnings[1].message
        == "期间 2025-01 末 241 专项应付款 中资金 县交通局道路补助 的余额为负数（-2,000.00 元）"
    )
    assert period_close_blockers(ledger=ledger, year=2025, month=1) == []
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    entry = AuditEntry.objects.filter(action="period_close", ledger_id=ledger.pk).latest("id")
    assert [str(w.message) for w in warnings] == entry.detail["warnings"]


def test_a_fund_within_its_money_gives_no_warning(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 收到道路补助
          借 102 银行存款     10000.00
          贷 241 专项应付款   10000.00  fund=县交通局道路补助
        2025-01-20 支付道路工程款
          借 241 专项应付款   10000.00  fund=县交通局道路补助
          贷 102 银行存款     10000.00
        """,
    )
    assert period_close_warnings(ledger=ledger, year=2025, month=1) == []
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    entry = AuditEntry.objects.filter(action="period_close", ledger_id=ledger.pk).latest("id")
    assert "warnings" not in entry.detail


def test_the_year_close_records_decembers_warnings(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-12-10 支付路灯电费
          借 514 公益支出       300.00  fund=村级组织运转经费
          贷 102 银行存款       300.00
        """,
    )
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    services.year_close(actor=accountant, ledger=ledger, year=2025)
    entry = AuditEntry.objects.filter(action="year_close", ledger_id=ledger.pk).latest("id")
    assert entry.detail["warnings"] == [
        "期间 2025-12 末资金 村级组织运转经费 的结余为负数（-300.00 元）：支出超过了收到的资金"
    ]
