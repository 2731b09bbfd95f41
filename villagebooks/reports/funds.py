"""The funds' reports in the catalogue: project execution (项目执行情况表), the fund passport
(资金护照), allocations not yet spent N months after they arrived, projects past their end.

Each is built by ``funds.passport`` (sums in SQL) for the scope's ledgers, as at the last day of
the report's last month; a region's report has one row a village's project or allocation share,
so it is its own per-village breakdown (the ``ledger`` column links to the village). Amount
columns are fen; ``rate`` is in hundredths of a percent, so that it prints as ``85.25`` (%) like
an amount; a ``str`` after the amounts (a state, a date) is text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.funds import passport
from villagebooks.reports.scope import ReportScope

EXECUTION_COLUMNS = [
    "ledger",
    "project",
    "name",
    "budget",
    "committed",
    "paid",
    "balance",
    "rate",
    "period_paid",
    "due",
    "state",
    "end",
]
EXECUTION_HEADERS = [
    _("账套"),
    _("项目编号"),
    _("项目名称"),
    _("预算"),
    _("已承诺"),
    _("已支付"),
    _("预算结余"),
    _("执行率(%)"),
    _("本期支付"),
    _("应付未付"),
    _("状态"),
    _("计划完工"),
]
PASSPORT_COLUMNS = [
    "ledger",
    "allocation",
    "document_number",
    "fund",
    "allocated",
    "spent",
    "committed",
    "balance",
    "returned",
]
PASSPORT_HEADERS = [
    _("账套"),
    _("下达编号"),
    _("文号"),
    _("资金名称"),
    _("下达"),
    _("已支出"),
    _("已承诺"),
    _("结余"),
    _("已退回"),
]
UNSPENT_COLUMNS = [
    "ledger",
    "allocation",
    "document_number",
    "fund",
    "date",
    "allocated",
    "spent",
    "returned",
    "unspent",
]
UNSPENT_HEADERS = [
    _("账套"),
    _("下达编号"),
    _("文号"),
    _("资金名称"),
    _("下达日期"),
    _("下达"),
    _("已支出"),
    _("已退回"),
    _("未支出"),
]
TOTAL = _("合计")
NO_ALLOCATION = _("（无下达文件）")
BAD_MONTHS = _("月数应为 0 至 120 的整数")
PASSPORT_NOTE = _(
    "截至 {date}：下达 = 已支出 + 已承诺 + 结余 + 已退回。已承诺为已立项项目付款计划中未付部分；"
    "已退回为借记专项应付款、贷记银行存款或现金的退回上级款；同一资金的支出先冲抵较早的下达文件。"
)
UNSPENT_NOTE = _("下达满 {months} 个月（截至 {date}）仍有未支出资金的下达文件。")


def _as_of(scope: ReportScope) -> date:
    return passport.month_end(scope.to_key)


def _ledgers(scope: ReportScope) -> tuple[int, ...]:
    # Passports add no account codes across charts: every ledger of the region counts.
    return scope.ledger_ids + scope.mapped_ledger_ids


# ---------------------------------------------------------------------------------------------
# Project execution


@dataclass
class ProjectExecution:
    scope: ReportScope
    as_of: date
    rows: list[passport.ExecutionRow]
    title: str = ""

    @property
    def warning(self) -> str | None:
        return None


def build_project_execution(scope: ReportScope) -> ProjectExecution:
    as_of = _as_of(scope)
    rows = passport.project_execution(_ledgers(scope), as_of, since=passport.month_start(scope.from_key))
    return ProjectExecution(scope, as_of, rows)


def build_overdue_projects(scope: ReportScope) -> ProjectExecution:
    as_of = _as_of(scope)
    return ProjectExecution(scope, as_of, passport.overdue_projects(_ledgers(scope), as_of))


def execution_rows(report: ProjectExecution) -> list[list]:
    return [
        [
            row.ledger_code,
            row.project,
            row.name,
            row.budget_fen,
            row.committed_fen,
            row.paid_fen,
            row.balance_fen,
            row.rate_bp,
            row.period_paid_fen,
            row.due_fen,
            row.state_label,
            row.end.isoformat(),
        ]
        for row in report.rows
    ]


def execution_total(report: ProjectExecution) -> list:
    budget = sum(row.budget_fen for row in report.rows)
    paid = sum(row.paid_fen for row in report.rows)
    rate = (paid * 20000 + budget) // (2 * budget) if budget else None
    return [
        "",
        "",
        str(TOTAL),
        budget,
        sum(row.committed_fen for row in report.rows),
        paid,
        sum(row.balance_fen for row in report.rows),
        rate,
        sum(row.period_paid_fen for row in report.rows),
        sum(row.due_fen for row in report.rows),
        "",
        "",
    ]


# ---------------------------------------------------------------------------------------------
# The fund passport


@dataclass
class FundPassport:
    scope: ReportScope
    passport: passport.Passport

    @property
    def warning(self) -> str:
        return str(PASSPORT_NOTE).format(date=self.passport.as_of.isoformat())


def build_fund_passport(scope: ReportScope) -> FundPassport:
    return FundPassport(scope, passport.fund_passport(_ledgers(scope), _as_of(scope)))


def passport_rows(report: FundPassport) -> list[list]:
    return [
        [
            row.ledger_code,
            row.allocation or str(NO_ALLOCATION),
            row.document_number,
            row.fund,
            row.allocated_fen,
            row.spent_fen,
            row.committed_fen,
            row.balance_fen,
            row.returned_fen,
        ]
        for row in report.passport.rows
    ]


def passport_total(report: FundPassport) -> list:
    total = report.passport.total()
    return [
        "",
        str(TOTAL),
        "",
        "",
        total.allocated_fen,
        total.spent_fen,
        total.committed_fen,
        total.balance_fen,
        total.returned_fen,
    ]


# ---------------------------------------------------------------------------------------------
# Allocations not yet spent


@dataclass
class UnspentAllocations:
    scope: ReportScope
    as_of: date
    months: int
    rows: list[passport.PassportRow]

    @property
    def warning(self) -> str:
        return str(UNSPENT_NOTE).format(months=self.months, date=self.as_of.isoformat())


def build_unspent_allocations(scope: ReportScope, months: str | int | None = None) -> UnspentAllocations:
    if months in (None, ""):
        value = passport.unspent_months()
    else:
        try:
            value = int(months)
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= 120:
            raise DomainError(BAD_MONTHS, field="months")
    as_of = _as_of(scope)
    return UnspentAllocations(
        scope, as_of, value, passport.unspent_allocations(_ledgers(scope), as_of, value)
    )


def _unspent(row: passport.PassportRow) -> int:
    return row.allocated_fen - row.spent_fen - row.returned_fen


def unspent_rows(report: UnspentAllocations) -> list[list]:
    return [
        [
            row.ledger_code,
            row.allocation,
            row.document_number,
            row.fund,
            row.allocated_on.isoformat() if row.allocated_on else "",
            row.allocated_fen,
            row.spent_fen,
            row.returned_fen,
            _unspent(row),
        ]
        for row in report.rows
    ]


def unspent_total(report: UnspentAllocations) -> list:
    return [
        "",
        str(TOTAL),
        "",
        "",
        "",
        sum(row.allocated_fen for row in report.rows),
        sum(row.spent_fen for row in report.rows),
        sum(row.returned_fen for row in report.rows),
        sum(_unspent(row) for row in report.rows),
    ]
