"""Issue 13's figure: ``import-households`` of 100,000 persons (target: under 30 s).

Makes a fresh database (a SQLite file in a temporary directory, or the PostgreSQL database of
``--database-url``, whose name must contain "bench": it is flushed), a county of 100 villages,
and a CSV of ``--persons`` persons in households of four (valid ID numbers and bank cards, a few
cadres and their relatives); times the first import (everything new), then a second import of the
same file with 1 % of the households' statuses changed and 0.5 % of the persons dead (every row is
read and compared, few are written). Prints the figures as JSON.

    .venv/bin/python benchmarks/registry_import.py [--persons 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
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


def _id(rng: random.Random, county: str) -> str:
    from stdnum.cn import ric

    born = f"{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    base = county + born + f"{rng.randint(0, 999):03d}"
    return base + ric.calc_check_digit(base + "0")


def _card(rng: random.Random) -> str:
    from stdnum import luhn

    base = "621799" + f"{rng.randint(0, 10**12 - 1):012d}"
    return base + luhn.calc_check_digit(base)


def write_file(path: Path, persons: int, villages: list[str], *, seed: int, changed: bool = False) -> None:
    from villagebooks.registry.households import COLUMNS

    rng = random.Random(seed)
    seen_ids, seen_cards = set(), set()
    statuses = ["一般户"] * 7 + ["脱贫户"] * 2 + ["监测对象（边缘易致贫户）"]
    relations = ["户主", "配偶", "子", "女", "父亲", "母亲"]
    change_rng = random.Random(seed + 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        count, household = 0, 0
        while count < persons:
            household += 1
            village = villages[household % len(villages)]
            status = statuses[rng.randrange(len(statuses))]
            status_date = "2024-01-01"
            if changed and change_rng.random() < 0.01:
                status, status_date = "监测对象（突发严重困难户）", "2025-06-01"
            size = min(rng.randint(2, 6), persons - count)
            cadre_id = ""
            for member in range(size):
                while (id_number := _id(rng, "510781")) in seen_ids:
                    pass
                seen_ids.add(id_number)
                while (card := _card(rng)) in seen_cards:
                    pass
                seen_cards.add(card)
                alive, death_date = "是", ""
                if changed and change_rng.random() < 0.005:
                    alive, death_date = "否", "2025-05-01"
                cadre_role = "村委会委员" if member == 0 and household % 97 == 0 else ""
                if cadre_role:
                    cadre_id = id_number
                writer.writerow(
                    [
                        village,
                        f"H{household:07d}",
                        f"人{count:06d}",
                        id_number,
                        relations[min(member, len(relations) - 1)],
                        alive,
                        death_date,
                        status if member == 0 else "",
                        status_date if member == 0 else "",
                        "是",
                        cadre_role,
                        cadre_id if member and cadre_id else "",
                        f"13{rng.randint(0, 10**9 - 1):09d}",
                        card,
                        "农村信用社",
                    ]
                )
                count += 1


def _lists_benchmark(actor, village_code: str, home: Path) -> dict:
    """Issue 13's other figures: checking and paying a list of 2,000 persons (target under 3 s),
    and the reconciliation of the year (target under 2 s), with the bank's return imported."""
    from django.contrib.auth import get_user_model

    from villagebooks.ledger import services as ledger_services
    from villagebooks.regions.models import Region
    from villagebooks.regions.services import role_grant
    from villagebooks.registry import subsidies
    from villagebooks.registry.models import Person, SubsidyBatch

    ledger = ledger_services.ledger_create(actor=actor, village_code=village_code, code="BENCH01", name="基准村",
                                           chart="2023", start_year=2025, start_month=1)  # fmt: skip
    ledger_services.fund_create(actor=actor, ledger=ledger, name="民生补助资金", kind="livelihood_subsidy")
    ledger = ledger_services.opening_balances_set(actor=actor, ledger=ledger, rows=[])
    reviewer = get_user_model().objects.create_user(username="bench-reviewer")
    role_grant(actor=actor, user=reviewer, role="reviewer", region=Region.objects.get(code=village_code))
    programme = home / "programmes.csv"
    with programme.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(subsidies.PROGRAMME_COLUMNS)
        writer.writerow(
            [
                "GYGW",
                "公益性岗位补贴",
                "510781000000",
                "livelihood_subsidy",
                "person",
                "300.00",
                "",
                "",
                "month",
            ]
        )
    subsidies.programmes_import(actor=actor, path=programme)
    persons = list(Person.objects.filter(alive=True).exclude(bank_card="").order_by("id")[:2000])
    path = home / "list.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(subsidies.LIST_COLUMNS)
        for p in persons:
            writer.writerow([p.id_number, p.name, "1", "300.00", "300.00", p.bank_card])
    started = time.perf_counter()
    result = subsidies.subsidy_list_import(actor=actor, path=path, ledger=ledger, programme_code="GYGW",
                                           batch_code="B1", pay_date=date(2025, 6, 30), pay=True)  # fmt: skip
    check_and_pay = time.perf_counter() - started
    from villagebooks.ledger import services

    started = time.perf_counter()
    services.voucher_review(actor=reviewer, voucher=result.voucher)
    services.voucher_post(actor=actor, voucher=result.voucher)
    review_and_post = time.perf_counter() - started
    # The same list the next month, paid with a named reviewer: checked, paid, reviewed and posted in one.
    started = time.perf_counter()
    subsidies.subsidy_list_import(actor=actor, path=path, ledger=ledger, programme_code="GYGW", batch_code="B2",
                                  pay_date=date(2025, 7, 31), pay=True, reviewer_username=reviewer.username)  # fmt: skip
    pay_with_reviewer = time.perf_counter() - started
    returned = home / "return.csv"
    with returned.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(subsidies.RETURN_COLUMNS)
        for index, p in enumerate(persons):
            writer.writerow(
                [p.id_number, p.name, p.bank_card, "300.00", "失败" if index % 50 == 0 else "成功", ""]
            )
    started = time.perf_counter()
    subsidies.bank_return_import(actor=actor, path=returned, ledger=ledger, batch_code="B1")
    bank_return = time.perf_counter() - started
    started = time.perf_counter()
    rows = subsidies.reconciliation(SubsidyBatch.objects.filter(pay_date__year=2025))
    reconcile = time.perf_counter() - started
    return {
        "list_persons": len(persons),
        "list_check_and_pay_seconds": round(check_and_pay, 2),
        "list_review_and_post_seconds": round(review_and_post, 2),
        "list_check_pay_review_post_with_reviewer_seconds": round(pay_with_reviewer, 2),
        "bank_return_import_seconds": round(bank_return, 2),
        "reconciliation_seconds": round(reconcile, 2),
        "reconciliation_rows": len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    if args.database_url and "bench" not in args.database_url.rsplit("/", 1)[-1]:
        raise SystemExit("--database-url: the database's name must contain 'bench' (it is flushed)")
    os.environ.update(
        VILLAGEBOOKS_HOME=str(home),
        DATABASE_URL=args.database_url or f"sqlite:///{home / 'bench.sqlite3'}",
        VILLAGEBOOKS_SECRET_KEY="registry-benchmark-" + secrets.token_urlsafe(32),
        VILLAGEBOOKS_DEBUG="0",
        DJANGO_SETTINGS_MODULE="villagebooks.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from villagebooks.regions.services import regions_import_csv, system_user
    from villagebooks.registry.households import households_import

    call_command("migrate", verbosity=0)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    lines = ["code,name,parent_code,kind", "510000000000,四川省,,province", "510700000000,绵阳市,510000000000,city",
             "510781000000,江油市,510700000000,county"]  # fmt: skip
    villages = []
    for township in range(1, 6):
        code = f"510781{100 + township:03d}000"
        lines.append(f"{code},镇{township},510781000000,township")
        for village in range(1, 21):
            village_code = f"510781{100 + township:03d}{200 + village:03d}"
            lines.append(f"{village_code},村{township}-{village},{code},village")
            villages.append(village_code)
    actor = system_user()
    regions_import_csv(actor=actor, text="\n".join(lines) + "\n")

    first, second = home / "households.csv", home / "households-changed.csv"
    write_file(first, args.persons, villages, seed=13)
    write_file(second, args.persons, villages, seed=13, changed=True)

    started = time.perf_counter()
    created = households_import(actor=actor, path=first)
    first_seconds = time.perf_counter() - started
    started = time.perf_counter()
    changed = households_import(actor=actor, path=second)
    second_seconds = time.perf_counter() - started
    lists = _lists_benchmark(actor, villages[0], home)
    from django.db import connection

    print(
        json.dumps(
            {
                "database": connection.vendor,
                "persons": args.persons,
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg(),
                "first_import_seconds": round(first_seconds, 2),
                "first_import": vars(created) | {"warnings": len(created.warnings)},
                "update_import_seconds": round(second_seconds, 2),
                "update_import": vars(changed) | {"warnings": len(changed.warnings)},
                **lists,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
