"""Hypothesis over the whole posting path: any valid vouchers, posted through the services,
keep the books balanced, the stored balances true to the lines, and the balance sheet
identity at every month end; a year close empties income and expense and carries a balanced
opening; a reversal and its original cancel out on every account and dimension.

Each example creates its own ledger, so examples never see each other's vouchers.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villagebooks.ledger.domain.chart import chart_rules, chart_templates
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, AccountBalance, Category, VoucherLine
from villagebooks.ledger.tests.invariants.support import (
    FUND,
    PARTY,
    close_year,
    net_by_dimension,
    new_ledger,
    post_lines,
    reverse,
)
from villagebooks.ledger.verification import ledgers_verify
from villagebooks.reports.scope import scope_for_ledger
from villagebooks.reports.trial_balance import build_trial_balance

YEAR = 2025
_RULES = chart_rules("2023")
_TEMPLATES = {t.code: t for t in chart_templates("2023")}
# The leaves of a new 2023 ledger: every level-1 account but 322, which has two sub-accounts.
LEAVES = sorted(
    (set(_TEMPLATES) - {_RULES.distribution_account}) | {_RULES.undistributed_code, _RULES.appropriation_code}
)
NEEDS_FUND = {code for code, t in _TEMPLATES.items() if t.requires_fund}
NEEDS_PARTY = {code for code, t in _TEMPLATES.items() if t.requires_counterparty}

DB_SETTINGS = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@st.composite
def lines_on(draw, amounts: list[int], *, debit: bool) -> list[LineInput]:
    lines = []
    for amount in amounts:
        code = draw(st.sampled_from(LEAVES))
        fund = FUND if code in NEEDS_FUND or draw(st.booleans()) else ""
        party = PARTY if code in NEEDS_PARTY or draw(st.integers(0, 3)) == 0 else ""
        lines.append(
            LineInput(
                summary="往来款项",
                account_code=code,
                debit_fen=amount if debit else 0,
                credit_fen=0 if debit else amount,
                fund_name=fund,
                counterparty_name=party,
            )
        )
    return lines


@st.composite
def vouchers(draw) -> tuple[date, list[LineInput]]:
    """A sound voucher on a random day of the year: debits, and credits that split their total."""
    debits = draw(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=3))
    total = sum(debits)
    parts = draw(st.integers(min_value=1, max_value=min(3, total)))
    cuts = (
        sorted(draw(st.sets(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1)))
        if parts > 1
        else []
    )
    credits = [high - low for low, high in zip([0, *cuts], [*cuts, total], strict=True)]
    lines = draw(lines_on(debits, debit=True)) + draw(lines_on(credits, debit=False))
    day = date(YEAR, draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    return day, draw(st.permutations(lines))


BOOKS = st.lists(vouchers(), min_size=1, max_size=6)


def _post_all(ledger, accountant, reviewer, books):
    return [post_lines(ledger, accountant, reviewer, day, list(lines)) for day, lines in books]


def _categories(ledger) -> dict[str, str]:
    return dict(Account.objects.filter(ledger=ledger, level=1).values_list("code", "category"))


def _trial(ledger, user, first: int, last: int):
    return build_trial_balance(
        scope_for_ledger(user=user, ledger_code=ledger.code, from_key=first, to_key=last)
    )


def _sides(trial, categories, figure: str) -> tuple[int, int, int]:
    """(assets + cost net debit, liabilities + equity net credit, income − expense) of level-1 rows."""
    sums = dict.fromkeys(Category.values, 0)
    for row in trial.rows:
        if row.level == 1:
            sums[categories[row.code]] += getattr(row, figure)
    return (
        sums[Category.ASSET] + sums[Category.COST],
        -(sums[Category.LIABILITY] + sums[Category.EQUITY]),
        -sums[Category.INCOME] - sums[Category.EXPENSE],
    )


@settings(DB_SETTINGS, max_examples=15)
@given(books=BOOKS)
def test_posting_keeps_the_books_balanced_true_and_the_balance_sheet_identity(
    db, accountant, reviewer, books
):
    ledger = new_ledger(accountant)
    _post_all(ledger, accountant, reviewer, books)
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []
    stored = AccountBalance.objects.filter(ledger=ledger).aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    lines = VoucherLine.objects.filter(ledger=ledger).aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    assert stored["d"] == stored["c"] and lines["d"] == lines["c"]
    categories = _categories(ledger)
    for month in range(1, 13):
        trial = _trial(ledger, accountant, YEAR * 100 + 1, YEAR * 100 + month)
        assert trial.is_balanced
        assets, claims, result = _sides(trial, categories, "closing_fen")
        assert assets == claims + result, f"资产 ≠ 负债 + 所有者权益 + 本年收益 at {YEAR}-{month:02d}"


def _cover_cash(ledger, accountant, reviewer, books) -> None:
    """A month close refuses 库存现金 or 银行存款 below zero: a loan on 1 January brings in as
    much as the random vouchers ever pay out of each, so that no month ends below zero."""
    paid = {
        code: sum(line.credit_fen for _day, lines in books for line in lines if line.account_code == code)
        for code in ("101", "102")
    }
    lines = [
        LineInput(summary="借入短期借款", account_code=code, debit_fen=fen)
        for code, fen in paid.items()
        if fen
    ]
    if lines:
        loan = sum(paid.values())
        lines.append(LineInput(summary="借入短期借款", account_code="201", credit_fen=loan))
        post_lines(ledger, accountant, reviewer, date(YEAR, 1, 1), lines)


@settings(DB_SETTINGS, max_examples=8)
@given(books=BOOKS, reserve=st.integers(min_value=0, max_value=10**8))
def test_a_year_close_empties_income_and_expense_and_opens_next_year_balanced(
    db, accountant, reviewer, books, reserve
):
    ledger = new_ledger(accountant)
    _post_all(ledger, accountant, reviewer, books)
    _cover_cash(ledger, accountant, reviewer, books)
    close_year(ledger, accountant, YEAR, appropriations={"提取公积公益金": reserve}, reviewer=reviewer)
    assert ledger.carried_year == YEAR + 1
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []
    categories = _categories(ledger)
    closed = _trial(ledger, accountant, YEAR * 100 + 1, YEAR * 100 + 12)
    left = {r.code: r.closing_fen for r in closed.rows if categories.get(r.code[:3]) in ("income", "expense")}
    assert {code: fen for code, fen in left.items() if fen} == {}
    opened = _trial(ledger, accountant, (YEAR + 1) * 100 + 1, (YEAR + 1) * 100 + 1)
    assets, claims, result = _sides(opened, categories, "opening_fen")
    assert result == 0 and assets == claims
    # Next year opens with exactly what this year closed with, account by account.
    assert {r.code: r.opening_fen for r in opened.rows} == {
        r.code: r.closing_fen for r in closed.rows if r.closing_fen
    }


@settings(DB_SETTINGS, max_examples=12)
@given(books=BOOKS, wrong=vouchers(), later=st.integers(min_value=0, max_value=11))
def test_a_reversal_and_its_original_cancel_on_every_account(db, accountant, reviewer, books, wrong, later):
    ledger = new_ledger(accountant)
    _post_all(ledger, accountant, reviewer, books)
    before = net_by_dimension(ledger)
    day, lines = wrong
    original = post_lines(ledger, accountant, reviewer, day, list(lines))
    red = reverse(ledger, accountant, reviewer, original, date(YEAR, min(day.month + later, 12), 28))
    assert net_by_dimension(ledger) == before
    both = (
        VoucherLine.objects.filter(voucher__in=[original, red])
        .values("account__code", "fund_id", "counterparty_id")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    assert all(row["d"] == 0 and row["c"] == 0 for row in both)
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []
