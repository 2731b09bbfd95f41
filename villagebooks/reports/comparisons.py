"""Comparisons: this period against the same period last year (同期对比), and month by month
through a year (逐月对比).

- ``trial-balance-compare``: per account, the figure that says what the account is: the closing
  balance of a balance-sheet or cost account, the period's net amount (without the year-end
  closing entries) of an income or expense account; every figure in the account's own direction.
  ONE aggregation over ``AccountBalance`` gives both years.
- ``balance-sheet-compare`` / ``income-statement-compare``: each line of the statement, 期末数
  (balance sheet) or 本期数 (income statement), built by ``statements`` for the period and for
  the same months a year earlier, so that each column is exactly the statement a user would ask for.
- ``monthly``: the income and expense accounts (or one account asked for, with its
  sub-accounts), one column a month of the ``to`` year and the year's total, from the months
  of the range that fall in that year; net amounts in the account's own direction, without the
  year-end closing entries. ONE aggregation grouped by account and month.

The change in percent is a whole number of hundredths of a percent (1234 = 12.34 %), rounded
half away from zero, and ``None`` (an empty cell) when last year's figure is zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Min, Q, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.ledger.models import Account, Category, Side
from villagebooks.reports.models import StatementKind
from villagebooks.reports.scope import ReportScope, opening_window
from villagebooks.reports.statements import build_statement

UNKNOWN_ACCOUNT = _("科目 {code} 在所选范围的账套中不存在")
LAST_YEAR_WARNING = _("上年同期：{warning}")

BALANCE_ITEM = _("期末余额")
MOVEMENT_ITEM = _("本期发生额")
RESULT_LABEL = _("收支相抵（收入−支出）")
MOVEMENT_CATEGORIES = (Category.INCOME, Category.EXPENSE)

TRIAL_COLUMNS = ["code", "name", "item", "current", "last_year", "change", "change_pct"]
TRIAL_HEADERS = [
    _("科目编码"),
    _("科目名称"),
    _("比较项目"),
    _("本期"),
    _("上年同期"),
    _("增减额"),
    _("增减率(%)"),
]
BALANCE_SHEET_COLUMNS = ["line", "item", "closing", "last_year_closing", "change", "change_pct"]
BALANCE_SHEET_HEADERS = [_("行次"), _("项目"), _("期末数"), _("上年同期末数"), _("增减额"), _("增减率(%)")]
INCOME_COLUMNS = ["line", "item", "period", "last_year_period", "change", "change_pct"]
INCOME_HEADERS = [_("行次"), _("项目"), _("本期数"), _("上年同期数"), _("增减额"), _("增减率(%)")]
MONTHLY_COLUMNS = ["code", "name", *(f"month_{m:02d}" for m in range(1, 13)), "year_total"]
# The months as msgids of their own ("1月" … "12月"), so that each translates alone.
MONTH_HEADERS = [
    _("1月"), _("2月"), _("3月"), _("4月"), _("5月"), _("6月"),
    _("7月"), _("8月"), _("9月"), _("10月"), _("11月"), _("12月"),
]  # fmt: skip
MONTHLY_HEADERS = [_("科目编码"), _("科目名称"), *MONTH_HEADERS, _("全年合计")]


def change_percent(current: int, last: int) -> int | None:
    """(current − last) ÷ |last| in hundredths of a percent, half away from zero; None if last is 0."""
    if last == 0:
        return None
    numerator = (current - last) * 10_000
    quotient, remainder = divmod(abs(numerator), abs(last))
    if remainder * 2 >= abs(last):
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def last_year(scope: ReportScope) -> ReportScope:
    """The same months a year earlier, over the ledgers that count then (``ReportScope.moved``)."""
    return scope.moved(from_key=scope.from_key - 100, to_key=scope.to_key - 100)


@dataclass
class ComparisonRow:
    key: str  # account code or line number
    label: str
    current_fen: int
    last_fen: int
    item: str = ""  # what the figure is (期末余额 / 本期发生额), the trial balance only

    @property
    def change_fen(self) -> int:
        return self.current_fen - self.last_fen

    @property
    def change_pct(self) -> int | None:
        return change_percent(self.current_fen, self.last_fen)

    def amounts(self) -> list:
        return [self.current_fen, self.last_fen, self.change_fen, self.change_pct]


@dataclass
class Comparison:
    scope: ReportScope
    rows: list[ComparisonRow]
    total: ComparisonRow
    warning: str | None = None


def _sum_when(condition: Q, expression) -> Sum:
    return Sum(Case(When(condition, then=expression), default=Value(0), output_field=IntegerField()))


def _accounts(scope: ReportScope, leaves, extra: frozenset[str] | set[str] = frozenset()) -> dict[str, dict]:
    """code → name, level, category, normal side, for the codes with figures and their parents."""
    accounts = (
        Account.objects.filter(scope.balance_filter())
        .values("code")
        .annotate(name=Min("name"), level=Min("level"), category=Min("category"), side=Min("normal_side"))
        .order_by("code")
    )
    wanted = {code[:length] for code in leaves for length in range(3, len(code) + 1)} | set(extra)
    return {a["code"]: a for a in accounts.filter(code__in=wanted)}


def _direction(account: dict) -> int:
    return 1 if account["side"] == Side.DEBIT else -1


def _rolled_up(accounts: dict[str, dict], leaves: dict[str, tuple]) -> dict[str, list[int]]:
    """Each account's figures: the sum of the leaf figures under its code (parents included)."""
    width = len(next(iter(leaves.values()), ()))
    rolled = {code: [0] * width for code in accounts}
    for leaf, values in leaves.items():
        for code in rolled:
            if leaf.startswith(code):
                rolled[code] = [a + b for a, b in zip(rolled[code], values, strict=True)]
    return rolled


# ---------------------------------------------------------------------------------------------
# The trial balance against last year
# ---------------------------------------------------------------------------------------------


def build_trial_balance_comparison(scope: ReportScope) -> Comparison:
    before = last_year(scope)
    net = F("debit_fen") - F("credit_fen")
    windows = {
        "current_balance": opening_window(scope, before_key=scope.to_key + 1),
        "last_balance": opening_window(before, before_key=before.to_key + 1),
        "current_movement": Q(
            month__gte=1, is_closing=False, period_key__gte=scope.from_key, period_key__lte=scope.to_key
        ),
        "last_movement": Q(
            month__gte=1, is_closing=False, period_key__gte=before.from_key, period_key__lte=before.to_key
        ),
    }
    anywhere = Q(pk__in=[])
    for window in windows.values():
        anywhere |= window
    figures = (
        scope.balances()
        .filter(anywhere)
        .values("account__code")
        .annotate(**{name: _sum_when(window, net) for name, window in windows.items()})
        .order_by()
    )
    leaves = {f["account__code"]: tuple(f[name] or 0 for name in windows) for f in figures}
    accounts = _accounts(scope, leaves)
    rolled = _rolled_up(accounts, leaves)
    rows, result = [], [0, 0]
    for code, account in accounts.items():
        current_balance, last_balance, current_movement, last_movement = rolled[code]
        direction = _direction(account)
        if account["category"] in MOVEMENT_CATEGORIES:
            item, current, last = str(MOVEMENT_ITEM), current_movement, last_movement
            if account["level"] == 1:
                # Income in its credit direction less expense in its debit direction.
                result = [result[0] - current, result[1] - last]
        else:
            item, current, last = str(BALANCE_ITEM), current_balance, last_balance
        if current or last:
            rows.append(ComparisonRow(code, account["name"], direction * current, direction * last, item))
    total = ComparisonRow("", str(RESULT_LABEL), result[0], result[1], str(MOVEMENT_ITEM))
    return Comparison(scope=scope, rows=rows, total=total)


def trial_comparison_rows(report: Comparison) -> list[list]:
    return [[row.key, row.label, row.item, *row.amounts()] for row in report.rows]


def trial_comparison_total(report: Comparison) -> list:
    return ["", report.total.label, report.total.item, *report.total.amounts()]


# ---------------------------------------------------------------------------------------------
# The statements against last year
# ---------------------------------------------------------------------------------------------


def build_statement_comparison(scope: ReportScope, kind: str) -> Comparison:
    current = build_statement(scope, kind)
    before = build_statement(last_year(scope), kind)
    # 期末数 is the balance sheet's second column; 本期数 the income statement's first.
    column = 1 if kind == StatementKind.BALANCE_SHEET else 0
    previous = {row.line_no: row.amounts for row in before.rows if row.amounts is not None}
    rows = [
        ComparisonRow(str(row.line_no), row.label, row.amounts[column], previous[row.line_no][column])
        for row in current.rows
        if row.amounts is not None
    ]
    if current.check is not None:
        left, right = (current.labels[n] for n in current.check)
        total = ComparisonRow(
            "",
            gettext("差额（{left}−{right}）").format(left=left, right=right),
            current.differences[column],
            before.differences[column],
        )
    else:
        total = rows[-1]
    warnings = [current.warning] if current.warning else []
    if before.warning:
        warnings.append(LAST_YEAR_WARNING.format(warning=before.warning))
    return Comparison(scope=scope, rows=rows, total=total, warning="\n".join(warnings) or None)


def build_balance_sheet_comparison(scope: ReportScope) -> Comparison:
    return build_statement_comparison(scope, StatementKind.BALANCE_SHEET)


def build_income_comparison(scope: ReportScope) -> Comparison:
    return build_statement_comparison(scope, StatementKind.INCOME)


def statement_comparison_rows(report: Comparison) -> list[list]:
    return [[row.key, row.label, *row.amounts()] for row in report.rows]


def statement_comparison_total(report: Comparison) -> list:
    return [report.total.key, report.total.label, *report.total.amounts()]


# ---------------------------------------------------------------------------------------------
# Month by month
# ---------------------------------------------------------------------------------------------


@dataclass
class MonthlyRow:
    code: str
    name: str
    months: list[int]  # twelve net amounts, January first, in the account's own direction

    def cells(self) -> list:
        return [self.code, self.name, *self.months, sum(self.months)]


@dataclass
class MonthlyReport:
    scope: ReportScope
    year: int
    account_code: str  # "" for the income and expense accounts
    account_name: str
    rows: list[MonthlyRow]
    total: MonthlyRow


def build_monthly(scope: ReportScope, *, account: str | None = None) -> MonthlyReport:
    """Month by month through the ``to`` year: the income and expense accounts, or ``account``."""
    year = scope.to_key // 100
    first = max(scope.from_key, year * 100 + 1)
    code = (account or "").strip()
    balances = scope.balances().filter(
        month__gte=1,
        is_closing=False,
        period_key__gte=first,
        period_key__lte=scope.to_key,
    )
    if code:
        if not Account.objects.filter(scope.balance_filter(), code=code).exists():
            raise DomainError(UNKNOWN_ACCOUNT.format(code=code), field="account")
        balances = balances.filter(account__code__startswith=code)
    else:
        balances = balances.filter(account__category__in=MOVEMENT_CATEGORIES)
    figures = (
        balances.values("account__code", "month")
        .annotate(net=Sum(F("debit_fen") - F("credit_fen")))
        .order_by()
    )
    leaves: dict[str, list[int]] = {}
    for figure in figures:
        leaves.setdefault(figure["account__code"], [0] * 12)[figure["month"] - 1] += figure["net"] or 0
    accounts = _accounts(scope, leaves, {code} if code else set())
    rolled = _rolled_up(accounts, {leaf: tuple(months) for leaf, months in leaves.items()}) if leaves else {}
    rows = []
    result = [0] * 12
    for row_code, info in accounts.items():
        months = [_direction(info) * m for m in rolled.get(row_code, [0] * 12)]
        if code and not row_code.startswith(code):
            continue  # a parent of the account asked for
        if not code and info["level"] == 1:
            sign = 1 if info["category"] == Category.INCOME else -1
            result = [r + sign * m for r, m in zip(result, months, strict=True)]
        rows.append(MonthlyRow(row_code, info["name"], months))
    if code:
        own = next(row for row in rows if row.code == code)
        total = MonthlyRow("", gettext("合计"), list(own.months))
        name = accounts[code]["name"]
    else:
        total = MonthlyRow("", str(RESULT_LABEL), result)
        name = gettext("收入、支出科目")
        rows = [row for row in rows if any(row.months)]
    # Income accounts, then expense accounts, each by code (the 2004 chart interleaves them).
    order = {Category.INCOME: 0, Category.EXPENSE: 1}
    rows.sort(key=lambda row: (order.get(accounts[row.code]["category"], 2), row.code))
    return MonthlyReport(scope=scope, year=year, account_code=code, account_name=name, rows=rows, total=total)


def monthly_rows(report: MonthlyReport) -> list[list]:
    return [row.cells() for row in report.rows]


def monthly_total(report: MonthlyReport) -> list:
    return report.total.cells()
