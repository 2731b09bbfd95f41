"""The demo's simulated clock: its books are loaded in one run, but read as if kept day by day.

Every service stamps what it does with ``django.utils.timezone.now()`` (a voucher's creation,
submission, review and posting, a month's close, an operation-log row). Loaded all at once, the
demo's two years would all carry the minute of the load: a voucher of last January "posted"
today, every month closed within seconds of each other. While ``simulated()`` runs (only inside
``demo_load``), ``timezone.now`` answers the moment the loader has set with ``at()`` instead,
one microsecond later at each call, so that the rows written at one moment keep their order.

Nothing else changes: the services, the posting path and the hash chains are the ones every
user goes through; they only read another clock. The chains do not depend on the times being in
order (the operation log chains its rows by sequence, ``common/audit_chain.py``), and ``verify``
recomputes each record from the rows as written. The patch is the module attribute
``django.utils.timezone.now``, which every caller of ``timezone.now()`` (and Django's
``auto_now`` fields) looks up at call time; it is restored when ``simulated()`` ends.

Outside ``simulated()`` (the benchmarks' own counties, the tests that call the loaders
directly), ``at()`` does nothing: the real clock runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.utils import timezone

TICK = timedelta(microseconds=1)


class _Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment
        self.lock = threading.Lock()  # the import's background writer reads it too

    def now(self) -> datetime:
        with self.lock:
            self.moment += TICK
            return self.moment


_running: list[_Clock] = []


def moment(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute``, local time, aware."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@contextmanager
def simulated(start: datetime) -> Iterator[None]:
    """Run the block with ``timezone.now()`` on the simulated clock, from ``start``."""
    clock = _Clock(start)
    real = timezone.now
    _running.append(clock)
    timezone.now = clock.now
    try:
        yield
    finally:
        timezone.now = real
        _running.pop()


@contextmanager
def at(when: datetime) -> Iterator[None]:
    """Within ``simulated()``: the block's acts happen at ``when`` (and the microseconds after);
    the clock goes back to where it was when the block ends. Outside it: nothing."""
    if not _running:
        yield
        return
    clock = _running[-1]
    with clock.lock:
        before, clock.moment = clock.moment, when
    try:
        yield
    finally:
        with clock.lock:
            clock.moment = before


def jump(when: datetime) -> None:
    """Within ``simulated()``: from now on, acts happen at ``when`` (and after). Outside: nothing."""
    if _running:
        with _running[-1].lock:
            _running[-1].moment = when
