"""The reports the platform offers, each described once: its title, its columns and how its rows
come out of the builder. The command line and the pages both read this catalogue, so a report
has one definition whatever form (table, CSV, page) it is asked in. Titles and headers follow
the user's language (the msgids are Chinese); the machine column names do not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from villagebooks.common.audit import record_report_view
from villagebooks.reports import (
    bank_reconciliation,
    books,
    breakdown,
    comparisons,
    dimensions,
    fund_summary,
    funds,
    official_forms,
    statements,
    statistics,
    trial_balance,
)
from villagebooks.reports.scope import ReportScope

UNBALANCED_WARNING = _("警告：科目余额表不平衡，请运行 villagebooks verify 检查")


@dataclass(frozen=True)
class ReportKind:
    slug: str
    # Title and headers are lazy texts: each use gives the active language's (str() them before
    # JSON, openpyxl or a regex; templates and str.format take them as they are).
    title: str
    columns: list[str]  # machine names (English identifiers), the same in every language
    headers: list[str]  # the column titles users read
    text_columns: int  # the first columns are text, the rest amounts in fen
    build: Callable[[ReportScope], Any]
    rows: Callable[[Any], list[list]]
    total: Callable[[Any], list]
    warning: Callable[[Any], str | None] = lambda report: None
    # build also takes ``account=CODE`` (the detail ledger): the command passes --account.
    needs_account: bool = False
    # Other keyword options of build, each given on the command line as --NAME (e.g. "by").
    options: tuple[str, ...] = ()
    # Only for a region (one row a village): a single ledger's scope is refused.
    region_only: bool = False
    # Only for one ledger (its books, voucher by voucher): a region's scope is refused.
    ledger_only: bool = False

    @property
    def region_slug(self) -> str:
        """This report for a region, or the trial balance when a region cannot have it."""
        return "trial-balance" if self.ledger_only else self.slug

    @property
    def ledger_slug(self) -> str:
        """This report for one ledger, or the trial balance when one ledger cannot have it."""
        return "trial-balance" if self.region_only else self.slug


def _joined(*texts: str | None) -> str | None:
    """The warnings that apply, one after the other (None when none does)."""
    return " ".join(t for t in texts if t) or None


def _trial_balance_rows(report: trial_balance.TrialBalance) -> list[list]:
    return [[row.code, row.name, *row.amounts()] for row in report.rows]


def _fund_summary_rows(report: fund_summary.FundSummary) -> list[list]:
    return [[row.name, row.kind, *row.amounts()] for row in report.rows]


REPORT_KINDS: dict[str, ReportKind] = {
    kind.slug: kind
    for kind in (
        ReportKind(
            slug="trial-balance",
            title=_("科目余额表"),
            columns=trial_balance.COLUMNS,
            headers=trial_balance.HEADERS,
            text_columns=2,
            build=trial_balance.build_trial_balance,
            rows=_trial_balance_rows,
            total=lambda report: ["", report.total.name, *report.total.amounts()],
            warning=lambda report: _joined(
                None if report.is_balanced else str(UNBALANCED_WARNING), report.scope.mapping_note
            ),
        ),
        ReportKind(
            slug="fund-summary",
            title=_("资金来源汇总表"),
            columns=fund_summary.COLUMNS,
            headers=fund_summary.HEADERS,
            text_columns=2,
            build=fund_summary.build_fund_summary,
            rows=_fund_summary_rows,
            total=lambda report: [report.total.name, "", *report.total.amounts()],
            # getattr: a kind made from this one may render without a report (tests of the files)
            warning=lambda report: getattr(report, "warning", None),
        ),
        # The official forms first: they are the statements the pages offer; the plain
        # statements (one column, the layout's own lines) follow, still reachable.
        ReportKind(
            slug="balance-sheet-form",
            title=_("资产负债表（正式格式）"),
            columns=official_forms.FORM_COLUMNS,
            headers=[_("行次"), _("项目"), _("年初数"), _("年末数")],
            text_columns=2,
            build=official_forms.build_balance_sheet_form,
            rows=official_forms.form_rows,
            total=official_forms.form_total,
            warning=lambda report: _joined(report.warning, report.scope.mapping_note),
        ),
        ReportKind(
            slug="income-statement-form",
            title=_("收益及收益分配表（正式格式）"),
            columns=official_forms.FORM_COLUMNS,
            headers=[_("行次"), _("项目"), _("本年数"), _("上年数")],
            text_columns=2,
            build=official_forms.build_income_statement_form,
            rows=official_forms.form_rows,
            total=official_forms.form_total,
            warning=lambda report: _joined(report.warning, report.scope.mapping_note),
        ),
        ReportKind(
            slug="balance-sheet",
            title=_("资产负债表"),
            columns=statements.BALANCE_SHEET_COLUMNS,
            headers=statements.BALANCE_SHEET_HEADERS,
            text_columns=2,
            build=statements.build_balance_sheet,
            rows=statements.statement_rows,
            total=statements.statement_total,
            warning=lambda report: _joined(report.warning, report.scope.mapping_note),
        ),
        ReportKind(
            slug="income-statement",
            title=_("收益及收益分配表"),
            columns=statements.INCOME_COLUMNS,
            headers=statements.INCOME_HEADERS,
            text_columns=2,
            build=statements.build_income_statement,
            rows=statements.statement_rows,
            total=statements.statement_total,
            warning=lambda report: _joined(report.warning, report.scope.mapping_note),
        ),
        ReportKind(
            slug="detail-ledger",
            title=_("明细账"),
            columns=books.DETAIL_COLUMNS,
            headers=books.DETAIL_HEADERS,
            text_columns=5,
            build=lambda scope, account=None: books.build_detail_ledger(scope, account=account),
            rows=books.detail_rows,
            total=books.detail_total,
            needs_account=True,
            ledger_only=True,
        ),
        ReportKind(
            slug="cash-journal",
            title=_("现金日记账"),
            columns=books.JOURNAL_COLUMNS,
            headers=books.JOURNAL_HEADERS,
            text_columns=6,
            build=books.build_cash_journal,
            rows=books.detail_rows,
            total=books.detail_total,
            ledger_only=True,
        ),
        ReportKind(
            slug="bank-journal",
            title=_("银行存款日记账"),
            columns=books.JOURNAL_COLUMNS,
            headers=books.JOURNAL_HEADERS,
            text_columns=6,
            build=books.build_bank_journal,
            rows=books.detail_rows,
            total=books.detail_total,
            ledger_only=True,
        ),
        ReportKind(
            slug="bank-reconciliation",
            title=_("银行存款余额调节表"),
            columns=bank_reconciliation.COLUMNS,
            headers=bank_reconciliation.HEADERS,
            text_columns=3,
            build=bank_reconciliation.build_bank_reconciliation,
            rows=bank_reconciliation.bank_reconciliation_rows,
            total=bank_reconciliation.bank_reconciliation_total,
            warning=lambda report: report.warning,
            needs_account=True,
            ledger_only=True,
        ),
        ReportKind(
            slug="general-ledger",
            title=_("总账"),
            columns=books.GENERAL_COLUMNS,
            headers=books.GENERAL_HEADERS,
            text_columns=5,
            build=books.build_general_ledger,
            rows=books.general_rows,
            total=books.general_total,
        ),
        ReportKind(
            slug="dimension",
            title=_("辅助核算余额表"),
            columns=dimensions.COLUMNS,
            headers=dimensions.HEADERS,
            text_columns=2,
            build=dimensions.build_dimension_report,
            rows=dimensions.dimension_rows,
            total=dimensions.dimension_total,
            needs_account=True,
            options=("by",),
        ),
        ReportKind(
            slug="village-trial-balance",
            title=_("科目余额汇总表（分村）"),
            columns=breakdown.TRIAL_COLUMNS,
            headers=breakdown.TRIAL_HEADERS,
            text_columns=3,
            build=breakdown.build_village_trial_balance,
            rows=breakdown.village_rows,
            total=breakdown.village_total,
            needs_account=True,
            region_only=True,
        ),
        ReportKind(
            slug="village-statements",
            title=_("主要报表项目汇总表（分村）"),
            columns=breakdown.STATEMENT_COLUMNS,
            headers=breakdown.STATEMENT_HEADERS,
            text_columns=3,
            build=breakdown.build_village_statements,
            rows=breakdown.village_rows,
            total=breakdown.village_total,
            warning=lambda report: report.warning,
            region_only=True,
        ),
        ReportKind(
            slug="trial-balance-compare",
            title=_("科目余额同期对比表"),
            columns=comparisons.TRIAL_COLUMNS,
            headers=comparisons.TRIAL_HEADERS,
            text_columns=3,
            build=comparisons.build_trial_balance_comparison,
            rows=comparisons.trial_comparison_rows,
            total=comparisons.trial_comparison_total,
        ),
        ReportKind(
            slug="balance-sheet-compare",
            title=_("资产负债表同期对比"),
            columns=comparisons.BALANCE_SHEET_COLUMNS,
            headers=comparisons.BALANCE_SHEET_HEADERS,
            text_columns=2,
            build=comparisons.build_balance_sheet_comparison,
            rows=comparisons.statement_comparison_rows,
            total=comparisons.statement_comparison_total,
            warning=lambda report: report.warning,
        ),
        ReportKind(
            slug="income-statement-compare",
            title=_("收益及收益分配表同期对比"),
            columns=comparisons.INCOME_COLUMNS,
            headers=comparisons.INCOME_HEADERS,
            text_columns=2,
            build=comparisons.build_income_comparison,
            rows=comparisons.statement_comparison_rows,
            total=comparisons.statement_comparison_total,
            warning=lambda report: report.warning,
        ),
        ReportKind(
            slug="project-execution",
            title=_("项目执行情况表"),
            columns=funds.EXECUTION_COLUMNS,
            headers=funds.EXECUTION_HEADERS,
            text_columns=3,
            build=funds.build_project_execution,
            rows=funds.execution_rows,
            total=funds.execution_total,
        ),
        ReportKind(
            slug="fund-passport",
            title=_("资金护照"),
            columns=funds.PASSPORT_COLUMNS,
            headers=funds.PASSPORT_HEADERS,
            text_columns=4,
            build=funds.build_fund_passport,
            rows=funds.passport_rows,
            total=funds.passport_total,
            warning=lambda report: report.warning,
        ),
        ReportKind(
            slug="funds-unspent",
            title=_("下达资金滞留表"),
            columns=funds.UNSPENT_COLUMNS,
            headers=funds.UNSPENT_HEADERS,
            text_columns=5,
            build=funds.build_unspent_allocations,
            rows=funds.unspent_rows,
            total=funds.unspent_total,
            warning=lambda report: report.warning,
            options=("months",),
        ),
        ReportKind(
            slug="projects-overdue",
            title=_("逾期未完工项目表"),
            columns=funds.EXECUTION_COLUMNS,
            headers=funds.EXECUTION_HEADERS,
            text_columns=3,
            build=funds.build_overdue_projects,
            rows=funds.execution_rows,
            total=funds.execution_total,
        ),
        ReportKind(
            slug="monthly",
            title=_("逐月对比表"),
            columns=comparisons.MONTHLY_COLUMNS,
            headers=comparisons.MONTHLY_HEADERS,
            text_columns=2,
            build=comparisons.build_monthly,
            rows=comparisons.monthly_rows,
            total=comparisons.monthly_total,
            needs_account=True,
        ),
    )
}

STATISTICS_PREFIX = "statistics-"
# The statistics forms (农经统计年报) of data/statistics-forms.json, one report each, for a region's year.
REPORT_KINDS |= {
    f"{STATISTICS_PREFIX}{slug}": ReportKind(
        slug=f"{STATISTICS_PREFIX}{slug}",
        title=format_lazy(_("统计年报：{title}"), title=_(statistics.form_title(slug))),
        columns=statistics.COLUMNS,
        headers=statistics.HEADERS,
        text_columns=len(statistics.COLUMNS),
        build=lambda scope, slug=slug: statistics.build_statistics(scope, slug),
        rows=statistics.statistics_rows,
        total=statistics.statistics_total,
        warning=lambda report: _joined(report.warning, report.scope.mapping_note),
        region_only=True,
    )
    for slug in statistics.form_slugs()
}


def report_view_record(*, actor, kind: ReportKind, scope: ReportScope, fmt: str, via: str, **options) -> None:
    """Log that ``actor`` viewed or downloaded a report once it was built (the page, a file, the
    API, the command line): which report, of which ledger or region, months, format, options."""
    record_report_view(
        actor=actor,
        report=kind.slug,
        fmt=fmt,
        via=via,
        from_period=f"{scope.from_key // 100}-{scope.from_key % 100:02d}",
        to_period=f"{scope.to_key // 100}-{scope.to_key % 100:02d}",
        ledger=scope.single_ledger,
        region=scope.region,
        chart=scope.chart,
        ledgers=len(scope.ledger_ids) if scope.single_ledger is None else None,
        **options,
    )
