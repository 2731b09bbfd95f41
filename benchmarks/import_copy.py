"""Time ``import-vouchers --post`` of the county on a fresh copy of a set-up PostgreSQL database.

    .venv/bin/python benchmarks/run.py --scale full --setup-only \\
        --database-url postgres://postgres@127.0.0.1:5432/villagebooks_bench      # once
    .venv/bin/python benchmarks/quiet.py --db villagebooks_bench_copy -- \\
        .venv/bin/python benchmarks/import_copy.py villagebooks_bench villagebooks_bench_copy

Each run copies the set-up database (``CREATE DATABASE … TEMPLATE``, dropped first), imports the
data set of ``run.py --scale full`` (``DATA``: another data directory) with ``run.child`` (wall,
CPU and peak RSS of the importing processes, the busiest thread) and samples, every half second,
the CPU seconds of the import's server backends and of each of its threads (``/proc``): on
PostgreSQL the writing process, its writing thread (``ledger/background_writes.py``), the reading
process and the server's backend share two cores, and which of them waits is the figure to watch.
``DATA_FILE`` names another file to import (``funds_reports.py --setup-only`` makes a template with
allocations and projects, and a file with a project on a quarter of the lines). Prints one line
of JSON. Only names containing ``bench`` are accepted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import run  # noqa: E402  (benchmarks/run.py, beside this file)

TICK = os.sysconf("SC_CLK_TCK")


def psql(sql: str) -> str:
    command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atqc", sql, "postgres"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def cpu_seconds(path: str) -> float:
    fields = open(path).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def writes_timing(stderr: str) -> dict:
    """What the writing process printed of its waits (``VILLAGEBOOKS_WRITES_TIMING``), rounded."""
    for line in stderr.splitlines():
        if line.startswith('{"background_writes"'):
            timing = json.loads(line)["background_writes"]
            return {
                key: round(value, 1) if isinstance(value, float) else value for key, value in timing.items()
            }
    return {}


def main() -> None:
    template, copy = sys.argv[1], sys.argv[2]
    if "bench" not in template or "bench" not in copy:
        raise SystemExit("only databases whose names contain 'bench'")
    data = Path(os.environ.get("DATA", ROOT / "benchmarks" / "out" / "data-full"))
    spec = json.loads((data / "spec.json").read_text())
    psql(f"DROP DATABASE IF EXISTS {copy}")
    psql(f"CREATE DATABASE {copy} TEMPLATE {template}")
    backends: dict[str, float] = {}
    threads: dict[str, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{copy}'").split():
                try:
                    backends[pid] = cpu_seconds(f"/proc/{pid}/stat")
                except OSError:
                    pass
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    command = open(f"/proc/{pid}/cmdline").read()
                    if "import-vouchers" not in command and "reader_start" not in command:
                        continue
                    if f"/{copy}\0".encode() not in open(f"/proc/{pid}/environ", "rb").read():
                        continue  # another engineer's import
                    role = "reading" if "reader_start" in command else "writing"
                    for task in os.listdir(f"/proc/{pid}/task"):
                        threads[f"{role} {task}"] = cpu_seconds(f"/proc/{pid}/task/{task}/stat")
                except OSError:
                    pass
            time.sleep(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{copy}",
        VILLAGEBOOKS_DEBUG="0",
        VILLAGEBOOKS_WRITES_TIMING="1",  # the writing process's waits (ledger/background_writes.py)
    )
    env.setdefault("VILLAGEBOOKS_SECRET_KEY", "benchmark-" + "x" * 40)
    load = os.getloadavg()
    command = [
        str(Path(sys.executable).parent / "villagebooks"),
        "import-vouchers",
        os.environ.get("DATA_FILE") or str(data / spec["import_file"]),
    ]
    measured = run.child([*command, "--post"], env=env)
    done.set()
    sampler.join()
    print(
        json.dumps(
            {
                "vouchers": spec["vouchers"],
                "seconds": round(measured["seconds"], 1),
                "vouchers_per_second": round(spec["vouchers"] / measured["seconds"]),
                "cpu_seconds": round(measured["cpu_seconds"], 1),
                "threads_cpu_seconds": {k: round(v, 1) for k, v in threads.items() if v > 0.5},
                "server_backends_cpu_seconds": {k: round(v, 1) for k, v in backends.items()},
                "peak_rss_mb": round(measured["peak_rss_mb"]),
                "load_average_before": [round(x, 2) for x in load],
                "writing_process": writes_timing(measured["stderr"]),
            }
        )
    )


if __name__ == "__main__":
    main()
