"""The books of account of one ledger as the printed Chinese forms lay them out: the detail
ledger (明细账) of an account, the cash and bank journals (现金日记账, 银行存款日记账) and the
general ledger (总账).

The detail ledger and the journals are the only reports that read voucher lines: one ordered
query over the range, the opening balance and the year-to-date figures before the range coming
from ``AccountBalance`` like every other report. The general ledger reads balances only. Every
row carries the running balance as a net debit figure shown on its side (借/贷/平), so the last
row of a month always agrees with the trial balance of that month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Min, Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.ledger.domain.periods import next_period, period_label
from villagebooks.ledger.models import Account, Ledger, VoucherLine, VoucherStatus
from villagebooks.reports.scope import ReportScope, opening_window

UNKNOWN_ACCOUNT = _("科目 {code} 在该账套中不存在")
ONE_LEDGER_ONLY = _("{title}只能按单个账套查看，请指定一个账套")

OPENING = _("期初余额")
MONTH_TOTAL = _("本月合计")
YEAR_TOTAL = _("本年累计")
RANGE_TOTAL = _("本期合计")

DETAIL_COLUMNS = ["date", "voucher", "account", "summary", "direction", "debit", "credit", "balance"]
DETAIL_HEADERS = [_("日期"), _("凭证号"), _("科目"), _("摘要"), _("借或贷"), _("借方"), _("贷方"), _("余额")]
JOURNAL_COLUMNS = [*DETAIL_COLUMNS[:4], "counter_accounts", *DETAIL_COLUMNS[4:]]
JOURNAL_HEADERS = [*DETAIL_HEADERS[:4], _("对方科目"), *DETAIL_HEADERS[4:]]
GENERAL_COLUMNS = ["code", "name", "period", "summary", "direction", "debit", "credit", "balance"]
GENERAL_HEADERS = [
    _("科目编码"),
    _("科目名称"),
    _("期间"),
    _("摘要"),
    _("借或贷"),
    _("借方"),
    _("贷方"),
    _("余额"),
]

CASH_ACCOUNT = "101"
BANK_ACCOUNT = "102"


def direction(net_fen: int) -> str:
    """The side a net debit balance stands on, as the printed ledger writes it."""
    return gettext("借") if net_fen > 0 else gettext("贷") if net_fen < 0 else gettext("平")


@dataclass(frozen=True)
class BookRow:
    """One printed line: a posted line, an opening balance, or a month's or year's totals."""

    kind: str  # "opening", "line", "month", "year"
    day: str  # YYYY-MM-DD for lines, YYYY-MM for totals, "" for the opening
    voucher: str  # 记-N
    account: str  # the (sub-)account code the line was posted to
    summary: str
    debit_fen: int
    credit_fen: int
    balance_fen: int  # net debit balance after this row
    counter: str = ""  # 对方科目, journals only

    @property
    def direction(self) -> str:
        return direction(self.balance_fen)

    def cells(self, *, with_counter: bool) -> list:
        text = [self.day, self.voucher, self.account, self.summary]
        if with_counter:
            text.append(self.counter)
        return [*text, self.direction, self.debit_fen, self.credit_fen, abs(self.balance_fen)]


@dataclass(frozen=True)
class DetailLedger:
    scope: ReportScope
    account_code: str
    account_name: str
    rows: tuple[BookRow, ...]
    opening_fen: int
    debit_fen: int  # over the range
    credit_fen: int
    with_counter: bool = False

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.debit_fen - self.credit_fen


def _months(from_key: int, to_key: int) -> list[int]:
    keys = [from_key]
    while keys[-1] < to_key:
        keys.append(next_period(keys[-1]))
    return keys


def _first_day(key: int) -> date:
    return date(key // 100, key % 100, 1)


def _single_ledger(scope: ReportScope, title: str) -> Ledger:
    if scope.single_ledger is None:
        raise DomainError(ONE_LEDGER_ONLY.format(title=title), field="ledger")
    return scope.single_ledger


def _account(ledger: Ledger, code: str) -> Account:
    account = Account.objects.filter(ledger=ledger, code=(code or "").strip()).first()
    if account is None:
        raise DomainError(UNKNOWN_ACCOUNT.format(code=code), field="account")
    return account


def _movements(scope: ReportScope, accounts: Q, *, from_key: int, to_key: int) -> tuple[int, int]:
    """Debit and credit of ordinary months (closing entries included) in a range, from balances."""
    if from_key > to_key:
        return 0, 0
    totals = (
        scope.balances()
        .filter(accounts, period_key__gte=from_key, period_key__lte=to_key, month__gte=1)
        .aggregate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    )
    return totals["debit"] or 0, totals["credit"] or 0


def _opening(scope: ReportScope, accounts: Q) -> int:
    totals = (
        scope.balances()
        .filter(accounts, opening_window(scope, before_key=scope.from_key))
        .aggregate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    )
    return (totals["debit"] or 0) - (totals["credit"] or 0)


def _counter_accounts(ledger: Ledger, lines: list[dict], own_code: str) -> dict[int, str]:
    """Line id → the accounts on the other side of its voucher (outside the journal's account)."""
    voucher_ids = {line["voucher_id"] for line in lines}
    others: dict[int, list[dict]] = defaultdict(list)
    rows = (
        VoucherLine.objects.filter(ledger=ledger, voucher_id__in=voucher_ids)
        .exclude(account__code__startswith=own_code)
        .values("voucher_id", "line_no", "debit_fen", "account__code", "account__name")
        .order_by("voucher_id", "line_no")
    )
    for row in rows:
        others[row["voucher_id"]].append(row)
    result = {}
    for line in lines:
        candidates = others[line["voucher_id"]]
        # The other side of a debit line is the credit lines, and the reverse; a voucher moving
        # money between sub-accounts of the journal's account has no outside account at all.
        opposite = [c for c in candidates if bool(c["debit_fen"]) != bool(line["debit_fen"])] or candidates
        names = dict.fromkeys(f"{c['account__code']} {c['account__name']}" for c in opposite)
        result[line["id"]] = "、".join(names)
    return result


@dataclass(frozen=True)
class _Section:
    rows: list[BookRow]
    opening_fen: int
    debit_fen: int
    credit_fen: int
    has_lines: bool


def _section(scope: ReportScope, ledger: Ledger, head: Account, *, with_counter: bool) -> _Section:
    """One account's part of the detail ledger: opening, its lines, month and year totals."""
    subtree = Q(account__ledger=ledger, account__code__startswith=head.code)
    opening = _opening(scope, subtree)
    lines = list(
        VoucherLine.objects.filter(
            subtree,
            ledger=ledger,
            voucher__status=VoucherStatus.POSTED,
            voucher__date__gte=_first_day(scope.from_key),
            voucher__date__lt=_first_day(next_period(scope.to_key)),
        )
        .values(
            "id",
            "voucher_id",
            "voucher__date",
            "voucher__number",
            "summary",
            "account__code",
            "debit_fen",
            "credit_fen",
        )
        .order_by("voucher__date", "voucher__number", "line_no", "id")
    )
    counters = _counter_accounts(ledger, lines, head.code) if with_counter else {}
    by_month: dict[int, list[dict]] = defaultdict(list)
    for line in lines:
        by_month[line["voucher__date"].year * 100 + line["voucher__date"].month].append(line)

    rows = [BookRow("opening", "", "", head.code, str(OPENING), 0, 0, opening)]
    balance = opening
    # 本年累计 counts from January even when the range starts later in the year.
    year_debit, year_credit = _movements(
        scope, subtree, from_key=scope.from_key // 100 * 100 + 1, to_key=scope.from_key - 1
    )
    range_debit = range_credit = 0
    for key in _months(scope.from_key, scope.to_key):
        if key % 100 == 1:
            year_debit = year_credit = 0
        month_debit = month_credit = 0
        for line in by_month.get(key, []):
            debit, credit = line["debit_fen"], line["credit_fen"]
            balance += debit - credit
            month_debit += debit
            month_credit += credit
            rows.append(
                BookRow(
                    "line",
                    line["voucher__date"].isoformat(),
                    gettext("记-{number}").format(number=line["voucher__number"]),
                    line["account__code"],
                    line["summary"],
                    debit,
                    credit,
                    balance,
                    counters.get(line["id"], ""),
                )
            )
        year_debit += month_debit
        year_credit += month_credit
        range_debit += month_debit
        range_credit += month_credit
        label = period_label(key)
        rows.append(
            BookRow("month", label, "", head.code, str(MONTH_TOTAL), month_debit, month_credit, balance)
        )
        rows.append(BookRow("year", label, "", head.code, str(YEAR_TOTAL), year_debit, year_credit, balance))
    return _Section(rows, opening, range_debit, range_credit, bool(lines))


def build_detail_ledger(
    scope: ReportScope, *, account: str | None = None, with_counter: bool = False
) -> DetailLedger:
    """The detail ledger of ``account`` and its sub-accounts over the scope's months.

    Rows: the opening balance, each posted line in date and voucher-number order with the
    running balance, then after each month its totals (本月合计) and the totals from January
    of its year (本年累计). Without an account, every level-1 account with a balance or a
    line in the range follows the other, as the whole printed book of detail ledgers does.
    """
    ledger = _single_ledger(scope, gettext("明细账"))
    if account:
        heads = [_account(ledger, account)]
    else:
        heads = list(Account.objects.filter(ledger=ledger, level=1).order_by("code"))
    sections = [_section(scope, ledger, head, with_counter=with_counter) for head in heads]
    if not account:
        sections = [s for s in sections if s.has_lines or s.opening_fen]
    return DetailLedger(
        scope=scope,
        account_code=heads[0].code if account else "",
        account_name=heads[0].name if account else gettext("全部科目"),
        rows=tuple(row for s in sections for row in s.rows),
        opening_fen=sum(s.opening_fen for s in sections),
        debit_fen=sum(s.debit_fen for s in sections),
        credit_fen=sum(s.credit_fen for s in sections),
        with_counter=with_counter,
    )


def build_cash_journal(scope: ReportScope) -> DetailLedger:
    """现金日记账: the detail ledger of 101 with the counter-accounts of each line."""
    _single_ledger(scope, gettext("现金日记账"))
    return build_detail_ledger(scope, account=CASH_ACCOUNT, with_counter=True)


def build_bank_journal(scope: ReportScope) -> DetailLedger:
    """银行存款日记账: the detail ledger of 102 with the counter-accounts of each line."""
    _single_ledger(scope, gettext("银行存款日记账"))
    return build_detail_ledger(scope, account=BANK_ACCOUNT, with_counter=True)


def detail_rows(report: DetailLedger) -> list[list]:
    return [row.cells(with_counter=report.with_counter) for row in report.rows]


def detail_total(report: DetailLedger) -> list:
    total = BookRow(
        "total",
        "",
        "",
        report.account_code,
        str(RANGE_TOTAL),
        report.debit_fen,
        report.credit_fen,
        report.closing_fen,
    )
    return total.cells(with_counter=report.with_counter)


@dataclass(frozen=True)
class GeneralLedgerRow:
    code: str
    name: str
    period: str  # YYYY-MM, "" for the opening
    summary: str
    debit_fen: int
    credit_fen: int
    balance_fen: int  # net debit balance at the end of the row

    def cells(self) -> list:
        return [
            self.code,
            self.name,
            self.period,
            self.summary,
            direction(self.balance_fen),
            self.debit_fen,
            self.credit_fen,
            abs(self.balance_fen),
        ]


@dataclass(frozen=True)
class GeneralLedger:
    scope: ReportScope
    rows: tuple[GeneralLedgerRow, ...]
    debit_fen: int  # all level-1 accounts over the range
    credit_fen: int
    closing_fen: int  # net of every account's closing: zero when the books balance


def build_general_ledger(scope: ReportScope) -> GeneralLedger:
    """总账: per level-1 account, its opening, then per month 本月合计 and 本年累计 with the balance.

    Read from ``AccountBalance`` alone: one query for the openings, one for the movements from
    January of the first year to the end of the range, grouped by account and month.
    """
    accounts = (
        Account.objects.filter(scope.balance_filter(), level=1)
        .values("code")
        .annotate(name=Min("name"))
        .order_by("code")
    )
    level_one = {a["code"]: a["name"] for a in accounts}

    def level_one_of(code: str) -> str | None:
        return next((c for c in (code[:n] for n in range(len(code), 0, -1)) if c in level_one), None)

    opening: dict[str, int] = defaultdict(int)
    opening_rows = (
        scope.balances()
        .filter(opening_window(scope, before_key=scope.from_key))
        .values("account__code")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by()
    )
    for r in opening_rows:
        code = level_one_of(r["account__code"])
        if code:
            opening[code] += (r["debit"] or 0) - (r["credit"] or 0)
    moves: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    move_rows = (
        scope.balances()
        .filter(
            period_key__gte=scope.from_key // 100 * 100 + 1,
            period_key__lte=scope.to_key,
            month__gte=1,
        )
        .values("account__code", "period_key")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by()
    )
    for r in move_rows:
        code = level_one_of(r["account__code"])
        if code:
            moves[(code, r["period_key"])][0] += r["debit"] or 0
            moves[(code, r["period_key"])][1] += r["credit"] or 0

    months = _months(scope.from_key, scope.to_key)
    active = {code for code, _key in moves} | {code for code, net in opening.items() if net}
    rows: list[GeneralLedgerRow] = []
    total_debit = total_credit = total_closing = 0
    for code in sorted(active):
        name = level_one[code]
        balance = opening[code]
        rows.append(GeneralLedgerRow(code, name, "", str(OPENING), 0, 0, balance))
        year_debit = sum(moves[(code, k)][0] for k in range(scope.from_key // 100 * 100 + 1, scope.from_key))
        year_credit = sum(moves[(code, k)][1] for k in range(scope.from_key // 100 * 100 + 1, scope.from_key))
        for key in months:
            if key % 100 == 1:
                year_debit = year_credit = 0
            debit, credit = moves.get((code, key), (0, 0))
            balance += debit - credit
            year_debit += debit
            year_credit += credit
            total_debit += debit
            total_credit += credit
            label = period_label(key)
            rows.append(GeneralLedgerRow(code, name, label, str(MONTH_TOTAL), debit, credit, balance))
            rows.append(
                GeneralLedgerRow(code, name, label, str(YEAR_TOTAL), year_debit, year_credit, balance)
            )
        total_closing += balance
    return GeneralLedger(
        scope=scope,
        rows=tuple(rows),
        debit_fen=total_debit,
        credit_fen=total_credit,
        closing_fen=total_closing,
    )


def general_rows(report: GeneralLedger) -> list[list]:
    return [row.cells() for row in report.rows]


def general_total(report: GeneralLedger) -> list:
    return GeneralLedgerRow(
        "", gettext("合计"), "", str(RANGE_TOTAL), report.debit_fen, report.credit_fen, report.closing_fen
    ).cells()
