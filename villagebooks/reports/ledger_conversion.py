"""Converting a 2004 ledger to a new 2023 ledger at a year boundary (新旧衔接).

After the old ledger's year close of ``year``, its closing balances (asset, liability, equity and
cost accounts, per sub-account, fund and counterparty) become the opening balances of a new ledger
on the 2023 chart starting in January of ``year + 1``, through the official correspondence of
accounts (``chart_map``: data with its source, UNSURE pairs marked, an installation's own copy
wins). Nothing is estimated and nothing is split by amount: a balance moves whole.

What a person must decide is shown before anything is written, and the conversion is refused
until every item has a decision (``DecisionItem``):
- *split*: the map gives an old account several possible 2023 accounts (``choices``: 131 牲畜(禽)
  资产 may be 消耗性 or 生产性生物资产); one decision per sub-account that holds a balance, so a
  village with 13101 耕牛 and 13102 生猪 sends each where it belongs;
- *merge*: balances of two or more old accounts land in one 2023 account (202 应付款 and 212
  应付福利费 into 211 应付款); each old account that joins another is confirmed, and its
  sub-accounts are kept apart under a sub-account named after it;
- *dimension*: the 2023 account asks for a fund or counterparty (211, 241, 503) that the old
  balance does not have; the decision names one.

Sub-accounts keep their own digits under the new parent (20201 → 21101); funds and counterparties
are carried by name. ``conversion_report`` compares the old balance sheet at the year end with
the new one's opening line by line: each 2023 line from the old balances carried through the plan
against the same line of the new ledger, and the totals of both forms.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError, FieldProblem, NotPermitted
from villagebooks.common.money import format_fen
from villagebooks.ledger.access import Action
from villagebooks.ledger.conversion import SubAccount, ledger_open_carried
from villagebooks.ledger.domain.chart import chart_templates
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Category,
    Chart,
    Counterparty,
    Fund,
    Ledger,
    Voucher,
)
from villagebooks.ledger.selectors import balance_window, ledger_get
from villagebooks.ledger.services import OpeningInput
from villagebooks.reports.chart_map import chart_map
from villagebooks.reports.scope import scope_for_ledger
from villagebooks.reports.statements import Statement, balance_sheet_of_balances, build_balance_sheet

UNKNOWN_LEDGER = _("账套 {code} 不存在或无权访问")
NOT_2004 = _("账套 {code} 使用的不是2004年《村集体经济组织会计制度》，无需转换")
YEAR_NOT_CLOSED = _("账套 {code} 的 {year} 年度尚未年结：请先完成 {year} 年的年结再转换")
YEAR_BEFORE_START = _("账套 {code} 从 {start} 年启用，没有 {year} 年的期末余额")
BOOKS_GO_ON = _("账套 {code} 在 {year} 年之后还有凭证（{count} 张）：只能在旧账最后一个年度结束时转换")
ALREADY_CONVERTED = _("账套 {code} 已转换为新账套 {new}，不能再次转换")
NEW_CODE_TAKEN = _("新账套编号 {code} 已被使用")
NEW_CODE_REQUIRED = _("请填写新账套编号")
UNDECIDED = _("{code} {name}：需要决定转入哪个2023年科目（可选 {options}）")
WRONG_CHOICE = _("{code} {name}：不能转入 {to}，只能转入 {options}")
DIMENSION_MISSING = _("{code} {name} 转入 {to} 后必须指定{what}，请在决定中填写")
UNKNOWN_DECISION = _("决定中的科目 {code} 不是需要决定的事项")
UNMAPPED = _("科目 {codes} 不在新旧科目对照表 {path} 中：请先在对照表中补上")
DECISIONS_BROKEN = _("决定文件有误：{reason}")
FUND_WORD, COUNTERPARTY_WORD = _("资金来源"), _("往来单位")

SPLIT, MERGE, DIMENSION = "split", "merge", "dimension"
KIND_LABELS = {
    SPLIT: _("一个旧科目可转入多个新科目"),
    MERGE: _("多个旧科目并入同一新科目"),
    DIMENSION: _("新科目要求辅助核算"),
}


@dataclass(frozen=True)
class Decision:
    to: str
    counterparty: str = ""
    fund: str = ""


@dataclass(frozen=True)
class DecisionItem:
    kind: str  # SPLIT, MERGE or DIMENSION
    old_code: str  # the old account (a leaf for split and dimension items, level 1 for merges)
    old_name: str
    options: tuple[str, ...]  # 2023 level-1 codes, the suggestion first
    balance_fen: int  # net debit of what moves
    reason: str
    decision: Decision | None
    needs: tuple[str, ...] = ()  # "fund" / "counterparty" the decision must name

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


@dataclass(frozen=True)
class CarriedBalance:
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    fund_name: str
    counterparty_name: str
    net_debit_fen: int

    @property
    def debit_fen(self) -> int:
        return max(self.net_debit_fen, 0)

    @property
    def credit_fen(self) -> int:
        return max(-self.net_debit_fen, 0)


@dataclass
class ConversionPlan:
    old: Ledger
    year: int
    new_code: str
    new_name: str
    map_source: str
    items: list[DecisionItem]
    sub_accounts: list[SubAccount]
    balances: list[CarriedBalance]
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def undecided(self) -> list[DecisionItem]:
        return [item for item in self.items if item.decision is None]

    @property
    def total_debit_fen(self) -> int:
        return sum(b.debit_fen for b in self.balances)

    @property
    def total_credit_fen(self) -> int:
        return sum(b.credit_fen for b in self.balances)


# ---------------------------------------------------------------------------------------------
# Decisions


def decisions_parse(text: str) -> dict[str, Decision]:
    """Decisions as JSON: ``{"13101": "132", "212": {"to": "211", "counterparty": "职工"}}``."""
    try:
        data = json.loads(text or "{}")
        if not isinstance(data, dict):
            raise ValueError("{code: decision}")
        return {str(code).strip(): _decision(value) for code, value in data.items()}
    except (ValueError, TypeError, AttributeError) as error:
        raise DomainError(DECISIONS_BROKEN.format(reason=error), field="decisions") from error


def _decision(value) -> Decision:
    if isinstance(value, str):
        return Decision(to=value.strip())
    return Decision(
        to=str(value["to"]).strip() if "to" in value else "",
        counterparty=str(value.get("counterparty", "")).strip(),
        fund=str(value.get("fund", "")).strip(),
    )


def decisions_dump(decisions: dict[str, Decision]) -> str:
    out = {}
    for code, decision in sorted(decisions.items()):
        extra = {k: v for k, v in (("counterparty", decision.counterparty), ("fund", decision.fund)) if v}
        out[code] = {"to": decision.to, **extra} if extra else decision.to
    return json.dumps(out, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------------
# The plan


def _old_ledger(user, code: str) -> Ledger:
    ledger = ledger_get(user=user, code=code, action=Action.SETUP)
    if ledger is None:
        raise NotPermitted(UNKNOWN_LEDGER.format(code=code), field="ledger")
    return ledger


def _check_convertible(old: Ledger, year: int, *, made_to: str = "") -> None:
    if old.chart != Chart.CHART_2004:
        raise DomainError(NOT_2004.format(code=old.code), field="ledger")
    if year < old.start_year:
        raise DomainError(
            YEAR_BEFORE_START.format(code=old.code, start=old.start_year, year=year), field="year"
        )
    if old.carried_year <= year:
        raise DomainError(YEAR_NOT_CLOSED.format(code=old.code, year=year), field="year")
    # Once converted, the old books are closed for good: a second new ledger would count the
    # village's money twice in every region's figures. ``Ledger.continues`` is what the region
    # figures read (``in_force``), so it decides; the audit rows only say who linked them.
    successor = Ledger.objects.filter(continues=old).values_list("code", flat=True).first()
    if successor is not None and successor != made_to:
        raise DomainError(ALREADY_CONVERTED.format(code=old.code, new=successor), field="ledger")
    later = Voucher.objects.filter(ledger=old, date__gt=date(year, 12, 31)).count()
    if later:
        raise DomainError(BOOKS_GO_ON.format(code=old.code, year=year, count=later), field="year")


def _closing_balances(old: Ledger, year: int) -> list[dict]:
    """The old ledger's balances at the end of ``year`` (its carried month 0 of ``year + 1``),
    per leaf account, fund and counterparty, non-zero only: one grouped query."""
    window = balance_window(carried_year=old.carried_year, year=year + 1, before_key=(year + 1) * 100 + 1)
    rows = (
        AccountBalance.objects.filter(ledger=old)
        .filter(window)
        .filter(account__category__in=[Category.ASSET, Category.LIABILITY, Category.EQUITY, Category.COST])
        .values("account__code", "fund_key", "counterparty_key")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        .order_by("account__code", "fund_key", "counterparty_key")
    )
    return [row for row in rows if row["debit"] != row["credit"]]


def conversion_plan(
    *,
    user,
    ledger_code: str,
    year: int,
    new_code: str,
    new_name: str = "",
    decisions: dict[str, Decision],
    made: bool = False,
) -> ConversionPlan:
    """What converting ``ledger_code`` after ``year`` would write, with the items to decide and the
    problems that stop it (``plan.problems``); nothing is written. With ``made``, the plan of the
    conversion to ``new_code`` already made with these decisions (for its report, afterwards)."""
    old = _old_ledger(user, ledger_code)
    new_code = new_code.strip()
    _check_convertible(old, year, made_to=new_code if made else "")
    problems: list[FieldProblem] = []
    if not new_code:
        problems.append(FieldProblem("to", str(NEW_CODE_REQUIRED)))
    elif not made and Ledger.objects.filter(code=new_code).exists():
        problems.append(FieldProblem("to", NEW_CODE_TAKEN.format(code=new_code)))
    mapping = chart_map()
    accounts = {a.code: a for a in Account.objects.filter(ledger=old).select_related("parent")}
    templates = {t.code: t for t in chart_templates(Chart.CHART_2023)}
    funds = dict(Fund.objects.filter(ledger=old).values_list("id", "name"))
    parties = dict(Counterparty.objects.filter(ledger=old).values_list("id", "name"))
    unmapped = sorted({code[:3] for code in accounts} - set(mapping.pairs))
    if unmapped:
        raise DomainError(UNMAPPED.format(codes="、".join(unmapped), path=mapping.path.name), field="ledger")
    rows = _closing_balances(old, year)
    by_leaf: dict[str, int] = defaultdict(int)
    for row in rows:
        by_leaf[row["account__code"]] += row["debit"] - row["credit"]

    def options(code: str) -> tuple[str, ...]:
        return mapping.pairs[code[:3]].options

    # 1. Where each leaf goes: a split leaf with a balance by its decision, others by the map.
    items: list[DecisionItem] = []
    used: set[str] = set()
    target: dict[str, str] = {}
    for code, account in accounts.items():
        if not account.is_leaf:
            continue
        choices = options(code)
        target[code] = choices[0]
        if len(choices) > 1 and by_leaf.get(code):
            decision = _decided(decisions, code, account, choices, problems, used)
            if decision is not None:
                target[code] = decision.to
            pair = mapping.pairs[code[:3]]
            items.append(
                DecisionItem(SPLIT, code, _path_name(account), choices, by_leaf[code], pair.unsure, decision)
            )

    # 2. Merges: old level-1 accounts whose balances meet in one 2023 account.
    # The income and expense accounts, closed at the year end, move nothing and make no
    # sub-account: they would otherwise split a 2023 account that the new books post to (503
    # 补助收入 fed by 521 and 522 would become two sub-accounts of the old names).
    nominal = {Category.INCOME, Category.EXPENSE}
    target = {
        code: new
        for code, new in target.items()
        if by_leaf.get(code) or accounts[code].category not in nominal
    }
    feeding: dict[str, set[str]] = defaultdict(set)
    for code, new in target.items():
        feeding[new].add(code[:3])
    with_balance: dict[str, set[str]] = defaultdict(set)
    for code, amount in by_leaf.items():
        if amount:
            with_balance[target[code]].add(code[:3])
    primary = {new: _primary(new, olds, mapping) for new, olds in feeding.items()}
    split_leaves = {item.old_code for item in items}
    for new, olds in sorted(with_balance.items()):
        if len(olds) < 2:
            continue
        for old_code in sorted(olds - {primary[new]}):
            leaves = [c for c in target if c[:3] == old_code and target[c] == new]
            if all(c in split_leaves for c in leaves):
                continue  # the split decision already sent it here
            account = accounts[old_code]
            decision = _decided(decisions, old_code, account, (new,), problems, used)
            items.append(
                DecisionItem(
                    MERGE,
                    old_code,
                    account.name,
                    (new,),
                    sum(by_leaf.get(c, 0) for c in leaves),
                    gettext("与 {other} 一并转入 {new} {name}").format(
                        other=primary[new], new=new, name=templates[new].name
                    ),
                    decision,
                )
            )

    # 3. New codes: the primary keeps its sub-accounts' digits, each other old account gets a
    #    sub-account of its own under the 2023 account (so codes never collide).
    new_codes, sub_accounts = _new_codes(accounts, target, feeding, primary, templates, by_leaf)

    # 4. The balances, with the funds and counterparties a 2023 account requires.
    balances = []
    for row in rows:
        code = row["account__code"]
        new = new_codes[code]
        fund_name = funds.get(row["fund_key"], "")
        party = parties.get(row["counterparty_key"], "")
        template = templates[new[:3]]
        needs = tuple(
            what
            for what, required, given in (
                ("fund", template.requires_fund, fund_name),
                ("counterparty", template.requires_counterparty, party),
            )
            if required and not given
        )
        if needs:
            decision = decisions.get(code)
            if decision is not None:
                used.add(code)
                fund_name = fund_name or decision.fund
                party = party or decision.counterparty
            missing = [w for w in needs if not (fund_name if w == "fund" else party)]
            if not any(i.kind == DIMENSION and i.old_code == code for i in items):
                items.append(
                    DecisionItem(
                        DIMENSION,
                        code,
                        _path_name(accounts[code]),
                        (new[:3],),
                        by_leaf[code],
                        "",
                        None if missing else (decision or Decision(to=new[:3])),
                        needs,
                    )
                )
            for what in missing:
                words = FUND_WORD if what == "fund" else COUNTERPARTY_WORD
                problems.append(
                    FieldProblem(
                        "decisions",
                        DIMENSION_MISSING.format(code=code, name=accounts[code].name, to=new, what=words),
                    )
                )
        balances.append(
            CarriedBalance(
                old_code=code,
                old_name=_path_name(accounts[code]),
                new_code=new,
                new_name=sub_names(new, sub_accounts, templates),
                fund_name=fund_name,
                counterparty_name=party,
                net_debit_fen=row["debit"] - row["credit"],
            )
        )
    for code in sorted(set(decisions) - used):
        problems.append(FieldProblem("decisions", UNKNOWN_DECISION.format(code=code)))
    for item in items:
        if item.decision is None and item.kind != DIMENSION:
            problems.append(
                FieldProblem(
                    "decisions",
                    UNDECIDED.format(code=item.old_code, name=item.old_name, options="、".join(item.options)),
                )
            )
    return ConversionPlan(
        old=old,
        year=year,
        new_code=new_code,
        new_name=new_name.strip() or old.name,
        map_source=mapping.source,
        items=items,
        sub_accounts=sub_accounts,
        balances=balances,
        problems=problems,
    )


def _path_name(account: Account) -> str:
    return f"{account.parent.name}—{account.name}" if account.parent_id else account.name


def sub_names(code: str, sub_accounts: list[SubAccount], templates) -> str:
    for sub in sub_accounts:
        if sub.code == code:
            return sub.name
    return templates[code].name if code in templates else ""


def _decided(decisions, code, account, choices, problems, used) -> Decision | None:
    decision = decisions.get(code)
    if decision is None:
        return None
    used.add(code)
    if decision.to not in choices:
        problems.append(
            FieldProblem(
                "decisions",
                WRONG_CHOICE.format(code=code, name=account.name, to=decision.to, options="、".join(choices)),
            )
        )
        return None
    return decision


def _primary(new: str, olds: set[str], mapping) -> str:
    """The old account that a 2023 account continues: one the map sends there (a confirmed pair
    first) rather than one a decision sent there, then the lowest code."""
    natural = sorted(olds, key=lambda o: (mapping.pairs[o].new != new, bool(mapping.pairs[o].unsure), o))
    return natural[0]


def _new_codes(
    accounts, target, feeding, primary, templates, by_leaf
) -> tuple[dict[str, str], list[SubAccount]]:
    """The 2023 code of every old account that moves, and the sub-accounts to create (parents
    first). Codes the 2023 ledger is created with (32201, 32202) are not created again. The
    continued account's own balance, when others join it, moves to a sub-account named after it."""
    standard_subs = {"32201", "32202"}
    taken = set(templates) | standard_subs
    for code, new in target.items():
        if code[:3] == primary[new]:
            taken |= {new + a[3:] for a in _ancestry(accounts, code)}
    holders: dict[tuple[str, str], str] = {}  # (old level 1, 2023 level 1) → holder sub-account
    created: dict[str, SubAccount] = {}
    new_codes: dict[str, str] = {}
    for code in sorted(target):
        new = target[code]
        old_top = code[:3]
        merged = len(feeding[new]) > 1
        if old_top == primary[new] and not (merged and code == old_top and by_leaf.get(code)):
            base = new
        else:
            key = (old_top, new)
            if key not in holders:
                number = next(n for n in range(1, 100) if f"{new}{n:02d}" not in taken)
                holders[key] = f"{new}{number:02d}"
                taken.add(holders[key])
                created[holders[key]] = SubAccount(holders[key], accounts[old_top].name, new)
            base = holders[key]
        for ancestor in _ancestry(accounts, code):
            if ancestor == old_top:
                continue
            mapped = base + ancestor[3:]
            parent = accounts[ancestor].parent.code
            parent_mapped = base if parent == old_top else base + parent[3:]
            if mapped not in standard_subs and mapped not in created:
                created[mapped] = SubAccount(mapped, accounts[ancestor].name, parent_mapped)
        new_codes[code] = base + code[3:] if code != old_top else base
    order = sorted(created.values(), key=lambda s: (len(s.code), s.code))
    return new_codes, order


def _ancestry(accounts, code: str) -> list[str]:
    """``code`` and its parents up to level 1, the top first."""
    chain = []
    account = accounts[code]
    while account is not None:
        chain.append(account.code)
        account = account.parent
    return list(reversed(chain))


# ---------------------------------------------------------------------------------------------
# Converting


def ledger_convert(
    *, actor, ledger_code: str, year: int, new_code: str, new_name: str = "", decisions: dict[str, Decision]
) -> Ledger:
    """Make the new 2023 ledger from the plan, or refuse with every problem and write nothing."""
    with transaction.atomic():
        plan = conversion_plan(
            user=actor,
            ledger_code=ledger_code,
            year=year,
            new_code=new_code,
            new_name=new_name,
            decisions=decisions,
        )
        if plan.problems:
            raise DomainError(problems=plan.problems)
        return ledger_open_carried(
            actor=actor,
            source=plan.old,
            code=plan.new_code,
            name=plan.new_name,
            chart=Chart.CHART_2023,
            start_year=year + 1,
            sub_accounts=plan.sub_accounts,
            openings=[
                OpeningInput(
                    account_code=b.new_code,
                    debit_fen=b.debit_fen,
                    credit_fen=b.credit_fen,
                    fund_name=b.fund_name,
                    counterparty_name=b.counterparty_name,
                )
                for b in plan.balances
            ],
            carried_from_year=year,
        )


# ---------------------------------------------------------------------------------------------
# Old against new


@dataclass(frozen=True)
class ReportLine:
    line_no: int | None
    label: str
    bold: bool
    indent: int
    carried_fen: int | None  # the old balances carried through the plan, on this 2023 line
    new_fen: int | None  # the new ledger's opening on this line (None before the conversion)

    @property
    def agrees(self) -> bool:
        return self.new_fen is None or self.carried_fen == self.new_fen


@dataclass(frozen=True)
class ConversionReport:
    old_sheet: Statement  # the 2004 balance sheet at the end of the year (期末 column)
    lines: list[ReportLine]  # the 2023 balance sheet, line by line
    totals: list[tuple[str, int, int, int | None]]  # (label, old form, carried, new form)

    @property
    def agrees(self) -> bool:
        return all(line.agrees for line in self.lines) and all(
            old == carried and (new is None or new == carried) for _l, old, carried, new in self.totals
        )


def conversion_report(*, user, plan: ConversionPlan, new: Ledger | None = None) -> ConversionReport:
    """The old balance sheet at the end of the year beside the 2023 one the plan gives (and, once
    converted, the new ledger's opening balance sheet): every 2023 line, and both forms' totals."""
    year_end = plan.year * 100 + 12
    old_sheet = build_balance_sheet(
        scope_for_ledger(user=user, ledger_code=plan.old.code, from_key=year_end, to_key=year_end)
    )
    start = (plan.year + 1) * 100 + 1
    new_sheet = (
        build_balance_sheet(scope_for_ledger(user=user, ledger_code=new.code, from_key=start, to_key=start))
        if new is not None
        else None
    )
    parties = {b.counterparty_name for b in plan.balances}
    party_keys = {name: number for number, name in enumerate(sorted(parties), start=1)}
    carried = balance_sheet_of_balances(
        chart=Chart.CHART_2023,
        region=plan.old.village,
        balances=[(b.new_code, party_keys[b.counterparty_name], b.net_debit_fen) for b in plan.balances],
    )
    new_values = {row.line_no: row.amounts[0] for row in new_sheet.rows if row.amounts} if new_sheet else {}
    lines = [
        ReportLine(
            line_no=row.line_no,
            label=row.label,
            bold=row.bold,
            indent=row.indent,
            carried_fen=row.amounts[1] if row.amounts else None,
            new_fen=new_values.get(row.line_no) if new_sheet and row.amounts else None,
        )
        for row in carried.rows
    ]
    totals = []
    if old_sheet.check and carried.check:
        for side in (0, 1):
            old_row = old_sheet.line(old_sheet.check[side])
            carried_row = carried.line(carried.check[side])
            new_total = (
                new_sheet.line(new_sheet.check[side]).amounts[0] if new_sheet and new_sheet.check else None
            )
            totals.append((carried_row.label, old_row.amounts[1], carried_row.amounts[1], new_total))
    return ConversionReport(old_sheet=old_sheet, lines=lines, totals=totals)


def plan_summary(plan: ConversionPlan) -> str:
    """One line for the command's output."""
    return gettext("{old} → {new}：{count} 个余额，借方 {debit}，贷方 {credit}，待决定 {items} 项").format(
        old=plan.old.code,
        new=plan.new_code,
        count=len(plan.balances),
        debit=format_fen(plan.total_debit_fen),
        credit=format_fen(plan.total_credit_fen),
        items=len(plan.undecided),
    )
