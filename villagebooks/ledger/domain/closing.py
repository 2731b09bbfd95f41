"""The year close (年结) as a pure function: from year-end balances to the closing vouchers,
in the order of accounting-rules.md §3.

1. every income account to the credit of 本年收益 (321), every expense account to its debit;
2. 本年收益 in full to 收益分配—未分配收益 (a loss to the debit side);
3. the appropriations the village decided: debit 收益分配—各项分配 (its sub-account for the kind,
   e.g. 3220201 提取公积公益金, where the ledger has one: chart-rules.json's appropriation_kinds), credit
   the target account;
4. 收益分配—各项分配 (and each of its sub-accounts) to 收益分配—未分配收益.
Step 5, carrying balance sheet balances into next year, is bookkeeping of balances, not a voucher.
Each account is closed per fund and counterparty so that its dimension balances end at zero too.
"""

from __future__ import annotations

from dataclasses import dataclass

from villagebooks.ledger.domain.chart import ChartRules
from villagebooks.ledger.domain.vouchers import LineInput

CLOSE_INCOME = "结转本年收益"
CLOSE_PROFIT = "结转本年收益至未分配收益"
APPROPRIATE = "{year}年度收益分配：{kind}"
CLOSE_APPROPRIATIONS = "结转各项分配至未分配收益"

INCOME_CATEGORIES = {"income"}
EXPENSE_CATEGORIES = {"expense"}


@dataclass(frozen=True)
class YearEndBalance:
    """The net debit balance (debit − credit, fen) of one leaf account and dimension pair."""

    account_code: str
    category: str
    net_debit_fen: int
    fund_name: str = ""
    counterparty_name: str = ""


@dataclass(frozen=True)
class ClosingVoucher:
    summary: str
    lines: tuple[LineInput, ...]
    is_system_closing: bool  # True for steps 1, 2, 4; appropriations are the village's decisions


def _closing_line(summary: str, balance: YearEndBalance) -> LineInput:
    net = balance.net_debit_fen
    return LineInput(
        summary=summary,
        account_code=balance.account_code,
        debit_fen=-net if net < 0 else 0,
        credit_fen=net if net > 0 else 0,
        fund_name=balance.fund_name,
        counterparty_name=balance.counterparty_name,
    )


def _move(summary: str, net_debit_fen: int, *, from_code: str, to_code: str) -> tuple[LineInput, ...]:
    """Two lines that bring ``from_code``'s net debit balance to zero against ``to_code``."""
    amount = abs(net_debit_fen)
    if net_debit_fen > 0:
        return (
            LineInput(summary=summary, account_code=to_code, debit_fen=amount),
            LineInput(summary=summary, account_code=from_code, credit_fen=amount),
        )
    return (
        LineInput(summary=summary, account_code=from_code, debit_fen=amount),
        LineInput(summary=summary, account_code=to_code, credit_fen=amount),
    )


def build_year_close(
    *,
    year: int,
    rules: ChartRules,
    balances: list[YearEndBalance],
    profit_net_debit_fen: int,
    appropriation_net_debit_fen: int,
    appropriations: dict[str, int],
    members_counterparty: str,
    member_split: list[tuple[str, int]] | None = None,
    appropriation_accounts: dict[str, str] | None = None,
    appropriation_sub_balances: dict[str, int] | None = None,
) -> list[ClosingVoucher]:
    """The closing vouchers of ``year``; an empty step produces no voucher.

    Args:
        balances: income and expense leaf balances at year end (other categories are ignored).
        profit_net_debit_fen: the balance of 本年收益 before closing.
        appropriation_net_debit_fen: the balance of 收益分配—各项分配 before closing.
        appropriations: kind (a key of ``rules.appropriations``) → amount in fen.
        members_counterparty: the counterparty that stands for all members on 应付款.
        member_split: 向成员分配 divided per household [(counterparty, fen)] (summing to its
            amount), booked one credit line each instead of one to ``members_counterparty``.
        appropriation_accounts: kind → the sub-account of 各项分配 its debit goes to (a kind not
            named, or no mapping at all, is debited to 各项分配 itself, as closings before the
            sub-accounts were).
        appropriation_sub_balances: the net debit balances of 各项分配's sub-accounts before closing.
    """
    appropriation_accounts = appropriation_accounts or {}
    vouchers: list[ClosingVoucher] = []
    profit = profit_net_debit_fen

    closing_lines: list[LineInput] = []
    for group in (INCOME_CATEGORIES, EXPENSE_CATEGORIES):
        group_lines = [
            _closing_line(CLOSE_INCOME, b) for b in balances if b.category in group and b.net_debit_fen != 0
        ]
        group_net = sum(b.net_debit_fen for b in balances if b.category in group)
        closing_lines.extend(group_lines)
        if group_net:
            closing_lines.append(
                LineInput(
                    summary=CLOSE_INCOME,
                    account_code=rules.profit_account,
                    debit_fen=group_net if group_net > 0 else 0,
                    credit_fen=-group_net if group_net < 0 else 0,
                )
            )
            profit += group_net
    if closing_lines:
        vouchers.append(ClosingVoucher(CLOSE_INCOME, tuple(closing_lines), True))

    if profit:
        lines = _move(CLOSE_PROFIT, profit, from_code=rules.profit_account, to_code=rules.undistributed_code)
        vouchers.append(ClosingVoucher(CLOSE_PROFIT, lines, True))

    appropriated = {rules.appropriation_code: appropriation_net_debit_fen}
    for code, net in (appropriation_sub_balances or {}).items():
        appropriated[code] = appropriated.get(code, 0) + net
    for kind, amount in appropriations.items():
        if amount <= 0:
            continue
        summary = APPROPRIATE.format(year=year, kind=kind)
        target = rules.appropriations[kind]
        debit_code = appropriation_accounts.get(kind, rules.appropriation_code)
        if kind == "向成员分配" and member_split:
            credits = tuple(
                LineInput(summary=summary, account_code=target, credit_fen=fen, counterparty_name=name)
                for name, fen in member_split
            )
        else:
            credits = (
                LineInput(
                    summary=summary,
                    account_code=target,
                    credit_fen=amount,
                    counterparty_name=members_counterparty if kind == "向成员分配" else "",
                ),
            )
        vouchers.append(
            ClosingVoucher(
                summary,
                (
                    LineInput(summary=summary, account_code=debit_code, debit_fen=amount),
                    *credits,
                ),
                False,
            )
        )
        appropriated[debit_code] = appropriated.get(debit_code, 0) + amount

    to_close = {code: net for code, net in sorted(appropriated.items()) if net}
    if len(to_close) == 1:
        [(code, net)] = to_close.items()
        lines = _move(CLOSE_APPROPRIATIONS, net, from_code=code, to_code=rules.undistributed_code)
        vouchers.append(ClosingVoucher(CLOSE_APPROPRIATIONS, lines, True))
    elif to_close:
        total = sum(to_close.values())
        lines = (
            *(
                LineInput(
                    summary=CLOSE_APPROPRIATIONS,
                    account_code=code,
                    debit_fen=-net if net < 0 else 0,
                    credit_fen=net if net > 0 else 0,
                )
                for code, net in to_close.items()
            ),
            *(
                (
                    LineInput(
                        summary=CLOSE_APPROPRIATIONS,
                        account_code=rules.undistributed_code,
                        debit_fen=total if total > 0 else 0,
                        credit_fen=-total if total < 0 else 0,
                    ),
                )
                if total
                else ()
            ),
        )
        vouchers.append(ClosingVoucher(CLOSE_APPROPRIATIONS, lines, True))
    return vouchers
