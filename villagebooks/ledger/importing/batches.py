"""What the reading side of a voucher import hands to the writing side: rows ready for the
tables, plain tuples or COPY's text, so that a batch crosses to another process cheaply
(``apart``), and what the import did to each ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from villagebooks.ledger.posting import LineToPost, VoucherToPost

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
    "project",
)


# COPY's text format (PostgreSQL): tab-separated, \N for NULL, and these characters escaped.
_COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass
class _WriteBatch:
    """One batch as the reading side hands it to the writing side: rows ready for the tables.

    Plain tuples, so that a batch crosses to another process cheaply (see ``apart``).
    """

    # In the order of _VOUCHER_FIELDS with the number (index 4) still None; or, as COPY's text
    # (PostgreSQL), each voucher's text before the number and after it.
    voucher_rows: list[tuple]
    period_ids: list[int]  # each voucher's period, to number it
    date_rows: list[int]  # each voucher's date row, to report a period closed meanwhile
    line_rows: list[tuple] | bytes  # in the order of _LINE_FIELDS, or as COPY's text
    balance_sums: dict[tuple, list[int]]  # BalanceKey without is_closing → [debit, credit]
    rows_read: int = 0  # the file's rows read so far, for the progress bar
    # With COPY's text: the same vouchers and lines as rows (``to_post`` reads them), or None.
    plain_rows: tuple[list[tuple], list[tuple]] | None = None

    def vouchers_numbered(self, numbers: list[int | None]) -> list[tuple] | bytes:
        if isinstance(self.line_rows, bytes):  # formatted as COPY's text, the vouchers too
            return "".join(
                f"{before}{_COPY_NULL if number is None else number}{after}"
                for (before, after), number in zip(self.voucher_rows, numbers, strict=True)
            ).encode()
        return [row[:4] + (number,) + row[5:] for row, number in zip(self.voucher_rows, numbers, strict=True)]

    def to_post(self, numbers: list[int] | None) -> list[VoucherToPost]:
        """The batch as posting's chain and hooks see it."""
        vouchers, lines = (
            self.plain_rows if self.plain_rows is not None else (self.voucher_rows, self.line_rows)
        )
        by_voucher: dict[int, list[LineToPost]] = defaultdict(list)
        make = LineToPost._make  # the rows' own values, in LineToPost's order after ledger and voucher
        for row in lines:
            by_voucher[row[1]].append(make(row[2:]))
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
