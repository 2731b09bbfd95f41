"""Reads behind the set-up and closing pages: the chart as a tree, the opening-balance grid, the
months of a year with their state, and the figures of a year close.

Everything starts from a ledger found through ``ledgers_in_scope``; each read is a fixed number
of queries whatever the size of the books (the query counts are pinned by the page tests).
Flags such as "in the books" only decide which buttons a page offers: the services decide.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, Sum

from villagebooks.common.models import AuditEntry
from villagebooks.ledger.domain.chart import chart_rules
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Category,
    Counterparty,
    Fund,
    Ledger,
    OpeningBalance,
    Period,
    PeriodStatus,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.ledger.selectors import account_list

UNPOSTED_STATUSES = (VoucherStatus.DRAFT, VoucherStatus.SUBMITTED, VoucherStatus.REVIEWED)
REOPEN_HISTORY = 10


# ---------------------------------------------------------------------------------------------
# Chart of accounts


@dataclass(frozen=True)
class AccountRow:
    code: str
    name: str
    level: int
    parent_code: str
    category: str
    category_label: str
    side_label: str
    requires_fund: bool
    requires_counterparty: bool
    is_leaf: bool
    is_active: bool
    in_books: bool  # a posted line uses it, or its opening balance once anything is posted
    has_opening: bool
    next_child_code: str  # the code a new sub-account would most likely take
    for_year_close: bool  # 收益分配's sub-accounts, which the year close posts to

    @property
    def can_disable(self) -> bool:
        """Whether disabling is worth offering (it is refused for accounts with an opening too)."""
        return self.is_active and self.is_leaf and self.changeable and not self.for_year_close

    @property
    def changeable(self) -> bool:
        """Whether renaming (and, its other rules allowing, disabling) is worth offering."""
        return self.level > 1 and not self.in_books

    @property
    def takes_children(self) -> bool:
        """A leaf with movements cannot get sub-accounts: its balance would sit above them."""
        return self.is_active and not (self.is_leaf and (self.in_books or self.has_opening))


def _next_child_code(code: str, child_codes: list[str]) -> str:
    """``513`` with children 51301, 51302 → ``51303``; with none → ``51301``; 3-digit if they are."""
    suffixes = [c[len(code) :] for c in child_codes]
    following = max((int(s) for s in suffixes if s.isdigit()), default=0) + 1
    for width in (max((len(s) for s in suffixes), default=2), 3):
        if following < 10**width:
            return f"{code}{following:0{width}d}"
    return ""


def chart_of_accounts(ledger: Ledger) -> list[AccountRow]:
    """Every account of ``ledger`` in code order (a parent before its children). Three queries."""
    accounts = list(
        account_list(ledger=ledger).values(
            "code",
            "name",
            "level",
            "parent__code",
            "category",
            "normal_side",
            "requires_fund",
            "requires_counterparty",
            "is_leaf",
            "is_active",
            "id",
        )
    )
    posted = set(
        VoucherLine.objects.filter(ledger=ledger, voucher__status=VoucherStatus.POSTED)
        .order_by()
        .values_list("account_id", flat=True)
        .distinct()
    )
    opening = set(OpeningBalance.objects.filter(ledger=ledger).values_list("account_id", flat=True))
    children: dict[str, list[str]] = {}
    for account in accounts:
        if account["parent__code"]:
            children.setdefault(account["parent__code"], []).append(account["code"])
    categories = dict(Category.choices)
    sides = dict(Account._meta.get_field("normal_side").choices)
    rules = chart_rules(ledger.chart)
    year_close_accounts = {rules.undistributed_code, rules.appropriation_code}
    year_close_accounts |= {code for code, _name in rules.appropriation_kinds.values()}
    rows = []
    for account in accounts:
        pk = account["id"]
        rows.append(
            AccountRow(
                code=account["code"],
                name=account["name"],
                level=account["level"],
                parent_code=account["parent__code"] or "",
                category=account["category"],
                category_label=categories.get(account["category"], account["category"]),
                side_label=sides.get(account["normal_side"], account["normal_side"]),
                requires_fund=account["requires_fund"],
                requires_counterparty=account["requires_counterparty"],
                is_leaf=account["is_leaf"],
                is_active=account["is_active"],
                in_books=pk in posted or (pk in opening and bool(posted)),
                has_opening=pk in opening,
                next_child_code=_next_child_code(account["code"], children.get(account["code"], [])),
                for_year_close=account["code"] in year_close_accounts,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Opening balances


@dataclass(frozen=True)
class GridAccount:
    """A leaf account as a row group of the opening grid."""

    code: str
    name: str
    parent_name: str
    category_label: str
    side: str
    requires_fund: bool
    requires_counterparty: bool


@dataclass
class GridRow:
    """One row of the grid as shown: the amounts as the user typed them (or as stored)."""

    account: GridAccount
    fund: str = ""
    counterparty: str = ""
    debit: str = ""
    credit: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def shows_fund(self) -> bool:
        return self.account.requires_fund or bool(self.fund)

    @property
    def shows_counterparty(self) -> bool:
        return self.account.requires_counterparty or bool(self.counterparty)


@dataclass(frozen=True)
class OpeningGrid:
    accounts: dict[str, GridAccount]
    stored: list[tuple[str, str, str, int, int]]  # account, fund, counterparty, debit, credit
    funds: list[str]
    counterparties: list[str]
    locked: bool  # something is posted: the opening is part of the books


def opening_grid(ledger: Ledger) -> OpeningGrid:
    """The leaf accounts that may take an opening balance, and the balances stored. Five queries.

    Active leaves, and any account that holds an opening balance (so that saving the grid never
    drops a stored balance, whatever the account became since).
    """
    with_opening = OpeningBalance.objects.filter(ledger=ledger).values("account_id")
    accounts = (
        account_list(ledger=ledger)
        .filter(Q(is_leaf=True, is_active=True) | Q(pk__in=with_opening))
        .select_related("parent")
    )
    categories = dict(Category.choices)
    grid_accounts = {
        a.code: GridAccount(
            code=a.code,
            name=a.name,
            parent_name=a.parent.name if a.parent_id else "",
            category_label=categories.get(a.category, a.category),
            side=a.normal_side,
            requires_fund=a.requires_fund,
            requires_counterparty=a.requires_counterparty,
        )
        for a in accounts
    }
    stored = list(
        OpeningBalance.objects.filter(ledger=ledger)
        .order_by("account__code", "fund__name", "counterparty__name", "id")
        .values_list("account__code", "fund__name", "counterparty__name", "debit_fen", "credit_fen")
    )
    return OpeningGrid(
        accounts=grid_accounts,
        stored=[
            (code, fund or "", party or "", debit, credit) for code, fund, party, debit, credit in stored
        ],
        funds=list(Fund.objects.filter(ledger=ledger).order_by("name").values_list("name", flat=True)),
        counterparties=list(
            Counterparty.objects.filter(ledger=ledger).order_by("name").values_list("name", flat=True)
        ),
        locked=Voucher.objects.filter(ledger=ledger, status=VoucherStatus.POSTED).exists(),
    )


# ---------------------------------------------------------------------------------------------
# Closing


@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    status: str
    status_label: str
    closed_at: datetime | None
    closed_by: str
    posted: int
    unposted: int

    @property
    def key(self) -> int:
        return self.year * 100 + self.month

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED


@dataclass(frozen=True)
class ReopenAct:
    at: datetime
    actor: str
    period: str
    reason: str


@dataclass(frozen=True)
class ClosingOverview:
    year: int
    years: list[int]
    months: list[MonthRow]
    next_open: Period | None  # the earliest open month of the ledger: the one to close next
    last_closed: Period | None  # the latest closed month: the only one that may be reopened
    reopens: list[ReopenAct]


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def closing_overview(ledger: Ledger, *, year: int | None = None) -> ClosingOverview:
    """The months of ``year`` (default: the year of the next month to close) and what to do next.

    Six queries: the years, the next open and last closed months, the months of the year with
    who closed them, their vouchers counted per state, and the latest reopening acts.
    """
    years = sorted(set(Period.objects.filter(ledger=ledger).values_list("year", flat=True)))
    next_open = (
        Period.objects.filter(ledger=ledger, status=PeriodStatus.OPEN).order_by("year", "month").first()
    )
    last_closed = (
        Period.objects.filter(ledger=ledger, status=PeriodStatus.CLOSED)
        .select_related("closed_by")
        .order_by("-year", "-month")
        .first()
    )
    if year is None or year not in years:
        year = next_open.year if next_open is not None else (years[-1] if years else ledger.carried_year)
    periods = list(
        Period.objects.filter(ledger=ledger, year=year).select_related("closed_by").order_by("month")
    )
    counts: dict[tuple[int, bool], int] = {}
    for period_id, status, n in (
        Voucher.objects.filter(ledger=ledger, period__year=year)
        .order_by()
        .values_list("period_id", "status")
        .annotate(n=Count("id"))
    ):
        key = (period_id, status == VoucherStatus.POSTED)
        counts[key] = counts.get(key, 0) + n
    labels = dict(PeriodStatus.choices)
    months = [
        MonthRow(
            year=p.year,
            month=p.month,
            status=p.status,
            status_label=labels[p.status],
            closed_at=p.closed_at,
            closed_by=_person(p.closed_by),
            posted=counts.get((p.pk, True), 0),
            unposted=counts.get((p.pk, False), 0),
        )
        for p in periods
    ]
    reopens = [
        ReopenAct(
            at=entry.created_at,
            actor=_person(entry.actor),
            period=str(entry.detail.get("period", "")),
            reason=str(entry.detail.get("reason", "")),
        )
        for entry in AuditEntry.objects.filter(ledger_id=ledger.pk, action="period_reopen")
        .select_related("actor")
        .order_by("-created_at", "-id")[:REOPEN_HISTORY]
    ]
    return ClosingOverview(
        year=year, years=years, months=months, next_open=next_open, last_closed=last_closed, reopens=reopens
    )


@dataclass(frozen=True)
class DistributableProfit:
    """What the year close may distribute (收益及收益分配表, lines 四 to 五), in fen, credit positive."""

    undistributed_opening_fen: int  # 年初未分配收益 (322 未分配收益 before the close)
    profit_fen: int  # 本年收益: 321 plus every income and expense account not yet closed
    appropriated_fen: int  # already booked to 322 各项分配 during the year
    planned_fen: int  # the appropriations being entered

    @property
    def distributable_fen(self) -> int:
        return self.undistributed_opening_fen + self.profit_fen - self.appropriated_fen

    @property
    def remaining_fen(self) -> int:
        return self.distributable_fen - self.planned_fen


def distributable_profit(ledger: Ledger, year: int, *, planned_fen: int = 0) -> DistributableProfit:
    """The balances behind the year close of ``year`` (the ledger's carried year), in one query."""
    rules = chart_rules(ledger.chart)
    codes = [rules.profit_account, rules.undistributed_code, rules.appropriation_code]
    rows = (
        AccountBalance.objects.filter(ledger=ledger, year=year)
        .filter(
            Q(account__code__in=codes)
            | Q(account__code__startswith=rules.appropriation_code)
            | Q(account__category__in=[Category.INCOME, Category.EXPENSE])
        )
        .values("account__code", "account__category")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by()
    )
    undistributed = appropriated = profit = 0
    for row in rows:
        net_credit = (row["credit"] or 0) - (row["debit"] or 0)
        code = row["account__code"]
        if code == rules.undistributed_code:
            undistributed += net_credit
        elif code.startswith(rules.appropriation_code):
            appropriated -= net_credit
        elif code == rules.profit_account or row["account__category"] in (Category.INCOME, Category.EXPENSE):
            profit += net_credit
    return DistributableProfit(
        undistributed_opening_fen=undistributed,
        profit_fen=profit,
        appropriated_fen=appropriated,
        planned_fen=planned_fen,
    )


def account_names(ledger: Ledger, codes: set[str]) -> dict[str, str]:
    """Code → name; a sub-account of 各项分配 the year close will open first gets its kind's name."""
    rules = chart_rules(ledger.chart)
    names = {code: name for code, name in rules.appropriation_kinds.values() if code in codes}
    names.update(Account.objects.filter(ledger=ledger, code__in=codes).values_list("code", "name"))
    return names


def plan_fingerprint(plan) -> str:
    """A short digest of the closing vouchers as shown, so that a confirmation posts those only."""
    text = repr(
        [
            (
                voucher.summary,
                [
                    (
                        line.account_code,
                        line.debit_fen,
                        line.credit_fen,
                        line.fund_name,
                        line.counterparty_name,
                    )
                    for line in voucher.lines
                ],
            )
            for voucher in plan
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
