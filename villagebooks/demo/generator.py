"""Plausible village books for a whole county, for the demo and for the benchmarks.

A county (``CountySpec``) has townships and villages with 12-digit region codes; each village
keeps one ledger on the 2023 chart and does a year's business the way a village does it:
quarterly 村级组织运转经费 and 公共服务运行经费 into 补助收入 (503), earmarked transfers into
专项应付款 (241) spent on a construction project through 在建工程 (153) that becomes a fixed
asset (151) while 241 is relieved against 公积公益金 (311), subsidies passed through 241 and
应付款 (211) to named households, 一事一议 money (231) raised from households and spent,
land leases billed to tenants through 应收款 (112), bank interest, office and public-welfare
spending, cash drawn and banked. Every ``FundKind`` appears in every village with its issuer
and document number.

Everything is deterministic: one ``random.Random`` per village, seeded from the spec's seed and
the village code, so a county is the same on every machine and a village does not change when
villages are added. The simulation keeps each account's balance per fund and counterparty and
never lets cash or bank go below zero, an earmarked fund be overspent, or a receivable be
collected twice; amounts are integer fen throughout.

This module only writes files: the import CSV of ``villagebooks import-vouchers`` (streamed, one
village in memory at a time), the region tree, the ledger set-up (sub-accounts, funds,
counterparties, opening balances) and a ledger-cli journal of the same books for ``ledger``
and ``hledger``. Loading them into the database is ``villagebooks.demo.loading``'s job.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from villagebooks.common.money import fen_to_text
from villagebooks.ledger.domain.chart import chart_rules, chart_templates

CHART = "2023"
# Bumped whenever the same spec would give different books, so that saved data sets are redone.
GENERATOR_VERSION = 4
IMPORT_COLUMNS = [
    "ledger",
    "voucher",
    "date",
    "summary",
    "account",
    "debit",
    "credit",
    "fund",
    "counterparty",
]
REGION_COLUMNS = ["code", "name", "parent_code", "kind"]
CASH_LIMIT_FEN = 500_000  # 库存现金限额 5,000 元 (accounting-rules.md §5)
BANK_RESERVE_FEN = 500_000  # routine spending never takes the bank below this
CASH_PAYMENT_LIMIT_FEN = 100_000  # larger payments go by bank (supervision's cash limit, 1,000 yuan)

# Fund kinds (models.FundKind values; this module is pure and does not import models).
VILLAGE_OFFICE = "village_office"
PUBLIC_SERVICE = "public_service"
COLLECTIVE_INCOME = "collective_income"
EARMARKED_TRANSFER = "earmarked_transfer"
LIVELIHOOD_SUBSIDY = "livelihood_subsidy"
POVERTY_ALLEVIATION = "poverty_alleviation"
ONE_MATTER = "one_matter"
OTHER = "other"
FUND_KINDS = (
    VILLAGE_OFFICE,
    PUBLIC_SERVICE,
    COLLECTIVE_INCOME,
    EARMARKED_TRANSFER,
    LIVELIHOOD_SUBSIDY,
    POVERTY_ALLEVIATION,
    ONE_MATTER,
    OTHER,
)

# ---------------------------------------------------------------------------------------------
# Names

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "德明华国建文志永春成福贵富强平军忠金云海林光发荣全兴顺祥友良才学家中元洪泽俊刚勇兵伟涛斌超东"
GIVEN_FEMALE = "秀英兰芳红玉珍清琼凤莲桂菊梅霞燕丽娟萍敏静慧琴素淑美婷"
VILLAGE_FIRST = (
    "黑土青石双龙金红白柏桂竹梨枫杨高平长三五新永同光团胜和太清凤马桃李花松水云山铁河西东南北中上下"
)
VILLAGE_SECOND = "滩门林板河泉桥星平鹤园香柳峰安春合丰心明华坝湾沟坪岩寺庙坎垭岭溪塘堰池场口"
TOWNSHIP_NAMES = (
    "新安镇 武都镇 太平镇 双河镇 青莲镇 马角镇 大康镇 彰明镇 含增镇 方水镇 重华镇 三合镇 战旗镇 西屏镇 河口镇"
    " 厚坝镇 九岭镇 文胜乡 永胜镇 小溪坝镇 雁门镇 贯山乡 枫顺乡 敬元乡 六合乡 龙凤镇 新春乡 石元乡 二郎庙镇 藏王乡"
).split()
GROUPS = "一二三四五六七八九"
COMPANY_WORDS = (
    "鑫达",
    "宏远",
    "华建",
    "蜀通",
    "利民",
    "安顺",
    "兴业",
    "恒泰",
    "川江",
    "瑞丰",
    "金岭",
    "天宇",
)
PRODUCTS = ("茶叶", "水果", "蔬菜", "食用菌", "中药材", "生猪养殖", "花椒", "核桃", "稻渔")
PROJECTS = (
    ("村道硬化工程", "交通运输局", "交发"),
    ("产业道路建设工程", "交通运输局", "交发"),
    ("便民桥建设工程", "交通运输局", "交发"),
    ("渠系配套工程", "水利局", "水发"),
    ("高标准农田配套工程", "农业农村局", "农发"),
)
ONE_MATTER_PROJECTS = (
    "{g}组山坪塘整治",
    "{g}组入户路硬化",
    "文化广场建设",
    "{g}组灌溉渠修复",
    "村道路灯安装",
)

OFFICE_ITEMS = (
    ("51301", "购办公用品"),
    ("51301", "购打印纸"),
    ("51301", "购墨盒硒鼓"),
    ("51301", "复印打印费"),
    ("51301", "购文件盒档案盒"),
    ("51301", "电脑维修费"),
    ("51301", "宽带网络费"),
    ("51302", "{person}到镇参加会议交通费"),
    ("51302", "{person}到市里办事差旅费"),
    ("51302", "{person}参加培训差旅费"),
    ("51304", "村民代表大会误餐费"),
    ("51304", "党员大会会务费"),
    ("51304", "村两委会议资料费"),
    ("51306", "村务公开栏维护费"),
    ("51306", "公章刻制费"),
    ("51306", "会计资料装订费"),
)
WELFARE_ITEMS = (
    ("51401", "购垃圾桶"),
    ("51401", "垃圾清运费"),
    ("51401", "购保洁工具"),
    ("51402", "村道坑洼修补材料费"),
    ("51402", "路灯维修费"),
    ("51402", "排水沟清淤费"),
    ("51402", "便民桥护栏维修费"),
    ("51403", "购体育器材"),
    ("51403", "春节文艺演出费"),
    ("51403", "农家书屋图书"),
    ("51404", "慰问困难群众{person}"),
    ("51404", "慰问五保户{person}"),
    ("51404", "慰问老党员{person}"),
)
WATER_WORKS = ("供水管网维修材料款", "蓄水池清洗消毒费", "水泵维修费", "蓄水池防渗处理费", "水质检测费")

BASE_SUBACCOUNTS = (
    ("501", "50101", "土地发包收入"),
    ("501", "50102", "集体资产出租收入"),
    ("504", "50401", "利息收入"),
    ("504", "50402", "其他零星收入"),
    ("513", "51301", "办公费"),
    ("513", "51302", "差旅费"),
    ("513", "51303", "水电费"),
    ("513", "51304", "会议费"),
    ("513", "51305", "误工补贴"),
    ("513", "51306", "其他管理费用"),
    ("514", "51401", "环境卫生"),
    ("514", "51402", "道路及设施维护"),
    ("514", "51403", "文化体育活动"),
    ("514", "51404", "困难群众慰问"),
)

# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class CountySpec:
    """What county to make: its size, its years and its seed."""

    villages: int = 40
    townships: int | None = None  # default: about 8 villages a township, 2 to 20 townships
    vouchers_per_year: int = 300  # a village's ordinary vouchers a year (at least the scheduled ones)
    first_year: int = 2025
    end: date = date(2025, 12, 31)  # the last day with vouchers
    seed: int = 2025
    province: tuple[str, str] = ("510000000000", "四川省")
    city: tuple[str, str] = ("510700000000", "绵阳市")
    county: tuple[str, str] = ("510781000000", "江油市")

    @property
    def township_count(self) -> int:
        if self.townships:
            return max(1, min(self.townships, self.villages))
        return max(min(self.villages // 8, 20), 2 if self.villages >= 2 else 1)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.end.year + 1))

    @property
    def county_name(self) -> str:
        return self.county[1]

    @property
    def county_short(self) -> str:
        """江油市 → 江油 (for bank and company names)."""
        name = self.county[1]
        return name[:-1] if len(name) > 2 and name[-1] in "市县区" else name


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    parent_code: str
    kind: str


@dataclass(frozen=True)
class VillageSite:
    code: str
    name: str
    township_code: str
    township_name: str
    index: int  # 0-based across the county

    @property
    def ledger_code(self) -> str:
        return f"{self.code}-01"

    @property
    def ledger_name(self) -> str:
        return f"{self.name}股份经济合作联合社"


@dataclass(frozen=True)
class Line:
    account: str
    debit_fen: int = 0
    credit_fen: int = 0
    summary: str = ""
    fund: str = ""
    counterparty: str = ""


@dataclass(frozen=True)
class Voucher:
    key: str  # unique per ledger: 2025-03-0007
    date: date
    summary: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class SubAccount:
    parent: str
    code: str
    name: str


@dataclass(frozen=True)
class FundSpec:
    name: str
    kind: str
    issuer: str
    document_number: str
    amount_fen: int
    year: int


@dataclass(frozen=True)
class CounterpartySpec:
    name: str
    kind: str  # household, person or organisation
    id_number: str = ""


@dataclass(frozen=True)
class OpeningLine:
    account: str
    debit_fen: int = 0
    credit_fen: int = 0
    fund: str = ""
    counterparty: str = ""


@dataclass
class VillageBooks:
    """One village's ledger: what to set up and the vouchers, in date order."""

    site: VillageSite
    start_year: int
    accounts: list[SubAccount]
    funds: list[FundSpec]
    counterparties: list[CounterpartySpec]
    openings: list[OpeningLine]
    vouchers: list[Voucher]
    profit_fen: dict[int, int]  # year → income − expenses (what the year close moves to 322)

    def setup_record(self) -> dict:
        """The set-up of the ledger as plain JSON values (one line of ``ledgers.jsonl``)."""
        return {
            "ledger": self.site.ledger_code,
            "name": self.site.ledger_name,
            "village": self.site.code,
            "township": self.site.township_code,
            "chart": CHART,
            "start_year": self.start_year,
            "start_month": 1,
            "accounts": [asdict(a) for a in self.accounts],
            "funds": [asdict(f) for f in self.funds],
            "counterparties": [asdict(c) for c in self.counterparties],
            "openings": [asdict(o) for o in self.openings],
            "profit_fen": {str(year): fen for year, fen in self.profit_fen.items()},
        }


# ---------------------------------------------------------------------------------------------
# The county's regions


def county_layout(spec: CountySpec) -> tuple[list[RegionRow], list[VillageSite]]:
    """The region tree (province down to villages) and the villages, in code order."""
    rng = random.Random(f"{spec.seed}/{spec.county[0]}/layout")
    county_code6 = spec.county[0][:6]
    regions = [
        RegionRow(spec.province[0], spec.province[1], "", "province"),
        RegionRow(spec.city[0], spec.city[1], spec.province[0], "city"),
        RegionRow(spec.county[0], spec.county[1], spec.city[0], "county"),
    ]
    township_names = list(TOWNSHIP_NAMES)
    while len(township_names) < spec.township_count:
        name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + rng.choice("镇乡")
        if name not in township_names:
            township_names.append(name)
    village_names = _unique_village_names(rng, spec.villages)
    sites = []
    per_township, extra = divmod(spec.villages, spec.township_count)
    index = 0
    for t in range(spec.township_count):
        name = township_names[t]
        # Statistical codes: 1xx for towns (镇), 2xx for townships (乡); 2xx for villages (村委会).
        serial = 100 + t if name.endswith("镇") else 200 + t
        township_code = f"{county_code6}{serial:03d}000"
        regions.append(RegionRow(township_code, name, spec.county[0], "township"))
        for v in range(per_township + (1 if t < extra else 0)):
            code = f"{township_code[:9]}{200 + v + 1:03d}"
            regions.append(RegionRow(code, village_names[index], township_code, "village"))
            sites.append(VillageSite(code, village_names[index], township_code, name, index))
            index += 1
    return regions, sites


def _unique_village_names(rng: random.Random, count: int) -> list[str]:
    pairs = [a + b for a in VILLAGE_FIRST for b in VILLAGE_SECOND if a != b]
    rng.shuffle(pairs)
    if count > len(pairs):
        raise ValueError(f"at most {len(pairs)} villages")
    return [pair + "村" for pair in pairs[:count]]


def id_number(
    rng: random.Random, area6: str, *, born_from: int = 1945, born_to: int = 1995, male=True
) -> str:
    """A resident ID number (GB 11643) with a valid check character."""
    birth = date(born_from, 1, 1) + timedelta(days=rng.randrange((born_to - born_from) * 365))
    order = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{area6}{birth:%Y%m%d}{order:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _document_number(spec: CountySpec, year: int, office: str) -> str:
    """A county document number such as 江财农〔2025〕12号: the same for every village it funds."""
    rng = random.Random(f"{spec.seed}/{spec.county[0]}/{year}/{office}")
    return f"{spec.county_name[0]}{office}〔{year}〕{rng.randint(3, 96)}号"


# ---------------------------------------------------------------------------------------------
# One village's books


class _Village:
    """The running simulation of one village: its people, balances and vouchers so far."""

    def __init__(self, spec: CountySpec, site: VillageSite):
        self.spec = spec
        self.site = site
        self.rng = random.Random(f"{spec.seed}/{site.code}")
        self.short = site.name[:-1]  # 黑滩村 → 黑滩
        self.accounts: list[SubAccount] = []
        self.funds: list[FundSpec] = []
        self.parties: dict[str, CounterpartySpec] = {}
        self.openings: list[OpeningLine] = []
        self.vouchers: list[Voucher] = []
        self.balance: dict[tuple[str, str, str], int] = defaultdict(int)  # net debit per dimension
        self.account_total: dict[str, int] = defaultdict(int)  # net debit per account
        self.sequence: dict[tuple[int, int], int] = defaultdict(int)
        self.profit: dict[int, int] = defaultdict(int)
        self.retentions: list[tuple[str, int]] = []  # contractor, fen: paid the year after
        self.project_serial = 0
        self.categories = {t.code: t.category for t in chart_templates(CHART)}
        self._people()

    # -- people and organisations

    def _person(self, *, male: bool | None = None) -> str:
        rng = self.rng
        surname = rng.choice(self.surnames) if rng.random() < 0.7 else rng.choice(SURNAMES)
        male = rng.random() < 0.75 if male is None else male
        chars = GIVEN_MALE if male else GIVEN_FEMALE
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.8 else "")
        return surname + given

    def _people(self) -> None:
        rng = self.rng
        self.surnames = [rng.choice(SURNAMES[:20]) for _ in range(3)]
        households: list[str] = []
        wanted = rng.randint(50, 90)
        while len(households) < wanted:
            name = self._person(male=rng.random() < 0.85)
            if name not in households:
                households.append(name)
        self.households = households
        self.cadres = [(self._person(), rng.randint(40, 90) * 1000) for _ in range(rng.randint(3, 5))]
        self.cleaners = [(self._person(), rng.randint(100, 160) * 1000) for _ in range(rng.randint(1, 2))]
        self.shop_tenant = self._person()
        self.shop_rent_fen = rng.randint(30, 120) * 10_000  # a quarter's rent
        county = self.spec.county_short
        self.bank_name = f"{county}农商银行{self.site.township_name[:-1]}支行"
        self.cooperative = f"{county}市{self.short}{rng.choice(PRODUCTS)}专业合作社"
        self.area6 = self.site.code[:6]

    def _party(self, name: str, kind: str) -> str:
        if name not in self.parties:
            number = id_number(self.rng, self.area6) if kind == "household" else ""
            self.parties[name] = CounterpartySpec(name=name, kind=kind, id_number=number)
        return name

    def _company(self, what: str) -> str:
        word = self.rng.choice(COMPANY_WORDS)
        return (
            f"四川{word}{what}有限公司"
            if self.rng.random() < 0.5
            else f"{self.spec.county_short}市{word}{what}有限公司"
        )

    def _fund(self, name: str, kind: str, issuer: str, document: str, amount_fen: int, year: int) -> str:
        self.funds.append(FundSpec(name, kind, issuer, document, amount_fen, year))
        return name

    # -- bookkeeping

    def emit(self, day: date, summary: str, lines: list[Line]) -> None:
        debit = sum(line.debit_fen for line in lines)
        credit = sum(line.credit_fen for line in lines)
        if (
            debit != credit
            or len(lines) < 2
            or any(line.debit_fen < 0 or line.credit_fen < 0 for line in lines)
        ):
            raise AssertionError(f"generator made a bad voucher: {summary} {lines}")
        self.sequence[(day.year, day.month)] += 1
        key = f"{day.year}-{day.month:02d}-{self.sequence[(day.year, day.month)]:04d}"
        for line in lines:
            net = line.debit_fen - line.credit_fen
            self.balance[(line.account, line.fund, line.counterparty)] += net
            self.account_total[line.account] += net
            category = self.categories[line.account[:3]]
            if category in ("income", "expense"):
                self.profit[day.year] -= net
        for account in ("101", "10201"):
            if self.account_total[account] < 0:
                raise AssertionError(f"{account} went negative on {day}: {summary}")
        self.vouchers.append(Voucher(key, day, summary, tuple(lines)))

    @property
    def cash(self) -> int:
        return self.account_total["101"]

    @property
    def bank(self) -> int:
        return self.account_total["10201"]

    def free_money(self) -> int:
        """Cash and bank that routine spending may use.

        Money held for a purpose stays untouched: earmarked and 一事一议 funds not yet spent
        (241 and 231, less what their projects have already paid into 153, which they are
        relieved of at acceptance) and what is owed (211); so does a reserve for next month's
        fixed payments.
        """
        held = self.account_total["211"] + self.account_total["231"] + self.account_total["241"]
        in_progress = sum(fen for code, fen in self.account_total.items() if code.startswith("153"))
        committed = -held - in_progress
        return max(self.cash + self.bank - committed - BANK_RESERVE_FEN - self.monthly_fixed_fen, 0)

    def ensure_cash(self, day: date, amount: int) -> None:
        """Draw petty cash from the bank before a cash payment that the box cannot cover."""
        if self.cash >= amount:
            return
        # Up to the cash limit, in hundreds of yuan, so that one draw serves many payments.
        draw = (CASH_LIMIT_FEN - self.cash) // 10_000 * 10_000
        draw = min(draw, max(self.bank - BANK_RESERVE_FEN, 0))
        draw = max(draw, amount - self.cash)  # the payment must be covered in any case
        self.emit(
            day,
            "提取备用金",
            [Line("101", debit_fen=draw, summary="提取备用金"), _credit("10201", draw, "提取备用金")],
        )

    def bank_cash(self, day: date) -> None:
        """Cash above the limit goes to the bank the same day."""
        if self.cash <= CASH_LIMIT_FEN:
            return
        amount = (self.cash - self.rng.randint(5, 15) * 10_000) // 10_000 * 10_000
        if amount > 0:
            self.emit(
                day,
                "库存现金存入银行",
                [
                    Line("10201", debit_fen=amount, summary="现金存入银行"),
                    _credit("101", amount, "现金存入银行"),
                ],
            )

    def pay(self, day: date, summary: str, debits: list[Line], *, cash: bool | None = None) -> None:
        total = sum(line.debit_fen for line in debits)
        if cash is None:
            cash = total <= CASH_PAYMENT_LIMIT_FEN
        if cash:
            self.ensure_cash(day, total)
            self.emit(day, summary, [*debits, _credit("101", total, summary)])
        else:
            self.emit(day, summary, [*debits, _credit("10201", total, summary)])

    # -- set-up

    def setup(self) -> None:
        rng, year = self.rng, self.spec.first_year
        self.accounts.append(SubAccount("102", "10201", self.bank_name))
        self.accounts += [SubAccount(*row) for row in BASE_SUBACCOUNTS]
        # Tenants of collective land: a cooperative, a company, big growers.
        tenants = [self._party(self.cooperative, "organisation")]
        if rng.random() < 0.6:
            tenants.append(self._party(self._company("农业开发"), "organisation"))
        while len(tenants) < rng.randint(3, 5):
            tenants.append(self._party(self._person(), "person"))
        self.tenants = tenants
        # The money a year of ordinary vouchers costs decides how rich the village must be.
        ordinary = max(self.spec.vouchers_per_year - 110, 0)
        self.routine_mean_fen = rng.randint(150, 450) * 100
        self.monthly_fixed_fen = sum(f for _, f in self.cadres) + sum(f for _, f in self.cleaners) + 40_000
        fixed = 12 * self.monthly_fixed_fen
        self.routine_budget_fen = ordinary * self.routine_mean_fen
        self.village_office_fen = rng.randint(60, 120) * 100_000
        self.public_service_fen = rng.randint(20, 50) * 100_000
        needed = fixed + self.routine_budget_fen - self.village_office_fen - self.public_service_fen
        lease_total = max(rng.randint(2, 12) * 1_000_000, needed * 12 // 10)
        shares = [rng.randint(1, 5) for _ in tenants]
        self.rents = {
            t: max(lease_total * s // sum(shares) // 10_000 * 10_000, 100_000)
            for t, s in zip(tenants, shares, strict=True)
        }

        old_year = year - 1
        old_fund = self._fund(
            f"{old_year}年农村人居环境整治资金",
            EARMARKED_TRANSFER,
            f"{self.spec.county_name}农业农村局",
            _document_number(self.spec, old_year, "农发"),
            rng.randint(8, 20) * 1_000_000,
            old_year,
        )
        old_contractor = self._party(self._company("建筑工程"), "organisation")
        bank = max(rng.randint(100, 500) * 100_000, (fixed + self.routine_budget_fen) // 2)
        cash = rng.randint(800, 3000) * 100
        fixed_assets = rng.randint(50, 300) * 1_000_000
        depreciation = fixed_assets * rng.randint(5, 25) // 100
        investment = rng.randint(0, 3) * 5_000_000
        old_fund_left = rng.randint(2, 8) * 1_000_000
        retention = rng.randint(5, 30) * 100_000
        arrears = {t: rng.randint(0, 2) * self.rents[t] // 4 for t in tenants}
        assets = cash + bank + fixed_assets - depreciation + investment + sum(arrears.values())
        equity = assets - old_fund_left - retention
        reserve = equity // 2
        undistributed = equity // 10
        capital = equity - reserve - undistributed
        openings = [
            OpeningLine("101", debit_fen=cash),
            OpeningLine("10201", debit_fen=bank),
            *(OpeningLine("112", debit_fen=fen, counterparty=t) for t, fen in arrears.items() if fen),
            OpeningLine(
                "141", debit_fen=investment, counterparty=self._party(self.cooperative, "organisation")
            ),
            OpeningLine("151", debit_fen=fixed_assets),
            OpeningLine("152", credit_fen=depreciation),
            OpeningLine("211", credit_fen=retention, counterparty=old_contractor),
            OpeningLine("241", credit_fen=old_fund_left, fund=old_fund),
            OpeningLine("301", credit_fen=capital),
            OpeningLine("311", credit_fen=reserve),
            OpeningLine("32201", credit_fen=undistributed),
        ]
        self.openings = [o for o in openings if o.debit_fen or o.credit_fen]
        for o in self.openings:
            self.balance[(o.account, o.fund, o.counterparty)] += o.debit_fen - o.credit_fen
            self.account_total[o.account] += o.debit_fen - o.credit_fen
        self.old_fund = (old_fund, old_fund_left)
        self.retentions.append((old_contractor, retention))

    # -- a year

    def run_year(self, year: int) -> None:
        events: list[tuple[date, int, Callable[[], None]]] = []
        self.plan_year(year, events)
        end = self.spec.end
        for day, _order, action in sorted(events, key=lambda e: (e[0], e[1])):
            if day <= end:
                self._today = day
                action()

    def day(self, year: int, month: int, first: int = 1, last: int = 28) -> date:
        return date(year, month, self.rng.randint(first, last))

    def plan_year(self, year: int, events: list) -> None:
        rng, spec, county = self.rng, self.spec, self.spec.county_name
        order = iter(range(1_000_000))

        def at(day: date, action: Callable[[], None]) -> None:
            events.append((day, next(order), action))

        # 村级组织运转经费 (quarterly) and 公共服务运行经费 (twice a year) into 补助收入.
        office = self._fund(
            f"{year}年村级组织运转经费",
            VILLAGE_OFFICE,
            f"{county}财政局",
            _document_number(spec, year, "财预"),
            self.village_office_fen,
            year,
        )
        service = self._fund(
            f"{year}年村级公共服务运行经费",
            PUBLIC_SERVICE,
            f"{county}财政局",
            _document_number(spec, year, "财行"),
            self.public_service_fen,
            year,
        )
        for part, month in enumerate((3, 6, 9, 12)):
            amount = (
                self.village_office_fen // 4
                if part < 3
                else self.village_office_fen - 3 * (self.village_office_fen // 4)
            )
            at(
                self.day(year, month, 10, 20),
                self._receipt(f"收到第{part + 1}季度村级组织运转经费", "503", amount, office),
            )
        for part, month in enumerate((5, 11)):
            amount = (
                self.public_service_fen // 2
                if part == 0
                else self.public_service_fen - self.public_service_fen // 2
            )
            at(
                self.day(year, month, 5, 20),
                self._receipt(f"收到{year}年公共服务运行经费（第{part + 1}批）", "503", amount, service),
            )

        # Collective income: land leases billed in January, collected over the year.
        income_fund = self._fund(
            f"{year}年集体经营性收入",
            COLLECTIVE_INCOME,
            self.site.ledger_name,
            f"{self.short}股〔{year}〕1号",
            sum(self.rents.values()) + 4 * self.shop_rent_fen,
            year,
        )
        at(self.day(year, 1, 5, 15), lambda: self._bill_leases(year, income_fund))
        for tenant in self.tenants:
            for month in sorted(rng.sample(range(3, 13), rng.randint(1, 3))):
                at(self.day(year, month), self._collect_lease(tenant))
        for quarter, month in enumerate((1, 4, 7, 10)):
            at(self.day(year, month, 1, 10), self._shop_rent(quarter, income_fund))
        for month in (3, 6, 9, 12):
            at(date(year, month, 21), self._interest)

        # Monthly running costs.
        for month in range(1, 13):
            at(self.day(year, month, 20, 28), self._cadre_pay(month))
            at(self.day(year, month, 20, 28), self._cleaner_pay(month))
            at(self.day(year, month, 5, 15), self._utilities(month))
            at(self.day(year, month, 25, 28), self._bank_fee(month))

        # Last year's leftovers: the opening earmarked fund and the contractors' retention money.
        if year == spec.first_year:
            name, left = self.old_fund
            first = left * rng.randint(40, 70) // 100
            at(self.day(year, 3), self._spend_earmarked(name, first, "人居环境整治：垃圾收集点建设"))
            at(self.day(year, 5), self._spend_earmarked(name, left - first, "人居环境整治：村庄绿化"))
        for contractor, fen in self.retentions:
            at(self.day(year, 10, 10, 28), self._pay_retention(contractor, fen))
        self.retentions = []

        self._plan_project(year, at)
        self._plan_water(year, at)
        self._plan_livelihood(year, at)
        self._plan_poverty(year, at)
        self._plan_one_matter(year, at)
        self._plan_donation(year, at)
        self._plan_routine(year, at, len(events))

    # -- scheduled business

    def _receipt(self, summary: str, account: str, amount: int, fund: str) -> Callable[[], None]:
        def action() -> None:
            self.emit(
                self._today,
                summary,
                [
                    Line("10201", debit_fen=amount, summary=summary),
                    _credit(account, amount, summary, fund=fund),
                ],
            )

        return action

    # The date of the event being run: ``run_year`` sets it before each action, so actions
    # planned at the start of the year can look at the balances of their own day.
    _today: date

    def _bill_leases(self, year: int, fund: str) -> None:
        summary = f"确认{year}年土地发包收入"
        lines = []
        for tenant in self.tenants:
            lines.append(
                Line(
                    "112",
                    debit_fen=self.rents[tenant],
                    summary=f"应收{tenant}{year}年土地承包费",
                    counterparty=tenant,
                )
            )
            lines.append(_credit("50101", self.rents[tenant], f"{tenant}{year}年土地承包费", fund=fund))
        self.emit(self._today, summary, lines)

    def _collect_lease(self, tenant: str) -> Callable[[], None]:
        def action() -> None:
            outstanding = self.balance[("112", "", tenant)]
            if outstanding <= 0:
                return
            planned = self.rents[tenant] * self.rng.randint(30, 100) // 100 // 100 * 100
            amount = min(max(planned, 100_00), outstanding)
            summary = f"收{tenant}土地承包费"
            self.emit(
                self._today,
                summary,
                [
                    Line("10201", debit_fen=amount, summary=summary),
                    _credit("112", amount, summary, counterparty=tenant),
                ],
            )

        return action

    def _shop_rent(self, quarter: int, fund: str) -> Callable[[], None]:
        def action() -> None:
            summary = f"收{self.shop_tenant}门面租金（第{quarter + 1}季度）"
            account = "101" if self.shop_rent_fen <= CASH_PAYMENT_LIMIT_FEN else "10201"
            self.emit(
                self._today,
                summary,
                [
                    Line(account, debit_fen=self.shop_rent_fen, summary=summary),
                    _credit("50102", self.shop_rent_fen, summary, fund=fund),
                ],
            )
            self.bank_cash(self._today)

        return action

    def _interest(self) -> None:
        amount = self.bank * 35 // 40_000  # 0.35 % a year, for a quarter
        if amount > 0:
            summary = f"{self._today.month // 3}季度银行存款利息"
            self.emit(
                self._today,
                summary,
                [Line("10201", debit_fen=amount, summary=summary), _credit("50401", amount, summary)],
            )

    def _cadre_pay(self, month: int) -> Callable[[], None]:
        def action() -> None:
            summary = f"支付{month}月村干部误工补贴"
            debits = [
                Line("51305", debit_fen=fen, summary=f"支付{month}月{name}误工补贴")
                for name, fen in self.cadres
            ]
            self.pay(self._today, summary, debits, cash=False)

        return action

    def _cleaner_pay(self, month: int) -> Callable[[], None]:
        def action() -> None:
            summary = f"支付{month}月保洁员工资"
            debits = [
                Line("51401", debit_fen=fen, summary=f"支付{month}月保洁员{name}工资")
                for name, fen in self.cleaners
            ]
            self.pay(self._today, summary, debits, cash=False)

        return action

    def _utilities(self, month: int) -> Callable[[], None]:
        def action() -> None:
            debits = [
                Line("51303", debit_fen=self.rng.randint(8_000, 40_000), summary=f"缴纳{month}月村委会电费")
            ]
            if month % 2 == 0:
                debits.append(
                    Line(
                        "51303",
                        debit_fen=self.rng.randint(3_000, 12_000),
                        summary=f"缴纳{month - 1}—{month}月水费",
                    )
                )
            self.pay(self._today, f"缴纳{month}月水电费", debits, cash=False)

        return action

    def _bank_fee(self, month: int) -> Callable[[], None]:
        def action() -> None:
            amount = self.rng.choice((200, 300, 500, 600))
            summary = f"{month}月银行短信服务费"
            self.emit(
                self._today,
                summary,
                [Line("515", debit_fen=amount, summary=summary), _credit("10201", amount, summary)],
            )

        return action

    def _spend_earmarked(self, fund: str, amount: int, summary: str) -> Callable[[], None]:
        def action() -> None:
            left = -self.balance[("241", fund, "")]
            fen = min(amount, left)
            if fen > 0:
                self.emit(
                    self._today,
                    summary,
                    [Line("241", debit_fen=fen, summary=summary, fund=fund), _credit("10201", fen, summary)],
                )

        return action

    def _pay_retention(self, contractor: str, fen: int) -> Callable[[], None]:
        def action() -> None:
            owed = -self.balance[("211", "", contractor)]
            amount = min(fen, owed)
            if amount > 0:
                summary = f"支付{contractor}工程质保金"
                self.emit(
                    self._today,
                    summary,
                    [
                        Line("211", debit_fen=amount, summary=summary, counterparty=contractor),
                        _credit("10201", amount, summary),
                    ],
                )

        return action

    def _new_project_account(self, name: str) -> str:
        self.project_serial += 1
        code = f"153{self.project_serial:02d}"
        self.accounts.append(SubAccount("153", code, name))
        return code

    def _plan_project(self, year: int, at) -> None:
        """An earmarked construction project: 241 in, 153 paid, accepted into 151, 241 to 311."""
        rng, spec = self.rng, self.spec
        project, bureau, office = rng.choice(PROJECTS)
        group = rng.choice(GROUPS[:6])
        title = f"{year}年{self.short}村{group}组{project}"
        fund = self._fund(
            f"{year}年{project}项目资金",
            EARMARKED_TRANSFER,
            f"{spec.county_name}{bureau}",
            _document_number(spec, year, office),
            rng.randint(20, 60) * 1_000_000,
            year,
        )
        grant = self.funds[-1].amount_fen
        own = grant * rng.choice((0, 0, 2, 5, 8)) // 100 // 100 * 100
        cost = grant + own
        account = self._new_project_account(title)
        contractor = self._party(self._company("建设工程"), "organisation")
        first, second = cost * 30 // 100, cost * 40 // 100
        retention = cost * 5 // 100
        final = cost - first - second - retention

        def receive() -> None:
            summary = f"收到{project}项目资金"
            self.emit(
                self._today,
                summary,
                [Line("10201", debit_fen=grant, summary=summary), _credit("241", grant, summary, fund=fund)],
            )

        def progress(amount: int, what: str) -> Callable[[], None]:
            def action() -> None:
                summary = f"支付{contractor}{project}{what}"
                self.emit(
                    self._today,
                    summary,
                    [Line(account, debit_fen=amount, summary=summary), _credit("10201", amount, summary)],
                )

            return action

        def accept() -> None:
            summary = f"{project}竣工验收结算"
            self.emit(
                self._today,
                summary,
                [
                    Line(account, debit_fen=final + retention, summary=summary),
                    _credit("10201", final, f"支付{contractor}工程结算款"),
                    _credit("211", retention, f"应付{contractor}工程质保金", counterparty=contractor),
                ],
            )
            summary = f"{project}验收交付使用，转入固定资产"
            self.emit(
                self._today,
                summary,
                [
                    Line("151", debit_fen=cost, summary=summary),
                    _credit(account, cost, summary),
                    Line("241", debit_fen=grant, summary="专项资金形成资产转公积公益金", fund=fund),
                    _credit("311", grant, "专项资金形成资产转公积公益金"),
                ],
            )
            self.retentions.append((contractor, retention))

        at(self.day(year, rng.choice((3, 4)), 5, 25), receive)
        at(self.day(year, 5, 10, 28), progress(first, "预付款"))
        at(self.day(year, 7, 5, 28), progress(second, "进度款"))
        at(self.day(year, 10, 10, 25), accept)

    def _plan_water(self, year: int, at) -> None:
        rng, spec = self.rng, self.spec
        amount = rng.randint(20, 60) * 100_000
        fund = self._fund(
            f"{year}年农村供水工程维修养护资金",
            EARMARKED_TRANSFER,
            f"{spec.county_name}水利局",
            _document_number(spec, year, "水发"),
            amount,
            year,
        )

        def receive() -> None:
            summary = "收到农村供水工程维修养护资金"
            self.emit(
                self._today,
                summary,
                [
                    Line("10201", debit_fen=amount, summary=summary),
                    _credit("241", amount, summary, fund=fund),
                ],
            )

        at(self.day(year, 4, 5, 25), receive)
        payments = rng.randint(2, 4)
        to_spend = amount * rng.randint(80, 100) // 100
        months = sorted(rng.sample(range(6, 12), payments))
        parts = _split(rng, to_spend, payments)
        for month, part in zip(months, parts, strict=True):
            at(self.day(year, month), self._spend_earmarked(fund, part, rng.choice(WATER_WORKS)))

    def _plan_livelihood(self, year: int, at) -> None:
        """A subsidy to named households: 241 in, 211 per household, paid by bank card."""
        rng, spec = self.rng, self.spec
        receivers = rng.sample(self.households, rng.randint(6, 16))
        grants = {name: rng.randint(5, 30) * 10_000 for name in receivers}
        total = sum(grants.values())
        fund = self._fund(
            f"{year}年脱贫户产业发展奖补资金",
            LIVELIHOOD_SUBSIDY,
            f"{spec.county_name}农业农村局",
            _document_number(spec, year, "农发"),
            total,
            year,
        )
        for name in receivers:
            self._party(name, "household")

        def receive() -> None:
            summary = "收到脱贫户产业发展奖补资金"
            self.emit(
                self._today,
                summary,
                [Line("10201", debit_fen=total, summary=summary), _credit("241", total, summary, fund=fund)],
            )

        def confirm() -> None:
            summary = f"公示无异议，确认{len(receivers)}户产业发展奖补"
            lines = [Line("241", debit_fen=total, summary=summary, fund=fund)]
            lines += [_credit("211", grants[n], f"应付{n}产业发展奖补", counterparty=n) for n in receivers]
            self.emit(self._today, summary, lines)

        def pay(batch: list[str]) -> Callable[[], None]:
            def action() -> None:
                summary = "通过一卡通发放产业发展奖补"
                lines = [
                    Line("211", debit_fen=grants[n], summary=f"发放{n}产业发展奖补", counterparty=n)
                    for n in batch
                ]
                self.emit(
                    self._today, summary, [*lines, _credit("10201", sum(grants[n] for n in batch), summary)]
                )

            return action

        at(self.day(year, 6, 5, 20), receive)
        at(self.day(year, 7, 1, 10), confirm)
        for start in range(0, len(receivers), 10):
            at(self.day(year, 7, 11, 28), pay(receivers[start : start + 10]))

    def _plan_poverty(self, year: int, at) -> None:
        """衔接资金 invested in the village cooperative (141), 241 to 311; a dividend in December."""
        rng, spec = self.rng, self.spec
        amount = rng.randint(10, 30) * 1_000_000
        fund = self._fund(
            f"{year}年财政衔接推进乡村振兴补助资金",
            POVERTY_ALLEVIATION,
            f"{spec.county_name}财政局",
            _document_number(spec, year, "财农"),
            amount,
            year,
        )
        coop = self._party(self.cooperative, "organisation")

        def receive() -> None:
            summary = "收到财政衔接推进乡村振兴补助资金"
            self.emit(
                self._today,
                summary,
                [
                    Line("10201", debit_fen=amount, summary=summary),
                    _credit("241", amount, summary, fund=fund),
                ],
            )

        def invest() -> None:
            summary = f"衔接资金入股{coop}"
            self.emit(
                self._today,
                summary,
                [
                    Line("141", debit_fen=amount, summary=summary, counterparty=coop),
                    _credit("10201", amount, summary),
                    Line("241", debit_fen=amount, summary="衔接资金形成资产转公积公益金", fund=fund),
                    _credit("311", amount, "衔接资金形成资产转公积公益金"),
                ],
            )

        def dividend() -> None:
            invested = self.balance[("141", "", coop)]
            fen = invested * rng.randint(4, 8) // 100 // 100 * 100
            if fen > 0:
                summary = f"收到{coop}{year}年入股分红"
                self.emit(
                    self._today,
                    summary,
                    [Line("10201", debit_fen=fen, summary=summary), _credit("502", fen, summary)],
                )

        at(self.day(year, 5, 10, 25), receive)
        at(self.day(year, 6, 1, 20), invest)
        at(self.day(year, 12, 15, 25), dividend)

    def _plan_one_matter(self, year: int, at) -> None:
        """一事一议: households pay in cash, the county adds a matching grant, a small project is built."""
        rng = self.rng
        project = rng.choice(ONE_MATTER_PROJECTS).format(g=rng.choice(GROUPS[:6]))
        payers = rng.sample(self.households, min(len(self.households), rng.randint(20, 50)))
        shares = {name: rng.randint(3, 20) * 1_000 for name in payers}
        raised = sum(shares.values())
        grant = raised * rng.randint(10, 20) // 10 // 10_000 * 10_000
        cost = raised + grant
        fund = self._fund(
            f"{year}年{project}一事一议资金",
            ONE_MATTER,
            f"{self.site.name}村民代表会议",
            f"{self.short}议〔{year}〕{rng.randint(1, 6)}号",
            cost,
            year,
        )
        account = self._new_project_account(f"{year}年{project}（一事一议）")

        def collect(batch: list[str]) -> Callable[[], None]:
            def action() -> None:
                summary = "收一事一议筹资款"
                lines = [_credit("231", shares[n], f"收{n}一事一议筹资款", fund=fund) for n in batch]
                self.emit(
                    self._today,
                    summary,
                    [Line("101", debit_fen=sum(shares[n] for n in batch), summary=summary), *lines],
                )
                self.bank_cash(self._today)

            return action

        def matching() -> None:
            summary = "收到一事一议财政奖补资金"
            self.emit(
                self._today,
                summary,
                [Line("10201", debit_fen=grant, summary=summary), _credit("231", grant, summary, fund=fund)],
            )

        def spend(amount: int, what: str) -> Callable[[], None]:
            def action() -> None:
                summary = f"{project}{what}"
                self.emit(
                    self._today,
                    summary,
                    [Line(account, debit_fen=amount, summary=summary), _credit("10201", amount, summary)],
                )

            return action

        def accept() -> None:
            summary = f"{project}完工验收，转入固定资产"
            self.emit(
                self._today,
                summary,
                [
                    Line("151", debit_fen=cost, summary=summary),
                    _credit(account, cost, summary),
                    Line("231", debit_fen=cost, summary="一事一议资金形成资产转公积公益金", fund=fund),
                    _credit("311", cost, "一事一议资金形成资产转公积公益金"),
                ],
            )

        for start in range(0, len(payers), 6):
            at(self.day(year, rng.choice((2, 3))), collect(payers[start : start + 6]))
        at(self.day(year, 4, 5, 28), matching)
        materials = cost * rng.randint(50, 70) // 100
        at(self.day(year, 6), spend(materials, "材料款"))
        at(self.day(year, 8), spend(cost - materials, "人工费"))
        at(self.day(year, 9, 5, 28), accept)

    def _plan_donation(self, year: int, at) -> None:
        """A donor's gift for student grants: kind 其他, through 241, to named households."""
        rng = self.rng
        donor = self._company("实业") if rng.random() < 0.5 else f"乡贤{self._person(male=True)}"
        students = rng.sample(self.households, rng.randint(3, 6))
        grants = {name: rng.randint(5, 20) * 10_000 for name in students}
        total = sum(grants.values())
        fund = self._fund(
            f"{year}年{donor}捐赠助学资金",
            OTHER,
            donor,
            f"捐赠协议〔{year}〕{rng.randint(1, 9)}号",
            total,
            year,
        )

        def receive() -> None:
            summary = f"收到{donor}捐赠助学资金"
            self.emit(
                self._today,
                summary,
                [Line("10201", debit_fen=total, summary=summary), _credit("241", total, summary, fund=fund)],
            )

        def pay() -> None:
            summary = f"发放{len(students)}名学生助学金"
            lines = [
                Line("241", debit_fen=grants[n], summary=f"发放{n}家庭学生助学金", fund=fund)
                for n in students
            ]
            self.emit(self._today, summary, [*lines, _credit("10201", total, summary)])

        at(self.day(year, 8, 1, 15), receive)
        at(self.day(year, 9, 1, 10), pay)

    def _plan_routine(self, year: int, at, scheduled: int) -> None:
        """Ordinary reimbursements and small public-welfare payments up to the year's voucher count."""
        rng = self.rng
        # Paying these in cash makes about one petty-cash draw for every 16 of them.
        count = max(self.spec.vouchers_per_year - scheduled, 0) * 94 // 100
        start = date(year, 1, 1)
        for _ in range(count):
            day = start + timedelta(days=rng.randrange(365))
            at(day, self._routine())

    def _routine(self) -> Callable[[], None]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.04:
            return self._scrap_sale
        items = OFFICE_ITEMS if roll < 0.64 else WELFARE_ITEMS
        count = rng.choices((1, 2, 3, 4, 5, 6), weights=(1, 2, 3, 3, 2, 1))[0]
        total = int(self.routine_mean_fen * min(max(rng.lognormvariate(0, 0.6), 0.1), 5))
        # One voucher pays for one kind of thing (one sub-account), so that its summary (the
        # first line's) is true of every line: no 慰问老党员 booked to 道路维护.
        first = rng.choice(items)
        alike = [item for item in items if item[0] == first[0]]
        chosen = [first] + [rng.choice(alike) for _ in range(count - 1)]
        people = [
            rng.choice(self.cadres)[0]
            if "{person}" in text and code != "51404"
            else rng.choice(self.households)
            for code, text in chosen
        ]
        parts = _split(rng, max(total, count * 100), count)

        def action() -> None:
            scale_to = self.free_money()
            amounts = parts
            if sum(amounts) > scale_to:  # a lean month: buy less
                amounts = [a * scale_to // sum(parts) for a in parts]
            debits = [
                Line(code, debit_fen=fen, summary=text.format(person=person))
                for (code, text), person, fen in zip(chosen, people, amounts, strict=True)
                if fen > 0
            ]
            if debits:
                summary = "报销" + debits[0].summary if items is OFFICE_ITEMS else debits[0].summary
                self.pay(self._today, summary[:60], debits)

        return action

    def _scrap_sale(self) -> None:
        amount = self.rng.randint(50, 800) * 100
        summary = "出售废旧物资收入"
        self.emit(
            self._today,
            summary,
            [Line("101", debit_fen=amount, summary=summary), _credit("50402", amount, summary)],
        )
        self.bank_cash(self._today)


def _credit(account: str, fen: int, summary: str, *, fund: str = "", counterparty: str = "") -> Line:
    return Line(account, credit_fen=fen, summary=summary, fund=fund, counterparty=counterparty)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` fen in ``parts`` positive amounts (each at least 1 yuan when possible)."""
    if parts == 1:
        return [total]
    weights = [rng.randint(1, 10) for _ in range(parts)]
    amounts = [total * w // sum(weights) for w in weights]
    amounts[-1] += total - sum(amounts)
    return amounts


def village_books(spec: CountySpec, site: VillageSite) -> VillageBooks:
    """The books of one village from the first year to ``spec.end``."""
    village = _Village(spec, site)
    village.setup()
    for year in spec.years:
        village.run_year(year)
    return VillageBooks(
        site=site,
        start_year=spec.first_year,
        accounts=village.accounts,
        funds=village.funds,
        counterparties=list(village.parties.values()),
        openings=village.openings,
        vouchers=village.vouchers,
        profit_fen=dict(village.profit),
    )


def county_books(spec: CountySpec) -> Iterator[VillageBooks]:
    """Every village's books, one village at a time."""
    _regions, sites = county_layout(spec)
    for site in sites:
        yield village_books(spec, site)


# ---------------------------------------------------------------------------------------------
# Files


@dataclass
class CountyFiles:
    """What ``write_county`` wrote, and how much of it."""

    directory: Path
    regions: Path
    ledgers: Path  # one JSON object a line: a ledger's set-up (see VillageBooks.setup_record)
    vouchers: dict[str, Path] = field(default_factory=dict)  # "2025" or "2025-<township code>"
    pending: Path | None = None
    journal: Path | None = None
    villages: int = 0
    voucher_count: dict[int, int] = field(default_factory=dict)  # per year, in the import files
    line_count: dict[int, int] = field(default_factory=dict)
    pending_count: int = 0

    def manifest(self) -> dict:
        return {
            "regions": self.regions.name,
            "ledgers": self.ledgers.name,
            "vouchers": {key: path.name for key, path in self.vouchers.items()},
            "pending": self.pending.name if self.pending else None,
            "journal": self.journal.name if self.journal else None,
            "villages": self.villages,
            "voucher_count": {str(k): v for k, v in self.voucher_count.items()},
            "line_count": {str(k): v for k, v in self.line_count.items()},
            "pending_count": self.pending_count,
        }


def import_rows(ledger_code: str, voucher: Voucher) -> Iterator[list[str]]:
    """The rows of one voucher in the columns of ``IMPORT_COLUMNS``."""
    day = voucher.date.isoformat()
    for line in voucher.lines:
        yield [
            ledger_code,
            voucher.key,
            day,
            line.summary,
            line.account,
            fen_to_text(line.debit_fen) if line.debit_fen else "",
            fen_to_text(line.credit_fen) if line.credit_fen else "",
            line.fund,
            line.counterparty,
        ]


class _Csv:
    """A CSV file opened on first use, with the import header."""

    def __init__(self, path: Path):
        self.path = path
        self._handle = None
        self.writer = None

    def write(self, rows: Iterable[list[str]]) -> None:
        if self._handle is None:
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self.writer = csv.writer(self._handle, lineterminator="\n")
            self.writer.writerow(IMPORT_COLUMNS)
        self.writer.writerows(rows)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


JOURNAL_TOP = {
    "asset": "Assets",
    "liability": "Liabilities",
    "equity": "Equity",
    "cost": "Costs",
    "income": "Income",
    "expense": "Expenses",
}


def journal_accounts(books: VillageBooks) -> dict[str, str]:
    """Account code → ledger-cli account name (ASCII): ``Assets:A102:A10201``."""
    names = {t.code: f"{JOURNAL_TOP[t.category]}:A{t.code}" for t in chart_templates(CHART)}
    rules = chart_rules(CHART)
    subs = [
        SubAccount(rules.distribution_account, rules.undistributed_code, rules.undistributed_name),
        SubAccount(rules.distribution_account, rules.appropriation_code, rules.appropriation_name),
        *books.accounts,
    ]
    for sub in sorted(subs, key=lambda s: s.code):
        names[sub.code] = f"{names[sub.parent]}:A{sub.code}"
    return names


def _journal_entry(head: str, village_code: str, postings: Iterable[tuple[str, int]]) -> str:
    lines = [head, f"    ; village: {village_code}"]
    lines += [f"    {account}  {fen_to_text(net)}" for account, net in postings]
    return "\n".join(lines) + "\n\n"


def journal_text(books: VillageBooks, vouchers: Iterable[Voucher]) -> Iterator[str]:
    """The ledger-cli journal of a village: its opening balances and ``vouchers``.

    Debits are positive, credits negative; amounts carry no commodity, so ``ledger bal`` and
    ``hledger bal`` print the net debit balance of every account, parents included.
    """
    names = journal_accounts(books)
    code = books.site.code
    yield _journal_entry(
        f"{books.start_year}-01-01 * ({books.site.ledger_code}) 期初余额 {books.site.ledger_name}",
        code,
        ((names[o.account], o.debit_fen - o.credit_fen) for o in books.openings),
    )
    for voucher in vouchers:
        yield _journal_entry(
            f"{voucher.date.isoformat()} * ({voucher.key}) {voucher.summary}",
            code,
            ((names[line.account], line.debit_fen - line.credit_fen) for line in voucher.lines),
        )


def write_county(
    spec: CountySpec,
    directory: Path,
    *,
    split_by_township: bool = False,
    hold_last: int = 0,
    journal: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CountyFiles:
    """Write the county's books as files under ``directory`` (created if needed).

    Files: ``regions.csv``; ``ledgers.jsonl``; ``vouchers-<year>.csv`` (or one a year and
    township with ``split_by_township``) in the import format; with ``hold_last`` each
    village's last vouchers of the final month go to ``pending.csv`` instead (the same format),
    for a loader to create as drafts or submitted vouchers; with ``journal``, ``county.journal``
    for ledger-cli and hledger holding the same books as the import files (without the held
    vouchers); ``manifest.json`` says what was written. Only one village is held in memory.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    regions, sites = county_layout(spec)
    files = CountyFiles(
        directory=directory, regions=directory / "regions.csv", ledgers=directory / "ledgers.jsonl"
    )
    with files.regions.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(REGION_COLUMNS)
        writer.writerows([r.code, r.name, r.parent_code, r.kind] for r in regions)

    outputs: dict[str, _Csv] = {}
    pending = _Csv(directory / "pending.csv")
    journal_handle = (directory / "county.journal").open("w", encoding="utf-8") if journal else None
    last_month = (spec.end.year, spec.end.month)
    try:
        with files.ledgers.open("w", encoding="utf-8") as ledgers:
            for number, site in enumerate(sites, start=1):
                books = village_books(spec, site)
                ledgers.write(json.dumps(books.setup_record(), ensure_ascii=False) + "\n")
                # The final month's last vouchers: a suffix of the village's vouchers, so the
                # posted books stay a prefix of the simulation and keep its invariants.
                tail = books.vouchers[-hold_last:] if hold_last else []
                held = [v for v in tail if (v.date.year, v.date.month) == last_month]
                kept = books.vouchers[: len(books.vouchers) - len(held)]
                for voucher in kept:
                    year = voucher.date.year
                    key = f"{year}-{site.township_code}" if split_by_township else str(year)
                    if key not in outputs:
                        outputs[key] = _Csv(directory / f"vouchers-{key}.csv")
                    outputs[key].write(import_rows(site.ledger_code, voucher))
                    files.voucher_count[year] = files.voucher_count.get(year, 0) + 1
                    files.line_count[year] = files.line_count.get(year, 0) + len(voucher.lines)
                for voucher in held:
                    pending.write(import_rows(site.ledger_code, voucher))
                files.pending_count += len(held)
                if journal_handle is not None:
                    journal_handle.writelines(journal_text(books, kept))
                files.villages += 1
                if progress is not None:
                    progress(number, len(sites))
    finally:
        for output in outputs.values():
            output.close()
        pending.close()
        if journal_handle is not None:
            journal_handle.close()
    files.vouchers = {key: outputs[key].path for key in sorted(outputs)}
    files.pending = pending.path if files.pending_count else None
    files.journal = directory / "county.journal" if journal else None
    (directory / "manifest.json").write_text(
        json.dumps(files.manifest(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return files
