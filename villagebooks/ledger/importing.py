"""Importing vouchers and opening balances from the files users bring (CSV or XLSX).

An import is all or nothing: the whole file runs in one transaction and, if any row is wrong,
nothing is written and every bad row is reported (row 1 is the header row, as a spreadsheet
numbers it). Files are read as a stream: memory holds the current voucher's rows, one write
batch and a little state per ledger (its directory of accounts, funds and counterparties and
the voucher keys seen), never the whole file, so a county's year imports like a village's
month. Vouchers are checked with the same pure rules as the entry form
(``domain.vouchers.check_voucher``, ``LedgerDirectory.resolve``) and written in batches that
reserve their numbers per period under the period's row lock, so posted numbers stay 1, 2, 3 …
in file order with no gap. A voucher's key from the file is kept in ``Voucher.external_key``,
and the same source voucher is refused a second time.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, FieldProblem, NotPermitted
from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.common.tabular import (  # noqa: F401  (the file messages, for the tests)
    BROKEN_CSV,
    DUPLICATE_COLUMN,
    EMPTY_FILE,
    MISSING_COLUMNS,
    NOT_FOUND,
    NOT_TEXT,
    NOT_XLSX,
    OLD_XLS,
    UNKNOWN_ENCODING,
    UTF16,
    WRONG_FILE_TYPE,
    XLSX_AS_CSV,
    Table,
    TableError,
    table_open,
)
from villagebooks.common.tabular import picker as _picker
from villagebooks.ledger import errors as E
from villagebooks.ledger.access import Action, require
from villagebooks.ledger.domain.periods import latest_voucher_date
from villagebooks.ledger.domain.vouchers import (
    BOTH_SIDES,
    EMPTY_ACCOUNT,
    LineInput,
    check_line,
    check_voucher,
)
from villagebooks.ledger.models import (
    AccountBalance,
    Ledger,
    LedgerStatus,
    Period,
    PeriodStatus,
    Voucher,
    VoucherKind,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.ledger.posting import BatchPosting, LineToPost, VoucherToPost
from villagebooks.ledger.services import (
    LedgerDirectory,
    OpeningInput,
    opening_balances_set,
    period_for_date,
)

# What users read (tests import these).
NO_ROWS = _("文件中没有凭证数据")
LEDGER_REQUIRED = _("账套不能为空")
KEY_REQUIRED = _("凭证号不能为空")
KEY_TOO_LONG = _("凭证号不能超过64个字符")
DUPLICATE_KEY = _("凭证号 {key} 在文件中重复（第{row}行已出现）；同一凭证的各行必须连续")
KEY_EXISTS = _("凭证号 {key} 已导入过本账套，同一凭证不能重复导入")
BAD_DATE = _("日期“{value}”无效，应为 2025-03-05 这样的日期")
DATE_REQUIRED = _("日期不能为空")
DATE_MISMATCH = _("同一凭证的日期必须相同：本行为 {date}，第{row}行为 {first}")
BAD_AMOUNT = "{reason}：{value}"
TOO_MANY_LINES = _("一张凭证最多 {limit} 条分录")
NAME_TOO_LONG = _("名称不能超过{limit}个字")
CONCURRENT_CHANGE = _("导入时账套被同时修改（{error}），未写入任何数据，请重试")
MORE_PROBLEMS = _("另有 {count} 处问题未列出")

# Canonical column names, and the headers accepted for each (compared without case or spaces).
VOUCHER_COLUMNS = {
    "ledger": ("ledger", "账套"),
    "voucher": ("voucher", "凭证号"),
    "date": ("date", "日期"),
    "summary": ("summary", "摘要"),
    "account": ("account", "科目"),
    "debit": ("debit", "借方"),
    "credit": ("credit", "贷方"),
    "fund": ("fund", "资金来源"),
    "counterparty": ("counterparty", "往来单位"),
}
VOUCHER_REQUIRED = ("ledger", "voucher", "date", "summary", "account", "debit", "credit")
OPENING_COLUMNS = {
    name: VOUCHER_COLUMNS[name] for name in ("account", "debit", "credit", "fund", "counterparty")
}
OPENING_REQUIRED = ("account", "debit", "credit")
# How a problem's field is shown to users, beside its column name.
FIELD_LABELS = {
    "ledger": _("账套"),
    "voucher": _("凭证号"),
    "date": _("日期"),
    "summary": _("摘要"),
    "account": _("科目"),
    "debit": _("借方"),
    "credit": _("贷方"),
    "fund": _("资金来源"),
    "counterparty": _("往来单位"),
    "header": _("表头"),
    "file": _("文件"),
    "lines": _("凭证"),
}

# Vouchers per write batch. 400 keeps every IN (...) list of a batch under SQLite's default
# limit of 999 query parameters; bigger batches gain little.
BATCH_SIZE = 400
MAX_LINES = 999
# Lines imported from which, on PostgreSQL, the tables' statistics are refreshed afterwards.
ANALYZE_AFTER_LINES = 10_000
NAME_LIMIT = 100  # Fund.name and Counterparty.name
# Problems kept in full; beyond this a file is surely the wrong one and only the count is kept,
# so that a bad file of a million rows cannot fill memory with messages.
MAX_PROBLEMS = 10_000


@dataclass(frozen=True)
class ImportResult:
    vouchers: int
    lines: int
    posted: int
    created_funds: list[str]  # "ledger_code:name"
    created_counterparties: list[str]


class ImportFailed(DomainError):
    """Nothing was imported; ``problems`` lists every bad row (row 1 is the header row)."""

    code = "import_failed"


def describe_problems(problems: list[FieldProblem], *, limit: int = 200) -> list[str]:
    """Problems as lines for a terminal, at most ``limit`` and a count of the rest."""
    lines = []
    for problem in problems[:limit]:
        where = gettext("第{row}行 ").format(row=problem.row) if problem.row is not None else ""
        label = FIELD_LABELS.get(problem.field, problem.field)
        text = (
            gettext("{label}：{message}").format(label=label, message=problem.message)
            if label
            else problem.message
        )
        lines.append(f"{where}{text}")
    if len(problems) > limit:
        lines.append("……" + MORE_PROBLEMS.format(count=len(problems) - limit))
    return lines


# ---------------------------------------------------------------------------------------------
# Reading files: common.tabular reads them; its problems become this import's ImportFailed.


@contextmanager
def _table_open(path: Path, aliases, required: tuple[str, ...]) -> Iterator[Table]:
    try:
        with table_open(path, aliases, required) as table:
            yield table
    except TableError as error:
        raise ImportFailed(problems=error.problems) from error


# The common amount, digits with up to two decimals, in integer arithmetic: an import reads
# hundreds of thousands of them. Anything else goes to money.yuan_to_fen, which owns the rules
# (12 digits of yuan stay below money.MAX_FEN; its maximum itself has 13).
_PLAIN_AMOUNT = re.compile(r"(\d{1,12})(?:\.(\d{1,2}))?")


def _fen(text: str) -> int:
    """An amount cell's text in fen; empty is 0. Raises MoneyError (Chinese message)."""
    if not text:
        return 0
    plain = _PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:
        whole, cents = plain.groups()
        return int(whole) * 100 + (int(cents.ljust(2, "0")) if cents else 0)
    return yuan_to_fen(text)


_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


@lru_cache(maxsize=4096)
def _date(text: str) -> date | None:
    """A date cell's text: 2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, 20250305 (a time may follow)."""
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _names_that_fit(lines: list[LineInput], problems: list[FieldProblem]) -> list[LineInput]:
    """The lines whose fund and counterparty names fit their columns; the others as problems.

    A name that does not fit is in no ledger, and must not reach ``--create-missing``.
    """
    limit = NAME_LIMIT
    if all(len(line.fund_name) <= limit and len(line.counterparty_name) <= limit for line in lines):
        return lines  # as good as always
    fitting = []
    for line in lines:
        too_long = [
            (field_name, name)
            for field_name, name in (("fund", line.fund_name), ("counterparty", line.counterparty_name))
            if len(name) > limit
        ]
        for field_name, _name in too_long:
            problems.append(FieldProblem(field_name, NAME_TOO_LONG.format(limit=limit), line.row))
        if not too_long:
            fitting.append(line)
    return fitting


# ---------------------------------------------------------------------------------------------
# Vouchers


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


# Vouchers and lines are written with plain SQL over prepared tuples: building a model
# instance and letting bulk_create prepare every value cost more than everything else an
# import does (7 of 12 seconds for 5,000 vouchers), and compiling an ORM query with a
# 400-item IN list costs ten times running it. Table and column names come from the models.
_VOUCHER_FIELDS = (
    "id",
    "ledger",
    "period",
    "date",
    "number",
    "status",
    "kind",
    "note",
    "external_key",
    "amount_fen",
    "attachment_count",
    "prepared_by",
    "submitted_at",
    "reviewed_by",
    "reviewed_at",
    "posted_by",
    "posted_at",
    "created_at",
    "updated_at",
    "source_file",
    "source_sha256",
)
_LINE_FIELDS = (
    "ledger",
    "voucher",
    "line_no",
    "summary",
    "account",
    "debit_fen",
    "credit_fen",
    "fund",
    "counterparty",
)


# COPY's text format (PostgreSQL): tab-separated, \N for NULL, and these characters escaped.
_COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _insert(cursor, model, fields: tuple[str, ...], rows: list[tuple] | bytes) -> None:
    """INSERT ``rows`` (values in the order of ``fields``, or already as COPY's text)."""
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    if connection.vendor == "postgresql":
        # COPY: no statement to parse or plan and no parameter arrays to build; psycopg formats
        # the rows in C. It fires the same triggers and checks the same constraints as INSERT.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            if isinstance(rows, bytes):
                copy.write(rows)
                return
            write_row = copy.write_row
            for row in rows:
                write_row(row)
        return
    # SQLite runs in-process: executemany steps one prepared statement in a C loop.
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", rows)


def _existing_keys(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (ledger id, external key) pairs among these that are already in the books."""
    quote = connection.ops.quote_name
    select = f"SELECT {quote('ledger_id')}, {quote('external_key')} FROM {quote(Voucher._meta.db_table)}"
    ledger_ids, keys = (list(column) for column in zip(*pairs, strict=True))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Each pair is looked up on its own (LATERAL … LIMIT 1), by the unique index. As a
            # join (… IN (…)), the plan for a table without statistics yet, as in a county's
            # first import, read the whole table for every batch: quadratic time. Two array
            # parameters also spare psycopg scanning a statement of 400 placeholders.
            cursor.execute(
                "SELECT pair.ledger_id, pair.key FROM unnest(%s::bigint[], %s::varchar[]) AS pair(ledger_id, key),"
                f" LATERAL ({select} WHERE {quote('ledger_id')} = pair.ledger_id"
                f" AND {quote('external_key')} = pair.key LIMIT 1) AS found",
                [ledger_ids, keys],
            )
        else:
            distinct_ledgers, distinct_keys = set(ledger_ids), set(keys)
            cursor.execute(
                f"{select} WHERE {quote('ledger_id')} IN ({', '.join(['%s'] * len(distinct_ledgers))})"
                f" AND {quote('external_key')} IN ({', '.join(['%s'] * len(distinct_keys))})",
                [*distinct_ledgers, *distinct_keys],
            )
        return set(cursor.fetchall()) & pairs


def _voucher_ids(count: int) -> list[int]:
    """Ids for ``count`` new vouchers, taken before they are inserted (their lines go in first)."""
    table = Voucher._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the import's transaction holds the write lock (settings: IMMEDIATE), so no one
        # else takes ids meanwhile; were it not so, the primary key would refuse a clash and the
        # import would fail whole. sqlite_sequence is AUTOINCREMENT's high-water mark, so an id
        # deleted before is never given again; SQLite moves it on as the explicit ids go in.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row is None:  # no voucher was ever inserted
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(table)}")
            row = cursor.fetchone()
        return list(range(row[0] + 1, row[0] + 1 + count))


@dataclass
class _WriteBatch:
    """One batch as the reading side hands it to the writing side: rows ready for the tables.

    Plain tuples, so that a batch crosses to another process cheaply (see ``import_process``).
    """

    # In the order of _VOUCHER_FIELDS with the number (index 4) still None; or, as COPY's text
    # (PostgreSQL), each voucher's text before the number and after it.
    voucher_rows: list[tuple]
    period_ids: list[int]  # each voucher's period, to number it
    date_rows: list[int]  # each voucher's date row, to report a period closed meanwhile
    line_rows: list[tuple] | bytes  # in the order of _LINE_FIELDS, or as COPY's text
    balance_sums: dict[tuple, list[int]]  # BalanceKey without is_closing → [debit, credit]
    rows_read: int = 0  # the file's rows read so far, for the progress bar

    def vouchers_numbered(self, numbers: list[int | None]) -> list[tuple] | bytes:
        if isinstance(self.line_rows, bytes):  # formatted as COPY's text, the vouchers too
            return "".join(
                f"{before}{_COPY_NULL if number is None else number}{after}"
                for (before, after), number in zip(self.voucher_rows, numbers, strict=True)
            ).encode()
        return [row[:4] + (number,) + row[5:] for row, number in zip(self.voucher_rows, numbers, strict=True)]

    def to_post(self, numbers: list[int] | None) -> list[VoucherToPost]:
        """The batch as posting's chain and hooks see it."""
        if isinstance(self.line_rows, bytes):
            vouchers = [
                [_copy_value(text) for text in (before + "\\N" + after).rstrip("\n").split("\t")]
                for before, after in self.voucher_rows
            ]
            lines = [
                [_copy_value(text) for text in row.split("\t")]
                for row in self.line_rows.decode().split("\n")
                if row
            ]
        else:
            vouchers, lines = self.voucher_rows, self.line_rows
        by_voucher: dict[int, list[LineToPost]] = defaultdict(list)
        for _ledger, voucher_id, line_no, summary, account, debit, credit, fund, party in lines:
            by_voucher[int(voucher_id)].append(
                LineToPost(
                    line_no=int(line_no),
                    summary=summary,
                    account_id=int(account),
                    debit_fen=int(debit),
                    credit_fen=int(credit),
                    fund_id=None if fund is None else int(fund),
                    counterparty_id=None if party is None else int(party),
                )
            )
        return [
            VoucherToPost(
                ledger_id=int(row[1]),
                voucher_id=int(row[0]),
                period_id=int(row[2]),
                date=date.fromisoformat(str(row[3])),
                kind=row[6],
                external_key=row[8],
                lines=tuple(by_voucher[int(row[0])]),
                number=None if numbers is None else numbers[index],
                note=row[7],
                prepared_by_id=_optional_int(row[11]),
                reviewed_by_id=_optional_int(row[13]),
                posted_by_id=_optional_int(row[15]),
                source_file=row[19],
                source_sha256=row[20],
            )
            for index, row in enumerate(vouchers)
        ]


def _optional_int(value) -> int | None:
    return None if value is None else int(value)


def _copy_text(value) -> str:
    """One value in COPY's text format (dates and timestamps as ISO 8601, which PostgreSQL reads)."""
    if value is None:
        return _COPY_NULL
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return str(value)


_COPY_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def _copy_value(text: str) -> str | None:
    """One value of COPY's text format back (the reverse of ``_copy_text``, as a string)."""
    if text == _COPY_NULL:
        return None
    if "\\" not in text:  # nearly every value: the chain reads every batch back (ledger/chain.py)
        return text
    return re.sub(r"\\[\\tnr]", lambda match: _COPY_UNESCAPES[match.group()], text)


def _copy_text_around_number(row: tuple) -> tuple[str, str]:
    """A voucher row as COPY's text, before its number (index 4) and after it."""
    texts = [_copy_text(value) for value in row]
    return "\t".join(texts[:4]) + "\t", "\t" + "\t".join(texts[5:]) + "\n"


@dataclass
class _LedgerSummary:
    """What an import did to one ledger: for its audit record and the result."""

    code: str
    ledger_id: int
    vouchers: int
    lines: int
    created_funds: list[str]
    created_counterparties: list[str]


class _VoucherImport:
    """The reading side of an import: rows in, checked batches out (to ``write_batch``)."""

    # Lines handed over as the text of a COPY, formatted here: the reading process of an import
    # done apart has time for it, the writing one has not.
    lines_as_copy_text = False

    def __init__(
        self, *, actor, post: bool, create_missing: bool, write_batch: Callable[[_WriteBatch], None]
    ):
        self.actor = actor
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
        """One row: the texts of its cells in the order of VOUCHER_COLUMNS."""
        ledger_code, key = cells[0], cells[1]
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
        day = _date(cells[2])
        if day is None:
            text = cells[2]
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
            debit = _fen(cells[5])
        except MoneyError as exc:
            debit = 0
            pending.bad_amount_rows.add(number)
            self.report("debit", BAD_AMOUNT.format(reason=exc, value=cells[5]), number)
        try:
            credit = _fen(cells[6])
        except MoneyError as exc:
            credit = 0
            pending.bad_amount_rows.add(number)
            self.report("credit", BAD_AMOUNT.format(reason=exc, value=cells[6]), number)
        if len(pending.lines) >= MAX_LINES:
            # Keeps the memory of one voucher bounded too; reported once.
            if pending.writable:
                self.report("lines", TOO_MANY_LINES.format(limit=MAX_LINES), number)
            pending.writable = False
            return
        pending.lines.append(
            LineInput(
                summary=cells[3],
                account_code=cells[4],
                debit_fen=debit,
                credit_fen=credit,
                fund_name=cells[7],
                counterparty_name=cells[8],
                row=number,
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
        # Summed per key here, so BalanceDeltas sees each key once a batch.
        sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        for voucher_id, pending in zip(ids, batch, strict=True):
            state = pending.state
            ledger_id, period = state.ledger.id, pending.period
            period_key = period.key
            directory = state.directory
            accounts, funds, parties = directory.accounts, directory.funds, directory.counterparties
            lines = pending.lines
            amount = 0
            for number, line in enumerate(lines, start=1):
                account_id = accounts[line.account_code].id
                fund_id = funds.get(line.fund_name)
                party_id = parties.get(line.counterparty_name)
                debit, credit = line.debit_fen, line.credit_fen
                amount += debit
                if as_copy_text:
                    fund_text = _COPY_NULL if fund_id is None else fund_id
                    party_text = _COPY_NULL if party_id is None else party_id
                    summary = line.summary.translate(_COPY_ESCAPES)
                    line_rows.append(
                        f"{ledger_id}\t{voucher_id}\t{number}\t{summary}\t{account_id}\t{debit}\t{credit}"
                        f"\t{fund_text}\t{party_text}\n"
                    )
                else:
                    line_rows.append(
                        (
                            ledger_id,
                            voucher_id,
                            number,
                            line.summary,
                            account_id,
                            debit,
                            credit,
                            fund_id,
                            party_id,
                        )
                    )
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
            line_rows="".join(line_rows).encode() if as_copy_text else line_rows,
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


def _problems_in_order(problems: list[FieldProblem], dropped: int) -> list[FieldProblem]:
    ordered = sorted(problems, key=lambda p: p.row or 0)
    if dropped:
        ordered.append(FieldProblem("", MORE_PROBLEMS.format(count=dropped)))
    return ordered


class _BatchWriter:
    """The writing side of an import: vouchers, lines and (through ``posting``) numbers and
    balances, batch by batch.

    It runs in the import's transaction. After its first problem (a period closed meanwhile)
    it writes nothing more: the transaction will be rolled back.
    """

    def __init__(self, *, post: bool, check_keys_from_batch: int | None = None):
        self.post = post
        # PostgreSQL: check the deferred foreign keys after every batch from this one on, not all
        # at commit. Only worth it while another process reads meanwhile (import_process).
        self.check_keys_from_batch = check_keys_from_batch
        self.stopped = False
        self.batches = 0
        self.vouchers = 0
        self.posting = BatchPosting() if post else None
        self.shared_periods: set[int] = set()  # periods locked shared (unposted vouchers)

    def write(self, batch: _WriteBatch) -> FieldProblem | None:
        """Write the batch, or say why not (it then writes nothing more)."""
        if self.stopped:
            return None
        if self.posting is not None:
            problem = self.posting.post(
                period_ids=batch.period_ids,
                date_rows=batch.date_rows,
                balance_sums=batch.balance_sums,
                write_rows=lambda numbers: self.insert(batch, numbers),
                describe=batch.to_post,
            )
        else:
            problem = self.lock_periods_shared(batch)
            if problem is None:
                self.insert(batch, [None] * len(batch.period_ids))
        if problem is not None:
            self.stopped = True
            return problem
        self.batches += 1
        if self.check_keys_from_batch is not None and self.batches >= self.check_keys_from_batch:
            self.check_keys()
        return None

    def insert(self, batch: _WriteBatch, numbers: list[int | None]) -> None:
        voucher_rows = batch.vouchers_numbered(numbers)
        # Posting: the immutability triggers (migrations 0002, 0003) refuse a line for a voucher
        # that is posted already. So the lines go in first, while their vouchers do not exist
        # yet, and the vouchers follow already posted, numbered and reviewed (no UPDATE flips
        # them afterwards). The line → voucher foreign key is DEFERRABLE INITIALLY DEFERRED,
        # checked at commit, on SQLite and PostgreSQL alike.
        with connection.cursor() as cursor:
            _insert(cursor, VoucherLine, _LINE_FIELDS, batch.line_rows)
            _insert(cursor, Voucher, _VOUCHER_FIELDS, voucher_rows)
        self.vouchers += len(numbers)

    def check_keys(self) -> None:
        """Check the foreign keys of every row written so far, now instead of at commit."""
        with connection.cursor() as cursor:
            if self.batches == self.check_keys_from_batch:
                # The checks look each key up by its index; the planner must know the tables
                # are no longer empty, or it may scan them whole for every key (the third
                # session saw that: 372 s). ANALYZE counts this transaction's own rows.
                _analyze(cursor, Voucher, VoucherLine)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # runs the checks queued so far
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def lock_periods_shared(self, batch: _WriteBatch) -> FieldProblem | None:
        """Unposted vouchers: their months locked shared until the import commits (as
        ``services.period_for_date`` does, see ``services``), so that none closes under them."""
        new = sorted(set(batch.period_ids) - self.shared_periods)
        if not new:
            return None
        table = connection.ops.quote_name(Period._meta.db_table)
        lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
        placeholders = ", ".join(["%s"] * len(new))
        query = f"SELECT * FROM {table} WHERE id IN ({placeholders}) ORDER BY id{lock}"
        for period in Period.objects.raw(query, new):
            if period.status == PeriodStatus.CLOSED:  # closed since the check, by someone else
                row = batch.date_rows[batch.period_ids.index(period.pk)]
                return FieldProblem("date", E.PERIOD_CLOSED.format(period=period), row)
            self.shared_periods.add(period.pk)
        return None

    def finish(self, *, actor, ledgers: list[_LedgerSummary], source: tuple[str, str]) -> ImportResult:
        """Save the periods' counters and record the import in each ledger's audit trail.

        ``source``: the file's name and (when posting) its SHA-256, as the reading side saw them.
        """
        if self.posting is not None:
            self.posting.finish()
        by_id = Ledger.objects.in_bulk([summary.ledger_id for summary in ledgers])
        for summary in ledgers:
            ledger = by_id[summary.ledger_id]
            audit_record(
                actor=actor,
                action="vouchers_import",
                ledger_id=ledger.pk,
                obj=ledger,
                file=source[0],
                vouchers=summary.vouchers,
                lines=summary.lines,
                status=VoucherStatus.POSTED if self.post else VoucherStatus.SUBMITTED,
                prepared_by=actor.username,
                # Posting on import: the vouchers came reviewed from outside, in this file.
                reviewed_by=None,
                reviewed_outside={"file": source[0], "sha256": source[1]} if self.post else None,
                posted_by=actor.username if self.post else None,
                created_funds=summary.created_funds,
                created_counterparties=summary.created_counterparties,
            )
        return ImportResult(
            vouchers=self.vouchers,
            lines=sum(summary.lines for summary in ledgers),
            posted=self.vouchers if self.post else 0,
            created_funds=[f"{s.code}:{name}" for s in ledgers for name in s.created_funds],
            created_counterparties=[f"{s.code}:{name}" for s in ledgers for name in s.created_counterparties],
        )


def vouchers_import(
    *, actor, path: Path, post: bool = False, create_missing: bool = False, progress: bool = False
) -> ImportResult:
    """Import the vouchers of a CSV or XLSX file, all or nothing.

    One row is one line; rows with the same ledger and ``voucher`` key, one after another, are
    one voucher. The vouchers are saved as submitted (待审核), or with ``post`` numbered and
    posted with the importer as preparer, reviewer and poster. With ``create_missing`` funds
    and counterparties the ledger does not know are created (listed in the result).

    A big file on PostgreSQL is read in a second process while this one writes (``import_process``).

    Raises:
        ImportFailed: every problem of the file; nothing was written.
    """
    from villagebooks.ledger import import_process

    path = Path(path)
    two_processes = import_process.worth_it(path)
    try:
        with transaction.atomic():
            if two_processes:
                result = import_process.vouchers_import_reading_apart(
                    actor=actor, path=path, post=post, create_missing=create_missing, progress=progress
                )
            else:
                result = _vouchers_import_here(
                    actor=actor, path=path, post=post, create_missing=create_missing, progress=progress
                )
            if progress:  # on PostgreSQL the keys are checked at commit: a county's takes half a minute
                print(gettext("正在检查并保存……"), file=sys.stderr, flush=True)
    except IntegrityError as exc:
        # Only a concurrent writer gets here (say, the same file imported twice at once): the
        # checks above already refuse everything the constraints would.
        raise ImportFailed(problems=[FieldProblem("file", CONCURRENT_CHANGE.format(error=exc))]) from exc
    if result.lines >= ANALYZE_AFTER_LINES and connection.vendor == "postgresql":
        # A county's first import fills empty tables, and until PostgreSQL gathers statistics
        # (autovacuum, if it is on, does so later) it plans queries as if they were still empty.
        with connection.cursor() as cursor:
            _analyze(cursor, Voucher, VoucherLine, AccountBalance)
    return result


def _analyze(cursor, *models) -> None:
    """Refresh PostgreSQL's statistics of these tables (their rows of this transaction count too).

    Only a table's owner may ANALYZE it; an app role that owns nothing (common/database_roles.py)
    calls the owner's function for it, else PostgreSQL would skip the tables with a warning.
    """
    tables = [m._meta.db_table for m in models]
    cursor.execute("SELECT to_regprocedure('villagebooks_analyze(regclass[])') IS NOT NULL")
    if cursor.fetchone()[0]:
        cursor.execute("SELECT villagebooks_analyze(%s::regclass[])", [tables])
    else:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


def progress_bar(progress: bool) -> tqdm:
    """The import's progress bar on standard error, counting rows; hidden unless ``progress``."""
    return tqdm(unit="行", desc="导入凭证", file=sys.stderr, disable=not progress)


def _vouchers_import_here(
    *, actor, path: Path, post: bool, create_missing: bool, progress: bool
) -> ImportResult:
    """Read and write in this process, in the caller's transaction."""
    writer = _BatchWriter(post=post)

    def write_batch(batch: _WriteBatch) -> None:
        problem = writer.write(batch)
        if problem is not None:  # the reader stops handing batches over, and reads on
            run.report(problem.field, problem.message, problem.row)

    run = _VoucherImport(actor=actor, post=post, create_missing=create_missing, write_batch=write_batch)
    with progress_bar(progress) as bar:
        ledgers = _read_file(run, path, bar)
    return writer.finish(actor=actor, ledgers=ledgers, source=(path.name, run.source[1]))


def _sha256(path: Path) -> str:
    """The file's SHA-256, which an imported voucher records (a missing file fails at reading)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


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


# ---------------------------------------------------------------------------------------------
# Opening balances


def opening_import(*, actor, ledger_code: str, path: Path, create_missing: bool = False) -> Ledger:
    """Set a ledger's opening balances from a file (``account,debit,credit,fund,counterparty``).

    The rows go to ``services.opening_balances_set``, which checks that they balance and
    activates the ledger.

    Raises:
        ImportFailed: every bad row; nothing was written.
    """
    ledger = Ledger.objects.filter(code=ledger_code).first()
    if ledger is None:
        raise ImportFailed(problems=[FieldProblem("ledger", E.UNKNOWN_LEDGER.format(code=ledger_code))])
    try:
        require(actor, ledger, Action.SETUP)
    except NotPermitted as exc:
        raise ImportFailed(problems=[FieldProblem("ledger", exc.problems[0].message)]) from exc
    rows: list[OpeningInput] = []
    problems: list[FieldProblem] = []
    rows_left_out = False
    with _table_open(Path(path), OPENING_COLUMNS, OPENING_REQUIRED) as table:
        pick = _picker(table.columns, OPENING_COLUMNS)
        for number, cells in table.rows:
            account, raw_debit, raw_credit, fund, party = pick(cells)
            if not (account or raw_debit or raw_credit or fund or party):
                continue  # a row with nothing in it
            amounts = []
            for side, raw in (("debit", raw_debit), ("credit", raw_credit)):
                try:
                    amounts.append(_fen(raw))
                except MoneyError as exc:
                    amounts.append(0)
                    rows_left_out = True
                    problems.append(FieldProblem(side, BAD_AMOUNT.format(reason=exc, value=raw), number))
            if not account:
                problems.append(FieldProblem("account", EMPTY_ACCOUNT, number))
                continue
            if amounts[0] and amounts[1]:
                problems.append(FieldProblem("credit", BOTH_SIDES, number))
            row = OpeningInput(account, amounts[0], amounts[1], fund, party, row=number)
            line = LineInput("", account, fund_name=fund, counterparty_name=party, row=number)
            if _names_that_fit([line], problems):
                rows.append(row)
            else:
                rows_left_out = True
    with transaction.atomic():
        try:
            ledger = opening_balances_set(
                actor=actor, ledger=ledger, rows=rows, create_missing=create_missing
            )
        except DomainError as exc:
            problems += [
                p
                # The totals mean nothing while some row could not be read.
                for p in exc.problems
                if not (rows_left_out and p.row is None and not p.field)
            ]
        if problems:
            raise ImportFailed(problems=sorted(problems, key=lambda p: p.row or 0))
    return ledger
