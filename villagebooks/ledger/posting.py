"""Posting (记账): the one place that numbers vouchers, marks them posted and writes balance rows.

Every way a voucher enters the books comes through here: the posting service (which a reversal
goes through too), the year close's vouchers, and the import, which posts whole batches. So does
every other write of ``AccountBalance``: a ledger's opening balances (month 0 of its first year)
and the year close's carry-forward (month 0 of the next year). Each of them keeps the regions'
roll-ups (``ledger.rollups``, ``RegionBalance``) right in the same transaction: one call per
posted voucher, one aggregated call per set of movements. ``ledger/tests/test_posting_owner.py``
reads the source of every module and fails if anything else does any of it.

Locks are taken in one order, by every path, so that concurrent writers neither deadlock nor
skip a number:

1. the voucher's row (the posting service locks it, ``services._locked_voucher``; the year
   close and the import write vouchers no one else can see yet);
2. the period's row: its counter is bumped by an UPDATE (a row lock that closing's FOR UPDATE
   waits for, and that voucher work's FOR KEY SHARE does not block); the import locks a batch's
   new periods FOR NO KEY UPDATE in id order and keeps them until it commits;
3. balance rows, in sorted key order (``BalanceDeltas.items``, and ORDER BY in the SQL), then
   the regions' roll-up rows (``rollups``: every region above the village, in key order too;
   the import writes its roll-ups once, at ``finish``, after every period it locks);
4. the ledger's chain head (``chain``): the posted voucher is appended to its ledger's hash
   chain. The import takes it when it first meets a ledger, having locked every period of that
   ledger first (so that it never waits for a period while holding a head a poster waits for).

On SQLite writers run one at a time (IMMEDIATE transactions): the same order holds without
row locks.

Other apps add rules without ``ledger`` importing them: ``before_posting`` hooks see what is
about to be posted (as plain values) and refuse it by raising a ``DomainError``, before anything
is written; ``after_posting`` hooks see what was posted, numbered, in the same transaction;
``before_saving`` hooks see a draft as it is saved (created or changed; its lines are written, in
the saving transaction), so that a rule refuses a voucher as early as it can. An app registers in
its ``AppConfig.ready()``. With no hook registered posting costs nothing more.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from villagebooks.common import prepared
from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.common.pgarrays import array_literals
from villagebooks.ledger import chain, rollups
from villagebooks.ledger import errors as E
from villagebooks.ledger.balances import (
    BalanceDeltas,
    BalanceKey,
    BalanceOutOfRange,
    is_out_of_range,
    out_of_range_error,
)
from villagebooks.ledger.models import (
    AccountBalance,
    Period,
    PeriodStatus,
    RenumberPermit,
    Voucher,
    VoucherKind,
    VoucherLine,
    VoucherStatus,
)

# ---------------------------------------------------------------------------------------------
# Hooks


class LineToPost(NamedTuple):
    """A voucher line as the hooks see it. A named tuple: an import makes one for every line it
    posts (two million for a county's year), and a tuple is made in C."""

    line_no: int
    summary: str
    account_id: int
    debit_fen: int
    credit_fen: int
    fund_id: int | None
    counterparty_id: int | None
    project_id: int | None = None


class VoucherToPost(NamedTuple):
    """A voucher as the hooks see it: plain values, the same on every path (a named tuple, made
    and numbered cheaply: an import makes one for every voucher it posts)."""

    ledger_id: int
    voucher_id: int
    period_id: int
    date: date
    kind: str
    external_key: str
    lines: tuple[LineToPost, ...]
    number: int | None = None  # given at posting: None for the before-posting hooks
    note: str = ""
    prepared_by_id: int | None = None
    reviewed_by_id: int | None = None
    posted_by_id: int | None = None
    source_file: str | None = None
    source_sha256: str | None = None


PostingHook = Callable[[list[VoucherToPost]], None]

# Plain lists, so that a test (or an app) can see what is registered.
before_posting: list[PostingHook] = []
after_posting: list[PostingHook] = []
before_saving: list[PostingHook] = []


class VoucherRefused(DomainError):
    """A hook's refusal of one voucher of those it was given: an import reports it at that
    voucher's row (``BatchPosting.post``)."""

    def __init__(self, message, *, voucher_id: int, field: str = ""):
        self.voucher_id = voucher_id
        super().__init__(message, field=field)


def register_before_saving(hook: PostingHook) -> PostingHook:
    """Run ``hook([voucher])`` when a draft is created or changed; a ``DomainError`` refuses it."""
    before_saving.append(hook)
    return hook


def run_before_saving(voucher: Voucher) -> None:
    """Let the ``before_saving`` hooks see ``voucher`` as saved (called by the draft services)."""
    if before_saving:
        _run(before_saving, [_voucher_to_post(voucher)])


def saving_refusal(
    describe: Callable[[list[int] | None], list[VoucherToPost]], date_rows: list[int]
) -> FieldProblem | None:
    """An import's batch of unposted vouchers, just written, shown to the ``before_saving`` hooks:
    the problem that refuses one, at its row (the import then rolls back everything)."""
    if not before_saving:
        return None
    described = describe(None)
    try:
        _run(before_saving, described)
    except DomainError as error:
        return _refusal(error, described, date_rows)
    return None


def _refusal(error: DomainError, vouchers: list[VoucherToPost], date_rows: list[int]) -> FieldProblem:
    """A hook's refusal of a batch as the import reports it: at the refused voucher's row."""
    problem = error.problems[0]
    if isinstance(error, VoucherRefused) and problem.row is None:
        index = next(i for i, voucher in enumerate(vouchers) if voucher.voucher_id == error.voucher_id)
        return replace(problem, row=date_rows[index])
    return problem


def register_before_posting(hook: PostingHook) -> PostingHook:
    """Run ``hook(vouchers)`` before every posting; a ``DomainError`` it raises refuses the posting."""
    before_posting.append(hook)
    return hook


# What an after-posting hook does to one voucher, as SQL the one-statement posting on PostgreSQL
# runs in its statement (``register_after_posting``'s ``in_statement_sql``): hook → its SQL.
PostingSql = Callable[[Voucher], tuple[list[str], dict] | None]
in_statement: dict[PostingHook, PostingSql] = {}


def register_after_posting(hook: PostingHook, *, in_statement_sql: PostingSql | None = None) -> PostingHook:
    """Run ``hook(vouchers)`` after every posting, numbered, in the posting's transaction.

    ``in_statement_sql(voucher)``, if given, is the same for one voucher as data-modifying
    CTEs (``name AS (…)``, over the voucher's lines; parameters in a dict, named apart from
    posting's, and ``%(voucher_id)s``, ``%(ledger_id)s``, ``%(is_closing)s``) that the posting
    of one voucher on PostgreSQL runs in its own statement instead of calling ``hook``: a
    statement less a click. They write after the balances and roll-ups, before the chain, in
    key order, as the hook would; None: nothing to do.
    """
    after_posting.append(hook)
    if in_statement_sql is not None:
        in_statement[hook] = in_statement_sql
    return hook


def _run(hooks: list[PostingHook], vouchers: list[VoucherToPost]) -> None:
    for hook in hooks:
        hook(vouchers)


# The import's state for the hooks, while they run on one of its batches (``batch_state``).
_batch = threading.local()


def batch_state(owner: str) -> dict | None:
    """A dict that ``owner``'s hooks may keep from one batch of an import to the next, or None
    when the hooks run outside an import's posting.

    What it holds stays true for the whole import: the import locks every period of each ledger
    it meets until it commits, so what is posted in that ledger changes only by the import's own
    batches, which the hooks see in order. A hook keeps its reads of a ledger there instead of
    reading them again every batch (each read makes the import wait for the rows of the batch
    before to be stored, see ``background_writes``).
    """
    states = getattr(_batch, "states", None)
    return None if states is None else states.setdefault(owner, {})


@contextlib.contextmanager
def _hooks_of_import(states: dict) -> Iterator[None]:
    _batch.states = states
    try:
        yield
    finally:
        _batch.states = None


def _voucher_to_post(voucher: Voucher) -> VoucherToPost:
    # Plain SQL, not a queryset: compiling one costs more than running it, and this runs before
    # the hooks of every posting (issue 12: the budget checks under 2 ms a posting). Prepared on
    # PostgreSQL (``common.prepared``): planned once a connection.
    with prepared.cursor() as cursor:
        cursor.execute(
            "SELECT line_no, summary, account_id, debit_fen, credit_fen, fund_id, counterparty_id, project_id"
            f" FROM {connection.ops.quote_name(VoucherLine._meta.db_table)} WHERE voucher_id = %s ORDER BY line_no",
            [voucher.pk],
        )
        lines = tuple(LineToPost(*values) for values in cursor.fetchall())
    return VoucherToPost(
        ledger_id=voucher.ledger_id,
        voucher_id=voucher.pk,
        period_id=voucher.period_id,
        date=voucher.date,
        kind=voucher.kind,
        external_key=voucher.external_key or "",
        note=voucher.note,
        prepared_by_id=voucher.prepared_by_id,
        reviewed_by_id=voucher.reviewed_by_id,
        posted_by_id=voucher.posted_by_id,
        source_file=voucher.source_file,
        source_sha256=voucher.source_sha256,
        lines=lines,
    )


# ---------------------------------------------------------------------------------------------
# One voucher


def _closed_meanwhile(period_id: int) -> DomainError:
    """The error for a period that refused a number because it is closed."""
    return DomainError(E.PERIOD_CLOSED.format(period=Period.objects.get(pk=period_id)), field="date")


def _assign_number(period_id: int, count: int = 1) -> tuple[int, int]:
    """Reserve ``count`` numbers in an open period; returns its key (YYYYMM) and the first number.

    One UPDATE … RETURNING (SQLite 3.35+, PostgreSQL) takes the row lock, checks the period is
    open and bumps the counter in a single round trip: posting is the hot path of every click.
    """
    table = connection.ops.quote_name(Period._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + %s, updated_at = %s"
            " WHERE id = %s AND status <> %s RETURNING year, month, last_number",
            [count, connection.ops.adapt_datetimefield_value(timezone.now()), period_id, PeriodStatus.CLOSED],
        )
        row = cursor.fetchone()
    if row is None:
        raise _closed_meanwhile(period_id)
    year, month, last = row
    return year * 100 + month, last - count + 1


def post_voucher(*, voucher: Voucher, actor, savepoint: bool = False) -> int:
    """Give ``voucher`` the next number of its period, mark it posted and add its lines to the
    balances, in the caller's transaction; updates the instance as ``save`` would.

    The caller has checked that it may be posted and holds its row (see the module's text).
    A balance row beyond its range fails the statement: the posting service names it after the
    rollback (``voucher_out_of_range``), off the hot path. With ``savepoint`` (the year close,
    which goes on in its transaction) it is named here and raised as ``BalanceOutOfRange``.

    Raises:
        DomainError: a before-posting hook refused it, or its period is closed; nothing written.
    """
    if savepoint:
        try:
            with transaction.atomic():
                return post_voucher(voucher=voucher, actor=actor)
        except (IntegrityError, DataError, OverflowError) as error:
            if not is_out_of_range(error):
                raise
            raise voucher_out_of_range(voucher.pk) from error
    described = None
    if before_posting:
        described = _voucher_to_post(voucher)
        _run(before_posting, [described])
    is_closing = voucher.kind == VoucherKind.CLOSING
    posted_at = timezone.now()
    hooks_after = after_posting
    if connection.vendor == "postgresql":
        hooks_after = [hook for hook in after_posting if hook not in in_statement]
        extra = [in_statement[hook](voucher) for hook in after_posting if hook in in_statement]
        number, period_key, side_lines = _number_and_post_in_one_statement(
            voucher, actor, posted_at, is_closing, [part for part in extra if part]
        )
    else:
        period_key, number = _assign_number(voucher.period_id)
        voucher.status, voucher.number = VoucherStatus.POSTED, number
        voucher.posted_by, voucher.posted_at = actor, posted_at
        voucher.save(update_fields=["status", "number", "posted_by", "posted_at", "updated_at"])
        _balances_add_voucher(
            voucher_id=voucher.pk, ledger_id=voucher.ledger_id, period_key=period_key, is_closing=is_closing
        )
        side_lines = rollups.add_voucher(
            voucher_id=voucher.pk, ledger_id=voucher.ledger_id, period_key=period_key, is_closing=is_closing
        )
    chain.append_posted(voucher, period_key=period_key, posted_by_id=actor.pk)
    if side_lines is None or side_lines:
        # After the chain head (lock order, step 4): one ledger's side roll-ups one at a time.
        rollups.side_add_voucher(voucher_id=voucher.pk, ledger_id=voucher.ledger_id, period_key=period_key)
    if hooks_after:
        _run(
            hooks_after,
            [(described or _voucher_to_post(voucher))._replace(number=number, posted_by_id=actor.pk)],
        )
    return number


def _number_and_post_in_one_statement(
    voucher: Voucher, actor, posted_at, is_closing: bool, extra: list[tuple[list[str], dict]] = ()
) -> tuple[int, int]:
    """On PostgreSQL, what ``post_voucher`` does on SQLite in three statements, in one.

    The period's next number (under its row lock, refused when the period is closed), the voucher
    posted with it, its lines added to the balances: data-modifying CTEs, one round trip instead
    of three, and the voucher added to its regions' roll-ups. A round trip costs 0.5–0.8 ms on a
    small server, which is a tenth of a click.
    Updates the ``voucher`` instance as ``save`` would; returns the number, the period (YYYYMM) and
    how many of its lines are on accounts the side roll-ups keep (``rollups.side_add_voucher``).
    """
    quote = connection.ops.quote_name
    period, table = quote(Period._meta.db_table), quote(Voucher._meta.db_table)
    balances = _add_voucher_sql(
        year="numbered.year",
        month="numbered.month",
        period_key="numbered.year * 100 + numbered.month",
        joined=" CROSS JOIN numbered",
    )
    side_count, side_params = rollups.side_voucher_count_sql()
    ancestors, rolled_up = rollups.voucher_sql(
        year="numbered.year",
        month="numbered.month",
        period_key="numbered.year * 100 + numbered.month",
        joined=" CROSS JOIN numbered",
    )
    sql = (
        f"WITH RECURSIVE numbered AS (UPDATE {period} SET last_number = last_number + 1, updated_at = %(now)s"
        "   WHERE id = %(period_id)s AND status <> %(closed)s RETURNING year, month, last_number),"
        f" posted AS (UPDATE {table} SET number = numbered.last_number, status = %(posted)s,"
        "   posted_by_id = %(actor_id)s, posted_at = %(now)s, updated_at = %(now)s"
        f"   FROM numbered WHERE {table}.id = %(voucher_id)s"
        f"   RETURNING {table}.number, numbered.year * 100 + numbered.month AS period_key),"
        f" balances AS ({balances}),"
        f" {ancestors}, rolled_up AS ({rolled_up})"  # the regions' roll-ups (``rollups``)
        f"{''.join(', ' + cte for ctes, _params in extra for cte in ctes)}"  # after-posting hooks'
        f" SELECT number, period_key, ({side_count}) FROM posted"
    )
    params = {
        "now": posted_at,
        "period_id": voucher.period_id,
        "closed": PeriodStatus.CLOSED,
        "posted": VoucherStatus.POSTED,
        "actor_id": actor.pk,
        "voucher_id": voucher.pk,
        "ledger_id": voucher.ledger_id,
        "is_closing": is_closing,
        **side_params,
    }
    for _ctes, extra_params in extra:
        params.update(extra_params)
    # Prepared (``common.prepared``): its text is fixed for the hooks' CTEs present, and it costs
    # more to plan (a dozen relations) than to run.
    with prepared.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # the period is closed: nothing was written
        raise _closed_meanwhile(voucher.period_id)
    voucher.status, voucher.number = VoucherStatus.POSTED, row[0]
    voucher.posted_by, voucher.posted_at, voucher.updated_at = actor, posted_at, posted_at
    return row[0], row[1], row[2]


def voucher_out_of_range(voucher_id: int) -> BalanceOutOfRange:
    """The error naming the balance row that posting ``voucher_id`` would take beyond its range.

    Reads the stored rows and the voucher's lines: call it after the failed posting rolled back.
    """
    voucher = Voucher.objects.select_related("period").get(pk=voucher_id)
    deltas = BalanceDeltas()
    for line in VoucherLine.objects.filter(voucher_id=voucher_id):
        deltas.add_line(
            ledger_id=voucher.ledger_id,
            account_id=line.account_id,
            period_key=voucher.period.key,
            fund_id=line.fund_id,
            counterparty_id=line.counterparty_id,
            is_closing=voucher.kind == VoucherKind.CLOSING,
            debit_fen=line.debit_fen,
            credit_fen=line.credit_fen,
        )
    return out_of_range_error(deltas)


# ---------------------------------------------------------------------------------------------
# Batches (the import)


class BatchPosting:
    """Posting an import's batches: numbers in file order, balances, chain, hooks; counters at the end.

    The first time the import meets a ledger it locks every period of that ledger (and any new
    period it meets later), and they stay locked until the import commits, so their counters
    are kept here and written back once, in ``finish``. Then it takes the ledger's chain head,
    also until commit: holding a head, it never waits for a period a poster may hold.
    """

    def __init__(self, writes=None) -> None:
        # SQLite: the rows and chain entries are stored on a second thread (``background_writes``).
        self.writes = writes
        self.last_numbers: dict[int, int] = {}  # period id → last number given, while locked
        self.ledgers: set[int] = set()  # ledgers whose periods are all locked
        self.locked: dict[int, Period] = {}  # period id → the period as read under its lock
        self.appenders: dict[int, chain.Appender] = {}  # ledger id → its chain, head locked
        self.names: dict[int, chain.BatchNames] = {}
        # The regions' roll-ups of every batch, added up in Python batch by batch and written
        # once, in ``finish``: a county row is shared by all its villages, and taken only after
        # every period the import locks (a poster holding a period may wait for it, never the
        # other way round).
        self.rollups = rollups.PendingRollups()
        self.hook_states: dict[str, dict] = {}  # what hooks keep across batches (``batch_state``)

    @staticmethod
    def posted_values(*, actor_id: int, now, file_name: str, sha256: str) -> tuple:
        """What an imported voucher's row holds as posted: (status, reviewed_by, reviewed_at,
        posted_by, posted_at, source_file, source_sha256), the values of the import's rows.

        The importer vouches for the file, not for a review it did not do: the voucher came
        reviewed from outside, and names the file (and its digest) where a reviewer would be.
        """
        return VoucherStatus.POSTED.value, None, None, actor_id, now, file_name, sha256

    def post(
        self,
        *,
        period_ids: list[int],
        date_rows: list[int],
        balance_sums: dict[tuple, list[int]],
        write_rows: Callable[[list[int]], None],
        describe: Callable[[list[int] | None], list[VoucherToPost]],
    ) -> FieldProblem | None:
        """Post one batch: number it, let the hooks check it, add its balance movements
        (``balance_sums``: ``BalanceKey`` without ``is_closing`` → [debit, credit]), have
        ``write_rows(numbers)`` insert its vouchers (already posted) and lines, append it to the
        chains.

        ``describe(numbers)`` gives the batch as plain values for the chain and the hooks.
        Returns the problem that stopped it; nothing of it was written.

        The order lets the rows be stored on a second thread (SQLite, ``background_writes``)
        while this one goes on: everything that reads or locks comes before ``write_rows``, the
        chain's records are made while the lines are stored, and every statement of this thread
        waits for what was handed over before it.
        """
        refused = self._refused()
        if refused is not None:  # an earlier batch's: reported with the file's problems
            return refused.problems[0]
        numbers = self._reserve_numbers(period_ids, date_rows)
        if isinstance(numbers, FieldProblem):
            return numbers
        described = describe(None)
        vouchers = [
            voucher._replace(number=number) for voucher, number in zip(described, numbers, strict=True)
        ]
        # The chain's records (the batch's heaviest Python) are made before the first statement
        # that waits for the rows handed to the writing thread before (the hooks' reads, the
        # balances), so that they are made while that thread stores them. Nothing is appended
        # until the hooks have passed the batch. The names and the head are read (and the head
        # locked) the first time a ledger comes, after its periods: the lock order of the module.
        appenders = self._appenders(vouchers)
        records = self._records(vouchers, appenders)
        if before_posting:
            try:
                with _hooks_of_import(self.hook_states):
                    _run(before_posting, described)
            except DomainError as error:
                return _refusal(error, described, date_rows)
        deltas = BalanceDeltas()
        for key, (debit, credit) in balance_sums.items():
            deltas.add(BalanceKey(*key, False), debit, credit)
        if self.writes is not None and connection.vendor == "postgresql":
            # On the writing thread, in a savepoint of its own: a savepoint here would make this
            # thread wait for the rows handed over before it, every batch. A row beyond its range
            # is reported at the next batch or at ``finish`` (``_refused``). (SQLite runs in this
            # process: its upsert row by row there would take Python's lock from this thread.)
            sql, params, many = _apply_statement(deltas)
            self.writes.execute_guarded(
                sql,
                params,
                many=many,
                is_refusal=is_out_of_range,
                describe=lambda: out_of_range_error(deltas),
            )
        else:
            try:
                _balances_apply(deltas, rollup=False)
            except BalanceOutOfRange as error:  # reported with the file's problems; all rolled back
                return error.problems[0]
        self.rollups.add(deltas)
        write_rows(numbers)
        self._chain(vouchers, appenders, records)
        if after_posting:
            with _hooks_of_import(self.hook_states):
                _run(after_posting, vouchers)
        return None

    def _refused(self, *, wait: bool = False) -> BalanceOutOfRange | None:
        """A batch's balances refused on the writing thread (beyond their range); nothing of that
        batch was stored, nor anything after it."""
        return None if self.writes is None else self.writes.refusal(wait=wait)

    def _appenders(self, vouchers: list[VoucherToPost]) -> dict[int, tuple[chain.Appender, chain.BatchNames]]:
        """Each ledger's chain (head locked the first time) and the names its records need."""
        by_ledger: dict[int, list[VoucherToPost]] = defaultdict(list)
        for voucher in vouchers:
            by_ledger[voucher.ledger_id].append(voucher)
        found = {}
        for ledger_id, batch in by_ledger.items():
            names = self.names.get(ledger_id)
            if names is None:
                names = self.names[ledger_id] = chain.BatchNames(ledger_id)
            names.ensure(
                accounts={line.account_id for v in batch for line in v.lines},
                funds={line.fund_id for v in batch for line in v.lines if line.fund_id},
                parties={line.counterparty_id for v in batch for line in v.lines if line.counterparty_id},
                projects={line.project_id for v in batch for line in v.lines if line.project_id},
                periods={v.period_id for v in batch},
                users={
                    user
                    for v in batch
                    for user in (v.prepared_by_id, v.reviewed_by_id, v.posted_by_id)
                    if user
                },
            )
            appender = self.appenders.get(ledger_id)
            if appender is None:
                appender = self.appenders[ledger_id] = chain.Appender(ledger_id)
            found[ledger_id] = (appender, names)
        return found

    def _records(
        self, vouchers: list[VoucherToPost], appenders: dict[int, tuple[chain.Appender, chain.BatchNames]]
    ) -> list[bytes]:
        """Each voucher's canonical record, from the values in hand (each name's JSON text made
        once a ledger, ``chain.BatchNames``)."""
        records = []
        line_text = chain.line_text_from_parts
        for v in vouchers:
            names = appenders[v.ledger_id][1]
            heads, funds, parties, projects = (
                names.account_heads,
                names.fund_texts,
                names.party_texts,
                names.project_texts,
            )
            users = names.users
            year, month = names.periods[v.period_id]
            line_texts = [
                line_text(
                    heads[line.account_id],
                    line.line_no,
                    line.summary,
                    line.debit_fen,
                    line.credit_fen,
                    funds[line.fund_id] if line.fund_id else chain.EMPTY_TEXT,
                    parties[line.counterparty_id] if line.counterparty_id else chain.EMPTY_TEXT,
                    projects[line.project_id] if line.project_id else chain.EMPTY_TEXT,
                )
                for line in v.lines
            ]
            records.append(
                chain.canonical_record_bytes(
                    ledger_code=names.code,
                    period=f"{year}-{month:02d}",
                    number=v.number,
                    day=v.date.isoformat(),
                    kind=v.kind,
                    note=v.note,
                    line_texts=line_texts,
                    prepared_by=users.get(v.prepared_by_id, ""),
                    reviewed_by=users.get(v.reviewed_by_id, ""),
                    posted_by=users.get(v.posted_by_id, ""),
                    reversed_voucher=None,
                    attachments=(),
                    source_file=v.source_file,
                    source_sha256=v.source_sha256,
                )
            )
        return records

    def _chain(
        self,
        vouchers: list[VoucherToPost],
        appenders: dict[int, tuple[chain.Appender, chain.BatchNames]],
        records: list[bytes],
    ) -> None:
        """Append the batch's records to their ledgers' chains (hashes here), one INSERT a ledger."""
        touched = {}
        for v, canonical in zip(vouchers, records, strict=True):
            appender = appenders[v.ledger_id][0]
            year, month = appenders[v.ledger_id][1].periods[v.period_id]
            appender.add_canonical(v.voucher_id, year * 100 + month, v.number, chain.VERSION, canonical)
            touched[v.ledger_id] = appender
        for appender in touched.values():
            appender.write(self.writes)

    def _lock_periods(self, new: list[int]) -> dict[int, Period]:
        """Lock every period of each ledger of ``new`` met for the first time, and ``new``
        itself, in id order (one order for every writer), before this import takes that
        ledger's chain head; the periods locked, by id, as read under the lock.

        NO KEY UPDATE, as posting's counter update takes: it excludes other posters and closing,
        and lets vouchers be made meanwhile (their shared lock, see services). Locked until the
        import commits, a period's status and counter read here stay true, so a ledger's later
        batches need no query for them (each would make the import's thread wait for the rows
        handed to ``background_writes``).
        """
        ledgers = set(Period.objects.filter(pk__in=new).values_list("ledger_id", flat=True)) - self.ledgers
        locked = Period.objects.select_for_update(no_key=True).filter(
            Q(ledger_id__in=ledgers) | Q(pk__in=new)
        )
        periods = {period.pk: period for period in locked.order_by("pk")}
        self.ledgers |= ledgers
        return periods

    def _reserve_numbers(self, period_ids: list[int], date_rows: list[int]) -> list[int] | FieldProblem:
        """Each voucher's number, the next of its period in file order, or a period closed meanwhile."""
        by_period: dict[int, list[int]] = defaultdict(list)  # period id → the batch's indexes
        for index, period_id in enumerate(period_ids):
            by_period[period_id].append(index)
        new = sorted(set(by_period) - self.last_numbers.keys() - self.locked.keys())
        if new:  # locked in one query, in one order for every writer
            self.locked.update(self._lock_periods(new))
        for period_id in sorted(set(by_period) - self.last_numbers.keys()):
            period = self.locked[period_id]
            if period.status == PeriodStatus.CLOSED:  # closed since the check, by someone else
                return FieldProblem(
                    "date", E.PERIOD_CLOSED.format(period=period), date_rows[by_period[period_id][0]]
                )
            self.last_numbers[period_id] = period.last_number
        numbers = [0] * len(period_ids)
        for period_id, indexes in by_period.items():
            first = self.last_numbers[period_id] + 1
            self.last_numbers[period_id] += len(indexes)
            for offset, index in enumerate(indexes):
                numbers[index] = first + offset
        return numbers

    def finish(self) -> None:
        """Save the periods' counters (their rows are locked since the import first met them) and
        add the import's movements to the regions' roll-ups (one statement).

        Raises:
            BalanceOutOfRange: the last batches' balances were refused on the writing thread.
        """
        refused = self._refused(wait=True)
        if refused is not None:
            raise refused
        self.rollups.write()
        if not self.last_numbers:
            return
        table = connection.ops.quote_name(Period._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET last_number = %s, updated_at = %s WHERE id = %s",
                [(number, now, period_id) for period_id, number in self.last_numbers.items()],
            )


# ---------------------------------------------------------------------------------------------
# Opening balances and the year's carry-forward (month 0)


def balances_set_opening(*, ledger_id: int, deltas: BalanceDeltas) -> None:
    """Replace a ledger's month-0 balances with its opening balances (``deltas``, on the start
    year's month 0). Set-up allows it only while nothing is posted."""
    rows = Q(ledger_id=ledger_id, month=0)
    removed = rollups.side_rows_of(rows)
    rollups.remove_rows(rows)
    AccountBalance.objects.filter(rows).delete()
    _balances_apply(deltas, side=False)
    rollups.side_refresh(rollups.side_deltas(deltas), removed=removed)


def balances_carry_forward(*, ledger_id: int, year: int, deltas: BalanceDeltas) -> None:
    """Write ``deltas``, the closing balances of ``year``, as the month-0 rows of ``year + 1``;
    the caller then moves the ledger's carried year on to ``year + 1`` (the side roll-ups are
    worked out for it here)."""
    rows = Q(ledger_id=ledger_id, period_key=(year + 1) * 100)
    removed = rollups.side_rows_of(rows)
    rollups.remove_rows(rows)
    AccountBalance.objects.filter(rows).delete()
    _balances_apply(deltas, side=False)
    chain.lock_head(ledger_id)  # lock order, step 4, before the side roll-ups (as a posting)
    rollups.side_refresh(rollups.side_deltas(deltas), removed=removed, carried_after={ledger_id: year + 1})


# ---------------------------------------------------------------------------------------------
# Balance rows: the SQL
#
# Posting adds its lines' amounts with an upsert (INSERT … ON CONFLICT DO UPDATE, the same SQL
# on SQLite and PostgreSQL). Keys are applied in sorted order, so two transactions posting at
# once take row locks in the same order and cannot deadlock.


def _adding_insert() -> tuple[str, str]:
    """The head of an INSERT of balance rows, and the ON CONFLICT that adds to a row instead."""
    table = connection.ops.quote_name(AccountBalance._meta.db_table)
    return (
        f"INSERT INTO {table} (ledger_id, account_id, year, month, period_key, fund_key, counterparty_key,"
        " is_closing, debit_fen, credit_fen)",
        " ON CONFLICT (ledger_id, account_id, period_key, fund_key, counterparty_key, is_closing)"
        f" DO UPDATE SET debit_fen = {table}.debit_fen + excluded.debit_fen,"
        f" credit_fen = {table}.credit_fen + excluded.credit_fen",
    )


def _balances_apply(deltas: BalanceDeltas, *, rollup: bool = True, side: bool = True) -> None:
    """Add ``deltas`` to the stored balances (inside the caller's transaction), and to the regions'
    roll-ups unless ``rollup`` is False (the import adds a batch's to ``BatchPosting.rollups``),
    and to the side roll-ups unless either is False (the opening balances and the carry-forward
    apply theirs with the rows they replace).

    Raises:
        BalanceOutOfRange: a row would go beyond ``BALANCE_MAX_FEN``; nothing was added.
    """
    if not deltas:
        return
    try:
        # A savepoint, so that the transaction is still usable to name the row (and, for an
        # import, to report it with the file's other problems). Once a call, not once a row.
        with transaction.atomic():
            _apply(deltas)
            if rollup:  # the regions' roll-ups: one aggregated statement a call
                rollups.add_deltas(deltas)
                if side:
                    rollups.side_refresh(rollups.side_deltas(deltas))
    except (IntegrityError, DataError, OverflowError) as error:
        if not is_out_of_range(error):
            raise
        raise out_of_range_error(deltas) from error


def _apply(deltas: BalanceDeltas) -> None:
    sql, params, many = _apply_statement(deltas)
    with connection.cursor() as cursor:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)


def _apply_statement(deltas: BalanceDeltas) -> tuple[str, list, bool]:
    """The statement that adds ``deltas`` to the stored balances: (SQL, parameters, whether the
    parameters are a list of rows for ``executemany``)."""
    insert, add_on_conflict = _adding_insert()
    rows = [
        (
            key.ledger_id,
            key.account_id,
            key.period_key // 100,
            key.period_key % 100,
            key.period_key,
            key.fund_key,
            key.counterparty_key,
            key.is_closing,
            debit,
            credit,
        )
        for key, (debit, credit) in deltas.items()
    ]
    if connection.vendor == "postgresql":
        # One statement over arrays instead of one per row: an import adds hundreds of keys
        # a batch, and each statement is a round of parse, plan and execute on the server.
        # WITH ORDINALITY keeps the rows in key order: concurrent writers lock in one order.
        columns = array_literals(rows)
        sql = (
            f"{insert} SELECT ledger_id, account_id, year, month, period_key, fund_key, counterparty_key, is_closing,"
            " debit_fen, credit_fen FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::int[], %s::int[],"
            " %s::bigint[], %s::bigint[], %s::boolean[], %s::bigint[], %s::bigint[])"
            " WITH ORDINALITY AS delta(ledger_id, account_id, year, month, period_key, fund_key,"
            f" counterparty_key, is_closing, debit_fen, credit_fen, position) ORDER BY position{add_on_conflict}"
        )
        return sql, columns, False
    return f"{insert} VALUES ({', '.join(['%s'] * 10)}){add_on_conflict}", rows, True


def _add_voucher_sql(*, year: str, month: str, period_key: str, joined: str = "") -> str:
    """INSERT … SELECT that adds one voucher's lines to the stored balances.

    Parameters ``%(ledger_id)s``, ``%(is_closing)s`` and ``%(voucher_id)s``; the period comes as SQL
    expressions, over the lines and the optional ``joined`` table (the one-statement posting on
    PostgreSQL joins its numbered period: no period, no rows). Rows come in key order, like
    ``_balances_apply``, so concurrent postings lock in one order.
    """
    insert, add_on_conflict = _adding_insert()
    lines = connection.ops.quote_name(VoucherLine._meta.db_table)
    group = "account_id, COALESCE(fund_id, 0), COALESCE(counterparty_id, 0)"
    # A joined period's columns are grouped by too (one value); parameters are not: as literals,
    # PostgreSQL would read GROUP BY 2025 as the 2025th column.
    period_group = f", {year}, {month}" if joined else ""
    return (
        f"{insert} SELECT %(ledger_id)s, account_id, {year}, {month}, {period_key}, COALESCE(fund_id, 0),"
        " COALESCE(counterparty_id, 0), %(is_closing)s, SUM(debit_fen), SUM(credit_fen)"
        f" FROM {lines}{joined} WHERE voucher_id = %(voucher_id)s"
        f" GROUP BY {group}{period_group} ORDER BY {group}{add_on_conflict}"
    )


def _balances_add_voucher(*, voucher_id: int, ledger_id: int, period_key: int, is_closing: bool) -> None:
    """Add one voucher's lines to the stored balances in one statement (inside the caller's
    transaction): the lines are summed per key by the database instead of being read back."""
    sql = _add_voucher_sql(year="%(year)s", month="%(month)s", period_key="%(period_key)s")
    params = {
        "ledger_id": ledger_id,
        "year": period_key // 100,
        "month": period_key % 100,
        "period_key": period_key,
        "is_closing": is_closing,
        "voucher_id": voucher_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# ---------------------------------------------------------------------------------------------
# 整理凭证号: an open month's numbers put in date order

# Each number moved first to this plus its new number, then to its new number: the unique
# (ledger, period, number) key never sees two vouchers on one number mid-way.
RENUMBER_PARKING = 1_000_000


@dataclass(frozen=True)
class Renumbered:
    voucher_id: int
    old_number: int
    new_number: int


def date_order_moves(*, ledger_id: int, period_id: int) -> list[Renumbered]:
    """The vouchers whose numbers 整理凭证号 would change now: the month's posted vouchers in
    (date, posting time, id) order take the month's own numbers in ascending order. Empty when
    the numbers already follow date order (what the month-close checklist reads)."""
    rows = list(
        Voucher.objects.filter(ledger_id=ledger_id, period_id=period_id, status=VoucherStatus.POSTED)
        .order_by("date", "posted_at", "id")
        .values_list("id", "number")
    )
    numbers = sorted(number for _id, number in rows)
    return [
        Renumbered(voucher_id, old, new)
        for (voucher_id, old), new in zip(rows, numbers, strict=True)
        if old != new
    ]


def renumber_month(
    *, ledger_id: int, ledger_code: str, period: Period, by: str, reason: str, at
) -> tuple[list[Renumbered], int]:
    """Give the month's posted vouchers, in (date, posting time, id) order, the month's own numbers
    in ascending order (1..N when the month is gap-free): a permutation, so no number is lost or
    added. The caller holds the period's row exclusively (no posting meanwhile) and has checked
    the month is open. The act is appended to the ledger's chain (its head locked after the
    period, as posting does) before the numbers move. Returns the vouchers renumbered and the
    act's place in the chain (0 when nothing moved: the numbers already follow date order)."""
    moved = date_order_moves(ledger_id=ledger_id, period_id=period.pk)
    if not moved:
        return [], 0
    record = chain.renumber_record(
        ledger_code=ledger_code,
        period=str(period),
        pairs=[(step.old_number, step.new_number) for step in moved],
        by=by,
        at=at,
        reason=reason,
    )
    appender = chain.Appender(ledger_id)
    appender.add(0, period.key, 0, record)
    appender.write()
    permits = connection.ops.quote_name(RenumberPermit._meta.db_table)
    vouchers = connection.ops.quote_name(Voucher._meta.db_table)
    steps = [(step.voucher_id, step.old_number, RENUMBER_PARKING + step.new_number) for step in moved] + [
        (step.voucher_id, RENUMBER_PARKING + step.new_number, step.new_number) for step in moved
    ]
    this_transaction = "txid_current()" if connection.vendor == "postgresql" else "NULL"
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {permits} (ledger_id, voucher_id, from_number, to_number, transaction_id)"
            f" VALUES (%s, %s, %s, %s, {this_transaction})",
            [(ledger_id, *step) for step in steps],
        )
        for start in (0, len(moved)):  # parked first, then home
            cursor.executemany(
                f"UPDATE {vouchers} SET number = %s WHERE id = %s AND number = %s",
                [
                    (to_number, voucher_id, from_number)
                    for voucher_id, from_number, to_number in steps[start : start + len(moved)]
                ],
            )
        cursor.execute(
            f"DELETE FROM {permits} WHERE voucher_id IN ({', '.join(['%s'] * len(moved))})",
            [step.voucher_id for step in moved],
        )
    return moved, appender.size
