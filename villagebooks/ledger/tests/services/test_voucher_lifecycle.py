"""Prepare → submit → review (by someone else) → post; reversal; the rules at each step."""

from datetime import date

import pytest

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Period, PeriodStatus, Voucher, VoucherKind, VoucherStatus
from villagebooks.ledger.tests.books import balance, parse_vouchers, post

OFFICE_COSTS = """
    2025-03-10 购买办公用品
      借 513 管理费用   1200.00
      贷 102 银行存款   1200.00
"""


def _draft(ledger, user, text=OFFICE_COSTS, submit=False):
    day, _, lines = parse_vouchers(text)[0]
    return services.voucher_create(actor=user, ledger=ledger, date=day, lines=lines, submit=submit)


def test_a_voucher_goes_through_review_and_posting_with_its_number(ledger, accountant, reviewer):
    voucher = _draft(ledger, accountant)
    assert voucher.status == VoucherStatus.DRAFT and voucher.number is None
    services.voucher_submit(actor=accountant, voucher=voucher)
    services.voucher_review(actor=reviewer, voucher=voucher)
    posted = services.voucher_post(actor=accountant, voucher=voucher)
    assert (posted.status, posted.number) == (VoucherStatus.POSTED, 1)
    assert balance(ledger, "513") == 120_000
    assert balance(ledger, "102") == 8_000_000 - 120_000
    actions = list(AuditEntry.objects.filter(ledger_id=ledger.pk).values_list("action", flat=True))
    assert {"voucher_create", "voucher_submit", "voucher_review", "voucher_post"} <= set(actions)


def test_the_preparer_cannot_review_their_own_voucher(ledger, accountant, make_user, township):
    # Even when the preparer also holds the reviewer role.
    from villagebooks.regions.services import role_grant, system_user

    role_grant(actor=system_user(), user=accountant, role="reviewer", region=township)
    voucher = _draft(ledger, accountant, submit=True)
    with pytest.raises(DomainError) as error:
        services.voucher_review(actor=accountant, voucher=voucher)
    assert error.value.problems[0].message == E.SELF_REVIEW
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.SUBMITTED


def test_a_reviewer_cannot_post_and_a_reporter_cannot_prepare(
    ledger, accountant, reviewer, make_user, region_tree
):
    voucher = _draft(ledger, accountant, submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    with pytest.raises(NotPermitted):
        services.voucher_post(actor=reviewer, voucher=voucher)
    reporter = make_user("reporter", "reporter", region_tree["510781100201"])
    day, _, lines = parse_vouchers(OFFICE_COSTS)[0]
    with pytest.raises(NotPermitted):
        services.voucher_create(actor=reporter, ledger=ledger, date=day, lines=lines)


def test_an_accountant_of_another_township_cannot_touch_the_ledger(
    ledger, accountant, make_user, region_tree
):
    outsider = make_user("outsider", "accountant", region_tree["510781101000"])
    voucher = _draft(ledger, accountant, submit=True)
    with pytest.raises(NotPermitted):
        services.voucher_review(actor=outsider, voucher=voucher)
    with pytest.raises(NotPermitted):
        _draft(ledger, outsider)


def test_posting_needs_a_review_first(ledger, accountant):
    voucher = _draft(ledger, accountant, submit=True)
    with pytest.raises(DomainError, match="待审核"):
        services.voucher_post(actor=accountant, voucher=voucher)


def test_posting_into_a_period_closed_meanwhile_is_refused_and_changes_nothing(ledger, accountant, reviewer):
    voucher = _draft(ledger, accountant, submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    # Closing refuses a month with unposted vouchers; a close that raced past that check looks so.
    Period.objects.filter(pk=voucher.period_id).update(status=PeriodStatus.CLOSED)
    audit_entries = AuditEntry.objects.count()

    with pytest.raises(DomainError) as refused:
        services.voucher_post(actor=accountant, voucher=voucher)

    assert refused.value.problems[0].message == E.PERIOD_CLOSED.format(period="2025-03")
    stored = Voucher.objects.get(pk=voucher.pk)
    assert (stored.status, stored.number, stored.posted_by) == (VoucherStatus.REVIEWED, None, None)
    assert Period.objects.get(pk=voucher.period_id).last_number == 0
    assert balance(ledger, "513") == 0
    assert AuditEntry.objects.count() == audit_entries


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        ([LineInput("x", "513", debit_fen=100), LineInput("x", "102", credit_fen=90)], "lines", "借贷不平衡"),
        ([LineInput("x", "513", debit_fen=100)], "lines", "至少需要两条分录"),
        (
            [LineInput("x", "999", debit_fen=100), LineInput("x", "102", credit_fen=100)],
            "account",
            "科目 999 不存在",
        ),
        (
            [LineInput("x", "322", debit_fen=100), LineInput("x", "102", credit_fen=100)],
            "account",
            "末级科目",
        ),
        (
            [LineInput("x", "241", debit_fen=100), LineInput("x", "102", credit_fen=100)],
            "fund",
            "必须指定资金来源",
        ),
        (
            [LineInput("x", "112", debit_fen=100), LineInput("x", "102", credit_fen=100)],
            "counterparty",
            "往来单位",
        ),
        (
            [
                LineInput("x", "513", debit_fen=100, fund_name="没有的资金"),
                LineInput("x", "102", credit_fen=100),
            ],
            "fund",
            "不存在于本账套",
        ),
        (
            [LineInput("x", "513", debit_fen=-100), LineInput("x", "102", credit_fen=-100)],
            "debit",
            "不能为负数",
        ),
        (
            [LineInput("x", "513", debit_fen=100, credit_fen=100), LineInput("x", "102", credit_fen=0)],
            "credit",
            "",
        ),
        (
            [LineInput("", "513", debit_fen=100), LineInput("x", "102", credit_fen=100)],
            "summary",
            "摘要不能为空",
        ),
    ],
)
def test_bad_vouchers_are_refused_with_field_and_reason_and_change_nothing(
    ledger, accountant, lines, field, message
):
    before = Voucher.objects.count()
    with pytest.raises(DomainError) as error:
        services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 1), lines=lines)
    assert any(p.field == field and message in p.message for p in error.value.problems), error.value.problems
    assert Voucher.objects.count() == before


def test_accounts_of_another_ledger_are_unknown_here(ledger, accountant, region_tree, new_ledger):
    other = new_ledger
    services.account_add(actor=accountant, ledger=other, parent_code="513", code="51399", name="土门村专用")
    lines = [LineInput("x", "51399", debit_fen=100), LineInput("x", "102", credit_fen=100)]
    with pytest.raises(DomainError, match="科目 51399 不存在于本账套"):
        services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 1), lines=lines)


def test_dates_before_the_start_or_in_a_closed_period_are_refused(ledger, accountant):
    day, _, lines = parse_vouchers(OFFICE_COSTS)[0]
    with pytest.raises(DomainError, match="早于账套启用期间"):
        services.voucher_create(actor=accountant, ledger=ledger, date=date(2024, 12, 31), lines=lines)
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    with pytest.raises(DomainError, match="期间 2025-01 已结账"):
        services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 1, 15), lines=lines)


def test_a_reversal_is_a_red_copy_that_nets_the_original_to_zero(ledger, accountant, reviewer):
    (original,) = post(ledger, accountant, reviewer, OFFICE_COSTS)
    reversal = services.voucher_reverse(
        actor=accountant, voucher=original, reason="金额录错", date=date(2025, 3, 20)
    )
    assert reversal.kind == VoucherKind.REVERSAL and reversal.reverses_id == original.pk
    assert "注销2025年03月10日记字第1号凭证" in reversal.note
    assert [line.debit_fen for line in reversal.lines.order_by("line_no")] == [-120_000, 0]
    services.voucher_review(actor=reviewer, voucher=reversal)
    services.voucher_post(actor=accountant, voucher=reversal)
    assert balance(ledger, "513") == 0
    assert balance(ledger, "102") == 8_000_000
    with pytest.raises(DomainError, match=str(E.ALREADY_REVERSED)):
        services.voucher_reverse(
            actor=accountant, voucher=original, reason="再冲一次", date=date(2025, 3, 21)
        )


def test_posted_vouchers_cannot_be_edited_or_deleted_through_the_services(ledger, accountant, reviewer):
    (voucher,) = post(ledger, accountant, reviewer, OFFICE_COSTS)
    day, _, lines = parse_vouchers(OFFICE_COSTS)[0]
    with pytest.raises(DomainError, match="已记账"):
        services.voucher_update(actor=accountant, voucher=voucher, date=day, lines=lines)
    with pytest.raises(DomainError, match="已记账"):
        services.voucher_delete(actor=accountant, voucher=voucher)


def test_a_draft_can_be_edited_and_deleted(ledger, accountant):
    voucher = _draft(ledger, accountant)
    lines = [LineInput("改", "513", debit_fen=500), LineInput("改", "101", credit_fen=500)]
    services.voucher_update(actor=accountant, voucher=voucher, date=date(2025, 4, 2), lines=lines)
    voucher.refresh_from_db()
    assert (voucher.period.month, voucher.amount_fen, voucher.lines.count()) == (4, 500, 2)
    services.voucher_delete(actor=accountant, voucher=voucher)
    assert not Voucher.objects.filter(pk=voucher.pk).exists()


def test_send_back_returns_the_voucher_to_draft_with_a_reason(ledger, accountant, reviewer):
    voucher = _draft(ledger, accountant, submit=True)
    with pytest.raises(DomainError, match=str(E.REASON_REQUIRED)):
        services.voucher_send_back(actor=reviewer, voucher=voucher, reason=" ")
    services.voucher_send_back(actor=reviewer, voucher=voucher, reason="缺少发票")
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.DRAFT
