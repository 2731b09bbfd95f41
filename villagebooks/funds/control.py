"""Budget control at the voucher: the checks posting runs before it writes (and a draft's save).

Registered with ``ledger.posting``'s ``before_saving`` and ``before_posting`` steps, so every way a
voucher is saved or posted (the services behind pages and API, the import, the year close) is
checked the same way. A voucher's spending (the net debit of an expense, cost or spending-asset
account, ``data/funds-rules.json``) on a line tagged with a project of the library or a fund
with an allocation is held against:

- the project's budget line for the line's fund and account (the longest matching prefix);
- the project's state: nothing is spent before 立项;
- the allocations of the fund: the accounts they allow, their 负面清单, and the amount sent;
- cash, bank and 专项应付款 (per fund), which must not go negative (at posting only: a draft's
  payment may be entered before the receipt that funds it).

A breach under "stop" refuses the voucher (``VoucherRefused``: an import reports it at the
voucher's row and writes nothing); under "warn" it passes and the warning is stored with the
voucher (``VoucherWarning``), replaced each time the voucher is checked again.

Used amounts are what is posted: budget lines from the spending kept at posting
(``funds.spending``), funds and guarded accounts from the balance rows. Vouchers of one batch add up in memory, in order.
A voucher with no tagged line costs no query.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from django.db import connection
from django.utils import timezone

from villagebooks.common import prepared
from villagebooks.common.money import format_fen
from villagebooks.funds import errors as E
from villagebooks.funds.models import (
    STATE_ORDER,
    Allocation,
    AllocationShare,
    BudgetLine,
    Control,
    ProjectEntry,
    ProjectKind,
    ProjectSpendingYear,
    ProjectState,
    VoucherWarning,
)
from villagebooks.ledger import background_writes, posting
from villagebooks.ledger.domain.chart import DATA_DIR
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Category,
    Fund,
    Ledger,
    Project,
)

APPROVED_AT = STATE_ORDER.index(ProjectState.APPROVED)


@cache
def _rules(chart: str) -> dict:
    return json.loads((DATA_DIR / "funds-rules.json").read_text(encoding="utf-8"))[chart]


def spending_asset_prefixes(chart: str) -> tuple[str, ...]:
    """The asset accounts money is spent into under ``chart`` (besides every expense and cost
    account): what budget control, and supervision's ``earmark_misuse`` after it, call spending."""
    return tuple(_rules(chart)["spending_asset_prefixes"])


@dataclass(frozen=True)
class Finding:
    voucher_id: int
    rule: str
    control: str
    message: str
    field: str


@dataclass
class _Budget:
    id: int
    fund_id: int | None
    prefix: str
    budget_fen: int
    control: str
    fund_name: str


@dataclass
class _Entry:
    project_id: int
    label: str
    state: str
    control: str
    kind: str = ""
    lines: list[_Budget] = field(default_factory=list)

    def line_for(self, account_code: str, fund_id: int | None) -> _Budget | None:
        """The budget line a spending line is charged to: the longest prefix of its account,
        one for its own fund before one for any fund."""
        best = None
        for line in self.lines:
            if not account_code.startswith(line.prefix) or line.fund_id not in (None, fund_id):
                continue
            rank = (len(line.prefix), line.fund_id is not None)
            if best is None or rank > best[0]:
                best = (rank, line)
        return best[1] if best else None


@dataclass
class _FundRules:
    name: str
    allocated_fen: int = 0
    documents: list[str] = field(default_factory=list)
    allowed: list[str] | None = None  # None: any account (an allocation without a list allows any)
    forbidden: list[str] = field(default_factory=list)
    forbidden_kinds: list[str] = field(default_factory=list)
    control: str = Control.WARN


@dataclass
class _LedgerState:
    """What one ledger's checks need, loaded once per call, and the running totals."""

    accounts: dict[int, tuple[str, str]]  # id → (code, category)
    spending_prefixes: tuple[str, ...]
    guarded: tuple[str, ...]
    carried_year: int
    entries: dict[int, _Entry]
    funds: dict[int, _FundRules]
    budget_used: dict[int, int]  # budget line id → fen
    fund_used: dict[int, int]  # fund id → fen
    guarded_balance: dict[tuple[int, int], int] = field(default_factory=dict)  # (account, fund) → D−C
    guarded_complete: bool = False  # every guarded balance of the ledger is in guarded_balance
    # The guarded balances read ahead with the state: of these accounts, as (account, fund, D−C).
    guarded_ahead: set[int] = field(default_factory=set)
    guarded_rows: list[tuple[int, int, int]] = field(default_factory=list)

    def is_spending(self, account_id: int) -> bool:
        code, category = self.accounts[account_id]
        return category in (Category.EXPENSE, Category.COST) or code.startswith(self.spending_prefixes)


def _yuan(fen: int) -> str:
    return format_fen(fen)


# The reads are SQL of our own, not the ORM's: compiling a queryset costs more than running
# it, and this runs on every posting of a voucher with a fund or project (issue 12: < 2 ms).
@cache
def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # '"name"' on either database


def _in(column: str, values) -> tuple[str, list]:
    """``column`` among ``values``: on PostgreSQL one array parameter (``= ANY(%s)``), so that the
    statement's text is the same whatever their number (it is prepared once a connection,
    ``common.prepared``); on SQLite a mark each."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _is_spending(rules: dict, code: str, category: str) -> bool:
    """Whether an account's net debit is spending under ``rules`` (a chart's)."""
    return category in (Category.EXPENSE, Category.COST) or code.startswith(
        tuple(rules["spending_asset_prefixes"])
    )


def _reads(
    ledger_id: int,
    project_ids: set[int],
    fund_ids: set[int],
    account_ids: set[int],
    *,
    guarded_ahead: bool,
) -> list[tuple[str, str, list]]:
    """The queries ``_load`` needs, as (name, SQL, parameters): each depends only on the ids
    the vouchers name, so that on PostgreSQL they run as one statement (``_run_reads``).

    Spending is told from the rest in Python (``_is_spending``), as the ledger's chart, which
    says what spending is, comes in the same statement.
    """
    reads = [
        ("ledger", f"SELECT chart, carried_year FROM {_table(Ledger)} WHERE id = %s", [ledger_id]),
    ]
    if project_ids:
        among, params = _in("e.project_id", project_ids)
        spent_among, _params = _in("s.project_key", project_ids)
        reads.append(
            (
                "entries",
                "SELECT e.project_id, p.code, p.name, e.state, e.control, e.kind,"
                " b.id, b.fund_id, f.name, b.account_prefix, b.budget_fen, b.control"
                f" FROM {_table(ProjectEntry)} e JOIN {_table(Project)} p ON p.id = e.project_id"
                f" LEFT JOIN {_table(BudgetLine)} b ON b.entry_id = e.id"
                f" LEFT JOIN {_table(Fund)} f ON f.id = b.fund_id"
                f" WHERE e.ledger_id = %s AND {among}",
                [ledger_id, *params],
            )
        )
        # From the spending kept at posting, by year (``spending``: a few rows a project and
        # year, not every line the project ever had); year-close vouchers carry no project.
        reads.append(
            (
                "budget_used",
                "SELECT s.project_key, a.code, a.category, s.fund_key, SUM(s.debit_fen - s.credit_fen)"
                f" FROM {_table(ProjectSpendingYear)} s JOIN {_table(Account)} a ON a.id = s.account_id"
                f" WHERE s.ledger_id = %s AND {spent_among}"
                " GROUP BY s.project_key, a.code, a.category, s.fund_key",
                [ledger_id, *params],
            )
        )
    if fund_ids:
        among, params = _in("s.fund_id", fund_ids)
        moved_among, _params = _in("b.fund_key", fund_ids)
        reads.append(
            (
                "shares",
                "SELECT s.fund_id, f.name, s.amount_fen, a.document_number, a.allowed_accounts,"
                " a.forbidden_accounts, a.forbidden_kinds, a.control"
                f" FROM {_table(AllocationShare)} s JOIN {_table(Fund)} f ON f.id = s.fund_id"
                f" JOIN {_table(Allocation)} a ON a.id = s.allocation_id"
                f" WHERE s.ledger_id = %s AND {among}",
                [ledger_id, *params],
            )
        )
        # Movements of the months (not month 0, which repeats them as opening balances) and
        # not the year close's, which empties expense accounts into the year's result.
        reads.append(
            (
                "fund_used",
                "SELECT b.fund_key, a.code, a.category, SUM(b.debit_fen - b.credit_fen)"
                f" FROM {_table(AccountBalance)} b JOIN {_table(Account)} a ON a.id = b.account_id"
                f" WHERE b.ledger_id = %s AND {moved_among} AND b.month >= 1"
                " AND b.is_closing = %s"
                " GROUP BY b.fund_key, a.code, a.category",
                [ledger_id, *params, False],
            )
        )
    if account_ids:
        among, params = _in("id", account_ids)
        reads.append(("accounts", f"SELECT id, code, category FROM {_table(Account)} WHERE {among}", params))
        if guarded_ahead:
            reads.append(("guarded", *_guarded_sql(ledger_id, account_ids, None)))
    return reads


def _guarded_sql(ledger_id: int, account_ids, carried_year: int | None) -> tuple[str, list]:
    """The balances (debit − credit, per account and fund) of ``account_ids`` as posted since the
    carried year's opening (the ledger's, read in the same statement when ``carried_year`` is
    None). Read ahead, they are every account of the voucher: only the guarded ones are asked for."""
    among, params = _in("account_id", account_ids)
    if carried_year is None:
        start, start_params = f"(SELECT carried_year * 100 FROM {_table(Ledger)} WHERE id = %s)", [ledger_id]
    else:
        start, start_params = "%s", [carried_year * 100]
    sql = (
        "SELECT account_id, fund_key, SUM(debit_fen - credit_fen)"
        f" FROM {_table(AccountBalance)} WHERE ledger_id = %s AND {among}"
        f" AND (period_key = {start} OR (period_key > {start} AND month >= 1))"
        " GROUP BY account_id, fund_key"
    )
    return sql, [ledger_id, *params, *start_params, *start_params]


def _run_reads(reads: list[tuple[str, str, list]], delete: tuple[str, list] | None) -> dict[str, list]:
    """Every read's rows by name, and ``delete`` (SQL, parameters) done first.

    On PostgreSQL in one statement, each read's rows as a JSON array (every statement costs a
    round trip and the client's work for it, more than these reads take to run); on SQLite,
    where a statement is a function call, one statement each.
    """
    if connection.vendor != "postgresql":
        if delete:
            with connection.cursor() as cursor:
                cursor.execute(*delete)
        return {name: _rows(sql, params) for name, sql, params in reads}
    params = list(delete[1]) if delete else []
    for _name, _sql, read_params in reads:
        params += read_params
    # A fixed text for the kinds of ids present (and the deletion): prepared once a connection.
    with prepared.cursor() as cursor:
        cursor.execute(
            _one_statement(tuple(sql for _name, sql, _params in reads), delete and delete[0]), params
        )
        [row] = cursor.fetchall()
    return {
        name: [tuple(values) for values in (json.loads(value) if isinstance(value, str) else value or [])]
        for (name, _sql, _params), value in zip(reads, row, strict=True)
    }


@cache
def _one_statement(reads: tuple[str, ...], delete: str | None) -> str:
    """The reads as one statement, each one's rows a JSON array, after ``delete`` (a CTE). Kept
    by text: a posting makes the same few again and again."""
    columns = []
    for sql in reads:
        width = sql.split(" FROM ", 1)[0].count(",") + 1  # plain columns and commaless sums
        names = ", ".join(f"c{i}" for i in range(width))
        columns.append(f"(SELECT json_agg(json_build_array({names})) FROM ({sql}) AS t({names}))")
    return (f"WITH deleted AS ({delete}) " if delete else "") + "SELECT " + ", ".join(columns)


def _load(
    ledger_id: int,
    project_ids: set[int],
    fund_ids: set[int],
    account_ids: set[int],
    *,
    guarded_ahead: bool = False,
    delete: tuple[str, list] | None = None,
) -> _LedgerState | None:
    """What the checks of one ledger's vouchers need; None when nothing there is controlled.

    One statement on PostgreSQL, none per line (``_reads``): the ledger, the entries with their
    budget lines, the shares, the vouchers' accounts, what is used, summed in SQL, and, with
    ``guarded_ahead`` (one voucher being posted), the balances of its guarded accounts.
    ``delete`` (SQL, parameters) runs in the same statement.
    """
    rows = _run_reads(
        _reads(ledger_id, project_ids, fund_ids, account_ids, guarded_ahead=guarded_ahead), delete
    )
    entries: dict[int, _Entry] = {}
    budget_used: dict[int, int] = {}
    for (
        project_id,
        code,
        name,
        state,
        control,
        kind,
        line_id,
        fund_id,
        fund,
        prefix,
        budget,
        line_control,
    ) in rows.get("entries", []):
        entry = entries.get(project_id)
        if entry is None:
            entry = entries[project_id] = _Entry(project_id, f"{name}({code})", state, control, kind)
        if line_id is not None:
            entry.lines.append(_Budget(line_id, fund_id, prefix, budget, line_control, fund or ""))
            budget_used[line_id] = 0
    funds: dict[int, _FundRules] = {}
    for fund_id, name, amount, document, allowed, forbidden, kinds, control in rows.get("shares", []):
        rules = funds.setdefault(fund_id, _FundRules(name=name, allowed=[]))
        rules.allocated_fen += amount
        rules.documents.append(document)
        prefixes = [code for code in allowed.split(";") if code]
        if rules.allowed is not None:
            rules.allowed = rules.allowed + prefixes if prefixes else None
        rules.forbidden += [code for code in forbidden.split(";") if code]
        rules.forbidden_kinds += [kind for kind in kinds.split(";") if kind]
        if control == Control.STOP:
            rules.control = Control.STOP
    if not entries and not funds:
        return None
    [(chart, carried_year)] = rows["ledger"]
    rules = _rules(chart)
    state = _LedgerState(
        accounts={pk: (code, category) for pk, code, category in rows.get("accounts", [])},
        spending_prefixes=tuple(rules["spending_asset_prefixes"]),
        guarded=tuple(rules["never_negative"]),
        carried_year=carried_year,
        entries=entries,
        funds=funds,
        budget_used=budget_used,
        fund_used=dict.fromkeys(funds, 0),
    )
    for project_id, code, category, fund_id, net in rows.get("budget_used", []):
        if project_id not in entries or not _is_spending(rules, code, category):
            continue
        line = entries[project_id].line_for(code, fund_id or None)
        if line is not None:
            budget_used[line.id] += int(net)  # PostgreSQL's SUM of bigint is numeric
    for fund_id, code, category, net in rows.get("fund_used", []):
        if fund_id in funds and _is_spending(rules, code, category):
            state.fund_used[fund_id] += int(net)
    if "guarded" in rows:
        state.guarded_ahead = set(account_ids)
        for account_id, fund_key, net in rows["guarded"]:
            state.guarded_rows.append((account_id, fund_key, int(net)))
    return state


def _all_guarded_balances(state: _LedgerState, ledger_id: int) -> None:
    """Every guarded account's balance of the ledger, as posted, in one query (an import's
    state, kept for all its batches); a key not read is a balance of zero."""
    guarded = {pk for pk, (code, _category) in state.accounts.items() if code.startswith(state.guarded)}
    if guarded:
        _add_guarded_rows(state.guarded_balance, _rows(*_guarded_sql(ledger_id, guarded, state.carried_year)))
    state.guarded_complete = True


def _add_guarded_rows(balances: dict[tuple[int, int], int], rows, keys=None) -> None:
    """Add balance rows (account, fund, D−C) to ``balances``: cash and bank as a whole (fund 0),
    专项应付款 per fund too; only ``keys``, if given."""
    for account_id, fund_key, net in rows:
        for key in {(account_id, 0), (account_id, fund_key)}:
            if keys is None or key in keys:
                balances[key] = balances.get(key, 0) + int(net)


def _ledger_ids(ledger_id: int) -> tuple[set[int], set[int], set[int]]:
    """Every project, fund and account of the ledger (whether controlled or not)."""
    rows = _rows(
        f"SELECT 1, id FROM {_table(Project)} WHERE ledger_id = %s"
        f" UNION ALL SELECT 2, id FROM {_table(Fund)} WHERE ledger_id = %s"
        f" UNION ALL SELECT 3, id FROM {_table(Account)} WHERE ledger_id = %s",
        [ledger_id] * 3,
    )
    ids: tuple[set[int], set[int], set[int]] = (set(), set(), set())
    for kind, pk in rows:
        ids[kind - 1].add(pk)
    return ids


def _guarded_balances(state: _LedgerState, ledger_id: int, keys: set[tuple[int, int]]) -> None:
    """The balances (debit − credit) of the guarded accounts the voucher touches, as posted:
    from the rows read with the ledger's state when it read them (one voucher), else a query."""
    missing = {key for key in keys if key not in state.guarded_balance}
    if not missing:
        return
    if state.guarded_complete:  # none posted yet
        state.guarded_balance.update(dict.fromkeys(missing, 0))
        return
    for key in missing:
        state.guarded_balance[key] = 0
    accounts = {account for account, _fund in missing}
    if accounts <= state.guarded_ahead:
        rows = state.guarded_rows
    else:
        rows = _rows(*_guarded_sql(ledger_id, accounts, state.carried_year))
    _add_guarded_rows(state.guarded_balance, rows, missing)


class _Texts:
    """Messages in the active language, each translated once: an import checks thousands of
    vouchers a batch, and a lazy message is translated again every time it is formatted."""

    def __init__(self) -> None:
        self._by_id: dict[int, str] = {}

    def __call__(self, lazy) -> str:
        text = self._by_id.get(id(lazy))  # by identity: only for module constants, which live on
        if text is None:
            text = self._by_id[id(lazy)] = str(lazy)
        return text


def _check_voucher(
    voucher: posting.VoucherToPost, state: _LedgerState, *, accumulate: bool = True, t: _Texts | None = None
) -> list[Finding]:
    """The findings of one voucher, against the totals so far; adds its amounts to them when it
    passes and ``accumulate`` (vouchers being posted, not drafts being saved)."""
    t = t or _Texts()
    findings: list[Finding] = []
    budget_delta: dict[int, int] = defaultdict(int)
    fund_delta: dict[int, int] = defaultdict(int)
    strictest = None  # the control of the subjects (project, fund) the voucher touches

    def find(rule, control, message, field_name):
        findings.append(Finding(voucher.voucher_id, t(rule), control, message, field_name))

    for line in voucher.lines:
        entry = state.entries.get(line.project_id) if line.project_id else None
        fund = state.funds.get(line.fund_id) if line.fund_id else None
        if entry is None and fund is None:
            continue
        for control in (entry.control if entry else None, fund.control if fund else None):
            if control == Control.STOP or (control and strictest is None):
                strictest = control
        net = line.debit_fen - line.credit_fen
        if not state.is_spending(line.account_id) or net <= 0:
            continue
        code = state.accounts[line.account_id][0]
        if entry is not None:
            if STATE_ORDER.index(entry.state) < APPROVED_AT:
                find(
                    E.RULE_BEFORE_APPROVAL,
                    entry.control,
                    t(E.BEFORE_APPROVAL).format(
                        rule=t(E.RULE_BEFORE_APPROVAL),
                        project=entry.label,
                        state=ProjectState(entry.state).label,
                        amount=_yuan(net),
                    ),
                    "project",
                )
            budget = entry.line_for(code, line.fund_id)
            if budget is None:
                find(
                    E.RULE_BUDGET,
                    entry.control,
                    t(E.OVER_BUDGET).format(
                        rule=t(E.RULE_BUDGET),
                        project=entry.label,
                        line=t(E.NO_BUDGET_LINE).format(account=code),
                        budget=_yuan(0),
                        used=_yuan(0),
                        after=_yuan(net),
                    ),
                    "project",
                )
            else:
                budget_delta[budget.id] += net
        if fund is not None:
            fund_delta[line.fund_id] += net
            documents = "、".join(fund.documents)
            if fund.allowed is not None and not code.startswith(tuple(fund.allowed)):
                find(
                    E.RULE_NOT_ALLOWED,
                    fund.control,
                    t(E.NOT_ALLOWED).format(
                        rule=t(E.RULE_NOT_ALLOWED),
                        fund=fund.name,
                        documents=documents,
                        allowed="、".join(fund.allowed),
                        account=code,
                        amount=_yuan(net),
                    ),
                    "fund",
                )
            if entry is not None and entry.kind in fund.forbidden_kinds:
                find(
                    E.RULE_FORBIDDEN,
                    fund.control,
                    t(E.FORBIDDEN_KIND).format(
                        rule=t(E.RULE_FORBIDDEN),
                        fund=fund.name,
                        documents=documents,
                        project=entry.label,
                        kind=ProjectKind(entry.kind).label,
                        amount=_yuan(net),
                    ),
                    "fund",
                )
            if fund.forbidden and code.startswith(tuple(fund.forbidden)):
                find(
                    E.RULE_FORBIDDEN,
                    fund.control,
                    t(E.FORBIDDEN).format(
                        rule=t(E.RULE_FORBIDDEN),
                        fund=fund.name,
                        documents=documents,
                        account=code,
                        amount=_yuan(net),
                    ),
                    "fund",
                )
    for entry in state.entries.values():
        for budget in entry.lines:
            delta = budget_delta.get(budget.id)
            if not delta:
                continue
            used = state.budget_used[budget.id]
            if used + delta > budget.budget_fen:
                line_text = f"{budget.fund_name} {budget.prefix}".strip()
                find(
                    E.RULE_BUDGET,
                    budget.control,
                    t(E.OVER_BUDGET).format(
                        rule=t(E.RULE_BUDGET),
                        project=entry.label,
                        line=line_text,
                        budget=_yuan(budget.budget_fen),
                        used=_yuan(used),
                        after=_yuan(used + delta),
                    ),
                    "project",
                )
    for fund_id, delta in fund_delta.items():
        fund = state.funds[fund_id]
        used = state.fund_used[fund_id]
        if used + delta > fund.allocated_fen:
            find(
                E.RULE_FUND_EMPTY,
                fund.control,
                t(E.FUND_EMPTY).format(
                    rule=t(E.RULE_FUND_EMPTY),
                    fund=fund.name,
                    budget=_yuan(fund.allocated_fen),
                    used=_yuan(used),
                    after=_yuan(used + delta),
                ),
                "fund",
            )
    guarded_delta: dict[tuple[int, int], int] = defaultdict(int)
    # Cash, bank and 专项应付款 depend on the order vouchers are posted in (a payment entered
    # before the receipt that funds it): checked at posting only, not when a draft is saved.
    if strictest is not None and accumulate:
        for line in voucher.lines:
            code, category = state.accounts[line.account_id]
            if code.startswith(state.guarded):
                # Liabilities (专项应付款) per fund, cash and bank as a whole.
                key = (line.account_id, (line.fund_id or 0) if category == Category.LIABILITY else 0)
                guarded_delta[key] += line.debit_fen - line.credit_fen
        if guarded_delta:
            _guarded_balances(state, voucher.ledger_id, set(guarded_delta))
        fund_names = {fund_id: rules.name for fund_id, rules in state.funds.items()}
        for key, delta in guarded_delta.items():
            code, category = state.accounts[key[0]]
            sign = -1 if category == Category.LIABILITY else 1
            before = sign * state.guarded_balance[key]
            after = before + sign * delta
            if sign * delta < 0 and after < 0:  # lowered, and below zero
                fund_text = f"（{fund_names.get(key[1], '')}）" if key[1] and key[1] in fund_names else ""
                find(
                    E.RULE_NEGATIVE,
                    strictest,
                    t(E.NEGATIVE).format(
                        rule=t(E.RULE_NEGATIVE),
                        account=code,
                        fund=fund_text,
                        used=_yuan(before),
                        after=_yuan(after),
                    ),
                    "account",
                )
    stops = [finding for finding in findings if finding.control == Control.STOP]
    if accumulate and not stops:  # it passes: its amounts count for the vouchers after it
        for budget_id, delta in budget_delta.items():
            state.budget_used[budget_id] += delta
        for fund_id, delta in fund_delta.items():
            state.fund_used[fund_id] += delta
        for key, delta in guarded_delta.items():
            state.guarded_balance[key] += delta
    return findings


def check(
    vouchers: list[posting.VoucherToPost], *, accumulate: bool = True, delete_warnings: bool = False
) -> list[Finding]:
    """Every finding of ``vouchers``: to be posted, in order, each against what is posted and the
    ones before it; saved (``accumulate`` False), each against what is posted only, as a draft
    counts for nothing until it is posted. With ``delete_warnings``, the vouchers' stored
    warnings are deleted in the statement that reads the state (one tagged voucher's)."""
    by_ledger: dict[int, tuple[set[int], set[int], set[int]]] = {}
    for voucher in vouchers:
        for line in voucher.lines:
            if line.project_id or line.fund_id:
                projects, funds, _accounts = by_ledger.setdefault(voucher.ledger_id, (set(), set(), set()))
                if line.project_id:
                    projects.add(line.project_id)
                if line.fund_id:
                    funds.add(line.fund_id)
    if not by_ledger:
        return []
    for voucher in vouchers:  # every account of a checked ledger's vouchers (cash lines too)
        if voucher.ledger_id in by_ledger:
            by_ledger[voucher.ledger_id][2].update(line.account_id for line in voucher.lines)
    # An import's batches: each ledger's state read once for the whole ledger (every project,
    # fund and account it has), then kept as the batches before left it (``posting.batch_state``).
    kept = posting.batch_state(__name__) if accumulate else None
    # One voucher being posted (a click): its guarded balances are read with the rest, in the
    # same statement, rather than after it when a rule turns out to need them.
    ahead = accumulate and len(vouchers) == 1 and kept is None
    delete = None
    if delete_warnings and kept is None:  # an import's vouchers are new: they have none
        among, params = _in("voucher_id", (voucher.voucher_id for voucher in vouchers))
        delete = (f"DELETE FROM {_table(VoucherWarning)} WHERE {among}", params)
    states = {}
    for ledger_id, ids in by_ledger.items():
        if kept is None:
            states[ledger_id] = _load(ledger_id, *ids, guarded_ahead=ahead, delete=delete)
            delete = None
            continue
        covered = kept.get(ledger_id)
        if covered is not None and all(need <= have for need, have in zip(ids, covered[:3], strict=True)):
            states[ledger_id] = covered[3]
            continue
        whole = _ledger_ids(ledger_id)
        ids = tuple(need | have for need, have in zip(ids, whole, strict=True))
        state = states[ledger_id] = _load(ledger_id, *ids)
        if state is not None:
            _all_guarded_balances(state, ledger_id)
        kept[ledger_id] = (*ids, state)
    findings: list[Finding] = []
    texts = _Texts()
    for voucher in vouchers:
        state = states.get(voucher.ledger_id)
        if state is not None:
            findings += _check_voucher(voucher, state, accumulate=accumulate, t=texts)
    return findings


# ---------------------------------------------------------------------------------------------
# The hooks


# Warnings found before posting, written after it (an imported voucher's row does not exist
# yet when the batch is checked). Per thread: each request or command posts in its own.
_pending = threading.local()


def _refuse_stops(findings: list[Finding]) -> list[Finding]:
    for finding in findings:
        if finding.control == Control.STOP:
            raise posting.VoucherRefused(finding.message, voucher_id=finding.voucher_id, field=finding.field)
    return findings


def _warnings(findings: list[Finding], ledger_of: dict[int, int]) -> list[VoucherWarning]:
    return [
        VoucherWarning(
            ledger_id=ledger_of[finding.voucher_id],
            voucher_id=finding.voucher_id,
            rule=finding.rule,
            message=finding.message[:500],
        )
        for finding in findings
    ]


def _delete_warnings(voucher_ids: list[int]) -> None:
    among, params = _in("voucher_id", voucher_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table(VoucherWarning)} WHERE {among}", params)


def _tagged(voucher: posting.VoucherToPost) -> bool:
    return any(line.project_id or line.fund_id for line in voucher.lines)


def before_saving(vouchers: list[posting.VoucherToPost]) -> None:
    findings = _refuse_stops(check(vouchers, accumulate=False))
    _delete_warnings([voucher.voucher_id for voucher in vouchers])
    if findings:
        VoucherWarning.objects.bulk_create(_warnings(findings, {v.voucher_id: v.ledger_id for v in vouchers}))


def before_posting(vouchers: list[posting.VoucherToPost]) -> None:
    # One voucher posted by the service was a draft, and may carry warnings of then (only if it
    # has a tagged line: a draft's warnings are replaced whenever it changes). They go in the
    # statement that reads what the checks need; a refusal rolls the deletion back with the rest.
    one_draft = len(vouchers) == 1 and _tagged(vouchers[0])
    _pending.findings = _refuse_stops(check(vouchers, delete_warnings=one_draft))


def after_posting(vouchers: list[posting.VoucherToPost]) -> None:
    findings = getattr(_pending, "findings", None) or []
    _pending.findings = None
    if not findings:
        return
    ledger_of = {v.voucher_id: v.ledger_id for v in vouchers}
    if not background_writes.active():
        VoucherWarning.objects.bulk_create(_warnings(findings, ledger_of))
        return
    # An import's: on its writing thread, after the batch's rows (COPY on PostgreSQL), so that
    # the import need not wait for those to be stored before it goes on.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    background_writes.insert(
        _table(VoucherWarning),
        ["ledger_id", "voucher_id", "rule", "message", "created_at"],
        [(ledger_of[f.voucher_id], f.voucher_id, f.rule, f.message[:500], now) for f in findings],
    )


def register() -> None:
    """Join posting's steps (once, however often ``ready`` runs)."""
    if before_posting not in posting.before_posting:
        posting.register_before_saving(before_saving)
        posting.register_before_posting(before_posting)
        posting.register_after_posting(after_posting)


def project_used(project: Project) -> dict[int, int]:
    """What is posted against each budget line of ``project`` (budget line id → fen)."""
    state = _load(project.ledger_id, {project.pk}, set(), set())
    return dict(state.budget_used) if state else {}
