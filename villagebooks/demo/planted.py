"""A county with planted cases for every supervision rule, and near misses that must not alert.

``plant_county(seed, villages)`` makes a county of its own (region codes, ledger codes and ID
numbers derived from the seed, so several seeds live in one database; or, with ``within``, a
township of its own in an existing county, as the demo does), books a year (2025, or ``year``)
of ordinary payments and receipts in each village, and plants, at places drawn from the seed:

- cases each rule must find (``Planted``), and
- near misses it must not (two payments 40 days apart, a cash payment of exactly 1,000.00, a
  death the day after the payment, one person in two programmes that do not exclude each other,
  a cadre's relative paid with a decision record and through a subsidy list, December spending
  twice the monthly mean, a bank balance brought to exactly zero, two round payments, a voucher entered 30 days late, a
  payment without attachment to a person rather than an organisation, an earmarked fund spent
  on an account its allocation allows, a project's spending on the day it reached 立项).

``score`` compares the rules' alerts with the planted cases: per rule planted / found / missed /
false alarms. The near misses are not listed; an alert on one is a false alarm.

A cadre's relative paid *with a decision record* (the issue's near miss) is planted too: the
village's decision record of the year (``Decision``) is linked to the payment.

Allocations, projects and their acts (``earmark_misuse``) are written directly too, under the
"warn" control: budget control lets the planted misuse through with a warning, as it does where
a county chose "warn" (or as books imported from before the allocation was entered hold it).

The vouchers go through the ledger's services (create, review, post); their entry time
(``created_at``) is set before posting, as if they had been entered a few days after their date,
because a year of books is generated in seconds. Registry rows (households, persons, lists) are
written directly: the registry's imports would check them and refuse the planted problems, which
in real life get through by an override (recorded as ``ListProblem``, as planted here).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from villagebooks.affairs.models import Contract, Decision, DecisionPayment, Instalment
from villagebooks.demo import clock
from villagebooks.funds.models import (
    Allocation,
    AllocationShare,
    Control,
    ProjectAct,
    ProjectEntry,
    ProjectKind,
    ProjectState,
)
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import AccountBalance, Category, Ledger, Project, Voucher
from villagebooks.regions.models import Region
from villagebooks.regions.services import regions_import_csv, role_grant, system_user
from villagebooks.registry.models import (
    Household,
    ListProblem,
    Person,
    Programme,
    SubsidyBatch,
    SubsidyLine,
)
from villagebooks.registry.subsidies import CARD_NOT_PERSONS, NOT_IN_REGISTRY
from villagebooks.supervision.rules import Scope

YEAR = 2025
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
ORGS = [
    "建材店",
    "五金店",
    "农资站",
    "印务部",
    "电器行",
    "运输队",
    "水电安装部",
    "餐饮店",
    "文具店",
    "劳务公司",
]


@dataclass
class Planted:
    rule: str
    ledger: str
    vouchers: set[int] = field(default_factory=set)
    batch: str = ""
    id_number: str = ""
    period: str = ""


@dataclass
class County:
    seed: int
    region: Region
    ledgers: list[Ledger]
    planted: list[Planted]
    near_misses: dict[str, int]
    year: int = YEAR


class _Village:
    """One village's books while they are generated: its ledger, parties and bank balance."""

    def __init__(self, county: _Builder, index: int, region: Region):
        self.county = county
        self.rng = county.rng
        self.index = index
        self.region = region
        self.code = f"S{county.seed}V{index:03d}"
        self.bank = 0
        self.parties: set[str] = set()
        self.ledger = services.ledger_create(
            actor=county.accountant, village_code=region.code, code=self.code,
            name=f"{region.name}股份经济合作联合社", chart="2023", start_year=county.year, start_month=1,
        )  # fmt: skip
        services.fund_create(
            actor=county.accountant, ledger=self.ledger, name="惠民补贴资金", kind="livelihood_subsidy"
        )
        opening = 2_000_000_00
        self.ledger = services.opening_balances_set(
            actor=county.accountant,
            ledger=self.ledger,
            rows=[
                services.OpeningInput(account_code="101", debit_fen=50_000_00),
                services.OpeningInput(account_code="102", debit_fen=opening),
                services.OpeningInput(account_code="241", credit_fen=500_000_00, fund_name="惠民补贴资金"),
                services.OpeningInput(account_code="301", credit_fen=opening + 50_000_00 - 500_000_00),
            ],
        )
        self.bank = opening

    def party(self, name: str, kind: str, id_number: str = "") -> str:
        if name not in self.parties:
            services.counterparty_create(
                actor=self.county.accountant, ledger=self.ledger, name=name, kind=kind, id_number=id_number
            )
            self.parties.add(name)
        return name

    def post(
        self, day: date, lines: list[LineInput], *, lag_days: int | None = None, attachments: int = 0
    ) -> int:
        county = self.county
        lag = self.rng.randint(0, 5) if lag_days is None else lag_days
        entered = timezone.make_aware(datetime.combine(day + timedelta(days=lag), time(10)))
        # On the demo's clock (demo/clock.py) the voucher is entered, reviewed and posted then.
        with clock.at(entered):
            voucher = services.voucher_create(
                actor=county.accountant, ledger=self.ledger, date=day, lines=lines, submit=True
            )
            # Not posted yet, so not protected: as if it had been entered ``lag`` days after its
            # date (also when no simulated clock runs: the benchmarks' own counties).
            Voucher.objects.filter(pk=voucher.pk).update(created_at=entered, attachment_count=attachments)
            voucher.refresh_from_db()
            services.voucher_review(actor=county.reviewer, voucher=voucher)
            services.voucher_post(actor=county.accountant, voucher=voucher)
        for line in lines:
            if line.account_code == "102":
                self.bank += line.debit_fen - line.credit_fen
        return voucher.pk

    def pay(
        self,
        day,
        party,
        fen,
        *,
        account="513",
        source="102",
        attachments=1,
        lag_days=None,
        summary="支付费用",
        fund="",
        project="",
        decided=None,
    ):
        """A payment; one of 5,000.00 yuan or more is linked to the village's decision record
        (四议两公开) unless ``decided`` is False (``decided`` True links a smaller one too)."""
        voucher_id = self.post(
            day,
            [
                LineInput(
                    summary=summary,
                    account_code=account,
                    debit_fen=fen,
                    counterparty_name=party or "",
                    fund_name=fund,
                    project_code=project,
                ),  # fmt: skip
                LineInput(summary=summary, account_code=source, credit_fen=fen),
            ],
            attachments=attachments,
            lag_days=lag_days,
        )
        if decided or (decided is None and fen >= 5_000_00):
            DecisionPayment.objects.create(
                ledger=self.ledger,
                decision=self.decision(),
                voucher_id=voucher_id,
                linked_by=self.county.registrar,
            )
        return voucher_id

    def decision(self) -> Decision:
        """The village's decision record of the year's budgeted spending (made once)."""
        if getattr(self, "_decision", None) is None:
            self._decision = Decision.objects.create(
                village=self.region, code=f"{self.county.year}-01", matter="年度村级支出预算及大额支出", major=True,
                proposed_on=date(self.county.year, 1, 2), discussed_on=date(self.county.year, 1, 3), reviewed_on=date(self.county.year, 1, 4),
                resolved_on=date(self.county.year, 1, 5), body="representatives", eligible=45, present=40, votes_for=38,
                created_by=self.county.registrar,
            )  # fmt: skip
        return self._decision

    def receive(self, day, fen):
        return self.post(
            day,
            [
                LineInput(summary="收到租金", account_code="102", debit_fen=fen),
                LineInput(summary="收到租金", account_code="501", credit_fen=fen),
            ],
        )


class _Builder:
    def __init__(
        self, seed: int, villages: int, *, year: int = YEAR, within: Region | None = None, users=None
    ):
        self.seed = seed
        self.year = year
        self.rng = random.Random(seed)
        self.planted: list[Planted] = []
        self.near: dict[str, int] = defaultdict(int)
        self.serial = 0
        if within is None:  # a county of its own, codes derived from the seed
            county = f"59{seed % 100:02d}01000000"
            town = county[:6] + "100000"
            rows = [
                "code,name,parent_code,kind",
                "590000000000,测试省,,province",
                f"{county[:4]}00000000,测试市{seed},590000000000,city",
                f"{county},测试县{seed},{county[:4]}00000000,county",
                f"{town},测试镇{seed},{county},township",
            ]
            village_name = "第{n}村"
        else:  # a township of its own in an existing county (the demo's)
            county = within.code
            town = county[:6] + "299000"  # sorts after the county's own townships
            rows = ["code,name,parent_code,kind", f"{town},监督示范乡,{county},township"]
            village_name = "示范{n}村"
        names = []
        for i in range(villages):
            code = f"{town[:9]}{i + 201:03d}"
            names.append(code)
            rows.append(f"{code},{village_name.format(n=i + 1)},{town},village")
        actor = system_user()
        regions_import_csv(actor=actor, text="\n".join(rows) + "\n")
        self.region = Region.objects.get(code=county)
        township = Region.objects.get(code=town)
        if users is not None:  # ``users(township)``: its accountant and reviewer, roles granted
            self.accountant, self.reviewer = users(township)
        else:
            accounts = get_user_model().objects
            self.accountant, _ = accounts.get_or_create(username=f"planted-accountant-{seed}")
            self.reviewer, _ = accounts.get_or_create(username=f"planted-reviewer-{seed}")
            role_grant(actor=actor, user=self.accountant, role="accountant", region=township)
            role_grant(actor=actor, user=self.reviewer, role="reviewer", region=township)
        self.registrar = actor
        self.address = county[:6]
        self.villages = [_Village(self, i, Region.objects.get(code=c)) for i, c in enumerate(names)]
        self.programmes = self._programmes()

    # --- registry -----------------------------------------------------------------------------

    def id_number(self) -> str:
        """A valid ID number no person of the registry has (the county may have a registry)."""
        while True:
            self.serial += 1
            birth = date(1950, 1, 1) + timedelta(days=self.serial * 37 % 18000)
            base = f"{self.address}{birth:%Y%m%d}{self.serial % 1000:03d}"
            number = base + ric.calc_check_digit(base + "0")
            if not Person.objects.filter(id_number=number).exists():
                return number

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN) + self.rng.choice(GIVEN)

    def person(self, village: _Village, **values) -> Person:
        self.serial += 1
        household = Household(village=village.region, number=f"H{self.serial:05d}", status="一般户")
        household.save()
        return Person.objects.create(
            household=household, village=village.region, name=values.pop("name", None) or self.name(),
            id_number=self.id_number(), relation="户主", sex="M", birth_date=date(1970, 1, 1), **values,
        )  # fmt: skip

    def _programmes(self) -> dict[str, Programme]:
        code = f"S{self.seed}"
        made = {}
        for key, name, excludes in (
            ("A", "城乡低保", [f"{code}-B"]),
            ("B", "特困供养", [f"{code}-A"]),
            ("C", "高龄津贴", []),
            ("D", "残疾人补贴", []),
        ):
            made[key] = Programme.objects.create(
                code=f"{code}-{key}", name=name, region=self.region, fund_kind="livelihood_subsidy",
                basis="person", standard_fen=600_00, excludes=excludes, frequency="month",
            )  # fmt: skip
        return made

    def batch(
        self, village: _Village, key: str, day: date, persons, *, problems=()
    ) -> tuple[SubsidyBatch, int]:
        """A paid list: its voucher posted (借 241 贷 102), one line per person (None: not registered)."""
        self.serial += 1
        total = 600_00 * len(persons)
        voucher_id = village.post(
            day,
            [
                LineInput(summary="发放补贴", account_code="241", debit_fen=total, fund_name="惠民补贴资金"),
                LineInput(summary="发放补贴", account_code="102", credit_fen=total),
            ],
        )
        batch = SubsidyBatch.objects.create(
            ledger=village.ledger, code=f"B{self.serial:05d}", programme=self.programmes[key], pay_date=day,
            period=f"{day:%Y-%m}", fund=village.ledger.funds.get(), voucher_id=voucher_id, total_fen=total,
            created_by=self.registrar,
        )  # fmt: skip
        for row, person in enumerate(persons, start=1):
            SubsidyLine.objects.create(
                ledger=village.ledger, batch=batch, row=row, person=person if isinstance(person, Person) else None,
                id_number=person.id_number if isinstance(person, Person) else person,
                name=person.name if isinstance(person, Person) else self.name(), quantity="1",
                standard_fen=600_00, amount_fen=600_00,
            )  # fmt: skip
        for row, kind in problems:
            ListProblem.objects.create(
                ledger=village.ledger, batch=batch, row=row, id_number=batch.lines.get(row=row).id_number,
                kind=kind, message="不在农户信息中" if kind == NOT_IN_REGISTRY else "银行卡号不是本人登记的卡号",
                reason="县民政局名单，农户信息待补录", overridden_by=self.registrar,
            )  # fmt: skip
        return batch, voucher_id

    # --- books --------------------------------------------------------------------------------

    def odd(self, low: int, high: int) -> int:
        """An amount in yuan between low and high, in fen, never a whole hundred yuan."""
        fen = self.rng.randint(low * 100, high * 100)
        return fen + 37 if fen % 10000 == 0 else fen

    def plant(self, rule, village, **values):
        self.planted.append(Planted(rule=rule, ledger=village.code, **values))

    def ordinary_year(self, village: _Village) -> None:
        """Twelve months of ordinary books: two invoiced payments of 5,000–15,000 to businesses,
        a small cash payment to a villager (each villager once a year) and a receipt, a month."""
        orgs = [village.party(f"{village.region.name}{o}", "organisation") for o in ORGS]
        for month in range(1, 13):
            for k in range(2):
                party = orgs[(month * 2 + k) % len(orgs)]
                village.pay(date(self.year, month, 3 + 10 * k), party, self.odd(5_000, 15_000))
            person = village.party(f"{self.name()}{month}", "household")
            village.pay(date(self.year, month, 25), person, self.odd(100, 900), source="101", attachments=0,
                        summary="误工补贴")  # fmt: skip
            village.receive(date(self.year, month, 15), self.odd(20_000, 30_000))

    def village_registry(self, village: _Village) -> dict:
        cadre = self.person(village, cadre_role="党支部书记")
        relative = self.person(village, cadre_of=cadre)
        elders = [self.person(village) for _ in range(5)]
        self.batch(village, "C", date(self.year, 3, 10), elders)
        return {"cadre": cadre, "relative": relative, "elders": elders}

    def plant_village(self, village: _Village, people: dict) -> None:
        rng, chance = self.rng, 0.75
        R = self.year
        if rng.random() < chance:  # split_payment, and two payments 40 days apart
            party = village.party(f"{village.region.name}装饰公司", "organisation")
            start = date(R, rng.randint(2, 10), rng.randint(1, 5))
            ids = {village.pay(start + timedelta(days=d), party, self.odd(1_800, 4_900)) for d in (0, 9, 20)}
            self.plant("split_payment", village, vouchers=ids)
            other = village.party(f"{village.region.name}绿化队", "organisation")
            village.pay(date(R, 5, 2), other, self.odd(3_000, 4_500))
            village.pay(date(R, 6, 11), other, self.odd(3_000, 4_500))
            self.near["split_payment"] += 1
        if rng.random() < chance:  # cash_over_limit, and exactly 1,000.00
            party = village.party(f"{self.name()}临工", "person")
            vid = village.pay(date(R, rng.randint(1, 11), 12), party, self.odd(1_001, 3_000), source="101",
                              attachments=0)  # fmt: skip
            self.plant("cash_over_limit", village, vouchers={vid})
            other = village.party(f"{self.name()}帮工", "person")
            village.pay(date(R, 7, 19), other, 1_000_00, source="101", attachments=0)
            self.near["cash_over_limit"] += 1
        if rng.random() < chance:  # subsidy_deceased, and a death the day after the payment
            pay = date(R, rng.randint(4, 11), 8)
            dead = self.person(village, alive=False, death_date=pay - timedelta(days=rng.randint(1, 90)))
            later = self.person(village, alive=False, death_date=pay + timedelta(days=1))
            batch, _vid = self.batch(village, "D", pay, [dead, later])
            self.plant("subsidy_deceased", village, batch=batch.code, id_number=dead.id_number)
            self.near["subsidy_deceased"] += 1
        if rng.random() < chance:  # subsidy_duplicate, and two programmes that do not exclude
            elder = people["elders"][0]
            if rng.random() < 0.5:
                batch, _vid = self.batch(village, "C", date(R, 3, 28), [elder])  # the March period again
            else:
                first, _vid = self.batch(village, "A", date(R, 5, 6), [elder])
                batch, _vid = self.batch(village, "B", date(R, 8, 6), [elder])
            self.plant("subsidy_duplicate", village, batch=batch.code, id_number=elder.id_number)
            self.batch(village, "D", date(R, 9, 9), [people["elders"][1]])  # C and D: no exclusion
            self.near["subsidy_duplicate"] += 1
        if rng.random() < chance:  # subsidy_unregistered, and another overridden problem
            stranger = self.id_number()
            batch, _vid = self.batch(
                village, "D", date(R, rng.randint(2, 11), 16), [stranger, people["elders"][2]],
                problems=[(1, NOT_IN_REGISTRY), (2, CARD_NOT_PERSONS)],
            )  # fmt: skip
            self.plant("subsidy_unregistered", village, batch=batch.code, id_number=stranger)
            self.near["subsidy_unregistered"] += 1
        if rng.random() < chance:  # related_party_payment, and the relative paid through a list
            relative = people["relative"]
            party = village.party(relative.name, "household", id_number=relative.id_number)
            paid_on = date(R, rng.randint(1, 11), 21)
            vid = village.pay(paid_on, party, self.odd(1_000, 4_000))
            self.plant("related_party_payment", village, vouchers={vid})
            self.batch(village, "C", date(R, 10, 10), [relative])
            # The same relative paid again with a decision record (四议两公开) linked, and the
            # cadre himself paid with one: neither alerts.
            # (months away from the first, so that the two make no split payment either)
            again = date(R, 2, 16) if paid_on.month >= 6 else date(R, 11, 16)
            village.pay(again, party, self.odd(1_000, 4_000), decided=True)
            cadre = people["cadre"]
            other = village.party(cadre.name, "household", id_number=cadre.id_number)
            village.pay(date(R, 11, 23), other, self.odd(1_000, 4_000), decided=True)  # declared and decided
            self.near["related_party_payment"] += 3
        if rng.random() < chance:  # no_decision_record, and a payment just under the line
            # From the line the county set (5,000.00 by default; the demo county asks for a
            # decision from its decision threshold up).
            line = self._threshold(village, "no_decision_record", "min_amount")
            party = village.party(f"{village.region.name}工程队", "organisation")
            amount = line + self.odd(1_000, 25_000)
            vid = village.pay(date(R, rng.randint(1, 11), 11), party, amount, decided=False)
            self.plant("no_decision_record", village, vouchers={vid})
            village.pay(date(R, 8, 12), party, line - 1_00, decided=False)
            self.near["no_decision_record"] += 1
        if rng.random() < chance:  # round_amounts, and two round payments
            party = village.party(f"{village.region.name}咨询公司", "organisation")
            ids = {village.pay(date(R, m, 14), party, rng.randint(6, 12) * 1_000_00) for m in (2, 5, 9)}
            self.plant("round_amounts", village, vouchers=ids)
            other = village.party(f"{village.region.name}保洁公司", "organisation")
            village.pay(date(R, 3, 14), other, 8_000_00)
            village.pay(date(R, 8, 14), other, 9_000_00)
            self.near["round_amounts"] += 1
        if rng.random() < chance:  # backdated_entry, and 30 days late
            party = village.party(f"{village.region.name}修理部", "organisation")
            vid = village.pay(
                date(R, rng.randint(1, 10), 6), party, self.odd(5_000, 9_000), lag_days=rng.randint(45, 120)
            )
            self.plant("backdated_entry", village, vouchers={vid})
            village.pay(date(R, 4, 26), party, self.odd(5_000, 9_000), lag_days=30)
            self.near["backdated_entry"] += 1
        if rng.random() < chance:  # white_slip, and a villager paid without attachment (ordinary)
            party = village.party(f"{village.region.name}砂石场", "organisation")
            vid = village.pay(date(R, rng.randint(1, 11), 17), party, self.odd(5_000, 20_000), attachments=0)
            self.plant("white_slip", village, vouchers={vid})
            self.near["white_slip"] += 1
        if rng.random() < chance:  # earmark_misuse: a road grant spent on office costs
            fund = self._allocation(village, allowed="153")
            village.pay(date(R, 6, 2), None, 80_000_00, account="153", fund=fund)  # allowed: near miss
            vid = village.pay(
                date(R, rng.randint(6, 11), 9), None, self.odd(2_000, 9_000), account="513", fund=fund
            )
            self.plant("earmark_misuse", village, vouchers={vid})
            self.near["earmark_misuse"] += 1
        if rng.random() < chance:  # earmark_misuse: a project paid before its 立项
            project, approved = self._project(village, date(R, rng.randint(5, 9), 15))
            vid = village.pay(approved - timedelta(days=rng.randint(3, 60)), None, self.odd(3_000, 9_000),
                              account="153", project=project)  # fmt: skip
            self.plant("earmark_misuse", village, vouchers={vid})
            village.pay(
                approved, None, self.odd(3_000, 9_000), account="153", project=project
            )  # the day itself
            self.near["earmark_misuse"] += 1
        if (
            rng.random() < chance
        ):  # contract_arrears: rent due in spring never paid; December's only 21 days late
            tenant = village.party(f"{village.region.name}种植合作社", "organisation")
            contract = Contract.objects.create(
                ledger=village.ledger, code="HT-01", kind="contracting", party_name=tenant, party_kind="organisation",
                counterparty=village.ledger.counterparties.get(name=tenant), subject="集体耕地 120 亩",
                signed_on=date(R, 1, 5), start=date(R, 1, 5), end=date(R + 4, 12, 31), price_fen=300_000_00,
                created_by=self.registrar,
            )  # fmt: skip
            due = date(R, rng.randint(2, 9), 28)
            for seq, day in ((1, due), (2, date(R, 12, 10))):
                Instalment.objects.create(
                    ledger=village.ledger,
                    contract=contract,
                    seq=seq,
                    due_on=day,
                    amount_fen=self.odd(20_000, 40_000),
                )
            self.plant("contract_arrears", village, batch=f"HT-01@{due}")
            self.near["contract_arrears"] += 1
        # year_end_rush after every other expense: December made 5 × the monthly mean of
        # January–November as booked (so 5/16 ≈ 31 % of the year), or 2 × for the near miss.
        org = village.party(f"{village.region.name}建筑公司", "organisation")
        before, december = self._expenses(village)
        if rng.random() < chance:
            village.pay(date(R, 12, 20), org, max(5 * before // 11 - december, 1_000_00) + 37)
            self.plant("year_end_rush", village, period=f"{R}-12")
        else:
            village.pay(date(R, 12, 20), org, max(2 * before // 11 - december, 1_000_00) + 37)
            self.near["year_end_rush"] += 1
        # negative_balance last: the bank balance is known once everything else is booked.
        if rng.random() < chance:
            self._bank_to_cash(village, date(R, 12, 30), village.bank + self.odd(1_000, 5_000))
            self.plant("negative_balance", village, period=f"{R}-12")
        else:  # near miss: the bank brought to exactly zero at the year's end
            self._bank_to_cash(village, date(R, 12, 30), village.bank)
            self.near["negative_balance"] += 1

    def _threshold(self, village: _Village, rule: str, name: str):
        ledger = Ledger.objects.select_related("village").get(pk=village.ledger.pk)
        return Scope.of([ledger], (self.year, 1), (self.year, 12)).value(ledger.pk, rule, name)

    def _allocation(self, village: _Village, *, allowed: str) -> str:
        """A county road grant (warn) of 200,000.00 received by the village, allowed ``allowed``."""
        self.serial += 1
        name = "道路补助资金"
        fund = services.fund_create(
            actor=self.accountant, ledger=village.ledger, name=name, kind="earmarked_transfer"
        )
        allocation = Allocation.objects.create(
            code=f"S{self.seed}-A{self.serial:05d}", issuer="县交通运输局", document_number=f"交发〔{self.year}〕{self.serial}号",
            date=date(self.year, 5, 20), fund_kind="earmarked_transfer", purpose="村组道路硬化", allowed_accounts=allowed,
            control=Control.WARN, created_by=self.registrar,
        )  # fmt: skip
        AllocationShare.objects.create(
            ledger=village.ledger, allocation=allocation, fund=fund, amount_fen=200_000_00
        )
        village.post(
            date(self.year, 5, 25),
            [
                LineInput(summary="收到道路补助", account_code="102", debit_fen=200_000_00),
                LineInput(summary="收到道路补助", account_code="241", credit_fen=200_000_00, fund_name=name),
            ],
        )
        return name

    def _project(self, village: _Village, approved: date) -> tuple[str, date]:
        """A project of the library (warn) declared in March and approved (立项) on ``approved``."""
        project = Project.objects.create(ledger=village.ledger, code="P01", name="村道路灯安装")
        entry = ProjectEntry.objects.create(
            ledger=village.ledger, project=project, kind=ProjectKind.PUBLIC_WELFARE, start=approved,
            end=approved + timedelta(days=90), state=ProjectState.APPROVED, state_since=approved, control=Control.WARN,
        )  # fmt: skip
        steps = [(ProjectState.DECLARED, ProjectState.REVIEWED, approved - timedelta(days=30))]
        steps.append((ProjectState.REVIEWED, ProjectState.APPROVED, approved))
        for before, after, day in steps:
            ProjectAct.objects.create(
                ledger=village.ledger, entry=entry, from_state=before, to_state=after, acted_on=day,
                actor=self.registrar,
            )  # fmt: skip
        return project.code, approved

    def _expenses(self, village: _Village) -> tuple[int, int]:
        """Expense debits booked so far: January–November, and December."""
        rows = AccountBalance.objects.filter(
            ledger=village.ledger, year=self.year, month__gte=1, account__category=Category.EXPENSE
        ).values_list("month", "debit_fen")
        before = sum(d for m, d in rows if m < 12)
        return before, sum(d for m, d in rows if m == 12)

    def _bank_to_cash(self, village: _Village, day: date, fen: int) -> None:
        """Cash drawn from the bank (提现): no counterparty, so no payment rule looks at it."""
        village.post(
            day,
            [
                LineInput(summary="提取现金", account_code="101", debit_fen=fen),
                LineInput(summary="提取现金", account_code="102", credit_fen=fen),
            ],
        )


def plant_county(
    seed: int, villages: int = 12, *, year: int = YEAR, within: Region | None = None, users=None
) -> County:
    """Make the county of ``seed`` with ``villages`` villages, a year of books and planted cases;
    ``within`` an existing county, a township of planted villages in it (the demo's), whose
    accountant and reviewer ``users(township)`` gives."""
    with transaction.atomic():
        builder = _Builder(seed, villages, year=year, within=within, users=users)
        for village in builder.villages:
            people = builder.village_registry(village)
            builder.ordinary_year(village)
            builder.plant_village(village, people)
        ledgers = [Ledger.objects.select_related("village").get(pk=v.ledger.pk) for v in builder.villages]
    return County(seed, builder.region, ledgers, builder.planted, dict(builder.near), year)


@dataclass
class Score:
    rule: str
    planted: int = 0
    found: int = 0
    false_alarms: int = 0
    alerts: int = 0

    @property
    def missed(self) -> int:
        return self.planted - self.found

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def false_share(self) -> float:
        return self.false_alarms / self.alerts if self.alerts else 0.0


def _matches(plant: Planted, alert) -> bool:
    if plant.rule != alert.rule or plant.ledger != alert.ledger:
        return False
    if plant.vouchers:
        return plant.vouchers <= {v.id for v in alert.vouchers}
    if plant.batch:
        return plant.batch in alert.batch.split(";") and plant.id_number == alert.id_number
    return plant.period == alert.period


def score(county: County, alerts, rules) -> dict[str, Score]:
    """Per rule: planted, found (planted cases some alert matches), false alarms (alerts matching
    no planted case)."""
    scores = {rule: Score(rule) for rule in rules}
    for plant in county.planted:
        scores[plant.rule].planted += 1
        if any(_matches(plant, alert) for alert in alerts):
            scores[plant.rule].found += 1
    for alert in alerts:
        scores[alert.rule].alerts += 1
        if not any(_matches(plant, alert) for plant in county.planted):
            scores[alert.rule].false_alarms += 1
    return scores
