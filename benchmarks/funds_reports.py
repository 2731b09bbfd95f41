"""Issue 12's report figures: project execution and the fund passport for the whole county (target:
project execution under 300 ms), and for one village.

On a fresh database, set up as ``run.py`` sets up the county: an allocation for every earmarked
fund of every ledger (``funds_control.funds_setup``), ``--projects`` projects a ledger at 实施 with
budget lines on 153 and 5 and a payment plan, the import (``import-vouchers --post``) with a
project named on a quarter of the lines (rotating over the ledger's projects). Then each report
is built ``--repeat`` times through ``funds.passport`` (the builder the CLI, pages and API use)
and the median and the best are printed, with the load average (the machine is shared).

    .venv/bin/python benchmarks/funds_reports.py --scale small
    .venv/bin/python benchmarks/funds_reports.py --scale full --database-url postgres://…/villagebooks_bench_funds
    .venv/bin/python benchmarks/funds_reports.py --scale full --reports-only   # the reports again, no load
    .venv/bin/python benchmarks/funds_reports.py --scale full --setup-only \\
        --database-url postgres://postgres@127.0.0.1:5432/villagebooks_bench_funds  # import_copy.py's template
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import funds_control  # noqa: E402
import generate  # noqa: E402
import run  # noqa: E402


def projects_setup(data: Path, count: int) -> int:
    """``count`` projects a ledger at 实施, each with budget lines on 153 and 5 and a 4:5:1 plan."""
    from villagebooks.funds import services
    from villagebooks.funds.models import MilestonePayment, ProjectEntry, ProjectState
    from villagebooks.regions.services import system_user

    rows = ["ledger,project,name,kind,fund,account,budget,start,end,control"]
    with (data / "ledgers.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            ledger = json.loads(line)["ledger"]
            for number in range(1, count + 1):
                for prefix in ("153", "5"):
                    rows.append(
                        f"{ledger},P{number},基准项目{number},基础设施,,{prefix},{funds_control.BIG},"
                        "2025-01-01,2025-09-30,warn"
                    )
    path = data / "funds-report-projects.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    services.projects_import(actor=system_user(), path=path, entered_on=date(2025, 1, 1))
    ProjectEntry.objects.update(state=ProjectState.IMPLEMENTING)
    plans = []
    for entry in ProjectEntry.objects.all():
        for position, (name, state, fen) in enumerate(
            (
                ("开工 40%", "implementing", 400_000_00),
                ("完工 50%", "accepted", 500_000_00),
                ("质保 10%", "evaluated", 100_000_00),
            ),
            start=1,
        ):
            plans.append(
                MilestonePayment(
                    ledger_id=entry.ledger_id,
                    entry=entry,
                    position=position,
                    name=name,
                    due_state=state,
                    amount_fen=fen,
                    is_deposit=position == 3,
                )
            )
    MilestonePayment.objects.bulk_create(plans)
    # The acts say when the state was reached (the passport reads the state at a date from them).
    from villagebooks.funds.models import ProjectAct

    ProjectAct.objects.bulk_create(
        [
            ProjectAct(
                ledger_id=entry.ledger_id,
                entry=entry,
                from_state="declared",
                to_state="implementing",
                acted_on=date(2025, 1, 20),
                actor=system_user(),
            )
            for entry in ProjectEntry.objects.all()
        ]
    )
    return ProjectEntry.objects.count()


def with_projects(source: Path, target: Path, count: int) -> int:
    """The import file with a ``project`` column on every fourth line, rotating over P1…Pcount."""
    tagged = 0
    with (
        source.open(encoding="utf-8", newline="") as reading,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        rows = csv.reader(reading)
        writer = csv.writer(out)
        writer.writerow([*next(rows), "project"])
        for number, row in enumerate(rows):
            project = f"P{(number // 4) % count + 1}" if number % 4 == 0 else ""
            tagged += bool(project)
            writer.writerow([*row, project])
    return tagged


def timed(function, repeat: int) -> dict:
    """Wall and this process's CPU time of each run (on PostgreSQL the server's CPU is not in it)."""
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {
        "median_ms": round(statistics.median(samples), 1),
        "best_ms": round(min(samples), 1),
        "median_cpu_ms": round(statistics.median(cpu), 1),
        "rows": len(result.rows) if hasattr(result, "rows") else len(result),
    }


def load(args, data: Path, spec: dict, results: dict) -> None:
    """Set-up, allocations, projects and the import with projects on a quarter of the lines."""
    from django.db import transaction

    run.setup(data, results)
    with transaction.atomic():
        funds_control.funds_setup(data, "funds")
        results["projects"] = projects_setup(data, args.projects)
    target = data / "vouchers-with-report-projects.csv"
    results["lines_with_project"] = with_projects(data / spec["import_file"], target, args.projects)
    if args.setup_only:  # a template for ``import_copy.py`` (DATA_FILE=this file)
        run.say(f"set up; the import's file: {target}")
        return
    run.say(f"import-vouchers --post ({spec['vouchers']:,} vouchers)")
    command = [str(Path(sys.executable).parent / "villagebooks"), "import-vouchers", str(target), "--post"]
    measured = run.child(command, env=os.environ.copy(), stdout=subprocess.PIPE)
    results["import_seconds"] = round(measured["seconds"], 1)
    results["import_vouchers_per_second"] = round(spec["vouchers"] / measured["seconds"])
    results["import_cpu_seconds"] = round(measured.get("cpu_seconds", 0), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(generate.SCALES), default="small")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--projects", type=int, default=4, help="projects a ledger")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--reports-only",
        action="store_true",
        help="time the reports on the database of the last run (migrated first), without loading it again",
    )
    parser.add_argument(
        "--setup-only",
        action="store_true",
        help="stop before the import: a set-up database for benchmarks/import_copy.py",
    )
    args = parser.parse_args()
    run.OUT.mkdir(parents=True, exist_ok=True)
    villages, vouchers = generate.SCALES[args.scale]
    data = generate.data_dir(args.scale)
    spec = generate.generate(villages=villages, vouchers=vouchers, out=data, quiet=True)
    if args.reports_only:
        url = args.database_url or f"sqlite:///{run.OUT / f'bench-{args.scale}-funds-reports.sqlite3'}"
    else:
        url = run.fresh_database(args.database_url, f"{args.scale}-funds-reports")
    os.environ["DATABASE_URL"] = url
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"
    os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "benchmark-" + secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    results: dict = {"scale": args.scale, "vouchers": spec["vouchers"], "lines": spec["lines"]}
    if not args.reports_only:
        load(args, data, spec, results)
    if args.setup_only:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from villagebooks.funds import passport
    from villagebooks.ledger.models import Ledger

    county = tuple(Ledger.objects.order_by("pk").values_list("pk", flat=True))
    village = county[:1]
    as_of, since = date(generate.YEAR, 12, 31), date(generate.YEAR, 1, 1)
    run.say("project execution and fund passport")
    results["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    results["project_execution_county"] = timed(
        lambda: passport.project_execution(county, as_of, since), args.repeat
    )
    results["fund_passport_county"] = timed(lambda: passport.fund_passport(county, as_of), args.repeat)
    results["project_execution_village"] = timed(
        lambda: passport.project_execution(village, as_of, since), args.repeat
    )
    results["fund_passport_village"] = timed(lambda: passport.fund_passport(village, as_of), args.repeat)
    # The same reports summing the voucher lines, as they did before the summary kept at posting
    # (``funds.spending``): the figures must be equal, the time is what the summary saves.
    lines_repeat = max(1, args.repeat // 2)
    results["project_execution_county_through_lines"] = timed(
        lambda: passport.project_execution(county, as_of, since, source="lines"), lines_repeat
    )
    results["fund_passport_county_through_lines"] = timed(
        lambda: passport.fund_passport(county, as_of, source="lines"), lines_repeat
    )
    assert passport.project_execution(county, as_of, since) == passport.project_execution(
        county, as_of, since, source="lines"
    )
    assert passport.fund_passport(county, as_of) == passport.fund_passport(county, as_of, source="lines")
    from villagebooks.funds.models import ProjectSpending, ProjectSpendingYear

    results["summary_rows"] = ProjectSpending.objects.count()
    results["summary_year_rows"] = ProjectSpendingYear.objects.count()
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["database"] = connection.vendor
    results["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    path = run.OUT / f"results-{args.scale}-funds-reports-{connection.vendor}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
