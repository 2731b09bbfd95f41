"""The fund summary (资金来源汇总): per fund, opening, received, spent and balance.

A fund's money is what its tagged lines say on the accounts that hold money for it:
- received: credits to fund-tagged lines on liability, equity and income accounts
  (专项应付款, 一事一议资金, 补助收入 …);
- spent: debits to those same accounts (paying out of 专项应付款) plus the net debits of
  fund-tagged expense lines (公益支出 paid from a 补助收入 fund).
Asset lines (银行存款, 在建工程) are where the money sits, not where it comes from, so they do
not count. The system's own year-end closing entries are left out: closing 补助收入 is not
spending. For a ledger there is one row a fund; for a region one row a fund kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.ledger.models import Category, Fund, FundKind
from villagebooks.reports.scope import ReportScope, opening_window

SOURCE_CATEGORIES = {Category.LIABILITY, Category.EQUITY, Category.INCOME}
USE_CATEGORIES = {Category.EXPENSE}

COLUMNS = ["fund", "kind", "allocated", "opening", "received", "spent", "balance"]
HEADERS = [
    _("资金来源"),
    _("资金类别"),
    _("下达金额"),
    _("期初余额"),
    _("本期收到"),
    _("本期使用"),
    _("期末余额"),
]


@dataclass
class FundSummaryRow:
    name: str
    kind: str
    allocated_fen: int = 0
    opening_fen: int = 0
    received_fen: int = 0
    spent_fen: int = 0

    @property
    def balance_fen(self) -> int:
        return self.opening_fen + self.received_fen - self.spent_fen

    def amounts(self) -> list[int]:
        return [self.allocated_fen, self.opening_fen, self.received_fen, self.spent_fen, self.balance_fen]


@dataclass
class FundSummary:
    scope: ReportScope
    rows: list[FundSummaryRow]
    total: FundSummaryRow


def _money_held(category: str, debit: int, credit: int) -> tuple[int, int]:
    """(received, spent) that movements on an account of ``category`` mean for its fund."""
    if category in SOURCE_CATEGORIES:
        return credit, debit
    if category in USE_CATEGORIES:
        return 0, debit - credit
    return 0, 0


def build_fund_summary(scope: ReportScope) -> FundSummary:
    opening = opening_window(scope, before_key=scope.from_key)
    movement = Q(period_key__gte=scope.from_key, period_key__lte=scope.to_key, month__gte=1)
    zero = Value(0)

    def summed(condition: Q, column: str) -> Sum:
        return Sum(Case(When(condition, then=column), default=zero, output_field=IntegerField()))

    figures = (
        scope.balances()
        .filter(~Q(fund_key=0), is_closing=False)
        .filter(opening | movement)
        .values("fund_key", "account__category")
        .annotate(
            opening_debit=summed(opening, "debit_fen"),
            opening_credit=summed(opening, "credit_fen"),
            debit=summed(movement, "debit_fen"),
            credit=summed(movement, "credit_fen"),
        )
        .order_by()
    )
    funds = {f.pk: f for f in Fund.objects.filter(scope.balance_filter())}
    by_region = scope.single_ledger is None
    rows: dict[str, FundSummaryRow] = {}

    def row_for(fund: Fund) -> FundSummaryRow:
        key = fund.kind if by_region else fund.name
        if key not in rows:
            label = str(FundKind(fund.kind).label)
            rows[key] = FundSummaryRow(name=label if by_region else fund.name, kind=label)
        return rows[key]

    for fund in funds.values():
        row_for(fund).allocated_fen += fund.amount_fen
    for figure in figures:
        fund = funds.get(figure["fund_key"])
        if fund is None:
            continue
        row = row_for(fund)
        received_before, spent_before = _money_held(
            figure["account__category"], figure["opening_debit"] or 0, figure["opening_credit"] or 0
        )
        received, spent = _money_held(
            figure["account__category"], figure["debit"] or 0, figure["credit"] or 0
        )
        row.opening_fen += received_before - spent_before
        row.received_fen += received
        row.spent_fen += spent
    ordered = sorted(rows.values(), key=lambda r: (r.kind, r.name))
    total = FundSummaryRow(name=gettext("合计"), kind="")
    for row in ordered:
        total.allocated_fen += row.allocated_fen
        total.opening_fen += row.opening_fen
        total.received_fen += row.received_fen
        total.spent_fen += row.spent_fen
    return FundSummary(scope=scope, rows=ordered, total=total)
