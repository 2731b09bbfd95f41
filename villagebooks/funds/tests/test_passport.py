"""The fund passport: 下达 = 已支出 + 已承诺 + 结余 + 已退回 on every row, at every date, and each
figure made of the voucher lines it drills down to."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villagebooks.funds import passport, services
from villagebooks.funds.models import Allocation
from villagebooks.funds.tests.support import (
    ALLOCATION_HEADER,
    advance_to,
    import_allocations,
)
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.models import CounterpartyKind, Fund
from villagebooks.ledger.tests.books import post

FUND = "县交通局道路补助"
ISSUER = "江油市交通运输局"  # the road allocation's issuer
RECEIPT = f"""
2025-03-02 收到道路补助
  借 102 银行存款   300000.00
  贷 241 专项应付款 300000.00  fund={FUND}
"""


def _plan(ledger, actor):
    services.milestones_set(
        actor=actor,
        ledger=ledger,
        code="P01",
        milestones=[
            services.MilestoneInput("开工预付 40%", "实施", 8_000_000),
            services.MilestoneInput("基本完工 50%", "验收", 10_000_000),
            services.MilestoneInput("质保金 10%", "评价", 2_000_000, is_deposit=True),
        ],
    )


def test_the_identity_with_spending_commitment_and_return(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    _plan(road, accountant)
    ledger_services.counterparty_create(actor=accountant, ledger=road, name="江油路桥公司")
    ledger_services.counterparty_create(actor=accountant, ledger=road, name=ISSUER)
    post(
        road,
        accountant,
        reviewer,
        RECEIPT
        + f"""
        2025-04-10 道路硬化工程款
          借 153 在建工程   120000.00  fund={FUND} project=P01 party=江油路桥公司
          贷 102 银行存款   120000.00
        2025-12-20 结余资金退回县交通局
          借 241 专项应付款  30000.00  fund={FUND} party=江油市交通运输局
          贷 102 银行存款    30000.00
        """,
    )
    [row] = passport.fund_passport([road.pk], date(2025, 12, 31)).rows
    assert row.allocation == "A-2025-01"
    assert row.allocated_fen == 30_000_000
    assert row.spent_fen == 12_000_000
    # the plan (200,000) less what the project paid from the fund (120,000)
    assert row.committed_fen == 8_000_000
    assert row.returned_fen == 3_000_000
    assert row.balance_fen == 7_000_000
    assert row.allocated_fen == row.spent_fen + row.committed_fen + row.balance_fen + row.returned_fen
    # before the return and the spending: the date counts
    [early] = passport.fund_passport([road.pk], date(2025, 3, 31)).rows
    assert (early.spent_fen, early.returned_fen, early.committed_fen) == (0, 0, 20_000_000)
    assert passport.fund_passport([road.pk], date(2025, 1, 31)).rows == []  # not yet sent
    spent = passport.passport_lines([road.pk], date(2025, 12, 31), figure="spent")
    assert sum(line.amount_fen for line in spent) == row.spent_fen
    assert [line.counterparty for line in spent] == ["江油路桥公司"]
    returned = passport.passport_lines([road.pk], date(2025, 12, 31), figure="returned")
    assert [line.counterparty for line in returned] == [ISSUER]
    assert [(line.account, line.amount_fen) for line in returned] == [("241", 3_000_000)]
    [payee] = passport.passport_payees(spent)
    assert (payee.name, payee.amount_fen, payee.lines) == ("江油路桥公司", 12_000_000, 1)


def test_a_project_passport_and_its_execution(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    _plan(road, accountant)
    post(
        road,
        accountant,
        reviewer,
        RECEIPT
        + f"""
        2025-04-10 道路硬化工程款
          借 153 在建工程   80000.00  fund={FUND} project=P01
          贷 102 银行存款   80000.00
        2025-05-10 村道养护
          借 513 公益支出   10000.00  fund={FUND}
          贷 102 银行存款   10000.00
        """,
    )
    [row] = passport.fund_passport([road.pk], date(2025, 6, 30)).rows
    assert (row.spent_fen, row.committed_fen) == (9_000_000, 12_000_000)
    project_id = road.projects.get(code="P01").pk
    [own] = passport.fund_passport([road.pk], date(2025, 6, 30), project_id=project_id).rows
    assert (own.spent_fen, own.committed_fen) == (8_000_000, 12_000_000)
    [execution] = passport.project_execution([road.pk], date(2025, 6, 30), since=date(2025, 5, 1))
    assert execution.budget_fen == 20_000_000
    assert execution.paid_fen == 8_000_000
    assert execution.period_paid_fen == 0  # paid in April, before the report's months
    assert execution.committed_fen == 12_000_000
    assert execution.balance_fen == 0
    assert execution.rate_bp == 4000  # 40.00 %
    assert execution.due_fen == 0  # 40 % due at 实施, and 80,000 paid
    [late] = passport.overdue_projects([road.pk], date(2025, 11, 1))
    assert late.project == "P01"  # its end 2025-10-31 passed and it is not 验收
    assert passport.overdue_projects([road.pk], date(2025, 10, 31)) == []


def test_spending_goes_to_the_oldest_allocation_first(ledger, accountant, reviewer, manager, tmp_path):
    import_allocations(
        tmp_path,
        accountant,
        f"""{ALLOCATION_HEADER}
A1,HT01,2025-01-10,县财政局,江财〔2025〕1号,衔接资金,财政专项扶贫资金,100000.00,产业,,,warn
A2,HT01,2025-06-10,县财政局,江财〔2025〕9号,衔接资金,财政专项扶贫资金,50000.00,产业,,,warn
""",
    )
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-07-02 收到衔接资金
          借 102 银行存款   150000.00
          贷 241 专项应付款 150000.00  fund=衔接资金
        2025-07-10 产业项目支出
          借 513 公益支出   130000.00  fund=衔接资金
          贷 102 银行存款   130000.00
        """,
    )
    rows = passport.fund_passport([ledger.pk], date(2025, 7, 31)).rows
    assert [(r.allocation, r.spent_fen, r.balance_fen) for r in rows] == [
        ("A1", 10_000_000, 0),
        ("A2", 3_000_000, 2_000_000),
    ]
    [only] = passport.fund_passport([ledger.pk], date(2025, 7, 31), allocation="A2").rows
    assert only.spent_fen == 3_000_000
    # before A2 was sent: A1 carries all, below zero
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-05-01 提前支出
          借 513 公益支出   5000.00  fund=衔接资金
          贷 102 银行存款   5000.00
        """,
    )
    [alone] = passport.fund_passport([ledger.pk], date(2025, 5, 31)).rows
    assert (alone.allocation, alone.balance_fen) == ("A1", 9_500_000)
    months = passport.unspent_allocations([ledger.pk], date(2025, 12, 9), months=6)
    assert [row.allocation for row in months] == []  # A1 used up; A2 arrived under 6 months ago
    months = passport.unspent_allocations([ledger.pk], date(2026, 1, 10), months=6)
    assert [row.allocation for row in months] == ["A2"]


def test_spending_with_no_allocation_shows_on_a_row_of_its_own(ledger, accountant, reviewer):
    ledger_services.fund_create(actor=accountant, ledger=ledger, name="村办公经费", kind="village_office")
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-01 办公用品
          借 521 管理费用   800.00  fund=村办公经费
          贷 101 库存现金   800.00
        """,
    )
    [row] = passport.fund_passport([ledger.pk], date(2025, 3, 31)).rows
    assert (row.allocation, row.allocated_fen, row.spent_fen, row.balance_fen) == ("", 0, 80_000, -80_000)


def test_a_higher_app_may_supply_the_commitments(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    _plan(road, accountant)
    fund = Fund.objects.get(ledger=road, name=FUND)
    project = road.projects.get(code="P01")

    def contracts(ledger_ids, as_of):
        return [passport.Commitment(road.pk, project.pk, fund.pk, 5_000_000)]

    passport.register_commitments(contracts)
    try:
        [row] = passport.fund_passport([road.pk], date(2025, 12, 31)).rows
    finally:
        passport.unregister_commitments(contracts)
    assert row.committed_fen == 5_000_000  # the contract's, not the plan's 200,000
    [row] = passport.fund_passport([road.pk], date(2025, 12, 31)).rows
    assert row.committed_fen == 20_000_000


def test_households_among_the_payees(ledger, accountant, reviewer):
    ledger_services.fund_create(actor=accountant, ledger=ledger, name="民生补助", kind="livelihood_subsidy")
    ledger_services.counterparty_create(
        actor=accountant, ledger=ledger, name="李四家", kind=CounterpartyKind.HOUSEHOLD
    )
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-01 发放到户补助
          借 513 公益支出   1200.00  fund=民生补助 party=李四家
          贷 102 银行存款   1200.00
        """,
    )
    lines = passport.passport_lines([ledger.pk], date(2025, 3, 31), figure="spent")
    [payee] = passport.passport_payees(lines)
    assert (payee.name, payee.kind) == ("李四家", CounterpartyKind.HOUSEHOLD)


# ---------------------------------------------------------------------------------------------
# The property

DB_SETTINGS = settings(
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# (kind, month, yuan): spending on the project's 153, on 513 from the fund alone, a refund of
# spending (a credit to 153), money sent back to the issuer (借 241 贷 102, the issuer named), a
# subsidy paid straight out of 241 (the same entry, no issuer: a direct use), or a receipt.
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["153", "513", "refund", "return", "direct", "receipt"]),
        st.integers(3, 12),
        st.integers(1, 90_000),
    ),
    min_size=1,
    max_size=10,
)


def _voucher(kind: str, month: int, fen: int) -> str:
    yuan = f"{fen // 100}.{fen % 100:02d}"
    day = f"2025-{month:02d}-15"
    if kind == "153":
        return f"{day} 工程款\n 借 153 在建工程 {yuan} fund={FUND} project=P01\n 贷 102 银行存款 {yuan}\n"
    if kind == "513":
        return f"{day} 养护\n 借 513 公益支出 {yuan} fund={FUND}\n 贷 102 银行存款 {yuan}\n"
    if kind == "refund":
        return f"{day} 退回多付工程款\n 借 102 银行存款 {yuan}\n 贷 153 在建工程 {yuan} fund={FUND} project=P01\n"
    if kind == "return":
        return (
            f"{day} 结余退回\n 借 241 专项应付款 {yuan} fund={FUND} party={ISSUER}\n 贷 102 银行存款 {yuan}\n"
        )
    if kind == "direct":
        return f"{day} 发放补助\n 借 241 专项应付款 {yuan} fund={FUND}\n 贷 102 银行存款 {yuan}\n"
    return f"{day} 收到补助\n 借 102 银行存款 {yuan}\n 贷 241 专项应付款 {yuan} fund={FUND}\n"


@DB_SETTINGS
@given(steps=STEPS, as_of_month=st.integers(1, 12), planned=st.integers(0, 3))
def test_the_identity_holds_for_any_vouchers_and_date(
    road, accountant, reviewer, manager, steps, as_of_month, planned
):
    with transaction.atomic():
        Allocation.objects.update(control="warn")
        ledger_services.counterparty_create(actor=accountant, ledger=road, name=ISSUER)
        road_entry = advance_to(road, manager, "P01", "实施")
        type(road_entry).objects.filter(pk=road_entry.pk).update(control="warn")
        road_entry.budget_lines.update(control="warn")
        if planned:
            services.milestones_set(
                actor=accountant,
                ledger=road,
                code="P01",
                milestones=[services.MilestoneInput("进度款", "实施", planned * 5_000_000)],
            )
        post(road, accountant, reviewer, RECEIPT + "".join(_voucher(*step) for step in steps))
        as_of = passport.month_end(202500 + as_of_month)
        spent = sum(
            (fen if kind in ("153", "513", "direct") else -fen)
            for kind, month, fen in steps
            if kind in ("153", "513", "direct", "refund") and month <= as_of_month
        )
        project_paid = sum(
            (fen if kind == "153" else -fen)
            for kind, month, fen in steps
            if kind in ("153", "refund") and month <= as_of_month
        )
        returned = sum(fen for kind, month, fen in steps if kind == "return" and month <= as_of_month)
        result = passport.fund_passport([road.pk], as_of)
        if as_of_month < 2:  # the allocation is dated 2025-02-10
            assert result.rows == []
        else:
            [row] = result.rows
            assert row.allocated_fen == 30_000_000
            assert row.spent_fen == spent
            assert row.returned_fen == returned
            plan = planned * 5_000_000
            assert row.committed_fen == max(0, min(plan, plan - project_paid))
            assert row.allocated_fen == row.spent_fen + row.committed_fen + row.balance_fen + row.returned_fen
            lines = passport.passport_lines([road.pk], as_of, figure="spent")
            assert sum(line.amount_fen for line in lines) == row.spent_fen
            lines = passport.passport_lines([road.pk], as_of, figure="returned")
            assert sum(line.amount_fen for line in lines) == row.returned_fen
            total = result.total()
            assert total.balance_fen == row.balance_fen
        transaction.set_rollback(True)
