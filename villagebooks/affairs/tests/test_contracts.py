"""Contracts: the import (term limits, schedules, all or nothing), receipts matched from the
books, what is overdue, the 应收款 reconciliation, termination and renewal."""

from datetime import date

import pytest

from villagebooks.affairs import contracts
from villagebooks.affairs import errors_property as E
from villagebooks.affairs import selectors_property as S
from villagebooks.affairs.models import Contract, ContractEvent, Instalment
from villagebooks.affairs.tests.property_support import CONTRACT_HEADER, SHOP_LEASE, import_contracts
from villagebooks.common.errors import Conflict, DomainError
from villagebooks.ledger.tests.books import post

pytestmark = pytest.mark.django_db


def _row(code="HT-2025-09", kind="租赁", start="2025-02-01", end="2027-01-31", due="2025-03-01", amount="100.00",
         price="100.00", obj="", renews="", ledger="HT01"):  # fmt: skip
    return f"{code},{ledger},{kind},李四,单位,,,{obj},机动地,2025-01-10,{start},{end},{price},0,否,,{renews},{due},{amount}"


def test_import_records_contract_with_schedule_and_counterparty(ledger, accountant, tmp_path):
    assert import_contracts(tmp_path, accountant) == 1
    contract = Contract.objects.get(ledger=ledger, code="HT-2025-01")
    assert contract.price_fen == 2_000_000 and contract.deposit_fen == 100_000
    assert contract.exchange_traded and contract.exchange_reference == "JY-2025-008"
    assert contract.counterparty.name == "张三"
    assert [(i.seq, i.due_on, i.amount_fen) for i in Instalment.objects.filter(contract=contract)] == [
        (1, date(2025, 3, 1), 500_000),
        (2, date(2025, 9, 1), 500_000),
        (3, date(2026, 3, 1), 1_000_000),
    ]
    assert ContractEvent.objects.filter(contract=contract, act="signed").count() == 1


def test_lease_beyond_twenty_years_is_refused_and_nothing_written(ledger, accountant, tmp_path):
    text = "\n".join(
        [
            CONTRACT_HEADER,
            _row(code="OK", start="2025-01-01", end="2044-12-31"),
            _row(code="LONG", start="2025-01-01", end="2045-01-01"),
            _row(code="SUM", amount="90.00"),
        ]
    )
    with pytest.raises(DomainError) as error:
        import_contracts(tmp_path, accountant, text)
    problems = {(p.row, p.field) for p in error.value.problems}
    assert (3, "end") in problems and (4, "amount") in problems
    assert (2, "end") not in problems
    assert "民法典第七百零五条" in str(error.value)
    assert not Contract.objects.exists()


def test_farmland_contracting_allows_thirty_years_not_more(ledger, accountant, tmp_path):
    from villagebooks.affairs.tests.property_support import import_resources

    import_resources(tmp_path, accountant)
    long = _row(code="C1", kind="发包", obj="ZY-01", start="2025-01-01", end="2055-01-01")
    with pytest.raises(DomainError, match="三十年"):
        import_contracts(tmp_path, accountant, f"{CONTRACT_HEADER}\n{long}")
    fine = _row(code="C1", kind="发包", obj="ZY-01", start="2025-01-01", end="2054-12-31")
    assert import_contracts(tmp_path, accountant, f"{CONTRACT_HEADER}\n{fine}") == 1
    assert Contract.objects.get(code="C1").resource.code == "ZY-01"


def test_every_bad_row_is_named(ledger, accountant, tmp_path):
    text = "\n".join(
        [
            CONTRACT_HEADER,
            _row(code="A", kind="借款"),
            _row(code="B", obj="NOPE"),
            _row(code="C", ledger="XX99"),
            _row(code="D", start="2025-13-01"),
        ]
    )
    with pytest.raises(DomainError) as error:
        import_contracts(tmp_path, accountant, text)
    fields = {(p.row, p.field) for p in error.value.problems}
    assert {(2, "kind"), (3, "object"), (4, "ledger"), (5, "start")} <= fields


def test_a_contract_code_is_recorded_once(ledger, accountant, tmp_path):
    import_contracts(tmp_path, accountant)
    with pytest.raises(DomainError, match=str(E.CONTRACT_EXISTS.format(code="HT-2025-01"))):
        import_contracts(tmp_path, accountant)


def test_reporter_and_other_township_cannot_import(ledger, accountant, make_user, region_tree, tmp_path):
    reporter = make_user("reporter", "reporter", region_tree["510781100201"])
    outsider = make_user("outsider", "accountant", region_tree["510781101000"])
    for user in (reporter, outsider):
        with pytest.raises(DomainError) as error:
            import_contracts(tmp_path, user)
        assert {p.field for p in error.value.problems} == {"ledger"}
    assert not Contract.objects.exists()


def test_receipts_matched_from_posted_vouchers_and_overdue_listed(ledger, accountant, reviewer, tmp_path):
    import_contracts(tmp_path, accountant)
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-04 确认门面租金
          借 112 应收款 5000.00 party=张三
          贷 501 经营收入 5000.00
        2025-03-05 收张三门面租金
          借 102 银行存款 5000.00
          贷 112 应收款 5000.00 party=张三
        """,
    )
    assert contracts.receipts_match(actor=accountant, ledger=ledger) == 1
    assert contracts.receipts_match(actor=accountant, ledger=ledger) == 0  # idempotent
    assert S.overdue_receipts(ledger, date(2025, 8, 31)) == []
    assert S.overdue_receipts(ledger, date(2025, 10, 1)) == [
        {
            "contract": "HT-2025-01",
            "party": "张三",
            "due_date": date(2025, 9, 1),
            "amount_due_fen": 500_000,
            "received_fen": 0,
            "outstanding_fen": 500_000,
            "days_overdue": 30,
        }
    ]


def test_receivable_reconciliation_names_the_difference(ledger, accountant, reviewer, tmp_path):
    from villagebooks.ledger import services

    import_contracts(tmp_path, accountant)
    services.counterparty_create(actor=accountant, ledger=ledger, name="王五", kind="person")
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-04 确认门面租金
          借 112 应收款 5000.00 party=张三
          贷 501 经营收入 5000.00
        2025-04-10 其他应收
          借 112 应收款 300.00 party=王五
          贷 102 银行存款 300.00
        """,
    )
    rows = {r.party: r for r in S.receivable_reconciliation(ledger, date(2025, 4, 30))}
    assert rows["张三"].contract_fen == 500_000 and rows["张三"].books_fen == 500_000
    assert rows["张三"].reason == ""
    assert rows["王五"].reason == str(S.NO_CONTRACT) and rows["王五"].difference_fen == 30_000
    september = {r.party: r for r in S.receivable_reconciliation(ledger, date(2025, 9, 30))}
    assert september["张三"].contract_fen == 1_000_000
    assert september["张三"].reason == str(S.NOT_BOOKED)


def test_termination_is_recorded_once_and_stops_later_instalments(ledger, accountant, tmp_path):
    import_contracts(tmp_path, accountant)
    contract = Contract.objects.get(code="HT-2025-01")
    contracts.contract_terminate(
        actor=accountant, contract=contract, on_date=date(2025, 10, 15), reason="承租人退租"
    )
    owed = [r.due_on for r in S.receivables(ledger, date(2026, 6, 1))]
    assert owed == [date(2025, 3, 1), date(2025, 9, 1)]
    assert S.contract_state(Contract.objects.get(pk=contract.pk), date(2025, 11, 1)) == str(S.TERMINATED)
    with pytest.raises(Conflict):
        contracts.contract_terminate(
            actor=accountant, contract=contract, on_date=date(2025, 11, 1), reason="再次"
        )
    assert list(ContractEvent.objects.filter(contract=contract).values_list("act", flat=True)) == [
        "signed",
        "terminated",
    ]


def test_terminate_needs_the_permission(ledger, accountant, make_user, region_tree, tmp_path):
    import_contracts(tmp_path, accountant)
    reporter = make_user("reporter", "reporter", region_tree["510781100201"])
    with pytest.raises(DomainError):
        contracts.contract_terminate(
            actor=reporter,
            contract=Contract.objects.get(code="HT-2025-01"),
            on_date=date(2025, 10, 1),
            reason="x",
        )
    assert Contract.objects.get(code="HT-2025-01").terminated_on is None


def test_renewal_is_a_new_contract_and_keeps_the_old(ledger, accountant, tmp_path):
    import_contracts(tmp_path, accountant, SHOP_LEASE)
    early = _row(code="R1", start="2027-01-01", end="2029-01-31", due="2027-03-01", renews="HT-2025-01")
    with pytest.raises(DomainError, match="原合同终止日期"):
        import_contracts(tmp_path, accountant, f"{CONTRACT_HEADER}\n{early}")
    renewal = _row(code="R1", start="2027-02-01", end="2029-01-31", due="2027-03-01", renews="HT-2025-01")
    import_contracts(tmp_path, accountant, f"{CONTRACT_HEADER}\n{renewal}")
    old = Contract.objects.get(code="HT-2025-01")
    assert Contract.objects.get(code="R1").renews == old
    assert old.end == date(2027, 1, 31)
    assert S.contract_state(old, date(2027, 6, 1)) == str(S.RENEWED)
    assert ContractEvent.objects.filter(contract=old, act="renewed").count() == 1
