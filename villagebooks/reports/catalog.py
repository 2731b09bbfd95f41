"""The reports the platform offers, each described once: its title, its columns and how its rows
come out of the builder. The command line and the pages both read this catalogue, so a report
has one definition whatever form (table, CSV, page) it is asked in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from villagebooks.reports import books, fund_summary, statements, trial_balance
from villagebooks.reports.scope import ReportScope

UNBALANCED_WARNING = "警告：科目余额表不平衡，请运行 villagebooks verify 检查"


@dataclass(frozen=True)
class ReportKind:
    slug: str
    title: str
    columns: list[str]  # machine names, the CSV header
    headers: list[str]  # Chinese column titles
    text_columns: int  # the first columns are text, the rest amounts in fen
    build: Callable[[ReportScope], Any]
    rows: Callable[[Any], list[list]]
    total: Callable[[Any], list]
    warning: Callable[[Any], str | None] = lambda report: None
    # build also takes ``account=CODE`` (the detail ledger): the command passes --account.
    needs_account: bool = False


def _trial_balance_rows(report: trial_balance.TrialBalance) -> list[list]:
    return [[row.code, row.name, *row.amounts()] for row in report.rows]


def _fund_summary_rows(report: fund_summary.FundSummary) -> list[list]:
    return [[row.name, row.kind, *row.amounts()] for row in report.rows]


REPORT_KINDS: dict[str, ReportKind] = {
    kind.slug: kind
    for kind in (
        ReportKind(
            slug="trial-balance",
            title="科目余额表",
            columns=trial_balance.COLUMNS,
            headers=trial_balance.HEADERS,
            text_columns=2,
            build=trial_balance.build_trial_balance,
            rows=_trial_balance_rows,
            total=lambda report: ["", report.total.name, *report.total.amounts()],
            warning=lambda report: None if report.is_balanced else UNBALANCED_WARNING,
        ),
        ReportKind(
            slug="fund-summary",
            title="资金来源汇总表",
            columns=fund_summary.COLUMNS,
            headers=fund_summary.HEADERS,
            text_columns=2,
            build=fund_summary.build_fund_summary,
            rows=_fund_summary_rows,
            total=lambda report: [report.total.name, "", *report.total.amounts()],
        ),
        ReportKind(
            slug="balance-sheet",
            title="资产负债表",
            columns=statements.BALANCE_SHEET_COLUMNS,
            headers=statements.BALANCE_SHEET_HEADERS,
            text_columns=2,
            build=statements.build_balance_sheet,
            rows=statements.statement_rows,
            total=statements.statement_total,
            warning=lambda report: report.warning,
        ),
        ReportKind(
            slug="income-statement",
            title="收益及收益分配表",
            columns=statements.INCOME_COLUMNS,
            headers=statements.INCOME_HEADERS,
            text_columns=2,
            build=statements.build_income_statement,
            rows=statements.statement_rows,
            total=statements.statement_total,
            warning=lambda report: report.warning,
        ),
        ReportKind(
            slug="detail-ledger",
            title="明细账",
            columns=books.DETAIL_COLUMNS,
            headers=books.DETAIL_HEADERS,
            text_columns=5,
            build=lambda scope, account=None: books.build_detail_ledger(scope, account=account),
            rows=books.detail_rows,
            total=books.detail_total,
            needs_account=True,
        ),
        ReportKind(
            slug="cash-journal",
            title="现金日记账",
            columns=books.JOURNAL_COLUMNS,
            headers=books.JOURNAL_HEADERS,
            text_columns=6,
            build=books.build_cash_journal,
            rows=books.detail_rows,
            total=books.detail_total,
        ),
        ReportKind(
            slug="bank-journal",
            title="银行存款日记账",
            columns=books.JOURNAL_COLUMNS,
            headers=books.JOURNAL_HEADERS,
            text_columns=6,
            build=books.build_bank_journal,
            rows=books.detail_rows,
            total=books.detail_total,
        ),
        ReportKind(
            slug="general-ledger",
            title="总账",
            columns=books.GENERAL_COLUMNS,
            headers=books.GENERAL_HEADERS,
            text_columns=5,
            build=books.build_general_ledger,
            rows=books.general_rows,
            total=books.general_total,
        ),
    )
}
