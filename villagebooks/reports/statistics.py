"""The annual rural collective economy statistics (农村集体经济统计年报), filled in from the books and
the household register, for any region.

The forms are data (``data/statistics-forms.json``, versioned by year; an installation's own copy
in ``VILLAGEBOOKS_HOME`` wins): rows with 行次 whose values are statement formulas over the 2023
chart's accounts, credits on the year's 收益分配凭证, counts of villages by another row's value, or
counts from the register; and the form's checks (``7 = 1 + 2 + 3 - 4 - 5``).

Everything is read per village through a few SQL aggregations grouped by ledger (the balances:
``breakdown.ledger_figures``; the distribution vouchers' credits; the register's households and
persons), never a query per village: a village's figure is its own ledgers' added up, the
region's the villages' added up, so every cell drills to the villages behind it. 2004 ledgers
are read under their 2023 codes through the 新旧衔接 map. Last year's table is computed the same
way, and a row that changed by at least ``yoy_threshold_percent`` is flagged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cache

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.common.home import instance_home
from villagebooks.common.money import fen_to_text
from villagebooks.ledger.domain.chart import DATA_DIR
from villagebooks.ledger.models import Ledger, Voucher, VoucherKind, VoucherLine, VoucherStatus
from villagebooks.registry.models import Household, Person
from villagebooks.reports.breakdown import ledger_figures
from villagebooks.reports.chart_map import chart_map
from villagebooks.reports.comparisons import change_percent
from villagebooks.reports.models import StatementKind
from villagebooks.reports.scope import ReportScope
from villagebooks.reports.statements import Term, evaluate_lines, parse_formula

FILE_NAME = "statistics-forms.json"
NO_VERSION = _("{year} 年没有适用的统计报表格式（statistics-forms.json）")
UNKNOWN_FORM = _("统计报表 {slug} 不存在")
REGION_ONLY = _("统计年报按区域汇总，请选择县、乡镇或村")
BAD_CHECK = _("statistics-forms.json 中{title}的校验“{check}”无法识别")
BAD_ROW = _("statistics-forms.json 中{title}第 {row} 行：{reason}")
CHECK_FAILED = _("{count} 项校验未通过")

_CHECK = re.compile(r"^\s*(\d+)\s*=\s*(\d+(?:\s*[-+]\s*\d+)*)\s*$")
_TERM = re.compile(r"([-+]?)\s*(\d+)")

# The shipped forms' titles, so that makemessages finds them (a title in the data file is a msgid;
# a county's own title without a translation shows as it is).
SHIPPED_TITLES = (
    _("村集体经济组织收益分配情况"),
    _("村集体经济组织资产负债情况"),
    _("村集体经济组织基本情况"),
)

COLUMNS = ["line", "item", "value", "last_year", "change_percent", "flagged"]
HEADERS = [_("行次"), _("项目"), _("本年"), _("上年"), _("增减%"), _("需说明")]
FLAG = "※"
COUNT_UNIT = "count"


@dataclass(frozen=True)
class FormRow:
    no: int
    label: str
    indent: int = 0
    bold: bool = False
    formula: str = ""
    distribution: tuple[str, ...] = ()
    distribution_except: tuple[str, ...] = ()
    count: str = ""
    count_where: dict | None = None
    registry: str = ""
    unsure: str = ""

    @property
    def is_count(self) -> bool:
        return bool(self.count or self.count_where or self.registry)

    @property
    def has_value(self) -> bool:
        return bool(self.formula or self.distribution or self.distribution_except or self.is_count)


@dataclass(frozen=True)
class FormCheck:
    text: str
    left: int
    right: tuple[tuple[int, int], ...]  # (coefficient, row)


@dataclass(frozen=True)
class StatisticsForm:
    slug: str
    table_no: str
    title: str
    basis: str  # income, balance_sheet or registry
    unit: str
    rows: tuple[FormRow, ...]
    checks: tuple[FormCheck, ...]
    from_year: int
    chart: str

    def row(self, no: int) -> FormRow:
        return next(row for row in self.rows if row.no == no)


def _data_path():
    own = instance_home() / FILE_NAME
    return own if own.exists() else DATA_DIR / FILE_NAME


@cache
def _read(path: str, mtime: float) -> dict:
    return json.loads(open(path, encoding="utf-8").read())


def _data() -> dict:
    path = _data_path()
    return _read(str(path), path.stat().st_mtime)


def threshold_percent() -> int:
    return int(_data().get("yoy_threshold_percent", 30))


def _parse_check(text: str, title: str, rows: set[int]) -> FormCheck:
    match = _CHECK.match(text.replace("−", "-").replace("＝", "="))
    if match is None:
        raise DomainError(BAD_CHECK.format(title=title, check=text), field="checks")
    right = tuple((-1 if sign == "-" else 1, int(no)) for sign, no in _TERM.findall(match[2]))
    left = int(match[1])
    if not {left, *(no for _c, no in right)} <= rows:
        raise DomainError(BAD_CHECK.format(title=title, check=text), field="checks")
    return FormCheck(text=text, left=left, right=right)


def _form(data: dict, *, from_year: int, chart: str) -> StatisticsForm:
    rows = []
    for item in data["rows"]:
        row = FormRow(
            no=int(item["no"]),
            label=item["label"],
            indent=int(item.get("indent", 0)),
            bold=bool(item.get("bold", False)),
            formula=item.get("formula", ""),
            distribution=tuple(item.get("distribution", ())),
            distribution_except=tuple(item.get("distribution_except", ())),
            count=item.get("count", ""),
            count_where=item.get("count_where"),
            registry=item.get("registry", ""),
            unsure=item.get("unsure", ""),
        )
        if row.formula:
            try:
                parse_formula(row.formula)
            except ValueError as error:
                raise DomainError(
                    BAD_ROW.format(title=data["title"], row=row.no, reason=str(error)), field="rows"
                ) from error
        if row.count_where and int(row.count_where.get("row", 0)) >= row.no:
            reason = gettext("计数所依据的行必须在本行之前")
            raise DomainError(BAD_ROW.format(title=data["title"], row=row.no, reason=reason), field="rows")
        rows.append(row)
    numbers = {row.no for row in rows}
    return StatisticsForm(
        slug=data["slug"],
        table_no=data.get("table_no", ""),
        title=data["title"],
        basis=data["basis"],
        unit=data.get("unit", "元"),
        rows=tuple(rows),
        checks=tuple(_parse_check(text, data["title"], numbers) for text in data.get("checks", ())),
        from_year=from_year,
        chart=chart,
    )


def form_slugs() -> list[str]:
    """Every form of any version (the catalogue's reports ``statistics-<slug>``), in file order."""
    slugs: list[str] = []
    for version in _data()["versions"]:
        slugs += [form["slug"] for form in version["forms"] if form["slug"] not in slugs]
    return slugs


def form_title(slug: str) -> str:
    for version in reversed(_data()["versions"]):
        for form in version["forms"]:
            if form["slug"] == slug:
                return form["title"]
    return slug


def form_for(slug: str, year: int) -> StatisticsForm:
    """The form ``slug`` in force for ``year``."""
    versions = sorted(_data()["versions"], key=lambda v: int(v["from_year"]))
    version = next((v for v in reversed(versions) if int(v["from_year"]) <= year), None)
    if version is None:
        raise DomainError(NO_VERSION.format(year=year), field="year")
    for form in version["forms"]:
        if form["slug"] == slug:
            return _form(form, from_year=int(version["from_year"]), chart=str(version.get("chart", "2023")))
    raise DomainError(UNKNOWN_FORM.format(slug=slug), field="report")


# ---------------------------------------------------------------------------------------------
# Figures per village
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Village:
    pk: int
    code: str
    name: str
    township_code: str
    township_name: str
    ledger_codes: tuple[str, ...]


def _villages(scope: ReportScope) -> tuple[dict[int, Village], dict[int, int]]:
    """The scope's villages (those with a ledger in it) and each ledger's village."""
    ids = scope.ledger_ids + scope.mapped_ledger_ids
    ledgers = (
        Ledger.objects.filter(pk__in=ids)
        .order_by("village__code", "code")
        .values_list(
            "pk",
            "code",
            "village_id",
            "village__code",
            "village__name",
            "village__parent__code",
            "village__parent__name",
        )
    )
    villages: dict[int, Village] = {}
    of_ledger: dict[int, int] = {}
    for pk, code, village, village_code, name, township, township_name in ledgers:
        of_ledger[pk] = village
        before = villages.get(village)
        codes = (before.ledger_codes if before else ()) + (code,)
        villages[village] = Village(village, village_code, name, township or "", township_name or "", codes)
    return villages, of_ledger


def _split_codes(formulas: dict[int, list[Term]]) -> list[str]:
    return sorted({t for terms in formulas.values() for _c, (f, t) in terms if f in ("debit", "credit")})


def _book_values(
    scope: ReportScope, form: StatisticsForm, formulas: dict[int, list[Term]]
) -> dict[int, dict[int, int]]:
    """Per ledger: each formula row's value (the year for income rows, the year's end for balances)."""
    kind = StatementKind.INCOME if form.basis != "balance_sheet" else StatementKind.BALANCE_SHEET
    column = 1 if kind == StatementKind.BALANCE_SHEET else 0
    split = _split_codes(formulas)
    # Only the accounts the formulas read (and the accounts under them) are aggregated.
    wanted = sorted({t for terms in formulas.values() for _c, (f, t) in terms if f != "line"})
    per_ledger = ledger_figures(scope.native(), split, only=wanted) if scope.ledger_ids else {}
    if scope.mapped_ledger_ids:
        mapping = chart_map()
        old_split = [
            old + code[3:] for code in split for old, pair in mapping.pairs.items() if pair.new == code[:3]
        ]
        per_ledger |= ledger_figures(scope.mapped(), old_split, codes=mapping.new_code)
    values: dict[int, dict[int, int]] = {}
    for ledger_id, pair in per_ledger.items():
        figures = pair[0] if kind == StatementKind.BALANCE_SHEET else pair[1]
        results = evaluate_lines(form.chart, kind, formulas, figures)
        values[ledger_id] = {no: amounts[column] for no, amounts in results.items()}
    return values


def _distribution_credits(scope: ReportScope, year: int) -> dict[int, dict[str, int]]:
    """Per ledger: the credits of the year's posted 收益分配凭证 by 2023 account (first 3 digits)."""
    ids = scope.ledger_ids + scope.mapped_ledger_ids
    # The year's distribution vouchers first (one or two a village), then their lines by id:
    # joining every line of the year to its voucher to find them costs ten times more.
    vouchers = list(
        Voucher.objects.filter(
            ledger_id__in=ids, kind=VoucherKind.DISTRIBUTION, status=VoucherStatus.POSTED, period__year=year
        ).values_list("pk", flat=True)
    )
    rows = (
        VoucherLine.objects.filter(voucher_id__in=vouchers, credit_fen__gt=0)
        .values("ledger_id", "account__code")
        .annotate(credit=Sum("credit_fen"))
        .order_by()
    )
    mapped = set(scope.mapped_ledger_ids)
    mapping = chart_map() if mapped else None
    credits: dict[int, dict[str, int]] = {}
    for row in rows:
        code = row["account__code"]
        if row["ledger_id"] in mapped:
            code = mapping.new_code(code)
        per = credits.setdefault(row["ledger_id"], {})
        per[code[:3]] = per.get(code[:3], 0) + (row["credit"] or 0)
    return credits


def _registry_counts(villages: dict[int, Village]) -> dict[str, dict[int, int]]:
    ids = list(villages)
    households = dict(
        Household.objects.filter(village_id__in=ids)
        .values("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
    )
    persons = (
        Person.objects.filter(village_id__in=ids, alive=True)
        .values("village_id")
        .annotate(n=Count("id"), members=Count("id", filter=Q(is_member=True)))
    )
    counted = {"households": households, "persons": {}, "members": {}}
    for row in persons.order_by():
        counted["persons"][row["village_id"]] = row["n"]
        counted["members"][row["village_id"]] = row["members"]
    return counted


def _satisfies(value: int, where: dict) -> bool:
    tests = {"gt": value.__gt__, "ge": value.__ge__, "lt": value.__lt__, "le": value.__le__}
    return all(tests[name](int(limit)) for name, limit in where.items() if name in tests)


def _needed(form: StatisticsForm, rows: set[int]) -> set[int]:
    """``rows`` and every row they read (formula references, the rows counted on)."""
    needed, todo = set(), list(rows)
    while todo:
        no = todo.pop()
        if no in needed:
            continue
        needed.add(no)
        row = form.row(no)
        if row.formula:
            todo += [int(t) for _c, (f, t) in parse_formula(row.formula) if f == "line"]
        if row.count_where:
            todo.append(int(row.count_where["row"]))
    return needed


def village_values(
    scope: ReportScope, form: StatisticsForm, year: int, *, rows: set[int] | None = None
) -> tuple[dict[int, Village], dict[int, dict[int, int]], bool]:
    """Every row's value per village: {row: {village: value}} (rows without a value left out), and
    whether the books hold anything for the year (a year before the books began has no table)."""
    villages, of_ledger = _villages(scope)
    if rows is not None:  # a few rows asked for (the dashboard's bands): only what they need
        keep = _needed(form, rows)
        form = replace(form, rows=tuple(row for row in form.rows if row.no in keep))
    formulas = {row.no: parse_formula(row.formula) for row in form.rows if row.formula}
    values: dict[int, dict[int, int]] = {
        row.no: dict.fromkeys(villages, 0) for row in form.rows if row.has_value
    }
    has_books = False
    if formulas:
        book_values = _book_values(scope, form, formulas)
        has_books = bool(book_values)
        for ledger_id, results in book_values.items():
            village = of_ledger[ledger_id]
            for no, value in results.items():
                values[no][village] += value
    if any(row.distribution or row.distribution_except for row in form.rows):
        for ledger_id, credits in _distribution_credits(scope, year).items():
            village = of_ledger[ledger_id]
            for row in form.rows:
                if row.distribution:
                    values[row.no][village] += sum(
                        v for code, v in credits.items() if code in row.distribution
                    )
                elif row.distribution_except:
                    values[row.no][village] += sum(
                        v for code, v in credits.items() if code not in row.distribution_except
                    )
    if any(row.registry for row in form.rows):
        counted = _registry_counts(villages)
        for row in form.rows:
            if row.registry:
                values[row.no] = {pk: counted[row.registry].get(pk, 0) for pk in villages}
    for row in form.rows:  # in row order: a count reads a row above it
        if row.count == "villages":
            values[row.no] = dict.fromkeys(villages, 1)
        elif row.count_where:
            source = values[int(row.count_where["row"])]
            values[row.no] = {pk: int(_satisfies(source[pk], row.count_where)) for pk in villages}
    return villages, values, has_books


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


@dataclass
class StatLine:
    row: FormRow
    value: int | None
    last: int | None
    flagged: bool = False

    @property
    def change_pct(self) -> int | None:
        """Hundredths of a percent (as ``comparisons.change_percent``), None when it means nothing."""
        if self.value is None or self.last is None:
            return None
        return change_percent(self.value, self.last)

    @property
    def is_count(self) -> bool:
        return self.row.is_count


@dataclass
class CheckResult:
    check: FormCheck
    left: int
    right: int
    failing: list[tuple[Village, int, int]] = field(default_factory=list)  # village, left, right

    @property
    def passed(self) -> bool:
        return self.left == self.right and not self.failing


@dataclass
class StatisticsTable:
    scope: ReportScope
    form: StatisticsForm
    year: int
    lines: list[StatLine]
    checks: list[CheckResult]
    villages: dict[int, Village]
    per_village: dict[int, dict[int, int]]
    last_per_village: dict[int, dict[int, int]]
    threshold: int

    @property
    def warning(self) -> str | None:
        failed = [c for c in self.checks if not c.passed]
        if not failed:
            return None
        return (
            gettext(CHECK_FAILED).format(count=len(failed)) + "：" + "；".join(c.check.text for c in failed)
        )

    def line(self, no: int) -> StatLine:
        return next(line for line in self.lines if line.row.no == no)


def year_scope(scope: ReportScope, year: int) -> ReportScope:
    return scope.moved(from_key=year * 100 + 1, to_key=year * 100 + 12)


def _totals(values: dict[int, dict[int, int]]) -> dict[int, int]:
    return {no: sum(per.values()) for no, per in values.items()}


def _run_checks(
    form: StatisticsForm, villages: dict[int, Village], values: dict[int, dict[int, int]]
) -> list[CheckResult]:
    totals = _totals(values)

    def side(check: FormCheck, read) -> tuple[int, int]:
        return read(check.left), sum(c * read(no) for c, no in check.right)

    results = []
    for check in form.checks:
        left, right = side(check, lambda no: totals.get(no, 0))
        failing = []
        for pk, village in villages.items():
            a, b = side(check, lambda no, pk=pk: values.get(no, {}).get(pk, 0))
            if a != b:
                failing.append((village, a, b))
        results.append(CheckResult(check=check, left=left, right=right, failing=failing))
    return results


def build_statistics(scope: ReportScope, slug: str) -> StatisticsTable:
    """Form ``slug`` for the scope's region and the year its range ends in, beside last year's."""
    if scope.region is None:
        raise DomainError(REGION_ONLY, field="region")
    year = scope.to_key // 100
    form = form_for(slug, year)
    scope = year_scope(scope, year)
    villages, values, _has_books = village_values(scope, form, year)
    last_values: dict[int, dict[int, int]] = {}
    if form.basis != "registry":
        # The register is kept as it stands now, without a year: it has no last year to show.
        _last_villages, last_values, last_has_books = village_values(
            year_scope(scope, year - 1), form, year - 1
        )
        if not last_has_books:
            last_values = {}
    threshold = threshold_percent()
    totals, last_totals = _totals(values), _totals(last_values)
    lines = []
    for row in form.rows:
        line = StatLine(row=row, value=totals.get(row.no), last=last_totals.get(row.no))
        pct = line.change_pct
        line.flagged = bool(
            row.has_value
            and line.last is not None
            and line.value != line.last
            and (pct is None or abs(pct) >= threshold * 100)
        )
        lines.append(line)
    return StatisticsTable(
        scope=scope,
        form=form,
        year=year,
        lines=lines,
        checks=_run_checks(form, villages, values),
        villages=villages,
        per_village=values,
        last_per_village=last_values,
        threshold=threshold,
    )


def _cell(line: StatLine, value: int | None) -> str:
    """A figure as the files print it: a count as an integer, an amount as plain yuan (1234.50)."""
    if value is None:
        return ""
    return str(value) if line.is_count else fen_to_text(value)


def _pct_text(pct: int | None) -> str:
    return "" if pct is None else f"{pct / 100:+.1f}%"


def statistics_rows(table: StatisticsTable) -> list[list]:
    """Catalogue rows, all text (counts and yuan mixed in one column): 行次, 项目, 本年, 上年, 增减%."""
    return [
        [
            line.row.no,
            line.row.label,
            _cell(line, line.value),
            _cell(line, line.last),
            _pct_text(line.change_pct),
            FLAG if line.flagged else "",
        ]
        for line in table.lines
    ]


def statistics_total(table: StatisticsTable) -> list:
    passed = sum(1 for c in table.checks if c.passed)
    text = gettext("校验 {passed}/{count} 项通过").format(passed=passed, count=len(table.checks))
    return ["", text, "", "", "", ""]


@dataclass(frozen=True)
class DrillRow:
    village: Village
    value: int
    last: int | None  # None: no table last year (the books began this year, or the register)
    change_pct: int | None


def drill_rows(table: StatisticsTable, no: int) -> list[DrillRow]:
    """The villages behind row ``no``: this year's and last year's value, largest change first."""
    current, last = table.per_village.get(no, {}), table.last_per_village.get(no)
    rows = []
    for pk, village in table.villages.items():
        value = current.get(pk, 0)
        before = None if last is None else last.get(pk, 0)
        rows.append(
            DrillRow(village, value, before, None if before is None else change_percent(value, before))
        )
    if table.line(no).is_count and table.form.row(no).count != "villages":
        rows = [r for r in rows if r.value or r.last]  # the villages counted, this year or last
    rows.sort(key=lambda r: (-abs(r.value - (r.last or 0)), r.village.code))
    return rows
