"""The month's charge of a card, to the fen: every method adds up to the depreciable value
exactly, the last month taking the remainder."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from villagebooks.affairs.domain.depreciation import (
    DOUBLE_DECLINING,
    STRAIGHT_LINE,
    SUM_OF_YEARS,
    CardTerms,
    charge,
    month_index,
    scheduled,
)


def _terms(depreciable, months, method=STRAIGHT_LINE, original=None):
    return CardTerms(depreciable, original or depreciable, method, months, date(2024, 12, 15))


def test_straight_line_rounds_down_and_last_month_takes_the_remainder():
    terms = _terms(11_400_000, 240)  # 120,000.00 less 5 %
    assert scheduled(terms, 1) == 47_500
    terms = _terms(100_001, 12)
    assert [scheduled(terms, k) for k in range(1, 13)] == [8_333] * 11 + [8_338]


def test_starts_the_month_after_acquisition_and_stops_after_disposal():
    terms = _terms(120_000, 12)
    assert month_index(date(2024, 12, 15), 2024, 12) == 0
    assert charge(terms, year=2024, month=12, accumulated_fen=0) == 0
    assert charge(terms, year=2025, month=1, accumulated_fen=0) == 10_000
    disposed = CardTerms(120_000, 120_000, STRAIGHT_LINE, 12, date(2024, 12, 15), date(2025, 3, 2))
    assert charge(disposed, year=2025, month=3, accumulated_fen=20_000) == 10_000
    assert charge(disposed, year=2025, month=4, accumulated_fen=30_000) == 0


def test_never_more_than_what_is_left():
    terms = _terms(120_000, 12)
    assert charge(terms, year=2025, month=5, accumulated_fen=115_000) == 5_000
    assert charge(terms, year=2025, month=6, accumulated_fen=120_000) == 0
    assert charge(terms, year=2026, month=6, accumulated_fen=100_000) == 20_000  # after the life: the rest


@given(
    depreciable=st.integers(min_value=1, max_value=10**11),
    months=st.integers(min_value=1, max_value=600),
    method=st.sampled_from([STRAIGHT_LINE, SUM_OF_YEARS, DOUBLE_DECLINING]),
    residual_bp=st.integers(min_value=0, max_value=2000),
)
def test_every_method_adds_up_to_the_depreciable_value(depreciable, months, method, residual_bp):
    original = depreciable * 10000 // (10000 - residual_bp) if residual_bp else depreciable
    terms = _terms(depreciable, months, method, original=max(original, depreciable))
    amounts = [scheduled(terms, k) for k in range(1, months + 1)]
    assert sum(amounts) == depreciable
    assert all(a >= 0 for a in amounts)
    accumulated = 0
    for k in range(1, months + 1):
        year, month = divmod(2024 * 12 + 12 - 1 + k, 12)
        accumulated += charge(terms, year=year, month=month + 1, accumulated_fen=accumulated)
    assert accumulated == depreciable


def test_sum_of_years_charges_more_early():
    terms = _terms(1_500_000, 60, SUM_OF_YEARS)
    assert sum(scheduled(terms, k) for k in range(1, 13)) == 500_000  # 5/15 of the value
    assert sum(scheduled(terms, k) for k in range(49, 61)) == 100_000  # 1/15
