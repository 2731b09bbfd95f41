"""Budget control as a property: whatever spends, refunds and reversals are posted in whatever
order, under "stop" what is posted on a budget line never exceeds its budget, the fund's spending
never exceeds what was allocated, and every voucher refused left the books as they were."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villagebooks.common.errors import DomainError
from villagebooks.funds.control import project_used
from villagebooks.funds.models import BudgetLine, ProjectEntry
from villagebooks.funds.tests.support import advance_to
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import AccountBalance, Voucher, VoucherStatus
from villagebooks.ledger.tests.books import post

DB_SETTINGS = settings(
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUND = "县交通局道路补助"
# (account, with the project?, yuan): spending on the road's 153 (budget 200,000), on 513 from
# the fund alone (allowed), or a refund (a credit to 153).
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["153", "513", "refund"]), st.integers(1, 150_000) | st.integers(60_000, 150_000)
    ),
    min_size=2,
    max_size=8,
)


def _lines(kind: str, fen: int) -> list[LineInput]:
    if kind == "refund":
        return [
            LineInput("退回多付工程款", "102", debit_fen=fen),
            LineInput("退回多付工程款", "153", credit_fen=fen, fund_name=FUND, project_code="P01"),
        ]
    project = "P01" if kind == "153" else ""
    return [
        LineInput("工程款", kind, debit_fen=fen, fund_name=FUND, project_code=project),
        LineInput("工程款", "102", credit_fen=fen),
    ]


@DB_SETTINGS
@given(steps=STEPS)
def test_stop_keeps_what_is_posted_within_budget_and_allocation(road, accountant, reviewer, manager, steps):
    with transaction.atomic():
        advance_to(road, manager, "P01", "实施")
        post(
            road,
            accountant,
            reviewer,
            f"""
            2025-03-02 收到道路补助
              借 102 银行存款   900000.00
              贷 241 专项应付款 900000.00  fund={FUND}
            """,
        )
        entry = ProjectEntry.objects.get(ledger=road)
        [line] = BudgetLine.objects.filter(entry=entry)
        for kind, yuan in steps:
            try:  # a stop at saving: the service's own transaction leaves nothing behind
                voucher = services.voucher_create(
                    actor=accountant,
                    ledger=road,
                    date=date(2025, 3, 10),
                    lines=_lines(kind, yuan * 100),
                    submit=True,
                )
            except DomainError:
                continue
            services.voucher_review(actor=reviewer, voucher=voucher)
            before = list(AccountBalance.objects.order_by("pk").values_list("debit_fen", "credit_fen"))
            try:
                services.voucher_post(actor=accountant, voucher=voucher)
            except DomainError:
                assert (
                    list(AccountBalance.objects.order_by("pk").values_list("debit_fen", "credit_fen"))
                    == before
                )
                assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.REVIEWED
            assert project_used(entry.project)[line.pk] <= line.budget_fen
            spent = sum(
                d - c
                for d, c in AccountBalance.objects.filter(
                    ledger=road, fund_key__gt=0, account__code__in=["153", "513"], month__gte=1
                ).values_list("debit_fen", "credit_fen")
            )
            assert spent <= 30_000_000  # the allocation: 300,000.00
        transaction.set_rollback(True)
