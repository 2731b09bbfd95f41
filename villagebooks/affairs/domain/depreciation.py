"""A card's depreciation month by month, to the fen, as pure functions.

Rounding (documented for the accountant):
- 年限平均法: every month takes ``depreciable // life_months`` (rounded down to the fen); the
  last month of the life takes the remainder, so the months add up to the depreciable value
  exactly (the remainder is below ``life_months`` fen).
- 年数总和法 and 双倍余额递减法: a year's amount is computed to the fen (rounded down; in
  双倍余额递减法 the last two years share what is left straight-line, the last year taking the
  odd fen); within a year each month takes ``year // 12`` and the twelfth the remainder.
- A card starts in the month after it was acquired (当月增加当月不提) and its last month is its
  ``life_months``-th; a disposed card is depreciated in its disposal month and not after.
- The month's charge is never more than what is left (depreciable − accumulated); in the last
  month of the life, and after it if something is left, the charge is what is left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STRAIGHT_LINE = "straight-line"
SUM_OF_YEARS = "sum-of-years"
DOUBLE_DECLINING = "double-declining"
NONE = "none"


@dataclass(frozen=True)
class CardTerms:
    depreciable_fen: int
    original_fen: int
    method: str
    life_months: int
    acquired_on: date
    disposed_on: date | None = None


def month_index(acquired_on: date, year: int, month: int) -> int:
    """1 for the month after the acquisition month, 0 or less before."""
    return (year * 12 + month) - (acquired_on.year * 12 + acquired_on.month)


def _yearly(terms: CardTerms) -> list[int]:
    years = -(-terms.life_months // 12)
    total = terms.depreciable_fen
    if terms.method == SUM_OF_YEARS:
        weight = years * (years + 1) // 2
        amounts = [total * (years - i) // weight for i in range(years)]
    else:  # double-declining: rate 2/years on the net value, straight-line for the last two years
        amounts, net, residual = [], terms.original_fen, terms.original_fen - total
        for i in range(years):
            left = years - i
            if left <= 2:
                rest = total - sum(amounts)
                amounts.extend([rest // left] * (left - 1) + [rest - rest // left * (left - 1)])
                break
            amount = net * 2 // years
            amount = min(amount, net - residual)
            amounts.append(amount)
            net -= amount
    amounts[-1] += total - sum(amounts)
    return amounts


def scheduled(terms: CardTerms, k: int) -> int:
    """The charge the method schedules for the ``k``-th month of the life (1-based)."""
    n = terms.life_months
    if terms.method == NONE or n <= 0 or k < 1 or k > n or terms.depreciable_fen <= 0:
        return 0
    if terms.method == STRAIGHT_LINE:
        monthly = terms.depreciable_fen // n
        return terms.depreciable_fen - monthly * (n - 1) if k == n else monthly
    yearly = _yearly(terms)
    year_amount = yearly[(k - 1) // 12]
    months_in_year = min(12, n - (k - 1) // 12 * 12)
    position = (k - 1) % 12 + 1
    monthly = year_amount // months_in_year
    return year_amount - monthly * (months_in_year - 1) if position == months_in_year else monthly


def charge(terms: CardTerms, *, year: int, month: int, accumulated_fen: int) -> int:
    """What the card is charged for ``year``-``month`` given what it has accumulated so far."""
    if terms.method == NONE or terms.life_months <= 0:
        return 0
    if terms.disposed_on is not None and (year, month) > (terms.disposed_on.year, terms.disposed_on.month):
        return 0
    k = month_index(terms.acquired_on, year, month)
    if k < 1:
        return 0
    left = terms.depreciable_fen - accumulated_fen
    if left <= 0:
        return 0
    if k >= terms.life_months:
        return left
    return min(scheduled(terms, k), left)
