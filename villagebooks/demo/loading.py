"""Putting generated county books (``generator.write_county``'s files) into the database.

Everything goes through the services a user's actions go through, so the demo and the
benchmarks exercise the real rules: ``regions_import_csv`` for the region tree,
``ledger_create``, ``account_add``, ``fund_create``, ``counterparty_create`` and
``opening_balances_set`` for each ledger, ``vouchers_import`` for the vouchers (the bulk path),
``bank_statement_import`` for the bank's statements (``demo/bank.py``), ``period_close`` and
``year_close`` for the closes and ``voucher_create`` / ``voucher_review``
for the vouchers left in the review queue. The command and the benchmark decide who acts and
in which transaction.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from villagebooks.common.money import format_fen, yuan_to_fen
from villagebooks.demo import clock, setup_records
from villagebooks.demo.bank import bank_statements_load
from villagebooks.demo.generator import CountyFiles
from villagebooks.demo.old_books import old_books_carry_over, old_books_load
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.importing import ImportResult, vouchers_import
from villagebooks.ledger.importing.sql import _analyze
from villagebooks.ledger.models import AccountBalance, Ledger, Voucher, VoucherLine
from villagebooks.ledger.selectors import in_force
from villagebooks.regions.models import Region
from villagebooks.regions.services import regions_import_csv

RESERVE_SHARE_PERCENT = 10  # 提取公积公益金: a tenth of a profitable year's income


@dataclass(frozen=True)
class LedgerSetup:
    """One line of ``ledgers.jsonl``, as the loader needs it."""

    record: dict

    @property
    def code(self) -> str:
        return self.record["ledger"]

    @property
    def township(self) -> str:
        return self.record["township"]

    def profit_fen(self, year: int) -> int:
        return self.record["profit_fen"].get(str(year), 0)


def ledger_setups(files: CountyFiles) -> Iterator[LedgerSetup]:
    with files.ledgers.open(encoding="utf-8") as handle:
        for line in handle:
            yield LedgerSetup(json.loads(line))


def regions_load(*, actor, files: CountyFiles) -> None:
    regions_import_csv(actor=actor, text=files.regions.read_text(encoding="utf-8"))


def ledger_load(*, actor, setup: LedgerSetup) -> Ledger:
    """Create one ledger with its sub-accounts, funds, counterparties and opening balances."""
    record = setup.record
    ledger = services.ledger_create(
        actor=actor,
        village_code=record["village"],
        code=record["ledger"],
        name=record["name"],
        chart=record["chart"],
        start_year=record["start_year"],
        start_month=record["start_month"],
    )
    for account in record["accounts"]:
        setup_records.account_add(actor=actor, ledger=ledger, account=account)
    for fund in record["funds"]:
        setup_records.fund_create(actor=actor, ledger=ledger, fund=fund)
    for party in record["counterparties"]:
        setup_records.counterparty_create(actor=actor, ledger=ledger, party=party)
    rows = [
        services.OpeningInput(
            account_code=o["account"],
            debit_fen=o["debit_fen"],
            credit_fen=o["credit_fen"],
            fund_name=o["fund"],
            counterparty_name=o["counterparty"],
        )
        for o in record["openings"]
    ]
    return services.opening_balances_set(actor=actor, ledger=ledger, rows=rows)


def ledgers_load(
    *,
    actor_for: Callable[[str], object],
    files: CountyFiles,
    progress: Callable[[int], None] | None = None,
    skip: frozenset[str] = frozenset(),
) -> list[LedgerSetup]:
    """Every ledger of the county; ``actor_for(township_code)`` says who sets each one up. The
    ledgers of ``skip`` (codes) are listed but made by the caller."""
    setups = []
    for number, setup in enumerate(ledger_setups(files), start=1):
        if setup.code not in skip:
            ledger_load(actor=actor_for(setup.township), setup=setup)
        setups.append(setup)
        if progress is not None:
            progress(number)
    return setups


def year_files(files: CountyFiles, year: int) -> list[tuple[str, Path]]:
    """The import files of ``year`` as (township code or "", path)."""
    found = []
    for key, path in files.vouchers.items():
        file_year, _, township = key.partition("-")
        if int(file_year) == year:
            found.append((township, path))
    return found


def vouchers_load(
    *,
    actor_for: Callable[[str], object],
    files: CountyFiles,
    year: int,
    import_at: Callable[[int, int], datetime] | None = None,
) -> ImportResult:
    """Import and post a year's vouchers, each township's file by ``actor_for(township)``.

    With ``import_at`` (the demo's clock), each month's vouchers are imported on their own, at
    ``import_at(year, month)``: the township's accountant books the villages' slips of a month
    at its end, as 村账乡代管 does, so that they are posted on or shortly after their dates."""
    vouchers = lines = posted = 0
    for township, path in year_files(files, year):
        parts = [(0, path)] if import_at is None else month_files(path)
        for month, part in parts:
            with clock.at(import_at(year, month)) if month else nullcontext():
                result = vouchers_import(actor=actor_for(township), path=part, post=True)
            vouchers, lines, posted = vouchers + result.vouchers, lines + result.lines, posted + result.posted
    return ImportResult(
        vouchers=vouchers, lines=lines, posted=posted, created_funds=[], created_counterparties=[]
    )


def month_files(path: Path) -> list[tuple[int, Path]]:
    """``path``'s vouchers split by the month of their date, as (month, file) beside it, in month
    order; a voucher's rows share its date, so each stays whole."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    column = header.index("date")
    by_month: dict[int, list[list[str]]] = {}
    for row in body:
        by_month.setdefault(int(row[column][5:7]), []).append(row)
    parts = []
    for month in sorted(by_month):
        part = path.with_name(f"{path.stem}-{month:02d}{path.suffix}")
        with part.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(by_month[month])
        parts.append((month, part))
    return parts


def months_close(
    *,
    actor,
    ledger: Ledger,
    year: int,
    through_month: int,
    close_at: Callable[[int, int], datetime] | None = None,
) -> None:
    """Close months 1 to ``through_month`` of ``year``, each at ``close_at(year, month)`` if given."""
    for month in range(1, through_month + 1):
        with clock.at(close_at(year, month)) if close_at else nullcontext():
            services.period_close(actor=actor, ledger=ledger, year=year, month=month)


def year_end_close(
    *,
    actor,
    reviewer,
    ledger: Ledger,
    year: int,
    profit_fen: int,
    close_at: Callable[[int, int], datetime] | None = None,
) -> services.YearCloseResult:
    """Close months 1–11, then the year, setting a tenth of a profit aside as 公积公益金: the
    distribution voucher the year close makes is reviewed by ``reviewer`` (not the closer) and
    posted by the closer, then the year close runs again and finishes."""
    months_close(actor=actor, ledger=ledger, year=year, through_month=11, close_at=close_at)
    reserve = profit_fen * RESERVE_SHARE_PERCENT // 100 if profit_fen > 0 else 0
    appropriations = {"提取公积公益金": reserve} if reserve else {}
    with clock.at(close_at(year, 12)) if close_at else nullcontext():
        result = services.year_close(actor=actor, ledger=ledger, year=year, appropriations=appropriations)
        if result.closed:
            return result
        for voucher in result.distributions:
            services.voucher_review(actor=reviewer, voucher=voucher)
            services.voucher_post(actor=actor, voucher=voucher)
        return services.year_close(actor=actor, ledger=ledger, year=year)


@dataclass(frozen=True)
class PendingVoucher:
    ledger_code: str
    key: str
    date: date
    lines: list[LineInput]


def pending_vouchers(path: Path) -> list[PendingVoucher]:
    """The held vouchers of ``pending.csv`` (the import format), in file order."""
    found: list[PendingVoucher] = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            line = LineInput(
                summary=row["summary"],
                account_code=row["account"],
                debit_fen=yuan_to_fen(row["debit"]) if row["debit"] else 0,
                credit_fen=yuan_to_fen(row["credit"]) if row["credit"] else 0,
                fund_name=row["fund"],
                counterparty_name=row["counterparty"],
            )
            if not found or (found[-1].ledger_code, found[-1].key) != (row["ledger"], row["voucher"]):
                found.append(
                    PendingVoucher(row["ledger"], row["voucher"], date.fromisoformat(row["date"]), [])
                )
            found[-1].lines.append(line)
    return found


# ---------------------------------------------------------------------------------------------
# The demo county: its users and the whole load

DEMO_PASSWORD = "demo12345"
# What each village's held vouchers (pending.csv, in file order) become, village by village in
# turn, so that villages differ: "" leaves a held voucher out (not yet entered). The first
# village of each township has its first voucher reviewed, for the accountant to post.
PENDING_PATTERNS = (
    ("submitted", "submitted", "draft"),
    ("draft",),
    ("submitted", "", ""),
    ("", "", ""),
    ("submitted", "draft", "draft"),
    ("draft", "submitted"),
    ("submitted", "submitted", "submitted"),
)
# The names the demo's people sign with (制单, 审核, 记账): a surname and a given name each, in
# the order the logins are made; a township's accountant and reviewer are always two people.
DEMO_NAMES = (
    "周国强",
    "李淑芬",
    "陈志明",
    "王秀英",
    "张建华",
    "刘桂兰",
    "杨德胜",
    "赵丽萍",
    "黄文斌",
    "吴春燕",
    "徐海涛",
    "孙玉梅",
    "马永福",
    "朱晓红",
    "胡明亮",
    "郭巧云",
    "何建军",
    "高小琴",
    "林宏伟",
    "罗金凤",
    "郑光荣",
    "梁素珍",
    "谢振华",
    "宋玉兰",
    "唐德明",
    "许翠萍",
    "韩志刚",
    "冯桂芳",
    "邓家福",
    "曹秀兰",
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    region_code: str
    scope: str  # what the user sees, in words
    full_name: str = ""  # as they sign (制单/审核); the username is only their login


def demo_logins(files: CountyFiles) -> list[DemoLogin]:
    """Who can log in to the demo: every role, at the place of the tree where it belongs."""
    with files.regions.open(encoding="utf-8") as handle:
        regions = list(csv.DictReader(handle))
    return logins_for_regions(regions)


def logins_for_regions(regions: list[dict]) -> list[DemoLogin]:
    by_kind: dict[str, list[dict]] = {}
    for region in regions:
        by_kind.setdefault(region["kind"], []).append(region)
    root, county = by_kind["province"][0], by_kind["county"][0]
    townships = by_kind["township"]
    first_village = next(v for v in by_kind["village"] if v["parent_code"] == townships[0]["code"])
    logins = [
        DemoLogin("admin", "admin", root["code"], f"{root['name']}（全部）"),
        DemoLogin("county", "county", county["code"], county["name"]),
        DemoLogin("supervisor", "supervisor", county["code"], county["name"]),
        DemoLogin("manager", "agency-manager", townships[0]["code"], townships[0]["name"]),
    ]
    for number, township in enumerate(townships, start=1):
        suffix = "" if number == 1 else str(number)
        logins.append(DemoLogin(f"accountant{suffix}", "accountant", township["code"], township["name"]))
        logins.append(DemoLogin(f"reviewer{suffix}", "reviewer", township["code"], township["name"]))
    logins.append(
        DemoLogin(
            "reporter", "reporter", first_village["code"], f"{townships[0]['name']}{first_village['name']}"
        )
    )
    return [
        DemoLogin(x.username, x.role, x.region_code, x.scope, DEMO_NAMES[i % len(DEMO_NAMES)])
        for i, x in enumerate(logins)
    ]


def demo_users_create(*, actor, logins: list[DemoLogin], password: str) -> dict[str, object]:
    """The demo users with their roles; a user that exists already keeps its password."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from villagebooks.regions.models import Region
    from villagebooks.regions.services import role_grant

    User = get_user_model()
    # One hash for every demo user: hashing is deliberately slow (half a second each).
    hashed = make_password(password)
    regions = {r.code: r for r in Region.objects.filter(code__in={x.region_code for x in logins})}
    users = {}
    for login in logins:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            # A Chinese name is written whole, surname first: get_full_name() gives it back as is.
            user = User.objects.create_user(username=login.username, first_name=login.full_name)
            user.password = hashed
            user.save(update_fields=["password"])
        role_grant(actor=actor, user=user, role=login.role, region=regions[login.region_code])
        users[login.username] = user
    return users


@dataclass
class DemoSummary:
    ledgers: int = 0
    posted: dict[int, int] = field(default_factory=dict)  # year → vouchers imported and posted
    lines: int = 0
    pending: dict[str, int] = field(default_factory=dict)  # status → count
    closed: list[str] = field(default_factory=list)  # what is closed, in words
    claims: int = 0  # claims a village reporter submitted, waiting for the accountant
    registry: object = None  # demo.registry.RegistrySummary
    affairs_members: object = None  # demo.affairs_members.AffairsMembersSummary
    funds: object = None  # demo.funds.FundsSummary: allocations, projects, warnings, refusals
    affairs_property: object = None  # demo.affairs_property.AffairsPropertySummary
    disclosure: object = None  # demo.disclosure.DisclosureSummary: published disclosures
    supervision: object = None  # demo.planted.County: the planted supervision cases
    dividend: object = None  # demo.dividend.DividendSummary: the village that distributed and paid one


@dataclass(frozen=True)
class DemoTimes:
    """When the demo's acts happen on its simulated clock (``demo/clock.py``): set-up on the first
    day of its books; a month's vouchers imported and posted at 18:00 on its last day; a month
    closed at 10:00 on the third day of the next, a year (its December) on the fifth of January;
    a year's bank statement on its last evening; everything of ``end``'s day (the review queue,
    claims, subsidy lists, projects, disclosures …) at ``final``, never later."""

    first_year: int
    final: datetime

    @classmethod
    def of(cls, *, first_year: int, end: date) -> DemoTimes:
        real = timezone.now()
        final = real if timezone.localdate(real) == end else clock.moment(end, 12)
        return cls(first_year, final)

    @property
    def start(self) -> datetime:
        return min(clock.moment(date(self.first_year, 1, 1), 8), self.final)

    def import_at(self, year: int, month: int) -> datetime:
        last_day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return min(clock.moment(last_day, 18), self.final)

    def close_at(self, year: int, month: int) -> datetime:
        day = date(year + 1, 1, 5) if month == 12 else date(year, month + 1, 3)
        return min(clock.moment(day, 10), self.final)

    def bank_at(self, year: int) -> datetime:
        return min(clock.moment(date(year, 12, 31), 20), self.final)


def demo_load(
    *,
    files: CountyFiles,
    years: tuple[int, ...],
    end: date,
    password: str,
    say=None,
    old_books: bool = True,
    planted_villages: int | None = None,
) -> DemoSummary:
    """Load the generated county: regions, users, ledgers, vouchers, closes, the review queue.

    With ``old_books``, the first village keeps the year before the first on the 2004 chart,
    closed and brought over to its 2023 ledger by the conversion (``old_books``, 新旧衔接).
    Every year before ``end``'s is posted and closed by ``year_close``; in ``end``'s year the
    months before ``end``'s are closed and ``end``'s month stays open with the held vouchers
    waiting in it. Each township's accountant imports, posts and closes its villages' books.

    The load runs on the demo's simulated clock (``demo/clock.py``, times in ``DemoTimes``): each
    voucher is posted at the end of its month, each month closed early in the next, as if the
    books had been kept over the two years rather than loaded in a minute.
    """
    times = DemoTimes.of(first_year=years[0] - (1 if old_books else 0), end=end)
    with clock.simulated(times.start):
        return _demo_load(
            files=files, years=years, end=end, password=password, say=say, old_books=old_books,
            planted_villages=planted_villages, times=times,
        )  # fmt: skip


def _demo_load(
    *,
    files: CountyFiles,
    years: tuple[int, ...],
    end: date,
    password: str,
    say,
    old_books: bool,
    planted_villages: int | None,
    times: DemoTimes,
) -> DemoSummary:
    from villagebooks.regions.services import system_user

    say = say or (lambda text: None)
    system = system_user()
    summary = DemoSummary()
    regions_load(actor=system, files=files)
    logins = demo_logins(files)
    users = demo_users_create(actor=system, logins=logins, password=password)
    accountant = {x.region_code: users[x.username] for x in logins if x.role == "accountant"}
    reviewer = {x.region_code: users[x.username] for x in logins if x.role == "reviewer"}
    say("建立账套、明细科目、资金来源、往来单位和期初余额……")
    # Set-up is the loader's own act (the operation log says so); the accountants then keep
    # the books: vouchers are prepared, posted and closed in their names.
    first = next(ledger_setups(files))
    carried = frozenset({first.code}) if old_books else frozenset()
    setups = ledgers_load(actor_for=lambda township: system, files=files, skip=carried)
    summary.ledgers = len(setups)
    township_of = {s.code: s.township for s in setups}
    if old_books:
        say(f"{years[0] - 1} 年按2004年制度记账的旧账，年结后转入新制度账套（新旧衔接）……")
        old = old_books_load(
            setup_actor=system,
            accountant=accountant[first.township],
            reviewer=reviewer[first.township],
            village_code=first.record["village"],
            village_name=Region.objects.get(code=first.record["village"]).name,
            year=years[0] - 1,
            carried_to=first.record,
        )
        # Brought over after the old year's close (5 January, ``old_books_load``).
        with clock.at(clock.moment(date(years[0], 1, 5), 11)):
            old_books_carry_over(actor=system, old=old, year=years[0] - 1, setup=first.record)
        summary.ledgers += 1
    # The registry's households and the member register come before the years are closed, so
    # that one village's year close can divide a dividend by the shares (demo/dividend.py).
    from villagebooks.demo.affairs_members import demo_members_register
    from villagebooks.demo.dividend import dividend_close, dividend_pay
    from villagebooks.demo.registry import demo_households_load

    say("生成农户信息、集体经济组织成员和份额……")
    villages = list(
        Region.objects.filter(kind="village", code__in=[s.record["village"] for s in setups]).select_related(
            "parent__parent"
        )
    )
    # The registry as it stands on ``end``'s day (its import refuses dates after "today").
    with clock.at(times.final):
        households = demo_households_load(actor=system, villages=villages, end=end, seed=len(villages))
        registered = demo_members_register(actor=system, villages=villages)
    dividend_ledger = next(
        (
            s.code
            for s in setups
            if s.record["chart"] == "2023"
            and s.record["start_year"] <= end.year - 1
            and s.profit_fen(end.year - 1) > 0
        ),
        None,
    )
    dividend = None
    for year in years:
        say(f"导入并记账 {year} 年凭证……")
        result = vouchers_load(
            actor_for=accountant.__getitem__, files=files, year=year, import_at=times.import_at
        )
        summary.posted[year] = result.posted
        summary.lines += result.lines
        ledgers = {x.code: x for x in Ledger.objects.filter(code__in=[s.code for s in setups])}
        say(f"导入 {year} 年银行对账单并勾对……")
        with clock.at(times.bank_at(year)):
            bank_statements_load(
                actor_for=lambda ledger: accountant[township_of[ledger.code]],
                ledgers=[ledgers[s.code] for s in setups],
                year=year,
                end=end,
                folder=files.directory,
            )
        say(f"{year} 年结账……")
        for setup in setups:
            actor = accountant[setup.township]
            if year == end.year - 1 and setup.code == dividend_ledger:
                months_close(
                    actor=actor,
                    ledger=ledgers[setup.code],
                    year=year,
                    through_month=11,
                    close_at=times.close_at,
                )
                with clock.at(times.close_at(year, 12)):
                    dividend = dividend_close(
                        actor=actor, reviewer=reviewer[setup.township], ledger=ledgers[setup.code], year=year
                    )
            elif year < end.year:
                year_end_close(
                    actor=actor,
                    reviewer=reviewer[setup.township],
                    ledger=ledgers[setup.code],
                    year=year,
                    profit_fen=setup.profit_fen(year),
                    close_at=times.close_at,
                )
            else:
                months_close(
                    actor=actor,
                    ledger=ledgers[setup.code],
                    year=year,
                    through_month=end.month - 1,
                    close_at=times.close_at,
                )
        if year < end.year:
            summary.closed.append(f"{year} 年度已年结（1–12 月已结账）")
        elif end.month > 1:
            summary.closed.append(
                f"{year}-01 至 {year}-{end.month - 1:02d} 已结账，{year}-{end.month:02d} 未结账"
            )
    clock.jump(times.final)  # the rest is of ``end``'s day
    if files.pending is not None:
        say("生成待审核和草稿凭证……")
        township_of = {s.code: s.township for s in setups}
        ledgers = {x.code: x for x in Ledger.objects.filter(code__in=[s.code for s in setups])}
        position: dict[str, int] = {}
        pattern_of = {s.code: PENDING_PATTERNS[n % len(PENDING_PATTERNS)] for n, s in enumerate(setups)}
        # The first village of each township (the dict keeps the last write: go backwards).
        first_in_township = set({s.township: s.code for s in reversed(setups)}.values())
        for held in pending_vouchers(files.pending):
            index = position.get(held.ledger_code, 0)
            position[held.ledger_code] = index + 1
            pattern = pattern_of[held.ledger_code]
            status = pattern[index] if index < len(pattern) else ""
            if index == 0 and held.ledger_code in first_in_township:
                status = "reviewed"  # something for the accountant to post, too
            if not status:
                continue
            township = township_of[held.ledger_code]
            voucher = services.voucher_create(
                actor=accountant[township],
                ledger=ledgers[held.ledger_code],
                date=held.date,
                lines=held.lines,
                note=held.lines[0].summary,
                submit=status != "draft",
            )
            if status == "reviewed":
                services.voucher_review(actor=reviewer[township], voucher=voucher)
            summary.pending[status] = summary.pending.get(status, 0) + 1
    reporter_login = next((x for x in logins if x.role == "reporter"), None)
    if reporter_login is not None:
        say("生成报账员提交的报账单……")
        village_ledger = Ledger.objects.filter(in_force(), village__code=reporter_login.region_code).first()
        if village_ledger is not None:
            summary.claims = len(
                demo_claims_submit(actor=users[reporter_login.username], ledger=village_ledger, day=end)
            )
    say("生成补贴项目和补贴名册……")
    from villagebooks.demo.registry import demo_registry_load

    summary.registry = demo_registry_load(
        actor=system,
        villages=villages,
        accountant_for=lambda village: accountant[village.parent.code],
        reviewer_for=lambda village: reviewer[village.parent.code],
        end=end,
        seed=len(villages),
        loaded=households,
    )
    if dividend is not None:
        say("发放分红并导入银行回盘……")
        township = township_of[dividend.ledger.code]
        summary.dividend = dividend_pay(
            actor=accountant[township], reviewer=reviewer[township], dividend=dividend, end=end
        )
    say("生成集体经济组织成员、份额和四议两公开记录……")
    from villagebooks.demo.affairs_members import demo_affairs_members_load

    summary.affairs_members = demo_affairs_members_load(
        actor=system,
        villages=villages,
        accountant_for=lambda village: accountant[village.parent.code],
        end=end,
        registered=registered,
    )
    # The county asks for a decision record (四议两公开) from its decision threshold up, and its
    # supervision flags a payment without one from the same amount: a county setting, recorded as
    # any other (the rule's default is the 5,000 yuan approval line, which would flag every
    # ordinary payment of the demo's books).
    from villagebooks.affairs.terms import terms as affairs_terms
    from villagebooks.supervision.thresholds import threshold_set

    threshold_set(
        actor=system,
        rule="no_decision_record",
        name="min_amount",
        value=f"{affairs_terms().decision_threshold_fen // 100}.{affairs_terms().decision_threshold_fen % 100:02d}",
        region_code=villages[0].parent.parent.code,
    )
    manager_login = next((x for x in logins if x.role == "agency-manager"), None)
    if manager_login is not None and manager_login.region_code in accountant:
        from villagebooks.demo.funds import demo_funds_load

        say("生成资金下达、项目库和项目支出……")
        codes = [s.code for s in setups if s.township == manager_login.region_code]
        township_ledgers = list(Ledger.objects.filter(code__in=codes).order_by("code"))
        summary.funds = demo_funds_load(
            accountant=accountant[manager_login.region_code],
            manager=users[manager_login.username],
            ledgers=township_ledgers,
            end=end,
            reviewer=reviewer.get(manager_login.region_code),
            county=next((users[x.username] for x in logins if x.role == "county"), None),
        )
    say("生成合同、资源台账和资产卡片……")
    from villagebooks.demo.affairs_property import demo_affairs_property_load

    summary.affairs_property = demo_affairs_property_load(
        accountant_for=lambda ledger: accountant[township_of[ledger.code]],
        ledgers=list(Ledger.objects.filter(code__in=[s.code for s in setups]).order_by("code")),
    )
    # Last: a disclosure freezes the books, lists and projects made above.
    from villagebooks.demo.disclosure import demo_disclosure_load

    say("公开各村已结账的账目（村务公开）……")
    summary.disclosure = demo_disclosure_load(
        accountant_for=lambda ledger: accountant[township_of[ledger.code]],
        ledgers=list(Ledger.objects.filter(code__in=[s.code for s in setups]).order_by("code")),
        end=end,
    )
    from villagebooks.demo.planted import Planted
    from villagebooks.demo.supervision import declared_rent_arrears, demo_supervision_load

    county = villages[0].parent.parent

    def township_users(township: Region):
        number = Region.objects.filter(kind="township", parent=county).count()
        made = demo_users_create(
            actor=system,
            logins=[
                # Names of their own, none of the other logins' (DEMO_NAMES): they sign the
                # planted books as 制单/审核 like everyone else.
                DemoLogin(f"accountant{number}", "accountant", township.code, township.name, "江海平"),
                DemoLogin(f"reviewer{number}", "reviewer", township.code, township.name, "潘美玲"),
            ],
            password=password,
        )
        return made[f"accountant{number}"], made[f"reviewer{number}"]

    own = list(Ledger.objects.filter(code__in=[s.code for s in setups]))
    declared = [
        Planted("no_decision_record", code, vouchers={voucher_id})
        for code, voucher_id, day in summary.affairs_members.unlinked
        if day.year == end.year - 1  # the planted year, the one the benchmark scores
    ] + declared_rent_arrears(own, end.year - 1)
    if planted_villages != 0:
        say("在监督示范乡埋设各监督规则的案例和近似正常的情形……")
        summary.supervision = demo_supervision_load(
            county=county, end=end, users=township_users, declared=declared,
            **({"villages": planted_villages} if planted_villages else {}),
        )  # fmt: skip
    if connection.vendor == "postgresql":
        # The planner's statistics of the tables just filled (autovacuum may be off, or not come
        # round for a while): without them the supervision rules over the demo's year took 129 s
        # instead of 3.7 s (benchmarks/README.md, supervision on PostgreSQL).
        with connection.cursor() as cursor:
            _analyze(cursor, Voucher, VoucherLine, AccountBalance)
    return summary


# What a village reporter hands in during a month: amount in fen, purpose, payee.
DEMO_CLAIMS = [
    (8_650, "购买村委会打印纸和墨盒", "江油市文具店"),
    (42_000, "村道路灯维修材料", "新安镇五金店"),
    (15_000, "村民代表会议误餐", "黑滩村农家饭店"),
]


def receipt_image(*, amount_fen: int, purpose: str, payee: str, payer: str, day: date) -> bytes:
    """A receipt photo for the demo: a JPEG drawn with the Chinese font the PDFs use."""
    from PIL import Image, ImageDraw, ImageFont

    from villagebooks.reports.pdf.document import FONT_PATH

    image = Image.new("RGB", (640, 400), "white")
    draw = ImageDraw.Draw(image)
    title = ImageFont.truetype(str(FONT_PATH), 34)
    body = ImageFont.truetype(str(FONT_PATH), 24)
    draw.rectangle((10, 10, 630, 390), outline="black", width=3)
    draw.text((240, 30), "收  据", font=title, fill="black")
    for row, text in enumerate(
        (
            f"日期：{day:%Y年%m月%d日}",
            f"今收到：{payer}",
            f"事由：{purpose}",
            f"金额：人民币 {format_fen(amount_fen)} 元",
            f"收款单位：{payee}",
        )
    ):
        draw.text((40, 110 + row * 52), text, font=body, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def demo_claims_submit(*, actor, ledger: Ledger, day: date) -> list:
    """A few claims of this month from the village's reporter, each with a receipt photo."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from villagebooks.claims.services import claim_submit

    claims = []
    for index, (amount_fen, purpose, payee) in enumerate(DEMO_CLAIMS):
        photo = receipt_image(
            amount_fen=amount_fen,
            purpose=purpose,
            payee=payee,
            payer=f"{ledger.village.name}村民委员会",
            day=day,
        )
        claims.append(
            claim_submit(
                actor=actor,
                ledger=ledger,
                spent_on=day,
                amount_fen=amount_fen,
                purpose=purpose,
                payee=payee,
                photos=[SimpleUploadedFile(f"收据{index + 1}.jpg", photo, content_type="image/jpeg")],
            )
        )
    return claims
