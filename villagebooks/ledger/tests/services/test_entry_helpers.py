"""Entry helpers: templates, common summaries, copies and recurring vouchers (定期凭证)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger import entry_helpers as H
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import RecurringRun, Voucher, VoucherStatus
from villagebooks.ledger.tests.books import post

pytestmark = pytest.mark.django_db

ACCRUAL = [
    LineInput("计提村干部报酬", "513", debit_fen=300_000),
    LineInput("计提村干部报酬", "102", credit_fen=300_000),
]


def _draft(ledger, accountant, day=date(2025, 3, 10), lines=ACCRUAL, note="每月计提"):
    return services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, note=note)


def test_a_template_saved_from_a_voucher_keeps_its_lines(ledger, accountant):
    voucher = _draft(ledger, accountant)
    template = H.template_from_voucher(actor=accountant, voucher=voucher, name="村干部报酬")
    assert [(r["account"], r["debit_fen"], r["credit_fen"]) for r in template.lines] == [
        ("513", 300_000, 0),
        ("102", 0, 300_000),
    ]
    assert H.line_inputs(template.lines)[0].summary == "计提村干部报酬"
    with pytest.raises(DomainError) as taken:
        H.template_from_voucher(actor=accountant, voucher=voucher, name=" 村干部报酬 ")
    assert "已有名为“村干部报酬”" in taken.value.problems[0].message
    assert [t.name for t in H.templates_of(ledger)] == ["村干部报酬"]


def test_a_reviewer_cannot_save_templates_or_copy(ledger, accountant, reviewer):
    voucher = _draft(ledger, accountant)
    with pytest.raises(NotPermitted):
        H.template_from_voucher(actor=reviewer, voucher=voucher, name="x")
    with pytest.raises(NotPermitted):
        H.voucher_copy(actor=reviewer, voucher=voucher)
    with pytest.raises(NotPermitted):
        H.recurring_from_voucher(actor=reviewer, voucher=voucher, name="x", day_of_month=1)
    with pytest.raises(NotPermitted):
        H.recurring_generate(actor=reviewer, ledger=ledger, year=2025, month=4)


def test_a_copy_is_a_new_draft_with_the_same_lines_dated_today(ledger, accountant, reviewer, monkeypatch):
    (posted,) = post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-05 道路硬化工程款
          借 513 管理费用 800.00
          贷 102 银行存款 800.00
        """,
    )
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2025, 4, 9))
    copy = H.voucher_copy(actor=accountant, voucher=posted)
    assert copy.pk != posted.pk
    assert (copy.status, copy.date, copy.number) == (VoucherStatus.DRAFT, date(2025, 4, 9), None)
    assert [
        (line.account.code, line.debit_fen, line.credit_fen) for line in copy.lines.order_by("line_no")
    ] == [
        ("513", 80_000, 0),
        ("102", 0, 80_000),
    ]
    reversal = services.voucher_reverse(
        actor=accountant, voucher=posted, reason="错账", date=date(2025, 4, 9)
    )
    with pytest.raises(DomainError):
        H.voucher_copy(actor=accountant, voucher=reversal)


def test_common_summaries_of_the_ledger_and_of_one_user(ledger, accountant, make_user, township):
    other = make_user("accountant2", "accountant", township)
    H.summary_add(actor=accountant, ledger=ledger, text="计提村干部报酬")
    H.summary_add(actor=accountant, ledger=ledger, text="  收到  利息 ", personal=True)
    H.summary_add(actor=other, ledger=ledger, text="支付电费", personal=True)
    assert H.summaries_for(ledger, accountant) == ["收到 利息", "计提村干部报酬"]
    assert H.summaries_for(ledger, other) == ["支付电费", "计提村干部报酬"]
    with pytest.raises(DomainError):
        H.summary_add(actor=accountant, ledger=ledger, text="计提村干部报酬")
    with pytest.raises(DomainError):
        H.summary_add(actor=accountant, ledger=ledger, text="   ")
    theirs = next(s for s in H.summary_list(ledger, other) if s.user_id == other.pk)
    with pytest.raises(DomainError):  # another user's own summary is not mine to delete
        H.summary_delete(actor=accountant, summary=theirs)
    H.summary_delete(actor=other, summary=theirs)
    assert H.summaries_for(ledger, other) == ["计提村干部报酬"]


def test_recurring_generates_the_months_drafts_once(ledger, accountant):
    voucher = _draft(ledger, accountant)
    entry = H.recurring_from_voucher(actor=accountant, voucher=voucher, name="计提报酬", day_of_month=31)

    first = H.recurring_generate(actor=accountant, ledger=ledger, year=2025, month=4)
    assert [(e.name, v.date, v.status) for e, v in first.made] == [
        ("计提报酬", date(2025, 4, 30), VoucherStatus.DRAFT)
    ]
    again = H.recurring_generate(actor=accountant, ledger=ledger, year=2025, month=4)
    assert (again.made, [e.name for e in again.done_before]) == ([], ["计提报酬"])
    # Deleting the draft does not make the month due again.
    services.voucher_delete(actor=accountant, voucher=first.made[0][1])
    assert H.recurring_generate(actor=accountant, ledger=ledger, year=2025, month=4).made == []
    assert RecurringRun.objects.get(entry=entry, year=2025, month=4).voucher is None
    # Another month is its own; an inactive definition makes nothing.
    assert len(H.recurring_generate(actor=accountant, ledger=ledger, year=2025, month=5).made) == 1
    H.recurring_set_active(actor=accountant, entry=entry, active=False)
    assert H.recurring_generate(actor=accountant, ledger=ledger, year=2025, month=6).made == []


def test_recurring_is_all_or_nothing_and_names_the_definition_that_fails(ledger, accountant):
    H.recurring_from_voucher(
        actor=accountant, voucher=_draft(ledger, accountant), name="计提报酬", day_of_month=5
    )
    services.account_add(actor=accountant, ledger=ledger, parent_code="101", code="10101", name="备用金")
    office = _draft(
        ledger,
        accountant,
        lines=[LineInput("办公费", "513", debit_fen=100), LineInput("办公费", "10101", credit_fen=100)],
    )
    H.recurring_from_voucher(actor=accountant, voucher=office, name="办公费", day_of_month=5)
    services.voucher_delete(actor=accountant, voucher=office)
    services.account_set_active(actor=accountant, ledger=ledger, code="10101", active=False)
    before = Voucher.objects.count()
    with pytest.raises(DomainError) as failed:
        H.recurring_generate(actor=accountant, ledger=ledger, year=2025, month=4)
    assert [p.message.split("：")[0] for p in failed.value.problems] == ["定期凭证“办公费”不能生成"]
    assert Voucher.objects.count() == before
    assert not RecurringRun.objects.exists()


def test_recurring_definition_checks_its_day_and_name(ledger, accountant):
    voucher = _draft(ledger, accountant)
    for day in (0, 32, "x"):
        with pytest.raises(DomainError):
            H.recurring_from_voucher(actor=accountant, voucher=voucher, name="a", day_of_month=day)
    with pytest.raises(DomainError):
        H.recurring_from_voucher(actor=accountant, voucher=voucher, name="", day_of_month=1)


def test_the_recurring_command(ledger, accountant):
    H.recurring_from_voucher(
        actor=accountant, voucher=_draft(ledger, accountant), name="计提报酬", day_of_month=15
    )
    out = io.StringIO()
    call_command("recurring", "--ledger", "HT01", "--period", "2025-05", "--user", "accountant", stdout=out)
    assert "已生成：计提报酬 2025-05-15" in out.getvalue()
    out = io.StringIO()
    call_command("recurring", "--ledger", "HT01", "--period", "2025-05", "--user", "accountant", stdout=out)
    assert "新生成 0 张，跳过 1 个" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("recurring", "--ledger", "HT01", "--period", "2025-13", "--user", "accountant")
