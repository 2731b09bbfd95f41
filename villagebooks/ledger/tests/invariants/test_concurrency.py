"""Posting under concurrency (PostgreSQL): eight connections post reviewed vouchers of one
ledger and month at the same time; numbers come out 1..n with no gap and no duplicate, and
the balances verify.

PostgreSQL only: a transactional test needs its tables emptied afterwards, which on SQLite is
a DELETE that the posted-voucher triggers refuse (PostgreSQL empties them with TRUNCATE, which
row triggers do not see); and SQLite runs one writer at a time anyway.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection, connections, transaction
from django.db.models import Sum

from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import AccountBalance, Period, Voucher, VoucherStatus
from villagebooks.ledger.verification import ledgers_verify

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers, and a transactional test whose clean-up SQLite's triggers refuse",
    ),
]

THREADS = 8
EACH = 5
DAY = date(2025, 3, 15)


def _reviewed(ledger, accountant, reviewer, index: int):
    amount = 10_000 + index
    lines = [
        LineInput(summary=f"收款{index}", account_code="102", debit_fen=amount),
        LineInput(summary=f"收款{index}", account_code="501", credit_fen=amount),
    ]
    # Half the vouchers list the lines the other way round: balance rows are still locked in
    # one order, so two posts that touch the same rows cannot deadlock.
    voucher = services.voucher_create(
        actor=accountant, ledger=ledger, date=DAY, lines=lines if index % 2 else lines[::-1], submit=True
    )
    return services.voucher_review(actor=reviewer, voucher=voucher)


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        # Statistics views are read once per transaction unless the snapshot is dropped.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


# serialized_rollback: the flush after a transactional test would also remove the data
# that migrations seed (statement layouts), which later tests need.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_posting_numbers_every_voucher_once_without_a_gap(ledger, accountant, reviewer):
    batches = [
        [_reviewed(ledger, accountant, reviewer, t * EACH + i) for i in range(EACH)] for t in range(THREADS)
    ]
    period = Period.objects.get(ledger=ledger, year=DAY.year, month=DAY.month)
    barrier = threading.Barrier(THREADS + 1)
    failures: list[BaseException] = []

    def post_batch(batch):
        try:
            barrier.wait(timeout=60)
            for voucher in batch:
                services.voucher_post(actor=accountant, voucher=voucher)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post_batch, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    # Hold the period's row lock while the threads start, until every one of them is queued on
    # it: then they certainly overlap, and the first numbers are fought over by all eight.
    with transaction.atomic():
        Period.objects.select_for_update().get(pk=period.pk)
        barrier.wait(timeout=60)
        deadline = time.monotonic() + 60
        while _waiting_on_locks() < THREADS and time.monotonic() < deadline:
            time.sleep(0.02)
        queued = _waiting_on_locks()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert queued == THREADS

    total = THREADS * EACH
    numbers = list(
        Voucher.objects.filter(ledger=ledger, period=period, status=VoucherStatus.POSTED)
        .order_by("number")
        .values_list("number", flat=True)
    )
    assert numbers == list(range(1, total + 1))
    assert Period.objects.get(pk=period.pk).last_number == total
    expected = sum(10_000 + i for i in range(total))
    bank = AccountBalance.objects.filter(ledger=ledger, account__code="102", period_key=202503).aggregate(
        debit=Sum("debit_fen")
    )
    assert bank["debit"] == expected
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []
