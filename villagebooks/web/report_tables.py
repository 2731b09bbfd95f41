"""Reports as the tables the pages draw, with the links that drill down from them.

A built report becomes a ``Table``: header rows, body rows and a totals row of cells already
formatted for display, any of them a link. The reports whose printed form the pages know get
it (the trial balance's grouped header and indented sub-accounts, a statement's headings and
line links, a book's opening, month and year rows); any other report of the catalogue is drawn
from its catalogue entry alone (headers, rows, total, warning), so a report added to
``REPORT_KINDS`` has a page, a CSV and an XLSX without code here. Drill-down follows the
columns' machine names, which the catalogue shares with the CSV header: a ``code`` or
``account`` cell opens that account's detail ledger for the same months, a ``voucher`` cell of
a dated row opens the voucher, a ``ledger_code`` cell of a region's report opens that village's
ledger. Nothing here decides who may see what: the links only lead to pages that check it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.banking.selectors import BankReconciliation
from villagebooks.common.money import format_fen
from villagebooks.ledger.domain.chart import chart_templates
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import Ledger
from villagebooks.regions.models import Region
from villagebooks.reports.books import DetailLedger
from villagebooks.reports.breakdown import VillageBreakdown, township_groups
from villagebooks.reports.catalog import REPORT_KINDS, ReportKind
from villagebooks.reports.fund_summary import FundSummary
from villagebooks.reports.models import StatementKind
from villagebooks.reports.official_forms import OfficialForm
from villagebooks.reports.scope import ReportScope
from villagebooks.reports.statements import Statement
from villagebooks.reports.statistics import StatisticsTable, drill_rows
from villagebooks.reports.trial_balance import TrialBalance, TrialBalanceRow
from villagebooks.web.selectors import posted_voucher_ids

DETAIL_LEDGER = "detail-ledger"
TRIAL_BALANCE = "trial-balance"
VILLAGE_TRIAL_BALANCE = "village-trial-balance"
ACCOUNT_COLUMNS = ("code", "account")
LEDGER_COLUMN = "ledger_code"
# The funds' reports: a project opens its page, an allocation its passport, a ledger its passport.
FUNDS_COLUMNS = ("project", "allocation")
# Printed account books leave the unused side of a line empty; balances always show, 0.00 too.
BLANK_ZERO_COLUMNS = ("debit", "credit")
_DAY = re.compile(r"(\d{4})-(\d{2})-\d{2}")

TRIAL_BALANCE_UNBALANCED = _("试算不平衡！")
TRIAL_BALANCE_UNBALANCED_TEXT = _(
    "借方合计与贷方合计不相等，账簿数据可能有误。请暂停结账，并联系管理员核查余额。"
)
NOTHING_IN_RANGE = _("所选期间没有余额和发生额。")
NO_FUNDS = _("本账套还没有登记资金来源。")
NO_ROWS = _("所选期间没有数据。")
STATEMENT_BALANCED = _("{left}与{right}相等。")

# What a formula reference reads, by statement (see ``reports.statements``).
TERM_MEANINGS = {
    StatementKind.BALANCE_SHEET: {
        "": _("余额"),
        "debit": _("借方余额"),
        "credit": _("贷方余额"),
        "opening": _("年初余额"),
    },
    StatementKind.INCOME: {
        "": _("本期净发生额（不含年末结转）"),
        "debit": _("借方发生额"),
        "credit": _("贷方发生额"),
        "opening": _("年初余额"),
    },
}


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False
    negative: bool = False
    link: str = ""
    row_header: bool = False  # drawn as <th scope="row">: what the row is about
    css: str = ""


@dataclass(frozen=True)
class HeadCell:
    text: str
    numeric: bool = False
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Row:
    key: str  # the value of the table's key attribute (data-code="102"); "" for none
    cells: list[Cell]
    css: str = ""


@dataclass(frozen=True)
class Alert:
    message: str
    title: str = ""
    items: list[str] = field(default_factory=list)


@dataclass
class Table:
    dom_id: str
    key_attribute: str
    head: list[list[HeadCell]]
    body: list[Row]
    foot: list[Row] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty_text: str = NO_ROWS
    wide: bool = False  # printed on landscape paper
    compact: bool = False  # as wide as its content, not the page
    # An official form's lines above and below the table: 表号, 编制单位, date, unit; signatures.
    form_head: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    # Tables drawn under this one, each with its heading (the statistics' checks).
    extra: list[tuple[str, Table]] = field(default_factory=list)


@dataclass
class Links:
    """Where the cells of one page's report lead: the same months, the same ledger or region.

    ``query`` is what every link keeps (``from=2025-01&to=2025-03``, and the chart of a region);
    ``report_account`` is the account the report is about, if any. The books and the vouchers exist
    only within one ledger: a region's report links to the reports of the region and, from a
    village's row, to that village's ledger.
    """

    scope: ReportScope
    query: str
    ledger: Ledger | None = None
    region: Region | None = None
    report_account: str = ""
    _voucher_ids: dict[tuple[int, int], int] | None = field(default=None, repr=False)

    def _target(self) -> tuple[str, str]:
        return ("ledger", self.ledger.code) if self.ledger is not None else ("region", self.region.code)

    def report(self, slug: str, **params: str) -> str:
        level, code = self._target()
        extra = urlencode(params)
        return f"{reverse(f'{level}_report', args=[code, slug])}?{self.query}{'&' + extra if extra else ''}"

    def township(self, code: str, slug: str) -> str:
        """Another region's report (a township's, from a county's breakdown) for the same months."""
        extra = f"&{urlencode({'account': self.report_account})}" if self.report_account else ""
        return f"{reverse('region_report', args=[code, slug])}?{self.query}{extra}"

    def statement_line(self, slug: str, line_no: int) -> str:
        level, code = self._target()
        return f"{reverse(f'{level}_statement_line', args=[code, slug, line_no])}?{self.query}"

    def account(self, code: str) -> str:
        """Where an account leads for the same months: one ledger's detail ledger of ``code``; a
        region's breakdown of ``code`` per village (each row then opens the village's own)."""
        if not str(code).isdigit():
            return ""
        if self.ledger is None:
            return (
                self.report(VILLAGE_TRIAL_BALANCE, account=code)
                if VILLAGE_TRIAL_BALANCE in REPORT_KINDS
                else ""
            )
        return self.report(DETAIL_LEDGER, account=code) if DETAIL_LEDGER in REPORT_KINDS else ""

    def village_ledger(self, code: str) -> str:
        """A village's ledger from a region's row: the account's detail ledger, or its trial balance."""
        if self.region is None or not code:
            return ""
        months = urlencode({"from": period_label(self.scope.from_key), "to": period_label(self.scope.to_key)})
        if self.report_account and DETAIL_LEDGER in REPORT_KINDS:
            path = reverse("ledger_report", args=[code, DETAIL_LEDGER])
            return f"{path}?{months}&{urlencode({'account': self.report_account})}"
        return f"{reverse('ledger_report', args=[code, TRIAL_BALANCE])}?{months}"

    def funds(self, column: str, ledger_code: str, text: str) -> str:
        """A project's page, or an allocation's passport with its drill-down, as at the last month."""
        if not ledger_code or not text or text.startswith("（"):
            return ""
        if column == "project":
            return reverse("funds:project", args=[ledger_code, text])
        query = urlencode({"ledger": ledger_code, "allocation": text, "to": period_label(self.scope.to_key)})
        return f"{reverse('funds:passport')}?{query}"

    def voucher(self, day: str, number_text: str) -> str:
        """The page of the voucher a book row prints as ``day`` and 记-N, or "" if none."""
        number, when = _voucher_number(number_text), _DAY.fullmatch(day or "")
        if self.ledger is None or number is None or when is None:
            return ""
        if self._voucher_ids is None:
            self._voucher_ids = posted_voucher_ids(
                ledger=self.ledger, from_key=self.scope.from_key, to_key=self.scope.to_key
            )
        pk = self._voucher_ids.get((int(when[1]) * 100 + int(when[2]), int(number[1])))
        return reverse("vouchers:desk", args=[self.ledger.code, pk]) if pk else ""


def _voucher_number(text: str) -> re.Match | None:
    """The number N of a book row's voucher, as ``reports.books`` printed it (记-N, or V-N in English)."""
    printed = re.escape(gettext("记-{number}")).replace(re.escape("{number}"), r"(\d+)", 1)
    return re.fullmatch(printed, text or "")


def _amount(fen: int | None, *, blank_zero: bool = False) -> Cell:
    """An amount in fen (or a percentage in hundredths); None, a figure that has no value, is blank."""
    if fen is None:
        return Cell("", numeric=True)
    return Cell(format_fen(fen) if fen or not blank_zero else "", numeric=True, negative=fen < 0)


def _single_head(headers: list[str], text_columns: int) -> list[list[HeadCell]]:
    return [[HeadCell(header, numeric=index >= text_columns) for index, header in enumerate(headers)]]


def catalogue_row(
    kind: ReportKind, values: list, links: Links, *, key: str = "", css: str = "", own_account: str = ""
) -> Row:
    """One row of ``kind.rows()``: text columns as text, the others as amounts, with their links."""
    columns = kind.columns
    day = values[columns.index("date")] if "date" in columns else ""
    cells = []
    for index, value in enumerate(values):
        column = columns[index] if index < len(columns) else ""
        if index >= kind.text_columns and not isinstance(value, str):  # a str after the amounts: text
            cells.append(_amount(value, blank_zero=column in BLANK_ZERO_COLUMNS))
            continue
        text = "" if value is None else str(value)
        link = ""
        if column in ACCOUNT_COLUMNS and text != own_account:
            link = links.account(text)
        elif column == "voucher":
            link = links.voucher(str(day), text)
        elif column == LEDGER_COLUMN:
            link = links.village_ledger(text)
        elif column in FUNDS_COLUMNS and "ledger" in columns:
            link = links.funds(column, values[columns.index("ledger")], text)
        cells.append(Cell(text, link=link, css="code" if column in ACCOUNT_COLUMNS else ""))
    return Row(key=key, cells=cells, css=css)


def _catalogue_table(kind: ReportKind, report: Any, links: Links) -> Table:
    body = [catalogue_row(kind, values, links, key=str(n)) for n, values in enumerate(kind.rows(report), 1)]
    warning = kind.warning(report)
    return Table(
        dom_id=kind.slug,
        key_attribute="data-row",
        head=_single_head(kind.headers, kind.text_columns),
        body=body,
        foot=[catalogue_row(kind, kind.total(report), links, key="total", css="total")],
        alerts=[Alert(warning)] if warning else [],
        wide=len(kind.headers) > 6,
    )


def _trial_balance_head() -> list[list[HeadCell]]:
    debit, credit = HeadCell(_("借方"), numeric=True), HeadCell(_("贷方"), numeric=True)
    return [
        [
            HeadCell(_("科目编码"), rowspan=2),
            HeadCell(_("科目名称"), rowspan=2),
            HeadCell(_("期初余额"), colspan=2),
            HeadCell(_("本期发生额"), colspan=2),
            HeadCell(_("期末余额"), colspan=2),
        ],
        [debit, credit, debit, credit, debit, credit],
    ]


def trial_balance_rows(rows: list[TrialBalanceRow], links: Links) -> list[Row]:
    return [
        Row(
            key=row.code,
            css=f"level-{row.level}",
            cells=[
                Cell(row.code, link=links.account(row.code), css="code"),
                Cell(row.name, row_header=True, css="account"),
                *(_amount(amount, blank_zero=True) for amount in row.amounts()),
            ],
        )
        for row in rows
    ]


def _trial_balance_alert(report: TrialBalance) -> Alert:
    total, items = report.total, []
    for label, debit, credit in (
        (_("期初"), total.opening_debit_fen, total.opening_credit_fen),
        (_("本期发生"), total.debit_fen, total.credit_fen),
        (_("期末"), total.closing_debit_fen, total.closing_credit_fen),
    ):
        if debit != credit:
            items.append(f"{label}：{_('借方')} {format_fen(debit)}，{_('贷方')} {format_fen(credit)}")
    return Alert(TRIAL_BALANCE_UNBALANCED_TEXT, title=TRIAL_BALANCE_UNBALANCED, items=items)


def _trial_balance_table(kind: ReportKind, report: TrialBalance, links: Links) -> Table:
    total = Row(
        key="total",
        css="total",
        cells=[Cell(""), Cell(_("合计"), row_header=True), *(_amount(a) for a in report.total.amounts())],
    )
    return Table(
        dom_id=kind.slug,
        key_attribute="data-code",
        head=_trial_balance_head(),
        body=trial_balance_rows(report.rows, links),
        foot=[total],
        alerts=[] if report.is_balanced else [_trial_balance_alert(report)],
        notes=[report.scope.mapping_note] if report.scope.mapping_note else [],
        empty_text=NOTHING_IN_RANGE,
        wide=True,
    )


def _fund_summary_table(kind: ReportKind, report: FundSummary, links: Links) -> Table:
    def row(key: str, name: str, fund_kind: str, amounts: list[int], css: str = "") -> Row:
        cells = [Cell(name, row_header=True, css="account"), Cell(fund_kind), *(_amount(a) for a in amounts)]
        return Row(key=key, cells=cells, css=css)

    return Table(
        dom_id=kind.slug,
        key_attribute="data-fund",
        head=_single_head(kind.headers, kind.text_columns),
        body=[row(r.name, r.name, r.kind, r.amounts()) for r in report.rows],
        foot=[row("total", _("合计"), "", report.total.amounts(), css="total")],
        # The funds' 专项应付款 and 一事一议资金 against the balance sheet's, when they differ.
        alerts=[Alert(report.warning)] if report.warning else [],
        empty_text=NO_FUNDS,
        wide=True,
    )


def _statement_table(kind: ReportKind, report: Statement, links: Links) -> Table:
    body = []
    for line in report.rows:
        css = [
            "heading" if line.amounts is None else "",
            "bold" if line.bold else "",
            f"indent-{line.indent}",
        ]
        link = links.statement_line(kind.slug, line.line_no) if line.line_no and line.amounts else ""
        amounts = [_amount(a) for a in line.amounts] if line.amounts else [Cell(""), Cell("")]
        cells = [
            Cell(str(line.line_no or ""), css="line-no"),
            Cell(line.label, link=link, row_header=True, css="account"),
            *amounts,
        ]
        body.append(Row(key=str(line.line_no or ""), cells=cells, css=" ".join(c for c in css if c)))
    notes = []
    if report.check is not None and report.is_balanced:
        left, right = (report.labels[n] for n in report.check)
        notes.append(str(STATEMENT_BALANCED).format(left=left, right=right))
    if report.scope.mapping_note:
        notes.append(report.scope.mapping_note)
    return Table(
        dom_id=kind.slug,
        key_attribute="data-line",
        head=_single_head(kind.headers, kind.text_columns),
        body=body,
        alerts=[Alert(report.warning)] if report.warning else [],
        notes=notes,
    )


def _book_table(kind: ReportKind, report: DetailLedger, links: Links) -> Table:
    body = [
        catalogue_row(
            kind, values, links, key=str(n), css=f"book-{row.kind}", own_account=report.account_code
        )
        for n, (row, values) in enumerate(zip(report.rows, kind.rows(report), strict=True), 1)
    ]
    total = catalogue_row(
        kind, kind.total(report), links, key="total", css="total", own_account=report.account_code
    )
    return Table(
        dom_id=kind.slug,
        key_attribute="data-row",
        head=_single_head(kind.headers, kind.text_columns),
        body=body,
        foot=[total],
        wide=True,
    )


def _bank_reconciliation_table(kind: ReportKind, report: BankReconciliation, links: Links) -> Table:
    """The 调节表 as rows that say what each is (the CSV keeps the machine ``kind``); an item of
    the books opens its voucher."""

    bold = {"book_balance", "bank_balance", "adjusted_book", "adjusted_bank"}

    def row(item, css: str = "") -> Row:
        link = reverse("vouchers:desk", args=[report.ledger.code, item.voucher_id]) if item.voucher_id else ""
        cells = [
            Cell(item.kind_label, row_header=True, css="account"),
            Cell(item.date.isoformat() if item.date else ""),
            Cell("" if item.kind in bold else item.summary, link=link),  # a balance's words are its label
            _amount(item.amount_fen),
        ]
        return Row(key=item.kind, cells=cells, css=css)

    total = kind.total(report)
    foot = Row(
        key="difference",
        cells=[Cell(_("差额"), row_header=True), Cell(total[1]), Cell(total[2]), _amount(total[3])],
        css="total",
    )
    return Table(
        dom_id=kind.slug,
        key_attribute="data-kind",
        head=_single_head(kind.headers, kind.text_columns),
        body=[row(item, "bold" if item.kind in bold else "") for item in report.rows()],
        foot=[foot],
        alerts=[Alert(report.warning)] if report.warning else [],
    )


def _village_table(kind: ReportKind, report: VillageBreakdown, links: Links) -> Table:
    """One row a village, grouped by township with a subtotal each when the region spans several
    townships; the village's name is the row's header, the township's subtotal opens its own
    consolidated report."""
    groups = township_groups(report)
    subtotals = len(groups) > 1 or (
        links.region is not None and links.region.kind not in ("township", "village")
    )
    body = []
    for group in groups:
        for row in group.rows:
            values = row.cells()
            line = catalogue_row(kind, values, links, key=row.ledger_code)
            cells = list(line.cells)
            cells[1] = Cell(row.village_name, row_header=True, css="village-name")
            body.append(Row(key=line.key, cells=cells))
        if subtotals and group.code:
            label = gettext("{township} 小计").format(township=group.name)
            body.append(
                Row(
                    key=f"township-{group.code}",
                    css="subtotal",
                    cells=[
                        Cell(group.code, css="code"),
                        Cell(
                            label,
                            row_header=True,
                            link=links.township(group.code, kind.slug),
                            css="village-name",
                        ),
                        Cell(gettext("{count} 个账套").format(count=len(group.rows))),
                        *(_amount(a) for a in group.subtotal),
                    ],
                )
            )
    warning = kind.warning(report)
    return Table(
        dom_id=kind.slug,
        key_attribute="data-row",
        head=_single_head(kind.headers, kind.text_columns),
        body=body,
        foot=[catalogue_row(kind, kind.total(report), links, key="total", css="total")],
        alerts=[Alert(warning)] if warning else [],
        wide=True,
    )


STATEMENT_SLUGS = {StatementKind.BALANCE_SHEET: "balance-sheet", StatementKind.INCOME: "income-statement"}


def _form_table(kind: ReportKind, report: OfficialForm, links: Links) -> Table:
    """An official form as printed: its header lines, its columns (two sides for 账户式), headings
    and subtotals in bold, each line's item opening the accounts behind it, the signatures."""
    statement_slug = STATEMENT_SLUGS[report.kind]
    body = []
    for index, row in enumerate(report.rows, 1):
        cells = []
        for position, cell in enumerate(row):
            css = ["bold" if cell.bold else ""]
            if cell.amount:
                cells.append(_amount(cell.fen) if cell.fen is not None else Cell("", numeric=True))
                continue
            if position % 4 == 0:
                css.append(f"account indent-{cell.indent}")
                link = links.statement_line(statement_slug, cell.line_no) if cell.line_no else ""
                cells.append(
                    Cell(cell.text, link=link, row_header=position == 0, css=" ".join(c for c in css if c))
                )
            else:
                cells.append(Cell(cell.text, css="line-no"))
        body.append(Row(key=str(index), cells=cells))
    notes = [report.note] if report.note else []
    if report.scope.mapping_note:
        notes.append(report.scope.mapping_note)
    return Table(
        dom_id=kind.slug,
        key_attribute="data-row",
        head=_single_head(report.headers, 0),
        body=body,
        alerts=[Alert(report.warning)] if report.warning else [],
        notes=notes,
        wide=len(report.headers) > 4,
        form_head=[report.table_no, report.organisation, report.date_text, report.unit_text],
        signatures=report.signatures,
    )


STAT_UNSURE = _("（未核实）")
STAT_FLAGGED = _("同比变动超过 {threshold}%")
CHECKS_TITLE = _("表内校验")
CHECK_PASSED = _("通过")
CHECK_FAILED_TEXT = _("未通过")
CHECK_VILLAGES = _("{count} 个村不符：{villages}")


def _stat_figure(fen: int | None, *, count: bool, link: str = "") -> Cell:
    if fen is None:
        return Cell("", numeric=True)
    text = str(fen) if count else format_fen(fen)
    return Cell(text, numeric=True, negative=fen < 0, link=link)


def _statistics_table(kind: ReportKind, report: StatisticsTable, links: Links) -> Table:
    """A statistics form: 行次, 项目 (UNSURE rows marked), this year's figure opening the villages
    behind it, last year's, the change (flagged over the threshold); the form's checks below."""
    flagged_title = gettext(STAT_FLAGGED).format(threshold=report.threshold)
    body = []
    for line in report.lines:
        row = line.row
        link = links.statement_line(kind.slug, row.no) if row.has_value else ""
        label = row.label + (gettext(STAT_UNSURE) if row.unsure else "")
        pct = line.change_pct
        change = "" if pct is None or not row.has_value else f"{pct / 100:+.1f}%"
        if line.flagged:
            change = f"※ {change or gettext('新增')}"
        body.append(
            Row(
                key=str(row.no),
                cells=[
                    Cell(str(row.no), css="line-no"),
                    Cell(
                        label,
                        row_header=True,
                        css=f"account indent-{row.indent}" + (" bold" if row.bold else ""),
                    ),
                    _stat_figure(line.value if row.has_value else None, count=line.is_count, link=link),
                    _stat_figure(line.last if row.has_value else None, count=line.is_count),
                    Cell(
                        change,
                        numeric=True,
                        link=link if line.flagged else "",
                        css="flagged" if line.flagged else "",
                    ),
                ],
                css="flagged" if line.flagged else "",
            )
        )
    checks = []
    for index, result in enumerate(report.checks, 1):
        is_count = report.form.row(result.check.left).is_count
        failing = ""
        if result.failing:
            names = gettext("、").join(v.name for v, _a, _b in result.failing[:10])
            failing = gettext(CHECK_VILLAGES).format(count=len(result.failing), villages=names)
        checks.append(
            Row(
                key=f"check-{index}",
                cells=[
                    Cell(result.check.text, row_header=True),
                    _stat_figure(result.left, count=is_count),
                    _stat_figure(result.right, count=is_count),
                    Cell(
                        gettext(CHECK_PASSED) if result.passed else gettext(CHECK_FAILED_TEXT),
                        css="check-result",
                    ),
                    Cell(failing),
                ],
                css="check-pass" if result.passed else "check-fail",
            )
        )
    check_table = Table(
        dom_id=f"{kind.slug}-checks",
        key_attribute="data-check",
        head=_single_head(
            [gettext("校验关系"), gettext("左边"), gettext("右边"), gettext("结果"), gettext("说明")], 0
        ),
        body=checks,
        compact=True,
    )
    notes = [f"{row.no}. {row.label}：{row.unsure}" for row in report.form.rows if row.unsure]
    if report.scope.mapping_note:
        notes.append(report.scope.mapping_note)
    form_head = [
        report.form.table_no,
        gettext("编制单位：{name}").format(name=report.scope.region.name),
        gettext("{year} 年度").format(year=report.year),
        gettext("单位：{unit}").format(unit=report.form.unit),
    ]
    return Table(
        dom_id=kind.slug,
        key_attribute="data-row",
        head=_single_head([str(h) for h in kind.headers[:5]], 2),
        body=body,
        alerts=[Alert(report.warning)] if report.warning else [],
        notes=[flagged_title + "：※", *notes],
        form_head=form_head,
        extra=[(gettext(CHECKS_TITLE), check_table)] if checks else [],
    )


def statistics_drill_table(report: StatisticsTable, no: int, links: Links, *, slug: str) -> Table:
    """The villages behind one row: this year, last year, change; each village opens its own
    statement for the year (and from there the accounts and vouchers)."""
    line = report.line(no)
    statement = "balance-sheet-form" if report.form.basis == "balance_sheet" else "income-statement-form"
    months = urlencode({"from": f"{report.year}-01", "to": f"{report.year}-12"})
    body = []
    for drill in drill_rows(report, no):
        village = drill.village
        ledger_links = [
            Cell(code, link=f"{reverse('ledger_report', args=[code, statement])}?{months}")
            for code in village.ledger_codes
        ]
        pct = drill.change_pct
        body.append(
            Row(
                key=village.code,
                cells=[
                    Cell(village.township_name),
                    Cell(village.name, row_header=True, link=links.township(village.code, slug)),
                    ledger_links[0] if ledger_links else Cell(""),
                    _stat_figure(drill.value, count=line.is_count),
                    _stat_figure(drill.last, count=line.is_count),
                    Cell("" if pct is None else f"{pct / 100:+.1f}%", numeric=True),
                ],
            )
        )
    return Table(
        dom_id="statistics-villages",
        key_attribute="data-village",
        head=_single_head(
            [
                gettext("乡镇"),
                gettext("村"),
                gettext("账套"),
                gettext("本年"),
                gettext("上年"),
                gettext("增减%"),
            ],
            3,
        ),
        body=body,
        foot=[
            Row(
                key="total",
                css="total",
                cells=[
                    Cell(""),
                    Cell(gettext("合计"), row_header=True),
                    Cell(""),
                    _stat_figure(line.value, count=line.is_count),
                    _stat_figure(line.last, count=line.is_count),
                    Cell(""),
                ],
            )
        ],
    )


# Reports whose printed form the pages know, by what their builder returns.
_SHAPED = (
    (TrialBalance, _trial_balance_table),
    (FundSummary, _fund_summary_table),
    (Statement, _statement_table),
    (DetailLedger, _book_table),
    (BankReconciliation, _bank_reconciliation_table),
    (VillageBreakdown, _village_table),
    (OfficialForm, _form_table),
    (StatisticsTable, _statistics_table),
)


def report_table(kind: ReportKind, report: Any, links: Links) -> Table:
    """The table a page draws for ``report``, built by ``kind`` over ``links.scope``."""
    for report_type, build in _SHAPED:
        if isinstance(report, report_type):
            return build(kind, report, links)
    return _catalogue_table(kind, report, links)


def report_heading(kind: ReportKind, report: Any) -> str:
    """The report's title as printed: the detail ledger names its account."""
    code, name = getattr(report, "account_code", ""), getattr(report, "account_name", "")
    return f"{kind.title} {code} {name}".strip() if kind.needs_account and code else kind.title


@dataclass(frozen=True)
class LineAccounts:
    """A statement line taken apart: the terms of its formula and the accounts' trial balance."""

    terms: Table
    accounts: Table
    codes: list[str]


def line_accounts_tables(
    *,
    terms: list[tuple[int, str, str]],
    statement_kind: str,
    trial_balance: TrialBalance,
    links: Links,
) -> LineAccounts:
    """The terms of a line (sign, account, what is read) and the trial balance of their accounts.

    The trial balance keeps the rows of every account a term names and of its sub-accounts, so
    the figures behind the line can be followed down to the detail ledger of each.
    """
    names = {t.code: t.name for t in chart_templates(trial_balance.scope.chart)}
    names.update({row.code: row.name for row in trial_balance.rows})
    meanings = TERM_MEANINGS[statement_kind]
    term_rows = []
    for coefficient, function, code in terms:
        sign = ("＋" if coefficient > 0 else "－") + (f"{abs(coefficient)}×" if abs(coefficient) != 1 else "")
        cells = [
            Cell(sign, css="sign"),
            Cell(code, link=links.account(code), css="code"),
            Cell(names.get(code, ""), row_header=True, css="account"),
            Cell(str(meanings.get(function, function))),
        ]
        term_rows.append(Row(key=f"{function}({code})" if function else code, cells=cells))
    codes = list(dict.fromkeys(code for _c, _f, code in terms))
    rows = [row for row in trial_balance.rows if any(row.code.startswith(code) for code in codes)]
    return LineAccounts(
        terms=Table(
            dom_id="line-terms",
            key_attribute="data-term",
            head=[
                [HeadCell(_("加减")), HeadCell(_("科目编码")), HeadCell(_("科目名称")), HeadCell(_("取数"))]
            ],
            body=term_rows,
            compact=True,
        ),
        accounts=Table(
            dom_id="line-accounts",
            key_attribute="data-code",
            head=_trial_balance_head(),
            body=trial_balance_rows(rows, links),
            empty_text=NOTHING_IN_RANGE,
            wide=True,
        ),
        codes=codes,
    )
