"""The import's second writing thread (SQLite): what it stores, in order, is what this thread reads
next; a statement that fails there fails here, as Django's error, and stores nothing after it; an
import that fails for its own reasons stops the thread before its transaction is rolled back."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from villagebooks.ledger import background_writes as background
from villagebooks.ledger.background_writes import background_writes

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="the second writing thread is SQLite's (PostgreSQL reads apart)"
    ),
]

PROBE = "bw_probe"


@pytest.fixture
def probe_table():
    if connection.vendor != "sqlite":
        pytest.skip("the second writing thread is SQLite's (PostgreSQL reads apart instead)")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {PROBE} (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, day DATE, at DATETIME)"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {PROBE}")


def _rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, name, day, at FROM {PROBE} ORDER BY id")
        return cursor.fetchall()


# serialized_rollback: the flush after a transactional test would otherwise remove the
# migrations' rows, and the next such test would put them back twice (see test_concurrency.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_there_is_no_second_thread(probe_table):
    with background_writes() as writes:
        assert writes is None


def test_rows_handed_over_are_read_back_in_order_and_stored_as_executemany_would(probe_table):
    rows = [
        (i, f"名{i}", date(2025, 1, 1 + i % 28), datetime(2025, 1, 2, 3, 4, 5, i)) for i in range(1, 12001)
    ]
    with transaction.atomic():
        with background_writes() as writes:
            assert writes is not None
            writes.insert(PROBE, ["id", "name", "day", "at"], rows[:7000])
            writes.execute(f"UPDATE {PROBE} SET name = ? WHERE id = ?", ["改过", 1])
            writes.insert(PROBE, ["id", "name", "day", "at"], rows[7000:])
            stored = _rows()  # this thread's query waits for the thread's work
    assert len(stored) == 12000
    assert stored[0][1] == "改过"
    with connection.cursor() as cursor:  # the values as executemany binds them (Django's adapters)
        cursor.execute(
            f"CREATE TABLE {PROBE}_plain (id INTEGER PRIMARY KEY, name TEXT, day DATE, at DATETIME)"
        )
        cursor.executemany(f"INSERT INTO {PROBE}_plain VALUES (%s, %s, %s, %s)", rows[1:50])
        cursor.execute(f"SELECT id, name, day, at FROM {PROBE}_plain ORDER BY id")
        plain = cursor.fetchall()
        cursor.execute(f"DROP TABLE {PROBE}_plain")
    assert stored[1:50] == plain


def test_a_failed_statement_fails_this_thread_and_nothing_after_it_is_stored(probe_table):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            with background_writes() as writes:
                writes.insert(PROBE, ["id", "name"], [(1, "同名"), (2, "同名")])  # UNIQUE refuses
                writes.insert(PROBE, ["id", "name"], [(3, "之后")])
                _rows()
    assert _rows() == []


def test_a_failure_seen_only_at_the_end_is_raised_there(probe_table):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            with background_writes() as writes:
                writes.insert(PROBE, ["id", "name"], [(1, "同名"), (2, "同名")])
    assert _rows() == []


def test_an_import_failing_on_its_own_stops_the_thread_and_rolls_back(probe_table):
    class ReadingFailed(Exception):
        pass

    with pytest.raises(ReadingFailed):
        with transaction.atomic():
            with background_writes() as writes:
                for start in range(0, 3000, 100):
                    writes.insert(
                        PROBE, ["id", "name"], [(i, f"行{i}") for i in range(start + 1, start + 101)]
                    )
                raise ReadingFailed
    assert _rows() == []
    with transaction.atomic():  # the connection is usable afterwards
        with background_writes() as writes:
            writes.insert(PROBE, ["id", "name"], [(1, "再来")])
    assert _rows() == [(1, "再来", None, None)]


def test_a_hook_s_write_goes_after_the_rows_inside_the_block_and_runs_at_once_outside(probe_table):
    with transaction.atomic():
        with background_writes() as writes:
            writes.insert(PROBE, ["id", "name"], [(1, "行")])
            # Django's marks, a percent sign among them: the row exists when it runs, in order.
            background.write(f"UPDATE {PROBE} SET name = name || %s || '%%' WHERE id = %s", ["改", 1])
            assert _rows() == [(1, "行改%", None, None)]
    background.write(f"UPDATE {PROBE} SET name = %s WHERE id = %s", ["外", 1])
    assert _rows() == [(1, "外", None, None)]
