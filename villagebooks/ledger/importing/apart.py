"""A big voucher import on PostgreSQL, read in a second process while this one writes.

On PostgreSQL most of an import's time is the server's: storing the rows and, at commit, checking
every foreign key row by row. In one process the reading (parsing, checking, resolving names) and
that server work take turns; here they overlap. A county's year (451,130 vouchers, 1,880,203
lines) took 133.7 s in one process and 68.9 s in two, one run after the other on the same machine
(benchmarks/README.md, fifth session). The reading process also formats the rows as COPY's text,
so this one only numbers them and sends them on: what is left here is mostly the server's work.

The reading process is a new interpreter (``reader_start``: no inherited sockets or
threads, and the caller's main script is not run again) with its own connection in autocommit, so it sees what is committed, not the import's transaction. It
checks everything it can from there and sends each batch as plain rows (``_WriteBatch``). What
the import itself may create (a new year's periods; with ``create_missing`` funds and
counterparties) it asks of this process, which does it in the import's transaction and answers.
A key imported meanwhile by someone else, a period closed meanwhile or a ledger changed meanwhile
is caught here, under the period's lock or by the constraints at commit, as in one process.

A reading process that fails, whatever the reason, ends the import with ``ImportFailed`` and one
Chinese sentence (with the error's last line); the traceback goes to the log
(``villagebooks.ledger.importing.apart``), never to the user's terminal.

All or nothing holds as in one process: every write is this process's, in one transaction; the
reading process only reads (and takes voucher ids from the sequence, which is not transactional:
ids an import rolls back are skipped, as with any rolled-back insert).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import traceback
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.ledger.background_writes import background_writes
from villagebooks.ledger.counterparty_resolvers import PersonParty
from villagebooks.ledger.importing.batches import _WriteBatch
from villagebooks.ledger.importing.messages import ImportFailed, _problems_in_order
from villagebooks.ledger.importing.reading import _read_file, _VoucherImport, progress_bar
from villagebooks.ledger.importing.writing import ImportResult, _BatchWriter
from villagebooks.ledger.models import Ledger, Period
from villagebooks.ledger.services import LedgerDirectory, period_for_date

# The foreign keys are checked batch by batch from this batch on (8,000 vouchers), while the
# reading process reads the next ones, instead of all at commit, when nothing else is left to do.
# On the county, one run after another: 68.9 and 69.0 s against 88.1 and 91.7 s at commit.
CHECK_KEYS_FROM_BATCH = 20
# The reading process: this interpreter again, with the pipe's end as its argument.
READER_COMMAND = [sys.executable, "-m", "villagebooks.ledger.importing.reader_start"]
READER_ENDED = _("读取文件的进程意外结束，未导入任何数据：{detail}")
READER_VANISHED = _("它没有说明原因，可能被终止或内存不足")

logger = logging.getLogger(__name__)


def worth_it(path: Path) -> bool:
    """Whether to read ``path`` apart: PostgreSQL, a big file, and a transaction of our own.

    Inside a caller's transaction (a test's, a page's) the reading process could not see what the
    caller wrote before, so the import stays in one process there.
    """
    # None: never. Below the threshold, starting an interpreter and Django (about a second) would
    # cost more than the overlap gains.
    threshold = settings.IMPORT_APART_MIN_BYTES
    if threshold is None or connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):  # settings.configure(): no module to start from
        return False
    try:
        return path.stat().st_size >= threshold
    except OSError:
        return False  # the import's own checks say what is wrong with the path


def vouchers_import_reading_apart(
    *, actor, path: Path, post: bool, create_missing: bool, progress: bool
) -> ImportResult:
    """Write what a reading process sends, in the caller's transaction; see the module's text."""
    channel, reader_end = multiprocessing.Pipe()
    _room_for_batches(reader_end)
    # It inherits the environment, DJANGO_SETTINGS_MODULE and DATABASE_URL with it.
    reader = subprocess.Popen([*READER_COMMAND, str(reader_end.fileno())], pass_fds=[reader_end.fileno()])
    reader_end.close()
    # The batches' rows and key checks go to a second thread while this one numbers, checks and
    # chains the next batch (``background_writes``); it is done before the transaction ends.
    with background_writes() as writes:
        writer = _BatchWriter(post=post, check_keys_from_batch=CHECK_KEYS_FROM_BATCH, writes=writes)
        writer_problems = []
        bar = progress_bar(progress)
        try:
            what_to_read = (
                dict(connection.settings_dict),  # as it is: a test run's database is not the settings' one
                translation.get_language() or settings.LANGUAGE_CODE,
                actor.pk,
                str(path),
                post,
                create_missing,
            )
            _send(channel, what_to_read)
            with bar:
                while True:
                    started = time.perf_counter()
                    message = _receive(channel)
                    if writes is not None:
                        writes.timing["reader_waited_seconds"] += time.perf_counter() - started
                    kind = message[0]
                    if kind == "batch":
                        batch: _WriteBatch = message[1]
                        problem = writer.write(batch)
                        if problem is not None:
                            writer_problems.append(problem)
                        bar.update(batch.rows_read - bar.n)
                    elif kind == "total":
                        bar.total = message[1]
                        bar.refresh()
                    elif kind == "ask":
                        _send(channel, _answer(actor, *message[1:]))
                    elif kind == "failed":
                        raise ImportFailed(
                            problems=_problems_in_order([*message[1], *writer_problems], message[2])
                        )
                    elif kind == "done":
                        ledgers, rows_read, source = message[1], message[2], message[3]
                        bar.total = rows_read
                        bar.update(rows_read - bar.n)
                        break
                    else:  # "crashed", with its traceback
                        raise _reader_failed(message[1])
            if writer_problems:
                raise ImportFailed(problems=_problems_in_order(writer_problems, 0))
            result = writer.finish(actor=actor, ledgers=ledgers, source=(path.name, source[1]))
        finally:
            channel.close()
            try:
                reader.wait(timeout=5)
            except subprocess.TimeoutExpired:  # this side failed first: the reader has nobody to send to
                reader.kill()
                reader.wait()
    return result


# How much the reading process may send ahead of what this one has taken: a few batches. With the
# default (about 200 KB) it could not send a whole batch before this one took it, so it read at
# most one batch ahead and waited whenever this process waited for the database.
SEND_AHEAD_BYTES = 4 << 20


def _room_for_batches(reader_end) -> None:
    """Let the reading process's end of the pipe (a Unix socket) hold ``SEND_AHEAD_BYTES``
    (the system caps it: ``net.core.wmem_max``; a smaller buffer only makes it wait more)."""
    with contextlib.suppress(OSError):
        end = socket.socket(fileno=os.dup(reader_end.fileno()))
        try:
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_AHEAD_BYTES)
        finally:
            end.close()


def _reader_failed(report: str | None) -> ImportFailed:
    """The import's failure when the reading process failed: its error's last line for the user
    (the exception and its message), the whole of what it reported for the log."""
    if report is None:
        detail = str(READER_VANISHED)
        logger.error("The reading process of an import ended without a word (killed, or out of memory?)")
    else:
        lines = [line for line in str(report).strip().splitlines() if line.strip()]
        detail = lines[-1].strip() if lines else str(READER_VANISHED)
        logger.error("The reading process of an import failed:\n%s", report)
    return ImportFailed(problems=[FieldProblem("file", READER_ENDED.format(detail=detail))])


def _receive(channel):
    try:
        return channel.recv()
    except (EOFError, OSError) as exc:  # killed, or out of memory: it could not say why
        raise _reader_failed(None) from exc


def _send(channel, message) -> None:
    try:
        channel.send(message)
    except OSError as exc:  # it has gone
        raise _reader_failed(None) from exc


def _answer(actor, question: str, ledger_id: int, value):
    """Do what the reading process asks, in the import's transaction: ("ok", result) or ("error", problems)."""
    ledger = Ledger.objects.get(pk=ledger_id)
    try:
        if question == "period":  # opening a year is recorded as the importer's act
            return ("ok", period_for_date(ledger, value, actor=actor))
        directory = LedgerDirectory(ledger=ledger)
        if question == "fund":
            return ("ok", directory.fund_create(value))
        if question == "person":
            return ("ok", directory.person_counterparty(PersonParty(*value)))
        return ("ok", directory.counterparty_create(value))
    except DomainError as exc:
        return ("error", exc.problems)


# -- the reading process


class _WriterAsked:
    """The reading process's side of ``_answer``."""

    def __init__(self, channel):
        self.channel = channel

    def __call__(self, question: str, ledger: Ledger, value):
        self.channel.send(("ask", question, ledger.pk, value))
        status, answer = self.channel.recv()
        if status == "error":
            raise DomainError(problems=answer)
        return answer


class _DirectoryAskingWriter(LedgerDirectory):
    ask: _WriterAsked | None = None

    def fund_create(self, name: str) -> int:
        return self.ask("fund", self.ledger, name)

    def counterparty_create(self, name: str) -> int:
        return self.ask("counterparty", self.ledger, name)

    def person_counterparty(self, person: PersonParty) -> tuple[int, str]:
        return tuple(self.ask("person", self.ledger, tuple(person)))


class _ReadingApart(_VoucherImport):
    lines_as_copy_text = True

    def __init__(self, *, ask: _WriterAsked, **kwargs):
        super().__init__(**kwargs)
        self.ask = ask

    def period_for_date(self, ledger: Ledger, day: date) -> Period:
        return self.ask("period", ledger, day)

    def directory_for(self, ledger: Ledger) -> LedgerDirectory:
        directory = _DirectoryAskingWriter.load(ledger)
        directory.ask = self.ask
        return directory


class _ProgressToWriter:
    """What ``_read_file`` expects of a progress bar; the writing process draws the real one."""

    def __init__(self, channel):
        self.channel = channel
        self.n = 0

    @property
    def total(self):
        return None

    @total.setter
    def total(self, value):
        if value and self.n == 0:  # the estimate, once the file is open
            self.channel.send(("total", value))

    def update(self, count=1):
        self.n += count

    def refresh(self):
        pass


def read_apart(channel, database, language, actor_id, path, post, create_missing):
    """The reading process: checks the file and sends batches, questions and the end to ``channel``."""
    try:
        # The writing process's database, as it is (a test run's is not the one in the settings).
        connections["default"].settings_dict = database
        translation.activate(language)
        ask = _WriterAsked(channel)
        run = _ReadingApart(
            ask=ask,
            actor=get_user_model().objects.get(pk=actor_id),
            post=post,
            create_missing=create_missing,
            write_batch=lambda batch: channel.send(("batch", batch)),
        )
        progress = _ProgressToWriter(channel)
        try:
            ledgers = _read_file(run, Path(path), progress)
        except ImportFailed as failed:
            if run.problems or run.problems_dropped:  # sent unsorted, to be merged with the writer's
                channel.send(("failed", run.problems, run.problems_dropped))
            else:  # the file could not be read at all
                channel.send(("failed", failed.problems, 0))
            return
        channel.send(("done", ledgers, progress.n, run.source))
    except BrokenPipeError:
        pass  # the writing process failed and has gone: nothing to tell
    except BaseException:  # whatever it is (Ctrl-C too), the writing process must hear of it
        with contextlib.suppress(OSError):  # unless it has gone already
            channel.send(("crashed", traceback.format_exc(limit=-3)))
    finally:
        channel.close()
