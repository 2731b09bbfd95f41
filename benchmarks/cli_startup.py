"""How long the ``villagebooks`` command takes to start: ``--help`` and a CSV report.

Issue 18 asks for under 0.5 s of start-up for both. The script makes a small SQLite database
in a temporary directory (one village ledger and an accountant: a CSV report's start-up does
not depend on the size of the books), runs each command ``--runs`` times in a fresh interpreter
and prints the fastest and the median wall-clock time and the median CPU time (user + system,
steadier than the clock when others share the machine), then the heavy libraries each command
imported (they should be none) and the ten slowest imports from ``python -X importtime``.

    .venv/bin/python benchmarks/cli_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
HEAVY = ("openpyxl", "fpdf", "PIL", "pypinyin", "ninja", "pydantic")
LEDGER, USER = "510781100201-01", "accountant"
COMMANDS = {
    "villagebooks --help": ["--help"],
    "report trial-balance --format csv": [
        "report",
        "trial-balance",
        "--user",
        USER,
        "--ledger",
        LEDGER,
        "--from",
        "2025-01",
        "--to",
        "2025-03",
        "--format",
        "csv",
    ],
}
# One process: the schema, a region tree down to one village, its ledger and an accountant.
PREPARE = f"""
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from villagebooks.ledger.services import ledger_create
from villagebooks.regions.models import Region
from villagebooks.regions.services import regions_import_csv, role_grant, system_user

call_command("migrate", verbosity=0)
actor = system_user()
regions_import_csv(actor=actor, text=(
    "code,name,parent_code,kind\\n"
    "510000000000,四川省,,province\\n"
    "510781000000,江油市,510000000000,county\\n"
    "510781100000,新安镇,510781000000,township\\n"
    "510781100201,黑滩村,510781100000,village\\n"
))
ledger_create(actor=actor, village_code="510781100201", code="{LEDGER}", name="黑滩村股份经济合作联合社",
              chart="2023", start_year=2025, start_month=1)
user = get_user_model().objects.create_user(username="{USER}", password="not-used-here-1")
role_grant(actor=actor, user=user, role="accountant", region=Region.objects.get(code="510781100000"))
"""
# Runs a command as the console script does, then names every top-level package it imported.
PROBE = """
import json, sys
from villagebooks.cli import main
try:
    main(["villagebooks", *sys.argv[1:]])
finally:
    packages = sorted({name.split(".")[0] for name in sys.modules})
    sys.stderr.write("IMPORTED " + json.dumps(packages) + "\\n")
"""


def environment(home: Path) -> dict[str, str]:
    """Production-like settings on a SQLite file under ``home``; none of the caller's leak in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("VILLAGEBOOKS_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return env | {
        "VILLAGEBOOKS_HOME": str(home),
        "DATABASE_URL": f"sqlite:///{home / 'startup.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "villagebooks.settings",
        # Production refuses to start without a key; a throwaway one serves a timing run.
        "VILLAGEBOOKS_SECRET_KEY": "startup-benchmark-" + secrets.token_urlsafe(32),
    }


def prepare(home: Path) -> None:
    subprocess.run([sys.executable, "-c", PREPARE], env=environment(home), cwd=home, check=True)


def heavy_imports(home: Path, args: list[str]) -> list[str]:
    """The heavy libraries that ``villagebooks ARGS`` imported, from a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=environment(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("IMPORTED ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"villagebooks {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return sorted(set(json.loads(lines[-1].removeprefix("IMPORTED "))) & set(HEAVY))


def wall_times(home: Path, args: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds (user + system) of each run; CPU time varies less on a busy machine."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "villagebooks"), *args],
            env=environment(home),
            cwd=home,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return times, cpu


def slowest_imports(home: Path, args: list[str], count: int = 10) -> list[tuple[int, str]]:
    """The top-level imports with the largest cumulative time (µs), from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "villagebooks.cli", *args],
        env=environment(home),
        cwd=home,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (default 10)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="villagebooks-startup-") as directory:
        home = Path(directory)
        prepare(home)
        print(f"{'command':<36} {'fastest':>8} {'median':>8} {'CPU':>7}  heavy imports")
        for title, args in COMMANDS.items():
            times, cpu = wall_times(home, args, options.runs)
            heavy = ", ".join(heavy_imports(home, args)) or "none"
            print(
                f"{title:<36} {min(times):>7.3f}s {statistics.median(times):>7.3f}s"
                f" {statistics.median(cpu):>6.3f}s  {heavy}"
            )
        for title, args in COMMANDS.items():
            print(f"\nslowest top-level imports of {title} (cumulative ms):")
            for micros, name in slowest_imports(home, args):
                print(f"  {micros / 1000:7.1f}  {name}")


if __name__ == "__main__":
    main()
