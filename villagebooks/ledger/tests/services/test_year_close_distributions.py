"""Separation of duties in the year close: the distribution of the year's profit (收益分配) is made
as vouchers a reviewer other than the closer approves; the closing vouchers are the system's and
name no reviewer; the year closes only once the distribution is posted."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Period, PeriodStatus, Voucher, VoucherKind, VoucherStatus
from villagebooks.ledger.tests.books import balance, post
from villagebooks.ledger.tests.importing.support import command_fails, run_command
from villagebooks.ledger.verification import ledgers_verify

RESERVE, MEMBERS = "提取公积公益金", "向成员分配"


@pytest.fixture
def ready(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-10 收到鱼塘租金
          借 102 银行存款   10000.00
          贷 501 经营收入   10000.00
    """,
    )
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    return ledger


def _december(ledger) -> Period:
    return Period.objects.get(ledger=ledger, year=2025, month=12)


def test_the_first_run_posts_the_closing_vouchers_and_submits_the_distribution(ready, accountant):
    result = services.year_close(
        actor=accountant, ledger=ready, year=2025, appropriations={RESERVE: 100_000, MEMBERS: 200_000}
    )

    assert not result.closed and result.carried_rows == 0
    assert [(v.note, v.kind, v.status, v.reviewed_by) for v in result.vouchers] == [
        ("结转本年收益", VoucherKind.CLOSING, VoucherStatus.POSTED, None),
        ("结转本年收益至未分配收益", VoucherKind.CLOSING, VoucherStatus.POSTED, None),
    ]
    assert [
        (v.note, v.kind, v.status, v.prepared_by, v.reviewed_by, v.number) for v in result.distributions
    ] == [
        (
            "2025年度收益分配：提取公积公益金",
            VoucherKind.DISTRIBUTION,
            VoucherStatus.SUBMITTED,
            accountant,
            None,
            None,
        ),
        (
            "2025年度收益分配：向成员分配",
            VoucherKind.DISTRIBUTION,
            VoucherStatus.SUBMITTED,
            accountant,
            None,
            None,
        ),
    ]
    ready.refresh_from_db()
    assert ready.carried_year == 2025 and _december(ready).status == PeriodStatus.OPEN
    # Nothing of the distribution is in the balances yet.
    assert balance(ready, "311") == 0 and balance(ready, "32202") == 0
    entry = AuditEntry.objects.filter(action="year_close_distributions").get()
    assert entry.detail["distributions"] == [v.pk for v in result.distributions]
    assert ledgers_verify(ledger_ids=[ready.pk]) == []


def test_the_year_closes_only_once_the_distribution_is_reviewed_by_another_and_posted(
    ready, accountant, reviewer
):
    first = services.year_close(actor=accountant, ledger=ready, year=2025, appropriations={RESERVE: 100_000})
    (distribution,) = first.distributions

    with pytest.raises(DomainError) as refused:  # not posted yet
        services.year_close(actor=accountant, ledger=ready, year=2025)
    assert refused.value.problems[0].message == "期间 2025-12 还有 1 张未记账凭证"
    with pytest.raises(DomainError) as again:  # a second distribution is not made over the first
        services.year_close(actor=accountant, ledger=ready, year=2025, appropriations={RESERVE: 100_000})
    assert again.value.problems[0].message == E.DISTRIBUTIONS_MADE.format(year=2025)
    with pytest.raises(NotPermitted):  # the closer prepared it: someone else reviews it
        services.voucher_review(actor=accountant, voucher=distribution)

    services.voucher_review(actor=reviewer, voucher=distribution)
    services.voucher_post(actor=accountant, voucher=distribution)
    last = services.year_close(actor=accountant, ledger=ready, year=2025, appropriations={RESERVE: 0})

    assert last.closed and last.carried_rows > 0 and last.distributions == []
    assert [(v.note, v.kind, v.reviewed_by, v.number) for v in last.vouchers] == [
        ("结转各项分配至未分配收益", VoucherKind.CLOSING, None, 4)
    ]
    ready.refresh_from_db()
    assert ready.carried_year == 2026 and _december(ready).status == PeriodStatus.CLOSED
    distribution.refresh_from_db()
    assert (distribution.number, distribution.reviewed_by, distribution.status) == (
        3,
        reviewer,
        VoucherStatus.POSTED,
    )
    assert balance(ready, "311") == -100_000 and balance(ready, "32202") == 0
    assert balance(ready, "32201") == -(1_000_000 - 100_000)
    assert ledgers_verify(ledger_ids=[ready.pk]) == []


def test_a_year_without_appropriations_closes_in_one_run_with_no_reviewer_named(ready, accountant):
    result = services.year_close(actor=accountant, ledger=ready, year=2025)
    assert result.closed and result.distributions == []
    assert {v.reviewed_by_id for v in Voucher.objects.filter(ledger=ready, kind=VoucherKind.CLOSING)} == {
        None
    }
    ready.refresh_from_db()
    assert ready.carried_year == 2026


def test_a_distribution_sent_back_is_corrected_by_its_preparer_and_then_closes_the_year(
    ready, accountant, reviewer
):
    first = services.year_close(actor=accountant, ledger=ready, year=2025, appropriations={RESERVE: 100_000})
    (distribution,) = first.distributions
    services.voucher_send_back(actor=reviewer, voucher=distribution, reason="村民代表大会决定提取 800 元")
    lines = [
        LineInput(summary=distribution.note, account_code="3220201", debit_fen=80_000),
        LineInput(summary=distribution.note, account_code="311", credit_fen=80_000),
    ]
    services.voucher_update(actor=accountant, voucher=distribution, date=date(2025, 12, 31), lines=lines)
    services.voucher_submit(actor=accountant, voucher=distribution)
    services.voucher_review(actor=reviewer, voucher=distribution)
    services.voucher_post(actor=accountant, voucher=distribution)

    assert services.year_close(actor=accountant, ledger=ready, year=2025).closed
    ready.refresh_from_db()
    assert balance(ready, "311") == -80_000 and balance(ready, "32201") == -(1_000_000 - 80_000)


def test_the_close_year_command_runs_twice_around_the_review(ready, accountant, reviewer):
    output = run_command(
        "close_year",
        "--ledger",
        "HT01",
        "--year",
        "2025",
        "--appropriate",
        f"{RESERVE}=1000.00",
        "--user",
        "accountant",
    )
    distribution = Voucher.objects.get(ledger=ready, kind=VoucherKind.DISTRIBUTION)
    assert output.strip() == (
        f"2025 年度尚未年结：结转凭证 记-1、记-2 已记账；收益分配凭证 2025年度收益分配：提取公积公益金（草稿#{distribution.pk}）"
        "已提交审核。请由制单人以外的审核人审核、记账后，再次运行本命令（不带 --appropriate）完成年结"
    )
    assert command_fails("close_year", "--ledger", "HT01", "--year", "2025", "--user", "accountant")[-1] == (
        "period: 期间 2025-12 还有 1 张未记账凭证"
    )
    services.voucher_review(actor=reviewer, voucher=distribution)
    services.voucher_post(actor=accountant, voucher=distribution)
    output = run_command("close_year", "--ledger", "HT01", "--year", "2025", "--user", "accountant")
    assert output.strip().startswith("2025 年度已年结：结转凭证 记-4；结转下年期初 ")
