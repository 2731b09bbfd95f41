"""The roles of accounts for a fund (data/fund-flows.json) and the arithmetic of a fund's position."""

from __future__ import annotations

import pytest

from villagebooks.ledger.domain.fund_flows import FundPosition, Role, fund_flow_rules, transfer_amount


@pytest.mark.parametrize(
    "chart,code,role",
    [
        ("2023", "241", Role.SOURCE),
        ("2023", "24101", Role.SOURCE),
        ("2023", "503", Role.SOURCE),
        ("2023", "15301", Role.USE),
        ("2023", "514", Role.USE),
        ("2023", "211", Role.PAYABLE),
        ("2023", "311", Role.RESERVE),
        ("2023", "10201", Role.OTHER),
        ("2023", "32201", Role.OTHER),
        ("2004", "154", Role.USE),  # 在建工程 in 2004
        ("2004", "153", Role.OTHER),  # 固定资产清理 in 2004
        ("2004", "522", Role.SOURCE),
        ("2004", "202", Role.PAYABLE),
    ],
)
def test_roles_by_code_prefix(chart, code, role):
    assert fund_flow_rules(chart).role(code) == role


def test_held_and_cash_accounts():
    rules = fund_flow_rules("2023")
    assert rules.held_account("24102") == "241" and rules.held_account("503") is None
    assert rules.is_cash("10201") and not rules.is_cash("112")


def _position(**lines) -> FundPosition:
    position = FundPosition()
    rules = fund_flow_rules("2023")
    categories = {"241": "liability", "211": "liability", "153": "asset", "514": "expense", "503": "income"}
    for code, (debit, credit) in lines.items():
        code = code.removeprefix("a")
        position.add(
            role=rules.role(code),
            category=categories[code],
            debit=debit,
            credit=credit,
            held_account=rules.held_account(code),
        )
    return position


def test_spending_into_an_asset_then_its_transfer_counts_once():
    position = _position(a241=(280, 300), a153=(280, 0))
    position.transferred = 280
    assert (position.received, position.used, position.balance, position.held_total) == (300, 280, 20, 20)


def test_a_transfer_without_tagged_asset_spending_is_the_use():
    position = _position(a241=(280, 300))
    position.transferred = 280
    assert (position.used, position.balance) == (280, 20)


def test_money_owed_to_households_is_the_funds_until_paid():
    owed = _position(a241=(100, 100), a211=(0, 100))
    assert (owed.used, owed.balance, owed.held_total) == (0, 100, 0)
    paid = _position(a241=(100, 100), a211=(60, 100))
    assert (paid.used, paid.balance) == (60, 40)


def test_income_funds_spend_through_expenses():
    position = _position(a503=(0, 400), a514=(30, 0))
    assert (position.received, position.used, position.balance, position.held_total) == (400, 30, 370, 0)


@pytest.mark.parametrize(
    "debit,reserve,expected", [(100, 80, 80), (50, 80, 50), (-100, -100, -100), (-30, -50, -30), (100, -5, 0)]
)
def test_transfer_amount(debit, reserve, expected):
    assert transfer_amount(debit, reserve) == expected
