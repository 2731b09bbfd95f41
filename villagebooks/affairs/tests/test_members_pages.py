"""The pages and API of members, shares, dividends and decisions, and who may use them."""

from __future__ import annotations

import pytest

from villagebooks.affairs.models import Decision, DecisionPayment, Membership
from villagebooks.affairs.tests.conftest import HEITAN, TUMEN
from villagebooks.api.services import api_token_create
from villagebooks.api.tests.conftest import ApiCaller
from villagebooks.ledger.tests.books import post

pytestmark = pytest.mark.django_db


def api(user) -> ApiCaller:
    return ApiCaller(api_token_create(actor=user, name="测试").secret)


@pytest.fixture
def heitan_reporter(make_user, region_tree):
    return make_user("reporter-ht", "reporter", region_tree[HEITAN])


@pytest.fixture
def tumen_reporter(make_user, region_tree):
    return make_user("reporter-tm", "reporter", region_tree[TUMEN])


def test_the_reporter_sees_his_village_and_no_id_numbers(client, shares, heitan_reporter):
    client.force_login(heitan_reporter)
    page = client.get(f"/affairs/members/{HEITAN}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "张三" in text and "法定取得" in text and "人口股" in text
    assert shares["zhang"] not in text
    assert "导入成员" in text
    home = client.get("/affairs/members/").content.decode()
    assert "黑滩村" in home and "土门村" not in home


def test_another_villages_reporter_gets_404(client, shares, tumen_reporter):
    client.force_login(tumen_reporter)
    assert client.get(f"/affairs/members/{HEITAN}/").status_code == 404
    assert client.get(f"/affairs/members/{TUMEN}/").status_code == 200


def test_an_import_through_the_page_names_bad_rows_and_writes_nothing(client, people, heitan_reporter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(heitan_reporter)
    body = f"村,身份证号,姓名,取得日期,取得方式,丧失日期,丧失原因\n{HEITAN},{people['wang']},王五,2020-01-01,原始取得,2025-01-01,外出务工\n"
    page = client.post(
        "/affairs/members/import/members/", {"file": SimpleUploadedFile("m.csv", body.encode("utf-8"))}
    )
    text = page.content.decode()
    assert "第2行 end_reason: “外出务工”不是丧失成员身份的法定事由" in text
    assert not Membership.objects.exists()
    template = client.get("/affairs/members/templates/members.csv")
    assert template.content.decode("utf-8-sig").startswith("village,id_number,name,since,basis")


def test_a_supervisor_reads_but_has_no_import(client, shares, make_user, region_tree):
    supervisor = make_user("supervisor", "supervisor", region_tree["510781000000"])
    client.force_login(supervisor)
    text = client.get(f"/affairs/members/{HEITAN}/").content.decode()
    assert "张三" in text and "导入成员" not in text
    assert client.get("/affairs/members/import/members/").status_code == 404


def test_linking_a_payment_from_the_page(client, ledger, accountant, reviewer, heitan_reporter):
    from villagebooks.affairs.decisions import decision_create
    from villagebooks.affairs.tests.test_decisions import decision
    from villagebooks.regions.models import Region

    [voucher] = post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-10 村道硬化工程款
          借 515 其他支出   80000.00
          贷 102 银行存款   80000.00
    """,
    )
    record = decision_create(actor=accountant, village=Region.objects.get(code=HEITAN), values=decision())
    url = f"/affairs/members/{HEITAN}/decisions/{record.pk}/link/"
    client.force_login(heitan_reporter)
    client.post(url, {"ledger": "HT01", "voucher": "2025-03/1"})
    assert not DecisionPayment.objects.exists()  # the reporter records decisions, not links
    client.force_login(accountant)
    client.post(url, {"ledger": "HT01", "voucher": "2025-03/1"})
    assert DecisionPayment.objects.get().voucher == voucher


def test_the_api_reads_and_writes_within_scope(shares, ledger, accountant, heitan_reporter, tumen_reporter):
    own = api(heitan_reporter)
    members = own.get(f"/api/affairs/villages/{HEITAN}/members").json()
    assert {m["name"] for m in members} >= {"张三", "刘芳"} and "id_number" not in members[0]
    holdings = own.get(f"/api/affairs/villages/{HEITAN}/holdings", {"date": "2025-12-31"}).json()
    assert {h["household"]: h["total"] for h in holdings}["H001"] == "2"
    assert api(tumen_reporter).get(f"/api/affairs/villages/{HEITAN}/members").status_code == 404
    wang = Membership.objects.get(person__name="王五")
    refused = own.post(
        f"/api/affairs/memberships/{wang.pk}/end", {"ended_on": "2025-01-01", "reason": "离婚"}
    )
    assert refused.status_code == 422, refused.content.decode()
    assert "不是丧失成员身份的法定事由" in refused.json()["message"]
    ended = own.post(
        f"/api/affairs/memberships/{wang.pk}/end", {"ended_on": "2025-01-01", "reason": "成为公务员"}
    )
    assert ended.status_code == 200 and ended.json()["end_reason"] == "civil_servant"
    assert (
        api(tumen_reporter)
        .post(f"/api/affairs/memberships/{wang.pk}/end", {"ended_on": "2025-01-01", "reason": "死亡"})
        .status_code
        == 404
    )
    created = own.post(
        f"/api/affairs/villages/{HEITAN}/decisions",
        {
            "code": "JC-1",
            "matter": "修建水渠",
            "proposed_on": "2025-01-02",
            "discussed_on": "2025-01-03",
            "reviewed_on": "2025-01-04",
            "resolved_on": "2025-01-05",
            "body": "members",
            "eligible": 100,
            "present": 60,
            "votes_for": 40,
        },
    )
    assert created.status_code == 201, created.content
    assert Decision.objects.get().code == "JC-1"
    no_quorum = own.post(
        f"/api/affairs/villages/{HEITAN}/decisions",
        {
            "code": "JC-2",
            "matter": "修建水渠",
            "proposed_on": "2025-01-02",
            "discussed_on": "2025-01-03",
            "reviewed_on": "2025-01-04",
            "resolved_on": "2025-01-05",
            "body": "members",
            "eligible": 100,
            "present": 50,
            "votes_for": 40,
        },
    )
    assert no_quorum.status_code == 422 and no_quorum.json()["problems"][0]["field"] == "present"
    # Dividends are the accountant's.
    distribute = {"year": 2025, "amount": "100.00", "reserve": "100.00"}
    assert own.post("/api/affairs/ledgers/HT01/dividends", distribute).status_code == 403
