"""The supervision rules: each a small, documented function ``check_<rule>(scope) -> list[Alert]``.

In the spirit of ``ledger.verification``: a rule reads what it needs over the whole scope (the
ledgers and months asked about) with one aggregated query (plus, where it needs them, the small
dimension rows it names: counterparties, cadres), never one query per voucher, and decides in
plain Python. The thresholds are data a county may change (``thresholds.py``); each alert says
in one or two sentences of plain Chinese why it was raised, with the numbers it used.

Posted vouchers only; a reversed voucher and its red reversal are left out (the books say the
payment did not happen). A "payment" is a voucher crediting 101 库存现金 or 102 银行存款 (or a
sub-account); its amount is what those credits sum to, its counterparty the one named on its lines.

``no_decision_record`` and ``contract_arrears`` read village affairs' decision records and
contracts through its selectors (``vouchers_with_decisions_in``, ``ledgers_with_instalments_due``,
``overdue_receipts``).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villagebooks.affairs.selectors_members import vouchers_with_decisions_in
from villagebooks.affairs.selectors_property import ledgers_with_instalments_due, overdue_receipts
from villagebooks.common.models import AuditEntry
from villagebooks.common.money import format_fen
from villagebooks.funds.control import spending_asset_prefixes
from villagebooks.funds.models import STATE_ORDER, AllocationShare, ProjectAct, ProjectEntry, ProjectState
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Category,
    Counterparty,
    CounterpartyKind,
    Ledger,
    Side,
    Voucher,
    VoucherKind,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.registry.models import ListProblem, Person, Programme, SubsidyBatch, SubsidyLine
from villagebooks.registry.subsidies import INELIGIBLE, NOT_IN_REGISTRY
from villagebooks.supervision.thresholds import Thresholds

CASH, BANK = "101", "102"

RULE_NAMES = {
    "split_payment": _("拆分支付"),
    "cash_over_limit": _("大额现金"),
    "subsidy_deceased": _("死亡人员领取"),
    "subsidy_duplicate": _("重复领取"),
    "subsidy_unregistered": _("名册外领取"),
    "related_party_payment": _("优亲厚友"),
    "year_end_rush": _("年底突击花钱"),
    "negative_balance": _("余额为负"),
    "round_amounts": _("整数金额"),
    "backdated_entry": _("事后补录"),
    "white_slip": _("白条入账"),
    "earmark_misuse": _("挤占挪用"),
    "no_decision_record": _("大额支出无决策记录"),
    "contract_arrears": _("合同欠收"),
}

E_SPLIT = _("{days} 天内向 {party} 付款 {count} 笔，每笔低于 {limit} 元审批线，合计 {total} 元。")
E_CASH = _("一笔现金支付 {amount} 元，超过现金限额 {limit} 元（{summary}）。")
E_DECEASED = _("{name} 已于 {death} 死亡，{paid} 仍领取{programme} {amount} 元（批次 {batch}）。")
E_DUPLICATE_SAME = _("{name} 在{programme} {period} 期领取 {count} 次（批次 {batches}），合计 {total} 元。")
E_DUPLICATE_EXCLUDED = _(
    "{name} 同年领取互斥的{first}（批次 {first_batch}）和{second}（批次 {second_batch}）。"
)
E_UNREGISTERED = _("名册第 {row} 行 {name}：{problem}，经放行后发放 {amount} 元（放行理由：{reason}）。")
E_RELATED = _("向{relation} {party} 付款 {amount} 元，未见相关决策记录。")
E_RELATION_CADRE = _("本村干部（{role}）")
E_RELATION_RELATIVE = _("村干部 {cadre} 的近亲属")
E_RUSH = _("{year} 年 12 月费用支出 {december} 元，是 1–11 月月均 {mean} 元的 {times} 倍，占全年 {share}%。")
E_NEGATIVE = _("{period} 月末 {account} 余额为 {balance} 元，低于零。")
E_ROUND = _("{year} 年向 {party} 付款 {count} 笔，每笔都是 {unit} 元的整数倍，合计 {total} 元。")
E_BACKDATED = _("凭证日期 {date}，{entered} 才录入，相隔 {days} 天（超过 {limit} 天）。")
E_REOPENED = _("凭证日期 {date}，{period} 月已结账，{reopened} 反结账后于 {posted} 记入该月。")
E_EARMARK_NOT_ALLOWED = _(
    "专项资金“{fund}”（{documents}）只允许用于科目 {allowed}，本凭证借记 {account} {amount} 元。"
)
E_EARMARK_FORBIDDEN = _(
    "专项资金“{fund}”（{documents}）的负面清单禁止用于科目 {account}，本凭证借记 {amount} 元。"
)
E_EARMARK_BEFORE = _("项目“{project}”{when}，本凭证 {date} 已从中支出 {amount} 元。")
E_EARMARK_APPROVED_ON = _("于 {approved} 才立项")
E_EARMARK_NOT_APPROVED = _("至今未立项（当前状态：{state}）")
E_NO_DECISION = _("向 {party} 付款 {amount} 元，达到 {limit} 元须经民主决策，未关联决策记录。")
E_ARREARS = _(
    "合同 {contract}（{party}）{due} 应收 {amount} 元，至 {on} 已逾期 {days} 天，尚欠 {outstanding} 元。"
)
E_WHITE_SLIP = _("向单位 {party} 付款 {amount} 元，凭证没有附件（发票）。")


@dataclass(frozen=True)
class VoucherRef:
    id: int
    number: int | None
    key: str  # the voucher's key in its import file, "" when it was entered here


@dataclass
class Alert:
    rule: str
    ledger_id: int
    ledger: str  # the ledger's code
    period: str  # YYYY-MM
    amount_fen: int
    evidence: str
    vouchers: tuple[VoucherRef, ...] = ()
    batch: str = ""
    id_number: str = ""  # unmasked here: the caller masks it for whoever sees it
    person: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable across runs, so that a dismissal or a finding names the same alert next time."""
        refs = ",".join(str(v.id) for v in self.vouchers)
        return f"{self.rule}:{self.ledger_id}:{self.period}:{refs}:{self.batch}:{self.id_number}"


@dataclass(frozen=True)
class LedgerInfo:
    id: int
    code: str
    village_id: int
    village_path: str
    start_year: int
    start_month: int
    chart: str = "2023"


@dataclass
class Scope:
    """The ledgers and months the rules look at, and the thresholds in force for each ledger."""

    ledgers: dict[int, LedgerInfo]
    start: date  # first day of the first month
    end: date  # last day of the last month
    thresholds: Thresholds
    # A voucher not posted yet, judged as if it were (the review desk shows its alerts before
    # approval); None: posted vouchers only.
    pending: int | None = None
    # One voucher looked at (the review desk): the rules read only what can make an alert with
    # it, that voucher and the payments to its counterparties (``focus_parties``).
    focus: int | None = None
    focus_parties: frozenset = frozenset()
    # Reads several rules share (the payments, the list vouchers), made once per scope.
    shared: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls, ledgers, first: tuple[int, int], last: tuple[int, int], thresholds=None, pending=None
    ) -> Scope:
        infos = {
            ledger.pk: LedgerInfo(
                ledger.pk,
                ledger.code,
                ledger.village_id,
                ledger.village.path,
                ledger.start_year,
                ledger.start_month,
                ledger.chart,
            )
            for ledger in ledgers
        }
        end_day = calendar.monthrange(last[0], last[1])[1]
        return cls(
            infos,
            date(first[0], first[1], 1),
            date(last[0], last[1], end_day),
            thresholds or Thresholds(),
            pending,
        )

    def value(self, ledger_id: int, rule: str, name: str):
        return self.thresholds.get(rule, name, self.ledgers[ledger_id].village_path)

    @property
    def ids(self) -> list[int]:
        return list(self.ledgers)


def _yuan(fen: int) -> str:
    return format_fen(fen)


def _period(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _alert(scope: Scope, rule: str, ledger_id: int, day: date, amount: int, evidence, **more) -> Alert:
    return Alert(
        rule=rule,
        ledger_id=ledger_id,
        ledger=scope.ledgers[ledger_id].code,
        period=_period(day),
        amount_fen=amount,
        evidence=str(evidence),
        **more,
    )


def _posted_lines(scope: Scope, *, payments: bool = False):
    """Lines of posted vouchers in scope; with a focus, the focused voucher's only, or (for the
    rules that read ``payments``) the lines of vouchers paying one of its counterparties."""
    posted = Q(voucher__status=VoucherStatus.POSTED)
    if scope.pending is not None:
        posted |= Q(voucher_id=scope.pending)
    lines = VoucherLine.objects.filter(
        posted,
        ledger_id__in=scope.ids,
        voucher__kind=VoucherKind.NORMAL,
        voucher__reversed_by__isnull=True,
        voucher__date__range=(scope.start, scope.end),
    )
    if scope.focus is None:
        return lines
    if payments and scope.focus_parties:
        paying = VoucherLine.objects.filter(
            ledger_id__in=scope.ids, counterparty_id__in=scope.focus_parties
        ).values("voucher_id")
        return lines.filter(voucher_id__in=paying)
    return lines.filter(voucher_id=scope.focus)


@dataclass(frozen=True)
class Payment:
    ledger_id: int
    voucher: VoucherRef
    date: date
    amount_fen: int
    party_id: int | None
    attachments: int
    imported: bool = False  # posted by an import: the file says nothing of its attachments
    spent: int = 1  # what it debits beyond cash and bank: 0 for cash drawn or banked (no payment)


def _payments(scope: Scope, *, to_parties: bool = False, at_least: int | None = None) -> list[Payment]:
    """Posted payments of the scope, one row per voucher (one aggregated query, shared by the
    rules that read the same ones): those naming a counterparty (``to_parties``), or those paying
    at least ``at_least`` fen. A county's year holds some 400,000 payments; a rule reads only
    those it can judge, each voucher's figures still summed over all its lines."""
    if scope.focus is not None:
        # The review desk reads a few vouchers already: one read serves every rule.
        to_parties, at_least = False, None
    key = ("payments", to_parties, at_least)
    if key not in scope.shared:
        scope.shared[key] = _read_payments(scope, to_parties=to_parties, at_least=at_least)
    return scope.shared[key]


def _accounts(scope: Scope, *prefixes: str):
    """The ids of the scope's ledgers' accounts under the level-1 codes ``prefixes``."""
    under = Q()
    for prefix in prefixes:
        under |= Q(code__startswith=prefix)
    return Account.objects.filter(under, ledger_id__in=scope.ids).values("id")


def _read_payments(scope: Scope, *, to_parties: bool, at_least: int | None) -> list[Payment]:
    cash_or_bank = Q(account__code__startswith=CASH) | Q(account__code__startswith=BANK)
    lines = _posted_lines(scope, payments=True)
    if to_parties:
        # The partial index of the lines naming a counterparty finds their vouchers: SQLite (no
        # statistics) takes it for an IN list, PostgreSQL estimates "IS NOT NULL" right.
        named = VoucherLine.objects.filter(ledger_id__in=scope.ids)
        if connection.vendor == "postgresql":
            named = named.filter(counterparty__isnull=False)
        else:
            named = named.filter(counterparty_id__in=Counterparty.objects.values("id"))
        lines = lines.filter(voucher_id__in=named.values("voucher_id"))
    if at_least is not None:
        # The (ledger, account) index finds the cash and bank lines; their vouchers paying enough.
        paying = (
            _posted_lines(scope, payments=True)
            .filter(account_id__in=_accounts(scope, CASH, BANK))
            .exclude(credit_fen=0)
            .values("voucher_id")
            .annotate(paid=Sum("credit_fen"))
            .filter(paid__gte=at_least)
            .values("voucher_id")
        )
        lines = lines.filter(voucher_id__in=paying)
    rows = (
        lines.values(
            "ledger_id",
            "voucher_id",
            "voucher__number",
            "voucher__external_key",
            "voucher__date",
            "voucher__source_sha256",
        )  # fmt: skip
        .annotate(
            paid=Sum("credit_fen", filter=cash_or_bank),
            party=Max("counterparty_id"),
            attachments=Max("voucher__attachment_count"),
            spent=Sum("debit_fen", filter=~cash_or_bank),
        )
        .filter(paid__gt=0)
        .order_by("ledger_id", "voucher__date", "voucher_id")
    )
    return [
        Payment(
            r["ledger_id"],
            VoucherRef(r["voucher_id"], r["voucher__number"], r["voucher__external_key"] or ""),
            r["voucher__date"],
            r["paid"],
            r["party"],
            r["attachments"] or 0,
            r["voucher__source_sha256"] is not None,
            r["spent"] or 0,
        )
        for r in rows
    ]


def _parties(ids, scope: Scope | None = None) -> dict[int, Counterparty]:
    """The counterparties named (read once per scope for the parties of its payments)."""
    wanted = {i for i in ids if i}
    if scope is not None:
        known = scope.shared.setdefault("parties", {})
        missing = wanted - set(known)
        if missing:
            known.update({c.pk: c for c in Counterparty.objects.filter(pk__in=missing)})
        return known
    return {c.pk: c for c in Counterparty.objects.filter(pk__in=wanted)}


def _list_vouchers(scope: Scope) -> set[int]:
    """The vouchers that pay a subsidy list: judged by the subsidy rules, not the payment rules."""
    if "lists" in scope.shared:
        return scope.shared["lists"]
    scope.shared["lists"] = set(
        SubsidyBatch.objects.filter(ledger_id__in=scope.ids, voucher__isnull=False).values_list(
            "voucher_id", flat=True
        )
    )
    return scope.shared["lists"]


def check_split_payment(scope: Scope) -> list[Alert]:
    """拆分支付: two or more payments to one counterparty within ``window_days``, each below the
    approval limit and together at or above it. The payments of a counterparty are walked in date
    order; the longest run starting at a payment that fits in the window and reaches the limit is
    one alert, and the walk goes on after it (a payment belongs to one alert at most)."""
    by_party: dict[tuple[int, int], list[Payment]] = defaultdict(list)
    payments = _payments(scope, to_parties=True)
    for payment in payments:
        if payment.party_id:
            by_party[(payment.ledger_id, payment.party_id)].append(payment)
    parties = _parties((party for _ledger, party in by_party), scope)
    alerts = []
    for (ledger_id, party_id), items in by_party.items():
        limit = scope.value(ledger_id, "split_payment", "approval_limit")
        window = scope.value(ledger_id, "split_payment", "window_days")
        small = [p for p in items if p.amount_fen < limit]
        i = 0
        while i < len(small):
            j = i
            while j + 1 < len(small) and (small[j + 1].date - small[i].date).days <= window:
                j += 1
            group = small[i : j + 1]
            total = sum(p.amount_fen for p in group)
            if len(group) >= 2 and total >= limit:
                evidence = E_SPLIT.format(
                    days=window,
                    party=parties[party_id].name,
                    count=len(group),
                    limit=_yuan(limit),
                    total=_yuan(total),
                )
                alerts.append(
                    _alert(
                        scope,
                        "split_payment",
                        ledger_id,
                        group[0].date,
                        total,
                        evidence,
                        vouchers=tuple(p.voucher for p in group),
                    )
                )
                i = j + 1
            else:
                i += 1
    return alerts


def check_cash_over_limit(scope: Scope) -> list[Alert]:
    """大额现金: one posted line crediting 101 库存现金 by more than the cash limit. Cash paid into
    the bank (a voucher debiting 102) is not a payment and is left out."""
    # Accounts by id, not by joining each line to its account: the (ledger, account) index then
    # reads only the cash lines of a county's 1.9 million.
    banked = VoucherLine.objects.filter(
        voucher=OuterRef("voucher"), account_id__in=_accounts(scope, BANK), debit_fen__gt=0
    )
    # Only lines over the lowest limit of the scope's villages (a county's year pays cash some
    # 400,000 times, nearly always below it); each village's own limit is applied below.
    lowest = min((scope.value(i, "cash_over_limit", "cash_limit") for i in scope.ids), default=0)
    rows = (
        _posted_lines(scope)
        .filter(account_id__in=_accounts(scope, CASH), credit_fen__gt=max(lowest, 0))
        .exclude(Exists(banked))
        .values_list(
            "ledger_id",
            "voucher_id",
            "voucher__number",
            "voucher__external_key",
            "voucher__date",
            "credit_fen",
            "summary",
        )
        .order_by("ledger_id", "voucher__date", "voucher_id", "line_no")
    )
    alerts = []
    for ledger_id, voucher_id, number, key, day, credit, summary in rows:
        limit = scope.value(ledger_id, "cash_over_limit", "cash_limit")
        if credit > limit:
            evidence = E_CASH.format(amount=_yuan(credit), limit=_yuan(limit), summary=summary)
            alerts.append(
                _alert(
                    scope,
                    "cash_over_limit",
                    ledger_id,
                    day,
                    credit,
                    evidence,
                    vouchers=(VoucherRef(voucher_id, number, key or ""),),
                )
            )
    return alerts


def _paid_lines(scope: Scope):
    """Subsidy list lines paid in the scope: the list's voucher posted and not reversed, and the
    money not returned after a failed payment."""
    return SubsidyLine.objects.filter(
        ledger_id__in=scope.ids,
        batch__pay_date__range=(scope.start, scope.end),
        batch__voucher__status=VoucherStatus.POSTED,
        batch__voucher__reversed_by__isnull=True,
    ).exclude(resolution="returned")


def _line_voucher(row: dict) -> tuple[VoucherRef, ...]:
    return (
        VoucherRef(
            row["batch__voucher_id"], row["batch__voucher__number"], row["batch__voucher__external_key"] or ""
        ),
    )


_LINE_FIELDS = (
    "ledger_id", "batch__code", "batch__pay_date", "batch__period", "batch__programme__name", "batch__voucher_id",
    "batch__voucher__number", "batch__voucher__external_key", "id_number", "name", "amount_fen", "row",
)  # fmt: skip


def check_subsidy_deceased(scope: Scope) -> list[Alert]:
    """死亡人员领取: a paid list line whose person died before the list's payment date (a death on
    the payment day or after it is not one)."""
    # Dates are compared here, not in SQL: few paid persons are dead, and SQLite and PostgreSQL
    # then agree without a date expression.
    rows = (
        _paid_lines(scope)
        .filter(person__death_date__isnull=False)
        .values(*_LINE_FIELDS, "person__death_date")
        .order_by("ledger_id", "batch__pay_date", "row")
    )
    alerts = []
    for r in rows:
        if not r["person__death_date"] < r["batch__pay_date"]:
            continue
        evidence = E_DECEASED.format(
            name=r["name"],
            death=r["person__death_date"],
            paid=r["batch__pay_date"],
            programme=r["batch__programme__name"],
            amount=_yuan(r["amount_fen"]),
            batch=r["batch__code"],
        )
        alerts.append(
            _alert(
                scope,
                "subsidy_deceased",
                r["ledger_id"],
                r["batch__pay_date"],
                r["amount_fen"],
                evidence,
                vouchers=_line_voucher(r),
                batch=r["batch__code"],
                id_number=r["id_number"],
                person=r["name"],
            )
        )
    return alerts


def _duplicate_candidates(scope: Scope) -> Q:
    """The ID numbers that can make a 重复领取 alert: paid twice for one programme and period, paid
    by two different programmes of those that exclude or are excluded, or twice by a programme
    that excludes itself."""
    programmes = list(Programme.objects.values_list("id", "code", "excludes"))
    named = {code for _id, _code, excludes in programmes for code in excludes or []}
    excluding = [pk for pk, code, excludes in programmes if excludes or code in named]
    itself = [pk for pk, code, excludes in programmes if code in (excludes or [])]
    same = (
        _paid_lines(scope)
        .values("id_number", "batch__programme_id", "batch__period")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("id_number")
    )
    candidates = Q(id_number__in=same)
    if excluding:
        both = (
            _paid_lines(scope)
            .filter(batch__programme_id__in=excluding)
            .values("id_number")
            .annotate(n=Count("batch__programme_id", distinct=True))
            .filter(n__gt=1)
            .values("id_number")
        )
        candidates |= Q(id_number__in=both)
    if itself:
        twice = (
            _paid_lines(scope)
            .filter(batch__programme_id__in=itself)
            .values("id_number")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values("id_number")
        )
        candidates |= Q(id_number__in=twice)
    return candidates


def check_subsidy_duplicate(scope: Scope) -> list[Alert]:
    """重复领取: one ID number paid twice for one programme and period, or in one year by two
    programmes of which one excludes the other (``Programme.excludes``). One query: the paid lines
    of every ID number paid more than once for one programme and period, or by two programmes that
    take part in an exclusion (a person paid every quarter by one programme is not read)."""
    rows = list(
        _paid_lines(scope)
        .filter(_duplicate_candidates(scope))
        .values(*_LINE_FIELDS, "batch__programme__code", "batch__programme__excludes")
        .order_by("id_number", "batch__pay_date", "batch_id", "row")
    )
    by_id: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_id[r["id_number"]].append(r)
    alerts = []
    for id_number, lines in by_id.items():
        if len(lines) < 2:
            continue
        same: dict[tuple, list[dict]] = defaultdict(list)
        for r in lines:
            same[(r["batch__programme__code"], r["batch__period"])].append(r)
        for (_code, period), group in same.items():
            if len(group) > 1:
                total = sum(r["amount_fen"] for r in group)
                first = group[0]
                evidence = E_DUPLICATE_SAME.format(
                    name=first["name"],
                    programme=first["batch__programme__name"],
                    period=period,
                    count=len(group),
                    batches="、".join(r["batch__code"] for r in group),
                    total=_yuan(total),
                )
                alerts.append(
                    _alert(
                        scope,
                        "subsidy_duplicate",
                        group[-1]["ledger_id"],
                        group[-1]["batch__pay_date"],
                        total,
                        evidence,
                        vouchers=tuple(v for r in group for v in _line_voucher(r)),
                        batch=";".join(r["batch__code"] for r in group),
                        id_number=id_number,
                        person=first["name"],
                    )
                )
        seen_pairs = set()
        for a in lines:
            for b in lines:
                if a is b or a["batch__pay_date"].year != b["batch__pay_date"].year:
                    continue
                if b["batch__programme__code"] not in (a["batch__programme__excludes"] or []):
                    continue
                pair = tuple(sorted((a["batch__code"], b["batch__code"])))
                if pair in seen_pairs:
                    continue
                seen_pairs.add(pair)
                first, second = sorted((a, b), key=lambda r: r["batch__pay_date"])
                evidence = E_DUPLICATE_EXCLUDED.format(
                    name=a["name"],
                    first=first["batch__programme__name"],
                    first_batch=first["batch__code"],
                    second=second["batch__programme__name"],
                    second_batch=second["batch__code"],
                )
                alerts.append(
                    _alert(
                        scope,
                        "subsidy_duplicate",
                        second["ledger_id"],
                        second["batch__pay_date"],
                        second["amount_fen"],
                        evidence,
                        vouchers=_line_voucher(first) + _line_voucher(second),
                        batch=f"{first['batch__code']};{second['batch__code']}",
                        id_number=id_number,
                        person=a["name"],
                    )
                )
    return alerts


def check_subsidy_unregistered(scope: Scope) -> list[Alert]:
    """名册外领取: a paid list line that the registry check refused (not in the registry, or not
    eligible for the programme on the payment date) and that was paid through an override."""
    amount = SubsidyLine.objects.filter(batch=OuterRef("batch"), row=OuterRef("row")).values("amount_fen")[:1]
    name = SubsidyLine.objects.filter(batch=OuterRef("batch"), row=OuterRef("row")).values("name")[:1]
    rows = (
        ListProblem.objects.filter(
            ledger_id__in=scope.ids,
            kind__in=(NOT_IN_REGISTRY, INELIGIBLE),
            batch__pay_date__range=(scope.start, scope.end),
            batch__voucher__status=VoucherStatus.POSTED,
            batch__voucher__reversed_by__isnull=True,
        )
        .annotate(amount_fen=Subquery(amount), name=Subquery(name))
        .values(
            "ledger_id",
            "batch__code",
            "batch__pay_date",
            "batch__voucher_id",
            "batch__voucher__number",
            "batch__voucher__external_key",
            "row",
            "id_number",
            "message",
            "reason",
            "amount_fen",
            "name",
        )
        .order_by("ledger_id", "batch__pay_date", "batch_id", "row", "id")
    )
    alerts, seen = [], set()
    for r in rows:
        if (r["batch__code"], r["row"], r["ledger_id"]) in seen:
            continue  # one line with two problems: one alert
        seen.add((r["batch__code"], r["row"], r["ledger_id"]))
        evidence = E_UNREGISTERED.format(
            row=r["row"],
            name=r["name"] or "",
            problem=r["message"],
            amount=_yuan(r["amount_fen"] or 0),
            reason=r["reason"],
        )
        alerts.append(
            _alert(
                scope,
                "subsidy_unregistered",
                r["ledger_id"],
                r["batch__pay_date"],
                r["amount_fen"] or 0,
                evidence,
                vouchers=_line_voucher(r),
                batch=r["batch__code"],
                id_number=r["id_number"],
                person=r["name"] or "",
            )
        )
    return alerts


def check_related_party_payment(
    scope: Scope, decided_vouchers: Callable[[Scope], set[int]] | None = None
) -> list[Alert]:
    """优亲厚友: a payment to a cadre of the ledger's village or to a close relative of one (the
    registry's ``cadre_role`` and ``cadre_of``), matched by ID number, or by name where the
    counterparty has no ID number and the name is one cadre's or relative's alone in that village.
    Payments of a subsidy list are left to the subsidy rules, and payments linked to a decision
    record (village affairs' 四议两公开: the relationship was declared and decided) are not shown;
    ``decided_vouchers`` overrides where those records are read from."""
    payments = [p for p in _payments(scope, to_parties=True) if p.party_id]
    exempt = _list_vouchers(scope) | (decided_vouchers or _decided)(scope)
    villages = {info.village_id for info in scope.ledgers.values()}
    people = list(
        Person.objects.filter(village_id__in=villages)
        .filter(~Q(cadre_role="") | Q(cadre_of__isnull=False))
        .values("id_number", "name", "village_id", "cadre_role", "cadre_of__name")
    )
    by_id = {(p["village_id"], p["id_number"]): p for p in people}
    by_name: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for p in people:
        by_name[(p["village_id"], p["name"])].append(p)
    parties = _parties((p.party_id for p in payments), scope)
    alerts = []
    for payment in payments:
        if payment.voucher.id in exempt:
            continue
        party = parties[payment.party_id]
        village = scope.ledgers[payment.ledger_id].village_id
        if party.id_number:
            person = by_id.get((village, party.id_number))
        else:
            named = by_name.get((village, party.name), [])
            person = named[0] if len(named) == 1 else None
        if person is None:
            continue
        if payment.amount_fen < scope.value(payment.ledger_id, "related_party_payment", "min_amount"):
            continue
        relation = (
            E_RELATION_CADRE.format(role=person["cadre_role"])
            if person["cadre_role"]
            else E_RELATION_RELATIVE.format(cadre=person["cadre_of__name"])
        )
        evidence = E_RELATED.format(relation=relation, party=party.name, amount=_yuan(payment.amount_fen))
        alerts.append(
            _alert(
                scope,
                "related_party_payment",
                payment.ledger_id,
                payment.date,
                payment.amount_fen,
                evidence,
                vouchers=(payment.voucher,),
                id_number=person["id_number"],
                person=person["name"],
            )
        )
    return alerts


def check_year_end_rush(scope: Scope) -> list[Alert]:
    """年底突击花钱: a ledger whose December debits to expense accounts exceed ``mean_multiple`` ×
    its monthly mean of January–November (the months it kept books) and ``year_share`` of its
    year's. Read from the balance table (no lines), for each year whose December is in scope."""
    years = [
        y for y in range(scope.start.year, scope.end.year + 1) if scope.start <= date(y, 12, 31) <= scope.end
    ]
    if not years:
        return []
    rows = (
        AccountBalance.objects.filter(
            ledger_id__in=scope.ids,
            year__in=years,
            month__gte=1,
            is_closing=False,
            account__category=Category.EXPENSE,
        )
        .values("ledger_id", "year", "month")
        .annotate(debit=Sum("debit_fen"))
        .order_by()
    )
    months: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for r in rows:
        months[(r["ledger_id"], r["year"])][r["month"]] = r["debit"]
    alerts = []
    for (ledger_id, year), spent in sorted(months.items()):
        december = spent.get(12, 0)
        info = scope.ledgers[ledger_id]
        # A ledger's first year counts from the month it started keeping books.
        first = info.start_month if year == info.start_year else 1
        before = [spent.get(m, 0) for m in range(first, 12)]
        if not before:
            continue
        total = sum(before) + december
        multiple = scope.value(ledger_id, "year_end_rush", "mean_multiple")
        share = scope.value(ledger_id, "year_end_rush", "year_share")
        # December > multiple × mean, in whole fen: December × months > multiple × their sum.
        if december <= 0 or december * len(before) <= multiple * sum(before) or december <= share * total:
            continue
        mean = sum(before) / len(before)
        times = f"{december / mean:.1f}" if mean > 0 else "∞"
        evidence = E_RUSH.format(
            year=year,
            december=_yuan(december),
            mean=_yuan(round(mean)),
            times=times,
            share=f"{100 * december / total:.0f}",
        )
        alerts.append(_alert(scope, "year_end_rush", ledger_id, date(year, 12, 1), december, evidence))
    return alerts


def check_negative_balance(scope: Scope) -> list[Alert]:
    """余额为负: cash, bank or 专项应付款 (the ``accounts`` listed, each with its sub-accounts)
    below zero at a month's end, on its normal side. One alert when it first goes below zero
    (a month after a month at or above zero, or the first month in scope), not every month it stays."""
    wanted: dict[int, tuple[str, ...]] = {
        i: scope.value(i, "negative_balance", "accounts") for i in scope.ids
    }
    codes = {c for cs in wanted.values() for c in cs}
    if not codes:
        return []
    prefix = Q()
    for code in codes:
        prefix |= Q(account__code__startswith=code)
    end_key = scope.end.year * 100 + scope.end.month
    rows = (
        AccountBalance.objects.filter(
            prefix, ledger_id__in=scope.ids, period_key__lte=end_key, is_closing=False
        )
        .values("ledger_id", "account__code", "account__normal_side", "period_key", "year", "month")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by("ledger_id", "period_key")
    )
    # (ledger, code) → period_key → (movement, is an opening row), on the account's normal side.
    series: dict[tuple[int, str], dict[int, list]] = defaultdict(lambda: defaultdict(lambda: [0, False]))
    for r in rows:
        code = next((c for c in wanted[r["ledger_id"]] if r["account__code"].startswith(c)), None)
        if code is None:
            continue
        net = r["debit"] - r["credit"]
        if r["account__normal_side"] == Side.CREDIT:
            net = -net
        cell = series[(r["ledger_id"], code)][r["period_key"]]
        cell[0] += net
        cell[1] = r["month"] == 0
    start_key = scope.start.year * 100 + scope.start.month
    alerts = []
    for (ledger_id, code), cells in sorted(series.items()):
        info = scope.ledgers[ledger_id]
        balance, was_negative = 0, False
        for key in sorted(cells):
            movement, opening = cells[key]
            # A later year's opening row carries the balance brought forward: start again from it.
            balance = movement if opening and key // 100 > info.start_year else balance + movement
            if opening:
                continue
            negative = balance < 0
            if negative and not (was_negative and key > start_key) and key >= start_key:
                evidence = E_NEGATIVE.format(
                    period=f"{key // 100}-{key % 100:02d}", account=code, balance=_yuan(balance)
                )
                alerts.append(
                    _alert(
                        scope,
                        "negative_balance",
                        ledger_id,
                        date(key // 100, key % 100, 1),
                        balance,
                        evidence,
                        detail={"account": code},
                    )
                )
            was_negative = negative
    return alerts


def check_round_amounts(scope: Scope) -> list[Alert]:
    """整数金额: in one year, at least ``min_count`` payments to one counterparty, every one a
    whole multiple of ``unit`` (round sums paid again and again are a sign of invented bills).
    Subsidy lists (flat standards, round by nature) are left out."""
    exempt = _list_vouchers(scope)
    groups: dict[tuple[int, int, int], list[Payment]] = defaultdict(list)
    for p in _payments(scope, to_parties=True):
        if p.party_id and p.voucher.id not in exempt:
            groups[(p.ledger_id, p.party_id, p.date.year)].append(p)
    parties = _parties((party for _l, party, _y in groups), scope)
    alerts = []
    for (ledger_id, party_id, year), items in groups.items():
        unit = scope.value(ledger_id, "round_amounts", "unit")
        if not unit or len(items) < scope.value(ledger_id, "round_amounts", "min_count"):
            continue
        if any(p.amount_fen % unit for p in items):
            continue
        total = sum(p.amount_fen for p in items)
        evidence = E_ROUND.format(
            year=year, party=parties[party_id].name, count=len(items), unit=_yuan(unit), total=_yuan(total)
        )
        alerts.append(
            _alert(
                scope,
                "round_amounts",
                ledger_id,
                items[-1].date,
                total,
                evidence,
                vouchers=tuple(p.voucher for p in items),
            )
        )
    return alerts


def check_backdated_entry(scope: Scope) -> list[Alert]:
    """事后补录: a posted voucher entered more than ``max_lag_days`` after its date, or posted into
    a month after that month was reopened (反结账: the books were closed, then changed). An
    imported voucher (books kept elsewhere before) is left out of the first: its entry date is the
    import's; a voucher posted into a reopened month is flagged however it came."""
    posted = Q(status=VoucherStatus.POSTED)
    if scope.pending is not None:
        posted |= Q(id=scope.pending)
    vouchers = Voucher.objects.filter(
        posted,
        ledger_id__in=scope.ids,
        kind=VoucherKind.NORMAL,
        date__range=(scope.start, scope.end),
        **({"id": scope.focus} if scope.focus is not None else {}),
    )
    rows = (
        vouchers.filter(source_sha256__isnull=True)
        .values_list("ledger_id", "id", "number", "external_key", "date", "created_at", "amount_fen")
        .order_by("ledger_id", "date", "id")
    )
    alerts = []
    lagging = set()
    for ledger_id, voucher_id, number, key, day, created, amount in rows:
        entered = timezone.localtime(created).date()
        lag = (entered - day).days
        limit = scope.value(ledger_id, "backdated_entry", "max_lag_days")
        if lag > limit:
            lagging.add(voucher_id)
            evidence = E_BACKDATED.format(date=day, entered=entered, days=lag, limit=limit)
            alerts.append(
                _alert(
                    scope,
                    "backdated_entry",
                    ledger_id,
                    day,
                    amount,
                    evidence,
                    vouchers=(VoucherRef(voucher_id, number, key or ""),),
                )
            )
    alerts.extend(_posted_into_reopened(scope, vouchers, lagging))
    return alerts


def _posted_into_reopened(scope: Scope, vouchers, already: set[int]) -> list[Alert]:
    """Vouchers posted (or, in review, about to be) after their month was reopened: the first
    reopening of the month before the posting is named."""
    reopened: dict[tuple[int, str], list] = defaultdict(list)
    for ledger_id, detail, at in (
        AuditEntry.objects.filter(action="period_reopen", ledger_id__in=scope.ids)
        .values_list("ledger_id", "detail", "created_at")
        .order_by("created_at", "id")
    ):
        reopened[(ledger_id, str(detail.get("period", "")))].append(at)
    if not reopened:
        return []
    now = timezone.now()
    alerts = []
    rows = vouchers.values_list(
        "ledger_id", "id", "number", "external_key", "date", "posted_at", "amount_fen"
    ).order_by("ledger_id", "date", "id")
    for ledger_id, voucher_id, number, key, day, posted_at, amount in rows:
        times = reopened.get((ledger_id, f"{day:%Y-%m}"))
        if not times or voucher_id in already:
            continue
        when = posted_at or now
        before = [at for at in times if at < when]
        if not before:
            continue
        evidence = E_REOPENED.format(
            date=day,
            period=f"{day:%Y-%m}",
            reopened=timezone.localtime(before[0]).date(),
            posted=timezone.localtime(when).date(),
        )
        alerts.append(
            _alert(
                scope,
                "backdated_entry",
                ledger_id,
                day,
                amount,
                evidence,
                vouchers=(VoucherRef(voucher_id, number, key or ""),),
            )
        )
    return alerts


def check_white_slip(scope: Scope) -> list[Alert]:
    """白条入账: a payment to an organisation (a counterparty of kind 单位) whose voucher has no
    attachment at all: a business must give an invoice. An imported voucher is left out: the
    import file carries no attachments (its invoices are with the paper books it came from), so
    its count of none says nothing."""
    payments = [
        p for p in _payments(scope, to_parties=True) if p.party_id and p.attachments == 0 and not p.imported
    ]
    parties = _parties((p.party_id for p in payments), scope)
    alerts = []
    for p in payments:
        party = parties[p.party_id]
        if party.kind != CounterpartyKind.ORGANISATION:
            continue
        if p.amount_fen < scope.value(p.ledger_id, "white_slip", "min_amount"):
            continue
        evidence = E_WHITE_SLIP.format(party=party.name, amount=_yuan(p.amount_fen))
        alerts.append(
            _alert(scope, "white_slip", p.ledger_id, p.date, p.amount_fen, evidence, vouchers=(p.voucher,))
        )
    return alerts


def _earmark_rules(scope: Scope) -> dict[int, dict]:
    """Per fund with an allocation in the scope's ledgers: what its allocations allow (None: any
    account, as an allocation without a list allows any), forbid, and their documents."""
    funds: dict[int, dict] = {}
    rows = AllocationShare.objects.filter(ledger_id__in=scope.ids).values_list(
        "fund_id", "fund__name", "allocation__document_number", "allocation__allowed_accounts",
        "allocation__forbidden_accounts",
    )  # fmt: skip
    for fund_id, name, document, allowed, forbidden in rows:
        rules = funds.setdefault(fund_id, {"name": name, "allowed": [], "forbidden": [], "documents": []})
        prefixes = [code for code in allowed.split(";") if code]
        if rules["allowed"] is not None:
            rules["allowed"] = rules["allowed"] + prefixes if prefixes else None
        rules["forbidden"] += [code for code in forbidden.split(";") if code]
        rules["documents"].append(document)
    return funds


def _approvals(scope: Scope) -> dict[int, tuple[str, str, date | None]]:
    """Per project of the library in the scope's ledgers: (label, state, the day it reached 立项),
    the day None when it has not (or came into the library past it, with no act saying when)."""
    approved_at = STATE_ORDER.index(ProjectState.APPROVED)
    later = STATE_ORDER[approved_at:]
    entries = {
        project_id: [f"{name}({code})", state, None]
        for project_id, code, name, state in ProjectEntry.objects.filter(ledger_id__in=scope.ids).values_list(
            "project_id", "project__code", "project__name", "state"
        )
    }
    acts = (
        ProjectAct.objects.filter(ledger_id__in=scope.ids, to_state__in=later)
        .values("entry__project_id")
        .annotate(first=Min("acted_on"))
        .order_by()
    )
    for row in acts:
        entries[row["entry__project_id"]][2] = row["first"]
    return {pk: tuple(values) for pk, values in entries.items()}


def check_earmark_misuse(scope: Scope) -> list[Alert]:
    """挤占挪用: a posted line tagged with a fund that has an allocation (资金下达) spending into an
    account its allocations do not allow or forbid (possible where the county set "warn", or in
    books imported from before the allocation was entered), or a line tagged with a project of
    the library spending before the day the project reached 立项 (or while it has not).

    Spending is what budget control calls spending (``funds.control``): the net debit of a line on
    an expense or cost account or an asset money is spent into (``data/funds-rules.json``). One
    alert per voucher, its amount the sum of the lines at fault, each reason in the evidence."""
    funds = _earmark_rules(scope)
    projects = _approvals(scope)
    if not funds and not projects:
        return []
    spending = Q(account__category__in=(Category.EXPENSE, Category.COST))
    for prefix in {p for info in scope.ledgers.values() for p in spending_asset_prefixes(info.chart)}:
        spending |= Q(account__code__startswith=prefix)
    rows = (
        _posted_lines(scope)
        .filter(spending, Q(fund_id__in=list(funds)) | Q(project_id__in=list(projects)), debit_fen__gt=0)
        .values_list(
            "ledger_id", "voucher_id", "voucher__number", "voucher__external_key", "voucher__date",
            "account__code", "fund_id", "project_id", "debit_fen", "credit_fen",
        )
        .order_by("ledger_id", "voucher__date", "voucher_id", "line_no")
    )  # fmt: skip
    by_voucher: dict[int, list] = {}
    for row in rows:
        by_voucher.setdefault(row[1], []).append(row)
    alerts = []
    for voucher_id, lines in by_voucher.items():
        ledger_id, _v, number, key, day = lines[0][:5]
        reasons, amount = [], 0
        for *_head, code, fund_id, project_id, debit, credit in lines:
            net = debit - credit
            if net <= 0:
                continue
            faults = []
            fund = funds.get(fund_id) if fund_id else None
            if fund is not None:
                documents = "、".join(fund["documents"])
                if fund["allowed"] is not None and not code.startswith(tuple(fund["allowed"])):
                    faults.append(
                        E_EARMARK_NOT_ALLOWED.format(
                            fund=fund["name"],
                            documents=documents,
                            allowed="、".join(fund["allowed"]),
                            account=code,
                            amount=_yuan(net),
                        )  # fmt: skip
                    )
                if fund["forbidden"] and code.startswith(tuple(fund["forbidden"])):
                    faults.append(
                        E_EARMARK_FORBIDDEN.format(
                            fund=fund["name"], documents=documents, account=code, amount=_yuan(net)
                        )
                    )
            project = projects.get(project_id) if project_id else None
            if project is not None:
                label, state, approved = project
                reached = STATE_ORDER.index(state) >= STATE_ORDER.index(ProjectState.APPROVED)
                if approved is not None and day < approved:
                    when = E_EARMARK_APPROVED_ON.format(approved=approved)
                elif approved is None and not reached:
                    when = E_EARMARK_NOT_APPROVED.format(state=ProjectState(state).label)
                else:
                    when = None
                if when is not None:
                    faults.append(
                        E_EARMARK_BEFORE.format(project=label, when=when, date=day, amount=_yuan(net))
                    )
            if faults:
                reasons += [str(f) for f in faults]
                amount += net
        if reasons:
            alerts.append(
                _alert(
                    scope,
                    "earmark_misuse",
                    ledger_id,
                    day,
                    amount,
                    "".join(reasons),
                    vouchers=(VoucherRef(voucher_id, number, key or ""),),
                )  # fmt: skip
            )
    return alerts


def _decided(scope: Scope) -> set[int]:
    """The vouchers of the scope linked to a decision record (四议两公开), read once per scope."""
    if "decided" not in scope.shared:
        scope.shared["decided"] = vouchers_with_decisions_in(scope.ids, scope.start, scope.end)
    return scope.shared["decided"]


def check_no_decision_record(scope: Scope) -> list[Alert]:
    """大额支出无决策记录: a posted payment at or above ``min_amount`` (the approval line) with no
    decision record linked to it (village affairs' 四议两公开). Subsidy lists are left out: they are
    paid under the programme's rules, not a village decision."""
    lowest = min((scope.value(i, "no_decision_record", "min_amount") for i in scope.ids), default=0)
    payments = [p for p in _payments(scope, at_least=lowest) if p.amount_fen >= lowest and p.spent > 0]
    if not payments:
        return []  # the review desk, for most vouchers: no decision records to read
    exempt = _list_vouchers(scope) | _decided(scope)
    payments = [p for p in payments if p.voucher.id not in exempt]
    parties = _parties((p.party_id for p in payments), scope)
    alerts = []
    for p in payments:
        limit = scope.value(p.ledger_id, "no_decision_record", "min_amount")
        if p.amount_fen < limit:
            continue
        party = parties[p.party_id].name if p.party_id else "—"
        evidence = E_NO_DECISION.format(party=party, amount=_yuan(p.amount_fen), limit=_yuan(limit))
        alerts.append(
            _alert(
                scope,
                "no_decision_record",
                p.ledger_id,
                p.date,
                p.amount_fen,
                evidence,
                vouchers=(p.voucher,),
            )
        )
    return alerts


def check_contract_arrears(scope: Scope) -> list[Alert]:
    """合同欠收: an instalment of a contract (承包、租赁) due in the scope's months and still owed
    more than ``min_days`` days after its due date, as of the scope's end or today, whichever is
    earlier (village affairs' ``overdue_receipts``). One alert per instalment."""
    on = min(scope.end, timezone.localdate())
    alerts = []
    # Only the ledgers with an instalment due in the months asked about can have one overdue.
    due = ledgers_with_instalments_due(scope.ids, scope.start, scope.end)
    for ledger in Ledger.objects.filter(pk__in=due).order_by("code"):
        days = scope.value(ledger.pk, "contract_arrears", "min_days")
        for row in overdue_receipts(ledger, on):
            if not scope.start <= row["due_date"] <= scope.end or row["days_overdue"] <= days:
                continue
            evidence = E_ARREARS.format(
                contract=row["contract"], party=row["party"], due=row["due_date"], amount=_yuan(row["amount_due_fen"]),
                on=on, days=row["days_overdue"], outstanding=_yuan(row["outstanding_fen"]),
            )  # fmt: skip
            alerts.append(
                _alert(
                    scope,
                    "contract_arrears",
                    ledger.pk,
                    row["due_date"],
                    row["outstanding_fen"],
                    evidence,
                    batch=f"{row['contract']}@{row['due_date']}",
                    person=row["party"],
                )  # fmt: skip
            )
    return alerts


RULES: list[Callable[[Scope], list[Alert]]] = [
    check_split_payment,
    check_cash_over_limit,
    check_subsidy_deceased,
    check_subsidy_duplicate,
    check_subsidy_unregistered,
    check_related_party_payment,
    check_year_end_rush,
    check_negative_balance,
    check_round_amounts,
    check_backdated_entry,
    check_white_slip,
    check_earmark_misuse,
    check_no_decision_record,
    check_contract_arrears,
]


# The rules that judge one voucher (the others judge lists, months or balances).
VOUCHER_RULES = [
    check_split_payment,
    check_cash_over_limit,
    check_related_party_payment,
    check_round_amounts,
    check_backdated_entry,
    check_white_slip,
    check_earmark_misuse,
    check_no_decision_record,
]


def rule_name(check: Callable) -> str:
    return check.__name__.removeprefix("check_")


RULE_BY_NAME = {rule_name(check): check for check in RULES}


def run_rules(scope: Scope, rules: list[str] | None = None) -> list[Alert]:
    alerts = []
    for check in RULES:
        if rules is None or rule_name(check) in rules:
            alerts.extend(check(scope))
    return alerts
