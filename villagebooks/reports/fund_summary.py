"""The fund summary (资金来源汇总): per fund, what was allocated, opening, received, used, balance,
what went into 公积公益金, and what the fund holds on the balance sheet.

What a movement means for its fund is decided by the account's role (``data/fund-flows.json``,
per chart, correctable by a county) and worked out in ``ledger.fund_balances``:
- received (本期收到): money coming into the fund from outside — credits to 专项应付款,
  一事一议资金 or income accounts (补助收入, 经营收入 …) tagged with it;
- used (本期使用): spending when it happens — expenses and assets such as 在建工程 tagged with
  the fund, payments to payees from fund-tagged 应付款 (民生补助 per household), and money
  leaving 专项应付款 otherwise;
- transferred (转入公积公益金): the 专项应付款 → 公积公益金 entry on completion, neither a receipt
  nor a use (a tagged 公积公益金 line is not a second receipt);
- balance (期末余额): a running figure since the books began, not reset by the year close;
- held (账面结存): the fund's balance on 一事一议资金 and 专项应付款; over all funds it equals those
  lines of the balance sheet, and the report warns when it does not.
下达金额 counts a fund's allocation in the period its money first moved (or, before that, in
the month it was recorded). For a ledger there is one row a fund; for a region one row a fund kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.money import format_fen
from villagebooks.ledger.domain.fund_flows import FundPosition
from villagebooks.ledger.fund_balances import NO_FUND, fund_positions
from villagebooks.ledger.models import Account, Fund, FundKind
from villagebooks.reports.scope import ReportScope

COLUMNS = ["fund", "kind", "allocated", "opening", "received", "spent", "balance", "transferred", "held"]
HEADERS = [
    _("资金来源"),
    _("资金类别"),
    _("下达金额"),
    _("期初余额"),
    _("本期收到"),
    _("本期使用"),
    _("期末余额"),
    _("转入公积公益金"),
    _("账面结存"),
]
NOT_RECONCILED = _("警告：资金来源汇总与资产负债表不符：{account} 各资金合计 {funds} 元，科目余额 {book} 元")


@dataclass
class FundSummaryRow:
    name: str
    kind: str
    allocated_fen: int = 0
    opening_fen: int = 0
    received_fen: int = 0
    spent_fen: int = 0
    transferred_fen: int = 0
    held_fen: int = 0

    @property
    def balance_fen(self) -> int:
        return self.opening_fen + self.received_fen - self.spent_fen

    def amounts(self) -> list[int]:
        return [
            self.allocated_fen,
            self.opening_fen,
            self.received_fen,
            self.spent_fen,
            self.balance_fen,
            self.transferred_fen,
            self.held_fen,
        ]

    def add(self, other: FundSummaryRow) -> None:
        self.allocated_fen += other.allocated_fen
        self.opening_fen += other.opening_fen
        self.received_fen += other.received_fen
        self.spent_fen += other.spent_fen
        self.transferred_fen += other.transferred_fen
        self.held_fen += other.held_fen


@dataclass(frozen=True)
class HeldLine:
    """One account that holds earmarked money: the funds' balances on it and its whole balance."""

    account: str
    funds_fen: int
    book_fen: int

    @property
    def reconciles(self) -> bool:
        return self.funds_fen == self.book_fen


@dataclass
class FundSummary:
    scope: ReportScope
    rows: list[FundSummaryRow]
    total: FundSummaryRow
    held_lines: list[HeldLine] = field(default_factory=list)

    @property
    def warning(self) -> str | None:
        for line in self.held_lines:
            if not line.reconciles:
                return str(
                    NOT_RECONCILED.format(
                        account=line.account, funds=format_fen(line.funds_fen), book=format_fen(line.book_fen)
                    )
                )
        return None


def _allocation_key(fund: Fund, position: FundPosition | None) -> int:
    """The month a fund's allocation belongs to: its first movement, else when it was recorded."""
    key = position.first_key if position is not None else None
    if key is not None and key % 100 == 0:  # the set-up's month 0: the ledger's first month
        return max(key + 1, fund.ledger.start_period_key)
    if key is None:
        return fund.created_at.year * 100 + fund.created_at.month
    return key


def build_fund_summary(scope: ReportScope) -> FundSummary:
    before, end = fund_positions(
        ledger_ids=scope.ledger_ids, chart=scope.chart, before_keys=[scope.from_key, scope.to_key + 1]
    )
    funds = {f.pk: f for f in Fund.objects.filter(scope.balance_filter()).select_related("ledger")}
    by_region = scope.single_ledger is None
    rows: dict[str, FundSummaryRow] = {}

    def row_for(fund: Fund) -> FundSummaryRow:
        key = fund.kind if by_region else fund.name
        if key not in rows:
            label = str(FundKind(fund.kind).label)
            rows[key] = FundSummaryRow(name=label if by_region else fund.name, kind=label)
        return rows[key]

    held_by_account: dict[str, int] = {}
    for pk, fund in funds.items():
        row = row_for(fund)
        if scope.from_key <= _allocation_key(fund, end.get(pk)) <= scope.to_key:
            row.allocated_fen += fund.amount_fen
        opening, closing = before.get(pk), end.get(pk)
        if closing is None:
            continue
        opening_balance = opening.balance if opening else 0
        row.opening_fen += opening_balance
        row.received_fen += closing.received - (opening.received if opening else 0)
        row.spent_fen += closing.used - (opening.used if opening else 0)
        row.transferred_fen += closing.transferred - (opening.transferred if opening else 0)
        row.held_fen += closing.held_total
        for account, amount in closing.held.items():
            held_by_account[account] = held_by_account.get(account, 0) + amount
    untagged = end.get(NO_FUND)
    names = dict(
        Account.objects.filter(
            scope.balance_filter(), code__in=list(held_by_account) + list(untagged.held if untagged else [])
        )
        .values_list("code", "name")
        .order_by()
    )
    held_lines = []
    for account in sorted(set(held_by_account) | set(untagged.held if untagged else {})):
        funds_fen = held_by_account.get(account, 0)
        book = funds_fen + (untagged.held.get(account, 0) if untagged else 0)
        held_lines.append(HeldLine(f"{account} {names.get(account, '')}".strip(), funds_fen, book))
    ordered = sorted(rows.values(), key=lambda r: (r.kind, r.name))
    total = FundSummaryRow(name=gettext("合计"), kind="")
    for row in ordered:
        total.add(row)
    return FundSummary(scope=scope, rows=ordered, total=total, held_lines=held_lines)
