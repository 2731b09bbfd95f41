"""The reading side of a voucher import: rows in, each voucher checked with the entry form's
rules, checked batches out to whoever writes them (``writing`` here, or across a pipe from the
reading process of ``apart``)."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from villagebooks.common.errors import DomainError, FieldProblem, NotPermitted
from villagebooks.common.money import MoneyError
from villagebooks.common.tabular import picker as _picker
from villagebooks.ledger import errors as E
from villagebooks.ledger.access import Action, require
from villagebooks.ledger.domain.periods import latest_voucher_date
from villagebooks.ledger.domain.vouchers import (
    LineInput,
    check_line,
    check_voucher,
)
from villagebooks.ledger.importing.batches import (
    _COPY_ESCAPES,
    _COPY_NULL,
    _copy_text_around_number,
    _LedgerSummary,
    _WriteBatch,
)
from villagebooks.ledger.importing.cells import _date, _fen, _names_that_fit, _sha256, _table_open
from villagebooks.ledger.importing.columns import COLUMN_POSITIONS, VOUCHER_COLUMNS, VOUCHER_REQUIRED
from villagebooks.ledger.importing.messages import (
    BAD_AMOUNT,
    BAD_DATE,
    DATE_MISMATCH,
    DATE_REQUIRED,
    DUPLICATE_KEY,
    KEY_EXISTS,
    KEY_REQUIRED,
    KEY_TOO_LONG,
    LEDGER_REQUIRED,
    MAX_PROBLEMS,
    NO_ROWS,
    OTHER_LEDGER,
    TOO_MANY_LINES,
    ImportFailed,
    _problems_in_order,
)
from villagebooks.ledger.importing.sql import _existing_keys, _voucher_ids
from villagebooks.ledger.models import (
    Ledger,
    LedgerStatus,
    Period,
    PeriodStatus,
    Voucher,
    VoucherKind,
    VoucherStatus,
)
from villagebooks.ledger.posting import BatchPosting
from villagebooks.ledger.services import (
    LedgerDirectory,
    ledger_successor,
    period_for_date,
)

# Where each column's text is in a row as ``picker`` hands it over (the order of VOUCHER_COLUMNS).
_LEDGER, _VOUCHER, _DATE, _SUMMARY, _ACCOUNT, _DEBIT, _CREDIT, _FUND, _COUNTERPARTY, _PROJECT = (
    COLUMN_POSITIONS[name]
    for name in (
        "ledger",
        "voucher",
        "date",
        "summary",
        "account",
        "debit",
        "credit",
        "fund",
        "counterparty",
        "project",
    )
)

# Vouchers per write batch. 400 keeps every IN (...) list of a batch under SQLite's default
# limit of 999 query parameters; bigger batches gain little.
BATCH_SIZE = 400
MAX_LINES = 999


@dataclass
class _LedgerState:
    """What one import knows about one ledger named in the file."""

    code: str
    ledger: Ledger | None
    problem: str = ""  # why none of its vouchers can be imported
    directory: LedgerDirectory | None = None  # None when the ledger must not be looked into
    periods: dict[tuple[int, int], Period | DomainError] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # voucher key → its first row
    vouchers: int = 0
    lines: int = 0
    # What looks a period up in the import's transaction (the writing process's, when apart).
    period_for_date: Callable[[Ledger, date], Period] | None = None

    def period(self, day: date) -> Period | DomainError:
        month = (day.year, day.month)
        if not self.periods and self.ledger is not None:
            # The ledger's open months in one query; anything else takes the full rules below
            # (a month of a year beyond the next, opened before that rule was, too).
            self.periods = {
                (p.year, p.month): p
                for p in Period.objects.filter(
                    ledger=self.ledger,
                    status=PeriodStatus.OPEN,
                    year__gte=self.ledger.carried_year,
                    year__lte=latest_voucher_date(timezone.localdate()).year,
                ).exclude(year=self.ledger.start_year, month__lt=self.ledger.start_month)
            }
            successor = ledger_successor(self.ledger)
            if successor is not None:  # converted: from the new ledger's start, the full rules say no
                start = (successor.start_year, successor.start_month)
                self.periods = {key: period for key, period in self.periods.items() if key < start}
        if month not in self.periods:
            try:
                self.periods[month] = self.period_for_date(self.ledger, day)
            except DomainError as exc:
                self.periods[month] = exc
        return self.periods[month]


@dataclass
class _PendingVoucher:
    state: _LedgerState
    key: str
    first_row: int
    writable: bool = True  # False once it has a problem: its rows are checked, it is never written
    repeated: bool = False  # its key came before in the file
    date: date | None = None
    date_row: int = 0
    lines: list[LineInput] = field(default_factory=list)
    bad_amount_rows: set[int] = field(default_factory=set)
    period: Period | None = None


class _VoucherImport:
    """The reading side of an import: rows in, checked batches out (to ``write_batch``)."""

    # Lines handed over as the text of a COPY, formatted here: the reading process of an import
    # done apart has time for it, the writing one has not.
    lines_as_copy_text = False

    def __init__(
        self,
        *,
        actor,
        post: bool,
        create_missing: bool,
        write_batch: Callable[[_WriteBatch], None],
        only_ledger: str | None = None,
    ):
        self.actor = actor
        self.only_ledger = only_ledger
        self.post = post
        self.create_missing = create_missing
        self.write_batch = write_batch
        self.ledgers: dict[str, _LedgerState] = {}
        self.problems: list[FieldProblem] = []
        self.problems_dropped = 0
        self.current: _PendingVoucher | None = None
        self.batch: list[_PendingVoucher] = []
        self.rows_read = 0
        self.source: tuple[str, str] = ("", "")  # the file's name and SHA-256, set by _read_file

    # What the import's own transaction must answer: periods that may have to be created, and
    # (with create_missing) funds and counterparties. The reading process of an import done
    # apart overrides these to ask the writing process.
    def period_for_date(self, ledger: Ledger, day: date) -> Period:
        return period_for_date(ledger, day, actor=self.actor)

    def directory_for(self, ledger: Ledger) -> LedgerDirectory:
        return LedgerDirectory.load(ledger)

    def report(self, field_name: str, message: str, row: int | None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(FieldProblem(field_name, message, row))
        else:
            self.problems_dropped += 1

    # -- reading rows

    def ledger_state(self, code: str) -> _LedgerState:
        state = self.ledgers.get(code)
        if state is not None:
            return state
        ledger = Ledger.objects.filter(code=code).first()
        state = _LedgerState(code=code, ledger=ledger, period_for_date=self.period_for_date)
        self.ledgers[code] = state
        if self.only_ledger is not None and code != self.only_ledger:
            state.ledger = None
            state.problem = OTHER_LEDGER.format(code=code, only=self.only_ledger)
            return state
        if ledger is None:
            state.problem = E.UNKNOWN_LEDGER.format(code=code)
            return state
        try:
            require(self.actor, ledger, Action.PREPARE)
            if self.post:
                require(self.actor, ledger, Action.POST)
            if self.create_missing:  # creating funds and counterparties is setting the ledger up
                require(self.actor, ledger, Action.SETUP)
        except NotPermitted as exc:
            state.problem = exc.problems[0].message
            return state
        state.directory = self.directory_for(ledger)
        if ledger.status != LedgerStatus.ACTIVE:
            state.problem = E.LEDGER_NOT_ACTIVE
        return state

    def row(self, number: int, cells: list[str]) -> None:
        """One row: the texts of its cells in the order of VOUCHER_COLUMNS (see ``COLUMN_POSITIONS``)."""
        ledger_code, key = cells[_LEDGER], cells[_VOUCHER]
        if not ledger_code or not key:
            if any(cells):  # rows with nothing in them do not count
                if not ledger_code:
                    self.report("ledger", LEDGER_REQUIRED, number)
                if not key:
                    self.report("voucher", KEY_REQUIRED, number)
            return
        pending = self.current
        if pending is None or pending.key != key or pending.state.code != ledger_code:
            self.voucher_end()
            state = self.ledger_state(ledger_code)
            pending = self.current = _PendingVoucher(state=state, key=key, first_row=number)
            first = state.seen.get(key)
            if first is not None:
                self.report("voucher", DUPLICATE_KEY.format(key=key, row=first), number)
                pending.writable = False
                pending.repeated = True
            else:
                state.seen[key] = number
        day = _date(cells[_DATE])
        if day is None:
            text = cells[_DATE]
            self.report("date", BAD_DATE.format(value=text) if text else DATE_REQUIRED, number)
        elif pending.date is None:
            pending.date, pending.date_row = day, number
        elif day != pending.date:
            first_day = pending.date.isoformat()
            self.report(
                "date",
                DATE_MISMATCH.format(date=day.isoformat(), row=pending.date_row, first=first_day),
                number,
            )
        try:
            debit = _fen(cells[_DEBIT])
        except MoneyError as exc:
            debit = 0
            pending.bad_amount_rows.add(number)
            self.report("debit", BAD_AMOUNT.format(reason=exc, value=cells[_DEBIT]), number)
        try:
            credit = _fen(cells[_CREDIT])
        except MoneyError as exc:
            credit = 0
            pending.bad_amount_rows.add(number)
            self.report("credit", BAD_AMOUNT.format(reason=exc, value=cells[_CREDIT]), number)
        if len(pending.lines) >= MAX_LINES:
            # Keeps the memory of one voucher bounded too; reported once.
            if pending.writable:
                self.report("lines", TOO_MANY_LINES.format(limit=MAX_LINES), number)
            pending.writable = False
            return
        pending.lines.append(
            LineInput(
                summary=cells[_SUMMARY],
                account_code=cells[_ACCOUNT],
                debit_fen=debit,
                credit_fen=credit,
                fund_name=cells[_FUND],
                counterparty_name=cells[_COUNTERPARTY],
                row=number,
                project_code=cells[_PROJECT],
            )
        )

    def voucher_end(self) -> None:
        """Check the voucher whose rows are complete and queue it for writing."""
        pending, self.current = self.current, None
        if pending is None:
            return
        state = pending.state
        problems: list[FieldProblem] = []
        if state.problem:
            problems.append(FieldProblem("ledger", state.problem, pending.first_row))
        if len(pending.key) > 64:
            problems.append(FieldProblem("voucher", KEY_TOO_LONG, pending.first_row))
        lines = pending.lines
        if pending.bad_amount_rows:
            # Without every amount the sum means nothing; check the lines that were read.
            problems += [
                p for line in lines if line.row not in pending.bad_amount_rows for p in check_line(line)
            ]
        else:
            problems += check_voucher(lines)
        if state.directory is not None:
            if pending.date is not None:
                period = state.period(pending.date)
                if isinstance(period, DomainError):
                    problems += [FieldProblem(p.field, p.message, pending.date_row) for p in period.problems]
                else:
                    pending.period = period
            named = _names_that_fit(lines, problems)
            problems += state.directory.resolve(named, create_missing=self.create_missing)
        for problem in problems:
            self.report(problem.field, problem.message, problem.row)
        if state.directory is None:
            return
        # Queued even when it has problems: the batch's query for keys imported before must
        # see it too. A batch is written only while no problem at all has been found.
        pending.writable = pending.writable and not problems and pending.period is not None
        self.batch.append(pending)
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    # -- handing batches over

    def flush(self) -> None:
        """Refuse keys imported before; hand the batch over unless some problem was already found."""
        batch, self.batch = self.batch, []
        if not batch:
            return
        # A key repeated in the file is reported as such, not as imported before (by this import).
        first_times = [p for p in batch if not p.repeated]
        existing = _existing_keys({(p.state.ledger.id, p.key) for p in first_times}) if first_times else set()
        for pending in first_times:
            if (pending.state.ledger.id, pending.key) in existing:
                self.report("voucher", KEY_EXISTS.format(key=pending.key), pending.first_row)
        if self.problems or self.problems_dropped or not all(p.writable for p in batch):
            return  # everything will be rolled back: keep checking, stop writing
        self.write_batch(self.prepared(batch))

    def prepared(self, batch: list[_PendingVoucher]) -> _WriteBatch:
        """The batch's vouchers and lines as table rows, and its balance movements summed per key."""
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        actor_id = self.actor.pk
        if self.post:
            file_name, sha256 = self.source
            status, reviewed_by, reviewed_at, posted_by, posted_at, source_file, source_sha256 = (
                BatchPosting.posted_values(actor_id=actor_id, now=now, file_name=file_name, sha256=sha256)
            )
        else:
            status = VoucherStatus.SUBMITTED.value
            reviewed_by = reviewed_at = posted_by = posted_at = source_file = source_sha256 = None
        ids = _voucher_ids(len(batch))
        as_copy_text = self.lines_as_copy_text
        normal = VoucherKind.NORMAL.value
        voucher_rows = []
        line_rows = []
        line_text = []  # as COPY's text (PostgreSQL), beside the rows the hooks and the chain read
        # Summed per key here, so BalanceDeltas sees each key once a batch.
        sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        for voucher_id, pending in zip(ids, batch, strict=True):
            state = pending.state
            ledger_id, period = state.ledger.id, pending.period
            period_key = period.key
            directory = state.directory
            accounts, funds, parties = directory.accounts, directory.funds, directory.counterparties
            projects = directory.projects
            lines = pending.lines
            amount = 0
            for number, line in enumerate(lines, start=1):
                account_id = accounts[line.account_code].id
                fund_id = funds.get(line.fund_name)
                party_id = parties.get(line.counterparty_name)
                project_id = projects.get(line.project_code) if line.project_code else None
                debit, credit = line.debit_fen, line.credit_fen
                amount += debit
                row = (
                    ledger_id,
                    voucher_id,
                    number,
                    line.summary,
                    account_id,
                    debit,
                    credit,
                    fund_id,
                    party_id,
                    project_id,
                )
                if as_copy_text:
                    fund_text = _COPY_NULL if fund_id is None else fund_id
                    party_text = _COPY_NULL if party_id is None else party_id
                    project_text = _COPY_NULL if project_id is None else project_id
                    summary = line.summary.translate(_COPY_ESCAPES)
                    line_text.append(
                        f"{ledger_id}\t{voucher_id}\t{number}\t{summary}\t{account_id}\t{debit}\t{credit}"
                        f"\t{fund_text}\t{party_text}\t{project_text}\n"
                    )
                line_rows.append(row)
                amounts = sums[(ledger_id, account_id, period_key, fund_id or 0, party_id or 0)]
                amounts[0] += debit
                amounts[1] += credit
            voucher_rows.append(
                (
                    voucher_id,
                    ledger_id,
                    period.id,
                    ops.adapt_datefield_value(pending.date),
                    None,  # the number: the writing side gives it, under the period's lock
                    status,
                    normal,
                    lines[0].summary[:200],
                    pending.key,
                    amount,
                    0,
                    actor_id,
                    now,
                    reviewed_by,
                    reviewed_at,
                    posted_by,
                    posted_at,
                    now,
                    now,
                    source_file,
                    source_sha256,
                )
            )
            state.vouchers += 1
            state.lines += len(lines)
        return _WriteBatch(
            voucher_rows=list(map(_copy_text_around_number, voucher_rows)) if as_copy_text else voucher_rows,
            period_ids=[pending.period.id for pending in batch],
            date_rows=[pending.date_row for pending in batch],
            line_rows="".join(line_text).encode() if as_copy_text else line_rows,
            # The writing side reads these instead of parsing the COPY text back: pickled, a row
            # costs a microsecond on either side; parsed back, ten on the writing side.
            plain_rows=(voucher_rows, line_rows) if as_copy_text else None,
            balance_sums=dict(sums),  # a plain dict: a defaultdict's lambda would not pickle
            rows_read=self.rows_read,
        )

    def finish(self) -> list[_LedgerSummary]:
        """The last batch handed over; every problem of the file raised, or what each ledger got."""
        self.voucher_end()
        self.flush()
        if not self.ledgers and not self.problems:
            self.report("file", NO_ROWS, None)
        if self.problems or self.problems_dropped:
            raise ImportFailed(problems=_problems_in_order(self.problems, self.problems_dropped))
        return [
            _LedgerSummary(
                code=state.code,
                ledger_id=state.ledger.pk,
                vouchers=state.vouchers,
                lines=state.lines,
                created_funds=state.directory.created_funds,
                created_counterparties=state.directory.created_counterparties,
            )
            for state in self.ledgers.values()
        ]


def progress_bar(progress: bool) -> tqdm:
    """The import's progress bar on standard error, counting rows; hidden unless ``progress``."""
    return tqdm(unit="行", desc="导入凭证", file=sys.stderr, disable=not progress)


def _read_file(run: _VoucherImport, path: Path, bar: tqdm) -> list[_LedgerSummary]:
    """Every row of the file through ``run``; ``bar`` counts them (its total set from the file)."""
    if run.post:
        run.source = (path.name[: Voucher._meta.get_field("source_file").max_length], _sha256(path))
    with _table_open(path, VOUCHER_COLUMNS, VOUCHER_REQUIRED) as table:
        bar.total = table.total_rows
        pick = _picker(table.columns, VOUCHER_COLUMNS)
        try:
            for number, cells in table.rows:
                run.rows_read += 1
                run.row(number, pick(cells))
                bar.update()
        except ImportFailed as exc:  # the file broke off: report it with the rest
            for problem in exc.problems:
                run.report(problem.field, problem.message, problem.row)
        bar.total = bar.n  # the estimate was only an estimate: end at 100 %
        bar.refresh()
    return run.finish()
