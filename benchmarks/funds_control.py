"""Issue 12's figures: what budget control (villagebooks/funds/control.py) adds to posting.

Each variant runs on a fresh database, set up as ``run.py`` sets up the county, then:

- ``none``: no allocation and no project: the hook runs and finds nothing to hold vouchers
  against (a voucher with a fund costs one query, one without costs none);
- ``funds``: every earmarked fund of every ledger has an allocation (large enough that nothing
  is refused), so the import's 153 lines with a fund are checked;
- ``projects``: as ``funds``, and every ledger has a project at 实施 with budget lines on 153 and
  5 (every expense), named on a quarter of the import's lines (column ``project``).

Figures: ``villagebooks import-vouchers FILE --post`` in a child process (vouchers/s, as
``run.py``), and ``services.voucher_post`` alone for 200 vouchers that spend from an earmarked
fund (and, in ``projects``, a project): median and p95. Without ``--variant`` every variant runs
in a child of its own and the table compares them.

    .venv/bin/python benchmarks/funds_control.py --scale small
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

import generate  # noqa: E402
import run  # noqa: E402

VARIANTS = ("none", "funds", "projects")
PROJECT = "P1"
BIG = "100000000.00"  # yuan: budgets and allocations nothing in the data set reaches


def say(text: str) -> None:
    run.say(text)


def funds_setup(data: Path, variant: str) -> None:
    """Allocations for every earmarked fund and, for ``projects``, one project a ledger."""
    from villagebooks.funds import services
    from villagebooks.funds.models import ProjectEntry, ProjectState
    from villagebooks.regions.services import system_user

    system = system_user()
    allocations = [
        "allocation,ledger,date,issuer,document_number,fund,fund_kind,amount,purpose,allowed_accounts,project,control"
    ]
    projects = ["ledger,project,name,kind,fund,account,budget,start,end,control"]
    with (data / "ledgers.jsonl").open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            ledger = json.loads(line)
            for index, fund in enumerate(ledger["funds"]):
                if fund["kind"] != "earmarked_transfer":
                    continue
                # warn, not stop: the generated books let a bank account dip below zero here and
                # there (the generator does not keep it up), which a stop allocation would refuse
                # on its first payment from 241; the checks run the same either way.
                allocations.append(
                    f"B{number}-{index},{ledger['ledger']},2025-01-02,县财政局,县财〔2025〕{number}号,"
                    f"{fund['name']},上级专项资金,{BIG},,,,warn"
                )
            for prefix in ("153", "5"):
                projects.append(
                    f"{ledger['ledger']},{PROJECT},基准项目,基础设施,,{prefix},{BIG},2025-01-01,2025-12-31,warn"
                )
    allocations_file = data / "funds-allocations.csv"
    allocations_file.write_text("\n".join(allocations) + "\n", encoding="utf-8")
    services.allocations_import(actor=system, path=allocations_file)
    if variant == "projects":
        projects_file = data / "funds-projects.csv"
        projects_file.write_text("\n".join(projects) + "\n", encoding="utf-8")
        services.projects_import(actor=system, path=projects_file)
        ProjectEntry.objects.update(state=ProjectState.IMPLEMENTING)


def with_projects(source: Path, target: Path) -> int:
    """The import file with a ``project`` column naming the project on every fourth line."""
    tagged = 0
    with (
        source.open(encoding="utf-8", newline="") as reading,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        rows = csv.reader(reading)
        writer = csv.writer(out)
        writer.writerow([*next(rows), "project"])
        for number, row in enumerate(rows):
            project = PROJECT if number % 4 == 0 else ""
            tagged += bool(project)
            writer.writerow([*row, project])
    return tagged


def post_measure(count: int, variant: str) -> dict:
    from django.contrib.auth import get_user_model

    from villagebooks.ledger import services
    from villagebooks.ledger.domain.vouchers import LineInput
    from villagebooks.ledger.models import Fund, Ledger
    from villagebooks.regions.services import system_user

    system = system_user()
    reviewer = get_user_model().objects.get(username="bench-reviewer")
    accountant = get_user_model().objects.get(username="bench-accountant")
    ledgers = list(Ledger.objects.order_by("code")[:20])
    funds = {
        ledger.pk: Fund.objects.filter(ledger=ledger, kind="earmarked_transfer").order_by("name").first().name
        for ledger in ledgers
    }
    project = PROJECT if variant == "projects" else ""
    reviewed = []
    for number in range(count):
        ledger = ledgers[number % len(ledgers)]
        lines = [
            LineInput(
                "道路工程款",
                "15301",
                debit_fen=6_000 + number,
                fund_name=funds[ledger.pk],
                project_code=project,
            ),
            LineInput("道路工程款", "10201", credit_fen=6_000 + number),
        ]
        voucher = services.voucher_create(
            actor=system, ledger=ledger, date=date(generate.YEAR, 12, 31), lines=lines, submit=True
        )
        reviewed.append(services.voucher_review(actor=reviewer, voucher=voucher))
    # Every other voucher is posted with the funds' hooks taken off posting's steps: on a shared
    # machine only figures taken side by side, under the same load, tell what the hooks add.
    from villagebooks.ledger import posting

    hooks = (posting.before_posting[:], posting.after_posting[:])
    samples: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}  # this process's (on SQLite, the database's too)
    for number, voucher in enumerate(reviewed):
        checked = number % 2 == 0
        if not checked:
            posting.before_posting.clear()
            posting.after_posting.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        services.voucher_post(actor=accountant, voucher=voucher)
        samples[checked].append((time.perf_counter() - started) * 1000)
        cpu[checked].append((time.process_time() - started_cpu) * 1000)
        posting.before_posting[:], posting.after_posting[:] = hooks
    checked, unchecked = statistics.median(samples[True]), statistics.median(samples[False])
    # On a loaded machine a longer call is more often descheduled, which moves its median by a
    # time slice: the tenth percentiles show what the hooks cost when neither call waited.
    low = {key: statistics.quantiles(values, n=10)[0] for key, values in samples.items()}
    return {
        "median_ms": round(checked, 2),
        "p95_ms": round(run.p95(samples[True]), 2),
        "median_without_hooks_ms": round(unchecked, 2),
        "added_median_ms": round(checked - unchecked, 2),
        "added_p10_ms": round(low[True] - low[False], 2),
        # The machine's timer rounds many waits to a few milliseconds (PostgreSQL's commit), so
        # that posts gather at steps and the medians' difference jumps between them: the means'
        # difference moves less from run to run.
        "added_mean_ms": round(statistics.fmean(samples[True]) - statistics.fmean(samples[False]), 2),
        "cpu_median_ms": round(statistics.median(cpu[True]), 2),
        "cpu_median_without_hooks_ms": round(statistics.median(cpu[False]), 2),
        "added_cpu_median_ms": round(statistics.median(cpu[True]) - statistics.median(cpu[False]), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def one_variant(args) -> dict:
    villages, vouchers = generate.SCALES[args.scale]
    label = args.scale
    data = generate.data_dir(label)
    spec = generate.generate(villages=villages, vouchers=vouchers, out=data, quiet=True)
    url = run.fresh_database(args.database_url, f"{label}-funds-{args.variant}")
    os.environ["DATABASE_URL"] = url
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"
    os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "benchmark-" + secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", interactive=False, verbosity=0)
    results: dict = {"variant": args.variant, "vouchers": spec["vouchers"], "lines": spec["lines"]}
    run.setup(data, results)
    with transaction.atomic():
        if args.variant != "none":
            funds_setup(data, args.variant)
    source = data / spec["import_file"]
    if args.variant == "projects":
        target = data / "vouchers-with-projects.csv"
        results["lines_with_project"] = with_projects(source, target)
        source = target
    say(f"{args.variant}: import-vouchers --post ({spec['vouchers']} vouchers)")
    command = [str(Path(sys.executable).parent / "villagebooks"), "import-vouchers", str(source), "--post"]
    measured = run.child(command, env=os.environ.copy(), stdout=subprocess.PIPE)
    results["import_seconds"] = round(measured["seconds"], 2)
    results["import_vouchers_per_second"] = round(spec["vouchers"] / measured["seconds"])
    results["import_vouchers_per_cpu_second"] = round(spec["vouchers"] / measured["cpu_seconds"])
    say(f"{args.variant}: voucher_post × {args.posts}")
    results["post"] = post_measure(args.posts, args.variant)
    return results


def posts_only(args) -> dict:
    """``post_measure`` of the projects variant on a database already loaded (``funds_reports.py``
    leaves one: allocations on every earmarked fund, projects P1… at 实施 in every ledger)."""
    url = args.database_url or f"sqlite:///{run.OUT / f'bench-{args.scale}-funds-reports.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"
    os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "benchmark-" + secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    import django

    django.setup()
    from django.db import connection

    say(f"voucher_post × {args.posts} on {connection.vendor}")
    phases = timed_phases() if args.phases else None
    results = {
        "database": connection.vendor,
        "scale": args.scale,
        "post": post_measure(args.posts, "projects"),
    }
    if phases is not None:
        results["phases_ms"] = {
            name: round(statistics.median(values[len(values) // 2 :]), 3)
            for name, values in sorted(phases.items())
        }
    return results


def timed_phases() -> dict[str, list[float]]:
    """Time, call by call, the parts of a posting the hooks add to or change (``--phases``): the
    lines read for the hooks, control's before-posting hook and its reads, posting's own statement
    (which carries the spending summary's CTEs with the hooks) and the chain, apart for calls
    with and without the hooks. The medians of each list's second half (warm) are reported:
    unlike a whole posting's, these do not gather at the steps of the machine's timer."""
    from villagebooks.funds import control
    from villagebooks.ledger import chain, posting

    phases: dict[str, list[float]] = {}

    def timed(function, name):
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                label = f"{name} ({'with' if posting.before_posting else 'without'} hooks)"
                phases.setdefault(label, []).append((time.perf_counter() - started) * 1000)

        return call

    posting._voucher_to_post = timed(posting._voucher_to_post, "lines read")
    posting._number_and_post_in_one_statement = timed(
        posting._number_and_post_in_one_statement, "posting statement"
    )
    chain.append_posted = timed(chain.append_posted, "chain")
    control._run_reads = timed(control._run_reads, "control's reads (saves and posts)")
    index = posting.before_posting.index(control.before_posting)
    posting.before_posting[index] = timed(control.before_posting, "control's before-posting hook")
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(generate.SCALES), default="small")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--variant", choices=VARIANTS)
    parser.add_argument(
        "--posts-only",
        action="store_true",
        help="only the postings (as the projects variant), on a loaded database: --database-url, else"
        " the SQLite file of funds_reports.py at this scale (which has a project P1 a ledger)",
    )
    parser.add_argument(
        "--phases",
        action="store_true",
        help="with --posts-only: the medians of the parts of a posting the hooks add to (timed_phases)",
    )
    args = parser.parse_args()
    run.OUT.mkdir(parents=True, exist_ok=True)
    if args.posts_only:
        print(json.dumps(posts_only(args), ensure_ascii=False))
        return
    if args.variant:
        print(json.dumps(one_variant(args), ensure_ascii=False))
        return
    rows = []
    for variant in VARIANTS:
        command = [
            sys.executable,
            __file__,
            "--scale",
            args.scale,
            "--posts",
            str(args.posts),
            "--variant",
            variant,
        ]
        if args.database_url:
            command += ["--database-url", args.database_url]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(output.strip().splitlines()[-1]))
    print(f"\nBudget control — {args.scale} ({rows[0]['vouchers']:,} vouchers, {rows[0]['lines']:,} lines)")
    print(
        f"  {'variant':<10}{'import vouchers/s':>20}{'per CPU second':>16}{'post median ms':>16}"
        f"{'without hooks':>15}{'added ms':>10}{'added p10':>11}{'load':>7}"
    )
    for row in rows:
        post = row["post"]
        print(
            f"  {row['variant']:<10}{row['import_vouchers_per_second']:>20,}{row['import_vouchers_per_cpu_second']:>16,}"
            f"{post['median_ms']:>16}{post['median_without_hooks_ms']:>15}{post['added_median_ms']:>10}"
            f"{post['added_p10_ms']:>11}{post['load_average'][0]:>7}"
        )
    path = run.OUT / f"results-{args.scale}-funds-control.json"
    path.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"  written {path}")


if __name__ == "__main__":
    main()
