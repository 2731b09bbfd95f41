"""Issue 3's speed targets for the statements and the county workbook, on the benchmark county.

``run.py`` calls ``statements_measure`` after the trial balances. It also runs alone, on a
database that ``run.py`` has loaded (it reads, and adds one API token for ``bench-county``;
nothing is dropped or migrated):

    .venv/bin/python benchmarks/reports.py                       # benchmarks/out/bench-small.sqlite3
    .venv/bin/python benchmarks/reports.py --scale full          # benchmarks/out/bench-full.sqlite3
    .venv/bin/python benchmarks/reports.py --database-url postgres://postgres@127.0.0.1:5432/villagebooks_bench

Every figure is wall-clock time as the county-office user ``bench-county`` (so the scope filter of
a real user runs too), for the year 2025-01…2025-12:
1. village statements: ``scope_for_ledger`` + ``build_balance_sheet`` + ``build_income_statement``
   for 20 villages spread over the county, 5 rounds (100 runs, each after one untimed warm-up call
   for the same village). Median and p95. Target < 20 ms.
2. county statements: ``scope_for_region`` with the county code + the consolidated balance sheet
   and income statement, 9 runs after one warm-up. Median. Target < 300 ms.
3. county workbook: ``scope_for_region`` + the consolidated trial balance written as XLSX + the
   trial balance per village (one row a village ledger, the totals line) written as XLSX, to
   memory, 5 runs after one warm-up. Median. Target < 3 s.
4. per-village key statement lines (``village-statements``: 资产总计, 负债合计 … one row a village)
   for the county, built and written as XLSX, 5 runs after one warm-up. Median. No target.
5. API report call at the server: ``GET /api/ledgers/<code>/reports/balance-sheet?from=2025-01&to=2025-12``
   with ``bench-county``'s personal token, through Django's test client (the whole request:
   token check, scope, report, JSON; no network), for the 20 villages, 5 rounds. Median and p95.
   Target < 100 ms. The county's consolidated trial balance through the API is timed too (9 runs).
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
YEAR = 2025  # generate.YEAR: the benchmark county's books are of this year
TARGETS = {
    "village_statements_median_ms": "< 20",
    "county_statements_median_ms": "< 300",
    "county_workbook_median_s": "< 3",
    "api_report_median_ms": "< 100",
}


def timed(function, repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` calls (after one warm-up call)."""
    function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def statements_measure(results: dict, *, say=print) -> None:
    """Measure figures 1–4 of this module's docstring into ``results``."""
    from django.contrib.auth import get_user_model

    from villagebooks.ledger.models import Ledger
    from villagebooks.regions.models import Region
    from villagebooks.reports.breakdown import build_village_statements, build_village_trial_balance
    from villagebooks.reports.catalog import REPORT_KINDS
    from villagebooks.reports.scope import scope_for_ledger, scope_for_region
    from villagebooks.reports.statements import build_balance_sheet, build_income_statement
    from villagebooks.reports.trial_balance import build_trial_balance
    from villagebooks.reports.xlsx import render_xlsx

    user = get_user_model().objects.get(username="bench-county")
    county_code = results.get("county_code") or Region.objects.get(kind="county").code
    first, last = YEAR * 100 + 1, YEAR * 100 + 12
    codes = list(Ledger.objects.order_by("code").values_list("code", flat=True))
    sample = codes[:: max(len(codes) // 20, 1)][:20]

    say(f"statements: one village ({len(sample)} villages × 5 runs), the county (9 runs)")

    def village_statements(code: str):
        scope = scope_for_ledger(user=user, ledger_code=code, from_key=first, to_key=last)
        return build_balance_sheet(scope), build_income_statement(scope)

    village_ms = []
    for _ in range(5):
        for code in sample:
            village_ms += timed(lambda code=code: village_statements(code), 1)

    def county_scope():
        return scope_for_region(user=user, region_code=county_code, from_key=first, to_key=last)

    def county_statements():
        scope = county_scope()
        return build_balance_sheet(scope), build_income_statement(scope)

    county_ms = timed(county_statements, 9)
    sheet, income = county_statements()

    say("county workbook: consolidated trial balance + trial balance per village, as XLSX (5 runs)")
    sizes = {}

    def county_workbook():
        scope = county_scope()
        consolidated = render_xlsx(REPORT_KINDS["trial-balance"], scope, build_trial_balance(scope))
        per_village = render_xlsx(
            REPORT_KINDS["village-trial-balance"], scope, build_village_trial_balance(scope)
        )
        sizes["trial-balance"], sizes["village-trial-balance"] = len(consolidated), len(per_village)

    workbook_ms = timed(county_workbook, 5)

    say("per-village key statement lines for the county, as XLSX (5 runs)")

    def key_lines_workbook():
        scope = county_scope()
        report = build_village_statements(scope)
        sizes["village-statements"] = len(render_xlsx(REPORT_KINDS["village-statements"], scope, report))
        return report

    key_lines_ms = timed(key_lines_workbook, 5)
    key_lines = key_lines_workbook()
    consolidated_lines = [sheet.line(n).amounts[1] for n in (21, 41, 45)] + [income.line(13).amounts[0]]

    results["village_statements"] = {
        "what": "balance sheet + income statement of one village, year 2025",
        "median_ms": round(statistics.median(village_ms), 2),
        "p95_ms": round(p95(village_ms), 2),
        "runs": len(village_ms),
    }
    results["county_statements"] = {
        "what": "consolidated balance sheet + income statement of the county, year 2025",
        "median_ms": round(statistics.median(county_ms), 1),
        "min_ms": round(min(county_ms), 1),
        "max_ms": round(max(county_ms), 1),
        "runs": len(county_ms),
        "ledgers": len(sheet.scope.ledger_ids),
        "balanced": sheet.is_balanced,
    }
    results["county_workbook"] = {
        "what": "county XLSX: consolidated trial balance + trial balance per village (to memory)",
        "median_s": round(statistics.median(workbook_ms) / 1000, 3),
        "max_s": round(max(workbook_ms) / 1000, 3),
        "runs": len(workbook_ms),
        "bytes": {slug: sizes[slug] for slug in ("trial-balance", "village-trial-balance")},
    }
    results["village_key_lines"] = {
        "what": "per-village key statement lines of the county, built and written as XLSX",
        "median_ms": round(statistics.median(key_lines_ms), 1),
        "runs": len(key_lines_ms),
        "rows": len(key_lines.rows),
        "bytes": sizes["village-statements"],
        # 资产总计, 负债合计, 所有者权益合计, 本年收益: the villages add up to the consolidated statements.
        "adds_up_to_consolidated": key_lines.total[1:4] + key_lines.total[6:7] == consolidated_lines,
    }


def api_measure(results: dict, *, say=print) -> None:
    """Figure 5 of this module's docstring: report calls through the API, at the server."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from villagebooks.api.services import api_token_create
    from villagebooks.ledger.models import Ledger
    from villagebooks.regions.models import Region

    user = get_user_model().objects.get(username="bench-county")
    secret = api_token_create(actor=user, name="benchmark", days=1).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    county_code = results.get("county_code") or Region.objects.get(kind="county").code
    codes = list(Ledger.objects.order_by("code").values_list("code", flat=True))
    sample = codes[:: max(len(codes) // 20, 1)][:20]
    query = f"from={YEAR}-01&to={YEAR}-12"
    say(
        f"API report calls: balance sheet of one village ({len(sample)} villages × 5 runs), county trial balance"
    )

    def call(path: str) -> None:
        response = client.get(f"{path}?{query}")
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code} {response.content[:200]!r}")

    village_ms = []
    for _ in range(5):
        for code in sample:
            village_ms += timed(lambda code=code: call(f"/api/ledgers/{code}/reports/balance-sheet"), 1)
    county_ms = timed(lambda: call(f"/api/regions/{county_code}/reports/trial-balance"), 9)
    results["api_report"] = {
        "what": "GET /api/ledgers/<code>/reports/balance-sheet for a year, token auth, at the server",
        "median_ms": round(statistics.median(village_ms), 2),
        "p95_ms": round(p95(village_ms), 2),
        "runs": len(village_ms),
        "county_trial_balance_median_ms": round(statistics.median(county_ms), 1),
    }


def table_rows(results: dict) -> list[tuple[str, str, str]]:
    """The rows ``run.py`` prints for these figures: (name, value, target)."""
    village, county = results["village_statements"], results["county_statements"]
    workbook, key_lines = results["county_workbook"], results["village_key_lines"]
    return [
        (
            "village balance sheet + income statement",
            f"median {village['median_ms']} ms, p95 {village['p95_ms']} ms",
            TARGETS["village_statements_median_ms"],
        ),
        (
            "county balance sheet + income statement",
            f"median {county['median_ms']} ms ({county['ledgers']} ledgers, balanced: {county['balanced']})",
            TARGETS["county_statements_median_ms"],
        ),
        (
            "county XLSX: trial balance + per village",
            f"median {workbook['median_s']} s",
            TARGETS["county_workbook_median_s"],
        ),
        (
            "county per-village key lines (XLSX)",
            f"median {key_lines['median_ms']} ms ({key_lines['rows']} rows,"
            f" add up to the consolidated statements: {key_lines['adds_up_to_consolidated']})",
            "",
        ),
        *(
            [
                (
                    "API report call (village balance sheet)",
                    f"median {results['api_report']['median_ms']} ms, p95 {results['api_report']['p95_ms']} ms;"
                    f" county trial balance {results['api_report']['county_trial_balance_median_ms']} ms",
                    TARGETS["api_report_median_ms"],
                )
            ]
            if "api_report" in results
            else []
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="small", help="reads benchmarks/out/bench-<scale>.sqlite3")
    parser.add_argument("--database-url", help="a database run.py has loaded (default: the SQLite file)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{OUT / f'bench-{args.scale}.sqlite3'}"
    if url.startswith("sqlite") and not Path(url.split("sqlite:///", 1)[1]).exists():
        raise SystemExit(f"{url}: no such database; run benchmarks/run.py --scale {args.scale} first")
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"  # as in production: no query log kept in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    import django

    django.setup()
    results: dict = {}
    statements_measure(results)
    api_measure(results)
    width = max(len(name) for name, _value, _target in table_rows(results))
    for name, value, target in table_rows(results):
        print(f"  {name:<{width}}  {value}" + (f"   (target {target})" if target else ""))


if __name__ == "__main__":
    main()
