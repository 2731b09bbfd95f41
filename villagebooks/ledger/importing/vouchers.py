"""The voucher import: one process, or on PostgreSQL a big file read apart (``apart``)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext

from villagebooks.common.errors import FieldProblem
from villagebooks.ledger.background_writes import background_writes
from villagebooks.ledger.importing import apart
from villagebooks.ledger.importing.batches import _WriteBatch
from villagebooks.ledger.importing.messages import CONCURRENT_CHANGE, ImportFailed
from villagebooks.ledger.importing.reading import _read_file, _VoucherImport, progress_bar
from villagebooks.ledger.importing.sql import _analyze
from villagebooks.ledger.importing.writing import ImportResult, _BatchWriter
from villagebooks.ledger.models import (
    AccountBalance,
    Voucher,
    VoucherLine,
)

# Lines imported from which, on PostgreSQL, the tables' statistics are refreshed afterwards.
ANALYZE_AFTER_LINES = 10_000


def vouchers_import(
    *,
    actor,
    path: Path,
    post: bool = False,
    create_missing: bool = False,
    progress: bool = False,
    only_ledger: str | None = None,
    voucher_ids: list[int] | None = None,
) -> ImportResult:
    """Import the vouchers of a CSV or XLSX file, all or nothing.

    One row is one line; rows with the same ledger and ``voucher`` key, one after another, are
    one voucher. The vouchers are saved as submitted (待审核), or with ``post`` numbered and
    posted with the importer as preparer, reviewer and poster. With ``create_missing`` funds
    and counterparties the ledger does not know are created (listed in the result).

    A big file on PostgreSQL is read in a second process while this one writes (``apart``).
    ``only_ledger``: rows of any other ledger are refused (an upload page of one ledger).
    ``voucher_ids``: a list that receives the ids of the vouchers written (``preview`` reads the
    plan from them); the file is then read in this process.

    Raises:
        ImportFailed: every problem of the file; nothing was written.
    """
    path = Path(path)
    two_processes = voucher_ids is None and only_ledger is None and apart.worth_it(path)
    try:
        with transaction.atomic():
            if two_processes:
                result = apart.vouchers_import_reading_apart(
                    actor=actor, path=path, post=post, create_missing=create_missing, progress=progress
                )
            else:
                result = _vouchers_import_here(
                    actor=actor,
                    path=path,
                    post=post,
                    create_missing=create_missing,
                    progress=progress,
                    only_ledger=only_ledger,
                    voucher_ids=voucher_ids,
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


def _vouchers_import_here(
    *,
    actor,
    path: Path,
    post: bool,
    create_missing: bool,
    progress: bool,
    only_ledger: str | None = None,
    voucher_ids: list[int] | None = None,
) -> ImportResult:
    """Read and write in this process, in the caller's transaction."""
    # SQLite: each batch's rows are stored on a second thread while the next batch is read.
    with background_writes() as writes:
        writer = _BatchWriter(post=post, voucher_ids=voucher_ids, writes=writes)

        def write_batch(batch: _WriteBatch) -> None:
            problem = writer.write(batch)
            if problem is not None:  # the reader stops handing batches over, and reads on
                run.report(problem.field, problem.message, problem.row)

        run = _VoucherImport(
            actor=actor,
            post=post,
            create_missing=create_missing,
            write_batch=write_batch,
            only_ledger=only_ledger,
        )
        with progress_bar(progress) as bar:
            ledgers = _read_file(run, path, bar)
        return writer.finish(actor=actor, ledgers=ledgers, source=(path.name, run.source[1]))
