"""Issue 14's speed: every supervision rule over a county's year, and one voucher's alerts.

Runs on a database a benchmark has already loaded (``run.py --scale full --setup-only`` and the
import it prints, or a whole ``run.py``). With ``--build-registry`` it first adds the county's
registry (``--persons``, 300,000 by default) and every village's subsidy lists of the year, paid
and posted through the real code (``build_registry``). Then every rule over every ledger of the
county for the year, timed per rule: wall-clock and CPU seconds of this process (on SQLite the
database works in this process, so its CPU is counted) and, on PostgreSQL, the CPU seconds of
this session's server backend (read from /proc: the server runs on this machine); then
``voucher_alerts`` (the review desk) for ``--vouchers`` vouchers spread over the county (each
ledger's vouchers in turn, lists' payment vouchers among them): median and worst.

    DATABASE_URL=sqlite:///benchmarks/out/bench-full.sqlite3 \\
        .venv/bin/python benchmarks/supervision_county.py --year 2025 --build-registry
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f} s] {text}", flush=True)


PROGRAMMES = (
    # code, name, basis, standard (yuan), eligible statuses, frequency, pay dates (month, day)
    ("BGDLB", "耕地地力保护补贴", "household", "150.00", "", "year", ((5, 20),)),
    ("BGLJT", "高龄津贴", "person", "100.00", "", "quarter", ((3, 25), (6, 25), (9, 25), (12, 20))),
    ("BTPHB", "脱贫户生活补助", "household", "600.00", "脱贫户", "year", ((10, 15),)),
)
OLD_BORN_BY = date(1945, 12, 31)  # 高龄: eighty and over in 2025


def build_registry(*, persons: int, year: int, plant_every: int, home: Path) -> dict:
    """The registry of ``persons`` persons over the county's villages, its subsidy programmes, and
    every village's lists of the year, checked and paid through the real code.

    The registry goes through ``households_import`` (what ``import-households`` runs) from a CSV
    written by ``registry_import.write_file`` (households of 2–6, valid ID numbers and cards, a
    cadre in every 97th household with relatives, 0.5 % of persons dead on 2025-05-01, 1 % of
    households' statuses changed in June); the programmes through ``programmes_import``; each list
    through ``subsidy_list_import`` with ``pay`` and a reviewer: checked against the registry,
    its voucher made, reviewed and posted, as a village's clerk pays it. Every ``plant_every``-th
    village's third-quarter 高龄津贴 list also pays, overridden, a person who died in May, an ID
    number not in the registry, and one person twice."""
    import csv

    from villagebooks.ledger.models import Ledger
    from villagebooks.regions.models import Region
    from villagebooks.regions.services import system_user
    from villagebooks.registry import subsidies
    from villagebooks.registry.households import households_import
    from villagebooks.registry.models import Household, HouseholdStatus, Person

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import registry_import

    actor = system_user()
    ledgers = list(Ledger.objects.select_related("village").order_by("code"))
    villages = [ledger.village.code for ledger in ledgers]
    county = Region.objects.get(kind="county")
    figures: dict = {"persons": persons, "villages": len(villages)}
    path = home / "households.csv"
    registry_import.write_file(path, persons, villages, seed=14, changed=True)
    say(f"registry: {persons:,} persons in {path}; households_import")
    wall, cpu = time.perf_counter(), time.process_time()
    result = households_import(actor=actor, path=path)
    figures["households_import"] = {
        "wall_seconds": round(time.perf_counter() - wall, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "households": result.households_created,
        "persons": result.persons_created,
    }
    say(f"  {figures['households_import']}")
    programmes = home / "programmes.csv"
    with programmes.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(subsidies.PROGRAMME_COLUMNS)
        for code, name, basis, standard, eligible, frequency, _days in PROGRAMMES:
            writer.writerow(
                [code, name, county.code, "livelihood_subsidy", basis, standard, eligible, "", frequency]
            )
    subsidies.programmes_import(actor=actor, path=programmes)

    wall, cpu = time.perf_counter(), time.process_time()
    lists = lines = 0
    rng = random.Random(1414)  # not the registry's seed: its ID numbers would come out again
    for index, ledger in enumerate(ledgers):
        people = list(
            Person.objects.filter(village_id=ledger.village_id)
            .order_by("id")
            .values(
                "id_number",
                "name",
                "bank_card",
                "birth_date",
                "alive",
                "death_date",
                "household_id",
                "relation",
            )
        )
        heads = [p for p in people if p["alive"] and p["relation"] == "户主"]
        poor = set(
            HouseholdStatus.objects.filter(
                household__village_id=ledger.village_id, status="脱贫户"
            ).values_list("household_id", flat=True)
        )
        plant = plant_every and index % plant_every == 0
        for code, _name, _basis, standard, _eligible, _frequency, days in PROGRAMMES:
            for quarter, (month, day) in enumerate(days, start=1):
                pay_date = date(year, month, day)
                if code == "BGDLB":
                    payees = heads
                elif code == "BTPHB":
                    payees = [p for p in heads if p["household_id"] in poor]
                else:
                    payees = [p for p in people if p["alive"] and p["birth_date"] <= OLD_BORN_BY]
                payees = [(p["id_number"], p["name"], p["bank_card"]) for p in payees]
                override = ""
                if plant and code == "BGLJT" and quarter == 3:
                    dead = [p for p in people if p["death_date"] and p["death_date"] < pay_date]
                    if dead:
                        payees.append((dead[0]["id_number"], dead[0]["name"], dead[0]["bank_card"]))
                    payees.append((registry_import._id(rng, "510781"), "名册外", registry_import._card(rng)))
                    payees.append(payees[0])
                    override = "基准测试：放行"
                if not payees:
                    continue
                list_path = home / "list.csv"
                with list_path.open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(subsidies.LIST_COLUMNS)
                    for id_number, name, card in payees:
                        writer.writerow([id_number, name, "1", standard, standard, card])
                subsidies.subsidy_list_import(
                    actor=actor, path=list_path, ledger=ledger, programme_code=code,
                    batch_code=f"{code}-{year}-{quarter}", pay_date=pay_date, pay=True,
                    override_reason=override, reviewer_username="bench-reviewer",
                )  # fmt: skip
                lists += 1
                lines += len(payees)
        if (index + 1) % 25 == 0:
            say(f"  lists of {index + 1}/{len(ledgers)} villages: {lists} lists, {lines:,} lines")
    figures["lists"] = {
        "lists": lists,
        "lines": lines,
        "wall_seconds": round(time.perf_counter() - wall, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
    }
    figures["households"] = Household.objects.count()
    figures["cadres"] = Person.objects.exclude(cadre_role="").count()
    figures["relatives"] = Person.objects.filter(cadre_of__isnull=False).count()
    figures["dead"] = Person.objects.filter(alive=False).count()
    say(f"  {figures}")
    return figures


def _server_cpu() -> float:
    """CPU seconds of this session's PostgreSQL backend so far (0 on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--vouchers", type=int, default=50)
    parser.add_argument("--build-registry", action="store_true", help="add the registry and the lists first")
    parser.add_argument("--persons", type=int, default=300_000)
    parser.add_argument("--plant-every", type=int, default=10, help="plant list cases in every N-th village")
    parser.add_argument("--rounds", type=int, default=1, help="times to run all the rules")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("DATABASE_URL: the loaded benchmark database")
    os.environ.setdefault("VILLAGEBOOKS_SECRET_KEY", "supervision-county-" + secrets.token_urlsafe(32))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villagebooks.settings")
    os.environ["VILLAGEBOOKS_DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection

    from villagebooks.ledger.models import Ledger, Voucher, VoucherLine
    from villagebooks.regions.services import system_user
    from villagebooks.registry.models import Person, SubsidyBatch, SubsidyLine
    from villagebooks.supervision.rules import RULES, Scope, rule_name
    from villagebooks.supervision.services import voucher_alerts

    figures: dict = {"database": connection.vendor, "cpus": os.cpu_count()}
    if args.build_registry:
        home = Path(tempfile.mkdtemp(prefix="supervision-county-"))
        figures["build"] = build_registry(
            persons=args.persons, year=args.year, plant_every=args.plant_every, home=home
        )
        if connection.vendor == "postgresql":
            # As the demo does at the end of its load: the planner's statistics of the new rows.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    ledgers = list(Ledger.objects.select_related("village").order_by("code"))
    vouchers = Voucher.objects.filter(date__year=args.year).count()
    lines = VoucherLine.objects.filter(voucher__date__year=args.year).count()
    figures["scale"] = {
        "ledgers": len(ledgers),
        "vouchers": vouchers,
        "lines": lines,
        "persons": Person.objects.count(),
        "lists": SubsidyBatch.objects.count(),
        "list_lines": SubsidyLine.objects.count(),
    }
    say(f"{figures['scale']} in {args.year}; load average {os.getloadavg()} on {os.cpu_count()} CPUs")
    figures["rounds"] = []
    for _round in range(args.rounds):
        scope = Scope.of(ledgers, (args.year, 1), (args.year, 12))
        load = os.getloadavg()
        wall0, cpu0, server0 = time.perf_counter(), time.process_time(), _server_cpu()
        per_rule, total = {}, 0
        for check in RULES:
            wall, cpu, server = time.perf_counter(), time.process_time(), _server_cpu()
            found = len(check(scope))
            total += found
            per_rule[rule_name(check)] = {
                "alerts": found,
                "wall_seconds": round(time.perf_counter() - wall, 2),
                "cpu_seconds": round(time.process_time() - cpu, 2),
                "server_cpu_seconds": round(_server_cpu() - server, 2),
            }
            say(f"  {rule_name(check):<24} {per_rule[rule_name(check)]}")
        done = {
            "alerts": total,
            "wall_seconds": round(time.perf_counter() - wall0, 2),
            "cpu_seconds": round(time.process_time() - cpu0, 2),
            "server_cpu_seconds": round(_server_cpu() - server0, 2),
            "load_average_before": load,
            "load_average_after": os.getloadavg(),
            "rules": per_rule,
        }
        figures["rounds"].append(done)
        say(f"all rules: { ({k: v for k, v in done.items() if k != 'rules'}) }")
    # The review desk: vouchers spread over the county, a list's payment voucher every fifth.
    ordinary = list(
        Voucher.objects.filter(date__year=args.year, number__isnull=False)
        .exclude(pk__in=SubsidyBatch.objects.filter(voucher__isnull=False).values("voucher_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:: max(1, vouchers // args.vouchers)]
    )
    listed = list(
        SubsidyBatch.objects.filter(voucher__isnull=False).order_by("pk").values_list("voucher_id", flat=True)
    )
    picked = (
        ordinary[: args.vouchers - args.vouchers // 5]
        + listed[:: max(1, len(listed) // 10)][: args.vouchers // 5]
    )
    sample = list(Voucher.objects.filter(pk__in=picked).select_related("ledger__village"))
    actor = system_user()
    voucher_alerts(actor=actor, voucher=sample[0])
    timings, cpu, server = [], [], []
    load = os.getloadavg()
    for voucher in sample:
        started, used, served = time.perf_counter(), time.process_time(), _server_cpu()
        voucher_alerts(actor=actor, voucher=voucher)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
        server.append(_server_cpu() - served)
    for series in (timings, cpu, server):
        series.sort()
    figures["one_voucher"] = {
        "vouchers": len(timings),
        "median_ms": round(1000 * timings[len(timings) // 2], 1),
        "p95_ms": round(1000 * timings[int(len(timings) * 0.95)], 1),
        "worst_ms": round(1000 * timings[-1], 1),
        "cpu_median_ms": round(1000 * cpu[len(cpu) // 2], 1),
        "server_cpu_median_ms": round(1000 * server[len(server) // 2], 1),
        "load_average": load,
    }
    say(f"one voucher's alerts: {figures['one_voucher']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
