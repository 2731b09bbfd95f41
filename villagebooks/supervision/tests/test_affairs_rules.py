"""The rules that read village affairs: a large payment with no decision record
(no_decision_record), a cadre paid with one (related_party_payment stays quiet), and rent owed
past its due date (contract_arrears)."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.affairs.models import Contract, Decision, DecisionPayment, Instalment
from villagebooks.ledger.models import Counterparty
from villagebooks.ledger.tests.books import post
from villagebooks.regions.services import system_user
from villagebooks.registry.models import Household, Person
from villagebooks.supervision.rules import (
    Scope,
    check_contract_arrears,
    check_no_decision_record,
    check_related_party_payment,
)

pytestmark = pytest.mark.django_db


def _scope(ledger):
    return Scope.of([ledger], (2025, 1), (2025, 12))


def _decision(ledger):
    return Decision.objects.create(
        village=ledger.village, code="2025-01", matter="村道维修", proposed_on=date(2025, 1, 2),
        discussed_on=date(2025, 1, 3), reviewed_on=date(2025, 1, 4), resolved_on=date(2025, 1, 5),
        body="representatives", eligible=45, present=40, votes_for=38, created_by=system_user(),
    )  # fmt: skip


def test_large_payment_without_a_decision(ledger, accountant, reviewer):
    vouchers = post(ledger, accountant, reviewer, """
        2025-03-02 村道维修
          借 513 管理费用   8000.00  party=张三
          贷 102 银行存款   8000.00
        2025-03-09 零星维修
          借 513 管理费用   4999.99  party=张三
          贷 102 银行存款   4999.99
        2025-03-10 提取现金
          借 101 库存现金   9000.00
          贷 102 银行存款   9000.00
        2025-04-02 村道维修二期
          借 513 管理费用   7000.00  party=张三
          贷 102 银行存款   7000.00
    """)  # fmt: skip
    DecisionPayment.objects.create(
        ledger=ledger, decision=_decision(ledger), voucher=vouchers[3], linked_by=system_user()
    )
    [alert] = check_no_decision_record(_scope(ledger))
    assert [v.id for v in alert.vouchers] == [vouchers[0].pk]
    assert "8,000.00 元" in alert.evidence and "未关联决策记录" in alert.evidence


def test_cadre_paid_with_a_decision_is_not_related_party(ledger, accountant, reviewer):
    household = Household.objects.create(village=ledger.village, number="H1", status="一般户")
    Person.objects.create(
        household=household, village=ledger.village, name="张三", id_number="510781196503120033",
        relation="户主", sex="M", birth_date=date(1965, 3, 12), cadre_role="村委会主任",
    )  # fmt: skip
    vouchers = post(ledger, accountant, reviewer, """
        2025-03-02 误工补贴
          借 513 管理费用   800.00  party=张三
          贷 102 银行存款   800.00
        2025-05-02 误工补贴
          借 513 管理费用   900.00  party=张三
          贷 102 银行存款   900.00
    """)  # fmt: skip
    assert len(check_related_party_payment(_scope(ledger))) == 2
    DecisionPayment.objects.create(
        ledger=ledger, decision=_decision(ledger), voucher=vouchers[1], linked_by=system_user()
    )
    [alert] = check_related_party_payment(_scope(ledger))
    assert [v.id for v in alert.vouchers] == [vouchers[0].pk]


def test_rent_owed_past_its_due_date(ledger):
    party = Counterparty.objects.get(ledger=ledger, name="张三")
    contract = Contract.objects.create(
        ledger=ledger, code="HT-01", kind="contracting", party_name="张三", party_kind="household",
        counterparty=party, subject="耕地 10 亩", signed_on=date(2025, 1, 5), start=date(2025, 1, 5),
        end=date(2027, 12, 31), price_fen=30_000_00, created_by=system_user(),
    )  # fmt: skip
    Instalment.objects.create(
        ledger=ledger, contract=contract, seq=1, due_on=date(2025, 3, 31), amount_fen=10_000_00
    )
    Instalment.objects.create(
        ledger=ledger, contract=contract, seq=2, due_on=date(2025, 12, 10), amount_fen=10_000_00
    )
    [alert] = check_contract_arrears(_scope(ledger))
    assert alert.period == "2025-03" and alert.amount_fen == 10_000_00
    assert alert.batch == "HT-01@2025-03-31" and "已逾期 275 天" in alert.evidence
