"""Decisions (四议两公开): steps in order, quorums from data, the two notices, and payments linked
to their decision (what supervision's ``no_decision_record`` reads)."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.affairs import errors as E
from villagebooks.affairs.decisions import decision_create, notice_record, payment_link, quorum_check
from villagebooks.affairs.models import Decision, DecisionPayment
from villagebooks.affairs.public import public_decisions
from villagebooks.affairs.selectors_members import (
    decision_for_voucher,
    payments_missing_decision,
    vouchers_with_decisions,
)
from villagebooks.affairs.tests.conftest import HEITAN, TUMEN
from villagebooks.common.errors import Conflict, DomainError, NotPermitted
from villagebooks.ledger.tests.books import post
from villagebooks.regions.models import Region

pytestmark = pytest.mark.django_db


def decision(**values) -> dict:
    row = {
        "village": HEITAN,
        "code": "JC2025-01",
        "matter": "村道硬化工程",
        "major": "是",
        "amount": "80000.00",
        "proposed_on": "2025-02-01",
        "discussed_on": "2025-02-05",
        "reviewed_on": "2025-02-10",
        "resolved_on": "2025-02-15",
        "body": "成员代表大会",
        "eligible": "30",
        "present": "25",
        "votes_for": "20",
        "votes_against": "3",
        "votes_abstain": "2",
        "resolution_notice_on": "2025-02-16",
        "result_notice_on": "",
    }
    row.update(values)
    return row


@pytest.fixture
def paid(ledger, accountant, reviewer):
    return post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-10 村道硬化工程款
          借 515 其他支出   80000.00
          贷 102 银行存款   80000.00
        2025-03-12 办公用品
          借 515 其他支出   300.00
          贷 101 库存现金   300.00
        2025-03-20 购买水泵
          借 515 其他支出   60000.00
          贷 102 银行存款   60000.00
    """,
    )


@pytest.mark.parametrize(
    ("major", "eligible", "present", "votes_for", "ok"),
    [
        (False, 30, 16, 9, True),  # more than half present, more than half of them for
        (False, 30, 15, 15, False),  # exactly half present: no quorum
        (False, 30, 16, 8, False),  # exactly half of those present: not passed
        (True, 30, 16, 11, True),  # two-thirds of 16 is 10.67
        (True, 30, 16, 10, False),
        (True, 30, 18, 12, True),  # exactly two-thirds passes
    ],
)
def test_quorums_follow_the_data(major, eligible, present, votes_for, ok):
    check = quorum_check(
        major=major, eligible=eligible, present=present, votes_for=votes_for, votes_against=0, votes_abstain=0
    )
    assert check.ok is ok


def test_a_decision_is_imported_with_its_payments(region_tree, ledger, paid, import_decisions):
    result = import_decisions([decision(ledger="HT01", vouchers="2025-03/1")])
    assert (result.created, result.changed) == (1, 1)
    record = Decision.objects.get()
    assert (record.body, record.major, record.amount_fen) == ("representatives", True, 8_000_000)
    assert decision_for_voucher(paid[0].pk) == record
    assert decision_for_voucher(paid[2].pk) is None
    assert vouchers_with_decisions(ledger, date(2025, 1, 1), date(2025, 12, 31)) == {paid[0].pk: "JC2025-01"}
    # At or above the county's threshold (50,000 yuan) without a decision: the pump.
    missing = payments_missing_decision(ledger, date(2025, 1, 1), date(2025, 12, 31))
    assert [(p["voucher_id"], p["amount_fen"]) for p in missing] == [(paid[2].pk, 6_000_000)]
    [public] = public_decisions(ledger, date(2025, 1, 1), date(2025, 12, 31))
    assert public["payments"] == [
        {"date": "2025-03-10", "voucher": "2025-03/1", "note": paid[0].note, "amount_fen": 8_000_000}
    ]
    assert (public["present"], public["votes_for"], public["resolution_notice_on"]) == (25, 20, "2025-02-16")


def test_bad_decisions_are_named_row_by_row(region_tree, ledger, paid, import_decisions):
    with pytest.raises(DomainError) as error:
        import_decisions(
            [
                decision(code="A", present="15", votes_for="15", votes_against="0", votes_abstain="0"),
                decision(code="B", votes_for="16", votes_against="5", votes_abstain="2"),
                decision(code="C", discussed_on="2025-01-20"),
                decision(code="D", resolution_notice_on="2025-02-14", body="村民会"),
                decision(code="E", ledger="HT01", vouchers="2025-03/9"),
                decision(code="A"),
            ]
        )
    found = [(p.row, p.field, p.message) for p in error.value.problems]
    assert found == [
        (2, "present", str(E.NO_QUORUM.format(present=15, eligible=30, rule="过半数"))),
        (3, "votes_for", str(E.NOT_PASSED.format(votes=16, present=25, rule="三分之二以上"))),
        (4, "discussed_on", str(E.STEP_ORDER.format(later="两委商议", earlier="党组织提议"))),
        (5, "resolution_notice_on", str(E.NOTICE_BEFORE.format(notice="决议公开"))),
        (5, "body", str(E.UNKNOWN_BODY.format(value="村民会"))),
        (6, "vouchers", str(E.UNKNOWN_VOUCHER.format(voucher="2025-03/9"))),
        (7, "code", str(E.DUPLICATE_ROW.format(row=2))),
    ]
    assert not Decision.objects.exists()


def test_the_reporter_records_decisions_and_the_accountant_links_payments(
    region_tree, ledger, paid, accountant, make_user
):
    reporter = make_user("reporter-ht", "reporter", region_tree[HEITAN])
    heitan = Region.objects.get(code=HEITAN)
    record = decision_create(actor=reporter, village=heitan, values=decision())
    notice_record(actor=reporter, decision=record, which="result", on=date(2025, 3, 30))
    assert Decision.objects.get().result_notice_on == date(2025, 3, 30)
    with pytest.raises(NotPermitted):
        payment_link(actor=reporter, decision=record, voucher=paid[0])
    payment_link(actor=accountant, decision=record, voucher=paid[0])
    with pytest.raises(Conflict):
        payment_link(actor=accountant, decision=record, voucher=paid[0])
    assert DecisionPayment.objects.count() == 1


def test_no_one_records_another_villages_decisions(region_tree, ledger, paid, make_user):
    reporter = make_user("reporter-tm", "reporter", region_tree[TUMEN])
    with pytest.raises(NotPermitted):
        decision_create(actor=reporter, village=Region.objects.get(code=HEITAN), values=decision())
    supervisor = make_user("supervisor", "supervisor", region_tree["510781000000"])
    with pytest.raises(NotPermitted):
        decision_create(actor=supervisor, village=Region.objects.get(code=HEITAN), values=decision())


def test_a_voucher_of_another_village_is_not_linked(region_tree, ledger, other_ledger, paid, accountant):
    tumen = Region.objects.get(code=TUMEN)
    record = decision_create(actor=accountant, village=tumen, values=decision(village=TUMEN))
    with pytest.raises(DomainError) as error:
        payment_link(actor=accountant, decision=record, voucher=paid[0])
    assert error.value.problems[0].message == str(E.VOUCHER_OTHER_VILLAGE.format(village="土门村"))
