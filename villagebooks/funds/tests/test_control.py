"""Budget control at the voucher (issue 12): each rule refuses under "stop" and records a warning
under "warn", when a draft is saved and when it is posted; the stop names the rule, the project or
fund, the budget, what was used and what the voucher would make it, and leaves nothing written."""

from __future__ import annotations

import pytest

from villagebooks.common.errors import DomainError
from villagebooks.funds.models import AllocationShare, BudgetLine, Control, ProjectEntry, VoucherWarning
from villagebooks.funds.tests.support import ALLOCATION_HEADER, advance_to, import_allocations
from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher, VoucherStatus
from villagebooks.ledger.tests.books import parse_vouchers, post
from villagebooks.ledger.tests.importing.support import books_state

RECEIPT = """
    2025-03-02 收到道路补助
      借 102 银行存款     300000.00
      贷 241 专项应付款   300000.00  fund=县交通局道路补助
"""


def spend(amount: str, *, account: str = "153", project: str = "P01", day: str = "2025-03-10") -> str:
    tags = " fund=县交通局道路补助" + (f" project={project}" if project else "")
    return f"""
        {day} 道路硬化工程款
          借 {account} 在建工程   {amount}{tags}
          贷 102 银行存款       {amount}
    """


def draft(ledger, accountant, text: str) -> Voucher:
    [(day, _summary, lines)] = parse_vouchers(text)
    return services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, submit=True)


@pytest.fixture
def approved(road, accountant, manager):
    """The road project at 实施, its money received."""
    advance_to(road, manager, "P01", "实施")
    return road


def test_spending_within_the_budget_passes_without_warning(approved, accountant, reviewer):
    post(approved, accountant, reviewer, RECEIPT + spend("150000.00"))
    assert Voucher.objects.filter(ledger=approved, status=VoucherStatus.POSTED).count() == 2
    assert VoucherWarning.objects.count() == 0


def test_over_the_budget_line_is_refused_naming_budget_used_and_after(approved, accountant, reviewer):
    post(approved, accountant, reviewer, RECEIPT + spend("150000.00"))
    before = books_state()
    with pytest.raises(DomainError) as error:
        draft(approved, accountant, spend("60000.00"))
    message = error.value.problems[0].message
    assert "超预算" in message and "黑滩村道路硬化(P01)" in message
    assert "200,000.00" in message and "150,000.00" in message and "210,000.00" in message
    assert error.value.problems[0].field == "project"
    assert books_state() == before


def test_the_check_runs_again_at_posting(approved, accountant, reviewer):
    post(approved, accountant, reviewer, RECEIPT)
    first = draft(approved, accountant, spend("120000.00"))
    post(approved, accountant, reviewer, spend("100000.00"))  # saved and posted meanwhile
    services.voucher_review(actor=reviewer, voucher=first)
    with pytest.raises(DomainError, match="超预算"):
        services.voucher_post(actor=accountant, voucher=first)
    first.refresh_from_db()
    assert first.status == VoucherStatus.REVIEWED and first.number is None


def test_warn_passes_and_records_the_warning_on_the_voucher(approved, accountant, reviewer):
    BudgetLine.objects.update(control=Control.WARN)
    post(approved, accountant, reviewer, RECEIPT)
    [voucher] = post(approved, accountant, reviewer, spend("250000.00"))
    [warning] = VoucherWarning.objects.filter(voucher=voucher)
    assert warning.rule == "超预算"
    assert "250,000.00" in warning.message and warning.ledger_id == approved.pk


def test_a_draft_warning_is_replaced_when_the_draft_no_longer_breaks_the_rule(approved, accountant, reviewer):
    BudgetLine.objects.update(control=Control.WARN)
    post(approved, accountant, reviewer, RECEIPT)
    voucher = draft(approved, accountant, spend("250000.00"))
    assert VoucherWarning.objects.filter(voucher=voucher).count() == 1
    [(day, _s, lines)] = parse_vouchers(spend("50000.00"))
    services.voucher_send_back(actor=reviewer, voucher=voucher, reason="改金额")
    services.voucher_update(actor=accountant, voucher=voucher, date=day, lines=lines)
    assert VoucherWarning.objects.filter(voucher=voucher).count() == 0


def test_spending_before_approval_is_refused(road, accountant, reviewer, manager):
    post(road, accountant, reviewer, RECEIPT)
    advance_to(road, manager, "P01", "审核")
    with pytest.raises(DomainError) as error:
        draft(road, accountant, spend("1000.00"))
    assert "未立项支出" in str(error.value) and "审核" in str(error.value)


def test_spending_on_an_account_the_allocation_does_not_allow_is_refused(approved, accountant, reviewer):
    post(approved, accountant, reviewer, RECEIPT)
    with pytest.raises(DomainError) as error:
        draft(approved, accountant, spend("1000.00", account="514", project=""))
    message = str(error.value)
    assert "超范围支出" in message and "县交通局道路补助" in message and "514" in message
    assert "153、513" in message


def test_a_fund_with_no_money_left_is_refused(approved, accountant, reviewer):
    post(approved, accountant, reviewer, RECEIPT + spend("200000.00"))
    post(approved, accountant, reviewer, spend("90000.00", account="513", project=""))
    with pytest.raises(DomainError) as error:
        draft(approved, accountant, spend("20000.00", account="513", project=""))
    message = str(error.value)
    assert "资金余额不足" in message
    assert "300,000.00" in message and "290,000.00" in message and "310,000.00" in message


def test_driving_the_bank_negative_from_a_controlled_fund_is_refused_at_posting(
    approved, accountant, reviewer
):
    # 80,000 in the bank (the ledger's opening), nothing received yet. Saved as a draft it
    # passes (the receipt may be posted first); posted, it is refused.
    voucher = draft(approved, accountant, spend("90000.00"))
    services.voucher_review(actor=reviewer, voucher=voucher)
    with pytest.raises(DomainError) as error:
        services.voucher_post(actor=accountant, voucher=voucher)
    message = str(error.value)
    assert "余额为负" in message and "102" in message and "-10,000.00" in message


def test_vouchers_without_a_controlled_project_or_fund_are_not_checked(road, accountant, reviewer):
    post(
        road,
        accountant,
        reviewer,
        """
        2025-03-05 办公用品
          借 513 管理费用   90000.00  fund=村级组织运转经费
          贷 102 银行存款   90000.00
        """,
    )
    assert VoucherWarning.objects.count() == 0


def test_the_allocation_of_another_ledger_does_not_count_here(road, other_ledger, accountant, tmp_path):
    import_allocations(
        tmp_path,
        accountant,
        f"{ALLOCATION_HEADER}\nA-2025-02,TM01,2025-02-10,江油市财政局,江财〔2025〕3号,县交通局道路补助,上级专项资金,500000,,,,stop\n",
    )
    assert AllocationShare.objects.filter(ledger=road).count() == 1
    assert ProjectEntry.objects.filter(ledger=other_ledger).count() == 0


def test_the_negative_list_refuses_an_account_it_names(approved, accountant, reviewer):
    from villagebooks.funds.models import Allocation

    Allocation.objects.update(allowed_accounts="", forbidden_accounts="51305")
    post(approved, accountant, reviewer, RECEIPT)
    services.account_add(actor=accountant, ledger=approved, parent_code="513", code="51305", name="误工补贴")
    with pytest.raises(DomainError) as error:
        draft(approved, accountant, spend("500.00", account="51305", project=""))
    assert "负面清单" in str(error.value) and "51305" in str(error.value)


def test_under_warn_every_rule_passes_and_is_recorded(approved, accountant, reviewer):
    from villagebooks.funds.models import Allocation

    Allocation.objects.update(control=Control.WARN)
    BudgetLine.objects.update(control=Control.WARN)
    ProjectEntry.objects.update(control=Control.WARN)
    # Nothing received: the bank goes negative; 514 is not allowed; the fund has 300,000.
    [voucher] = post(approved, accountant, reviewer, spend("90000.00", account="514", project=""))
    rules = set(VoucherWarning.objects.filter(voucher=voucher).values_list("rule", flat=True))
    assert rules == {"超范围支出", "余额为负"}
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.POSTED


def test_a_reversal_is_not_refused_for_lowering_what_is_used(approved, accountant, reviewer):
    from datetime import date

    post(approved, accountant, reviewer, RECEIPT)
    [paid] = post(approved, accountant, reviewer, spend("200000.00"))
    red = services.voucher_reverse(actor=accountant, voucher=paid, reason="重复支付", date=date(2025, 3, 20))
    services.voucher_review(actor=reviewer, voucher=red)
    services.voucher_post(actor=accountant, voucher=red)
    post(approved, accountant, reviewer, spend("200000.00"))  # the budget is free again
