"""Issue 15's page targets: a public village page under 100 ms at the server and under 200 KB
transferred.

Loads the demo county (``villagebooks demo``: 40 villages, every village's last closed quarter and
month published) into a database of its own, then requests the public pages without login through
Django's test client (routing, queries, the check of the disclosure against the books, template;
no network, no browser): each page one untimed warm-up, then 15 timed requests, median and p95
of the wall time, and the median CPU time of this process (on SQLite it includes the database's
work; on PostgreSQL the server's is not in it) — the figure a loaded machine inflates least.
"Transferred" is the page's HTML plus its one stylesheet (the public pages load nothing else), as
sent and gzip-compressed (what a proxy with gzip on sends). Pages of the village with the most
posted vouchers (the heaviest check) and of the first village.

    .venv/bin/python benchmarks/disclosure_pages.py [--reuse] [--database-url URL]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RUNS = 15
TARGET_MS = 100
TARGET_BYTES = 200_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty database to load the demo into (default: SQLite)")
    parser.add_argument("--reuse", action="store_true", help="measure the database of the last run")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if url is None:
        path = OUT / "disclosure-demo.sqlite3"
        if not args.reuse:
            for leftover in OUT.glob("disclosure-demo.sqlite3*"):
                leftover.unlink()
        url = f"sqlite:///{path}"
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"
    os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghij")
    os.environ["VILLAGEBOOKS_MEDIA_ROOT"] = str(OUT / "disclosure-media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if not args.reuse:
        if url.startswith("postgres"):
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("demo", stdout=open(os.devnull, "w"))
        print(f"demo county loaded in {time.perf_counter() - started:.0f} s ({url.split('://')[0]})")
    measure()


def _stylesheet() -> bytes:
    return (ROOT / "villagebooks" / "disclosure" / "static" / "disclosure" / "public.css").read_bytes()


def measure() -> None:
    from django.core.cache import cache
    from django.db.models import Count
    from django.test import Client

    from villagebooks.disclosure.models import Disclosure
    from villagebooks.ledger.models import Voucher

    codes = list(
        Disclosure.objects.values_list("ledger__code", flat=True).distinct().order_by("ledger__code")
    )
    busiest = (
        Voucher.objects.filter(ledger__code__in=codes, status="posted")
        .values("ledger__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    css = _stylesheet()
    client = Client(HTTP_HOST="127.0.0.1")
    print(
        f"{Disclosure.objects.count()} disclosures of {len(codes)} villages; {RUNS} requests each after a warm-up"
    )
    print(f"targets: median < {TARGET_MS} ms at the server, < {TARGET_BYTES // 1000} KB transferred")
    for code in dict.fromkeys([busiest["ledger__code"], codes[0]]):
        vouchers = Voucher.objects.filter(ledger__code=code, status="posted").count()
        quarter = (
            Disclosure.objects.filter(ledger__code=code, period__contains="Q").order_by("-from_key").first()
        )
        month = (
            Disclosure.objects.filter(ledger__code=code)
            .exclude(period__contains="Q")
            .order_by("-from_key")
            .first()
        )
        print(
            f"village {code} ({vouchers} posted vouchers; chain {quarter.chain_size} entries at publication)"
        )
        lookup = {"id_number": "510781199001010012", "name": "王五"}
        # (name, path, method, data, cache cleared before each request: the check done anew)
        pages = [
            ("village page", f"/public/{code}/", "get", None, False),
            (f"disclosure {quarter.period}", f"/public/{code}/{quarter.period}/", "get", None, False),
            # every request clears the cache: the first visitor, or the first after the kept
            # verdict expired (a changed row is found without it: the fingerprint is in its key)
            ("  (check done now)", f"/public/{code}/{quarter.period}/", "get", None, True),
            ("look-up form", f"/public/{code}/lookup/", "get", None, False),
            ("look-up answer", f"/public/{code}/lookup/", "post", lookup, True),
            ("poster PDF", f"/public/{code}/poster.pdf", "get", None, False),
        ]
        if month is not None:
            pages.insert(
                3, (f"disclosure {month.period}", f"/public/{code}/{month.period}/", "get", None, False)
            )
        for name, path, method, data, fresh in pages:
            call = getattr(client, method)
            response = call(path, data) if data else call(path)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
            samples, cpu = [], []
            for _ in range(RUNS):
                if fresh:
                    cache.clear()  # the check's result, the look-up's rate limit
                begun, begun_cpu = time.perf_counter(), time.process_time()
                call(path, data) if data else call(path)
                samples.append((time.perf_counter() - begun) * 1000)
                cpu.append((time.process_time() - begun_cpu) * 1000)
            median = statistics.median(samples)
            p95 = statistics.quantiles(samples, n=20)[18]
            body = response.content
            sent = len(body) + (0 if path.endswith(".pdf") else len(css))
            zipped = len(gzip.compress(body)) + (0 if path.endswith(".pdf") else len(gzip.compress(css)))
            verdict = "ok" if median < TARGET_MS and sent < TARGET_BYTES else "OVER"
            print(
                f"  {name:<20} median {median:6.1f} ms  p95 {p95:6.1f} ms  cpu {statistics.median(cpu):6.1f} ms  "
                f"{sent / 1000:6.1f} KB ({zipped / 1000:5.1f} KB gzip)  {verdict}"
            )


if __name__ == "__main__":
    main()
