"""What a report covers: one ledger, or every ledger of a region subtree that the user may see.

A region the user sees whole is read from its roll-ups (``ledger.rollups``) where the report
allows (``rollup_source``); the figures are the same as its ledgers' rows add up.

Reports read only ``AccountBalance`` rows, filtered through ``ledgers_in_scope``; a region
report adds up ledgers of one chart (codes of the 2004 and 2023 charts mean different things,
so they are never summed together).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger.access import Action, can_in_region, ledgers_in_scope
from villagebooks.ledger.domain.chart import chart_templates
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import AccountBalance, Chart, Ledger, RegionBalance
from villagebooks.ledger.selectors import balance_window, counts_in_year, in_force, ledger_get
from villagebooks.regions.models import Region, RegionKind

UNKNOWN_LEDGER = _("账套 {code} 不存在或您无权查看")
UNKNOWN_REGION = _("区划 {code} 不存在")
RANGE_REVERSED = _("起始期间不能晚于结束期间")
NO_LEDGERS = _("该区域内没有您可以查看的 {chart} 制度账套")
VILLAGE_DETAIL = _("{parent} — 各村明细")
CHART_COUNT = _("{count} 个 {chart} 制度账套")
MAPPED_COUNT = _("{count} 个 {chart} 制度账套，另有 {mapped} 个 {old} 制度账套按新旧衔接科目对照并入")
MAPPING_NOTE = _("本表汇总{composition}；对照未经核实（UNSURE）的科目：{unsure}。")
# Ledgers on this chart are added to a region's 2023 reports through the 新旧衔接 map.
MAPPED_CHART = Chart.CHART_2004


@dataclass(frozen=True)
class ReportScope:
    title: str  # e.g. 青林村集体经济组织 or 新安镇 (汇总 38 个账套)
    ledger_ids: tuple[int, ...]
    chart: str
    from_key: int
    to_key: int
    single_ledger: Ledger | None = None
    region: Region | None = None
    # A region's ledgers on the 2004 chart, added to its 2023 trial balance and statements
    # through the 新旧衔接 map (``reports.chart_map``); the other reports leave them out.
    mapped_ledger_ids: tuple[int, ...] = ()
    # Set when the scope is every ledger of ``region`` (the user sees them all): the consolidated
    # reports then read the region's roll-ups (``RegionBalance``), a few rows however many
    # villages, instead of each ledger's balance rows. The ledgers' carried years decide whether
    # one balance window serves them all (``rollup_source``).
    rollup_region: Region | None = None
    carried_years: frozenset[int] = frozenset()
    mapped_carried_years: frozenset[int] = frozenset()
    # Charts of the region's ledgers left out of the period as carried over to a new ledger
    # (``ledger.selectors.in_force``): the roll-ups of those charts still hold them.
    superseded_charts: frozenset[str] = frozenset()
    # The region's visible ledgers of a conversion, either side (pk, chart, carried year, start
    # year, the ledger it continues, its successor's start year): which of them count depends on
    # the year (``moved``).
    linked: tuple[tuple, ...] = ()

    @property
    def composition(self) -> str:
        """What a consolidated report added up, by chart ("" for one ledger)."""
        if self.single_ledger is not None:
            return ""
        if not self.mapped_ledger_ids:
            return gettext(CHART_COUNT).format(count=len(self.ledger_ids), chart=self.chart)
        return gettext(MAPPED_COUNT).format(
            count=len(self.ledger_ids), chart=self.chart, mapped=len(self.mapped_ledger_ids), old=MAPPED_CHART
        )

    @property
    def mapping_note(self) -> str:
        """For a report that added 2004 ledgers through the 新旧衔接 map: how many, on which
        chart, and the pairs of the map that are not confirmed ("" when none was added)."""
        if not self.mapped_ledger_ids:
            return ""
        from villagebooks.reports.chart_map import chart_map  # the map's file is read only here

        unsure = "、".join(f"{p.old}→{p.new}" for p in chart_map().unsure)
        return gettext(MAPPING_NOTE).format(composition=self.composition, unsure=unsure)

    def native(self) -> ReportScope:
        """The scope without the mapped ledgers."""
        return replace(self, mapped_ledger_ids=())

    def mapped(self) -> ReportScope:
        """The mapped ledgers alone, as a scope of their own chart (codes still the old ones)."""
        return replace(
            self,
            ledger_ids=self.mapped_ledger_ids,
            chart=MAPPED_CHART,
            mapped_ledger_ids=(),
            carried_years=self.mapped_carried_years,
            mapped_carried_years=frozenset(),
        )

    def everything(self) -> ReportScope:
        """Every ledger of the scope, both charts, for what is decided by place (the layouts)."""
        return replace(
            self,
            ledger_ids=self.ledger_ids + self.mapped_ledger_ids,
            mapped_ledger_ids=(),
            rollup_region=None,
        )

    def moved(self, *, from_key: int, to_key: int) -> ReportScope:
        """The same region over other months (last year's column, another year's form): the
        ledgers of a conversion counted as ``in_force`` says for the new year."""
        year = to_key // 100
        if not self.linked or year == self.to_key // 100:
            return replace(self, from_key=from_key, to_key=to_key)
        linked = {row[0] for row in self.linked}
        counted = {
            row[0]: row
            for row in self.linked
            if counts_in_year(year=year, start_year=row[3], continues_id=row[4], successor_start=row[5])
        }
        native = [pk for pk in self.ledger_ids if pk not in linked]
        mapped = [pk for pk in self.mapped_ledger_ids if pk not in linked]
        for pk, chart, *_rest in counted.values():
            (native if chart == self.chart else mapped).append(pk)
        carried = {row[0]: row[2] for row in self.linked}
        # The roll-ups were judged for the scope's own year: the other year reads the ledgers' rows.
        return replace(
            self,
            from_key=from_key,
            to_key=to_key,
            ledger_ids=tuple(sorted(native)),
            mapped_ledger_ids=tuple(sorted(mapped)),
            rollup_region=None,
            carried_years=self.carried_years | {carried[pk] for pk in native if pk in carried},
            mapped_carried_years=self.mapped_carried_years | {carried[pk] for pk in mapped if pk in carried},
        )

    def without_rollups(self) -> ReportScope:
        """The same ledgers, read from their own balance rows."""
        return replace(self, rollup_region=None)

    @property
    def period_text(self) -> str:
        if self.from_key == self.to_key:
            return period_label(self.from_key)
        return gettext("{start} 至 {end}").format(
            start=period_label(self.from_key), end=period_label(self.to_key)
        )

    def balance_filter(self, prefix: str = "") -> Q:
        if self.single_ledger is not None:
            return Q(**{f"{prefix}ledger_id": self.single_ledger.pk})
        return Q(**{f"{prefix}ledger_id__in": self.ledger_ids})

    def balances(self):
        """The stored balances of the scope's ledgers, for queries that join their accounts.

        For one ledger the accounts are limited to it too, which they always are: said out
        loud, it lets PostgreSQL, once it has statistics, look up a village's few dozen accounts
        instead of hashing every account of the county (7 of a village trial balance's 7.5 ms).
        Not for many ledgers: there the doubled condition makes the planner expect too few rows
        and give up its parallel plan (a county balance sheet: 131 → 204 ms).
        """
        balances = AccountBalance.objects.filter(self.balance_filter())
        if self.single_ledger is not None:
            balances = balances.filter(account__ledger_id=self.single_ledger.pk)
        return balances


def scope_for_ledger(*, user, ledger_code: str, from_key: int, to_key: int) -> ReportScope:
    if from_key > to_key:
        raise DomainError(RANGE_REVERSED, field="from")
    ledger = ledger_get(user=user, code=ledger_code)
    if ledger is None:
        raise NotPermitted(UNKNOWN_LEDGER.format(code=ledger_code))
    return ReportScope(
        title=ledger.name,
        ledger_ids=(ledger.pk,),
        chart=ledger.chart,
        from_key=from_key,
        to_key=to_key,
        single_ledger=ledger,
    )


def scope_for_region(
    *,
    user,
    region_code: str,
    from_key: int,
    to_key: int,
    chart: str = Chart.CHART_2023,
    region: Region | None = None,
) -> ReportScope:
    """The region of ``region_code`` (or ``region``, already read by the caller) as the ledgers
    of ``chart`` in it that ``user`` sees."""
    if from_key > to_key:
        raise DomainError(RANGE_REVERSED, field="from")
    if region is None or region.code != region_code:
        region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError(UNKNOWN_REGION.format(code=region_code), field="region")
    charts = (chart, MAPPED_CHART) if chart == Chart.CHART_2023 else (chart,)
    if region.kind != RegionKind.VILLAGE and can_in_region(user, region, Action.VIEW):
        return _whole_region_scope(region, chart=chart, charts=charts, from_key=from_key, to_key=to_key)
    counting = in_force(year=to_key // 100)
    every_visible = (
        ledgers_in_scope(user, Action.VIEW)
        .filter(village__path__startswith=region.path, chart__in=charts)
        .order_by("pk")
        .values_list("pk", "chart", "carried_year", "start_year", "continues_id", "continued_by__start_year")
    )
    linked = tuple(row for row in every_visible if row[4] is not None or row[5] is not None)
    visible = [
        row[:3]
        for row in every_visible
        if counts_in_year(year=to_key // 100, start_year=row[3], continues_id=row[4], successor_start=row[5])
    ]
    ids = tuple(pk for pk, ledger_chart, _year in visible if ledger_chart == chart)
    mapped = tuple(pk for pk, ledger_chart, _year in visible if ledger_chart != chart)
    # A region whose 2004 ledgers count in a year before their conversion shows them mapped.
    if not ids and not (mapped and any(row[5] is not None for row in linked)):
        raise NotPermitted(NO_LEDGERS.format(chart=chart))
    # The roll-ups add up every ledger of the region: they serve a user who sees them all, and
    # only a region above villages (a village's own ledgers have no roll-up of their own).
    in_region = Ledger.objects.filter(village__path__startswith=region.path, chart__in=charts)
    everyone = in_region.filter(counting).count()
    whole = region.kind != RegionKind.VILLAGE and everyone == len(visible)
    # A ledger carried over before the period still has its closing balances in its chart's
    # roll-ups (its last carry-forward): that chart's part is read from the ledgers' own rows.
    superseded = frozenset(
        in_region.exclude(counting).filter(continued_by__isnull=False).values_list("chart", flat=True)
    )
    return ReportScope(
        title=gettext("{region}（汇总 {count} 个账套）").format(region=region.name, count=len(ids)),
        ledger_ids=ids,
        chart=chart,
        from_key=from_key,
        to_key=to_key,
        region=region,
        mapped_ledger_ids=mapped,
        rollup_region=region if whole else None,
        carried_years=frozenset(year for _pk, c, year in visible if c == chart),
        superseded_charts=superseded,
        linked=linked,
        mapped_carried_years=frozenset(year for _pk, c, year in visible if c != chart),
    )


class RegionLedgerIds(Sequence):
    """The ids of a region's ledgers of one chart that count in a year (``in_force``), in order,
    read from the database only when a report uses them: a consolidated report over the roll-ups
    needs only how many there are, which is known already."""

    def __init__(self, *, path: str, chart: str, year: int, count: int) -> None:
        self._where = (path, chart, year)
        self._count = count
        self._ids: tuple[int, ...] | None = None

    def query(self) -> tuple[str, list]:
        """The SQL that lists the ids (unordered) and its parameters, to use as a subquery."""
        path, chart, year = self._where
        sql = _REGION_LEDGERS.format(
            columns="l.id",
            charts="= %s",
            counting=" AND (s.id IS NULL OR s.start_year > %s) AND (l.continues_id IS NULL OR l.start_year <= %s)",
            rest="",
            **_tables(),
        )
        return sql, [_path_prefix(path), chart, year, year]

    def _listed(self) -> tuple[int, ...]:
        if self._ids is None:
            sql, params = self.query()
            with connection.cursor() as cursor:
                cursor.execute(sql + " ORDER BY l.id", params)
                self._ids = tuple(row[0] for row in cursor.fetchall())
        return self._ids

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __getitem__(self, index):
        return self._listed()[index]

    def __iter__(self):
        return iter(self._listed())

    def __contains__(self, value) -> bool:
        return value in self._listed()

    def __add__(self, other) -> tuple[int, ...]:
        return self._listed() + tuple(other)

    def __radd__(self, other) -> tuple[int, ...]:
        return tuple(other) + self._listed()

    def __eq__(self, other) -> bool:
        if isinstance(other, (tuple, RegionLedgerIds)):
            return self._listed() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._listed())

    def __repr__(self) -> str:
        return f"RegionLedgerIds{self._where + (self._count,)}"


# A region's ledgers (``l``) on some charts, with the ledger that continues each (``s``, 新旧衔接).
_REGION_LEDGERS = (
    "SELECT {columns} FROM {ledger} l JOIN {region} v ON v.id = l.village_id"
    " LEFT JOIN {ledger} s ON s.continues_id = l.id"
    " WHERE v.path LIKE %s ESCAPE '!' AND l.chart {charts}{counting}{rest}"
)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {"ledger": quote(Ledger._meta.db_table), "region": quote(Region._meta.db_table)}


def _path_prefix(path: str) -> str:
    """A LIKE pattern of the paths that start with ``path`` (``!`` escapes the wildcards)."""
    return path.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def _whole_region_scope(region: Region, *, chart: str, charts: tuple[str, ...], from_key: int, to_key: int):
    """``scope_for_region`` for a user who sees every ledger of ``region`` (above a village), from
    one grouped query instead of a row a ledger: how many ledgers of each chart and carried year
    count in the year, and each ledger of a conversion (新旧衔接) by itself. The same scope, its
    ledger ids listed only if a report reads them (``RegionLedgerIds``)."""
    year = to_key // 100
    linked_case = "(l.continues_id IS NOT NULL OR s.id IS NOT NULL)"
    sql = _REGION_LEDGERS.format(
        columns=(
            f"l.chart, l.carried_year, CASE WHEN {linked_case} THEN l.id END,"
            f" CASE WHEN {linked_case} THEN l.start_year END, l.continues_id, s.start_year, COUNT(*)"
        ),
        charts=f"IN ({', '.join(['%s'] * len(charts))})",
        counting="",
        rest=" GROUP BY 1, 2, 3, 4, 5, 6",
        **_tables(),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_path_prefix(region.path), *charts])
        groups = cursor.fetchall()
    linked, counted, carried = [], {}, {}
    for ledger_chart, carried_year, pk, start_year, continues_id, successor_start, count in groups:
        if pk is not None:
            linked.append((pk, ledger_chart, carried_year, start_year, continues_id, successor_start))
            if not counts_in_year(
                year=year, start_year=start_year, continues_id=continues_id, successor_start=successor_start
            ):
                continue
        counted[ledger_chart] = counted.get(ledger_chart, 0) + count
        carried.setdefault(ledger_chart, set()).add(carried_year)
    linked.sort()
    native = counted.get(chart, 0)
    mapped_count = sum(count for ledger_chart, count in counted.items() if ledger_chart != chart)
    if not native and not (mapped_count and any(row[5] is not None for row in linked)):
        raise NotPermitted(NO_LEDGERS.format(chart=chart))

    def ids(of_chart: str, count: int):
        return RegionLedgerIds(path=region.path, chart=of_chart, year=year, count=count) if count else ()

    mapped = () if not mapped_count else ids(MAPPED_CHART, mapped_count)
    superseded = frozenset(
        row[1]
        for row in linked
        if row[5] is not None
        and not counts_in_year(year=year, start_year=row[3], continues_id=row[4], successor_start=row[5])
    )
    return ReportScope(
        title=gettext("{region}（汇总 {count} 个账套）").format(region=region.name, count=native),
        ledger_ids=ids(chart, native),
        chart=chart,
        from_key=from_key,
        to_key=to_key,
        region=region,
        mapped_ledger_ids=mapped,
        rollup_region=region,
        carried_years=frozenset(carried.get(chart, ())),
        superseded_charts=superseded,
        linked=tuple(linked),
        mapped_carried_years=frozenset(y for c, years in carried.items() if c != chart for y in years),
    )


def rollup_source(scope: ReportScope, *, before_keys: tuple[int, ...]):
    """The region's roll-up rows of the scope's chart, and the balance window before each of
    ``before_keys`` over them; None when the scope must read its ledgers' own rows (part of a
    region, a village, one ledger, or ledgers whose carried years open the year differently)."""
    if rollup_starts(scope, before_keys=before_keys) is None:
        return None
    windows = [
        balance_window(carried_year=min(scope.carried_years), year=before_key // 100, before_key=before_key)
        for before_key in before_keys
    ]
    rows = RegionBalance.objects.filter(region_id=scope.rollup_region.pk, chart=scope.chart)
    return rows, windows


def rollup_starts(scope: ReportScope, *, before_keys: tuple[int, ...]) -> list[int] | None:
    """``rollup_source``'s windows as numbers, for a report that writes its SQL by hand (the ORM's
    compiling of a conditional aggregation costs more than the query over the roll-ups): the
    first period key of the window before each of ``before_keys`` (``balance_window``: that key's
    rows, then every month after it up to the key before), or None where ``rollup_source`` is."""
    if scope.rollup_region is None or scope.single_ledger is not None or not scope.carried_years:
        return None
    if scope.chart in scope.superseded_charts:
        return None
    starts = []
    for before_key in before_keys:
        year = before_key // 100
        if len({min(year, carried) for carried in scope.carried_years}) != 1:
            return None
        starts.append(min(year, min(scope.carried_years)) * 100)
    return starts


def opening_window(scope: ReportScope, *, before_key: int) -> Q:
    """Balance rows that add up to the balances just before period ``before_key``.

    ``ledger.selectors.balance_window`` is the rule for one ledger; ledgers of one region can
    have different carried years, so the window is built per carried year.
    """
    year = before_key // 100
    ledgers = Ledger.objects.filter(pk__in=scope.ledger_ids) if scope.single_ledger is None else None
    carried_years = (
        {scope.single_ledger.carried_year}
        if scope.single_ledger is not None
        else set(ledgers.values_list("carried_year", flat=True).distinct())
    )
    window = Q(pk__in=[])
    for carried in carried_years:
        part = balance_window(carried_year=carried, year=year, before_key=before_key)
        if len(carried_years) > 1:
            part &= Q(ledger__carried_year=carried)
        window |= part
    return window


def consolidated_name(code: str, first: str, last: str, *, chart: str) -> str:
    """The name of account ``code`` added up over many ledgers, whose names run from ``first``
    to ``last`` in sort order.

    The chart's accounts have one name everywhere. Sub-accounts are each ledger's own: 10201 is
    one village's 农商行 and another's 信用社, so where the ledgers name a code differently its
    row says what it is (银行存款 — 各村明细), never one village's name.
    """
    if first == last:
        return first
    names = {template.code: template.name for template in chart_templates(chart)}
    if code in names:
        return names[code]
    parent = next((code[:n] for n in range(len(code) - 1, 2, -1) if code[:n] in names), "")
    return gettext(VILLAGE_DETAIL).format(parent=names.get(parent, first))
