"""Write the benchmark county: import CSV, regions, ledger set-up and a ledger-cli journal.

    .venv/bin/python benchmarks/generate.py --scale full      # 300 villages × 1,500 vouchers
    .venv/bin/python benchmarks/generate.py --villages 50 --vouchers 800 --out /tmp/county

The books are ``villagebooks.demo.generator``'s, for one year (2025) on the 2023 chart, in one
import file for the whole county (``vouchers-2025.csv``) and the same books as
``county.journal`` for ``ledger`` and ``hledger``. Deterministic: the same scale and seed give
the same bytes. ``spec.json`` records what was asked, so ``run.py`` can reuse the files.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
SCALES = {
    "small": (20, 300),  # a quick check: runs in about a minute
    "medium": (100, 1500),
    "full": (300, 1500),  # the county of architecture.md: ≈ 450,000 vouchers, ≈ 1.8 M lines
}
YEAR = 2025
SEED = 2025


def spec_for(villages: int, vouchers: int, seed: int = SEED):
    from villagebooks.demo.generator import CountySpec

    return CountySpec(
        villages=villages, vouchers_per_year=vouchers, first_year=YEAR, end=date(YEAR, 12, 31), seed=seed
    )


def data_dir(scale: str) -> Path:
    return OUT / f"data-{scale}"


def generate(*, villages: int, vouchers: int, out: Path, seed: int = SEED, quiet: bool = False) -> dict:
    """Write the files (unless ``out`` already holds these exact books) and return spec.json."""
    from villagebooks.demo.generator import GENERATOR_VERSION, write_county

    wanted = {
        "villages": villages,
        "vouchers_per_year": vouchers,
        "year": YEAR,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
    }
    spec_file = out / "spec.json"
    if spec_file.exists():
        done = json.loads(spec_file.read_text(encoding="utf-8"))
        if {k: done.get(k) for k in wanted} == wanted:
            if not quiet:
                print(f"{out}: already generated ({done['vouchers']} vouchers, {done['lines']} lines)")
            return done
        spec_file.unlink()
    started = time.perf_counter()

    def progress(number: int, total: int) -> None:
        if not quiet and (number % 25 == 0 or number == total):
            print(f"  {number}/{total} villages, {time.perf_counter() - started:.1f} s", flush=True)

    files = write_county(spec_for(villages, vouchers, seed), out, journal=True, progress=progress)
    seconds = time.perf_counter() - started
    result = wanted | {
        "vouchers": files.voucher_count[YEAR],
        "lines": files.line_count[YEAR],
        "generate_seconds": round(seconds, 1),
        "import_file": files.vouchers[str(YEAR)].name,
        "import_bytes": files.vouchers[str(YEAR)].stat().st_size,
        "journal_bytes": files.journal.stat().st_size,
    }
    # Written last: its presence means the set is complete.
    spec_file.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if not quiet:
        print(
            f"{out}: {villages} villages, {result['vouchers']} vouchers, {result['lines']} lines"
            f" in {seconds:.1f} s (import file {result['import_bytes'] / 1e6:.0f} MB,"
            f" journal {result['journal_bytes'] / 1e6:.0f} MB)"
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--villages", type=int, help="overrides the scale's village count")
    parser.add_argument("--vouchers", type=int, help="vouchers a village a year (overrides the scale)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="default: benchmarks/out/data-<scale>")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    villages, vouchers = SCALES[args.scale]
    generate(
        villages=args.villages or villages,
        vouchers=args.vouchers or vouchers,
        out=args.out or data_dir(args.scale),
        seed=args.seed,
    )


if __name__ == "__main__":
    main()
