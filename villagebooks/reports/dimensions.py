"""The dimension report (辅助核算余额表): one account with its sub-accounts, broken down by fund
(资金来源) or by counterparty (往来单位): opening, debit, credit and closing per fund or party.

One SQL aggregation over ``AccountBalance``, grouped by the dimension's key, gives the figures;
the balance rows that carry no fund (or no party), key 0, make the row 无. Every balance row of
the account falls in exactly one row, so the totals line is the account's own row of the trial
balance. For a region, funds (or parties) of the same name and kind add up across villages: a
fund that the county hands every village under one name is one fund to the county.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Min, Q, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.ledger.models import Account, Counterparty, CounterpartyKind, Fund, FundKind
from villagebooks.reports.scope import ReportScope, opening_window

BY_FUND = "fund"
BY_COUNTERPARTY = "counterparty"
BY_LABELS = {BY_FUND: _("资金来源"), BY_COUNTERPARTY: _("往来单位")}

UNKNOWN_BY = _("辅助核算方式“{by}”不存在，可选：fund（资金来源）、counterparty（往来单位）")
ACCOUNT_MISSING = _("请指定科目编码")
UNKNOWN_ACCOUNT = _("科目 {code} 在所选范围的账套中不存在")
NO_DIMENSION = _("无")

COLUMNS = [
    "dimension",
    "kind",
    "opening_debit",
    "opening_credit",
    "debit",
    "credit",
    "closing_debit",
    "closing_credit",
]
HEADERS = [
    _("辅助核算项目"),
    _("类别"),
    _("期初借方"),
    _("期初贷方"),
    _("本期借方"),
    _("本期贷方"),
    _("期末借方"),
    _("期末贷方"),
]


def net_sides(opening: int, debit: int, credit: int) -> list[int]:
    """Opening and closing net debit balances shown on their side, with the period's movements."""
    closing = opening + debit - credit
    return [max(opening, 0), max(-opening, 0), debit, credit, max(closing, 0), max(-closing, 0)]


@dataclass
class DimensionRow:
    name: str
    kind: str  # the fund's or party's kind, in Chinese; "" for 无
    opening_fen: int = 0  # net debit balance
    debit_fen: int = 0
    credit_fen: int = 0

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.debit_fen - self.credit_fen

    def amounts(self) -> list[int]:
        return net_sides(self.opening_fen, self.debit_fen, self.credit_fen)


@dataclass
class DimensionReport:
    scope: ReportScope
    by: str
    account_code: str
    account_name: str  # with the dimension: 专项应付款（按资金来源）
    rows: list[DimensionRow]
    total: DimensionRow


def _checked_by(by: str | None) -> str:
    value = (by or BY_FUND).strip().lower()
    if value not in BY_LABELS:
        raise DomainError(UNKNOWN_BY.format(by=by), field="by")
    return value


def _account_name(scope: ReportScope, account: str | None) -> tuple[str, str]:
    code = (account or "").strip()
    if not code:
        raise DomainError(ACCOUNT_MISSING, field="account")
    found = Account.objects.filter(scope.balance_filter(), code=code).aggregate(name=Min("name"))
    if found["name"] is None:
        raise DomainError(UNKNOWN_ACCOUNT.format(code=code), field="account")
    return code, found["name"]


def _labels(scope: ReportScope, by: str, keys: set[int]) -> dict[int, tuple[str, str]]:
    """Dimension key → (name, kind label) for the funds or parties in ``keys``."""
    if by == BY_FUND:
        model, kinds = Fund, FundKind
    else:
        model, kinds = Counterparty, CounterpartyKind
    found = model.objects.filter(scope.balance_filter(), pk__in=keys).values_list("pk", "name", "kind")
    return {pk: (name, str(kinds(kind).label)) for pk, name, kind in found}


def build_dimension_report(
    scope: ReportScope, *, account: str | None = None, by: str | None = BY_FUND
) -> DimensionReport:
    """The account ``account`` (with its sub-accounts) per fund or per counterparty.

    Args:
        scope: one ledger, or a region (rows then add up names alike across villages).
        account: the account code, e.g. ``241`` or ``11201``.
        by: ``fund`` or ``counterparty``.
    """
    by = _checked_by(by)
    code, name = _account_name(scope, account)
    key = "fund_key" if by == BY_FUND else "counterparty_key"
    opening = opening_window(scope, before_key=scope.from_key)
    movement = Q(period_key__gte=scope.from_key, period_key__lte=scope.to_key, month__gte=1)
    zero = Value(0)

    def summed(condition: Q, column: str) -> Sum:
        return Sum(Case(When(condition, then=column), default=zero, output_field=IntegerField()))

    figures = list(
        scope.balances()
        .filter(account__code__startswith=code)
        .filter(opening | movement)
        .values(key)
        .annotate(
            opening_debit=summed(opening, "debit_fen"),
            opening_credit=summed(opening, "credit_fen"),
            debit=summed(movement, "debit_fen"),
            credit=summed(movement, "credit_fen"),
        )
        .order_by()
    )
    labels = _labels(scope, by, {f[key] for f in figures if f[key]})
    rows: dict[tuple[str, str], DimensionRow] = {}
    for figure in figures:
        label = labels.get(figure[key], (str(NO_DIMENSION), ""))
        row = rows.setdefault(label, DimensionRow(name=label[0], kind=label[1]))
        row.opening_fen += (figure["opening_debit"] or 0) - (figure["opening_credit"] or 0)
        row.debit_fen += figure["debit"] or 0
        row.credit_fen += figure["credit"] or 0
    # Named funds or parties by kind and name; 无 last.
    ordered = sorted(
        (row for row in rows.values() if row.opening_fen or row.debit_fen or row.credit_fen),
        key=lambda row: (row.name == NO_DIMENSION and row.kind == "", row.kind, row.name),
    )
    total = DimensionRow(
        name=gettext("合计"),
        kind="",
        opening_fen=sum(r.opening_fen for r in ordered),
        debit_fen=sum(r.debit_fen for r in ordered),
        credit_fen=sum(r.credit_fen for r in ordered),
    )
    return DimensionReport(
        scope=scope,
        by=by,
        account_code=code,
        account_name=gettext("{name}（按{by}）").format(name=name, by=BY_LABELS[by]),
        rows=ordered,
        total=total,
    )


def dimension_rows(report: DimensionReport) -> list[list]:
    return [[row.name, row.kind, *row.amounts()] for row in report.rows]


def dimension_total(report: DimensionReport) -> list:
    return [report.total.name, "", *report.total.amounts()]
