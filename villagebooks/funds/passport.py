"""The fund passport (资金护照) and project execution (项目执行), summed in SQL.

For every allocation share (one transfer document's part in one ledger) at any date::

    下达 allocated = 已支出 spent + 已承诺 committed + 结余 balance + 已退回 returned

to the fen. The figures of a fund in a ledger come from its posted voucher lines dated up to the
date, and are then shared out over the fund's allocations oldest document first (the first is
used up before the next); what is more than every allocation of the fund stays on its newest one,
whose balance goes below zero — or, when the fund had no allocation by the date, on a row of no
allocation (下达 0). So the identity holds on every row, and rows add up to funds, ledgers and
regions exactly.

- **已支出 spent**: the net debit of a spending account (every expense and cost account and the
  spending asset accounts of ``data/funds-rules.json``, the same as budget control) on a line
  tagged with the fund, on posted vouchers (year-close vouchers left out: they only move the
  year's result).
- **已退回 returned**: money paid back to the issuer. Booked, as the 2023 chart says for
  专项应付款 (拨款结余需退回的，借记专项应付款，贷记银行存款), as a debit of a source account
  tagged with the fund in a voucher that credits cash or bank; the accounts are data
  (``returns`` in ``data/funds-rules.json``), so a county corrects them without a release.
- **已承诺 committed**: what is promised but not yet paid. There is no contract register in funds
  (contracts belong to village affairs, a layer above): a project's payment plan (付款节点,
  ``MilestonePayment``) is its commitment once the project is 立项, less what it has paid from
  the fund (never below zero). A milestone is charged to its own fund, or to the project's one
  fund when its budget lines name only one. A higher app may record commitments of its own
  (contracts signed and unpaid) through ``register_commitments``: a provider's commitment for a
  project and fund replaces the payment plan's for that pair.
- **结余 balance**: what is left free to spend: 下达 − 已支出 − 已承诺 − 已退回.

Every figure drills down (``passport_lines``) to the voucher lines behind it and their
counterparties (payees, households among them: a counterparty of kind 农户).
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from django.db import connection

from villagebooks.funds.models import (
    STATE_ORDER,
    Allocation,
    AllocationShare,
    BudgetLine,
    MilestonePayment,
    ProjectAct,
    ProjectEntry,
    ProjectSpending,
    ProjectSpendingYear,
    ProjectState,
)
from villagebooks.ledger.domain.chart import DATA_DIR
from villagebooks.ledger.models import (
    Account,
    Category,
    Counterparty,
    Fund,
    Ledger,
    Project,
    Voucher,
    VoucherKind,
    VoucherLine,
    VoucherStatus,
)

APPROVED_AT = STATE_ORDER.index(ProjectState.APPROVED)


@cache
def _rules(chart: str) -> dict:
    return json.loads((DATA_DIR / "funds-rules.json").read_text(encoding="utf-8"))[chart]


def month_end(period_key: int) -> date:
    year, month = divmod(period_key, 100)
    return date(year, month, calendar.monthrange(year, month)[1])


def month_start(period_key: int) -> date:
    year, month = divmod(period_key, 100)
    return date(year, month, 1)


# ---------------------------------------------------------------------------------------------
# Commitments: the extension point


@dataclass(frozen=True)
class Commitment:
    """A promise to pay from a fund on a project, not yet paid (e.g. a signed contract)."""

    ledger_id: int
    project_id: int
    fund_id: int
    amount_fen: int  # what is still owed, fen


CommitmentProvider = Callable[[tuple[int, ...], date], Iterable[Commitment]]
_providers: list[CommitmentProvider] = []


def register_commitments(provider: CommitmentProvider) -> None:
    """Let a higher app (contracts in village affairs) add commitments: ``provider(ledger_ids,
    as_of)`` yields what is owed and unpaid at ``as_of``. Its (project, fund) pairs replace the
    payment plans' commitments for those pairs. Registered once, in the app's ``ready``."""
    if provider not in _providers:
        _providers.append(provider)


def unregister_commitments(provider: CommitmentProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


# ---------------------------------------------------------------------------------------------
# SQL


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _by_chart(ledger_ids: tuple[int, ...]) -> dict[str, list[int]]:
    charts: dict[str, list[int]] = defaultdict(list)
    for pk, chart in Ledger.objects.filter(pk__in=ledger_ids).values_list("pk", "chart"):
        charts[chart].append(pk)
    return charts


def _spending_condition(chart: str) -> tuple[str, list]:
    prefixes = _rules(chart)["spending_asset_prefixes"]
    likes = "".join(" OR a.code LIKE %s" for _ in prefixes)
    return (
        f"(a.category IN (%s, %s){likes})",
        [Category.EXPENSE.value, Category.COST.value, *(f"{code}%" for code in prefixes)],
    )


def _posted(as_of: date) -> tuple[str, list]:
    return "v.status = %s AND v.kind <> %s AND v.date <= %s", [
        VoucherStatus.POSTED.value,
        VoucherKind.CLOSING.value,
        as_of,
    ]


def _source_accounts(rule: list[str], ids: list[int]) -> tuple[str, list]:
    """Line ``vl``'s account is one of ``rule``'s (prefixes) in ``ids``: as a sub-select, so
    that the lines are found through the (ledger, account) index, not by reading every line."""
    likes = " OR ".join(["sa.code LIKE %s"] * len(rule))
    return (
        f"vl.account_id IN (SELECT sa.id FROM {_table(Account)} sa WHERE sa.ledger_id IN ({_marks(ids)})"
        f" AND ({likes}))",
        [*ids, *(f"{code}%" for code in rule)],
    )


def _tagged(by: str, ids: list[int]) -> tuple[str, list]:
    """The lines a report reads: those of the ledgers' projects in the library (``project``,
    through the partial index of tagged lines), or those carrying one of their funds (``fund``)."""
    if by == "project":
        return (
            f"vl.project_id IN (SELECT e.project_id FROM {_table(ProjectEntry)} e"
            f" WHERE e.ledger_id IN ({_marks(ids)}))",
            list(ids),
        )
    return f"vl.fund_id IN (SELECT tf.id FROM {_table(Fund)} tf WHERE tf.ledger_id IN ({_marks(ids)}))", list(
        ids
    )


def _tagged_summary(by: str, ids: list[int]) -> tuple[str, list]:
    """``_tagged`` on the summary's rows (``s``): a project of the library, or one of the funds."""
    if by == "project":
        return (
            f"s.project_key IN (SELECT e.project_id FROM {_table(ProjectEntry)} e"
            f" WHERE e.ledger_id IN ({_marks(ids)}))",
            list(ids),
        )
    return f"s.fund_key IN (SELECT tf.id FROM {_table(Fund)} tf WHERE tf.ledger_id IN ({_marks(ids)}))", list(
        ids
    )


def _month_key(day: date) -> int:
    return day.year * 100 + day.month


def _spending_from_summary(
    chart: str, ids: list[int], by: str, through: int, since: date | None
) -> list[tuple]:
    """The spending rows of ``_spending_from_lines`` for the whole months up to ``through``
    (YYYYMM), from the spending kept at posting (``since`` is the first of a month, or None).

    Whole years come from the yearly rows (``ProjectSpendingYear``), one row where the months
    are up to twelve; the months of a year the report does not take whole (the year of
    ``through`` when it is not December, the year of a ``since`` that is not January) from the
    monthly rows (``ProjectSpending``).
    """
    through_year, through_month = divmod(through, 100)
    last_whole_year = through_year if through_month == 12 else through_year - 1
    by_month = set() if through_month == 12 else {through_year}
    if since is not None and since.month != 1 and since.year <= last_whole_year:
        by_month.add(since.year)
    tagged, tagged_params = _tagged_summary(by, ids)
    spending, spending_params = _spending_condition(chart)
    selected = (
        "SELECT s.ledger_id, s.fund_key, s.project_key, SUM(s.debit_fen - s.credit_fen),"
        " SUM(CASE WHEN {period} >= %s THEN s.debit_fen - s.credit_fen ELSE 0 END)"
        " FROM {table} s JOIN " + _table(Account) + " a ON a.id = s.account_id"
        f" WHERE s.ledger_id IN ({_marks(ids)}) AND {tagged} AND {{periods}} AND {spending}"
        " GROUP BY s.ledger_id, s.fund_key, s.project_key"
    )
    # A whole year read is recent when it is ``since``'s or later (``since``'s year is read by
    # month unless ``since`` is its first of January).
    years = f" AND s.year NOT IN ({_marks(by_month)})" if by_month else ""
    rows = _rows(
        selected.format(period="s.year", table=_table(ProjectSpendingYear), periods=f"s.year <= %s{years}"),
        [
            since.year if since else 0,
            *ids,
            *tagged_params,
            last_whole_year,
            *sorted(by_month),
            *spending_params,
        ],
    )
    if by_month:
        months = " OR ".join(["s.period_key BETWEEN %s AND %s"] * len(by_month))
        rows += _rows(
            selected.format(
                period="s.period_key",
                table=_table(ProjectSpending),
                periods=f"s.period_key <= %s AND ({months})",
            ),
            [
                _month_key(since) if since else 0,
                *ids,
                *tagged_params,
                through,
                *(bound for year in sorted(by_month) for bound in (year * 100, year * 100 + 12)),
                *spending_params,
            ],
        )
    return [
        (ledger, fund or None, project or None, net, recent) for ledger, fund, project, net, recent in rows
    ]


def _spending_from_lines(
    chart: str, ids: list[int], by: str, as_of: date, since: date | None, after: date | None = None
) -> list[tuple]:
    """(ledger, fund, project, net spending to ``as_of``, of it since ``since``) from the posted
    lines (those dated from ``after`` on, when given)."""
    tagged, tagged_params = _tagged(by, ids)
    spending, spending_params = _spending_condition(chart)
    posted, posted_params = _posted(as_of)
    if after is not None:
        posted += " AND v.date >= %s"
        posted_params = [*posted_params, after]
    return _rows(
        "SELECT vl.ledger_id, vl.fund_id, vl.project_id, SUM(vl.debit_fen - vl.credit_fen),"
        " SUM(CASE WHEN v.date >= %s THEN vl.debit_fen - vl.credit_fen ELSE 0 END)"
        f" FROM {_table(VoucherLine)} vl JOIN {_table(Voucher)} v ON v.id = vl.voucher_id"
        f" JOIN {_table(Account)} a ON a.id = vl.account_id"
        f" WHERE {tagged} AND {posted} AND {spending}"
        " GROUP BY vl.ledger_id, vl.fund_id, vl.project_id",
        [since or date.min, *tagged_params, *posted_params, *spending_params],
    )


SOURCES = ("summary", "lines")


def _spent(
    ledger_ids: tuple[int, ...],
    as_of: date,
    since: date | None = None,
    *,
    by: str = "fund",
    source: str = "summary",
    uses: dict | None = None,
) -> dict:
    """(ledger, fund or None, project or None) → (net spending to ``as_of``, of it since
    ``since``), of the lines with a fund (``by="fund"``) or with a project of the library
    (``by="project"``).

    Spending on spending accounts comes from the summary kept at posting (whole years from
    ``ProjectSpendingYear``, other whole months from ``ProjectSpending``), and from the lines
    for the days of a month ``as_of`` does not end; ``source="lines"`` (or a ``since`` that is
    not the first of a month) reads only the lines. Direct uses of a source account depend on
    the voucher's other lines and on the funds' issuers as they are now: they are not kept at
    posting but decided from the few lines on those accounts (``_source_uses``; with
    ``source="lines"``, by the same rules in SQL).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    result: dict[tuple, list[int]] = {}
    for chart, ids in _by_chart(ledger_ids).items():
        if source == "summary" and (since is None or since.day == 1):
            month = _month_key(as_of)
            whole = as_of == month_end(month)
            through = month if whole else _month_key(month_start(month) - timedelta(days=1))
            rows = _spending_from_summary(chart, ids, by, through, since)
            if not whole:
                rows += _spending_from_lines(chart, ids, by, as_of, since, after=month_start(month))
        else:
            rows = _spending_from_lines(chart, ids, by, as_of, since)
        for ledger_id, fund_id, project_id, net, recent in rows:
            total = result.setdefault((ledger_id, fund_id, project_id), [0, 0])
            total[0] += int(net)
            total[1] += int(recent)
        if source == "summary":
            rows = [
                (use.ledger_id, use.fund_id, use.project_id, use.debit_fen, use.debit_fen if use.since else 0)
                for use in _source_uses(chart, ids, as_of, since, projects_only=by == "project", cache=uses)
                if use.direct
            ]
        else:
            rows = _direct_uses_from_lines(chart, ids, as_of, since, by)
        for ledger_id, fund_id, project_id, net, recent in rows:
            total = result.setdefault((ledger_id, fund_id, project_id), [0, 0])
            total[0] += int(net)
            total[1] += int(recent)
    return result


def _direct_uses_from_lines(
    chart: str, ids: list[int], as_of: date, since: date | None, by: str
) -> list[tuple]:
    """(ledger, fund, project, direct use to ``as_of``, of it since ``since``), the rules in SQL."""
    posted, posted_params = _posted(as_of)
    direct, direct_params = _direct_condition(chart)
    sources, source_params = _source_accounts(_rules(chart)["direct_uses"]["debit"], ids)
    return _rows(
        "SELECT vl.ledger_id, vl.fund_id, vl.project_id, SUM(vl.debit_fen),"
        " SUM(CASE WHEN v.date >= %s THEN vl.debit_fen ELSE 0 END)"
        f" FROM {_table(VoucherLine)} vl JOIN {_table(Voucher)} v ON v.id = vl.voucher_id"
        f" JOIN {_table(Account)} a ON a.id = vl.account_id"
        # Found through the (ledger, account) index: the few lines on 241 and 231, not every
        # tagged line (the unary + keeps the planner off the partial indexes of fund and project).
        f" WHERE vl.ledger_id IN ({_marks(ids)}) AND {sources} AND +vl.fund_id IS NOT NULL"
        f"{' AND +vl.project_id IS NOT NULL' if by == 'project' else ''}"
        f" AND {posted} AND {direct}"
        " GROUP BY vl.ledger_id, vl.fund_id, vl.project_id",
        [since or date.min, *ids, *source_params, *posted_params, *direct_params],
    )


@dataclass(frozen=True)
class _SourceUse:
    """A posted debit of a source account (专项应付款, 一事一议资金) on a line with a fund."""

    ledger_id: int
    fund_id: int
    project_id: int | None
    debit_fen: int
    since: bool  # dated on or after the report's ``since``
    direct: bool  # a direct use of the fund (``_direct_condition``)
    returned: bool  # money paid back to the issuer (``_returns_condition``)


def _source_uses(
    chart: str,
    ids: list[int],
    as_of: date,
    since: date | None = None,
    *,
    projects_only: bool = False,
    cache: dict | None = None,
) -> list[_SourceUse]:
    """The debits of a source account with a fund posted up to ``as_of`` (with a project too,
    when ``projects_only``), each found a direct use, a return or neither by the rules of
    ``_direct_condition`` and ``_returns_condition``, applied here to the few candidate lines
    and their vouchers' lines: in one SQL statement, PostgreSQL planned those rules' correlated
    sub-queries over every credit line of cash and bank in the database."""
    if cache is not None:  # one report asking twice (the passport: spent, then returned)
        key = (chart, tuple(ids), as_of, since, projects_only)
        if key not in cache:
            cache[key] = _source_uses(chart, ids, as_of, since, projects_only=projects_only)
        return cache[key]
    rules = _rules(chart)
    direct_debits, direct_credits = (
        tuple(rules["direct_uses"]["debit"]),
        tuple(rules["direct_uses"]["credit"]),
    )
    return_debits, return_credits = tuple(rules["returns"]["debit"]), tuple(rules["returns"]["credit"])
    prefixes = sorted({*direct_debits, *return_debits})
    posted, posted_params = _posted(as_of)
    if connection.vendor == "postgresql":
        # The (ledger, account) pairs as a list, so that each is one probe of the (ledger,
        # account) index: with the sub-select PostgreSQL scanned every line of the county.
        likes = " OR ".join(["code LIKE %s"] * len(prefixes))
        accounts = _rows(
            f"SELECT ledger_id, id FROM {_table(Account)} WHERE ledger_id IN ({_marks(ids)}) AND ({likes})",
            [*ids, *(f"{code}%" for code in prefixes)],
        )
        if not accounts:
            return []
        sources = f"(vl.ledger_id, vl.account_id) IN (VALUES {', '.join(['(%s, %s)'] * len(accounts))})"
        source_params = [value for pair in accounts for value in pair]
    else:  # SQLite finds them through the (ledger, account) index from the sub-select
        sources, source_params = _source_accounts(prefixes, ids)
        sources = f"vl.ledger_id IN ({_marks(ids)}) AND {sources}"
        source_params = [*ids, *source_params]
    candidates = _rows(
        "SELECT vl.voucher_id, vl.ledger_id, vl.fund_id, vl.project_id, vl.debit_fen, a.code,"
        " CASE WHEN v.date >= %s THEN 1 ELSE 0 END"
        f" FROM {_table(VoucherLine)} vl JOIN {_table(Voucher)} v ON v.id = vl.voucher_id"
        f" JOIN {_table(Account)} a ON a.id = vl.account_id"
        f" WHERE {sources} AND +vl.fund_id IS NOT NULL"
        f"{' AND +vl.project_id IS NOT NULL' if projects_only else ''}"
        f" AND vl.debit_fen <> 0 AND {posted}",
        [since or date.min, *source_params, *posted_params],
    )
    if not candidates:
        return []
    # Per voucher of a candidate: whether it credits an account of the returns' and of the direct
    # uses' rules, and its lines' counterparties' names.
    credits_back: set[int] = set()
    credits_out: set[int] = set()
    parties: dict[int, set[str]] = defaultdict(set)
    back = " OR ".join(["ca.code LIKE %s"] * len(return_credits))
    out = " OR ".join(["ca.code LIKE %s"] * len(direct_credits))
    voucher_ids = sorted({row[0] for row in candidates})
    for start in range(0, len(voucher_ids), 500):
        chunk = voucher_ids[start : start + 500]
        for voucher_id, party, back_credit, out_credit in _rows(
            "SELECT cl.voucher_id, pc.name,"
            f" MAX(CASE WHEN cl.credit_fen <> 0 AND ({back}) THEN 1 ELSE 0 END),"
            f" MAX(CASE WHEN cl.credit_fen <> 0 AND ({out}) THEN 1 ELSE 0 END)"
            f" FROM {_table(VoucherLine)} cl JOIN {_table(Account)} ca ON ca.id = cl.account_id"
            f" LEFT JOIN {_table(Counterparty)} pc ON pc.id = cl.counterparty_id"
            f" WHERE cl.voucher_id IN ({_marks(chunk)}) GROUP BY cl.voucher_id, pc.name",
            [*(f"{code}%" for code in return_credits), *(f"{code}%" for code in direct_credits), *chunk],
        ):
            if back_credit:
                credits_back.add(voucher_id)
            if out_credit:
                credits_out.add(voucher_id)
            if party is not None:
                parties[voucher_id].add(party)
    issuers: dict[int, set[str]] = defaultdict(set)  # the fund's 下达单位 and its allocations' issuers
    for fund_id, issuer in _rows(
        f"SELECT f.id, f.issuer FROM {_table(Fund)} f WHERE f.ledger_id IN ({_marks(ids)})"
        f" UNION SELECT sh.fund_id, al.issuer FROM {_table(AllocationShare)} sh"
        f" JOIN {_table(Allocation)} al ON al.id = sh.allocation_id WHERE sh.ledger_id IN ({_marks(ids)})",
        [*ids, *ids],
    ):
        issuers[fund_id].add(issuer)
    uses = []
    for voucher_id, ledger_id, fund_id, project_id, debit, code, recent in candidates:
        returned = (
            code.startswith(return_debits)
            and voucher_id in credits_back
            and not parties.get(voucher_id, set()).isdisjoint(issuers[fund_id])
        )
        direct = code.startswith(direct_debits) and voucher_id in credits_out and not returned
        if direct or returned:
            uses.append(
                _SourceUse(ledger_id, fund_id, project_id, int(debit), bool(recent), direct, returned)
            )
    return uses


def _credits(rule: list[str]) -> tuple[str, list]:
    """The voucher of line ``vl`` credits an account of ``rule`` (prefixes)."""
    credit = " OR ".join(["ca.code LIKE %s"] * len(rule))
    return (
        f"EXISTS (SELECT 1 FROM {_table(VoucherLine)} cl JOIN {_table(Account)} ca ON ca.id = cl.account_id"
        f" WHERE cl.voucher_id = vl.voucher_id AND cl.credit_fen <> 0 AND ({credit}))",
        [f"{code}%" for code in rule],
    )


def _to_issuer() -> str:
    """A line of the voucher of ``vl`` names as counterparty the issuer of ``vl``'s fund (the
    fund's 下达单位, or the issuer of one of its allocations)."""
    return (
        f"EXISTS (SELECT 1 FROM {_table(VoucherLine)} pl JOIN {_table(Counterparty)} pc"
        " ON pc.id = pl.counterparty_id WHERE pl.voucher_id = vl.voucher_id AND ("
        f"pc.name = (SELECT fi.issuer FROM {_table(Fund)} fi WHERE fi.id = vl.fund_id)"
        f" OR pc.name IN (SELECT al.issuer FROM {_table(AllocationShare)} sh"
        f" JOIN {_table(Allocation)} al ON al.id = sh.allocation_id WHERE sh.fund_id = vl.fund_id)))"
    )


def _returns_condition(chart: str) -> tuple[str, list]:
    """A return: the fund's line debits a return account (专项应付款), the voucher credits cash or
    bank, and names the fund's issuer as counterparty (the money goes back to who sent it)."""
    rule = _rules(chart)["returns"]
    debit = " OR ".join(["a.code LIKE %s"] * len(rule["debit"]))
    credits, credit_params = _credits(rule["credit"])
    sql = f"vl.debit_fen <> 0 AND ({debit}) AND {credits} AND {_to_issuer()}"
    return sql, [*(f"{code}%" for code in rule["debit"]), *credit_params]


def _direct_condition(chart: str) -> tuple[str, list]:
    """A direct use: the fund's line debits a source account (专项应付款, 一事一议资金) against
    cash, bank or a payable (a subsidy paid out of 241 per household), and it is not a return."""
    rule = _rules(chart)["direct_uses"]
    debit = " OR ".join(["a.code LIKE %s"] * len(rule["debit"]))
    credits, credit_params = _credits(rule["credit"])
    returns, return_params = _returns_condition(chart)
    sql = f"vl.debit_fen <> 0 AND ({debit}) AND {credits} AND NOT ({returns})"
    return sql, [*(f"{code}%" for code in rule["debit"]), *credit_params, *return_params]


def _returned(
    ledger_ids: tuple[int, ...], as_of: date, *, source: str = "summary", uses: dict | None = None
) -> dict[tuple[int, int], int]:
    """(ledger, fund) → what was paid back to the issuer up to ``as_of`` (``source="lines"``:
    the rules in SQL; else ``_source_uses``)."""
    result: dict[tuple[int, int], int] = defaultdict(int)
    for chart, ids in _by_chart(ledger_ids).items():
        if source == "summary":
            for use in _source_uses(chart, ids, as_of, cache=uses):
                if use.returned:
                    result[(use.ledger_id, use.fund_id)] += use.debit_fen
            continue
        condition, params = _returns_condition(chart)
        posted, posted_params = _posted(as_of)
        sources, source_params = _source_accounts(_rules(chart)["returns"]["debit"], ids)
        rows = _rows(
            "SELECT vl.ledger_id, vl.fund_id, SUM(vl.debit_fen)"
            f" FROM {_table(VoucherLine)} vl JOIN {_table(Voucher)} v ON v.id = vl.voucher_id"
            f" JOIN {_table(Account)} a ON a.id = vl.account_id"
            f" WHERE vl.ledger_id IN ({_marks(ids)}) AND {sources} AND vl.fund_id IS NOT NULL AND {posted}"
            f" AND {condition} GROUP BY vl.ledger_id, vl.fund_id",
            [*ids, *source_params, *posted_params, *params],
        )
        for ledger_id, fund_id, amount in rows:
            result[(ledger_id, fund_id)] = int(amount)
    return dict(result)


@dataclass
class _Plan:
    ledger_id: int
    project_id: int
    state: str
    planned: dict = field(default_factory=lambda: defaultdict(int))  # fund or None → fen
    due: dict = field(default_factory=lambda: defaultdict(int))  # fund or None → fen due at its state


def _states(ledger_ids: tuple[int, ...], as_of: date) -> dict[int, str]:
    """Project id → its state at ``as_of``: the furthest step its recorded acts reached by then."""
    states: dict[int, str] = {}
    acts = ProjectAct.objects.filter(ledger_id__in=ledger_ids, acted_on__lte=as_of).values_list(
        "entry__project_id", "to_state"
    )
    for project_id, state in acts:
        if project_id not in states or STATE_ORDER.index(state) > STATE_ORDER.index(states[project_id]):
            states[project_id] = state
    return states


def _plans(
    ledger_ids: tuple[int, ...], as_of: date, states: dict[int, str] | None = None
) -> dict[int, _Plan]:
    """Project id → its payment plan by fund (a milestone's own fund, or the project's one fund),
    with the project's state at ``as_of`` (projects not yet entered then are left out)."""
    states = _states(ledger_ids, as_of) if states is None else states
    single_fund: dict[int, set] = defaultdict(set)
    for entry_id, fund_id in BudgetLine.objects.filter(ledger_id__in=ledger_ids).values_list(
        "entry_id", "fund_id"
    ):
        single_fund[entry_id].add(fund_id)
    plans: dict[int, _Plan] = {}
    rows = MilestonePayment.objects.filter(ledger_id__in=ledger_ids).values_list(
        "entry_id", "entry__project_id", "ledger_id", "fund_id", "amount_fen", "due_state"
    )
    for entry_id, project_id, ledger_id, fund_id, amount, due_state in rows:
        state = states.get(project_id)
        if state is None:
            continue
        plan = plans.setdefault(project_id, _Plan(ledger_id, project_id, state))
        if fund_id is None and len(single_fund[entry_id]) == 1:
            fund_id = next(iter(single_fund[entry_id]))
        plan.planned[fund_id] += amount
        if STATE_ORDER.index(due_state) <= STATE_ORDER.index(state):
            plan.due[fund_id] += amount
    return plans


def _committed(
    ledger_ids: tuple[int, ...], as_of: date, spent: dict, plans: dict[int, _Plan] | None = None
) -> dict[tuple, int]:
    """(ledger, project, fund or None) → promised and unpaid at ``as_of``: the payment plan of a
    project 立项 by then (its recorded acts say when), less what it paid from the fund."""
    result: dict[tuple, int] = {}
    plans = _plans(ledger_ids, as_of) if plans is None else plans
    for plan in plans.values():
        if STATE_ORDER.index(plan.state) < APPROVED_AT:
            continue
        for fund_id, planned in plan.planned.items():
            paid = spent.get((plan.ledger_id, fund_id, plan.project_id), [0, 0])[0]
            # A refund above what was paid does not promise more than the plan.
            result[(plan.ledger_id, plan.project_id, fund_id)] = max(0, min(planned, planned - paid))
    provided: dict[tuple, int] = defaultdict(int)
    for provider in _providers:
        for item in provider(ledger_ids, as_of):
            provided[(item.ledger_id, item.project_id, item.fund_id)] += item.amount_fen
    result.update(provided)  # a provider's pair replaces the payment plan's
    return result


# ---------------------------------------------------------------------------------------------
# The passport


@dataclass
class PassportRow:
    """One allocation share (or a fund's spending with no allocation: ``allocation`` empty)."""

    ledger_id: int
    ledger_code: str
    ledger_name: str
    allocation: str
    document_number: str
    issuer: str
    allocated_on: date | None
    fund_id: int
    fund: str
    allocated_fen: int
    spent_fen: int = 0
    committed_fen: int = 0
    returned_fen: int = 0

    @property
    def balance_fen(self) -> int:
        return self.allocated_fen - self.spent_fen - self.committed_fen - self.returned_fen

    def add(self, other: PassportRow) -> None:
        self.allocated_fen += other.allocated_fen
        self.spent_fen += other.spent_fen
        self.committed_fen += other.committed_fen
        self.returned_fen += other.returned_fen


@dataclass
class Passport:
    as_of: date
    rows: list[PassportRow]

    def total(self) -> PassportRow:
        total = PassportRow(0, "", "", "", "", "", None, 0, "", 0)
        for row in self.rows:
            total.add(row)
        return total

    def by_fund(self) -> list[PassportRow]:
        """One row a fund of a ledger."""
        funds: dict[tuple[int, int], PassportRow] = {}
        for row in self.rows:
            key = (row.ledger_id, row.fund_id)
            if key not in funds:
                funds[key] = PassportRow(
                    row.ledger_id,
                    row.ledger_code,
                    row.ledger_name,
                    "",
                    "",
                    "",
                    None,
                    row.fund_id,
                    row.fund,
                    0,
                )
            funds[key].add(row)
        return list(funds.values())

    def by_ledger(self) -> list[PassportRow]:
        """One row a ledger (the per-village breakdown of a region)."""
        ledgers: dict[int, PassportRow] = {}
        for row in self.rows:
            if row.ledger_id not in ledgers:
                ledgers[row.ledger_id] = PassportRow(
                    row.ledger_id, row.ledger_code, row.ledger_name, "", "", "", None, 0, "", 0
                )
            ledgers[row.ledger_id].add(row)
        return list(ledgers.values())


def _share_out(rows: list[PassportRow], amount: int, attribute: str) -> None:
    """Charge ``amount`` to ``rows`` (one fund's allocations, oldest first) in turn, each up to
    what it has left; the rest to the newest one."""
    for index, row in enumerate(rows):
        room = max(0, row.balance_fen)
        part = amount if index == len(rows) - 1 else min(amount, room)
        setattr(row, attribute, getattr(row, attribute) + part)
        amount -= part
        if amount == 0:
            break


def fund_passport(
    ledger_ids: Iterable[int],
    as_of: date,
    *,
    fund_id: int | None = None,
    project_id: int | None = None,
    allocation: str | None = None,
    source: str = "summary",
) -> Passport:
    """The passport of every allocation share of ``ledger_ids`` at ``as_of`` (or those of one
    fund, one project's funds, one allocation); ``source="lines"`` sums the voucher lines instead
    of the spending kept at posting (the same figures: a test proves it)."""
    ledger_ids = tuple(ledger_ids)
    if not ledger_ids:
        return Passport(as_of, [])
    if allocation is not None:
        # The fund's other allocations still come first: share the fund's figures out over all
        # of them, then keep the one asked for.
        every = fund_passport(ledger_ids, as_of, fund_id=fund_id, project_id=project_id, source=source)
        return Passport(as_of, [row for row in every.rows if row.allocation == allocation])
    uses: dict = {}  # the source accounts' debits, read once for spent and returned
    spent = _spent(ledger_ids, as_of, source=source, uses=uses)
    returned = _returned(ledger_ids, as_of, source=source, uses=uses)
    committed = _committed(ledger_ids, as_of, spent)
    if project_id is not None:  # a project's passport: what it spent and promised of each fund
        spent = {key: value for key, value in spent.items() if key[2] == project_id}
        committed = {key: value for key, value in committed.items() if key[1] == project_id}
        returned = {}
    fund_spent: dict[tuple[int, int], int] = defaultdict(int)
    for (ledger_id, fund, _project), (net, _recent) in spent.items():
        if fund is not None:
            fund_spent[(ledger_id, fund)] += net
    fund_committed: dict[tuple[int, int], int] = defaultdict(int)
    for (ledger_id, _project, fund), amount in committed.items():
        if fund is not None:
            fund_committed[(ledger_id, fund)] += amount
    shares = AllocationShare.objects.filter(ledger_id__in=ledger_ids, allocation__date__lte=as_of).order_by(
        "ledger__code", "fund_id", "allocation__date", "allocation__code"
    )
    if project_id is not None:
        shares = shares.filter(project_id=project_id)
    if fund_id is not None:
        shares = shares.filter(fund_id=fund_id)
    by_fund: dict[tuple[int, int], list[PassportRow]] = defaultdict(list)
    # Plain values, not model instances (a county has thousands of shares: see project_execution).
    for values in shares.values_list(
        "ledger_id",
        "ledger__code",
        "ledger__name",
        "allocation__code",
        "allocation__document_number",
        "allocation__issuer",
        "allocation__date",
        "fund_id",
        "fund__name",
        "amount_fen",
    ):
        by_fund[(values[0], values[7])].append(PassportRow(*values))
    # Funds used with no allocation by the date (spent before its document, or never sent).
    used = {
        key for figures in (fund_spent, fund_committed, returned) for key, amount in figures.items() if amount
    }
    missing = [key for key in used if key not in by_fund and (fund_id is None or key[1] == fund_id)]
    if missing:
        funds = {f.pk: f for f in Fund.objects.filter(pk__in={key[1] for key in missing})}
        ledgers = {x.pk: x for x in Ledger.objects.filter(pk__in={key[0] for key in missing})}
        for key in missing:
            ledger, fund = ledgers[key[0]], funds[key[1]]
            by_fund[key].append(
                PassportRow(ledger.pk, ledger.code, ledger.name, "", "", "", None, fund.pk, fund.name, 0)
            )
    rows: list[PassportRow] = []
    for key in sorted(by_fund, key=lambda k: (by_fund[k][0].ledger_code, by_fund[k][0].fund, k[1])):
        fund_rows = by_fund[key]
        _share_out(fund_rows, fund_spent.get(key, 0), "spent_fen")
        _share_out(fund_rows, returned.get(key, 0), "returned_fen")
        _share_out(fund_rows, fund_committed.get(key, 0), "committed_fen")
        rows += fund_rows
    return Passport(as_of, rows)


# ---------------------------------------------------------------------------------------------
# Drill-down


@dataclass(frozen=True)
class PassportLine:
    """A voucher line behind a passport figure."""

    figure: str  # "spent" or "returned"
    ledger_code: str
    voucher_id: int
    voucher_number: int | None
    date: date
    summary: str
    account: str
    fund: str
    project: str
    counterparty: str
    counterparty_kind: str
    amount_fen: int


def passport_lines(
    ledger_ids: Iterable[int],
    as_of: date,
    *,
    figure: str,
    fund_id: int | None = None,
    project_id: int | None = None,
    limit: int = 500,
) -> list[PassportLine]:
    """The posted voucher lines behind the spent or returned figure, newest first."""
    ledger_ids = tuple(ledger_ids)
    lines: list[PassportLine] = []
    for chart, ids in _by_chart(ledger_ids).items():
        if figure == "returned":
            condition, params = _returns_condition(chart)
            amount, amount_params = "vl.debit_fen", []
        else:  # spending accounts, or a direct use of the fund's source account
            spending, spending_params = _spending_condition(chart)
            direct, direct_params = _direct_condition(chart)
            condition = f"({spending} OR (vl.fund_id IS NOT NULL AND {direct}))"
            params = [*spending_params, *direct_params]
            amount = f"CASE WHEN {spending} THEN vl.debit_fen - vl.credit_fen ELSE vl.debit_fen END"
            amount_params = spending_params
        posted, posted_params = _posted(as_of)
        extra, extra_params = "", []
        if fund_id is not None:
            extra += " AND vl.fund_id = %s"
            extra_params.append(fund_id)
        elif project_id is None:
            extra += " AND vl.fund_id IS NOT NULL"
        if project_id is not None:
            extra += " AND vl.project_id = %s"
            extra_params.append(project_id)
        rows = _rows(
            f"SELECT l.code, v.id, v.number, v.date, vl.summary, a.code, f.name, p.code, c.name, c.kind, {amount}"
            f" FROM {_table(VoucherLine)} vl JOIN {_table(Voucher)} v ON v.id = vl.voucher_id"
            f" JOIN {_table(Account)} a ON a.id = vl.account_id"
            f" JOIN {_table(Ledger)} l ON l.id = vl.ledger_id"
            f" LEFT JOIN {_table(Fund)} f ON f.id = vl.fund_id"
            f" LEFT JOIN {_table(Project)} p ON p.id = vl.project_id"
            f" LEFT JOIN {_table(Counterparty)} c ON c.id = COALESCE(vl.counterparty_id, ("
            f"SELECT MIN(ol.counterparty_id) FROM {_table(VoucherLine)} ol WHERE ol.voucher_id = vl.voucher_id))"
            f" WHERE vl.ledger_id IN ({_marks(ids)}) AND {posted} AND {condition}{extra}"
            f" ORDER BY v.date DESC, v.number DESC, vl.line_no LIMIT {int(limit)}",
            [*amount_params, *ids, *posted_params, *params, *extra_params],
        )
        for ledger, vid, number, day, summary, account, fund, project, payee, kind, value in rows:
            if isinstance(day, str):
                day = date.fromisoformat(day)
            lines.append(
                PassportLine(
                    figure,
                    ledger,
                    vid,
                    number,
                    day,
                    summary,
                    account,
                    fund or "",
                    project or "",
                    payee or "",
                    kind or "",
                    int(value),
                )
            )
    lines.sort(key=lambda line: (line.date, line.voucher_number or 0), reverse=True)
    return lines[:limit]


@dataclass(frozen=True)
class Payee:
    name: str
    kind: str  # a Counterparty kind: 农户 (household), 个人, 单位; "" for lines with none
    amount_fen: int
    lines: int


def passport_payees(lines: list[PassportLine]) -> list[Payee]:
    """Who the spending went to, largest first (households are counterparties of kind 农户)."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        total = totals[(line.counterparty, line.counterparty_kind)]
        total[0] += line.amount_fen
        total[1] += 1
    return sorted(
        (Payee(name, kind, amount, count) for (name, kind), (amount, count) in totals.items()),
        key=lambda payee: -payee.amount_fen,
    )


# ---------------------------------------------------------------------------------------------
# Project execution


@dataclass
class ExecutionRow:
    ledger_id: int
    ledger_code: str
    ledger_name: str
    project_id: int
    project: str
    name: str
    kind: str
    state: str
    start: date
    end: date
    budget_fen: int
    committed_fen: int
    paid_fen: int
    period_paid_fen: int
    due_fen: int  # payment plan due at the project's state and not yet paid

    @property
    def balance_fen(self) -> int:
        return self.budget_fen - self.paid_fen - self.committed_fen

    @property
    def state_label(self) -> str:
        return str(ProjectState(self.state).label)

    def is_overdue(self, as_of: date) -> bool:
        """Past its planned end at ``as_of`` and not yet 验收."""
        return self.end < as_of and STATE_ORDER.index(self.state) < STATE_ORDER.index(ProjectState.ACCEPTED)

    @property
    def rate_bp(self) -> int | None:
        """执行率 in hundredths of a percent (8525 is 85.25 %), None with no budget."""
        if not self.budget_fen:
            return None
        return (self.paid_fen * 10000 * 2 + self.budget_fen) // (2 * self.budget_fen)


def project_execution(
    ledger_ids: Iterable[int], as_of: date, since: date | None = None, *, source: str = "summary"
) -> list[ExecutionRow]:
    """Every project of the library in ``ledger_ids``: budget, committed, paid (to ``as_of``, and
    since ``since``), balance, rate, the payment due, state; ordered by ledger and code.
    ``source="lines"`` sums the voucher lines instead of the spending kept at posting."""
    ledger_ids = tuple(ledger_ids)
    if not ledger_ids:
        return []
    spent = _spent(ledger_ids, as_of, since, by="project", source=source)
    states = _states(ledger_ids, as_of)
    plans = _plans(ledger_ids, as_of, states)
    committed = _committed(ledger_ids, as_of, spent, plans)
    paid: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (_ledger, _fund, project_id), (net, recent) in spent.items():
        if project_id is not None:
            paid[project_id][0] += net
            paid[project_id][1] += recent
    promised: dict[int, int] = defaultdict(int)
    for (_ledger, project_id, _fund), amount in committed.items():
        promised[project_id] += amount
    budgets = _rows(
        "SELECT e.id, SUM(b.budget_fen) FROM "
        f"{_table(ProjectEntry)} e LEFT JOIN {_table(BudgetLine)} b ON b.entry_id = e.id"
        f" WHERE e.ledger_id IN ({_marks(ledger_ids)}) GROUP BY e.id",
        list(ledger_ids),
    )
    budget_of = {entry_id: int(total or 0) for entry_id, total in budgets}
    # Plain values, not model instances: a county has a thousand entries or more, and building
    # each entry, project and ledger instance (their timestamps parsed) cost more than the SQL.
    entries = (
        ProjectEntry.objects.filter(ledger_id__in=ledger_ids)
        .order_by("ledger__code", "project__code")
        .values_list(
            "pk",
            "ledger_id",
            "ledger__code",
            "ledger__name",
            "project_id",
            "project__code",
            "project__name",
            "kind",
            "state",
            "start",
            "end",
        )
    )
    rows = []
    for (
        entry_id,
        ledger_id,
        ledger_code,
        ledger_name,
        project_id,
        code,
        name,
        kind,
        state,
        start,
        end,
    ) in entries:
        plan = plans.get(project_id)
        due = sum(plan.due.values()) if plan else 0
        total_paid, recent = paid.get(project_id, [0, 0])
        rows.append(
            ExecutionRow(
                ledger_id,
                ledger_code,
                ledger_name,
                project_id,
                code,
                name,
                kind,
                states.get(project_id, state),
                start,
                end,
                budget_of.get(entry_id, 0),
                promised.get(project_id, 0),
                total_paid,
                recent,
                max(0, due - total_paid),
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Unspent allocations and overdue projects


def unspent_months() -> int:
    """After how many months from its arrival an allocation not fully spent is listed (a county
    may set it: ``VILLAGEBOOKS_UNSPENT_MONTHS``, default 6)."""
    from django.conf import settings

    return int(getattr(settings, "VILLAGEBOOKS_UNSPENT_MONTHS", 6))


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def unspent_allocations(
    ledger_ids: Iterable[int], as_of: date, months: int | None = None
) -> list[PassportRow]:
    """The allocation shares that arrived at least ``months`` months before ``as_of`` and still
    have money neither spent nor returned (their passport rows)."""
    months = unspent_months() if months is None else months
    passport = fund_passport(ledger_ids, as_of)
    return [
        row
        for row in passport.rows
        if row.allocation
        and row.allocated_on is not None
        and _months_between(row.allocated_on, as_of) >= months
        and row.allocated_fen - row.spent_fen - row.returned_fen > 0
    ]


def overdue_projects(ledger_ids: Iterable[int], as_of: date) -> list[ExecutionRow]:
    """Projects past their planned end at ``as_of`` and not yet 验收 (accepted)."""
    return [row for row in project_execution(ledger_ids, as_of) if row.is_overdue(as_of)]


__all__ = [
    "Commitment",
    "ExecutionRow",
    "Passport",
    "PassportLine",
    "PassportRow",
    "fund_passport",
    "overdue_projects",
    "passport_lines",
    "passport_payees",
    "project_execution",
    "register_commitments",
    "unspent_allocations",
]
