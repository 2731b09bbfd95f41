"""Measure VillageBooks on a county's year of books, against ledger-cli and hledger on the same books.

    .venv/bin/python benchmarks/run.py --scale small                 # SQLite, about a minute
    .venv/bin/python benchmarks/run.py --scale full                  # the county: 300 × 1,500
    .venv/bin/python benchmarks/run.py --scale full \\
        --database-url postgres://postgres@127.0.0.1:5432/villagebooks_bench

Every run starts from a fresh database: a SQLite file under benchmarks/out/ (deleted first;
files elsewhere are refused) or the PostgreSQL database named in the URL (dropped and created
again; only names containing ``bench`` are accepted, so the tests' ``test`` database and real
ones are safe). It then
1. loads the region tree and sets up every ledger through the services (not timed as a figure);
2. imports and posts the year's vouchers with ``villagebooks import-vouchers FILE --post`` in a
   child process: wall time, vouchers a second, and the child's peak RSS (``wait4`` rusage);
3. times one village's year trial balance (``scope_for_ledger`` + ``build_trial_balance``) and
   the county's consolidated one (``scope_for_region``), as a county-office user sees them;
   then (benchmarks/reports.py) one village's balance sheet and income statement, the county's
   consolidated ones, and the county workbook: consolidated trial balance + trial balance per village;
4. times ``verify`` over the whole county (``ledgers_verify``: balances and every hash chain),
   a signed checkpoint of the county (``region_checkpoint``: every ledger's Merkle root), and a
   village's export checked against it with no database (``verify_books.verify_export``);
5. times ``ledger -f county.journal bal`` and ``hledger -f county.journal bal`` (peak RSS too)
   and checks that hledger's balances equal our county trial balance, account by account;
6. times ``voucher_post`` alone for N vouchers prepared, submitted and reviewed beforehand.
It prints a table and writes benchmarks/out/results-<scale>-<database>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402  (benchmarks/generate.py, beside this file)
import reports  # noqa: E402  (benchmarks/reports.py: the statements and the county workbook)

OUT = ROOT / "benchmarks" / "out"
TARGETS = {
    "import_vouchers_per_second": ">= 5000",
    "import_peak_rss_mb": "< 500",
    "post_median_ms": "< 10",
    "village_trial_balance_median_ms": "< 20",
    "county_trial_balance_median_ms": "< 300",
    "verify_seconds": "< 60 (full county, SQLite)",
    "checkpoint_seconds": "< 5 (county)",
    "verify_export_seconds": "< 2 (a village)",
    **reports.TARGETS,
}
REFUSED_DATABASES = {"test", "postgres", "template0", "template1"}


# ---------------------------------------------------------------------------------------------
# The database


def fresh_database(url: str | None, scale: str) -> str:
    """A URL of an empty database for this run (created here)."""
    if not url:
        path = OUT / f"bench-{scale}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1]).resolve()
        if OUT.resolve() not in path.parents:
            raise SystemExit(f"refusing to delete {path}: a benchmark's SQLite file lives under {OUT}")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = config["NAME"]
    if name in REFUSED_DATABASES or "bench" not in name:
        # The run drops it: only a database made for benchmarks, never the tests' or a real one.
        raise SystemExit(
            f"refusing to drop the database {name!r}: name one with 'bench' in it, e.g. villagebooks_bench"
        )
    admin = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"] or "postgres",
        "dbname": "postgres",
    }
    if config["PASSWORD"]:
        admin["password"] = config["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url


def database_label(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


# ---------------------------------------------------------------------------------------------
# Measuring


def child(command: list[str], *, env: dict | None = None, stdout=subprocess.DEVNULL) -> dict:
    """Run a command; its wall time, CPU time and peak memory, its own processes' included.

    A big PostgreSQL import reads its file in a second process (ledger/importing/apart.py), so the
    peak is that of the sum of the resident sets of the command and its descendants, sampled every
    20 ms (pages the two share, such as the interpreter's, are counted twice: an upper bound).
    wait4's figure, the largest single process, is kept beside it.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE)
    peak = [0]
    threads: dict[tuple[int, int], float] = {}  # (process, thread) → its CPU seconds, last seen
    sampler = threading.Thread(target=_sample_tree_rss, args=(process.pid, peak, threads), daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{error[-3000:]}")
    return {
        "seconds": seconds,
        "peak_rss_mb": max(peak[0], usage.ru_maxrss * 1024) / 2**20,
        "largest_process_peak_rss_mb": usage.ru_maxrss / 1024,
        # The command's and its reaped children's (wait4 adds them up).
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        # The busiest thread's CPU time (sampled, so up to 20 ms short): the import stores rows on
        # a second thread (SQLite) or reads in a second process (PostgreSQL), so on a machine with
        # a core free for each the wall time is about this, whatever else the machine runs.
        "busiest_thread_cpu_seconds": max(threads.values(), default=0.0),
        "stderr": error,
    }


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _tree_rss_bytes(pid: int, threads: dict[tuple[int, int], float] | None = None) -> int:
    """The resident set of ``pid`` and of its descendants, now (0 once it has exited); each of
    their threads' CPU seconds so far go into ``threads``."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
                if threads is not None:
                    with open(f"/proc/{current}/task/{task}/stat") as stat:
                        fields = stat.read().rsplit(")", 1)[1].split()
                    threads[(current, int(task))] = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        except (OSError, ValueError):
            continue  # it ended meanwhile
    return total


def _sample_tree_rss(pid: int, peak: list[int], threads: dict[tuple[int, int], float] | None = None) -> None:
    while os.path.exists(f"/proc/{pid}/status"):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":  # exited, waiting to be reaped
                    return
        except OSError:
            return
        peak[0] = max(peak[0], _tree_rss_bytes(pid, threads))
        time.sleep(0.02)


# One way of timing for every figure: a warm-up call, then the samples in milliseconds.
timed, p95 = reports.timed, reports.p95


STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f} s] {text}", flush=True)


# ---------------------------------------------------------------------------------------------
# The run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(generate.SCALES), default="small")
    parser.add_argument("--villages", type=int, help="overrides the scale's village count")
    parser.add_argument("--vouchers", type=int, help="vouchers a village a year (overrides the scale)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--posts", type=int, default=200, help="vouchers posted one by one (default 200)")
    parser.add_argument("--no-hledger", action="store_true", help="skip ledger-cli and hledger")
    parser.add_argument(
        "--setup-only", action="store_true", help="stop after the set-up, for timing the import by hand"
    )
    args = parser.parse_args()

    villages, vouchers = generate.SCALES[args.scale]
    villages, vouchers = args.villages or villages, args.vouchers or vouchers
    label = args.scale if (villages, vouchers) == generate.SCALES[args.scale] else f"{villages}x{vouchers}"
    OUT.mkdir(parents=True, exist_ok=True)
    data = generate.data_dir(label)
    say(f"data: {villages} villages × {vouchers} vouchers a year → {data}")
    spec = generate.generate(villages=villages, vouchers=vouchers, out=data)

    url = fresh_database(args.database_url, label)
    database = database_label(url)
    os.environ["DATABASE_URL"] = url
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"  # as in production: no query log kept in memory
    # Outside DEBUG the settings want a key; the benchmark's throwaway database needs no lasting one.
    os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "benchmark-" + secrets.token_urlsafe(40))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    results: dict = {
        "scale": label,
        "database": database,
        "villages": villages,
        "vouchers_per_village": vouchers,
        "vouchers": spec["vouchers"],
        "lines": spec["lines"],
        "generator_version": spec.get("generator_version"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "date": date.today().isoformat(),
    }

    say(f"fresh {database} database; migrate")
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    results["migrate_seconds"] = round(time.perf_counter() - started, 2)
    results["database_version"] = database_version(connection)

    setup(data, results)
    if args.setup_only:
        say(f"set up in {results['setup']['seconds']} s; import by hand with DATABASE_URL={url}:")
        print(f"  villagebooks import-vouchers {data / spec['import_file']} --post")
        return
    import_measure(data, spec, results)
    reports_measure(data, results)
    reports.statements_measure(results, say=say)
    reports.api_measure(results, say=say)
    verify_measure(results)
    chain_measure(results)
    if not args.no_hledger:
        journal_measure(data, results)
    post_measure(args.posts, results)

    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = TARGETS
    results.pop("_county_closing", None)
    path = OUT / f"results-{label}-{database}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print_table(results)
    say(f"written {path}")


def database_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return "SQLite " + cursor.fetchone()[0]
        cursor.execute("show server_version")
        return "PostgreSQL " + cursor.fetchone()[0]


def setup(data: Path, results: dict) -> None:
    """Regions, users and every ledger's set-up, through the services (timed, not a target)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from villagebooks.demo.generator import CountyFiles
    from villagebooks.demo.loading import ledgers_load, regions_load
    from villagebooks.regions.models import Region
    from villagebooks.regions.services import role_grant, system_user

    files = CountyFiles(directory=data, regions=data / "regions.csv", ledgers=data / "ledgers.jsonl")
    system = system_user()
    say("set-up: regions, users and ledgers through the services")
    started = time.perf_counter()
    with transaction.atomic():
        regions_load(actor=system, files=files)
        county = Region.objects.get(kind="county")
        User = get_user_model()
        for username, role in (
            ("bench-county", "county"),
            ("bench-reviewer", "reviewer"),
            ("bench-accountant", "accountant"),
        ):
            user = User.objects.create_user(username=username)
            role_grant(actor=system, user=user, role=role, region=county)

        def progress(number: int) -> None:
            if number % 50 == 0:
                say(f"  {number} ledgers set up")

        setups = ledgers_load(actor_for=lambda township: system, files=files, progress=progress)
    results["setup"] = {"ledgers": len(setups), "seconds": round(time.perf_counter() - started, 1)}
    results["county_code"] = county.code


def import_measure(data: Path, spec: dict, results: dict) -> None:
    say(f"import-vouchers --post {spec['import_file']} ({spec['vouchers']} vouchers) in a child process")
    command = [
        str(Path(sys.executable).parent / "villagebooks"),
        "import-vouchers",
        str(data / spec["import_file"]),
        "--post",
    ]
    measured = child(command, env=os.environ.copy(), stdout=subprocess.PIPE)
    results["import"] = {
        "command": "villagebooks import-vouchers FILE --post",
        "seconds": round(measured["seconds"], 2),
        "vouchers_per_second": round(spec["vouchers"] / measured["seconds"]),
        "lines_per_second": round(spec["lines"] / measured["seconds"]),
        "peak_rss_mb": round(measured["peak_rss_mb"], 1),
        "largest_process_peak_rss_mb": round(measured["largest_process_peak_rss_mb"], 1),
        "cpu_seconds": round(measured["cpu_seconds"], 1),
        # On a shared machine the child may wait for a CPU: this is its rate per CPU second.
        "vouchers_per_cpu_second": round(spec["vouchers"] / measured["cpu_seconds"]),
        "busiest_thread_cpu_seconds": round(measured["busiest_thread_cpu_seconds"], 1),
        # What a machine with a core free for each thread does (see ``child``).
        "vouchers_per_busiest_thread_cpu_second": round(
            spec["vouchers"] / max(measured["busiest_thread_cpu_seconds"], 0.01)
        ),
    }
    from villagebooks.ledger.models import Voucher, VoucherStatus

    posted = Voucher.objects.filter(status=VoucherStatus.POSTED).count()
    if posted != spec["vouchers"]:
        raise SystemExit(f"expected {spec['vouchers']} posted vouchers, found {posted}")


def _year_key(results: dict) -> tuple[int, int]:
    return generate.YEAR * 100 + 1, generate.YEAR * 100 + 12


def reports_measure(data: Path, results: dict) -> None:
    from django.contrib.auth import get_user_model

    from villagebooks.ledger.models import Ledger
    from villagebooks.reports.scope import scope_for_ledger, scope_for_region
    from villagebooks.reports.trial_balance import build_trial_balance

    user = get_user_model().objects.get(username="bench-county")
    first, last = _year_key(results)
    codes = list(Ledger.objects.order_by("code").values_list("code", flat=True))
    sample = codes[:: max(len(codes) // 20, 1)][:20]
    say(f"trial balances: one village ({len(sample)} villages × 5 runs), the county (9 runs)")
    village_ms = []
    for _ in range(5):
        for code in sample:
            village_ms += timed(
                lambda code=code: build_trial_balance(
                    scope_for_ledger(user=user, ledger_code=code, from_key=first, to_key=last)
                ),
                1,
            )
    county_code = results["county_code"]

    def county_trial_balance():
        return build_trial_balance(
            scope_for_region(user=user, region_code=county_code, from_key=first, to_key=last)
        )

    county_ms = timed(county_trial_balance, 9)
    trial = county_trial_balance()
    results["village_trial_balance"] = {
        "median_ms": round(statistics.median(village_ms), 2),
        "p95_ms": round(p95(village_ms), 2),
        "runs": len(village_ms),
    }
    results["county_trial_balance"] = {
        "median_ms": round(statistics.median(county_ms), 1),
        "min_ms": round(min(county_ms), 1),
        "max_ms": round(max(county_ms), 1),
        "runs": len(county_ms),
        "ledgers": len(trial.scope.ledger_ids),
        "balanced": trial.is_balanced,
    }
    # Closing net debit balance per account code, to compare with hledger below.
    results["_county_closing"] = {row.code: row.closing_fen for row in trial.rows}


def verify_measure(results: dict) -> None:
    from villagebooks.ledger.verification import ledgers_verify

    say("verify: recompute every balance of the county from its lines")
    started, cpu = time.perf_counter(), time.process_time()
    found = ledgers_verify()
    results["verify"] = {
        "seconds": round(time.perf_counter() - started, 2),
        # SQLite runs in this process: on a busy shared machine its CPU time is the steadier figure.
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "discrepancies": len(found),
    }


def chain_measure(results: dict) -> None:
    """Issue 11's figures: a checkpoint of the county, and a village's export checked against it."""
    from django.conf import settings

    from villagebooks import verify_books
    from villagebooks.ledger import checkpoints
    from villagebooks.ledger.models import ChainEntry, Ledger
    from villagebooks.regions.models import Region
    from villagebooks.regions.services import system_user
    from villagebooks.reports.ledger_export import ledger_export

    key = OUT / "bench-checkpoint-key.pem"
    key.unlink(missing_ok=True)
    settings.CHECKPOINT_KEY_FILE = key
    system = system_user()
    checkpoints.key_create(actor=system)
    county = Region.objects.get(code=results["county_code"])
    say("checkpoint: sign the county's chains (every ledger's Merkle root, one region root)")
    started, cpu = time.perf_counter(), time.process_time()
    checkpoint = checkpoints.region_checkpoint(actor=system, region=county)
    seconds = time.perf_counter() - started
    results["checkpoint"] = {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "ledgers": checkpoint.tree_size,
        "chain_entries": ChainEntry.objects.count(),
    }
    ledger = Ledger.objects.order_by("code").first()
    target = OUT / "bench-export.zip"
    say(f"export-ledger {ledger.code}, then verify the export against the county checkpoint")
    started = time.perf_counter()
    ledger_export(actor=system, ledger_code=ledger.code, target=target)
    export_seconds = time.perf_counter() - started
    published = checkpoints.as_file(checkpoint)
    started = time.perf_counter()
    problems = verify_books.verify_export(target, published)
    results["verify_export"] = {
        "seconds": round(time.perf_counter() - started, 3),
        "export_seconds": round(export_seconds, 2),
        "ledger": ledger.code,
        "problems": len(problems),
    }
    key.unlink(missing_ok=True)


def journal_measure(data: Path, results: dict) -> None:
    journal = data / "county.journal"
    tools = {}
    for tool in ("ledger", "hledger"):
        binary = shutil.which(tool)
        if binary is None:
            tools[tool] = "not installed"
            continue
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        say(f"{tool} -f county.journal bal")
        runs = [child([binary, "-f", str(journal), "bal"])]
        if runs[0]["seconds"] < 20:  # repeat the quick ones and keep the median
            runs += [child([binary, "-f", str(journal), "bal"]) for _ in range(2)]
        seconds = statistics.median(r["seconds"] for r in runs)
        tools[tool] = {
            "version": version,
            "command": f"{tool} -f county.journal bal",
            "seconds": round(seconds, 2),
            "runs": len(runs),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
        }
    results["journal_tools"] = tools
    county_ms = results["county_trial_balance"]["median_ms"]
    results["ratios"] = {
        f"county_trial_balance / {tool} bal": round(county_ms / 1000 / info["seconds"], 4)
        for tool, info in tools.items()
        if isinstance(info, dict)
    }
    if "import" in results:
        results["ratios"] |= {
            f"import --post / {tool} bal": round(results["import"]["seconds"] / info["seconds"], 2)
            for tool, info in tools.items()
            if isinstance(info, dict)
        }
    if isinstance(tools.get("hledger"), dict):
        say("checking hledger's balances against our county trial balance")
        output = subprocess.run(
            ["hledger", "-f", str(journal), "bal", "--flat", "--no-total", "-O", "csv"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        theirs = {}
        for row in list(csv.reader(output.splitlines()))[1:]:
            code = row[0].rsplit(":", 1)[-1][1:]
            theirs[code] = _fen(row[1])
        # Leaf accounts only: hledger's flat list gives a parent its own postings, and ours none.
        closing = results["_county_closing"]
        leaves = [c for c in closing if not any(o != c and o.startswith(c) for o in closing)]
        ours = {code: closing[code] for code in leaves if closing[code]}
        theirs = {code: fen for code, fen in theirs.items() if fen}
        differing = sorted(code for code in ours.keys() | theirs.keys() if ours.get(code) != theirs.get(code))
        results["hledger_agrees"] = {"accounts_compared": len(ours), "differing": differing}


def _fen(text: str) -> int:
    text = text.strip()
    whole, _, cents = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole or "0")) * 100 + int((cents + "00")[:2]))


def post_measure(count: int, results: dict) -> None:
    """``voucher_post`` alone: vouchers are created, submitted and reviewed before the clock runs."""
    from django.contrib.auth import get_user_model

    from villagebooks.ledger import services
    from villagebooks.ledger.domain.vouchers import LineInput
    from villagebooks.ledger.models import Ledger
    from villagebooks.regions.services import system_user

    say(f"voucher_post: {count} vouchers, one at a time")
    system = system_user()
    reviewer = get_user_model().objects.get(username="bench-reviewer")
    # The accountant's click, role check included (the system operator skips it as a superuser).
    accountant = get_user_model().objects.get(username="bench-accountant")
    ledgers = list(Ledger.objects.order_by("code")[:20])
    day = date(generate.YEAR, 12, 31)
    reviewed = []
    for number in range(count):
        lines = [
            LineInput(summary="购办公用品", account_code="51301", debit_fen=6_000 + number),
            LineInput(summary="报销差旅费", account_code="51302", debit_fen=4_000),
            LineInput(summary="报销办公用品及差旅费", account_code="10201", credit_fen=10_000 + number),
        ]
        voucher = services.voucher_create(
            actor=system, ledger=ledgers[number % len(ledgers)], date=day, lines=lines, submit=True
        )
        reviewed.append(services.voucher_review(actor=reviewer, voucher=voucher))
    samples = []
    for voucher in reviewed:
        started = time.perf_counter()
        services.voucher_post(actor=accountant, voucher=voucher)
        samples.append((time.perf_counter() - started) * 1000)
    results["post"] = {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(p95(samples), 2),
        "max_ms": round(max(samples), 2),
        "posts": len(samples),
    }


def print_table(results: dict) -> None:
    imp, post = results["import"], results["post"]
    village, county = results["village_trial_balance"], results["county_trial_balance"]
    rows = [
        (
            "data",
            f"{results['villages']} villages, {results['vouchers']:,} vouchers, {results['lines']:,} lines",
            "",
        ),
        ("set-up (regions, ledgers, funds …)", f"{results['setup']['seconds']} s", ""),
        (
            "import --post",
            f"{imp['seconds']} s = {imp['vouchers_per_second']:,} vouchers/s"
            f" ({imp['vouchers_per_cpu_second']:,} per CPU second of the importing process;"
            f" {imp['vouchers_per_busiest_thread_cpu_second']:,} per CPU second of its busiest thread)",
            TARGETS["import_vouchers_per_second"],
        ),
        ("import peak RSS", f"{imp['peak_rss_mb']} MB", TARGETS["import_peak_rss_mb"]),
        (
            "voucher_post",
            f"median {post['median_ms']} ms, p95 {post['p95_ms']} ms",
            TARGETS["post_median_ms"],
        ),
        (
            "village year trial balance",
            f"median {village['median_ms']} ms, p95 {village['p95_ms']} ms",
            TARGETS["village_trial_balance_median_ms"],
        ),
        (
            "county year trial balance",
            f"median {county['median_ms']} ms ({county['ledgers']} ledgers)",
            TARGETS["county_trial_balance_median_ms"],
        ),
        (
            "verify (whole county)",
            f"{results['verify']['seconds']} s ({results['verify']['cpu_seconds']} CPU s),"
            f" {results['verify']['discrepancies']} discrepancies",
            TARGETS["verify_seconds"],
        ),
        (
            "checkpoint (county)",
            f"{results['checkpoint']['seconds']} s ({results['checkpoint']['cpu_seconds']} CPU s,"
            f" {results['checkpoint']['ledgers']} ledgers,"
            f" {results['checkpoint']['chain_entries']:,} chain entries)",
            TARGETS["checkpoint_seconds"],
        ),
        (
            "verify-export (a village)",
            f"{results['verify_export']['seconds']} s, {results['verify_export']['problems']} problems"
            f" (export {results['verify_export']['export_seconds']} s)",
            TARGETS["verify_export_seconds"],
        ),
        *reports.table_rows(results),
    ]
    for tool, info in results.get("journal_tools", {}).items():
        text = f"{info['seconds']} s, {info['peak_rss_mb']} MB" if isinstance(info, dict) else info
        rows.append((f"{tool} -f journal bal", text, ""))
    for name, ratio in results.get("ratios", {}).items():
        rows.append((name, f"{ratio}", ""))
    if "hledger_agrees" in results:
        agree = results["hledger_agrees"]
        rows.append(
            (
                "hledger balances = ours",
                "yes" if not agree["differing"] else f"NO: {agree['differing'][:10]}",
                "",
            )
        )
    print()
    print(
        f"VillageBooks benchmark — {results['scale']} on {results['database_version']}, {results['machine']['cpus']} CPUs"
    )
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value}" + (f"   (target {target})" if target else ""))


if __name__ == "__main__":
    main()
