"""Issue 4's page target: a page answers in under 300 ms on the demo county.

Loads the demo county (``villagebooks demo``: 40 villages, last year closed, this year to last
month) into a database of its own, logs in as the demo users and times whole requests through
Django's test client, at the server (URL routing, session, permission checks, queries, template;
no network, no browser). Each page: one untimed warm-up, then 15 timed requests; median and p95.

    .venv/bin/python benchmarks/pages.py                   # SQLite under benchmarks/out/
    .venv/bin/python benchmarks/pages.py --database-url postgres://postgres@127.0.0.1:5432/villagebooks_pages

Pages (the first village of 新安镇, as its accountant ``accountant`` or reviewer ``reviewer``):
home, voucher list (this year), voucher list filtered (month + account + text), voucher entry,
review queue, trial balance page for the year so far, balance sheet page, closing page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
RUNS = 15
TARGET_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty database to load the demo into (default: SQLite)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if url is None:
        path = OUT / "pages-demo.sqlite3"
        for leftover in OUT.glob("pages-demo.sqlite3*"):
            leftover.unlink()
        url = f"sqlite:///{path}"
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"
    os.environ["VILLAGEBOOKS_MEDIA_ROOT"] = str(OUT / "pages-media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if url.startswith("postgres"):
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo", stdout=open(os.devnull, "w"))
    print(f"demo county loaded in {time.perf_counter() - started:.0f} s ({url.split('://')[0]})")
    measure()


def measure() -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from villagebooks.ledger.access import Action, ledgers_in_scope

    users = get_user_model().objects
    accountant, reviewer = users.get(username="accountant"), users.get(username="reviewer")
    ledger = ledgers_in_scope(accountant, Action.PREPARE).order_by("code").first()
    today = timezone.localdate()
    year, month = today.year, today.month
    last = f"{year}-{max(month - 1, 1):02d}"
    code = ledger.code
    pages = [
        (accountant, "home", "/"),
        (accountant, "voucher list", f"/ledgers/{code}/vouchers/"),
        (accountant, "voucher list, filtered", f"/ledgers/{code}/vouchers/?period={last}&account=102&q=款"),
        (accountant, "voucher entry", f"/ledgers/{code}/entry/"),
        (reviewer, "review queue", f"/ledgers/{code}/review/"),
        (
            accountant,
            "trial balance page",
            f"/ledgers/{code}/reports/trial-balance/?from={year}-01&to={last}",
        ),
        (
            accountant,
            "balance sheet page",
            f"/ledgers/{code}/reports/balance-sheet/?from={year}-01&to={last}",
        ),
        (accountant, "closing page", f"/ledgers/{code}/closing/"),
    ]
    clients = {}
    print(
        f"pages of ledger {code} ({ledger.name}), {RUNS} requests each after a warm-up; target < {TARGET_MS} ms"
    )
    width = max(len(name) for _u, name, _p in pages)
    for user, name, path in pages:
        client = clients.get(user.pk)
        if client is None:
            client = clients[user.pk] = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        samples = []
        for _ in range(RUNS):
            begun = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - begun) * 1000)
        median = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[18]
        print(
            f"  {name:<{width}}  median {median:6.1f} ms  p95 {p95:6.1f} ms  {'ok' if median < TARGET_MS else 'SLOW'}"
        )


if __name__ == "__main__":
    main()
