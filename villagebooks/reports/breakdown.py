"""Per-village breakdowns of a region's reports (汇总表 分村明细): one row a village ledger.

- ``village-trial-balance``: the trial balance of one account (with its sub-accounts) or the
  trial balance's totals line, per ledger.
- ``village-statements``: the key lines of the balance sheet (期末数) and of the income
  statement (本期数) per ledger: 货币资金, 资产总计, 负债合计, 所有者权益合计, 经营收入, 经营收益,
  本年收益. Which line each column reads is data (``data/village-key-figures.json``), the
  formulas are the statement layouts' own, evaluated exactly as ``statements`` evaluates them.

Each report reads ``AccountBalance`` through ONE SQL aggregation grouped by ledger (and account),
never a query per ledger, and lists every ledger of the scope, those without figures too, so a
township sees which villages have nothing booked. The totals line adds up the rows shown.
Only for a region: a single ledger has nothing to break down.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

from django.db.models import Case, F, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.functions import Substr
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.ledger.domain.chart import DATA_DIR
from villagebooks.ledger.models import Account, Ledger
from villagebooks.reports.dimensions import net_sides
from villagebooks.reports.models import StatementKind
from villagebooks.reports.scope import ReportScope, consolidated_name, opening_window

# The statement machinery is reused, not copied, so that a village's figure here is the figure
# of its own statement, and the column adds up to the region's consolidated statement.
from villagebooks.reports.statements import (
    KEY_LINE_MISSING,
    _Figures,
    _parsed,
    _side_split_codes,
    _sum_when,
    _under,
    evaluate_lines,
    layouts_for,
)

REGION_ONLY = _("{title}按村列示，只能对区域（乡镇或县）查看")
UNKNOWN_ACCOUNT = _("科目 {code} 在所选范围的账套中不存在")
KEY_FIGURES_MISSING = _("village-key-figures.json 中没有 {chart} 会计制度的“{label}”")
KEY_LINE_UNKNOWN = _("village-key-figures.json 中“{label}”引用的{statement}行次 {line} 不存在或没有公式")

TEXT_COLUMNS = ["village_code", "village_name", "ledger_code"]
TEXT_HEADERS = [_("村代码"), _("村名称"), _("账套编号")]

TRIAL_COLUMNS = [
    *TEXT_COLUMNS,
    "opening_debit",
    "opening_credit",
    "debit",
    "credit",
    "closing_debit",
    "closing_credit",
]
TRIAL_HEADERS = [
    *TEXT_HEADERS,
    _("期初借方"),
    _("期初贷方"),
    _("本期借方"),
    _("本期贷方"),
    _("期末借方"),
    _("期末贷方"),
]

# (column, Chinese header): fixed, so that every chart's breakdown has the same columns.
KEY_FIGURES = [
    ("cash", _("货币资金")),
    ("total_assets", _("资产总计")),
    ("total_liabilities", _("负债合计")),
    ("total_equity", _("所有者权益合计")),
    ("operating_income", _("经营收入")),
    ("operating_profit", _("经营收益")),
    ("net_income", _("本年收益")),
]
STATEMENT_COLUMNS = [*TEXT_COLUMNS, *(name for name, _label in KEY_FIGURES)]
STATEMENT_HEADERS = [*TEXT_HEADERS, *(label for _name, label in KEY_FIGURES)]


@dataclass
class VillageRow:
    village_code: str
    village_name: str
    ledger_code: str
    amounts: list[int] = field(default_factory=list)
    # The village's township: the page groups the rows by it with subtotals (not a CSV column).
    township_code: str = ""
    township_name: str = ""

    def cells(self) -> list:
        return [self.village_code, self.village_name, self.ledger_code, *self.amounts]


@dataclass
class VillageBreakdown:
    scope: ReportScope
    account_code: str  # "" for the totals of the trial balance or for the statements
    account_name: str
    rows: list[VillageRow]
    total: list[int]
    warning: str | None = None


def _require_region(scope: ReportScope, title: str) -> None:
    if scope.single_ledger is not None:
        raise DomainError(REGION_ONLY.format(title=title), field="region")


def _ledger_rows(scope: ReportScope, width: int) -> dict[int, VillageRow]:
    """Every ledger of the scope, by village code and ledger code, with ``width`` zero amounts."""
    ledgers = (
        Ledger.objects.filter(pk__in=scope.ledger_ids)
        .order_by("village__code", "code")
        .values_list(
            "pk", "code", "village__code", "village__name", "village__parent__code", "village__parent__name"
        )
    )
    return {
        pk: VillageRow(
            village_code=village,
            village_name=name,
            ledger_code=code,
            amounts=[0] * width,
            township_code=township or "",
            township_name=township_name or "",
        )
        for pk, code, village, name, township, township_name in ledgers
    }


def _column_totals(rows: list[VillageRow], width: int) -> list[int]:
    return [sum(row.amounts[i] for row in rows) for i in range(width)]


# ---------------------------------------------------------------------------------------------
# The trial balance per village
# ---------------------------------------------------------------------------------------------


def build_village_trial_balance(scope: ReportScope, *, account: str | None = None) -> VillageBreakdown:
    """One row a ledger: the trial-balance row of ``account`` (and its sub-accounts), or, without
    an account, the ledger's totals line (each column the sum of its level-1 accounts' own side,
    as the trial balance's 合计 is)."""
    _require_region(scope, gettext("科目余额汇总表（分村）"))
    code = (account or "").strip()
    name = gettext("合计")
    if code:
        names = Account.objects.filter(scope.balance_filter(), code=code).aggregate(
            first=Min("name"), last=Max("name")
        )
        if names["first"] is None:
            raise DomainError(UNKNOWN_ACCOUNT.format(code=code), field="account")
        name = consolidated_name(code, names["first"], names["last"], chart=scope.chart)
    opening = opening_window(scope, before_key=scope.from_key)
    movement = Q(period_key__gte=scope.from_key, period_key__lte=scope.to_key, month__gte=1)
    balances = scope.balances().filter(opening | movement)
    if code:
        balances = balances.filter(account__code__startswith=code).values("ledger_id")
    else:
        # Level-1 codes are the first three digits (sub-accounts append digits to their parent's).
        balances = balances.annotate(head=Substr("account__code", 1, 3)).values("ledger_id", "head")
    figures = balances.annotate(
        opening=_sum_when(opening, F("debit_fen") - F("credit_fen")),
        debit=_sum_when(movement, F("debit_fen")),
        credit=_sum_when(movement, F("credit_fen")),
    ).order_by()
    rows = _ledger_rows(scope, 6)
    for figure in figures:
        row = rows.get(figure["ledger_id"])
        if row is None:
            continue
        amounts = net_sides(figure["opening"] or 0, figure["debit"] or 0, figure["credit"] or 0)
        row.amounts = [a + b for a, b in zip(row.amounts, amounts, strict=True)]
    ordered = list(rows.values())
    return VillageBreakdown(
        scope=scope,
        account_code=code,
        account_name=name,
        rows=ordered,
        total=_column_totals(ordered, 6),
    )


# ---------------------------------------------------------------------------------------------
# Key statement lines per village
# ---------------------------------------------------------------------------------------------


@cache
def _key_figure_data() -> dict:
    return json.loads((DATA_DIR / "village-key-figures.json").read_text(encoding="utf-8"))


def key_figure_lines(chart: str) -> list[tuple[str, int]]:
    """Per column of ``KEY_FIGURES``: (statement kind, line number) for ``chart``."""
    data = _key_figure_data().get(chart, {})
    lines = []
    for column, label in KEY_FIGURES:
        if column not in data:
            raise DomainError(KEY_FIGURES_MISSING.format(chart=chart, label=label), field="chart")
        kind, line_no = data[column]
        lines.append((str(kind), int(line_no)))
    return lines


def build_village_statements(scope: ReportScope) -> VillageBreakdown:
    """One row a ledger: the key lines of its balance sheet at the end of the range (期末数) and
    of its income statement over the range (本期数)."""
    _require_region(scope, gettext("主要报表项目汇总表（分村）"))
    wanted = key_figure_lines(scope.chart)
    for (kind, line_no), (_column, label) in zip(wanted, KEY_FIGURES, strict=True):
        if kind not in StatementKind.values:
            raise DomainError(
                KEY_LINE_UNKNOWN.format(label=label, statement=kind, line=line_no), field="chart"
            )
    # Each ledger's figures come from its own layout: its county's override, else the platform's.
    formulas_of: dict[str, dict[int, dict]] = {kind: {} for kind in StatementKind.values}
    split: set[str] = set()
    for kind in (StatementKind.BALANCE_SHEET, StatementKind.INCOME):
        for layout, ledger_ids in layouts_for(scope, kind):
            _lines, formulas = _parsed(layout)
            for (wanted_kind, line_no), (_column, label) in zip(wanted, KEY_FIGURES, strict=True):
                if wanted_kind == kind and line_no not in formulas:
                    statement = StatementKind(kind).label
                    message = (
                        KEY_LINE_MISSING.format(region=layout.region.name, statement=statement, line=line_no)
                        if layout.region_id
                        else KEY_LINE_UNKNOWN.format(label=label, statement=statement, line=line_no)
                    )
                    raise DomainError(message, field="chart")
            if kind == StatementKind.BALANCE_SHEET:
                split.update(_side_split_codes(formulas))
            formulas_of[kind] |= dict.fromkeys(ledger_ids, formulas)

    per_ledger = ledger_figures(scope, sorted(split))

    # 期末数 is the balance sheet's second column, 本期数 the income statement's first.
    shown_column = {StatementKind.BALANCE_SHEET: 1, StatementKind.INCOME: 0}
    rows = _ledger_rows(scope, len(KEY_FIGURES))
    for ledger_id, pair in per_ledger.items():
        row = rows.get(ledger_id)
        if row is None:
            continue
        results = {
            kind: evaluate_lines(scope.chart, kind, formulas_of[kind][ledger_id], data)
            for kind, data in zip((StatementKind.BALANCE_SHEET, StatementKind.INCOME), pair, strict=True)
        }
        row.amounts = [results[kind][line_no][shown_column[kind]] for kind, line_no in wanted]
    ordered = list(rows.values())
    return VillageBreakdown(
        scope=scope,
        account_code="",
        account_name="",
        rows=ordered,
        total=_column_totals(ordered, len(KEY_FIGURES)),
        warning=_unbalanced_villages(ordered, wanted),
    )


def ledger_figures(
    scope: ReportScope, split: list[str], *, codes=None, only: list[str] | None = None
) -> dict[int, tuple[_Figures, _Figures]]:
    """Per ledger of the scope: the figures of its balance sheet (年初数, 期末数 at the end of the
    range) and of its income statement (本期数 over the range; the second column zeros), through
    ONE aggregation grouped by ledger and leaf account (and, for the accounts in ``split`` that a
    formula reads by side, by counterparty). ``codes`` renames the leaf codes (the 新旧衔接 map
    for a scope of 2004 ledgers)."""
    # ONE aggregation for both statements, grouped by ledger and leaf account (and, for the
    # accounts the balance sheet reads by side, by counterparty), as each statement groups them.
    year_start = scope.to_key // 100 * 100 + 1
    year_open = opening_window(scope, before_key=year_start)
    closing = opening_window(scope, before_key=scope.to_key + 1)
    period = Q(month__gte=1, is_closing=False, period_key__gte=scope.from_key, period_key__lte=scope.to_key)
    if split:
        party = Case(
            When(_under(sorted(split)), then=F("counterparty_key")),
            default=Value(0),
            output_field=IntegerField(),
        )
    else:
        party = Value(0, output_field=IntegerField())
    net = F("debit_fen") - F("credit_fen")
    balances = scope.balances().filter(closing)
    if only:
        balances = balances.filter(_under(sorted(only)))
    figures = (
        balances.annotate(split_party=party)
        .values("ledger_id", "account__code", "split_party")
        .annotate(
            opening=_sum_when(year_open, net),
            closing=Sum(net),
            debit=_sum_when(period, F("debit_fen")),
            credit=_sum_when(period, F("credit_fen")),
        )
        .order_by()
    )
    per_ledger: dict[int, tuple[_Figures, _Figures]] = {}
    for figure in figures:
        sheet, income = per_ledger.setdefault(figure["ledger_id"], (_Figures(groups=[]), _Figures(groups=[])))
        code = figure["account__code"] if codes is None else codes(figure["account__code"])
        opening, debit, credit = figure["opening"] or 0, figure["debit"] or 0, figure["credit"] or 0
        sheet.groups.append((code, (opening, figure["closing"] or 0)))
        # The income statement's second column (本年累计数) is not shown here: zeros.
        income.groups.append((code, (debit - credit, 0)))
        before = income.debit.get(code, (0, 0))
        income.debit[code] = (before[0] + debit, 0)
        before = income.credit.get(code, (0, 0))
        income.credit[code] = (before[0] + credit, 0)
        income.opening[code] = income.opening.get(code, 0) + opening

    return per_ledger


UNBALANCED_VILLAGES = _("警告：{count} 个账套的资产总计不等于负债与所有者权益合计之和：{ledgers}")


def _unbalanced_villages(rows: list[VillageRow], wanted: list[tuple[str, int]]) -> str | None:
    """The ledgers whose 资产总计 differs from 负债合计 + 所有者权益合计 (a sign the books need
    ``villagebooks verify``), named in the warning that travels with the figures."""
    names = [name for name, _label in KEY_FIGURES]
    assets, liabilities, equity = (
        names.index("total_assets"),
        names.index("total_liabilities"),
        names.index("total_equity"),
    )
    if not all(wanted[i][0] == StatementKind.BALANCE_SHEET for i in (assets, liabilities, equity)):
        return None
    wrong = [r.ledger_code for r in rows if r.amounts[assets] != r.amounts[liabilities] + r.amounts[equity]]
    if not wrong:
        return None
    shown = gettext("、").join(wrong[:10]) + ("……" if len(wrong) > 10 else "")
    return UNBALANCED_VILLAGES.format(count=len(wrong), ledgers=shown)


def village_rows(report: VillageBreakdown) -> list[list]:
    return [row.cells() for row in report.rows]


def village_total(report: VillageBreakdown) -> list:
    return ["", gettext("合计"), gettext("{count} 个账套").format(count=len(report.rows)), *report.total]


@dataclass(frozen=True)
class TownshipGroup:
    """A township's villages in a breakdown and their subtotal (the columns added up)."""

    code: str
    name: str
    rows: list[VillageRow]
    subtotal: list[int]


def township_groups(report: VillageBreakdown) -> list[TownshipGroup]:
    """The rows by township, in the rows' order (village codes start with their township's)."""
    groups: dict[str, list[VillageRow]] = {}
    names: dict[str, str] = {}
    for row in report.rows:
        groups.setdefault(row.township_code, []).append(row)
        names[row.township_code] = row.township_name
    width = len(report.total)
    return [
        TownshipGroup(code=code, name=names[code], rows=rows, subtotal=_column_totals(rows, width))
        for code, rows in groups.items()
    ]
