"""Both sides of every boundary of the claims: a village's reporter sees and submits only their
village's claims and books none; an accountant of another township sees none (404, as if they
did not exist); a supervisor reads and changes nothing."""

from __future__ import annotations

import pytest

from villagebooks.claims.access import SUBMIT
from villagebooks.claims.models import Claim, ClaimStatus
from villagebooks.claims.selectors import claim_for_page, my_claims, photo_for_download
from villagebooks.claims.tests.conftest import upload
from villagebooks.ledger.access import Action, can
from villagebooks.ledger.models import Voucher


@pytest.fixture
def tumen_claim(tumen_reporter, other_ledger, submit):
    return submit(tumen_reporter, other_ledger, purpose="土门村水渠清淤", payee="李四")


@pytest.fixture
def heitan_claim(reporter, ledger, submit):
    return submit(reporter, ledger, photos=[upload("黑滩.png", b"\x89PNG\r\n\x1a\n" + b"\x01" * 40)])


def test_the_claim_action_belongs_to_the_village_reporter(
    reporter, accountant, supervisor, ledger, other_ledger
):
    assert can(reporter, ledger, SUBMIT) is True
    assert can(reporter, other_ledger, SUBMIT) is False
    assert can(reporter, ledger, Action.PREPARE) is False
    assert can(accountant, ledger, SUBMIT) is False
    assert can(supervisor, ledger, SUBMIT) is False


def test_a_reporter_of_heitan_cannot_see_tumens_claims(client, reporter, tumen_claim, heitan_claim):
    assert claim_for_page(user=reporter, claim_id=tumen_claim.pk) is None
    photo = tumen_claim.photos.get()
    assert photo_for_download(user=reporter, claim_id=tumen_claim.pk, photo_id=photo.pk) is None
    assert list(my_claims(user=reporter)) == [heitan_claim]
    client.force_login(reporter)
    for path in (
        f"/claims/{tumen_claim.pk}/",
        f"/claims/{tumen_claim.pk}/photos/{photo.pk}/",
        "/claims/ledger/TM01/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "土门村水渠清淤" not in response.content.decode()
    for path in (f"/claims/{tumen_claim.pk}/withdraw/", f"/claims/{tumen_claim.pk}/book/"):
        assert client.post(path).status_code == 404
    assert "土门村" not in client.get("/claims/").content.decode()
    tumen_claim.refresh_from_db()
    assert tumen_claim.status == ClaimStatus.SUBMITTED


def test_a_reporter_cannot_submit_to_another_village(client, reporter, ledger, other_ledger):
    client.force_login(reporter)
    response = client.post(
        "/claims/new/",
        {
            "ledger": "TM01",
            "spent_on": "2025-03-10",
            "amount": "10.00",
            "purpose": "x",
            "payee": "y",
            "photos": [upload("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40)],
        },
    )
    assert response.status_code == 400
    assert "请选择账套" in response.content.decode()
    assert Claim.objects.count() == 0


def test_a_reporter_cannot_book_or_return(client, reporter, heitan_claim):
    client.force_login(reporter)
    html = client.get(f"/claims/{heitan_claim.pk}/").content.decode()
    assert "生成凭证草稿" not in html and "退回报账员" not in html
    pk = heitan_claim.pk
    response = client.post(f"/claims/{pk}/book/", {f"c{pk}-account": "513", f"c{pk}-counter_account": "102"})
    assert response.status_code == 403
    assert client.post(f"/claims/{pk}/return/", {f"r{pk}-reason": "自己退回"}).status_code == 403
    heitan_claim.refresh_from_db()
    assert heitan_claim.status == ClaimStatus.SUBMITTED and Voucher.objects.count() == 0


def test_an_accountant_of_another_township_sees_nothing(client, outsider, heitan_claim):
    client.force_login(outsider)
    photo = heitan_claim.photos.get()
    pk = heitan_claim.pk
    for path in (f"/claims/{pk}/", f"/claims/{pk}/photos/{photo.pk}/", "/claims/ledger/HT01/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "购买村委会打印纸" not in response.content.decode()
    response = client.post(f"/claims/{pk}/book/", {f"c{pk}-account": "513", f"c{pk}-counter_account": "102"})
    assert response.status_code == 404
    assert client.post(f"/claims/{pk}/return/", {f"r{pk}-reason": "x"}).status_code == 404
    assert "黑滩村" not in client.get("/claims/").content.decode()
    heitan_claim.refresh_from_db()
    assert heitan_claim.status == ClaimStatus.SUBMITTED


def test_a_supervisor_reads_but_changes_nothing(client, supervisor, heitan_claim):
    client.force_login(supervisor)
    pk = heitan_claim.pk
    detail = client.get(f"/claims/{pk}/")
    assert detail.status_code == 200 and "购买村委会打印纸" in detail.content.decode()
    assert "生成凭证草稿" not in detail.content.decode() and "撤回报账单" not in detail.content.decode()
    listing = client.get("/claims/ledger/HT01/").content.decode()
    assert f'data-claim="{pk}"' in listing and "<form" not in listing.split('id="main"')[1]
    assert client.get(f"/claims/{pk}/photos/{heitan_claim.photos.get().pk}/").status_code == 200
    response = client.post(f"/claims/{pk}/book/", {f"c{pk}-account": "513", f"c{pk}-counter_account": "102"})
    assert response.status_code == 403 and "没有权限" in response.content.decode()
    assert client.post(f"/claims/{pk}/return/", {f"r{pk}-reason": "x"}).status_code == 403
    assert client.post(f"/claims/{pk}/withdraw/").status_code == 403
    assert client.get("/claims/new/").status_code == 403
    heitan_claim.refresh_from_db()
    assert heitan_claim.status == ClaimStatus.SUBMITTED and Voucher.objects.count() == 0


def test_an_accountant_does_not_submit_claims(client, accountant, ledger):
    client.force_login(accountant)
    response = client.get("/claims/new/")
    assert response.status_code == 403 and "村报账员权限" in response.content.decode()


def test_pages_need_a_login(client, heitan_claim):
    for path in ("/claims/", "/claims/new/", f"/claims/{heitan_claim.pk}/", "/claims/ledger/HT01/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), path
