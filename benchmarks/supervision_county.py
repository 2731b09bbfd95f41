"""Issue 14's speed: every supervision rule over a county's year, and one voucher's alerts.

Runs on a database a benchmark has already loaded (``run.py --scale full --setup-only`` and the
import it prints, or a whole ``run.py``): every rule over every ledger of the county for the
year, timed per rule, wall-clock and CPU seconds of this process (on SQLite the database works
in this process, so its CPU is counted; on PostgreSQL the server's is not, and is printed apart
from ``pg_stat_statements`` only if one looks); then ``voucher_alerts`` (the review desk) for
``--vouchers`` vouchers of the first ledger: median and worst.

    DATABASE_URL=sqlite:///benchmarks/out/bench-full.sqlite3 \\
        .venv/bin/python benchmarks/supervision_county.py --year 2025
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--vouchers", type=int, default=50)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("DATABASE_URL: the loaded benchmark database")
    os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "supervision-county-" + secrets.token_urlsafe(32))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"
    import django

    django.setup()
    from villagebooks.ledger.models import Ledger, Voucher, VoucherLine
    from villagebooks.regions.services import system_user
    from villagebooks.supervision.rules import RULES, Scope, rule_name
    from villagebooks.supervision.services import voucher_alerts

    ledgers = list(Ledger.objects.select_related("village").order_by("code"))
    vouchers = Voucher.objects.filter(date__year=args.year).count()
    lines = VoucherLine.objects.filter(voucher__date__year=args.year).count()
    print(f"{len(ledgers)} ledgers, {vouchers} vouchers and {lines} lines in {args.year}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)  # fmt: skip
    scope = Scope.of(ledgers, (args.year, 1), (args.year, 12))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    total = 0
    for check in RULES:
        wall, cpu = time.perf_counter(), time.process_time()
        found = len(check(scope))
        total += found
        print(f"  {rule_name(check):<24} {found:>6} alerts  {time.perf_counter() - wall:7.2f} s wall "
              f"{time.process_time() - cpu:7.2f} s CPU", flush=True)  # fmt: skip
    print(f"all rules: {total} alerts in {time.perf_counter() - wall0:.1f} s wall, "
          f"{time.process_time() - cpu0:.1f} s CPU", flush=True)  # fmt: skip
    sample = list(
        Voucher.objects.filter(ledger=ledgers[0]).select_related("ledger__village")[: args.vouchers]
    )
    actor = system_user()
    voucher_alerts(actor=actor, voucher=sample[0])
    timings, cpu = [], []
    for voucher in sample:
        started, used = time.perf_counter(), time.process_time()
        voucher_alerts(actor=actor, voucher=voucher)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    timings.sort()
    cpu.sort()
    print(f"one voucher's alerts, {len(timings)} vouchers: median {1000 * timings[len(timings) // 2]:.1f} ms, "
          f"worst {1000 * timings[-1]:.1f} ms; CPU median {1000 * cpu[len(cpu) // 2]:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
