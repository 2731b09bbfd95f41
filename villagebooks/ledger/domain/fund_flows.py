"""What the movements on a fund's tagged lines mean for the fund: received, used, transferred
into 公积公益金, and what is left. Pure: plain values in, plain values out.

The roles of the accounts come from ``data/fund-flows.json`` (per chart, by code prefix), so a
county corrects them without a release. The figures are worked out from the fund's *cumulative*
movements since the books began (never from a year's carried balances, and never from the
year-end closing entries), so a fund's balance is a running figure: the year close, which
empties 补助收入 into 本年收益, does not touch it.

For one fund, with cumulative totals of its tagged lines:

- received = credits to liability sources (专项应付款, 一事一议资金) + net credits to income sources;
- used = net debits to uses (expenses and assets such as 在建工程, when they happen)
  + payments of fund-tagged payables (应付款 paid out to households)
  − what is still owed on fund-tagged payables
  + debits to liability sources (money leaving 专项应付款) that are not transfers
  + the part of the transfers to 公积公益金 not already counted as an asset use;
- transferred = the debits to liability sources in vouchers that credit 公积公益金 (the usual
  专项应付款 → 公积公益金 on completion): neither a receipt nor a use;
- balance = received − used; held = the fund's balance on the balance-sheet accounts that hold
  earmarked money (``held_on``), which adds up to the balance sheet's lines.

Counting the transfer only beyond the asset uses means that spending into 在建工程 tagged with the
fund counts when it happens and its transfer counts nothing more, while a village that tags only
the 专项应付款 line sees the use at the transfer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from villagebooks.ledger.domain.chart import DATA_DIR


class Role(StrEnum):
    SOURCE = "sources"
    USE = "uses"
    PAYABLE = "payables"
    RESERVE = "reserves"
    OTHER = "other"


@dataclass(frozen=True)
class FundFlowRules:
    """The account roles of one chart (code prefixes)."""

    sources: tuple[str, ...]
    held_on: tuple[str, ...]
    uses: tuple[str, ...]
    payables: tuple[str, ...]
    reserves: tuple[str, ...]
    cash: tuple[str, ...]

    def role(self, code: str) -> Role:
        """The role of account ``code`` (a sub-account takes its parent's): the longest prefix."""
        best, role = -1, Role.OTHER
        for candidate, prefixes in (
            (Role.SOURCE, self.sources),
            (Role.USE, self.uses),
            (Role.PAYABLE, self.payables),
            (Role.RESERVE, self.reserves),
        ):
            for prefix in prefixes:
                if code.startswith(prefix) and len(prefix) > best:
                    best, role = len(prefix), candidate
        return role

    def held_account(self, code: str) -> str | None:
        """The ``held_on`` account ``code`` belongs to (its prefix), or None."""
        return next((prefix for prefix in self.held_on if code.startswith(prefix)), None)

    def is_cash(self, code: str) -> bool:
        return any(code.startswith(prefix) for prefix in self.cash)


@cache
def fund_flow_rules(chart: str) -> FundFlowRules:
    data = json.loads((DATA_DIR / "fund-flows.json").read_text(encoding="utf-8"))[chart]
    return FundFlowRules(
        sources=tuple(data["sources"]),
        held_on=tuple(data["held_on"]),
        uses=tuple(data["uses"]),
        payables=tuple(data["payables"]),
        reserves=tuple(data["reserves"]),
        cash=tuple(data["cash"]),
    )


@dataclass
class FundPosition:
    """A fund's cumulative tagged movements up to a date, sorted by what they mean."""

    source_credit: int = 0  # liability sources (专项应付款 …): credits
    source_debit: int = 0  # liability sources: debits (money leaving them)
    income_net_credit: int = 0  # income sources: credits − debits
    asset_use: int = 0  # uses on asset accounts (在建工程, 固定资产 …): debits − credits
    expense_use: int = 0  # uses on expense (and cost) accounts: debits − credits
    payable_credit: int = 0  # owed to payees from the fund
    payable_debit: int = 0  # paid to payees from the fund
    transferred: int = 0  # liability-source debits in vouchers crediting a reserve account
    held: dict[str, int] = field(default_factory=dict)  # held_on account → credit − debit
    first_key: int | None = None  # the period key of its first movement (month 0: the set-up)

    def add(
        self,
        *,
        role: Role,
        category: str,
        debit: int,
        credit: int,
        held_account: str | None,
        first_key: int | None = None,
    ) -> None:
        if first_key is not None and (self.first_key is None or first_key < self.first_key):
            self.first_key = first_key
        if role == Role.SOURCE:
            if category == "income":
                self.income_net_credit += credit - debit
            else:
                self.source_credit += credit
                self.source_debit += debit
        elif role == Role.USE:
            if category == "asset":
                self.asset_use += debit - credit
            else:
                self.expense_use += debit - credit
        elif role == Role.PAYABLE:
            self.payable_credit += credit
            self.payable_debit += debit
        if held_account is not None:
            self.held[held_account] = self.held.get(held_account, 0) + credit - debit

    @property
    def received(self) -> int:
        return self.source_credit + self.income_net_credit

    @property
    def used(self) -> int:
        released = self.source_debit - self.transferred
        transfer_beyond_assets = max(0, self.transferred - max(self.asset_use, 0))
        return (
            self.expense_use
            + self.asset_use
            + self.payable_debit
            - self.payable_credit
            + released
            + transfer_beyond_assets
        )

    @property
    def balance(self) -> int:
        return self.received - self.used

    @property
    def held_total(self) -> int:
        return sum(self.held.values())


def transfer_amount(fund_debit: int, reserve_credit: int) -> int:
    """How much of a fund's liability-source debit in one voucher is a transfer to the reserve
    account, given what the voucher credits to it (both may be negative in a red reversal)."""
    if fund_debit >= 0 and reserve_credit >= 0:
        return min(fund_debit, reserve_credit)
    if fund_debit <= 0 and reserve_credit <= 0:
        return max(fund_debit, reserve_credit)
    return 0
