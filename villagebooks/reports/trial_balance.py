"""The trial balance (科目余额表): per account, opening, debit, credit and closing for a range of
months, with sub-account rows under their parents.

One SQL aggregation over ``AccountBalance`` gives the leaf figures; parents are the sums of
their children, added up here over a few hundred rows at most. Balances are shown net, on the
debit or the credit side by their sign.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, IntegerField, Max, Min, Q, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.ledger.domain.chart import chart_templates
from villagebooks.ledger.models import Account, RegionBalance
from villagebooks.reports.chart_map import chart_map
from villagebooks.reports.scope import ReportScope, consolidated_name, opening_window, rollup_starts

COLUMNS = [
    "code",
    "name",
    "opening_debit",
    "opening_credit",
    "debit",
    "credit",
    "closing_debit",
    "closing_credit",
]
HEADERS = [
    _("科目编码"),
    _("科目名称"),
    _("期初借方"),
    _("期初贷方"),
    _("本期借方"),
    _("本期贷方"),
    _("期末借方"),
    _("期末贷方"),
]


@dataclass
class TrialBalanceRow:
    code: str
    name: str
    level: int
    opening_fen: int = 0  # net debit balance (debit − credit)
    debit_fen: int = 0
    credit_fen: int = 0

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.debit_fen - self.credit_fen

    @property
    def opening_debit_fen(self) -> int:
        return max(self.opening_fen, 0)

    @property
    def opening_credit_fen(self) -> int:
        return max(-self.opening_fen, 0)

    @property
    def closing_debit_fen(self) -> int:
        return max(self.closing_fen, 0)

    @property
    def closing_credit_fen(self) -> int:
        return max(-self.closing_fen, 0)

    def amounts(self) -> list[int]:
        return [
            self.opening_debit_fen,
            self.opening_credit_fen,
            self.debit_fen,
            self.credit_fen,
            self.closing_debit_fen,
            self.closing_credit_fen,
        ]

    @property
    def is_zero(self) -> bool:
        return not (self.opening_fen or self.debit_fen or self.credit_fen)


@dataclass
class TrialBalance:
    scope: ReportScope
    rows: list[TrialBalanceRow]
    total: TrialBalanceRow

    @property
    def is_balanced(self) -> bool:
        t = self.total
        return (
            t.opening_debit_fen == t.opening_credit_fen
            and t.debit_fen == t.credit_fen
            and t.closing_debit_fen == t.closing_credit_fen
        )


def _leaf_figures(
    scope: ReportScope, levels: dict[str, int] | None = None
) -> dict[str, tuple[str, int, int, int]]:
    """code → (name, opening net, period debit, period credit), aggregated in the database: over
    the region's roll-ups when the scope allows (then each code's level goes into ``levels``), else
    over the ledgers' balance rows."""
    starts = rollup_starts(scope, before_keys=(scope.from_key,))
    if starts is not None:
        return _rolled_up_leaf_figures(scope, starts[0], levels)
    balances, opening = scope.balances(), opening_window(scope, before_key=scope.from_key)
    code, first, last = "account__code", Min("account__name"), Max("account__name")
    movement = Q(period_key__gte=scope.from_key, period_key__lte=scope.to_key, month__gte=1)
    zero = Value(0)
    rows = (
        balances.filter(opening | movement)
        .values(code)
        .annotate(
            name=first,
            last_name=last,
            opening=Sum(
                Case(When(opening, then="debit_fen"), default=zero, output_field=IntegerField())
                - Case(When(opening, then="credit_fen"), default=zero, output_field=IntegerField())
            ),
            debit=Sum(Case(When(movement, then="debit_fen"), default=zero, output_field=IntegerField())),
            credit=Sum(Case(When(movement, then="credit_fen"), default=zero, output_field=IntegerField())),
        )
        .order_by()
    )
    return {
        r[code]: (
            consolidated_name(r[code], r["name"], r["last_name"], chart=scope.chart),
            r["opening"] or 0,
            r["debit"] or 0,
            r["credit"] or 0,
        )
        for r in rows
    }


def _rolled_up_leaf_figures(
    scope: ReportScope, start: int, levels: dict[str, tuple[str, str, int]] | None
) -> dict[str, tuple[str, int, int, int]]:
    """``_leaf_figures`` over the region's roll-ups (``scope.rollup_source``), the same aggregation
    written as SQL: the opening window (``start``'s rows, then every month up to ``from``) and the
    months asked for, per account code, with its names and level into ``levels``."""
    opening = "(period_key = %s OR (period_key > %s AND month >= 1)) AND period_key < %s"
    movement = "period_key >= %s AND period_key <= %s AND month >= 1"
    sql = (
        "SELECT account_code, MIN(first_name), MAX(last_name), MIN(level),"
        f" SUM(CASE WHEN {opening} THEN debit_fen - credit_fen ELSE 0 END),"
        f" SUM(CASE WHEN {movement} THEN debit_fen ELSE 0 END),"
        f" SUM(CASE WHEN {movement} THEN credit_fen ELSE 0 END)"
        f" FROM {RegionBalance._meta.db_table} WHERE region_id = %s AND chart = %s"
        f" AND (({opening}) OR ({movement})) GROUP BY account_code"
    )
    windows = [start, start, scope.from_key]
    months = [scope.from_key, scope.to_key]
    params = [*windows, *months, *months, scope.rollup_region.pk, scope.chart, *windows, *months]
    leaves = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for code, first, last, level, opening_net, debit, credit in cursor.fetchall():
            # int(): PostgreSQL's SUM of bigints is a numeric (a Decimal here).
            leaves[code] = (
                consolidated_name(code, first, last, chart=scope.chart),
                int(opening_net or 0),
                int(debit or 0),
                int(credit or 0),
            )
            if levels is not None:
                levels[code] = (first, last, level)
    return leaves


def _mapped_leaf_figures(scope: ReportScope, leaves: dict[str, tuple[str, int, int, int]]) -> None:
    """Add the scope's 2004 ledgers to ``leaves`` under their 2023 codes (新旧衔接 map)."""
    mapping = chart_map()
    names = {t.code: t.name for t in chart_templates(scope.chart)}
    for old_code, (name, opening, debit, credit) in _leaf_figures(scope.mapped()).items():
        code = mapping.new_code(old_code)
        if code in names:
            name = names[code]
        before = leaves.get(code)
        if before is not None:
            if before[0] != name:
                first, last = sorted((before[0], name))
                name = consolidated_name(code, first, last, chart=scope.chart)
            opening, debit, credit = before[1] + opening, before[2] + debit, before[3] + credit
        leaves[code] = (name, opening, debit, credit)


def _level(code: str) -> int:
    """The level of a code no 2023 ledger of the scope has (a 2004 sub-account under its new parent):
    level 1 is three digits, each level after it two or three more."""
    return 1 + (len(code) - 2) // 2


def _rolled_up_accounts(
    scope: ReportScope, wanted: set[str], named: dict[str, tuple[str, str, int]]
) -> list[dict]:
    """The accounts ``build_trial_balance`` reads, for a scope read from its roll-ups: the codes
    with figures are named by the roll-ups (``named``), the chart's own by the chart; only a
    village's sub-account that is the parent of another is looked up in the ledgers' accounts."""
    templates = {template.code: template.name for template in chart_templates(scope.chart)}
    accounts = []
    others = set()
    for code in sorted(wanted):
        if code in named:
            first, last, level = named[code]
        elif code in templates:
            first = last = templates[code]
            level = _level(code)
        elif len(code) == 4:  # no account has a four-digit code: three, then two or three more
            continue
        else:
            others.add(code)
            continue
        accounts.append({"code": code, "first_name": first, "last_name": last, "level": level})
    if others:
        accounts.extend(
            Account.objects.filter(scope.balance_filter(), code__in=others)
            .values("code")
            .annotate(first_name=Min("name"), last_name=Max("name"), level=Min("level"))
            .order_by("code")
        )
    return accounts


def build_trial_balance(scope: ReportScope, *, include_zero: bool = False) -> TrialBalance:
    named: dict[str, tuple[str, str, int]] = {}
    leaves = _leaf_figures(scope.native(), named)
    if scope.mapped_ledger_ids:
        _mapped_leaf_figures(scope, leaves)
    if scope.single_ledger is None:
        # Across many ledgers only the accounts that carry figures (and their parents) matter.
        wanted = {code[:length] for code in leaves for length in range(3, len(code) + 1)}
    if rollup_starts(scope.native(), before_keys=(scope.from_key,)) is not None:
        accounts = _rolled_up_accounts(scope, wanted, named)
    else:
        accounts = (
            Account.objects.filter(scope.balance_filter())
            .values("code")
            .annotate(first_name=Min("name"), last_name=Max("name"), level=Min("level"))
            .order_by("code")
        )
        if scope.single_ledger is None:
            accounts = accounts.filter(code__in=wanted)
    rows = {
        a["code"]: TrialBalanceRow(
            code=a["code"],
            name=consolidated_name(a["code"], a["first_name"], a["last_name"], chart=scope.chart),
            level=a["level"],
        )
        for a in accounts
    }
    ordered_codes = sorted(rows)
    for code, (name, opening, debit, credit) in leaves.items():
        row = rows.setdefault(code, TrialBalanceRow(code=code, name=name, level=_level(code)))
        # Added, not set: across ledgers one code can be a leaf in one and a parent in another.
        row.opening_fen += opening
        row.debit_fen += debit
        row.credit_fen += credit
        # Parents are the rows whose codes are proper prefixes of this one.
        for parent_code in ordered_codes:
            if parent_code != code and code.startswith(parent_code):
                parent = rows[parent_code]
                parent.opening_fen += opening
                parent.debit_fen += debit
                parent.credit_fen += credit
    result = [rows[code] for code in sorted(rows) if include_zero or not rows[code].is_zero]
    level_one = [row for row in rows.values() if row.level == 1]
    total = _TotalRow(
        code="",
        name=gettext("合计"),
        level=0,
        debit_fen=sum(r.debit_fen for r in level_one),
        credit_fen=sum(r.credit_fen for r in level_one),
        # Each net column adds every account's own side, as the printed form does.
        sides=(
            sum(r.opening_debit_fen for r in level_one),
            sum(r.opening_credit_fen for r in level_one),
            sum(r.closing_debit_fen for r in level_one),
            sum(r.closing_credit_fen for r in level_one),
        ),
    )
    return TrialBalance(scope=scope, rows=result, total=total)


@dataclass
class _TotalRow(TrialBalanceRow):
    """The totals line: each column is a sum of its own, not a net balance."""

    sides: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def opening_debit_fen(self) -> int:
        return self.sides[0]

    @property
    def opening_credit_fen(self) -> int:
        return self.sides[1]

    @property
    def closing_debit_fen(self) -> int:
        return self.sides[2]

    @property
    def closing_credit_fen(self) -> int:
        return self.sides[3]
