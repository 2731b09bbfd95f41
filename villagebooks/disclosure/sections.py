"""What a disclosure shows, section by section: pluggable builders of plain data.

``SECTIONS`` is the list of builders, in the order the page shows them. Each takes the
``SectionContext`` (ledger, period, the big-item threshold) and returns a ``Section``: a title and
tables of plain values (text, whole numbers, amounts in fen as ints), or None when it has nothing
to say for this ledger. The snapshot stores them as they were; the page and the poster draw them
with one template whatever the section. A section whose figures come from the posted books says
so (``from_books``): the public check recomputes exactly those from the current books and compares
them with what was published; the others (project progress, findings' rectification) move on
after publication by design and are shown as they stood.

Free text (a voucher's summary, a project's name) passes through ``scrub`` on the way in: an
ID number or a bank card typed into a summary is never published.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from django.db.models import Count, F, Q, Sum

from villagebooks.common.money import yuan_to_fen
from villagebooks.disclosure.periods import DisclosurePeriod
from villagebooks.ledger.models import Category, Ledger, VoucherKind, VoucherLine, VoucherStatus
from villagebooks.regions.models import Region

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "data" / "disclosure.json"

TEXT, FEN, COUNT = "text", "fen", "count"

# An ID number (18 characters, the last may be X) or any run of 12 to 19 digits (bank cards,
# old 15-digit IDs, phone numbers are 11 and stay, but a phone is never in a summary we build).
_IDENTIFIER = re.compile(r"\d{17}[\dXx]|\d{12,19}")


def scrub(text) -> str:
    """Free text as it may be published: identifiers replaced by their first and last four."""
    text = "" if text is None else str(text)
    return _IDENTIFIER.sub(lambda m: m.group(0)[:4] + "*" * (len(m.group(0)) - 8) + m.group(0)[-4:], text)


@dataclass
class Column:
    label: str
    kind: str = TEXT


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]
    from_books: bool = False
    note: str = ""

    def as_data(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SectionContext:
    ledger: Ledger
    period: DisclosurePeriod
    big_item_fen: int


# ---------------------------------------------------------------------------------------------
# The county's threshold


@cache
def _settings() -> dict:
    return json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))


def big_item_fen(village: Region) -> int:
    """The amount from which a line is listed on its own: the nearest region's value, or the default."""
    data = _settings()
    own = data.get("regions", {})
    codes = Region.objects.filter(pk__in=_ancestor_ids(village)).values_list("code", "path")
    for code, _path in sorted(codes, key=lambda pair: -len(pair[1])):
        if code in own:
            return yuan_to_fen(own[code])
    return yuan_to_fen(data["big_item"])


def _ancestor_ids(region: Region) -> list[int]:
    ids = []
    while region is not None:
        ids.append(region.pk)
        region = region.parent
    return ids


# ---------------------------------------------------------------------------------------------
# Sections from the books


def _period_lines(context: SectionContext):
    period = context.period
    return VoucherLine.objects.filter(
        ledger_id=context.ledger.pk,
        voucher__status=VoucherStatus.POSTED,
        voucher__period__year=period.year,
        voucher__period__month__gte=period.from_key % 100,
        voucher__period__month__lte=period.to_key % 100,
    ).exclude(voucher__kind=VoucherKind.CLOSING)


def _account_name(name: str, parent: str | None) -> str:
    return f"{parent}—{name}" if parent else name


def build_income_spending(context: SectionContext) -> Section:
    """收支明细: income and spending of the period by account, and every big line on its own."""
    lines = _period_lines(context).filter(account__category__in=[Category.INCOME, Category.EXPENSE])
    sums = (
        lines.values("account__code", "account__name", "account__parent__name", "account__category")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"), count=Count("id"))
        .order_by("account__code")
    )
    income = Table("收入", [Column("项目"), Column("笔数", COUNT), Column("金额（元）", FEN)])
    spending = Table("支出", [Column("项目"), Column("笔数", COUNT), Column("金额（元）", FEN)])
    for row in sums:
        name = _account_name(row["account__name"], row["account__parent__name"])
        if row["account__category"] == Category.INCOME:
            income.rows.append([name, row["count"], row["credit"] - row["debit"]])
        else:
            spending.rows.append([name, row["count"], row["debit"] - row["credit"]])
    for table in (income, spending):
        table.rows.append(["合计", sum(r[1] for r in table.rows), sum(r[2] for r in table.rows)])
    threshold = context.big_item_fen
    big = (
        lines.annotate(amount=F("debit_fen") + F("credit_fen"))
        .filter(Q(debit_fen__gte=threshold) | Q(credit_fen__gte=threshold))
        .values(
            "voucher__date",
            "voucher__number",
            "line_no",
            "summary",
            "account__name",
            "account__parent__name",
            "account__category",
            "debit_fen",
            "credit_fen",
        )
        .order_by("voucher__date", "voucher__number", "line_no")
    )
    items = Table(
        "大额收支逐笔列示",
        [Column("日期"), Column("摘要（项目）"), Column("收入（元）", FEN), Column("支出（元）", FEN)],
        note=f"单笔 {threshold // 100:,} 元及以上逐笔列示",
    )
    for row in big:
        name = _account_name(row["account__name"], row["account__parent__name"])
        is_income = row["account__category"] == Category.INCOME
        amount = row["credit_fen"] - row["debit_fen"] if is_income else row["debit_fen"] - row["credit_fen"]
        items.rows.append(
            [
                f"{row['voucher__date'].isoformat()} 记-{row['voucher__number']}",
                f"{scrub(row['summary'])}（{name}）",
                amount if is_income else None,
                None if is_income else amount,
            ]
        )
    return Section("income_spending", "收支明细", [income, spending, items], from_books=True)


def _scope(context: SectionContext):
    from villagebooks.reports.scope import ReportScope

    ledger = context.ledger
    return ReportScope(
        title=ledger.name,
        ledger_ids=(ledger.pk,),
        chart=ledger.chart,
        from_key=context.period.from_key,
        to_key=context.period.to_key,
        single_ledger=ledger,
    )


def _statement_table(statement) -> Table:
    """The statement's lines that carry a figure other than zero (a phone shows the rest as noise)."""
    table = Table(
        str(statement.title),
        [
            Column("项目"),
            Column(f"{statement.headers[0]}（元）", FEN),
            Column(f"{statement.headers[1]}（元）", FEN),
        ],
        note="金额均为零的行未列出",
    )
    for row in statement.rows:
        if row.amounts is not None and any(row.amounts):
            table.rows.append([str(row.label), *row.amounts])
    return table


def build_statements(context: SectionContext) -> Section:
    """资产负债表 and 收益及收益分配表 of the period, as ``reports`` builds them."""
    from villagebooks.reports.statements import build_balance_sheet, build_income_statement

    scope = _scope(context)
    tables = [_statement_table(build_balance_sheet(scope)), _statement_table(build_income_statement(scope))]
    return Section("statements", "财务报表", tables, from_books=True)


def build_funds(context: SectionContext) -> Section | None:
    """专项资金: each earmarked fund's allocation, receipts, uses and balance over the period."""
    from villagebooks.reports.fund_summary import build_fund_summary

    summary = build_fund_summary(_scope(context))
    if not summary.rows:
        return None
    table = Table(
        "专项资金收支",
        [
            Column("资金"),
            Column("类别"),
            Column("本期下达（元）", FEN),
            Column("期初结余（元）", FEN),
            Column("本期收到（元）", FEN),
            Column("本期使用（元）", FEN),
            Column("期末结余（元）", FEN),
        ],
    )
    for row in summary.rows:
        amounts = row.amounts()[:5]
        table.rows.append([scrub(row.name), str(row.kind), *amounts])
    return Section("funds", "专项资金", [table], from_books=True)


# ---------------------------------------------------------------------------------------------
# Sections from the village's registers (as they stood at publication)


def build_projects(context: SectionContext) -> Section | None:
    """项目进度: each project of the village's library, its state, budget and what is spent."""
    from villagebooks.funds.control import project_used
    from villagebooks.funds.selectors import projects_of

    entries = list(projects_of(context.ledger))
    if not entries:
        return None
    table = Table(
        "项目及进度",
        [
            Column("项目"),
            Column("类别"),
            Column("进度"),
            Column("预算（元）", FEN),
            Column("已支出（元）", FEN),
        ],
    )
    for entry in entries:
        used = sum(project_used(entry.project).values())
        table.rows.append(
            [
                scrub(entry.project.name),
                str(entry.get_kind_display()),
                str(entry.get_state_display()),
                entry.budget_fen or 0,
                used,
            ]
        )
    return Section("projects", "项目进度", [table], note="进度为公开时的状态")


def build_subsidies(context: SectionContext) -> Section | None:
    """补贴发放: the lists paid in the period, names and amounts only (never an ID or a card)."""
    from villagebooks.registry.models import BatchState, SubsidyBatch
    from villagebooks.registry.subsidies import batch_states

    period = context.period
    batches = list(
        SubsidyBatch.objects.filter(
            ledger_id=context.ledger.pk, pay_date__gte=period.first_day, pay_date__lte=period.last_day
        )
        .select_related("programme")
        .order_by("pay_date", "code")
    )
    states = batch_states(batches)
    tables = []
    for batch in batches:
        if states.get(batch.pk) != BatchState.PAID:
            continue
        table = Table(
            f"{batch.programme.name}（{batch.period}，{batch.pay_date.isoformat()} 发放）",
            [Column("姓名"), Column("金额（元）", FEN)],
        )
        rows = batch.lines.order_by("row").values_list("name", "amount_fen")
        table.rows = [[scrub(name), amount] for name, amount in rows]
        table.rows.append(["合计", sum(r[1] for r in table.rows)])
        tables.append(table)
    if not tables:
        return None
    return Section("subsidies", "补贴发放名单", tables, note="只列姓名和金额；本人明细可凭身份证号和姓名查询")


def build_supervision(context: SectionContext) -> Section | None:
    """监督检查: the findings on the village's books, counted by rule and rectification state."""
    from villagebooks.supervision.models import Finding, FindingState
    from villagebooks.supervision.rules import RULE_NAMES

    counts = (
        Finding.objects.filter(ledger_id=context.ledger.pk, created_at__date__lte=context.period.last_day)
        .values("rule", "state")
        .annotate(count=Count("id"))
    )
    by_rule: dict[str, dict[str, int]] = {}
    for row in counts:
        by_rule.setdefault(row["rule"], {})[row["state"]] = row["count"]
    if not by_rule:
        return None
    states = list(FindingState)
    table = Table(
        "问题及整改情况",
        [Column("问题类别"), Column("问题数", COUNT)] + [Column(str(state.label), COUNT) for state in states],
    )
    for rule in sorted(by_rule, key=lambda name: (name == "", name)):
        counted = by_rule[rule]
        label = str(RULE_NAMES.get(rule, rule)) if rule else "监督检查发现"
        table.rows.append([label, sum(counted.values())] + [counted.get(state.value, 0) for state in states])
    return Section("supervision", "监督检查结果", [table], note="整改状态为公开时的状态；不含个人信息")


SectionBuilder = Callable[[SectionContext], Section | None]


def _affairs_sections() -> list[SectionBuilder]:
    from villagebooks.disclosure import affairs_sections as affairs

    return [
        affairs.build_members,
        affairs.build_dividends,
        affairs.build_decisions,
        affairs.build_contracts,
        affairs.build_assets,
        affairs.build_resources,
    ]


# The page's order. A new register adds its builder here.
SECTIONS: list[SectionBuilder] = [
    build_income_spending,
    build_statements,
    build_funds,
    build_projects,
    build_subsidies,
    *_affairs_sections(),
    build_supervision,
]


def build_sections(context: SectionContext, builders: list[SectionBuilder] | None = None) -> list[dict]:
    sections = []
    for builder in SECTIONS if builders is None else builders:
        section = builder(context)
        if section is not None:
            sections.append(section.as_data())
    return sections


BOOK_SECTIONS = {
    "income_spending": build_income_spending,
    "statements": build_statements,
    "funds": build_funds,
}
