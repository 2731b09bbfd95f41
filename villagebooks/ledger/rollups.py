"""Region roll-ups (区域汇总余额): ``RegionBalance`` rows, the balance rows of every ledger added up
per region above its village (township, county, city, province), account code, period, fund
kind and closing flag.

A consolidated report of a whole region reads these rows: a county's trial balance costs the
same with 60 villages as with 300. They are kept right by ``ledger.posting`` alone, which calls
this module wherever it writes balance rows: once per posted voucher (``add_voucher``, one
statement summing the voucher's lines in the database), once per set of deltas (``add_deltas``:
an import's batch, opening balances, a year's carry-forward, aggregated here in Python and
written in one statement) and for the rows it deletes before replacing them (``remove_rows``).
``verify`` recomputes them all from ``AccountBalance`` (``discrepancies``); the migration that
made the table builds them for the books already there (``rebuild``).

Rows are written in key order (ORDER BY, sorted lists), like the balance rows, so concurrent
posters lock them in one order. On SQLite writers queue (IMMEDIATE transactions).

The side-split accounts (内部往来 113), whose debit and credit balances the balance sheet shows
apart per ledger, account and counterparty, have a roll-up of their own, ``RegionSideBalance``
(the second half of this module, ``side_refresh``), kept by the same writers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from villagebooks.ledger.balances import BalanceDeltas
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Fund,
    Ledger,
    RegionBalance,
    RegionSideBalance,
    VoucherLine,
)
from villagebooks.regions.models import Region

# (region id, chart, account code, period key, fund kind, is_closing)
RollupKey = tuple[int, str, str, int, str, bool]

_COLUMNS = (
    "region_id, chart, account_code, year, month, period_key, fund_kind, is_closing, debit_fen, credit_fen,"
    " first_name, last_name, level"
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _upsert_head() -> tuple[str, str]:
    table = _table(RegionBalance)
    return (
        f"INSERT INTO {table} ({_COLUMNS})",
        " ON CONFLICT (region_id, chart, account_code, period_key, fund_kind, is_closing)"
        f" DO UPDATE SET debit_fen = {table}.debit_fen + excluded.debit_fen,"
        f" credit_fen = {table}.credit_fen + excluded.credit_fen,"
        f" first_name = CASE WHEN excluded.first_name < {table}.first_name"
        f" THEN excluded.first_name ELSE {table}.first_name END,"
        f" last_name = CASE WHEN excluded.last_name > {table}.last_name"
        f" THEN excluded.last_name ELSE {table}.last_name END,"
        f" level = CASE WHEN excluded.level < {table}.level THEN excluded.level ELSE {table}.level END",
    )


def _ancestors_sql(ledger: str) -> str:
    """A recursive CTE ``ancestors(ledger_id, region_id)``: every region above the village of each
    ledger that ``ledger`` (SQL over ``ledger_ledger`` as ``l``) selects. By primary key, a few
    rows a ledger, however large the region table."""
    regions, ledgers = _table(Region), _table(Ledger)
    return (
        "ancestors(ledger_id, region_id) AS ("
        f" SELECT l.id, v.parent_id FROM {ledgers} l JOIN {regions} v ON v.id = l.village_id"
        f" WHERE {ledger} AND v.parent_id IS NOT NULL"
        " UNION ALL"
        f" SELECT a.ledger_id, r.parent_id FROM ancestors a JOIN {regions} r ON r.id = a.region_id"
        " WHERE r.parent_id IS NOT NULL)"
    )


def voucher_sql(*, year: str, month: str, period_key: str, joined: str = "") -> tuple[str, str]:
    """The CTE of the ledger's regions and the INSERT … SELECT that adds one voucher's lines to
    their roll-ups, to put after ``WITH RECURSIVE`` (PostgreSQL's one-statement posting does so
    among its own CTEs). Parameters ``%(ledger_id)s``, ``%(voucher_id)s``, ``%(is_closing)s``; the
    period as SQL expressions, over the optional ``joined`` table (like ``posting``'s)."""
    insert, on_conflict = _upsert_head()
    lines, accounts, funds, ledgers = _table(VoucherLine), _table(Account), _table(Fund), _table(Ledger)
    group = "a.region_id, l.chart, acc.code, COALESCE(f.kind, '')"
    period_group = f", {year}, {month}" if joined else ""
    return _ancestors_sql("l.id = %(ledger_id)s"), (
        f"{insert} SELECT a.region_id, l.chart, acc.code, {year}, {month}, {period_key},"
        " COALESCE(f.kind, ''), %(is_closing)s, SUM(line.debit_fen), SUM(line.credit_fen),"
        " MIN(acc.name), MAX(acc.name), MIN(acc.level)"
        f" FROM {lines} line JOIN {accounts} acc ON acc.id = line.account_id"
        f" LEFT JOIN {funds} f ON f.id = line.fund_id"
        f" JOIN {ledgers} l ON l.id = %(ledger_id)s"
        f" JOIN ancestors a ON a.ledger_id = l.id{joined}"
        f" WHERE line.voucher_id = %(voucher_id)s GROUP BY {group}{period_group} ORDER BY {group}{on_conflict}"
    )


def add_voucher(*, voucher_id: int, ledger_id: int, period_key: int, is_closing: bool) -> bool | None:
    """Add one posted voucher's lines to its regions' roll-ups: one statement, summed in the
    database (the posting's one call per voucher; on PostgreSQL ``voucher_sql`` is part of the
    posting's own statement instead). Returns whether a line is on an account the side roll-ups
    keep (the codes the statement wrote, ``RETURNING``: no statement more), so that
    ``side_add_voucher`` runs only then; None where the database cannot say (SQLite before 3.35)."""
    ancestors, insert = voucher_sql(year="%(year)s", month="%(month)s", period_key="%(period_key)s")
    returning = connection.features.can_return_columns_from_insert
    sql = f"WITH RECURSIVE {ancestors} {insert}" + (" RETURNING account_code" if returning else "")
    params = {
        "ledger_id": ledger_id,
        "voucher_id": voucher_id,
        "year": period_key // 100,
        "month": period_key % 100,
        "period_key": period_key,
        "is_closing": is_closing,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if not returning:
            return None
        return any(side_kept(code) for (code,) in cursor.fetchall())


@dataclass(frozen=True)
class _Names:
    """What a set of balance keys means across ledgers: each ledger's chart and regions, each
    account's code, each fund's kind (three small queries, whatever the number of rows)."""

    ledgers: dict[int, tuple[str, tuple[int, ...]]]
    accounts: dict[int, tuple[str, str, int]]  # id → code, name, level
    fund_kinds: dict[int, str]

    @classmethod
    def load(cls, *, ledger_ids: set[int], account_ids: set[int], fund_ids: set[int]) -> _Names:
        regions: dict[int, list[int]] = defaultdict(list)
        charts: dict[int, str] = {}
        ledgers = _table(Ledger)
        placeholders = ", ".join(["%s"] * len(ledger_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE {_ancestors_sql(f'l.id IN ({placeholders})')}"
                f" SELECT a.ledger_id, a.region_id, l.chart FROM ancestors a JOIN {ledgers} l ON l.id = a.ledger_id",
                sorted(ledger_ids),
            )
            for ledger_id, region_id, chart in cursor.fetchall():
                regions[ledger_id].append(region_id)
                charts[ledger_id] = chart
        accounts = {
            pk: (code, name, level)
            for pk, code, name, level in Account.objects.filter(pk__in=account_ids).values_list(
                "pk", "code", "name", "level"
            )
        }
        kinds = dict(Fund.objects.filter(pk__in=fund_ids).values_list("pk", "kind")) if fund_ids else {}
        return cls(
            ledgers={ledger_id: (charts[ledger_id], tuple(ids)) for ledger_id, ids in regions.items()},
            accounts=accounts,
            fund_kinds=kinds,
        )


def _rolled_up(rows) -> dict[RollupKey, list]:
    """(ledger id, account id, period key, fund key, is_closing, debit, credit) rows → roll-up
    movements per key, added up in Python: [debit, credit, first name, last name, level]."""
    rows = list(rows)
    if not rows:
        return {}
    names = _Names.load(
        ledger_ids={row[0] for row in rows},
        account_ids={row[1] for row in rows},
        fund_ids={row[3] for row in rows if row[3]},
    )
    sums: dict[RollupKey, list] = {}
    for ledger_id, account_id, period_key, fund_key, is_closing, debit, credit in rows:
        place = names.ledgers.get(ledger_id)
        if place is None:  # a village at the top of the tree: no region above it
            continue
        chart, region_ids = place
        code, name, level = names.accounts[account_id]
        kind = names.fund_kinds.get(fund_key, "") if fund_key else ""
        for region_id in region_ids:
            _add(
                sums,
                (region_id, chart, code, period_key, kind, bool(is_closing)),
                [debit, credit, name, name, level],
            )
    return sums


def _add(sums: dict[RollupKey, list], key: RollupKey, row: list) -> None:
    """Add a [debit, credit, first name, last name, level] row to ``sums`` under ``key``."""
    have = sums.get(key)
    if have is None:
        sums[key] = list(row)
        return
    have[0] += row[0]
    have[1] += row[1]
    have[2] = min(have[2], row[2])
    have[3] = max(have[3], row[3])
    have[4] = min(have[4], row[4])


def _write(sums: dict[RollupKey, list]) -> None:
    """Add ``sums`` to the stored roll-ups: one statement, rows in key order."""
    if not sums:
        return
    insert, on_conflict = _upsert_head()
    rows = [
        (region, chart, code, key // 100, key % 100, key, kind, closing, *figures)
        for (region, chart, code, key, kind, closing), figures in sorted(sums.items())
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(
                f"{insert} SELECT {_COLUMNS} FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::int[],"
                " %s::int[], %s::int[], %s::text[], %s::boolean[], %s::bigint[], %s::bigint[],"
                " %s::text[], %s::text[], %s::int[])"
                f" WITH ORDINALITY AS delta({_COLUMNS}, position) ORDER BY position{on_conflict}",
                columns,
            )
            return
        cursor.executemany(f"{insert} VALUES ({', '.join(['%s'] * 13)}){on_conflict}", rows)


def add_deltas(deltas: BalanceDeltas) -> None:
    """Add balance movements (an import's batch, opening balances, a carry-forward) to the
    roll-ups: aggregated here, one statement whatever their number."""
    _write(
        _rolled_up(
            (key.ledger_id, key.account_id, key.period_key, key.fund_key, key.is_closing, debit, credit)
            for key, (debit, credit) in deltas.items()
        )
    )


class PendingRollups:
    """An import's movements for the roll-ups, added up per balance key batch by batch (Python,
    no query) and rolled up and written once at the end (``BatchPosting.finish``): a query a
    batch for the names would make the import's thread wait for the batch's rows to be stored
    (``background_writes``) instead of preparing the next one meanwhile."""

    def __init__(self) -> None:
        # (ledger id, account id, period key, fund key, is_closing) → [debit, credit]
        self.sums: dict[tuple, list[int]] = {}
        # For the side roll-ups: (ledger id, account id, counterparty key) → period key → net debit
        self.side: dict[SideGroup, dict[int, int]] = {}

    def add(self, deltas: BalanceDeltas) -> None:
        sums, side = self.sums, self.side
        for key, (debit, credit) in deltas.items():
            row_key = (key.ledger_id, key.account_id, key.period_key, key.fund_key, key.is_closing)
            total = sums.get(row_key)
            if total is None:
                sums[row_key] = [debit, credit]
            else:
                total[0] += debit
                total[1] += credit
            group = (key.ledger_id, key.account_id, key.counterparty_key)
            months = side.get(group)
            if months is None:
                months = side[group] = {}
            months[key.period_key] = months.get(key.period_key, 0) + debit - credit

    def write(self) -> None:
        _write(_rolled_up((*key, debit, credit) for key, (debit, credit) in self.sums.items()))
        side_refresh(self.side)
        self.sums.clear()
        self.side.clear()


def remove_rows(balance_rows: Q) -> None:
    """Take the ``AccountBalance`` rows that ``balance_rows`` selects out of the roll-ups: call
    it before deleting them (opening balances replaced, a carry-forward written again)."""
    rows = AccountBalance.objects.filter(balance_rows).values_list(
        "ledger_id", "account_id", "period_key", "fund_key", "is_closing", "debit_fen", "credit_fen"
    )
    sums = _rolled_up(rows)
    _write({key: [-row[0], -row[1], *row[2:]] for key, row in sums.items()})


# ---------------------------------------------------------------------------------------------
# Recomputed from the balance rows: verify and the migration


def expected_rollups(
    *, region_ids: set[int] | None = None, with_names: bool = False
) -> dict[RollupKey, tuple]:
    """The roll-ups as ``AccountBalance`` adds them up, in one grouped query: (debit, credit), and
    with ``with_names`` the names and level too (then zero rows are kept, else left out)."""
    balances, accounts, funds, ledgers = _table(AccountBalance), _table(Account), _table(Fund), _table(Ledger)
    group = "a.region_id, l.chart, acc.code, b.period_key, COALESCE(f.kind, ''), b.is_closing"
    where, params = "", []
    if region_ids is not None:
        where = f" WHERE a.region_id IN ({', '.join(['%s'] * len(region_ids))})"
        params = sorted(region_ids)
    sql = (
        f"WITH RECURSIVE {_ancestors_sql('1 = 1')}"
        f" SELECT {group}, SUM(b.debit_fen), SUM(b.credit_fen), MIN(acc.name), MAX(acc.name), MIN(acc.level)"
        f" FROM {balances} b JOIN {ledgers} l ON l.id = b.ledger_id"
        " JOIN ancestors a ON a.ledger_id = b.ledger_id"
        f" JOIN {accounts} acc ON acc.id = b.account_id LEFT JOIN {funds} f ON f.id = b.fund_key"
        f"{where} GROUP BY {group}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # int(): PostgreSQL's SUM of bigints is a numeric (a Decimal here).
        return {
            (region, chart, code, key, kind, bool(closing)): (int(debit), int(credit), *names)
            if with_names
            else (int(debit), int(credit))
            for region, chart, code, key, kind, closing, debit, credit, *names in cursor.fetchall()
            if with_names or debit or credit
        }


def stored_rollups(*, region_ids: set[int] | None = None) -> dict[RollupKey, tuple[int, int]]:
    rows = RegionBalance.objects.all()
    if region_ids is not None:
        rows = rows.filter(region_id__in=region_ids)
    return {
        (region, chart, code, key, kind, closing): (debit, credit)
        for region, chart, code, key, kind, closing, debit, credit in rows.values_list(
            "region_id",
            "chart",
            "account_code",
            "period_key",
            "fund_kind",
            "is_closing",
            "debit_fen",
            "credit_fen",
        ).iterator(chunk_size=20000)
        if debit or credit
    }


@dataclass(frozen=True)
class RollupDiscrepancy:
    """A roll-up row that differs from the balance rows it adds up."""

    region_code: str
    region_name: str
    chart: str
    account_code: str
    period_key: int
    fund_kind: str
    is_closing: bool
    expected: tuple[int, int]  # debit, credit (fen)
    stored: tuple[int, int]

    def __str__(self) -> str:
        from villagebooks.common.money import format_fen
        from villagebooks.ledger.domain.periods import period_label

        month = self.period_key % 100
        period = f"{self.period_key // 100}年初" if month == 0 else period_label(self.period_key)
        dimension = f" 资金类别 {self.fund_kind}" if self.fund_kind else ""
        closing = " 年结凭证" if self.is_closing else ""
        return (
            f"区域 {self.region_name}({self.region_code}) {self.chart}制度 科目 {self.account_code} 期间 {period}"
            f"{dimension}{closing}：区域汇总余额与各账套余额合计不符（借方/贷方）："
            f"应为 {format_fen(self.expected[0])}/{format_fen(self.expected[1])}，"
            f"实为 {format_fen(self.stored[0])}/{format_fen(self.stored[1])}"
        )


def discrepancies() -> tuple[list[RollupDiscrepancy], int]:
    """Every roll-up row that differs from the sum of its balance rows (a row missing on either
    side counts as zero), in key order; and the number of roll-up rows compared."""
    expected, stored = expected_rollups(), stored_rollups()
    keys = sorted(set(expected) | set(stored))
    differing = [key for key in keys if expected.get(key, (0, 0)) != stored.get(key, (0, 0))]
    regions = dict(
        (pk, (code, name))
        for pk, code, name in Region.objects.filter(pk__in={key[0] for key in differing}).values_list(
            "pk", "code", "name"
        )
    )
    found = [
        RollupDiscrepancy(
            region_code=regions.get(key[0], ("?", "?"))[0],
            region_name=regions.get(key[0], ("?", "?"))[1],
            chart=key[1],
            account_code=key[2],
            period_key=key[3],
            fund_kind=key[4],
            is_closing=key[5],
            expected=expected.get(key, (0, 0)),
            stored=stored.get(key, (0, 0)),
        )
        for key in differing
    ]
    side_found, side_compared = side_discrepancies()
    return [*found, *side_found], len(stored) + side_compared


def rebuild() -> int:
    """Write every roll-up again from the balance rows (the migration for existing books, and a
    repair); returns the number of rows written."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table(RegionBalance)}")
    sums = {key: list(row) for key, row in expected_rollups(with_names=True).items()}
    _write(sums)
    return len(sums)


# ---------------------------------------------------------------------------------------------
# The side-split accounts' balances (``RegionSideBalance``)
#
# The balance sheet shows 内部往来 (113) apart by side: 应收款项 adds the debit balances of each
# (ledger, account, counterparty) group, 应付款项 the credit balances; A's +100 and B's −100 add up
# to 0 but show 100 on both lines, so ``RegionBalance`` cannot give them. ``RegionSideBalance``
# holds, per region, chart, account code and month end, how much the sum of the groups' positive
# balances and of their negative balances change there. A group's balance at a month end is
# ``ledger.selectors.balance_window``'s with the ledger's carried year: its start row (month 0 of
# the month's year, or of the carried year if that is earlier) and every month after it.
#
# A change of a group's rows (a posting, an import, opening balances, a carry-forward, or the
# carried year itself at a year close) is applied by working out the group's balances at every
# month end where they may change, before and after it (the rows as they are now, less the change
# just made), and adding the difference of its contributions: a posting in March touches March
# and the group's later months only. Every write is an addition (INSERT … ON CONFLICT DO UPDATE)
# in key order. It runs after the ledger's chain head is taken (``posting``'s lock order, step
# 4): the transactions that change one ledger's groups do so one after the other, each reading
# the rows the one before committed; the region rows, shared by ledgers, only add.

# The account codes (and all under them) kept by side, on both charts: the platform's balance
# sheets split 113 alone. A layout that splits another account reads its ledgers' rows.
SIDE_PREFIXES = ("113",)

# (ledger id, account id, counterparty key)
SideGroup = tuple[int, int, int]
# (region id, chart, account code, period key)
SideKey = tuple[int, str, str, int]


def side_kept(code: str) -> bool:
    """Whether ``code`` (an account, or a formula's prefix) is kept by side in the roll-ups."""
    return code.startswith(SIDE_PREFIXES)


def _side_codes_sql(column: str) -> tuple[str, list[str]]:
    """SQL selecting the accounts kept by side by their ``column`` (a code), as ranges (an index
    serves them), and its parameters."""
    ranges = " OR ".join(f"({column} >= %s AND {column} < %s)" for _prefix in SIDE_PREFIXES)
    bounds = [bound for prefix in SIDE_PREFIXES for bound in (prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1))]
    return f"({ranges})", bounds


def _balances_at(rows: dict[int, int], carried: int) -> list[tuple[int, int]]:
    """A group's balance (net debit) at every month end where it may change, in key order: at each
    of its rows' keys and at month 0 of every year up to its ledger's carried year (where the
    window starts afresh), by ``balance_window``'s rule. Between two of these keys it stays."""
    if not rows:
        return []
    keys = set(rows) | {year * 100 for year in range(min(rows) // 100, carried + 1)}
    months = sorted((key, amount) for key, amount in rows.items() if key % 100 >= 1)
    found = []
    for key in sorted(keys):
        start = min(key // 100, carried) * 100
        balance = rows.get(start, 0)
        for month_key, amount in months:
            if month_key > key:
                break
            if month_key > start:
                balance += amount
        found.append((key, balance))
    return found


def side_changes(rows: dict[int, int], carried: int) -> dict[int, tuple[int, int]]:
    """A group's contribution to the side roll-ups: at each month end where its positive or
    negative balance changes, by how much (positive, negative)."""
    changes, positive, negative = {}, 0, 0
    for key, balance in _balances_at(rows, carried):
        now_positive, now_negative = max(balance, 0), min(balance, 0)
        if now_positive != positive or now_negative != negative:
            changes[key] = (now_positive - positive, now_negative - negative)
        positive, negative = now_positive, now_negative
    return changes


@dataclass(frozen=True)
class _SidePlaces:
    """Each ledger's chart, carried year and regions above its village; each kept account's code."""

    ledgers: dict[int, tuple[str, int, tuple[int, ...]]]
    codes: dict[int, str]

    @classmethod
    def load(cls, ledger_ids: set[int] | None) -> _SidePlaces:
        """For ``ledger_ids`` (None: every ledger): two queries."""
        ledgers_table, accounts = _table(Ledger), _table(Account)
        if ledger_ids is None:
            where, params = "1 = 1", []
        else:
            where, params = f"l.id IN ({', '.join(['%s'] * len(ledger_ids))})", sorted(ledger_ids)
        codes_sql, bounds = _side_codes_sql("a.code")
        places: dict[int, tuple[str, int, list[int]]] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE {_ancestors_sql(where)}"
                f" SELECT l.id, l.chart, l.carried_year, a.region_id FROM {ledgers_table} l"
                f" LEFT JOIN ancestors a ON a.ledger_id = l.id WHERE {where}",
                params + params,
            )
            for ledger_id, chart, carried, region_id in cursor.fetchall():
                place = places.setdefault(ledger_id, (chart, carried, []))
                if region_id is not None:
                    place[2].append(region_id)
            cursor.execute(
                f"SELECT a.id, a.code FROM {accounts} a WHERE {where.replace('l.id', 'a.ledger_id')}"
                f" AND {codes_sql}",
                params + bounds,
            )
            codes = dict(cursor.fetchall())
        return cls(
            ledgers={
                pk: (chart, carried, tuple(regions)) for pk, (chart, carried, regions) in places.items()
            },
            codes=codes,
        )


def _side_rows(ledger_ids: set[int] | None, codes_of: dict[int, str]) -> dict[SideGroup, dict[int, int]]:
    """The kept accounts' balance rows of ``ledger_ids`` (None: all), per group and period key
    (funds and closing entries added up): one grouped query."""
    balances, accounts = _table(AccountBalance), _table(Account)
    codes_sql, bounds = _side_codes_sql("acc.code")
    where, params = "", []
    if ledger_ids is not None:
        where, params = f" AND b.ledger_id IN ({', '.join(['%s'] * len(ledger_ids))})", sorted(ledger_ids)
    rows: dict[SideGroup, dict[int, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.ledger_id, b.account_id, b.counterparty_key, b.period_key, SUM(b.debit_fen - b.credit_fen)"
            f" FROM {balances} b JOIN {accounts} acc ON acc.id = b.account_id"
            f" WHERE {codes_sql}{where} GROUP BY b.ledger_id, b.account_id, b.counterparty_key, b.period_key",
            bounds + params,
        )
        for ledger_id, account_id, party, key, net in cursor.fetchall():
            if account_id in codes_of or ledger_ids is None:
                rows[(ledger_id, account_id, party)][key] = int(net)  # PostgreSQL: a numeric
    return rows


def side_deltas(deltas: BalanceDeltas) -> dict[SideGroup, dict[int, int]]:
    """Balance movements as the side roll-ups take them: net debit per group and period key
    (every account: ``side_refresh`` keeps the kept ones)."""
    found: dict[SideGroup, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for key, (debit, credit) in deltas.items():
        found[(key.ledger_id, key.account_id, key.counterparty_key)][key.period_key] += debit - credit
    return found


def side_rows_of(balance_rows: Q) -> dict[SideGroup, dict[int, int]]:
    """The net debit of the ``AccountBalance`` rows ``balance_rows`` selects, per group and period
    key: what deleting them takes away (call it before deleting them)."""
    found: dict[SideGroup, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = AccountBalance.objects.filter(balance_rows).values_list(
        "ledger_id", "account_id", "counterparty_key", "period_key", "debit_fen", "credit_fen"
    )
    for ledger_id, account_id, party, key, debit, credit in rows:
        found[(ledger_id, account_id, party)][key] += debit - credit
    return found


def side_refresh(
    changed: dict[SideGroup, dict[int, int]],
    *,
    removed: dict[SideGroup, dict[int, int]] | None = None,
    carried_after: dict[int, int] | None = None,
) -> None:
    """Bring the side roll-ups up to date with a change of balance rows already written:
    ``changed`` (net debit added per group and period key; groups of accounts not kept are
    passed over) and ``removed`` (rows deleted), and ``carried_after``: ledgers whose carried year
    is about to become the one given (the year close's carry-forward, written just before the
    ledger's row moves on) — every kept group of those is worked out again."""
    removed = removed or {}
    carried_after = carried_after or {}
    ledger_ids = {group[0] for group in changed} | {group[0] for group in removed} | set(carried_after)
    if not ledger_ids:
        return
    places = _SidePlaces.load(ledger_ids)
    codes = places.codes
    touched = {group for group in (*changed, *removed) if group[1] in codes}
    if not touched and not carried_after:
        return
    rows = _side_rows(ledger_ids, codes)
    touched |= {group for group in rows if group[0] in carried_after}
    sums: dict[SideKey, list[int]] = defaultdict(lambda: [0, 0])
    for group in touched:
        ledger_id, account_id, _party = group
        chart, carried, regions = places.ledgers[ledger_id]
        if not regions:  # a village at the top of the tree: no region above it
            continue
        after = dict(rows.get(group, {}))
        before = dict(after)
        for key, amount in changed.get(group, {}).items():
            before[key] = before.get(key, 0) - amount
        for key, amount in removed.get(group, {}).items():
            before[key] = before.get(key, 0) + amount
        old = side_changes({k: v for k, v in before.items() if v}, carried)
        new = side_changes({k: v for k, v in after.items() if v}, carried_after.get(ledger_id, carried))
        code = codes[account_id]
        for key in old.keys() | new.keys():
            positive = new.get(key, (0, 0))[0] - old.get(key, (0, 0))[0]
            negative = new.get(key, (0, 0))[1] - old.get(key, (0, 0))[1]
            if positive or negative:
                for region_id in regions:
                    total = sums[(region_id, chart, code, key)]
                    total[0] += positive
                    total[1] += negative
    _side_write(sums)


def _side_write(sums: dict[SideKey, list[int]]) -> None:
    """Add ``sums`` to the stored side roll-ups: rows in key order."""
    rows = [
        (*key, positive, negative)
        for key, (positive, negative) in sorted(sums.items())
        if positive or negative
    ]
    if not rows:
        return
    table = _table(RegionSideBalance)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (region_id, chart, account_code, period_key, positive_fen, negative_fen)"
            " VALUES (%s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (region_id, chart, account_code, period_key)"
            f" DO UPDATE SET positive_fen = {table}.positive_fen + excluded.positive_fen,"
            f" negative_fen = {table}.negative_fen + excluded.negative_fen",
            rows,
        )


def side_add_voucher(*, voucher_id: int, ledger_id: int, period_key: int) -> None:
    """Add a posted voucher's lines on kept accounts to the side roll-ups (nothing to do, and one
    query, for a voucher without such lines)."""
    lines, accounts = _table(VoucherLine), _table(Account)
    codes_sql, bounds = _side_codes_sql("acc.code")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT line.account_id, COALESCE(line.counterparty_id, 0), SUM(line.debit_fen - line.credit_fen)"
            f" FROM {lines} line JOIN {accounts} acc ON acc.id = line.account_id"
            f" WHERE line.voucher_id = %s AND {codes_sql} GROUP BY line.account_id, COALESCE(line.counterparty_id, 0)",
            [voucher_id, *bounds],
        )
        found = cursor.fetchall()
    if found:
        side_refresh({(ledger_id, account, party): {period_key: int(net)} for account, party, net in found})


def side_voucher_count_sql() -> tuple[str, list[str]]:
    """SQL counting a voucher's (``%(voucher_id)s``) lines on kept accounts, for PostgreSQL's
    one-statement posting to say whether ``side_add_voucher`` has anything to do."""
    lines, accounts = _table(VoucherLine), _table(Account)
    ranges = " OR ".join(
        f"(acc.code >= %(side_low_{i})s AND acc.code < %(side_high_{i})s)" for i in range(len(SIDE_PREFIXES))
    )
    params = {}
    for i, prefix in enumerate(SIDE_PREFIXES):
        params[f"side_low_{i}"] = prefix
        params[f"side_high_{i}"] = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return (
        f"SELECT COUNT(*) FROM {lines} line JOIN {accounts} acc ON acc.id = line.account_id"
        f" WHERE line.voucher_id = %(voucher_id)s AND ({ranges})",
        params,
    )


def expected_side_rollups() -> dict[SideKey, tuple[int, int]]:
    """The side roll-ups as the balance rows give them (no zero rows)."""
    places = _SidePlaces.load(None)
    sums: dict[SideKey, list[int]] = defaultdict(lambda: [0, 0])
    for (ledger_id, account_id, _party), rows in _side_rows(None, places.codes).items():
        chart, carried, regions = places.ledgers[ledger_id]
        code = places.codes[account_id]
        for key, (positive, negative) in side_changes({k: v for k, v in rows.items() if v}, carried).items():
            for region_id in regions:
                total = sums[(region_id, chart, code, key)]
                total[0] += positive
                total[1] += negative
    return {key: (positive, negative) for key, (positive, negative) in sums.items() if positive or negative}


def stored_side_rollups() -> dict[SideKey, tuple[int, int]]:
    return {
        (region, chart, code, key): (positive, negative)
        for region, chart, code, key, positive, negative in RegionSideBalance.objects.values_list(
            "region_id", "chart", "account_code", "period_key", "positive_fen", "negative_fen"
        ).iterator(chunk_size=20000)
        if positive or negative
    }


@dataclass(frozen=True)
class SideRollupDiscrepancy:
    """A side roll-up row that differs from what the balance rows give."""

    region_code: str
    region_name: str
    chart: str
    account_code: str
    period_key: int
    expected: tuple[int, int]  # change of the debit balances, of the credit balances (fen)
    stored: tuple[int, int]

    def __str__(self) -> str:
        from villagebooks.common.money import format_fen
        from villagebooks.ledger.domain.periods import period_label

        month = self.period_key % 100
        period = f"{self.period_key // 100}年初" if month == 0 else period_label(self.period_key)
        return (
            f"区域 {self.region_name}({self.region_code}) {self.chart}制度 科目 {self.account_code} 期间 {period}："
            "区域往来分方向余额汇总与各账套余额不符（借方余额合计/贷方余额合计的变动）："
            f"应为 {format_fen(self.expected[0])}/{format_fen(-self.expected[1])}，"
            f"实为 {format_fen(self.stored[0])}/{format_fen(-self.stored[1])}"
        )


def side_discrepancies() -> tuple[list[SideRollupDiscrepancy], int]:
    """Every side roll-up row that differs from the balance rows (a row missing on either side
    counts as zero), in key order; and the number of rows compared."""
    expected, stored = expected_side_rollups(), stored_side_rollups()
    differing = [key for key in sorted(set(expected) | set(stored)) if expected.get(key) != stored.get(key)]
    regions = dict(
        (pk, (code, name))
        for pk, code, name in Region.objects.filter(pk__in={key[0] for key in differing}).values_list(
            "pk", "code", "name"
        )
    )
    found = [
        SideRollupDiscrepancy(
            region_code=regions.get(key[0], ("?", "?"))[0],
            region_name=regions.get(key[0], ("?", "?"))[1],
            chart=key[1],
            account_code=key[2],
            period_key=key[3],
            expected=expected.get(key, (0, 0)),
            stored=stored.get(key, (0, 0)),
        )
        for key in differing
    ]
    return found, len(stored)


def side_rebuild() -> int:
    """Write every side roll-up again from the balance rows; returns the number of rows written."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table(RegionSideBalance)}")
    sums = {key: list(value) for key, value in expected_side_rollups().items()}
    _side_write(sums)
    return len(sums)
