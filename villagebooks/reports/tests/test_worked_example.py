"""A village's year written as text, closed, and every figure of its reports worked out by hand.

Opening: 银行存款 80,000.00 against 资本. During 2025 the village receives a road grant into 专项应付款,
builds the road through 在建工程 and turns it into a fixed asset, receives 村级组织运转经费 as 补助收入,
pays office costs and street-light electricity, lets land and earns bank interest. At year end it
appropriates 5,000.00 to 公积公益金.
"""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.models import AccountBalance, VoucherKind
from villagebooks.ledger.tests.books import post, year_close_through
from villagebooks.reports.fund_summary import build_fund_summary
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.trial_balance import build_trial_balance

YEAR_2025 = """
    2025-03-01 收到县交通局道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-03-05 支付道路硬化工程款
      借 153 在建工程     50000.00
      贷 102 银行存款     50000.00
    2025-03-20 收到村级组织运转经费
      借 102 银行存款     30000.00
      贷 503 补助收入     30000.00  fund=村级组织运转经费
    2025-04-10 购买办公用品
      借 513 管理费用      1200.00
      贷 102 银行存款      1200.00
    2025-05-15 收到土地租金
      借 102 银行存款     20000.00
      贷 501 经营收入     20000.00
    2025-06-30 支付路灯电费
      借 514 公益支出      3000.00  fund=村级组织运转经费
      贷 102 银行存款      3000.00
    2025-09-30 道路工程竣工验收转为固定资产
      借 151 固定资产     50000.00
      贷 153 在建工程     50000.00
      借 241 专项应付款   50000.00  fund=县交通局道路补助
      贷 311 公积公益金   50000.00
    2025-12-21 银行存款利息
      借 102 银行存款       100.50
      贷 504 其他收入       100.50
"""


def _rows(report):
    return {row.code: row for row in report.rows}


@pytest.fixture
def books(ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, YEAR_2025)
    return ledger


def _close_year(ledger, user, appropriations=None):
    for month in range(1, 12):
        services.period_close(actor=user, ledger=ledger, year=2025, month=month)
    return year_close_through(
        ledger, user, _a_reviewer() if appropriations else None, 2025, appropriations or {}
    )


def _a_reviewer():
    """The ``reviewer`` fixture's user: the distribution vouchers need a reviewer who is not the closer."""
    return get_user_model().objects.get(username="reviewer")


def test_trial_balance_of_one_quarter(books, accountant):
    report = build_trial_balance(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202504, to_key=202506)
    )
    bank = _rows(report)["102"]
    assert bank.opening_debit_fen == 11_000_000
    assert (bank.debit_fen, bank.credit_fen) == (2_000_000, 420_000)
    assert bank.closing_debit_fen == 12_580_000
    assert report.is_balanced


def test_year_close_posts_the_closing_vouchers_in_order(books, accountant):
    result = _close_year(books, accountant, {"提取公积公益金": 500_000})
    summaries = [v.note for v in result.vouchers]
    assert summaries == [
        "结转本年收益",
        "结转本年收益至未分配收益",
        "2025年度收益分配：提取公积公益金",
        "结转各项分配至未分配收益",
    ]
    assert [v.number for v in result.vouchers] == [2, 3, 4, 5]  # the interest voucher was 记-1 of December
    assert [v.kind for v in result.vouchers] == [
        VoucherKind.CLOSING,
        VoucherKind.CLOSING,
        VoucherKind.DISTRIBUTION,
        VoucherKind.CLOSING,
    ]
    # The closing vouchers are the system's: nobody reviewed them, and none names a reviewer. The
    # distribution was reviewed by the reviewer, not by the closer who prepared it.
    assert [(v.prepared_by.username, v.reviewed_by and v.reviewed_by.username) for v in result.vouchers] == [
        ("accountant", None),
        ("accountant", None),
        ("accountant", "reviewer"),
        ("accountant", None),
    ]
    first = {(line.account.code, line.debit_fen, line.credit_fen) for line in result.vouchers[0].lines.all()}
    assert first == {
        ("501", 2_000_000, 0),
        ("503", 3_000_000, 0),
        ("504", 10_050, 0),
        ("321", 0, 5_010_050),
        ("513", 0, 120_000),
        ("514", 0, 300_000),
        ("321", 420_000, 0),
    }


def test_every_line_of_the_year_trial_balance_after_close(books, accountant):
    _close_year(books, accountant, {"提取公积公益金": 500_000})
    report = build_trial_balance(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202512)
    )
    figures = {r.code: r.amounts() for r in report.rows}
    assert figures == {
        "102": [8_000_000, 0, 10_010_050, 5_420_000, 12_590_050, 0],
        "151": [0, 0, 5_000_000, 0, 5_000_000, 0],
        "153": [0, 0, 5_000_000, 5_000_000, 0, 0],
        "241": [0, 0, 5_000_000, 5_000_000, 0, 0],
        "301": [0, 8_000_000, 0, 0, 0, 8_000_000],
        "311": [0, 0, 0, 5_500_000, 0, 5_500_000],
        "321": [0, 0, 5_010_050, 5_010_050, 0, 0],
        "322": [0, 0, 1_000_000, 5_090_050, 0, 4_090_050],
        "32201": [0, 0, 500_000, 4_590_050, 0, 4_090_050],
        "32202": [0, 0, 500_000, 500_000, 0, 0],
        "3220201": [0, 0, 500_000, 500_000, 0, 0],  # the year close's sub-account for the kind
        "501": [0, 0, 2_000_000, 2_000_000, 0, 0],
        "503": [0, 0, 3_000_000, 3_000_000, 0, 0],
        "504": [0, 0, 10_050, 10_050, 0, 0],
        "513": [0, 0, 120_000, 120_000, 0, 0],
        "514": [0, 0, 300_000, 300_000, 0, 0],
    }
    assert report.total.amounts() == [8_000_000, 8_000_000] + [36_450_150] * 2 + [17_590_050] * 2
    assert report.is_balanced


def test_next_year_opens_with_the_carried_balances(books, accountant):
    _close_year(books, accountant, {"提取公积公益金": 500_000})
    report = build_trial_balance(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202601, to_key=202601)
    )
    opening = {r.code: (r.opening_debit_fen, r.opening_credit_fen) for r in report.rows}
    assert opening == {
        "102": (12_590_050, 0),
        "151": (5_000_000, 0),
        "301": (0, 8_000_000),
        "311": (0, 5_500_000),
        "322": (0, 4_090_050),
        "32201": (0, 4_090_050),
    }
    books.refresh_from_db()
    assert books.carried_year == 2026
    assert AccountBalance.objects.filter(ledger=books, period_key=202600).count() == 5


def test_a_loss_goes_to_the_debit_of_undistributed_income(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-02-01 支付会议费
          借 513 管理费用   700.00
          贷 102 银行存款   700.00
    """,
    )
    _close_year(ledger, accountant)
    report = build_trial_balance(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202512, to_key=202512)
    )
    assert _rows(report)["32201"].closing_debit_fen == 70_000


def test_fund_summary_of_the_year(books, accountant):
    _close_year(books, accountant)
    summary = build_fund_summary(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202512)
    )
    rows = {r.name: (r.opening_fen, r.received_fen, r.spent_fen, r.balance_fen) for r in summary.rows}
    assert rows == {
        "县交通局道路补助": (0, 5_000_000, 5_000_000, 0),
        "村级组织运转经费": (0, 3_000_000, 300_000, 2_700_000),
    }
    later = build_fund_summary(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202507, to_key=202512)
    )
    rows = {r.name: (r.opening_fen, r.received_fen, r.spent_fen, r.balance_fen) for r in later.rows}
    assert rows["村级组织运转经费"] == (2_700_000, 0, 0, 2_700_000)
    assert rows["县交通局道路补助"] == (5_000_000, 0, 5_000_000, 0)


def test_region_reports_add_up_the_villages_of_a_township(books, accountant, reviewer, other_ledger):
    other = other_ledger
    services.fund_create(
        actor=accountant, ledger=other, name="道路补助", kind="earmarked_transfer", amount_fen=9_000_000
    )
    post(
        other,
        accountant,
        reviewer,
        """
        2025-06-01 收到道路补助
          借 102 银行存款    7000.00
          贷 241 专项应付款  7000.00  fund=道路补助
    """,
    )
    scope = scope_for_region(user=accountant, region_code="510781100000", from_key=202501, to_key=202512)
    report = build_trial_balance(scope)
    assert _rows(report)["102"].closing_debit_fen == 8_000_000 + 10_010_050 - 5_420_000 + 700_000
    assert _rows(report)["241"].closing_credit_fen == 700_000
    assert report.is_balanced
    funds = {r.name: r for r in build_fund_summary(scope).rows}
    assert funds["上级专项资金"].received_fen == 5_700_000
    assert funds["上级专项资金"].allocated_fen == 9_000_000
    assert funds["村办公经费"].balance_fen == 2_700_000


def test_a_region_report_shows_only_ledgers_in_the_users_scope(books, make_user, region_tree):
    from villagebooks.common.errors import NotPermitted

    other_township = make_user("wudu", "supervisor", region_tree["510781101000"])
    with pytest.raises(NotPermitted):
        scope_for_region(user=other_township, region_code="510781100000", from_key=202501, to_key=202512)
    with pytest.raises(NotPermitted):
        scope_for_ledger(user=other_township, ledger_code="HT01", from_key=202501, to_key=202512)


def test_month_close_and_reopen_rules(books, accountant, manager):
    with pytest.raises(DomainError, match="请先结账之前的期间 2025-01"):
        services.period_close(actor=accountant, ledger=books, year=2025, month=2)
    services.period_close(actor=accountant, ledger=books, year=2025, month=1)
    services.period_close(actor=accountant, ledger=books, year=2025, month=2)
    from villagebooks.common.errors import NotPermitted

    with pytest.raises(NotPermitted):  # accountants close; only managers reopen
        services.period_reopen(actor=accountant, ledger=books, year=2025, month=2, reason="补录")
    with pytest.raises(DomainError, match="请先反结账之后的期间 2025-02"):
        services.period_reopen(actor=manager, ledger=books, year=2025, month=1, reason="补录")
    services.period_reopen(actor=manager, ledger=books, year=2025, month=2, reason="补录发票")
    from villagebooks.common.models import AuditEntry

    entry = AuditEntry.objects.get(action="period_reopen")
    assert (entry.actor, entry.detail["reason"]) == (manager, "补录发票")


def test_month_close_is_refused_while_a_voucher_is_unposted(books, accountant):
    from villagebooks.ledger.domain.vouchers import LineInput

    services.voucher_create(
        actor=accountant,
        ledger=books,
        date=date(2025, 1, 20),
        lines=[LineInput("草稿", "513", debit_fen=100), LineInput("草稿", "101", credit_fen=100)],
    )
    with pytest.raises(DomainError, match="期间 2025-01 还有 1 张未记账凭证"):
        services.period_close(actor=accountant, ledger=books, year=2025, month=1)


def test_year_close_needs_the_earlier_months_closed_and_goes_year_by_year(books, accountant):
    with pytest.raises(DomainError, match="请先结账之前的期间 2025-01"):
        services.year_close(actor=accountant, ledger=books, year=2025)
    with pytest.raises(DomainError, match="请先年结 2025"):
        services.year_close(actor=accountant, ledger=books, year=2026)
    _close_year(books, accountant)
    with pytest.raises(DomainError, match="2025 年度已经年结"):
        services.year_close(actor=accountant, ledger=books, year=2025)
    from villagebooks.ledger.domain.vouchers import LineInput

    with pytest.raises(DomainError, match="2025 年度已年结"):
        services.voucher_create(
            actor=accountant,
            ledger=books,
            date=date(2025, 12, 31),
            lines=[LineInput("x", "513", debit_fen=100), LineInput("x", "101", credit_fen=100)],
        )


def test_a_region_report_adds_ledgers_whose_years_are_closed_and_ones_still_open(
    books, accountant, reviewer, other_ledger
):
    other = other_ledger
    post(
        other,
        accountant,
        reviewer,
        """
        2025-06-01 收到土地租金
          借 102 银行存款    7000.00
          贷 501 经营收入    7000.00
        2026-01-05 收到土地租金
          借 102 银行存款    1000.00
          贷 501 经营收入    1000.00
        """,
    )
    _close_year(books, accountant)  # HT01 carries into 2026; TM01 is still in 2025
    scope = scope_for_region(user=accountant, region_code="510781100000", from_key=202601, to_key=202601)
    rows = _rows(build_trial_balance(scope))
    assert rows["102"].opening_debit_fen == 12_590_050 + 700_000
    assert rows["102"].debit_fen == 100_000
    # TM01's 2025 income is not closed yet, so it still opens 2026 on 501.
    assert rows["501"].opening_credit_fen == 700_000
