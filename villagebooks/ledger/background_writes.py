"""An import's inserts stored on a second thread while the import reads on (SQLite).

SQLite runs inside this process, so in one thread the import either reads and checks its file
or waits while SQLite stores the last batch's rows (the lines' five indexes and their triggers
are a third of a county's import). Here a batch's rows go to a thread of their own, in the
import's connection and transaction, and the import reads the next batch meanwhile: on two
cores the two overlap.

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
- The rows go as multi-row ``INSERT … VALUES`` statements: SQLite stores a whole statement
  without taking Python's lock, so the import's thread runs meanwhile (``executemany`` would
  take it back for every row). The values are bound as ``executemany`` binds them (the same
  adapters), so the rows stored are the same.

PostgreSQL has its own overlap (``importing.apart``, a second process) and does not use this.
"""

from __future__ import annotations

import contextlib
import queue
import re
import sqlite3
import sys
import threading
from collections.abc import Iterator

from django.db import connection

# Batches handed over and not yet stored, at most: the reading thread waits beyond that, which
# bounds the memory the rows in waiting take.
MAX_PENDING = 3
# While the two threads run, how soon the writing thread gets Python's lock back between
# statements (the default, 5 ms, would make it wait that long every time the reader is busy).
SWITCH_INTERVAL_SECONDS = 0.0005

_STOP = object()
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
    writes.execute(_FORMAT_MARK.sub("?", sql).replace("%%", "%"), list(params))


class BackgroundWrites:
    """Statements run in order on a second thread, in the caller's connection and transaction."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self._raw = connection.connection
        self._jobs: queue.Queue = queue.Queue(maxsize=MAX_PENDING)
        self._failure: BaseException | None = None
        self._max_variables = self._raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        # Django's errors for this connection's (IntegrityError …), raised in the import's thread.
        self._errors_as_django = connection.wrap_database_errors
        self._thread = threading.Thread(target=self._work, name="villagebooks-background-writes", daemon=True)
        self._thread.start()

    # ---- the import's thread

    def insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """INSERT ``rows`` into ``table`` (quoted names; values in the order of ``columns``)."""
        if not rows:
            return
        per_statement = max(1, min(len(rows), self._max_variables // len(columns), 5000))
        row_marks = f"({', '.join(['?'] * len(columns))})"
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        statements = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [value for row in chunk for value in row]
            statements.append((head + ", ".join([row_marks] * len(chunk)), params))
        self._hand_over(statements)

    def execute(self, sql: str, params: list) -> None:
        """One statement (``?`` marks), after everything handed over before it."""
        self._hand_over([(sql, params)])

    def wait(self) -> None:
        """Until everything handed over is stored; raises what failed there, if anything did."""
        self._jobs.join()
        self._raise_failure()

    def close(self, *, failing: bool) -> None:
        """Store what is left and stop the thread (``failing``: drop what is left instead)."""
        if failing:
            self._failure = self._failure or _Abandoned()
        self._jobs.put(_STOP)
        self._thread.join()
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
            try:
                if job is _STOP:
                    return
                if self._failure is None:
                    for sql, params in job:
                        with self._errors_as_django:
                            cursor.execute(sql, params)
            except BaseException as error:  # noqa: BLE001 — handed to the import's thread
                self._failure = error
            finally:
                self._jobs.task_done()


class _Abandoned(Exception):
    """The import failed on its own: what the thread had not stored yet is dropped."""


@contextlib.contextmanager
def background_writes() -> Iterator[BackgroundWrites | None]:
    """A ``BackgroundWrites`` for the block (SQLite, inside a transaction), else None.

    Every statement of this thread inside the block waits for the writing thread first.
    """
    if connection.vendor != "sqlite" or not connection.in_atomic_block:
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
