"""The closing checklist: every blocker of a month or year close at once, in the order the close
refuses them, and the close refusing with exactly the first one."""

from datetime import date

import pytest

from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.closing_checks import (
    BlockerKind,
    period_close_blockers,
    year_close_blockers,
)
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, AccountBalance, Period, PeriodStatus
from villagebooks.ledger.tests.books import post


def _office(day, *, submit=False, ledger, user, amount_fen=20_000):
    lines = [
        LineInput(summary="购买打印纸", account_code="513", debit_fen=amount_fen),
        LineInput(summary="购买打印纸", account_code="102", credit_fen=amount_fen),
    ]
    return services.voucher_create(
        actor=user, ledger=ledger, date=day, lines=lines, submit=submit, note="打印纸"
    )


def _summary(blockers):
    return [(b.kind, b.message, b.period_text) for b in blockers]


def _close_refusal(ledger, user, year, month):
    with pytest.raises(DomainError) as error:
        services.period_close(actor=user, ledger=ledger, year=year, month=month)
    assert error.value.problems[0].field in ("period", "ledger")
    return error.value.problems[0].message


def test_every_blocker_of_a_month_is_listed_and_the_close_refuses_with_the_first(ledger, accountant):
    draft = _office(date(2025, 3, 5), ledger=ledger, user=accountant, amount_fen=12_345)
    submitted = _office(date(2025, 3, 2), ledger=ledger, user=accountant, submit=True)
    blockers = period_close_blockers(ledger=ledger, year=2025, month=3)
    assert _summary(blockers) == [
        (BlockerKind.EARLIER_OPEN, "请先结账之前的期间 2025-01", "2025-01"),
        (BlockerKind.UNPOSTED, "期间 2025-03 还有 2 张未记账凭证", "2025-03"),
    ]
    unposted = blockers[1]
    assert unposted.count == 2
    assert unposted.by_status == (("draft", 1), ("submitted", 1))
    assert [(v.id, v.date, v.status, v.amount_fen, v.status_label) for v in unposted.vouchers] == [
        (submitted.pk, date(2025, 3, 2), "submitted", 20_000, "待审核"),
        (draft.pk, date(2025, 3, 5), "draft", 12_345, "草稿"),
    ]
    assert _close_refusal(ledger, accountant, 2025, 3) == blockers[0].message

    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=2)
    blockers = period_close_blockers(ledger=ledger, year=2025, month=3, voucher_limit=1)
    assert [b.kind for b in blockers] == [BlockerKind.UNPOSTED]
    assert [v.id for v in blockers[0].vouchers] == [submitted.pk]  # the first by date only
    assert _close_refusal(ledger, accountant, 2025, 3) == "期间 2025-03 还有 2 张未记账凭证"


def test_a_month_without_blockers_closes_and_then_is_blocked_as_closed(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 购买办公用品
          借 513 管理费用   100.00
          贷 102 银行存款   100.00
    """,
    )
    assert period_close_blockers(ledger=ledger, year=2025, month=1) == []
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    assert _summary(period_close_blockers(ledger=ledger, year=2025, month=1)) == [
        (BlockerKind.CLOSED, "期间 2025-01 已结账", "2025-01"),
    ]
    assert _close_refusal(ledger, accountant, 2025, 1) == "期间 2025-01 已结账"


def test_a_ledger_in_set_up_cannot_close(new_ledger, accountant):
    blockers = period_close_blockers(ledger=new_ledger, year=2025, month=1)
    assert _summary(blockers) == [(BlockerKind.NOT_ACTIVE, "账套尚未完成期初建账，不能记账", "")]
    assert _close_refusal(new_ledger, accountant, 2025, 1) == blockers[0].message


def test_balances_that_do_not_add_up_block_the_close(ledger, accountant):
    # What a damaged balance table looks like (verify would report it): a debit with no credit.
    bank = Account.objects.get(ledger=ledger, code="102")
    AccountBalance.objects.create(
        ledger=ledger, account=bank, year=2025, month=1, period_key=202501, debit_fen=1
    )
    blockers = period_close_blockers(ledger=ledger, year=2025, month=1)
    assert _summary(blockers) == [(BlockerKind.TRIAL_UNBALANCED, "期间 2025-01 试算不平衡", "2025-01")]
    assert _close_refusal(ledger, accountant, 2025, 1) == blockers[0].message
    # A later month sees the damage too: its totals to date do not balance.
    assert [b.kind for b in period_close_blockers(ledger=ledger, year=2025, month=2)] == [
        BlockerKind.EARLIER_OPEN,
        BlockerKind.TRIAL_UNBALANCED,
    ]


def test_the_checklist_writes_nothing_even_for_a_year_without_periods(ledger):
    before = Period.objects.filter(ledger=ledger).count()
    blockers = period_close_blockers(ledger=ledger, year=2026, month=2)
    assert _summary(blockers) == [(BlockerKind.EARLIER_OPEN, "请先结账之前的期间 2025-01", "2025-01")]
    assert Period.objects.filter(ledger=ledger).count() == before == 12


@pytest.mark.parametrize(("year", "month"), [(2024, 12), (2025, 13), (2025, 0)])
def test_months_outside_the_ledger_are_refused(ledger, year, month):
    with pytest.raises(DomainError):
        period_close_blockers(ledger=ledger, year=year, month=month)


def test_year_close_blockers_follow_the_year_close(ledger, accountant):
    assert _summary(year_close_blockers(ledger=ledger, year=2026)) == [
        (BlockerKind.YEAR_ORDER, "请先年结 2025 年度", "")
    ]
    _office(date(2025, 12, 30), ledger=ledger, user=accountant)
    assert _summary(year_close_blockers(ledger=ledger, year=2025)) == [
        (BlockerKind.EARLIER_OPEN, "请先结账之前的期间 2025-01", "2025-01"),
        (BlockerKind.UNPOSTED, "期间 2025-12 还有 1 张未记账凭证", "2025-12"),
    ]
    with pytest.raises(DomainError) as error:
        services.year_close(actor=accountant, ledger=ledger, year=2025)
    assert error.value.problems[0].message == "请先结账之前的期间 2025-01"


def test_a_closed_year_is_blocked_as_closed(ledger, accountant):
    Period.objects.filter(ledger=ledger, month__lt=12).update(status=PeriodStatus.CLOSED)
    assert year_close_blockers(ledger=ledger, year=2025) == []
    services.year_close(actor=accountant, ledger=ledger, year=2025)
    ledger.refresh_from_db()
    assert _summary(year_close_blockers(ledger=ledger, year=2025)) == [
        (BlockerKind.YEAR_CLOSED, "2025 年度已经年结", "")
    ]


def test_another_apps_registered_check_refuses_the_close_after_the_ledgers_own(ledger, accountant):
    """``register_close_check``: an app above the ledger adds a rule; its blockers come after the
    ledger's own, refuse the month close and the year close of December, and carry their links."""
    from villagebooks.ledger.closing_checks import Blocker, close_checks, register_close_check

    def outstanding(checked_ledger, period):
        if period.month != 3:
            return []
        return [
            Blocker("elsewhere", "另一个应用的规则：3 月还有事未办", period.key, links=(("去处理", "/x/"),))
        ]

    register_close_check(outstanding)
    try:
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=2)
        blockers = period_close_blockers(ledger=ledger, year=2025, month=3)
        assert [(b.kind, b.message, b.links) for b in blockers] == [
            ("elsewhere", "另一个应用的规则：3 月还有事未办", (("去处理", "/x/"),))
        ]
        with pytest.raises(DomainError, match="3 月还有事未办"):
            services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)
        assert Period.objects.get(ledger=ledger, year=2025, month=3).status == PeriodStatus.OPEN
        # A closed month is not asked again: only "closed" blocks it.
        assert [b.kind for b in period_close_blockers(ledger=ledger, year=2025, month=1)] == [
            BlockerKind.CLOSED
        ]
    finally:
        close_checks.remove(outstanding)
