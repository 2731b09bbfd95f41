"""The demo county's registry and subsidies, loaded through the real imports.

Every village gets households (statuses with a history: a later import changes some and records
a few deaths), its cadres (村党组织书记, 村委会主任, 村务监督委员会主任, 报账员) and some of their close
relatives; the county gets three programmes; the first villages get lists paid through their
books (voucher submitted, reviewed, posted) and the bank's return, with one mismatch of every
kind (a failed payment, a wrong amount, a payment not on the list, a duplicate) and one list paid
with an overridden problem (a person who died before the payment date). Deterministic: seeded.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from stdnum import luhn
from stdnum.cn import ric

from villagebooks.common.spreadsheet import csv_writer
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.models import Fund, Ledger
from villagebooks.regions.models import Region
from villagebooks.registry import subsidies
from villagebooks.registry.households import COLUMNS, households_import
from villagebooks.registry.models import Person

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华文辉志强"
CADRES = ("村党组织书记", "村委会主任", "村务监督委员会主任", "报账员")
PROGRAMMES = [
    ["GDLB", "耕地地力保护补贴", "livelihood_subsidy", "mu", "105.00", "", "", "year"],
    ["TPCY", "脱贫户产业奖补", "livelihood_subsidy", "person", "1000.00", "脱贫户;监测对象", "", "year"],
    ["GYGW", "公益性岗位补贴", "livelihood_subsidy", "person", "500.00", "", "", "month"],
]
LIST_VILLAGES = 2  # villages whose lists are paid


@dataclass
class _Member:
    id_number: str
    name: str
    card: str
    household: str
    status: str
    mu: int


@dataclass
class RegistrySummary:
    persons: int = 0
    households: int = 0
    lists: int = 0
    mismatches: dict[str, int] = field(default_factory=dict)


def _id(rng: random.Random, born: date, male: bool) -> str:
    base = "510781" + born.strftime("%Y%m%d") + f"{rng.randrange(50) * 2 + (1 if male else 0) + 100:03d}"
    return base + ric.calc_check_digit(base + "0")


def _card(rng: random.Random) -> str:
    base = "621799" + f"{rng.randrange(10**12):012d}"
    return base + luhn.calc_check_digit(base)


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _village_rows(
    rng: random.Random, village: Region, households: int, used: set[str]
) -> tuple[list[list], list]:
    rows, members = [], []
    cadre_ids: list[str] = []
    for number in range(1, households + 1):
        code = f"{village.code[-6:]}{number:03d}"
        status = rng.choices(
            ["一般户", "脱贫户", "监测对象（边缘易致贫户）", "监测对象（脱贫不稳定户）"], [70, 20, 6, 4]
        )[0]
        surname = rng.choice(SURNAMES)
        size = rng.randint(1, 5)
        head_born = date(rng.randint(1945, 1990), rng.randint(1, 12), rng.randint(1, 28))
        for index in range(size):
            male = index == 0 or rng.random() < 0.5
            if index == 0:
                born, relation = head_born, "户主"
            elif index == 1:
                born, relation = head_born + timedelta(days=rng.randint(-900, 900)), "配偶"
            else:
                born, relation = date(min(head_born.year + rng.randint(20, 32), 2020), rng.randint(1, 12), rng.randint(1, 28)), ("子" if male else "女")  # fmt: skip
            while (id_number := _id(rng, born, male)) in used:
                pass
            used.add(id_number)
            name = _name(rng, surname if index != 1 else None)
            card = _card(rng) if born.year < 2008 else ""
            cadre_role = CADRES[number - 1] if index == 0 and number <= len(CADRES) else ""
            if cadre_role:
                cadre_ids.append(id_number)
            # A few households of relatives (a cadre's brother or sister, say) further on.
            cadre_of = (
                cadre_ids[number % len(cadre_ids)]
                if index == 0 and number > 10 and number % 9 == 0 and cadre_ids
                else ""
            )
            row = [village.code, code, name, id_number, relation, "是", "", status if index == 0 else "",
                   "2024-01-01" if index == 0 else "", "是", cadre_role, cadre_of, f"139{rng.randrange(10**8):08d}" if card else "",
                   card, "江油市农村信用合作联社" if card else ""]  # fmt: skip
            rows.append(row)
            if card:
                members.append(
                    _Member(id_number, name, card, code, status, rng.randint(2, 9) if index == 0 else 0)
                )
    return rows, members


def _write(path: Path, columns, rows) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv_writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


@dataclass
class LoadedHouseholds:
    """What ``demo_households_load`` hands to ``demo_registry_load``: the generator's state, so
    that the lists come out as when both ran together."""

    rng: random.Random
    members: dict
    summary: RegistrySummary


def demo_registry_load(*, actor, villages: list[Region], accountant_for, reviewer_for, end: date, seed: int, households_per_village: int = 25, loaded: LoadedHouseholds | None = None) -> RegistrySummary:  # fmt: skip
    """Load the registry and subsidies of ``villages`` (see the module's text); with ``loaded``,
    the households are there already (``demo_households_load``) and only the lists are made."""
    loaded = loaded or demo_households_load(
        actor=actor, villages=villages, end=end, seed=seed, households_per_village=households_per_village
    )
    rng, members, summary = loaded.rng, loaded.members, loaded.summary
    with tempfile.TemporaryDirectory(prefix="villagebooks-registry-") as directory:
        folder = Path(directory)
        county = villages[0].parent.parent if villages[0].parent else villages[0]
        subsidies.programmes_import(
            actor=actor,
            path=_write(
                folder / "programmes.csv",
                subsidies.PROGRAMME_COLUMNS,
                [[p[0], p[1], county.code, *p[2:]] for p in PROGRAMMES],
            ),  # fmt: skip
        )
        ledgers = {
            ledger.village.code: ledger
            for ledger in Ledger.objects.filter(village__in=villages, chart="2023").select_related("village")
        }
        paid = [v for v in villages if v.code in ledgers][:LIST_VILLAGES]
        for village in paid:
            _lists(folder, actor, ledgers[village.code], members[village.code], accountant_for(village),
                   reviewer_for(village), end, rng, summary)  # fmt: skip
    return summary


def demo_households_load(
    *, actor, villages: list[Region], end: date, seed: int, households_per_village: int = 25
) -> LoadedHouseholds:
    """The households and persons of ``villages`` (two imports: the second changes statuses and
    records deaths), before the books' years are closed so that a year close can divide a
    dividend by the member register."""
    rng = random.Random(f"{seed}/registry")
    summary = RegistrySummary()
    used: set[str] = set()
    rows, members = [], {}
    for village in villages:
        village_rows, village_members = _village_rows(rng, village, households_per_village, used)
        rows += village_rows
        members[village.code] = village_members
    with tempfile.TemporaryDirectory(prefix="villagebooks-registry-") as directory:
        folder = Path(directory)
        result = households_import(actor=actor, path=_write(folder / "households.csv", COLUMNS, rows))
        summary.persons, summary.households = result.persons_created, result.households_created
        # A later import: some statuses change, a few persons die (kept as history).
        changed = []
        for row in rows:
            row = list(row)
            if row[7] and rng.random() < 0.05:
                row[7], row[8] = "监测对象（突发严重困难户）", (end - timedelta(days=90)).isoformat()
            elif row[4] == "户主" and int(row[3][6:10]) < 1955 and rng.random() < 0.2:
                row[5], row[6] = "否", (end - timedelta(days=60)).isoformat()
            changed.append(row)
        households_import(actor=actor, path=_write(folder / "households-2.csv", COLUMNS, changed))
    return LoadedHouseholds(rng=rng, members=members, summary=summary)


def _first_leaf(ledger, code: str) -> str:
    from villagebooks.ledger.models import Account

    return Account.objects.filter(ledger=ledger, code__startswith=code, is_leaf=True).order_by("code").values_list("code", flat=True)[0]  # fmt: skip


def _lists(folder, actor, ledger, members, accountant, reviewer, end, rng, summary) -> None:
    fund = Fund.objects.filter(ledger=ledger, kind="livelihood_subsidy").order_by("name").first()
    if fund is None:
        return
    dead = set(Person.objects.filter(id_number__in=[m.id_number for m in members], alive=False).values_list("id_number", flat=True))  # fmt: skip
    heads = [m for m in members if m.mu and m.id_number not in dead]
    # 耕地地力保护补贴 per mu to the living heads, paid, returned by the bank with one of each mismatch.
    rows = [[m.id_number, m.name, str(m.mu), "105.00", f"{m.mu * 105}.00", m.card] for m in heads]
    batch = f"GDLB-{ledger.code}"
    result = subsidies.subsidy_list_import(
        actor=accountant, path=_write(folder / f"{batch}.csv", subsidies.LIST_COLUMNS, rows), ledger=ledger,
        programme_code="GDLB", batch_code=batch, pay_date=end, fund_name=fund.name, pay=True,
        debit_account=_first_leaf(ledger, "241"), credit_account=_first_leaf(ledger, "102"),
    )  # fmt: skip
    ledger_services.voucher_review(actor=reviewer, voucher=result.voucher)
    ledger_services.voucher_post(actor=accountant, voucher=result.voucher)
    summary.lists += 1
    returned = [[r[0], r[1], r[5], r[4], "成功", ""] for r in rows]
    if len(returned) >= 4:
        returned[0][4:] = ["失败", "账户已冻结"]
        returned[1][3] = f"{int(rows[1][2]) * 105 - 10}.00"
        returned.append(list(returned[2]))  # the bank paid one person twice
        outsider = _id(rng, date(1980, 5, 5), True)
        returned.append([outsider, _name(rng), _card(rng), "315.00", "成功", ""])
    subsidies.bank_return_import(
        actor=accountant, path=_write(folder / f"{batch}-return.csv", subsidies.RETURN_COLUMNS, returned),
        ledger=ledger, batch_code=batch,
    )  # fmt: skip
    for row in subsidies.reconciliation(subsidies.SubsidyBatch.objects.filter(ledger=ledger, code=batch)):
        summary.mismatches[row.state] = summary.mismatches.get(row.state, 0) + 1
    # 脱贫户产业奖补, with one person who died before the payment date: overridden, with a reason.
    eligible = [m for m in members if m.status != "一般户"][:8]
    deceased = [m for m in members if m.id_number in dead][:1]
    rows = [[m.id_number, m.name, "1", "1000.00", "1000.00", m.card] for m in eligible + deceased]
    if rows:
        subsidies.subsidy_list_import(
            actor=actor, path=_write(folder / f"TPCY-{ledger.code}.csv", subsidies.LIST_COLUMNS, rows), ledger=ledger,
            programme_code="TPCY", batch_code=f"TPCY-{ledger.code}", pay_date=end, fund_name=fund.name,
            override_reason="死亡前已申报，经乡镇审核同意发放",
        )  # fmt: skip
        summary.lists += 1
