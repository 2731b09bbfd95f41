"""Renewal (续签) and termination (解除) of a contract through the service and on the contract's
page: a renewal is a new contract naming the old one; every problem is shown at its field with
what was typed kept, and nothing is written; the reporter and another village cannot."""

from datetime import date

import pytest
from django.urls import reverse

from villagebooks.affairs import errors_property as E
from villagebooks.affairs.contracts import RenewalTerms, contract_renew, contract_terminate
from villagebooks.affairs.models import Contract, ContractEvent, Instalment
from villagebooks.affairs.tests.property_support import import_contracts
from villagebooks.common.errors import DomainError, NotPermitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def lease(ledger, accountant, tmp_path):
    import_contracts(tmp_path, accountant)  # HT-2025-01: 2025-02-01 — 2027-01-31, 20,000.00
    return Contract.objects.get(code="HT-2025-01")


@pytest.fixture
def reporter(make_user, region_tree):
    return make_user("reporter", "reporter", region_tree["510781100201"])


@pytest.fixture
def stranger(make_user, region_tree):
    return make_user("stranger", "accountant", region_tree["510781100202"])


def _terms(**changed) -> RenewalTerms:
    values = {
        "code": "HT-2027-01",
        "signed_on": date(2027, 1, 10),
        "start": date(2027, 2, 1),
        "end": date(2029, 1, 31),
        "price_fen": 2_400_000,
        "deposit_fen": 100_000,
        "schedule": [(date(2027, 3, 1), 1_200_000), (date(2028, 3, 1), 1_200_000)],
    }
    return RenewalTerms(**{**values, **changed})


def test_renewal_is_a_new_contract_with_the_old_party_and_object(lease, accountant):
    renewal = contract_renew(actor=accountant, contract=lease, terms=_terms())
    assert (renewal.code, renewal.renews_id, renewal.party_name, renewal.kind, renewal.subject) == (
        "HT-2027-01",
        lease.pk,
        lease.party_name,
        lease.kind,
        lease.subject,
    )
    assert renewal.counterparty_id == lease.counterparty_id
    assert list(Instalment.objects.filter(contract=renewal).values_list("seq", "due_on", "amount_fen")) == [
        (1, date(2027, 3, 1), 1_200_000),
        (2, date(2028, 3, 1), 1_200_000),
    ]
    assert ContractEvent.objects.filter(contract=lease, act="renewed", note="HT-2027-01").exists()
    lease.refresh_from_db()
    assert (lease.end, lease.price_fen) == (date(2027, 1, 31), 2_000_000)  # the old one untouched


def test_every_problem_of_a_renewal_is_named_at_its_field_and_nothing_written(lease, accountant):
    terms = _terms(
        code="HT-2025-01",
        start=date(2027, 1, 1),
        end=date(2050, 1, 1),
        price_fen=2_400_000,
        schedule=[(date(2051, 1, 1), 1_000_000)],
    )
    with pytest.raises(DomainError) as raised:
        contract_renew(actor=accountant, contract=lease, terms=terms)
    fields = {p.field: p.message for p in raised.value.problems}
    assert fields["code"] == str(E.CONTRACT_EXISTS.format(code="HT-2025-01"))
    assert fields["start"] == str(E.RENEWAL_START.format(end=date(2027, 1, 31)))
    assert "超过法定上限 20 年" in fields["end"]
    assert "收款计划合计 10,000.00 元" in fields["schedule"] or "2051-01-01" in fields["schedule"]
    assert Contract.objects.count() == 1 and not ContractEvent.objects.filter(act="renewed").exists()


def test_a_terminated_or_renewed_contract_is_not_renewed(lease, accountant):
    contract_renew(actor=accountant, contract=lease, terms=_terms())
    with pytest.raises(DomainError) as raised:
        contract_renew(actor=accountant, contract=lease, terms=_terms(code="HT-2027-02"))
    assert raised.value.problems[0].field == "status"
    assert "已续签为 HT-2027-01" in raised.value.problems[0].message
    other = Contract.objects.get(code="HT-2027-01")
    contract_terminate(actor=accountant, contract=other, on_date=date(2027, 6, 1), reason="退租")
    with pytest.raises(DomainError) as raised:
        contract_renew(
            actor=accountant,
            contract=other,
            terms=_terms(
                code="HT-2029-01",
                start=date(2029, 2, 1),
                end=date(2030, 1, 31),
                schedule=[(date(2029, 3, 1), 2_400_000)],
            ),
        )
    assert "已于 2027-06-01 解除" in raised.value.problems[0].message


def test_renewal_needs_the_contracts_action(lease, reporter, stranger):
    for user in (reporter, stranger):
        with pytest.raises(NotPermitted):
            contract_renew(actor=user, contract=lease, terms=_terms())
    assert not Contract.objects.filter(code="HT-2027-01").exists()


def test_the_renewal_form_is_prefilled_and_records_the_renewal(client, lease, accountant):
    client.force_login(accountant)
    url = reverse("affairs:renew", args=["HT01", "HT-2025-01"])
    page = client.get(url).content.decode()
    assert 'value="2027-02-01"' in page and 'value="20000.00"' in page
    assert "2027-03-01 5000.00" in page  # the old schedule shifted by the term's length
    response = client.post(
        url,
        {
            "code": "HT-2027-01",
            "signed": "2027-01-10",
            "start": "2027-02-01",
            "end": "2029-01-31",
            "price": "24,000.00",
            "deposit": "1000",
            "schedule": "2027-03-01 12000.00\n\n2028-03-01\t12000",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("affairs:contract", args=["HT01", "HT-2027-01"])
    assert Contract.objects.get(code="HT-2027-01").renews_id == lease.pk
    detail = client.get(reverse("affairs:contract", args=["HT01", "HT-2025-01"])).content.decode()
    assert "HT-2027-01" in detail and 'id="renew-link"' not in detail


def test_the_renewal_form_shows_each_error_at_its_field_and_keeps_the_input(client, lease, accountant):
    client.force_login(accountant)
    response = client.post(
        reverse("affairs:renew", args=["HT01", "HT-2025-01"]),
        {
            "code": "HT-2027-01",
            "signed": "2027-13-01",
            "start": "2027-02-01",
            "end": "2029-01-31",
            "price": "两万",
            "deposit": "",
            "schedule": "2027-03-01 12000.00\n明年 12000",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_signed_error"' in page and "2027-13-01" in page
    assert 'id="id_price_error"' in page and "两万" in page
    assert 'id="id_schedule_error"' in page and "第 2 行“明年 12000”无效" in page
    assert 'id="id_end_error"' not in page
    assert not Contract.objects.filter(code="HT-2027-01").exists()
    # the service's own problems land at their fields as well
    response = client.post(
        reverse("affairs:renew", args=["HT01", "HT-2025-01"]),
        {
            "code": "",
            "signed": "2027-01-10",
            "start": "2027-01-15",
            "end": "2029-01-31",
            "price": "100",
            "schedule": "2027-03-01 100",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_code_error"' in page and 'id="id_start_error"' in page and "2027-01-31 之后" in page


def test_reporter_and_other_village_cannot_renew_on_the_page(client, lease, reporter, stranger):
    client.force_login(reporter)
    detail = client.get(reverse("affairs:contract", args=["HT01", "HT-2025-01"])).content.decode()
    assert 'id="renew-link"' not in detail
    url = reverse("affairs:renew", args=["HT01", "HT-2025-01"])
    assert client.get(url).status_code == 403
    data = {
        "code": "X",
        "signed": "2027-01-10",
        "start": "2027-02-01",
        "end": "2028-01-31",
        "price": "1",
        "schedule": "2027-03-01 1",
    }
    assert client.post(url, data).status_code == 403
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert Contract.objects.count() == 1


def test_termination_errors_are_shown_at_their_fields(client, lease, accountant):
    client.force_login(accountant)
    url = reverse("affairs:terminate", args=["HT01", "HT-2025-01"])
    response = client.post(url, {"date": "2025-1-40", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_date_error"' in page and 'id="id_reason_error"' in page and 'value="2025-1-40"' in page
    response = client.post(url, {"date": "2030-01-01", "reason": "退租"})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_date_error"' in page and "不在合同期限" in page
    assert 'value="退租"' in page
    assert Contract.objects.get(pk=lease.pk).terminated_on is None
    assert client.post(url, {"date": "2025-10-01", "reason": "退租"}).status_code == 302
    response = client.post(url, {"date": "2025-11-01", "reason": "再解除"})
    assert response.status_code == 400 and "已于 2025-10-01 解除" in response.content.decode()
