"""The API of contracts, assets and resources: the same scope and actions as the pages."""

import pytest

from villagebooks.affairs.models import Contract, DepreciationRun
from villagebooks.affairs.tests.property_support import import_assets, import_contracts, import_resources
from villagebooks.api.services import api_token_create
from villagebooks.api.tests.conftest import ApiCaller  # noqa: F401

pytestmark = pytest.mark.django_db


def _api(user):

    return ApiCaller(api_token_create(actor=user, name="测试").secret)


@pytest.fixture
def filled(ledger, accountant, tmp_path):
    import_resources(tmp_path, accountant)
    import_assets(tmp_path, accountant)
    import_contracts(tmp_path, accountant)
    return ledger


def test_reporter_reads_contracts_assets_resources_of_own_village(filled, make_user, region_tree):
    api = _api(make_user("reporter", "reporter", region_tree["510781100201"]))
    contracts = api.get("/api/ledgers/HT01/contracts", {"on": "2025-10-01"}).json()
    assert contracts[0]["code"] == "HT-2025-01" and contracts[0]["overdue"] == "10000.00"
    assert "id_number" not in contracts[0]
    detail = api.get("/api/ledgers/HT01/contracts/HT-2025-01", {"on": "2025-10-01"}).json()
    assert [item["days_overdue"] for item in detail["schedule"]] == [214, 30, 0]
    overdue = api.get("/api/ledgers/HT01/contracts/overdue", {"on": "2025-10-01"}).json()
    assert [item["outstanding"] for item in overdue] == ["5000.00", "5000.00"]
    cards = api.get("/api/ledgers/HT01/assets", {"on": "2025-06-30"}).json()
    assert {c["code"] for c in cards} == {"ZC-001", "ZC-002", "ZC-003"}
    assert api.get("/api/ledgers/HT01/resources").json()[0]["area_mu"] == "12.50"
    assert api.get("/api/ledgers/HT01/assets/reconciliation").status_code == 200
    assert api.get("/api/ledgers/HT01/contracts/reconciliation").status_code == 200


def test_reporter_cannot_write(filled, make_user, region_tree):
    api = _api(make_user("reporter", "reporter", region_tree["510781100201"]))
    response = api.post(
        "/api/ledgers/HT01/contracts/HT-2025-01/terminate", {"date": "2025-10-01", "reason": "退租"}
    )
    assert response.status_code == 403
    assert api.post("/api/ledgers/HT01/depreciation", {"period": "2025-02"}).status_code == 403
    assert api.post("/api/ledgers/HT01/contracts/match-receipts").status_code == 403
    assert (
        api.post("/api/ledgers/HT01/assets/ZC-001/dispose", {"date": "2025-10-01", "note": "x"}).status_code
        == 403
    )
    assert Contract.objects.get(code="HT-2025-01").terminated_on is None
    assert not DepreciationRun.objects.exists()


def test_other_village_is_not_found(filled, make_user, region_tree):
    api = _api(make_user("stranger", "reporter", region_tree["510781100202"]))
    assert api.get("/api/ledgers/HT01/contracts").status_code == 404
    assert api.get("/api/ledgers/HT01/assets").status_code == 404


def test_accountant_writes(filled, accountant):
    api = _api(accountant)
    response = api.post(
        "/api/ledgers/HT01/contracts/HT-2025-01/terminate", {"date": "2025-10-01", "reason": "退租"}
    )
    assert response.status_code == 200 and response.json()["terminated_on"] == "2025-10-01"
    again = api.post(
        "/api/ledgers/HT01/contracts/HT-2025-01/terminate", {"date": "2025-10-02", "reason": "退租"}
    )
    assert again.status_code == 409
    run = api.post("/api/ledgers/HT01/depreciation", {"period": "2025-02"})
    assert (
        run.status_code == 200
        and run.json()["total"] == "725.00"
        and run.json()["voucher_status"] == "submitted"
    )
    assert api.post("/api/ledgers/HT01/depreciation", {"period": "2025-02"}).status_code == 409
    assert api.get("/api/ledgers/HT01/contracts/NOPE").status_code == 404
