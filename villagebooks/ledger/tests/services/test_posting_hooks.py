"""Posting's hooks (``ledger.posting``): a before-posting hook refuses a posting on every path
(posting service, reversal, year close, import) and then nothing is written; an after-posting
hook sees every voucher posted, numbered, with its lines as plain values."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest

from villagebooks.common.errors import DomainError
from villagebooks.ledger import posting, services
from villagebooks.ledger.models import Ledger, Period, PeriodStatus, Voucher, VoucherKind, VoucherStatus
from villagebooks.ledger.tests.books import parse_vouchers, post
from villagebooks.ledger.tests.importing.support import HEADER, books_state, command_fails, run_command
from villagebooks.ledger.tests.invariants.support import close_year

REFUSED = "资金未下达，不能记账"  # what a funds rule would say

OFFICE = """
    2025-03-05 办公用品
      借 513 管理费用   300.00
      贷 102 银行存款   300.00
"""

IMPORT = f"""{HEADER}
HT01,J-001,2025-03-01,收到道路补助,102,50000,,,
HT01,J-001,2025-03-01,收到道路补助,241,,50000,县交通局道路补助,
HT01,J-002,2025-04-02,办公用品,513,300,,,
HT01,J-002,2025-04-02,办公用品,102,,300,,
"""


@contextmanager
def refusing_posting():
    """A before-posting hook that refuses every posting, while in the block; what it was shown."""
    shown: list[posting.VoucherToPost] = []

    def refuse(vouchers):
        shown.extend(vouchers)
        raise DomainError(REFUSED, field="fund")

    posting.register_before_posting(refuse)
    try:
        yield shown
    finally:
        posting.before_posting.remove(refuse)


@pytest.fixture
def refusing():
    with refusing_posting() as shown:
        yield shown


@pytest.fixture
def seen():
    """An after-posting hook that records every voucher it is shown."""
    shown: list[posting.VoucherToPost] = []
    posting.register_after_posting(shown.extend)
    yield shown
    posting.after_posting.remove(shown.extend)


def reviewed(ledger, accountant, reviewer, text: str) -> Voucher:
    [(day, _summary, lines)] = parse_vouchers(text)
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, submit=True)
    return services.voucher_review(actor=reviewer, voucher=voucher)


def test_only_the_funds_budget_control_and_spending_summary_are_registered_by_default():
    from villagebooks.funds import control, spending

    assert posting.before_saving == [control.before_saving]
    assert posting.before_posting == [control.before_posting]
    assert posting.after_posting == [control.after_posting, spending.after_posting]


def test_a_before_hook_refuses_the_posting_service_and_nothing_is_written(
    ledger, accountant, reviewer, refusing
):
    voucher = reviewed(ledger, accountant, reviewer, OFFICE)
    before = books_state()

    with pytest.raises(DomainError) as error:
        services.voucher_post(actor=accountant, voucher=voucher)

    assert error.value.problems[0].message == REFUSED
    assert books_state() == before
    voucher.refresh_from_db()
    assert (voucher.status, voucher.number, voucher.posted_at) == (VoucherStatus.REVIEWED, None, None)
    [shown] = refusing
    assert (shown.ledger_id, shown.voucher_id, shown.date, shown.number) == (
        ledger.pk,
        voucher.pk,
        date(2025, 3, 5),
        None,
    )
    assert [(line.line_no, line.debit_fen, line.credit_fen) for line in shown.lines] == [
        (1, 30000, 0),
        (2, 0, 30000),
    ]


def test_a_before_hook_refuses_a_reversal(ledger, accountant, reviewer):
    [original] = post(ledger, accountant, reviewer, OFFICE)
    red = services.voucher_reverse(
        actor=accountant, voucher=original, reason="金额错误", date=date(2025, 3, 9)
    )
    services.voucher_review(actor=reviewer, voucher=red)
    shown = []

    def refuse_reversals(vouchers):
        shown.extend(vouchers)
        if any(v.kind == VoucherKind.REVERSAL for v in vouchers):
            raise DomainError(REFUSED, field="fund")

    posting.register_before_posting(refuse_reversals)
    try:
        before = books_state()
        with pytest.raises(DomainError, match=REFUSED):
            services.voucher_post(actor=accountant, voucher=red)
    finally:
        posting.before_posting.remove(refuse_reversals)
    assert books_state() == before
    assert [(v.voucher_id, v.kind, [line.debit_fen for line in v.lines]) for v in shown] == [
        (red.pk, VoucherKind.REVERSAL, [-30000, 0])
    ]


def test_a_before_hook_refuses_the_year_close(ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, OFFICE)
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    before = books_state()

    with refusing_posting() as refusing, pytest.raises(DomainError, match=REFUSED):
        services.year_close(actor=accountant, ledger=ledger, year=2025)

    assert books_state() == before
    assert Ledger.objects.get(pk=ledger.pk).carried_year == 2025
    assert Period.objects.get(ledger=ledger, year=2025, month=12).status == PeriodStatus.OPEN
    assert [v.kind for v in refusing] == [VoucherKind.CLOSING]  # the first closing voucher


def test_a_before_hook_refuses_an_import_with_post(ledger, accountant, tmp_path, refusing):
    path = tmp_path / "vouchers.csv"
    path.write_text(IMPORT, encoding="utf-8")
    before = books_state()

    problems = command_fails("import_vouchers", path, "--post", "--user", "accountant")

    assert any(REFUSED in line for line in problems)
    assert books_state() == before
    assert sorted(v.external_key for v in refusing) == ["J-001", "J-002"]
    assert all(v.number is None for v in refusing)


def test_an_import_without_post_runs_no_hook(ledger, accountant, tmp_path, refusing):
    path = tmp_path / "vouchers.csv"
    path.write_text(IMPORT, encoding="utf-8")
    run_command("import_vouchers", path, "--user", "accountant")
    assert refusing == []
    assert Voucher.objects.filter(ledger=ledger, status=VoucherStatus.SUBMITTED).count() == 2


def _as_posted(voucher: Voucher) -> tuple:
    return (
        voucher.ledger_id,
        voucher.pk,
        voucher.period_id,
        voucher.date,
        voucher.kind,
        voucher.number,
        tuple(
            voucher.lines.order_by("line_no").values_list(
                "line_no", "summary", "account_id", "debit_fen", "credit_fen", "fund_id", "counterparty_id"
            )
        ),
    )


def _shown(vouchers: list[posting.VoucherToPost]) -> list[tuple]:
    return sorted(
        (
            v.ledger_id,
            v.voucher_id,
            v.period_id,
            v.date,
            v.kind,
            v.number,
            tuple(
                (
                    line.line_no,
                    line.summary,
                    line.account_id,
                    line.debit_fen,
                    line.credit_fen,
                    line.fund_id,
                    line.counterparty_id,
                )
                for line in v.lines
            ),
        )
        for v in vouchers
    )


def test_an_after_hook_sees_every_posted_voucher_on_every_path(ledger, accountant, reviewer, tmp_path, seen):
    path = tmp_path / "vouchers.csv"
    path.write_text(IMPORT, encoding="utf-8")
    run_command("import_vouchers", path, "--post", "--user", "accountant")
    [original] = post(ledger, accountant, reviewer, OFFICE)
    red = services.voucher_reverse(
        actor=accountant, voucher=original, reason="金额错误", date=date(2025, 3, 9)
    )
    services.voucher_review(actor=reviewer, voucher=red)
    services.voucher_post(actor=accountant, voucher=red)
    close_year(ledger, accountant, 2025)

    posted = Voucher.objects.filter(ledger=ledger, status=VoucherStatus.POSTED)
    assert len(seen) == posted.count() > 4  # the year close's too
    assert _shown(seen) == sorted(_as_posted(voucher) for voucher in posted)
