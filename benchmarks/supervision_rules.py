"""Issue 14's figures: each supervision rule's recall and false alarms on planted cases.

Makes a fresh database (a SQLite file in a temporary directory, or the PostgreSQL database of
``--database-url``, whose name must contain "bench": it is flushed), a county per seed with
``villagebooks.demo.planted`` (a year of ordinary books per village, cases planted at known
places and near misses that must not alert), runs every rule over the county's year and prints,
per rule: planted / found / missed / false alarms (alerts matching no planted case), and the time
the rules took. ``--markdown`` prints the table as benchmarks/README.md keeps it.

    .venv/bin/python benchmarks/supervision_rules.py [--seeds 1 2] [--villages 30] [--markdown]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--villages", type=int, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="supervision-bench-"))
    if args.database_url and "bench" not in args.database_url.rsplit("/", 1)[-1]:
        raise SystemExit("--database-url: the database's name must contain 'bench' (it is flushed)")
    os.environ.update(
        VILLAGEBOOKS_HOME=str(home),
        DATABASE_URL=args.database_url or f"sqlite:///{home / 'bench.sqlite3'}",
        VILLAGEBOOKS_SECRET_KEY="supervision-benchmark-" + secrets.token_urlsafe(32),
        VILLAGEBOOKS_DEBUG="0",
        DJANGO_SETTINGS_MODULE="villagebooks.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from villagebooks.demo.planted import plant_county, score
    from villagebooks.ledger.models import Voucher
    from villagebooks.regions.services import system_user
    from villagebooks.supervision.rules import RULE_BY_NAME, Scope, run_rules
    from villagebooks.supervision.services import voucher_alerts

    call_command("migrate", verbosity=0)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    database = "PostgreSQL" if args.database_url else "SQLite"
    rows = []
    for seed in args.seeds:
        started = time.perf_counter()
        county = plant_county(seed, villages=args.villages)
        made = time.perf_counter() - started
        started = time.perf_counter()
        alerts = run_rules(Scope.of(county.ledgers, (2025, 1), (2025, 12)))
        took = time.perf_counter() - started
        print(f"seed {seed}: {args.villages} villages made in {made:.1f} s; rules ran in {took:.2f} s "
              f"on {database}; near misses planted: {sum(county.near_misses.values())}", file=sys.stderr)  # fmt: skip
        for s in score(county, alerts, list(RULE_BY_NAME)).values():
            rows.append((seed, s, county.near_misses.get(s.rule, 0)))
        vouchers = list(
            Voucher.objects.filter(ledger=county.ledgers[0]).select_related("ledger__village")[:50]
        )
        actor = system_user()
        timings, cpu = [], []
        for voucher in vouchers:
            started, used = time.perf_counter(), time.process_time()
            voucher_alerts(actor=actor, voucher=voucher)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
        timings.sort()
        cpu.sort()
        print(f"seed {seed}: one voucher's alerts (review desk), {len(timings)} vouchers of a ledger of "
              f"{Voucher.objects.filter(ledger=county.ledgers[0]).count()}: median "
              f"{1000 * timings[len(timings) // 2]:.0f} ms, max {1000 * timings[-1]:.0f} ms; CPU median "
              f"{1000 * cpu[len(cpu) // 2]:.0f} ms", file=sys.stderr)  # fmt: skip
    if args.markdown:
        print(
            "| seed | rule | planted | found | missed | false alarms | alerts | near misses | recall | false share |"
        )
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for seed, s, near in rows:
            print(f"| {seed} | `{s.rule}` | {s.planted} | {s.found} | {s.missed} | {s.false_alarms} | {s.alerts} "
                  f"| {near} | {s.recall:.0%} | {s.false_share:.0%} |")  # fmt: skip
        return
    print(f"{'seed':>4} {'rule':<24}{'planted':>8}{'found':>7}{'missed':>7}{'false':>7}{'near':>6}")
    for seed, s, near in rows:
        print(f"{seed:>4} {s.rule:<24}{s.planted:>8}{s.found:>7}{s.missed:>7}{s.false_alarms:>7}{near:>6}")


if __name__ == "__main__":
    main()
