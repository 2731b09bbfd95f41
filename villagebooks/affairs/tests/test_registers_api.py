"""The imports of the affairs registers through the API (``/api/affairs/imports/KIND``): the same
files as the commands, all or nothing, every bad row named; a user imports only what they may keep
(the other side of each boundary writes nothing)."""

from __future__ import annotations

import pytest

from villagebooks.affairs.models import Contract, Membership, Resource
from villagebooks.affairs.tests.conftest import HEITAN, TUMEN
from villagebooks.affairs.tests.property_support import RESOURCES, SHOP_LEASE
from villagebooks.api.services import api_token_create
from villagebooks.api.tests.conftest import ApiCaller

pytestmark = pytest.mark.django_db


def caller(user) -> ApiCaller:
    return ApiCaller(api_token_create(actor=user, name="测试").secret)


@pytest.fixture
def heitan_reporter(make_user, region_tree):
    return make_user("reporter-ht", "reporter", region_tree[HEITAN])


@pytest.fixture
def tumen_reporter(make_user, region_tree):
    return make_user("reporter-tm", "reporter", region_tree[TUMEN])


def test_members_import_through_the_api_for_ones_own_village_only(people, heitan_reporter, tumen_reporter):
    body = (
        f"村,身份证号,姓名,取得日期,取得方式\n{HEITAN},{people['zhang']},张三,2020-01-01,原始取得\n".encode()
    )
    refused = caller(tumen_reporter).upload("/api/affairs/imports/members", "m.csv", body)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "village" and refused.json()["problems"][0]["row"] == 2
    assert not Membership.objects.exists()
    done = caller(heitan_reporter).upload("/api/affairs/imports/members", "m.csv", body)
    assert done.status_code == 201 and done.json() == {"created": 1, "changed": 0, "unchanged": 0}
    missing = caller(heitan_reporter).client.post(
        "/api/affairs/imports/members", {}, **caller(heitan_reporter).headers
    )
    assert missing.status_code == 422 and missing.json()["problems"][0]["field"] == "file"


def test_contracts_and_resources_import_through_the_api(ledger, accountant, heitan_reporter):
    refused = caller(heitan_reporter).upload("/api/affairs/imports/contracts", "c.csv", SHOP_LEASE.encode())
    assert refused.status_code == 422 and "HT01" in refused.json()["problems"][0]["message"]
    assert not Contract.objects.exists()
    own = caller(accountant)
    assert own.upload("/api/affairs/imports/resources", "r.csv", RESOURCES.encode()).json()["created"] == 2
    done = own.upload("/api/affairs/imports/contracts", "c.csv", SHOP_LEASE.encode())
    assert done.status_code == 201 and done.json()["created"] == 1
    again = own.upload("/api/affairs/imports/contracts", "c.csv", SHOP_LEASE.encode())
    assert again.status_code == 422 and "已存在" in again.json()["problems"][0]["message"]
    assert Contract.objects.count() == 1 and Resource.objects.count() == 2
