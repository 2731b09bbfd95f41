"""Proving that the stored balances are what the books say: ``verify`` recomputes them.

``AccountBalance`` rows are kept up to date at posting so that reports never read lines; this
module recomputes every row from its sources and names each figure that disagrees:

- a month (``month >= 1``) row is the sum of the posted lines of that period, grouped by
  account, fund, counterparty and whether the voucher is a system closing voucher;
- the month-0 row of the start year is the ledger's ``OpeningBalance`` rows;
- the month-0 row of a later year (only up to ``ledger.carried_year``) is the closing balance of
  the year before, for asset, liability, equity and cost accounts (what ``year_close`` carries).

It also checks that each posted voucher balances, that each period's posted numbers run
1..n with no gap (and that the period's counter is at n, or the next number would leave one),
that no closed period holds a voucher not posted, and that every stored balance figure is an
integer within ``BALANCE_MAX_FEN``. And it checks each ledger's hash chain (``chain``): whole and
linked, every entry the voucher its rows still give, every posted voucher in it, the last stored
checkpoint signed and still the chain's root, and published checkpoint files likewise; and that
整理凭证号's rows agree with the vouchers and the chain and came while their month was open. A sum that the database cannot form (SQLite's SUM raises
"integer overflow" beyond 64 bits) is reported as such, never raised: ``verify`` is what an
operator runs when something is wrong.
Work is one ledger at a time with a handful of GROUP BY queries each, so memory stays at the
size of one ledger's balance rows whatever the size of the county.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from villagebooks import verify_books
from villagebooks.common.money import BALANCE_MAX_FEN, format_fen
from villagebooks.ledger import chain, checkpoints
from villagebooks.ledger.balances import is_out_of_range
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Category,
    ChainEntry,
    Counterparty,
    Fund,
    Ledger,
    OpeningBalance,
    Period,
    PeriodStatus,
    Voucher,
    VoucherKind,
    VoucherLine,
    VoucherRenumbering,
    VoucherRenumberingLine,
    VoucherStatus,
)

# What disagrees (Chinese: the command prints it). Tests import these.
DEBIT = "借方发生额"
CREDIT = "贷方发生额"
OPENING_DEBIT = "期初借方"
OPENING_CREDIT = "期初贷方"
FOREIGN_ACCOUNT = "科目不属于本账套（借贷差额：分录 / 余额表）"
UNBALANCED = "记-{number} 借贷不平衡（借方合计 / 贷方合计）"
TOO_FEW_LINES = "记-{number} 分录少于两条（应至少 / 实有）"
VOUCHER_AMOUNT = "记-{number} 凭证金额与借方合计不符（借方合计 / 凭证金额）"
NUMBER_GAP = "凭证号不连续（已记账张数 / 最大凭证号）"
NUMBER_START = "凭证号不是从1开始（应为 / 最小凭证号）"
NUMBER_DUPLICATE = "凭证号重复（已记账张数 / 不同凭证号个数）"
NUMBER_COUNTER = "期间凭证计数器与已记账张数不符（已记账张数 / 计数器）"
UNPOSTED_IN_CLOSED = "期间已结账，但有未记账凭证 {vouchers}（未记账张数）"
OUT_OF_RANGE = "余额表金额不是整数或超出范围"
# 整理凭证号's rows (``VoucherRenumbering`` and its lines) against the vouchers and the chain.
RENUMBER_NOW = "{voucher}：整理凭证号记录为原记-{old} → 记-{new}，凭证现为记-{now}"
RENUMBER_STEP = "{voucher}：整理凭证号记录为原记-{old} → 记-{new}，但上一次整理后为记-{before}"
RENUMBER_NOT_CHAINED = (
    "{voucher}：整理凭证号记录为原记-{old} → 记-{new}，哈希链第{sequence}条（整理凭证号）没有记这一对"
)
RENUMBER_NOT_HERE = "整理凭证号记录原记-{old} → 记-{new}：凭证 ID {voucher_id} 不是本账套本月的已记账凭证"
RENUMBER_NO_ACT = "整理凭证号记录（ID {id}）：哈希链第{sequence}条不是本月的整理凭证号"
RENUMBER_LINES = (
    "哈希链第{sequence}条（整理凭证号）改号 {pairs} 张，记录有 {lines} 条（不同原号 {distinct} 个）"
)
RENUMBER_TIME = "整理凭证号记录（哈希链第{sequence}条）的时间 {row} 与哈希链所记 {chained} 不符"
RENUMBER_AFTER_CLOSE = (
    "整理凭证号（哈希链第{sequence}条，{at}）在 {closed} 结账之后：已结账的月份不能整理凭证号"
)
RENUMBER_MISSING = "哈希链第{sequence}条（整理凭证号）没有整理凭证号记录"
NOT_SUMMABLE = "{what}无法汇总：金额合计超出64位整数范围（{error}）"

COUNT_CHECKS = {"lines", "numbering", "closed"}
BALANCE_SHEET = {Category.ASSET, Category.LIABILITY, Category.EQUITY, Category.COST}


@dataclass(frozen=True)
class Discrepancy:
    """One figure that the sources and the stored data disagree on.

    ``check`` says what kind of figure it is: ``balance`` (a balance row, fen), ``voucher``
    (a voucher's totals, fen), ``lines`` (a voucher's line count) or ``numbering`` (counts
    and voucher numbers).
    """

    ledger_code: str
    account_code: str  # "" when the problem is not one account's (a voucher, a period)
    period_key: int  # YYYYMM; month 00 is the opening of the year
    what: str
    expected_fen: int
    stored_fen: int
    check: str = "balance"

    def __str__(self) -> str:
        if self.check == "overflow" or self.check == "chain" and not self.period_key:  # of no one period
            return f"账套 {self.ledger_code}：{self.what}"
        if self.check in ("chain", "renumbering"):  # ``what`` names the voucher and both versions
            return f"账套 {self.ledger_code} 期间 {period_label(self.period_key)}：{self.what}"
        month = self.period_key % 100
        period = f"{self.period_key // 100}年初" if month == 0 else period_label(self.period_key)
        where = f"账套 {self.ledger_code}"
        if self.account_code:
            where += f" 科目 {self.account_code}"
        where += f" 期间 {period}"
        if self.check in COUNT_CHECKS:
            expected, stored = str(self.expected_fen), str(self.stored_fen)
        else:
            expected, stored = format_fen(self.expected_fen), format_fen(self.stored_fen)
        return f"{where}：{self.what}：应为 {expected}，实为 {stored}"


@dataclass
class LedgerVerification:
    """What ``ledger_verify`` looked at in one ledger, and what it found."""

    ledger_code: str
    balance_rows: int = 0
    lines: int = 0
    vouchers: int = 0
    chain_entries: int = 0
    discrepancies: list[Discrepancy] = field(default_factory=list)
    published: list[dict] = field(default_factory=list)  # checkpoint bodies to check against
    # What the stored region checkpoints say of each ledger (read once a run; None: read here).
    region_claims: checkpoints.RegionClaims | None = None
    # The chain's entries of acts (整理凭证号), sequence → period key, as the chain check read them.
    chain_acts: dict[int, int] | None = None


# (account_id, period_key, fund_key, counterparty_key, is_closing) → [debit, credit]
Figures = dict[tuple[int, int, int, int, bool], list[int]]


def _posted_line_sums(ledger: Ledger) -> tuple[Figures, int]:
    """Month rows as the posted lines give them, aggregated in the database; and the line count."""
    # The ledger is named on the line, the voucher and the period so that the database can
    # reach each of them through its ledger index instead of scanning every ledger's vouchers.
    # A line whose voucher or period is of another ledger drops out here and so shows up as a
    # balance that disagrees.
    rows = (
        VoucherLine.objects.filter(
            ledger_id=ledger.pk,
            voucher__ledger_id=ledger.pk,
            voucher__period__ledger_id=ledger.pk,
            voucher__status=VoucherStatus.POSTED,
        )
        .values(
            "account_id",
            "voucher__period__year",
            "voucher__period__month",
            "fund_id",
            "counterparty_id",
            "voucher__kind",
        )
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"), n=Count("id"))
        .order_by()
    )
    figures: Figures = defaultdict(lambda: [0, 0])
    count = 0
    for row in rows:
        key = (
            row["account_id"],
            row["voucher__period__year"] * 100 + row["voucher__period__month"],
            row["fund_id"] or 0,
            row["counterparty_id"] or 0,
            row["voucher__kind"] == VoucherKind.CLOSING,
        )
        # Normal and reversal vouchers share a balance row: the GROUP BY kept them apart.
        figures[key][0] += row["debit"]
        figures[key][1] += row["credit"]
        count += row["n"]
    return figures, count


def _opening_sums(ledger: Ledger) -> Figures:
    rows = (
        OpeningBalance.objects.filter(ledger_id=ledger.pk)
        .values("account_id", "fund_id", "counterparty_id")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by()
    )
    period_key = ledger.start_year * 100
    return {
        (r["account_id"], period_key, r["fund_id"] or 0, r["counterparty_id"] or 0, False): [
            r["debit"],
            r["credit"],
        ]
        for r in rows
    }


def _carried(expected: Figures, categories: dict[int, str], year: int) -> Figures:
    """The month-0 rows of ``year + 1``: balance-sheet closing balances of ``year``, net."""
    nets: dict[tuple[int, int, int], int] = defaultdict(int)
    for (account_id, period_key, fund_key, party_key, _closing), (debit, credit) in expected.items():
        if period_key // 100 == year and categories.get(account_id) in BALANCE_SHEET:
            nets[(account_id, fund_key, party_key)] += debit - credit
    return {
        (account_id, (year + 1) * 100, fund_key, party_key, False): [max(net, 0), max(-net, 0)]
        for (account_id, fund_key, party_key), net in nets.items()
        if net
    }


def _dimension_text(key, funds: dict[int, str], parties: dict[int, str]) -> str:
    _account, _period, fund_key, party_key, is_closing = key
    parts = []
    if fund_key:
        parts.append(f"资金来源：{funds.get(fund_key, fund_key)}")
    if party_key:
        parts.append(f"往来单位：{parties.get(party_key, party_key)}")
    if is_closing:
        parts.append("结转凭证")
    return f"（{'；'.join(parts)}）" if parts else ""


def _balance_discrepancies(ledger: Ledger, report: LedgerVerification) -> None:
    accounts = {
        a["id"]: a for a in Account.objects.filter(ledger_id=ledger.pk).values("id", "code", "category")
    }
    categories = {account_id: a["category"] for account_id, a in accounts.items()}
    expected, report.lines = _posted_line_sums(ledger)
    expected.update(_opening_sums(ledger))
    for year in range(ledger.start_year, ledger.carried_year):
        expected.update(_carried(expected, categories, year))

    stored: Figures = {}
    out_of_range: dict[tuple, set[int]] = {}  # key → the indexes of its figures out of range
    for row in AccountBalance.objects.filter(ledger_id=ledger.pk).values_list(
        "account_id", "period_key", "fund_key", "counterparty_key", "is_closing", "debit_fen", "credit_fen"
    ):
        amounts = row[5:]
        # A REAL that SQLite made of an overflowing sum (before migration 0007), or a row beyond
        # the range: compared as the nearest integer, and named as what it is.
        bad = {
            i for i, amount in enumerate(amounts) if type(amount) is not int or abs(amount) > BALANCE_MAX_FEN
        }
        if bad:
            out_of_range[row[:5]] = bad
            amounts = [int(amount) for amount in amounts]
        stored[row[:5]] = list(amounts)
    report.balance_rows = len(stored)

    funds = dict(Fund.objects.filter(ledger_id=ledger.pk).values_list("id", "name"))
    parties = dict(Counterparty.objects.filter(ledger_id=ledger.pk).values_list("id", "name"))
    # A missing row and a row of zeros say the same thing: nothing moved.
    for key in sorted(expected.keys() | stored.keys()):
        want = tuple(expected.get(key, (0, 0)))
        have = tuple(stored.get(key, (0, 0)))
        account = accounts.get(key[0])
        dims = _dimension_text(key, funds, parties)
        if account is None and (any(want) or any(have)):
            # An account of another ledger cannot be named by code: its id says which one it is.
            report.discrepancies.append(
                Discrepancy(
                    ledger.code,
                    f"#{key[0]}",
                    key[1],
                    FOREIGN_ACCOUNT + dims,
                    want[0] - want[1],
                    have[0] - have[1],
                )
            )
            continue
        if want == have and key not in out_of_range:
            continue
        code = account["code"]
        opening = key[1] % 100 == 0
        for index, label in enumerate((OPENING_DEBIT, OPENING_CREDIT) if opening else (DEBIT, CREDIT)):
            if index in out_of_range.get(key, ()) and want[index] == have[index]:
                label = f"{OUT_OF_RANGE}：{label}"
                report.discrepancies.append(
                    Discrepancy(ledger.code, code, key[1], label + dims, want[index], have[index])
                )
            elif want[index] != have[index]:
                report.discrepancies.append(
                    Discrepancy(ledger.code, code, key[1], label + dims, want[index], have[index])
                )


def _voucher_discrepancies(ledger: Ledger, report: LedgerVerification) -> None:
    posted = Voucher.objects.filter(ledger_id=ledger.pk, status=VoucherStatus.POSTED)
    report.vouchers = posted.count()
    bad = (
        posted.annotate(debit=Sum("lines__debit_fen"), credit=Sum("lines__credit_fen"), n=Count("lines"))
        .filter(Q(n__lt=2) | ~Q(debit=F("credit")) | ~Q(amount_fen=F("debit")))
        .values("number", "period__year", "period__month", "amount_fen", "debit", "credit", "n")
        .order_by("period__year", "period__month", "number")
    )
    for row in bad:
        key = row["period__year"] * 100 + row["period__month"]
        debit, credit = row["debit"] or 0, row["credit"] or 0
        checks = [
            (TOO_FEW_LINES, 2, row["n"], "lines"),
            (UNBALANCED, debit, credit, "voucher"),
            (VOUCHER_AMOUNT, debit, row["amount_fen"], "voucher"),
        ]
        for what, expected, stored, check in checks:
            if check == "lines" and stored >= expected or check == "voucher" and stored == expected:
                continue
            report.discrepancies.append(
                Discrepancy(ledger.code, "", key, what.format(number=row["number"]), expected, stored, check)
            )


def _numbering_discrepancies(ledger: Ledger, report: LedgerVerification) -> None:
    posted = Q(vouchers__status=VoucherStatus.POSTED)
    periods = (
        Period.objects.filter(ledger_id=ledger.pk)
        .annotate(
            n=Count("vouchers", filter=posted),
            distinct=Count("vouchers__number", filter=posted, distinct=True),
            low=Min("vouchers__number", filter=posted),
            high=Max("vouchers__number", filter=posted),
        )
        .values("year", "month", "last_number", "n", "distinct", "low", "high")
        .order_by("year", "month")
    )
    for p in periods:
        key = p["year"] * 100 + p["month"]
        n = p["n"]
        checks = [
            (NUMBER_DUPLICATE, n, p["distinct"]),
            (NUMBER_START, 1 if n else 0, p["low"] or 0),
            (NUMBER_GAP, n, p["high"] or 0),
            (NUMBER_COUNTER, n, p["last_number"]),
        ]
        for what, expected, stored in checks:
            if expected != stored:
                report.discrepancies.append(
                    Discrepancy(ledger.code, "", key, what, expected, stored, "numbering")
                )


def _closed_period_discrepancies(ledger: Ledger, report: LedgerVerification) -> None:
    """Vouchers not posted in a closed period (closing refuses them; a race or a hand could not)."""
    rows = (
        Voucher.objects.filter(
            ledger_id=ledger.pk, period__ledger_id=ledger.pk, period__status=PeriodStatus.CLOSED
        )
        .exclude(status=VoucherStatus.POSTED)
        .values("id", "status", "period__year", "period__month")
        .order_by("period__year", "period__month", "id")
    )
    by_period: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        label = VoucherStatus(row["status"]).label
        by_period[row["period__year"] * 100 + row["period__month"]].append(f"ID {row['id']}（{label}）")
    for key, vouchers in by_period.items():
        what = UNPOSTED_IN_CLOSED.format(vouchers="、".join(vouchers))
        report.discrepancies.append(Discrepancy(ledger.code, "", key, what, 0, len(vouchers), "closed"))


def _chain_discrepancies(ledger: Ledger, report: LedgerVerification) -> None:
    """The hash chain against itself, the voucher rows, every stored checkpoint that covers the
    ledger (its own and its regions') and the published checkpoint files given to ``ledger_verify``."""
    entries = chain.entries(ledger.pk)
    report.chain_entries = len(entries)
    report.chain_acts = {entry.sequence: entry.period_key for entry in entries if entry.voucher_id == 0}
    found = chain.chain_problems(ledger.pk, entries) + chain.row_problems(ledger.pk, entries)
    found += [
        chain.ChainProblem(0, what)
        for what in checkpoints.stored_checkpoint_problems(ledger, entries, report.region_claims)
    ]
    found += [
        chain.ChainProblem(0, what)
        for what in checkpoints.published_checkpoint_problems(ledger, entries, report.published)
    ]
    for problem in found:
        report.discrepancies.append(
            Discrepancy(ledger.code, "", problem.period_key, problem.what, 0, 0, "chain")
        )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _renumbering_discrepancies(ledger: Ledger, report: LedgerVerification) -> None:
    """整理凭证号's rows, the readable record that pages and prints show (原记-n), against the
    books: each line's new number is what the voucher carries now (or what the next act moved it
    from), its pair is one the act's chain entry recorded, an act has as many lines as its entry
    pairs, its time is the entry's, and no act came while its month, or a later one, was closed
    (the service refuses it; rows written by hand are not refused). Two queries a ledger, their
    rows only the acts and the lines that disagree (none for a ledger never renumbered)."""
    lines, acts = _table(VoucherRenumberingLine), _table(VoucherRenumbering)
    vouchers, periods, chain_table = _table(Voucher), _table(Period), _table(ChainEntry)
    pair_text = "'%%[' || CAST(s.old_number AS TEXT) || ',' || CAST(s.new_number AS TEXT) || ']%%'"
    step = "PARTITION BY l.voucher_id ORDER BY r.chain_sequence, r.id"
    sql = f"""
        WITH s AS (
            SELECT l.voucher_id, l.ledger_id, l.old_number, l.new_number, r.period_id, r.chain_sequence,
                   LAG(l.new_number) OVER ({step}) AS before_number,
                   LEAD(l.id) OVER ({step}) AS next_line
            FROM {lines} l JOIN {acts} r ON r.id = l.renumbering_id
            WHERE r.ledger_id = %s
        )
        SELECT s.voucher_id, s.old_number, s.new_number, s.before_number, s.next_line, s.chain_sequence,
               p.year, p.month, v.number,
               CASE WHEN v.id IS NULL OR v.ledger_id <> %s OR s.ledger_id <> %s
                         OR v.period_id <> s.period_id OR v.status <> %s THEN 1 ELSE 0 END,
               CASE WHEN e.canonical LIKE {pair_text} THEN 1 ELSE 0 END
        FROM s
        JOIN {periods} p ON p.id = s.period_id
        LEFT JOIN {vouchers} v ON v.id = s.voucher_id
        LEFT JOIN {chain_table} e ON e.ledger_id = %s AND e.sequence = s.chain_sequence
        WHERE v.id IS NULL OR v.ledger_id <> %s OR s.ledger_id <> %s OR v.period_id <> s.period_id
           OR v.status <> %s
           OR (s.before_number IS NOT NULL AND s.old_number <> s.before_number)
           OR (s.next_line IS NULL AND v.number <> s.new_number)
           OR e.canonical IS NULL OR e.canonical NOT LIKE {pair_text}
        ORDER BY p.year, p.month, s.chain_sequence, s.new_number
    """
    pk, posted = ledger.pk, str(VoucherStatus.POSTED)  # compared with in SQL, never written
    found: list[tuple[int, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, pk, pk, posted, pk, pk, pk, posted])
        rows = cursor.fetchall()
    for voucher_id, old, new, before, next_line, sequence, year, month, now, stray, chained in rows:
        key = year * 100 + month
        if stray:
            found.append((key, RENUMBER_NOT_HERE.format(old=old, new=new, voucher_id=voucher_id)))
            continue
        name = f"{period_label(key)} 记-{now}"
        if before is not None and old != before:
            found.append((key, RENUMBER_STEP.format(voucher=name, old=old, new=new, before=before)))
        if next_line is None and now != new:
            found.append((key, RENUMBER_NOW.format(voucher=name, old=old, new=new, now=now)))
        if not chained:
            found.append(
                (key, RENUMBER_NOT_CHAINED.format(voucher=name, old=old, new=new, sequence=sequence))
            )
    found += _renumbering_act_problems(ledger, report)
    for key, what in found:
        report.discrepancies.append(Discrepancy(ledger.code, "", key, what, 0, 0, "renumbering"))


def _renumbering_act_problems(ledger: Ledger, report: LedgerVerification) -> list[tuple[int, str]]:
    lines, acts = _table(VoucherRenumberingLine), _table(VoucherRenumbering)
    periods, chain_table = _table(Period), _table(ChainEntry)
    sql = f"""
        SELECT r.id, r.chain_sequence, r.renumbered_at, p.year, p.month, p.ledger_id,
               e.voucher_id, e.period_key, e.canonical,
               (SELECT COUNT(*) FROM {lines} l WHERE l.renumbering_id = r.id),
               (SELECT COUNT(DISTINCT l.old_number) FROM {lines} l WHERE l.renumbering_id = r.id),
               (SELECT MIN(q.year * 100 + q.month) FROM {periods} q
                 WHERE q.ledger_id = r.ledger_id AND q.status = %s AND q.closed_at <= r.renumbered_at
                   AND (q.year > p.year OR (q.year = p.year AND q.month >= p.month)))
        FROM {acts} r
        JOIN {periods} p ON p.id = r.period_id
        LEFT JOIN {chain_table} e ON e.ledger_id = r.ledger_id AND e.sequence = r.chain_sequence
        WHERE r.ledger_id = %s
        ORDER BY r.chain_sequence, r.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [PeriodStatus.CLOSED.value, ledger.pk])
        rows = cursor.fetchall()
    found: list[tuple[int, str]] = []
    recorded = set()
    for (
        pk,
        sequence,
        at,
        year,
        month,
        period_ledger,
        entry_voucher,
        entry_key,
        canonical,
        n,
        distinct,
        closed,
    ) in rows:
        key = year * 100 + month
        recorded.add(sequence)
        try:
            record = json.loads(canonical) if canonical is not None else {}
        except ValueError:
            record = {}
        if (
            period_ledger != ledger.pk
            or entry_voucher != 0
            or entry_key != key
            or record.get("act") != verify_books.ACT_RENUMBER
            or record.get("period") != period_label(key)
        ):
            found.append((key, RENUMBER_NO_ACT.format(id=pk, sequence=sequence)))
            continue
        pairs = record.get("pairs") or []
        if not n == distinct == len(pairs):
            found.append(
                (key, RENUMBER_LINES.format(sequence=sequence, pairs=len(pairs), lines=n, distinct=distinct))
            )
        at = _aware(at)
        chained_at = record.get("at", "")
        if _parsed(chained_at) != at.replace(microsecond=0):
            found.append(
                (key, RENUMBER_TIME.format(sequence=sequence, row=_shown_time(at), chained=chained_at))
            )
        if closed is not None:
            found.append(
                (
                    key,
                    RENUMBER_AFTER_CLOSE.format(
                        sequence=sequence, at=_shown_time(at), closed=period_label(closed)
                    ),
                )
            )
    for sequence, key in sorted((report.chain_acts or {}).items()):
        if sequence not in recorded:
            found.append((key, RENUMBER_MISSING.format(sequence=sequence)))
    return found


def _aware(value) -> datetime:
    """A timestamp column as an aware datetime (SQLite's raw cursor gives text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _parsed(text: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return None


def _shown_time(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


# Each check with what it sums, for the report of a sum the database cannot form.
_CHECKS = (
    (_balance_discrepancies, "科目余额"),
    (_voucher_discrepancies, "凭证合计"),
    (_numbering_discrepancies, "凭证号"),
    (_closed_period_discrepancies, "已结账期间"),
    (_chain_discrepancies, "哈希链"),
    (_renumbering_discrepancies, "整理凭证号"),
)


# Checks other apps add (``register_check``): their figures kept from the books (a summary
# written at posting) recomputed from the lines, without the ledger importing them.
_registered_checks: list[tuple] = []


def register_check(check, what: str) -> None:
    """Have ``verify`` run ``check(ledger, report)`` on every ledger (it appends the
    ``Discrepancy`` rows it finds to ``report.discrepancies``); ``what`` names its figures in the
    message of a sum beyond range. Registering it again is harmless."""
    if all(check is not registered for registered, _ in _registered_checks):
        _registered_checks.append((check, what))


def ledger_verify(
    *,
    ledger: Ledger,
    published: list[dict] | None = None,
    region_claims: checkpoints.RegionClaims | None = None,
) -> LedgerVerification:
    """Recompute one ledger's balances, voucher totals and numbering from the source rows, and
    check its hash chain (against ``published`` checkpoint bodies too, signatures checked)."""
    report = LedgerVerification(
        ledger_code=ledger.code, published=published or [], region_claims=region_claims
    )
    for check, what in (*_CHECKS, *_registered_checks):
        found = len(report.discrepancies)
        try:
            # A savepoint: on PostgreSQL a failed query would end the caller's transaction.
            with transaction.atomic():
                check(ledger, report)
        except DatabaseError as error:
            if not is_out_of_range(error):
                raise
            del report.discrepancies[found:]  # what the check found before it failed is incomplete
            text = NOT_SUMMABLE.format(what=what, error=str(error).strip())
            report.discrepancies.append(Discrepancy(ledger.code, "", 0, text, 0, 0, "overflow"))
    return report


def ledgers_verify(
    *, ledger_ids: list[int] | None = None, published: list[dict] | None = None
) -> list[Discrepancy]:
    """Every discrepancy in the given ledgers (all ledgers when ``ledger_ids`` is None)."""
    ledgers = Ledger.objects.order_by("code")
    if ledger_ids is not None:
        ledgers = ledgers.filter(pk__in=ledger_ids)
    found: list[Discrepancy] = []
    claims = checkpoints.stored_region_claims()
    for ledger in ledgers.iterator():
        found.extend(ledger_verify(ledger=ledger, published=published, region_claims=claims).discrepancies)
    return found
