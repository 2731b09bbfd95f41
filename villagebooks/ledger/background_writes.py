"""An import's writes done on a second thread while the import reads on.

In one thread the import either reads and checks its batch or waits while the database stores
the last one: SQLite runs inside this process (the lines' five indexes and their triggers are a
third of a county's import); PostgreSQL's server works while the client waits for each COPY and
for the batch's foreign-key checks (more than half of a county's import there). Here a batch's
rows go to a thread of their own, in the import's connection and transaction, and the import
reads (SQLite) or prepares (PostgreSQL: numbers, hooks, the chain's records) the next batch
meanwhile: on two cores the two overlap. Neither database client holds Python's lock while the
database works, so the thread costs the import's own thread little.

What keeps it right:
- One connection, used by one thread at a time. Every statement the import's own thread sends
  (a query, a savepoint, anything through Django's cursor) first waits until the writing thread
  has stored everything handed to it (``connection.execute_wrapper``), so that thread reads
  what was written before, in order, as if it had written it itself.
- In order: the rows of a batch are stored in the order they were handed over (lines before
  their vouchers, as the immutability triggers need, see ``importing.writing``).
- All or nothing: a statement that fails stops the writing thread; the failure is raised in
  the import's thread at its next statement or at the end, as Django's error (so the import's
  transaction is rolled back as before). When the import fails for its own reasons, the
  writing thread is stopped before the transaction is rolled back.
- SQLite: the rows go as multi-row ``INSERT … VALUES`` statements: SQLite stores a whole
  statement without taking Python's lock, so the import's thread runs meanwhile (``executemany``
  would take it back for every row). The values are bound as ``executemany`` binds them (the
  same adapters), so the rows stored are the same. PostgreSQL: COPY, as the import does without
  the thread (``importing.sql._insert``), of rows or of COPY's text made by the reading process.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator

from django.db import connection

# Batches handed over and not yet stored, at most: the reading thread waits beyond that, which
# bounds the memory the rows in waiting take.
MAX_PENDING = 3
# While the two threads run, how soon the writing thread gets Python's lock back between
# statements (the default, 5 ms, would make it wait that long every time the reader is busy).
SWITCH_INTERVAL_SECONDS = 0.0005

# Set (to anything) in the environment, an import prints where its two threads' time went to
# stderr at the end, as one line of JSON (``benchmarks/import_copy.py`` shows it).
TIMING_VARIABLE = "VILLAGEBOOKS_WRITES_TIMING"

_STOP = object()
_EXECUTE, _EXECUTE_MANY, _COPY, _GUARDED = "execute", "execute_many", "copy", "guarded"
# The savepoint of ``execute_guarded``: one at a time, on the writing thread only.
_GUARD_SAVEPOINT = "villagebooks_background_guard"
# Django's parameter marks (``%s``, ``%%`` for a percent sign) as SQLite's own.
_FORMAT_MARK = re.compile(r"(?<!%)%s")

# The block's ``BackgroundWrites`` in the thread that opened it (``write``).
_current = threading.local()


def write(sql: str, params: list) -> None:
    """Run a write (Django's ``%s`` marks) now, or, inside an import's ``background_writes``
    block, on its writing thread after the rows handed over before it.

    For the after-posting hooks of other apps: a statement of theirs in the import's own thread
    would wait for the batch's rows to be stored, and the next batch would not be read meanwhile.
    Only for statements whose outcome the caller does not need (a failure still fails the import).
    """
    writes = getattr(_current, "writes", None)
    if writes is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    writes.execute(sql, list(params))


def insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (values in the order of ``columns``; quoted names) inside an import's
    ``background_writes`` block, on its writing thread after the rows handed over before them
    (COPY on PostgreSQL). For the after-posting hooks of other apps, as ``write``."""
    writes = getattr(_current, "writes", None)
    if writes is None:
        raise RuntimeError("background_writes.insert outside an import's background_writes block")
    writes.insert(table, columns, rows)


def active() -> bool:
    """Whether this thread is inside an import's ``background_writes`` block."""
    return getattr(_current, "writes", None) is not None


class BackgroundWrites:
    """Statements run in order on a second thread, in the caller's connection and transaction."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self._raw = connection.connection
        self._sqlite = connection.vendor == "sqlite"
        self._jobs: queue.Queue = queue.Queue(maxsize=MAX_PENDING)
        self._failure: BaseException | None = None
        self._refused: Callable[[], Exception] | Exception | None = None  # see ``execute_guarded``
        # Where the time goes (``TIMING_VARIABLE``): the import's thread waiting for this one,
        # and this one storing.
        self.timing = {
            "waits": 0,
            "waited_seconds": 0.0,
            "busy_seconds": 0.0,
            "jobs": 0,
            "reader_waited_seconds": 0.0,  # the writing process of an import read apart (``apart``)
        }
        self._max_variables = self._raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if self._sqlite else 0
        # Django's errors for this connection's (IntegrityError …), raised in the import's thread.
        self._errors_as_django = connection.wrap_database_errors
        self._thread = threading.Thread(target=self._work, name="villagebooks-background-writes", daemon=True)
        self._thread.start()

    # ---- the import's thread

    def insert(self, table: str, columns: list[str], rows: list[tuple] | bytes) -> None:
        """INSERT ``rows`` into ``table`` (quoted names; values in the order of ``columns``, or on
        PostgreSQL already as COPY's text)."""
        if not rows:
            return
        if not self._sqlite:
            self._hand_over([(_COPY, f"COPY {table} ({', '.join(columns)}) FROM STDIN", rows)])
            return
        per_statement = max(1, min(len(rows), self._max_variables // len(columns), 5000))
        row_marks = f"({', '.join(['?'] * len(columns))})"
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        statements = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in row]
            statements.append((_EXECUTE, head + ", ".join([row_marks] * len(chunk)), params))
        self._hand_over(statements)

    def execute(self, sql: str, params: list | None = None) -> None:
        """One statement (Django's ``%s`` marks), after everything handed over before it."""
        if self._sqlite:
            sql = _FORMAT_MARK.sub("?", sql).replace("%%", "%")
        self._hand_over([(_EXECUTE, sql, params or [])])

    def execute_guarded(
        self,
        sql: str,
        params: list,
        *,
        many: bool = False,
        is_refusal: Callable[[BaseException], bool],
        describe: Callable[[], Exception],
    ) -> None:
        """One statement (``many``: over a list of parameter rows) inside a savepoint, on the
        writing thread. If it fails and ``is_refusal(error)`` (a pure test, run there) says the
        failure is one the caller can explain, the savepoint is rolled back, so the transaction
        stays usable, nothing more is stored, and ``refusal()`` gives ``describe()``'s error
        (made in the import's thread, where it may query) instead of raising the database's.

        So that a write the import must be able to refuse (a balance beyond its range) need not
        make the import's thread wait for the rows before it, as a savepoint of its own would.
        """
        if self._sqlite:
            sql = _FORMAT_MARK.sub("?", sql).replace("%%", "%")
        self._hand_over([(_GUARDED, (sql, many, is_refusal, describe), params)])

    def refusal(self, *, wait: bool = False) -> Exception | None:
        """The error of a guarded statement that was refused (see ``execute_guarded``), if one
        was by now (``wait``: once everything handed over is stored), else None."""
        if wait:
            self._jobs.join()
        refused = self._refused
        if refused is None:
            return None
        if not isinstance(refused, Exception):  # described once, in this thread
            self._refused = refused()
        return self._refused

    def wait(self) -> None:
        """Until everything handed over is stored; raises what failed there, if anything did."""
        started = time.perf_counter()
        self._jobs.join()
        self.timing["waited_seconds"] += time.perf_counter() - started
        self.timing["waits"] += 1
        self._raise_failure()

    def close(self, *, failing: bool) -> None:
        """Store what is left and stop the thread (``failing``: drop what is left instead)."""
        if failing:
            self._failure = self._failure or _Abandoned()
        self._jobs.put(_STOP)
        self._thread.join()
        if os.environ.get(TIMING_VARIABLE):
            print(json.dumps({"background_writes": self.timing}), file=sys.stderr)
        if not failing:
            self._raise_failure()

    def _hand_over(self, statements: list[tuple[str, list]]) -> None:
        self._raise_failure()
        self._jobs.put(statements)

    def _raise_failure(self) -> None:
        failure = self._failure
        if failure is not None and not isinstance(failure, _Abandoned):
            self._failure = _Abandoned()  # raised once; the thread stores nothing more
            raise failure

    # ---- the writing thread

    def _work(self) -> None:
        cursor = self._raw.cursor()
        while True:
            job = self._jobs.get()
            started = time.perf_counter()
            try:
                if job is _STOP:
                    return
                if self._failure is None:
                    for kind, sql, params in job:
                        if self._failure is not None:  # a guarded statement refused: store no more
                            break
                        if kind is _GUARDED:
                            self._guarded(cursor, *sql, params)
                            continue
                        with self._errors_as_django:
                            if kind is _COPY:
                                _copy(cursor, sql, params)
                            elif kind is _EXECUTE_MANY:
                                cursor.executemany(sql, params)
                            else:
                                cursor.execute(sql, params)
            except BaseException as error:  # noqa: BLE001 — handed to the import's thread
                self._failure = error
            finally:
                self.timing["busy_seconds"] += time.perf_counter() - started
                self.timing["jobs"] += 1
                self._jobs.task_done()

    def _guarded(self, cursor, sql: str, many: bool, is_refusal, describe, params) -> None:
        with self._errors_as_django:
            cursor.execute(f"SAVEPOINT {_GUARD_SAVEPOINT}")
        try:
            with self._errors_as_django:
                if many:
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
        except BaseException as error:
            if not is_refusal(error):
                raise
            with self._errors_as_django:
                cursor.execute(f"ROLLBACK TO SAVEPOINT {_GUARD_SAVEPOINT}")
                cursor.execute(f"RELEASE SAVEPOINT {_GUARD_SAVEPOINT}")
            self._refused = describe
            self._failure = _Abandoned()  # nothing more is stored; the import reports the refusal
            return
        with self._errors_as_django:
            cursor.execute(f"RELEASE SAVEPOINT {_GUARD_SAVEPOINT}")


def _copy(cursor, sql: str, rows: list[tuple] | bytes) -> None:
    with cursor.copy(sql) as copy:
        if isinstance(rows, bytes):
            copy.write(rows)
            return
        write_row = copy.write_row
        for row in rows:
            write_row(row)


class _Abandoned(Exception):
    """The import failed on its own: what the thread had not stored yet is dropped."""


@contextlib.contextmanager
def background_writes() -> Iterator[BackgroundWrites | None]:
    """A ``BackgroundWrites`` for the block (inside a transaction), else None.

    Every statement of this thread inside the block waits for the writing thread first.
    """
    if connection.vendor not in ("sqlite", "postgresql") or not connection.in_atomic_block:
        yield None
        return
    writes = BackgroundWrites()

    def after_stored(execute, sql, params, many, context):
        writes.wait()
        return execute(sql, params, many, context)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    _current.writes = writes
    failing = True
    try:
        with connection.execute_wrapper(after_stored):
            yield writes
            failing = False
    finally:
        _current.writes = None
        sys.setswitchinterval(interval)
        writes.close(failing=failing)
