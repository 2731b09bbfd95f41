"""Issue 14's figures: each supervision rule's recall and false alarms on planted cases.

Makes a fresh database (a SQLite file in a temporary directory, or the PostgreSQL database of
``--database-url``, whose name must contain "bench": it is flushed), a county per seed with
``villagebooks.demo.planted`` (a year of ordinary books per village, cases planted at known
places and near misses that must not alert), runs every rule over the county's year and prints,
per rule: planted / found / missed / false alarms (alerts matching no planted case), and the time
the rules took. ``--markdown`` prints the table as benchmarks/README.md keeps it.

``--demo`` loads the demo county instead (``villagebooks demo``'s load, 40 villages, today as its
today) and scores the rules over every ledger of the demo county for the year before today's: the
cases planted in its 监督示范乡 (``demo/supervision.py``) and those the demo's other parts make on
purpose (payments the affairs demo leaves without a decision record); every other alert in the
county is a false alarm.

    .venv/bin/python benchmarks/supervision_rules.py [--seeds 1 2] [--villages 30] [--markdown]
    .venv/bin/python benchmarks/supervision_rules.py --demo [--markdown]
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
    parser.add_argument("--demo", action="store_true", help="score the rules on the demo county")
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
    for seed in ["demo"] if args.demo else args.seeds:
        started = time.perf_counter()
        if args.demo:
            county, ledgers, year = _demo_county()
        else:
            county, year = plant_county(seed, villages=args.villages), 2025
            ledgers = county.ledgers
        made = time.perf_counter() - started
        started = time.perf_counter()
        alerts = run_rules(Scope.of(ledgers, (year, 1), (year, 12)))
        took = time.perf_counter() - started
        print(f"seed {seed}: {len(ledgers)} ledgers made in {made:.1f} s; rules over {year} ran in {took:.2f} s "
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


def _demo_county():
    """Load the demo county as ``villagebooks demo`` does; its planted cases and every ledger."""
    import tempfile as _tempfile
    from datetime import date

    from django.db import transaction

    from villagebooks.demo.generator import CountySpec, write_county
    from villagebooks.demo.loading import DEMO_PASSWORD, demo_load
    from villagebooks.ledger.models import Ledger

    today = date.today()
    spec = CountySpec(villages=40, vouchers_per_year=300, first_year=today.year - 1, end=today, seed=2025)
    with _tempfile.TemporaryDirectory(prefix="villagebooks-demo-") as directory:
        files = write_county(spec, Path(directory), split_by_township=True, hold_last=3)
        with transaction.atomic():
            started = time.perf_counter()
            summary = demo_load(
                files=files, years=spec.years, end=spec.end, password=DEMO_PASSWORD,
                say=lambda text: print(f"[{time.perf_counter() - started:6.1f} s] {text}", file=sys.stderr),
            )  # fmt: skip
    county = summary.supervision
    ledgers = list(
        Ledger.objects.filter(village__path__startswith=county.region.path)
        .select_related("village")
        .order_by("code")
    )
    return county, ledgers, today.year - 1


if __name__ == "__main__":
    main()
