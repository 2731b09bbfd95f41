"""The contract, asset and resource pages: what each role sees and may do, the other side of
each boundary, the templates downloadable."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from villagebooks.affairs.models import AssetCard, Contract, DepreciationRun
from villagebooks.affairs.tests.property_support import CARDS, SHOP_LEASE, import_assets, import_contracts

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter(make_user, region_tree):
    return make_user("reporter", "reporter", region_tree["510781100201"])  # 黑滩村, HT01's village


@pytest.fixture
def stranger(make_user, region_tree):
    return make_user("stranger", "reporter", region_tree["510781100202"])  # 土门村


def test_accountant_sees_contracts_and_overdue_and_the_forms(client, ledger, accountant, tmp_path):
    import_contracts(tmp_path, accountant)
    client.force_login(accountant)
    page = client.get(reverse("affairs:contracts", args=["HT01"]), {"on": "2025-10-01"}).content.decode()
    assert "HT-2025-01" in page and "张三" in page
    assert 'id="overdue"' in page and "30</td>" in page  # two instalments, 214 and 30 days overdue
    assert 'id="import-contracts"' in page and 'id="match-receipts"' in page


def test_reporter_reads_own_village_without_forms(client, ledger, accountant, reporter, tmp_path):
    import_contracts(tmp_path, accountant)
    client.force_login(reporter)
    response = client.get(reverse("affairs:contracts", args=["HT01"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "HT-2025-01" in page and 'id="import-contracts"' not in page and 'id="match-receipts"' not in page
    detail = client.get(reverse("affairs:contract", args=["HT01", "HT-2025-01"])).content.decode()
    assert 'id="terminate"' not in detail
    response = client.post(
        reverse("affairs:terminate", args=["HT01", "HT-2025-01"]), {"date": "2025-10-01", "reason": "退租"}
    )
    assert response.status_code == 403
    assert Contract.objects.get(code="HT-2025-01").terminated_on is None
    response = client.post(
        reverse("affairs:import", args=["HT01", "contracts"]),
        {"file": SimpleUploadedFile("c.csv", SHOP_LEASE.replace("HT-2025-01", "X1").encode())},
    )
    assert response.status_code == 302 and not Contract.objects.filter(code="X1").exists()


def test_other_village_gets_404(client, ledger, accountant, stranger, tmp_path):
    import_contracts(tmp_path, accountant)
    client.force_login(stranger)
    for name, args in (
        ("affairs:contracts", ["HT01"]),
        ("affairs:contract", ["HT01", "HT-2025-01"]),
        ("affairs:assets", ["HT01"]),
        ("affairs:resources", ["HT01"]),
        ("affairs:receivables", ["HT01"]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404


def test_accountant_terminates_on_the_page(client, ledger, accountant, tmp_path):
    import_contracts(tmp_path, accountant)
    client.force_login(accountant)
    response = client.post(
        reverse("affairs:terminate", args=["HT01", "HT-2025-01"]), {"date": "2025-10-01", "reason": "退租"}
    )
    assert response.status_code == 302
    assert Contract.objects.get(code="HT-2025-01").terminated_on == date(2025, 10, 1)


def test_import_on_the_page_names_bad_rows(client, ledger, accountant):
    client.force_login(accountant)
    bad = CARDS.replace("120000.00", "abc")
    response = client.post(
        reverse("affairs:import", args=["HT01", "assets"]),
        {"file": SimpleUploadedFile("a.csv", bad.encode())},
        follow=True,
    )
    assert "第2行" in response.content.decode()
    assert not AssetCard.objects.exists()
    response = client.post(
        reverse("affairs:import", args=["HT01", "assets"]),
        {"file": SimpleUploadedFile("a.csv", CARDS.encode())},
        follow=True,
    )
    assert AssetCard.objects.count() == 3


def test_assets_page_and_depreciation_button(client, ledger, accountant, reporter, tmp_path):
    import_assets(tmp_path, accountant)
    client.force_login(reporter)
    page = client.get(reverse("affairs:assets", args=["HT01"]), {"on": "2025-02-28"}).content.decode()
    assert "ZC-001" in page and 'id="depreciate"' not in page
    assert client.post(reverse("affairs:depreciate", args=["HT01"]), {"period": "2025-02"}).status_code == 403
    client.force_login(accountant)
    page = client.get(reverse("affairs:assets", args=["HT01"]), {"on": "2025-02-28"}).content.decode()
    assert 'id="depreciate"' in page
    client.post(reverse("affairs:depreciate", args=["HT01"]), {"period": "2025-02"})
    assert DepreciationRun.objects.get().total_fen == 47_500 + 25_000


@pytest.mark.parametrize("kind", ["contracts", "assets", "resources"])
def test_templates_download_with_chinese_headers(client, kind):
    response = client.get(reverse("affairs:import_template", args=[kind]))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith(
        {"contracts": "合同编号", "assets": "卡片编号", "resources": "资源编号"}[kind]
    )
