"""One screen for a county, township or village (概览): how its villages stand in a year.

Every figure is a handful of SQL aggregations over the scope's ledgers, the same rows the reports
read, never a loop over ledgers; the money figures come from the region's roll-ups where the
reports' do (``scope.rollup_source``), and count the region's 2004 ledgers under their 2023
codes (新旧衔接 map), as its balance sheet and income statement do:

- money on hand (库存现金 + 银行存款) at each month's end, this year beside last year;
- income and spending by month (the 收益 accounts, year-end closing entries left out), this year
  beside last year;
- villages by 经营收益 band (the statistics form's own rows, so the counts are the 年报's);
- closing progress: months closed per village;
- projects and funds: allocations to the villages, project budgets and what was booked against
  them (lines tagged with the project on the budget's accounts);
- subsidies paid (posted lists of the year);
- open findings (supervision's ``findings_list``, read only).

The page draws each as a chart with a table under it; each figure links to its report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.funds.models import AllocationShare, BudgetLine, ProjectEntry
from villagebooks.ledger.domain.chart import chart_templates
from villagebooks.ledger.models import AccountBalance, Period, PeriodStatus, VoucherLine, VoucherStatus
from villagebooks.registry.models import SubsidyBatch
from villagebooks.reports.chart_map import chart_map
from villagebooks.reports.scope import ReportScope, opening_window, rollup_source
from villagebooks.reports.statistics import Village, form_for, village_values, year_scope
from villagebooks.supervision.services import alerts_list, findings_list

CASH_PREFIXES = ("101", "102")
# Open alerts are found by running supervision's rules over the year's lines: on SQLite a village
# in 25 ms and a township in 75 ms of CPU, but on PostgreSQL a township of 8 villages took 10 s
# (measured under load). So by default the dashboard does not run them: it links to the
# supervision page; an installation sets VILLAGEBOOKS_DASHBOARD_ALERT_LEDGERS to count them for
# regions of up to that many ledgers.
ALERT_LEDGERS_DEFAULT = 0
# The statistics form whose rows give the 经营收益 bands (row 7 and the count rows that read it).
BAND_FORM = "income-distribution"
OPERATING_PROFIT_ROW = 7


@dataclass
class MonthSeries:
    this_year: list[int]  # 12 values, fen (a month not yet booked repeats the cash / is zero)
    last_year: list[int] | None  # None: the books hold nothing for last year


@dataclass
class Band:
    label: str
    count: int
    row: int | None  # the statistics row that counts it (None: the villages without 经营收益)


@dataclass
class ClosingRow:
    village: Village
    months_closed: int


@dataclass
class ProjectRow:
    ledger_code: str
    village_name: str
    code: str
    name: str
    state: str
    budget_fen: int
    spent_fen: int

    @property
    def rate(self) -> int | None:
        """Spent ÷ budget in hundredths of a percent."""
        return None if not self.budget_fen else self.spent_fen * 10_000 // self.budget_fen


@dataclass
class Dashboard:
    scope: ReportScope
    year: int
    last_month: int  # the last month of the year shown (this year: up to the latest booked)
    cash: MonthSeries
    income: MonthSeries
    spending: MonthSeries
    bands: list[Band]
    closing: list[ClosingRow]
    allocated_fen: int
    projects: list[ProjectRow]
    subsidy_batches: int
    subsidy_paid_fen: int
    open_findings: int
    overdue_findings: int
    villages: int
    findings_visible: bool = True
    open_alerts: int | None = None  # None: not counted here (too many ledgers, or not the user's to see)
    notes: list[str] = field(default_factory=list)

    @property
    def cash_now(self) -> int:
        return self.cash.this_year[self.last_month - 1] if self.last_month else 0

    @property
    def income_total(self) -> int:
        return sum(self.income.this_year)

    @property
    def spending_total(self) -> int:
        return sum(self.spending.this_year)

    @property
    def budget_fen(self) -> int:
        return sum(p.budget_fen for p in self.projects)

    @property
    def spent_fen(self) -> int:
        return sum(p.spent_fen for p in self.projects)

    @property
    def closed_fully(self) -> int:
        return sum(1 for row in self.closing if row.months_closed >= 12)


def _categories(chart: str) -> tuple[list[str], list[str]]:
    templates = [t for t in chart_templates(chart) if len(t.code) == 3]
    income = [t.code for t in templates if t.category == "income"]
    expense = [t.code for t in templates if t.category == "expense"]
    return income, expense


def _prefixes(codes, field: str) -> Q:
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(**{f"{field}__startswith": code})
    return condition


@dataclass(frozen=True)
class _Source:
    """Where one chart's part of the scope is read: its region's roll-ups (a few rows however many
    villages) or its ledgers' balance rows; the account code's field there; and the balance window
    before the first month of each year asked for."""

    rows: QuerySet
    code: str
    openings: dict[int, Q]


def _source(part: ReportScope, years: tuple[int, ...]) -> _Source:
    source = rollup_source(part, before_keys=tuple(y * 100 + 1 for y in years))
    if source is not None:
        rows, windows = source
        return _Source(rows, "account_code", dict(zip(years, windows, strict=True)))
    openings = {y: opening_window(year_scope(part, y), before_key=y * 100 + 1) for y in years}
    return _Source(AccountBalance.objects.filter(ledger_id__in=part.ledger_ids), "account__code", openings)


def _parts(scope: ReportScope) -> list[tuple[ReportScope, dict[str, str]]]:
    """The scope's ledgers by chart, each with the map of its level-1 codes to the scope chart's:
    its own ledgers (no map), then its 2004 ledgers under their 2023 codes (新旧衔接 map)."""
    parts: list[tuple[ReportScope, dict[str, str]]] = [(scope.native(), {})]
    if scope.mapped_ledger_ids:
        mapping = chart_map()
        parts.append((scope.mapped(), {old: pair.new for old, pair in mapping.pairs.items()}))
    return parts


def _monthly(scope: ReportScope, year: int) -> dict[int, tuple[list[int], list[int], list[int]] | None]:
    """For ``year`` and the year before: cash at each month's end, income and spending per month.

    Last year is read from the ledgers that held the region's books then (``ReportScope.moved``):
    a village whose 2004 ledger was carried over to a new one in ``year`` counts its old ledger
    there. Where those are the same ledgers, both years come from one reading."""
    last = scope.moved(from_key=(year - 1) * 100 + 1, to_key=(year - 1) * 100 + 12)
    if (last.ledger_ids, last.mapped_ledger_ids) == (scope.ledger_ids, scope.mapped_ledger_ids):
        return _monthly_of(scope, (year - 1, year), year)
    return {**_monthly_of(last, (year - 1,), year), **_monthly_of(scope, (year,), year)}


def _monthly_of(
    scope: ReportScope, years: tuple[int, ...], year: int
) -> dict[int, tuple[list[int], list[int], list[int]] | None]:
    """``_monthly`` of ``years`` over the scope's ledgers: per chart (2004 ledgers under their 2023
    codes), two aggregations by level-1 code: the opening cash of each year, the years' movements
    by month."""
    income_codes, expense_codes = _categories(scope.chart)
    kinds = {code: "cash" for code in CASH_PREFIXES}
    kinds.update({code: "income" for code in income_codes})
    kinds.update({code: "expense" for code in expense_codes})
    moves = {y: {"cash": [0] * 12, "income": [0] * 12, "expense": [0] * 12} for y in years}
    openings = dict.fromkeys(years, 0)
    booked = set()
    for part, mapped in _parts(scope):
        if not part.ledger_ids:
            continue
        source = _source(part, years)
        # The part's own level-1 codes that are read: those of the accounts shown, mapped or not.
        heads = (
            {code for code in kinds} if not mapped else {old for old, new in mapped.items() if new in kinds}
        )
        cash_heads = [h for h in heads if kinds[mapped.get(h, h)] == "cash"]
        rows = (
            source.rows.filter(
                period_key__gte=min(years) * 100 + 1,
                period_key__lte=max(years) * 100 + 12,
                month__gte=1,
                is_closing=False,
            )
            # Only the accounts read, named by prefix so that the other rows drop out before grouping.
            .filter(_prefixes(sorted(heads), source.code))
            .annotate(head_code=Substr(source.code, 1, 3))
            .values("period_key", "head_code")
            .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
            .order_by()
        )
        for row in rows:
            kind = kinds.get(mapped.get(row["head_code"], row["head_code"]))
            if kind is None:
                continue
            net = (row["debit"] or 0) - (row["credit"] or 0)
            y, month = divmod(row["period_key"], 100)
            booked.add(y)
            moves[y][kind][month - 1] += -net if kind == "income" else net
        for y in years:
            openings[y] += (
                source.rows.filter(source.openings[y])
                .filter(_prefixes(sorted(cash_heads), source.code))
                .aggregate(net=Sum(F("debit_fen") - F("credit_fen")))["net"]
                or 0
            )
    result = {}
    for y in years:
        if y < year and y not in booked and not openings[y]:
            result[y] = None  # the books began later
            continue
        balances, running = [], openings[y]
        for month in range(12):
            running += moves[y]["cash"][month]
            balances.append(running)
        result[y] = (balances, moves[y]["income"], moves[y]["expense"])
    return result


def _last_booked_month(scope: ReportScope, year: int) -> int:
    latest = 0
    for part, _mapped in _parts(scope):
        if not part.ledger_ids:
            continue
        month = (
            _source(part, (year,))
            .rows.filter(period_key__gte=year * 100 + 1, period_key__lte=year * 100 + 12, month__gte=1)
            .order_by("-period_key")
            .values_list("month", flat=True)
            .first()
        )
        latest = max(latest, month or 0)
    return latest


def _bands(scope: ReportScope, year: int) -> tuple[list[Band], dict[int, Village]]:
    form = form_for(BAND_FORM, year)
    counted = {
        row.no for row in form.rows if row.count_where and int(row.count_where["row"]) == OPERATING_PROFIT_ROW
    }
    villages, values, _has_books = village_values(year_scope(scope, year), form, year, rows=counted)
    bands = []
    profit = values.get(OPERATING_PROFIT_ROW, {})
    without = sum(1 for pk in villages if profit.get(pk, 0) <= 0)
    bands.append(Band(label="", count=without, row=None))
    for row in form.rows:
        if row.no in counted and row.indent:  # the bands, not their total
            bands.append(Band(label=row.label, count=sum(values[row.no].values()), row=row.no))
    return bands, villages


def _closing(scope: ReportScope, year: int, villages: dict[int, Village]) -> list[ClosingRow]:
    closed = dict(
        Period.objects.filter(
            ledger_id__in=scope.ledger_ids, year=year, month__gte=1, status=PeriodStatus.CLOSED
        )
        .values("ledger__village_id")
        .annotate(n=Count("id"))
        .values_list("ledger__village_id", "n")
    )
    rows = []
    for pk, village in villages.items():
        # A village of several ledgers: the months all its ledgers closed, on average, rounded down.
        rows.append(ClosingRow(village, min(12, closed.get(pk, 0) // max(len(village.ledger_codes), 1))))
    rows.sort(key=lambda r: (r.months_closed, r.village.code))
    return rows


def _projects(scope: ReportScope) -> list[ProjectRow]:
    entries = list(
        ProjectEntry.objects.filter(ledger_id__in=scope.ledger_ids)
        .select_related("ledger__village", "project")
        .order_by("ledger__code", "project__code")
    )
    if not entries:
        return []
    budgets: dict[int, list[tuple[str, int]]] = {}
    for line in BudgetLine.objects.filter(entry__in=entries).values(
        "entry_id", "account_prefix", "budget_fen"
    ):
        budgets.setdefault(line["entry_id"], []).append((line["account_prefix"], line["budget_fen"]))
    spent_rows = (
        VoucherLine.objects.filter(
            ledger_id__in=scope.ledger_ids,
            project_id__in=[e.project_id for e in entries],
            voucher__status=VoucherStatus.POSTED,
        )
        .values("ledger_id", "project_id", "account__code")
        .annotate(net=Sum(F("debit_fen") - F("credit_fen")))
        .order_by()
    )
    spent: dict[tuple[int, int], list[tuple[str, int]]] = {}
    for row in spent_rows:
        spent.setdefault((row["ledger_id"], row["project_id"]), []).append(
            (row["account__code"], row["net"] or 0)
        )
    rows = []
    for entry in entries:
        prefixes = [prefix for prefix, _b in budgets.get(entry.pk, [])]
        booked = sum(
            net
            for code, net in spent.get((entry.ledger_id, entry.project_id), [])
            if any(code.startswith(p) for p in prefixes)
        )
        rows.append(
            ProjectRow(
                ledger_code=entry.ledger.code,
                village_name=entry.ledger.village.name,
                code=entry.project.code,
                name=entry.project.name,
                state=entry.get_state_display(),
                budget_fen=sum(b for _p, b in budgets.get(entry.pk, [])),
                spent_fen=booked,
            )
        )
    return rows


def _subsidies(scope: ReportScope, year: int) -> tuple[int, int]:
    paid = SubsidyBatch.objects.filter(
        ledger_id__in=scope.ledger_ids, voucher__status=VoucherStatus.POSTED, pay_date__year=year
    ).aggregate(n=Count("id"), total=Sum("total_fen"))
    return paid["n"] or 0, paid["total"] or 0


def alert_ledgers() -> int:
    """How many ledgers a dashboard counts the open alerts of (``VILLAGEBOOKS_DASHBOARD_ALERT_LEDGERS``)."""
    return int(getattr(settings, "VILLAGEBOOKS_DASHBOARD_ALERT_LEDGERS", ALERT_LEDGERS_DEFAULT))


def build_dashboard(scope: ReportScope, *, user) -> Dashboard:
    """The dashboard of the scope's region for the year its range ends in."""
    year = scope.to_key // 100
    monthly = _monthly(scope, year)
    cash, income, spending = monthly[year]
    last_cash, last_income, last_spending = monthly[year - 1] or (None, None, None)
    bands, villages = _bands(scope, year)
    allocated = (
        AllocationShare.objects.filter(ledger_id__in=scope.ledger_ids, allocation__date__year=year).aggregate(
            total=Sum("amount_fen")
        )["total"]
        or 0
    )
    batches, paid = _subsidies(scope, year)
    findings_visible = True
    try:
        findings = findings_list(actor=user, region_code=scope.region.code, open_only=True)
    except (DomainError, NotPermitted):  # a role that may not see findings sees the rest of the page
        findings, findings_visible = [], False
    ids = set(scope.ledger_ids)
    findings = [f for f in findings if f.ledger_id in ids]
    open_alerts = None
    if len(scope.ledger_ids) + len(scope.mapped_ledger_ids) <= alert_ledgers():
        try:
            found = alerts_list(
                actor=user, region_code=scope.region.code, first=f"{year}-01", last=f"{year}-12"
            )
            open_alerts = len(found.alerts)
        except (DomainError, NotPermitted):  # a role that does not see alerts
            open_alerts = None
    return Dashboard(
        scope=year_scope(scope, year),
        year=year,
        last_month=_last_booked_month(scope, year),
        cash=MonthSeries(cash, last_cash),
        income=MonthSeries(income, last_income),
        spending=MonthSeries(spending, last_spending),
        bands=bands,
        closing=_closing(scope, year, villages),
        allocated_fen=allocated,
        projects=_projects(scope),
        subsidy_batches=batches,
        subsidy_paid_fen=paid,
        open_findings=len(findings),
        overdue_findings=sum(1 for f in findings if f.overdue),
        villages=len(villages),
        findings_visible=findings_visible,
        open_alerts=open_alerts,
    )
