"""The writing side of a voucher import: vouchers, lines and (through ``ledger.posting``)
numbers and balances, batch by batch, and the import's audit records."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import FieldProblem
from villagebooks.ledger import errors as E
from villagebooks.ledger import posting
from villagebooks.ledger.background_writes import BackgroundWrites
from villagebooks.ledger.balances import BalanceOutOfRange
from villagebooks.ledger.importing.batches import _LINE_FIELDS, _VOUCHER_FIELDS, _LedgerSummary, _WriteBatch
from villagebooks.ledger.importing.messages import ImportFailed
from villagebooks.ledger.importing.sql import _analyze, _insert
from villagebooks.ledger.models import (
    Ledger,
    Period,
    PeriodStatus,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.ledger.posting import BatchPosting


@dataclass(frozen=True)
class ImportResult:
    vouchers: int
    lines: int
    posted: int
    created_funds: list[str]  # "ledger_code:name"
    created_counterparties: list[str]


class _BatchWriter:
    """The writing side of an import: vouchers, lines and (through ``posting``) numbers and
    balances, batch by batch.

    It runs in the import's transaction. After its first problem (a period closed meanwhile)
    it writes nothing more: the transaction will be rolled back.
    """

    def __init__(
        self,
        *,
        post: bool,
        check_keys_from_batch: int | None = None,
        voucher_ids: list[int] | None = None,
        writes: BackgroundWrites | None = None,
    ):
        self.post = post
        self.writes = writes  # the rows are stored on a second thread (``background_writes``)
        self.voucher_ids = voucher_ids  # receives the ids written (rows as tuples only)
        # PostgreSQL: check the deferred foreign keys after every batch from this one on, not all
        # at commit. Only worth it while another process reads meanwhile (``apart``).
        self.check_keys_from_batch = check_keys_from_batch
        self.stopped = False
        self.batches = 0
        self.vouchers = 0
        self.posting = BatchPosting(writes=writes) if post else None
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
                # Saved unposted: the hooks that check a saved voucher see the batch once it is
                # written (their records may refer to it); a refusal rolls the import back.
                problem = posting.saving_refusal(batch.to_post, batch.date_rows)
        if problem is not None:
            self.stopped = True
            return problem
        self.batches += 1
        if self.check_keys_from_batch is not None and self.batches >= self.check_keys_from_batch:
            self.check_keys()
        return None

    def insert(self, batch: _WriteBatch, numbers: list[int | None]) -> None:
        voucher_rows = batch.vouchers_numbered(numbers)
        if self.voucher_ids is not None:
            self.voucher_ids.extend(row[0] for row in voucher_rows)
        # Posting: the immutability triggers (migrations 0002, 0003) refuse a line for a voucher
        # that is posted already. So the lines go in first, while their vouchers do not exist
        # yet, and the vouchers follow already posted, numbered and reviewed (no UPDATE flips
        # them afterwards). The line → voucher foreign key is DEFERRABLE INITIALLY DEFERRED,
        # checked at commit, on SQLite and PostgreSQL alike.
        with connection.cursor() as cursor:
            _insert(cursor, VoucherLine, _LINE_FIELDS, batch.line_rows, self.writes)
            _insert(cursor, Voucher, _VOUCHER_FIELDS, voucher_rows, self.writes)
        self.vouchers += len(numbers)

    def check_keys(self) -> None:
        """Check the foreign keys of every row written so far, now instead of at commit."""
        if self.batches == self.check_keys_from_batch:
            # The checks look each key up by its index; the planner must know the tables are no
            # longer empty, or it may scan them whole for every key (the third session saw that:
            # 372 s). ANALYZE counts this transaction's own rows.
            with connection.cursor() as cursor:
                _analyze(cursor, Voucher, VoucherLine)
        # On the writing thread, if there is one: the server checks while this thread goes on.
        for statement in ("SET CONSTRAINTS ALL IMMEDIATE", "SET CONSTRAINTS ALL DEFERRED"):
            if self.writes is not None:
                self.writes.execute(statement)
            else:
                with connection.cursor() as cursor:
                    cursor.execute(statement)

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
            try:
                self.posting.finish()
            except BalanceOutOfRange as error:  # the last batch's balances, refused on the writing thread
                raise ImportFailed(problems=error.problems) from error
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
