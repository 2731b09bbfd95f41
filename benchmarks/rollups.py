"""Issue 16's "instant roll-ups": the county's consolidated trial balance and balance sheet through
the API, at the server, on a county of 60 and of 300 villages, and the county trial balance beside
``ledger -f county.journal bal`` and ``hledger -f county.journal bal`` on the same books.

    .venv/bin/python benchmarks/rollups.py                                  # SQLite, 60 and 300 villages
    .venv/bin/python benchmarks/rollups.py --vouchers 300                   # more vouchers a village
    .venv/bin/python benchmarks/rollups.py \\
        --database-url postgres://villagebooks_owner@127.0.0.1:5432/h1_bench_rollups

For each village count, in a child process of its own (a fresh Django on a fresh database, as
``run.py`` makes them: a SQLite file under benchmarks/out/, or the PostgreSQL database named,
dropped and created again — only names with ``bench`` in them):
1. the books of ``generate.py`` (one year, 2025, on the 2023 chart), set up through the services
   and imported with ``villagebooks import-vouchers FILE --post`` in a child process (its rate is
   recorded: the roll-ups are written by the import too);
2. ``GET /api/regions/<county>/reports/trial-balance?from=2025-01&to=2025-12`` and
   ``…/balance-sheet`` with the county-office user's personal token through Django's test client
   (token check, scope, report, JSON; no network): 21 runs each after one warm-up, median and p95;
   and the county's dashboard page (``/regions/<county>/dashboard/?year=2025``, the same user's
   login session), 11 runs; then the same with the roll-ups switched off (the reports read every
   ledger's balance rows, as before them), 7 runs (the dashboard 5), for comparison; both trial
   balances, balance sheets and the dashboard's money figures must be equal;
3. ``rollups.discrepancies()`` (what ``verify`` adds): its time, and that it finds nothing;
4. ``ledger -f county.journal bal`` and ``hledger -f county.journal bal`` (median of 3 when quick):
   how many times faster the API's county trial balance is.
``--loaded`` measures again (steps 2–4) on a database an earlier run left, one village count at
a time (``--villages N --database-url …``). The parent prints the figures and the growth from the smallest to the largest county, and writes
benchmarks/out/rollups-<database>.json. Targets: < 20 ms (both reports, both databases, every
size), growth < 20 %, a dashboard < 150 ms, ≥ 40× ledger-cli, ≥ 300× hledger.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402
import run  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
YEAR = generate.YEAR
TARGETS = {
    "county_trial_balance_api_median_ms": "< 20",
    "county_balance_sheet_api_median_ms": "< 20",
    "county_dashboard_page_median_ms": "< 150",
    "growth_smallest_to_largest": "< 20 %",
    "ledger_cli_bal / county_trial_balance_api": ">= 40",
    "hledger_bal / county_trial_balance_api": ">= 300",
}


def timed(function, repeat: int) -> tuple[list[float], list[float]]:
    """Milliseconds of ``repeat`` calls, after one warm-up call: wall clock, and this process's
    CPU time (on a busy shared machine the wall clock mostly measures the wait for a CPU; on
    SQLite the CPU time includes the database's work, on PostgreSQL the server's is not in it)."""
    function()
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return samples, cpu


def summary(measured: tuple[list[float], list[float]]) -> dict:
    samples, cpu = measured
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "runs": len(samples),
    }


def measure_one(villages: int, vouchers: int, database_url: str | None, *, loaded: bool = False) -> dict:
    """One county: load it, measure it (this module's steps 1–4). ``loaded``: the database of
    ``database_url`` already holds this county (an earlier run's): measure only."""
    label = f"{villages}x{vouchers}"
    data = generate.data_dir(label)
    run.say(f"data: {villages} villages × {vouchers} vouchers → {data}")
    spec = generate.generate(villages=villages, vouchers=vouchers, out=data)
    url = database_url if loaded else run.fresh_database(database_url, f"rollups-{label}")
    os.environ["DATABASE_URL"] = url
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"
    os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "benchmark-" + secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from villagebooks.api.services import api_token_create
    from villagebooks.ledger import rollups
    from villagebooks.ledger.models import RegionBalance
    from villagebooks.reports import dashboard, statements, trial_balance

    results: dict = {
        "villages": villages,
        "vouchers_per_village": vouchers,
        "vouchers": spec["vouchers"],
        "lines": spec["lines"],
        "database": run.database_label(url),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    if loaded:
        from villagebooks.regions.models import Region

        results["county_code"] = Region.objects.get(kind="county").code
    else:
        call_command("migrate", interactive=False, verbosity=0)
        run.setup(data, results)
        run.import_measure(data, spec, results)
    results["region_balance_rows"] = RegionBalance.objects.count()
    county = results["county_code"]

    user = get_user_model().objects.get(username="bench-county")
    secret = api_token_create(actor=user, name="benchmark-rollups", days=1).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    query = f"from={YEAR}-01&to={YEAR}-12"

    def call(slug: str) -> bytes:
        response = client.get(f"/api/regions/{county}/reports/{slug}?{query}")
        if response.status_code != 200:
            raise SystemExit(f"{slug}: HTTP {response.status_code} {response.content[:200]!r}")
        return response.content

    pages = Client(HTTP_HOST="127.0.0.1")
    pages.force_login(user)
    from villagebooks.reports.scope import scope_for_region

    scope = scope_for_region(user=user, region_code=county, from_key=YEAR * 100 + 1, to_key=YEAR * 100 + 12)

    def page() -> bytes:
        response = pages.get(f"/regions/{county}/dashboard/?year={YEAR}")
        if response.status_code != 200:
            raise SystemExit(f"dashboard: HTTP {response.status_code}")
        return response.content

    def money() -> tuple:  # the dashboard's money figures (the page's other parts read no balances)
        return dashboard._monthly(scope, YEAR), dashboard._last_booked_month(scope, YEAR)

    run.say(
        f"API: county trial balance and balance sheet, {villages} villages (21 runs each); dashboard (11)"
    )
    results["county_trial_balance_api"] = summary(timed(lambda: call("trial-balance"), 21))
    results["county_balance_sheet_api"] = summary(timed(lambda: call("balance-sheet"), 21))
    results["county_dashboard_page"] = summary(timed(page, 11))
    with_rollups = (call("trial-balance"), call("balance-sheet"), money())

    # The same requests with the roll-ups switched off: every ledger's balance rows, as before.
    saved = (
        trial_balance.rollup_starts,
        statements.rollup_starts,
        statements.rollup_source,
        dashboard.rollup_source,
    )

    def none(scope, before_keys):
        return None

    trial_balance.rollup_starts = statements.rollup_starts = statements.rollup_source = none
    dashboard.rollup_source = none
    try:
        run.say("API without the roll-ups (7 runs each)")
        results["without_rollups"] = {
            "county_trial_balance_api": summary(timed(lambda: call("trial-balance"), 7)),
            "county_balance_sheet_api": summary(timed(lambda: call("balance-sheet"), 7)),
            "county_dashboard_page": summary(timed(page, 5)),
        }
        without = (call("trial-balance"), call("balance-sheet"), money())
    finally:
        (
            trial_balance.rollup_starts,
            statements.rollup_starts,
            statements.rollup_source,
            dashboard.rollup_source,
        ) = saved
    results["same_reports_without_rollups"] = with_rollups == without
    if not results["same_reports_without_rollups"]:
        raise SystemExit("the reports through the roll-ups differ from those through the ledgers' rows")

    started = time.perf_counter()
    found, compared = rollups.discrepancies()
    results["verify_rollups"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "rows_compared": compared,
        "discrepancies": len(found),
    }

    journal = data / "county.journal"
    tools = {}
    api_seconds = results["county_trial_balance_api"]["median_ms"] / 1000
    api_cpu_seconds = results["county_trial_balance_api"]["cpu_median_ms"] / 1000
    for tool in ("ledger", "hledger"):
        binary = shutil.which(tool)
        if binary is None:
            tools[tool] = "not installed"
            continue
        run.say(f"{tool} -f county.journal bal")
        runs = [run.child([binary, "-f", str(journal), "bal"])]
        if runs[0]["seconds"] < 20:
            runs += [run.child([binary, "-f", str(journal), "bal"]) for _ in range(2)]
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu_seconds = statistics.median(r["cpu_seconds"] for r in runs)
        tools[tool] = {
            "command": f"{tool} -f county.journal bal",
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu_seconds, 3),
            "runs": len(runs),
            "times_slower_than_api": round(seconds / api_seconds, 1),
            # CPU against CPU, the figure a busy shared machine does not distort (on PostgreSQL
            # the API's CPU is the Django process's only, the server's work is not in it).
            "cpu_times_slower_than_api": round(cpu_seconds / api_cpu_seconds, 1),
        }
    results["journal_tools"] = tools
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--villages", type=int, nargs="+", default=[60, 300])
    parser.add_argument("--vouchers", type=int, default=100, help="vouchers a village a year (default 100)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--loaded",
        action="store_true",
        help="measure again on a database an earlier run loaded (one village count, --database-url)",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child: this many villages
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.one:
        results = measure_one(args.one, args.vouchers, args.database_url, loaded=args.loaded)
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        return

    counties = []
    for villages in args.villages:
        part = OUT / f"rollups-part-{villages}.json"
        command = [sys.executable, __file__, "--one", str(villages), "--vouchers", str(args.vouchers)]
        command += ["--json", str(part)] + (["--loaded"] if args.loaded else [])
        if args.database_url:
            command += ["--database-url", args.database_url]
        subprocess.run(command, check=True)
        counties.append(json.loads(part.read_text(encoding="utf-8")))
        part.unlink()
    first, last = counties[0], counties[-1]
    growth = {
        name: round(100 * (last[name]["median_ms"] / first[name]["median_ms"] - 1), 1)
        for name in ("county_trial_balance_api", "county_balance_sheet_api", "county_dashboard_page")
    }
    database = counties[0]["database"]
    report = {"database": database, "counties": counties, "growth_percent": growth, "targets": TARGETS}
    path = OUT / f"rollups-{database}{'-remeasured' if args.loaded else ''}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\n{database}: {args.vouchers} vouchers a village")
    for county in counties:
        tools = county["journal_tools"]
        print(
            f"  {county['villages']:>4} villages: trial balance {county['county_trial_balance_api']['median_ms']} ms"
            f" (p95 {county['county_trial_balance_api']['p95_ms']}), balance sheet"
            f" {county['county_balance_sheet_api']['median_ms']} ms (p95 {county['county_balance_sheet_api']['p95_ms']});"
            f" dashboard {county['county_dashboard_page']['median_ms']} ms;"
            f" without roll-ups {county['without_rollups']['county_trial_balance_api']['median_ms']} /"
            f" {county['without_rollups']['county_balance_sheet_api']['median_ms']} ms;"
            + (f" import {county['import']['vouchers_per_second']} vouchers/s;" if "import" in county else "")
            + f" verify roll-ups {county['verify_rollups']['seconds']} s;"
            + "".join(
                f" {tool} bal {info['seconds']} s = {info['times_slower_than_api']}×"
                for tool, info in tools.items()
                if isinstance(info, dict)
            )
        )
    print(f"  growth {first['villages']} → {last['villages']} villages: {growth}")
    print(f"written {path}")


if __name__ == "__main__":
    main()
