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

The modules, each with one job, import one another only downwards in this list (a test checks
that the graph has no cycle):

- ``columns``: the files' columns, their accepted headers, which are required, their labels;
- ``messages``: what users read, ``ImportFailed`` and the problems as terminal lines;
- ``cells``: the file opened, amounts, dates, names that fit, the file's digest;
- ``batches``: a batch as the reading side hands it to the writing side (tuples or COPY text);
- ``sql``: the import's own SQL (inserts, keys imported before, voucher ids, ANALYZE);
- ``reading``: rows in, vouchers checked, batches out;
- ``writing``: batches written and posted, the audit records, the result;
- ``apart``: a big PostgreSQL import read in a second process (started by ``reader_start``);
- ``vouchers``: ``vouchers_import``, which runs the two sides in one process or two;
- ``opening``: ``opening_import``;
- ``preview``: an import's plan by a dry run (the import itself, rolled back) and the confirmed
  import that writes only what was previewed.

This package's names are loaded when first asked for, not when the package is imported: the
reading process starts as ``python -m villagebooks.ledger.importing.reader_start``, which imports
this package before Django is set up, when no model may be imported yet.
"""

from __future__ import annotations

import importlib

# Each public name and the module that defines it.
_PUBLIC = {
    "columns": (
        "VOUCHER_COLUMNS",
        "VOUCHER_REQUIRED",
        "OPENING_COLUMNS",
        "OPENING_REQUIRED",
        "FIELD_LABELS",
        "COLUMN_POSITIONS",
    ),
    "messages": (
        "NO_ROWS",
        "OTHER_LEDGER",
        "LEDGER_REQUIRED",
        "KEY_REQUIRED",
        "KEY_TOO_LONG",
        "DUPLICATE_KEY",
        "KEY_EXISTS",
        "BAD_DATE",
        "DATE_REQUIRED",
        "DATE_MISMATCH",
        "BAD_AMOUNT",
        "TOO_MANY_LINES",
        "NAME_TOO_LONG",
        "CONCURRENT_CHANGE",
        "MORE_PROBLEMS",
        "MAX_PROBLEMS",
        "ImportFailed",
        "describe_problems",
    ),
    "cells": ("NAME_LIMIT",),
    "reading": ("BATCH_SIZE", "MAX_LINES", "progress_bar"),
    "writing": ("ImportResult",),
    "vouchers": ("vouchers_import", "ANALYZE_AFTER_LINES"),
    "opening": ("opening_import",),
    "preview": (
        "ImportPlan",
        "PlannedVoucher",
        "PlannedLine",
        "PLAN_CHANGED",
        "FILE_CHANGED",
        "vouchers_import_plan",
        "vouchers_import_planned",
        "opening_import_plan",
        "opening_import_planned",
    ),
}
# The file's own problems, which common.tabular reports (the tests compare against them here).
_TABULAR = (
    "BROKEN_CSV",
    "DUPLICATE_COLUMN",
    "EMPTY_FILE",
    "MISSING_COLUMNS",
    "NOT_FOUND",
    "NOT_TEXT",
    "NOT_XLSX",
    "OLD_XLS",
    "UNKNOWN_ENCODING",
    "UTF16",
    "WRONG_FILE_TYPE",
    "XLSX_AS_CSV",
)
_WHERE = {name: f"{__name__}.{module}" for module, names in _PUBLIC.items() for name in names}
_WHERE.update({name: "villagebooks.common.tabular" for name in _TABULAR})

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # asked for once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
