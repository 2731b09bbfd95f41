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
from collections.abc import Callable
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


def _paused_in(ledger, accountant, monkeypatch, action: str):
    """January and February closed; then the service doing ``action`` pauses just before it
    commits: (reached, go) events."""
    for month in (1, 2):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    reached, go = threading.Event(), threading.Event()
    real = services.audit_record

    def audit_then_wait(**kwargs):
        entry = real(**kwargs)
        if kwargs["action"] == action:
            reached.set()
            go.wait(timeout=60)
        return entry

    monkeypatch.setattr(services, "audit_record", audit_then_wait)
    return reached, go


LINES = [
    LineInput(summary="收款", account_code="102", debit_fen=100),
    LineInput(summary="收款", account_code="501", credit_fen=100),
]


def _race(reached, go, first: tuple[str, Callable], then: tuple[str, Callable]) -> dict[str, object]:
    """Run ``first`` until it pauses before committing (``reached``), start ``then``, let it
    wait on the lock ``first`` holds, let ``first`` commit (``go``): each one's result or error."""
    outcomes: dict[str, object] = {}

    def run(name, call):
        try:
            outcomes[name] = call()
        except BaseException as exc:  # reported by the main thread
            outcomes[name] = exc
        finally:
            connections.close_all()

    leading = threading.Thread(target=run, args=first)
    following = threading.Thread(target=run, args=then)
    leading.start()
    assert reached.wait(timeout=60)  # written, not yet committed
    following.start()
    deadline = time.monotonic() + 30
    while following.is_alive() and _waiting_on_locks() < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    go.set()
    leading.join(timeout=60)
    following.join(timeout=60)
    assert not leading.is_alive() and not following.is_alive()
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_month_does_not_close_while_a_voucher_is_being_made_in_it(ledger, accountant, monkeypatch):
    reached, go = _paused_in(ledger, accountant, monkeypatch, "voucher_create")

    outcomes = _race(
        reached,
        go,
        ("create", lambda: services.voucher_create(actor=accountant, ledger=ledger, date=DAY, lines=LINES)),
        ("close", lambda: services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)),
    )

    assert isinstance(outcomes["create"], Voucher)
    # The close waited for the voucher, saw it and refused.
    assert isinstance(outcomes["close"], services.DomainError)
    assert "未记账凭证" in str(outcomes["close"])
    assert Period.objects.get(ledger=ledger, year=2025, month=3).status == "open"
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_voucher_is_not_made_in_a_month_that_closed_while_it_waited(ledger, accountant, monkeypatch):
    reached, go = _paused_in(ledger, accountant, monkeypatch, "period_close")

    outcomes = _race(
        reached,
        go,
        ("close", lambda: services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)),
        ("create", lambda: services.voucher_create(actor=accountant, ledger=ledger, date=DAY, lines=LINES)),
    )

    assert isinstance(outcomes["close"], Period)
    assert isinstance(outcomes["create"], services.DomainError)
    assert "已结账" in str(outcomes["create"])
    assert not Voucher.objects.filter(ledger=ledger).exists()
