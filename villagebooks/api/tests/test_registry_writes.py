"""The registry's writes over the API: imports of households, programmes, subsidy lists and bank
returns, and a failed payment resolved; each allowed to the roles the commands allow and refused,
with nothing written, to the others."""

from __future__ import annotations

import csv
import io

import pytest

from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.models import Voucher, VoucherStatus
from villagebooks.registry import subsidies as S
from villagebooks.registry.households import COLUMNS
from villagebooks.registry.models import BankReturnLine, Person, Programme, SubsidyBatch, SubsidyLine
from villagebooks.registry.tests.conftest import HEITAN, TUMEN, make_card, make_id, person

pytestmark = pytest.mark.django_db


def csv_bytes(columns, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns] if isinstance(row, dict) else row)
    return buffer.getvalue().encode("utf-8")


PROGRAMME = ["TP", "产业奖补", "510781000000", "livelihood_subsidy", "person", "500.00", "", "", "year"]


@pytest.fixture
def zhang():
    return {"id": make_id("19600101"), "card": make_card()}


@pytest.fixture
def registered(region_tree, api_as, accountant, zhang):
    answer = api_as(accountant).upload(
        "/api/registry/household-imports",
        "h.csv",
        csv_bytes(COLUMNS, [person(id_number=zhang["id"], bank_card=zhang["card"], bank="农商行")]),
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def test_households_are_imported_by_the_accountant_and_not_by_a_reporter_of_another_village(
    registered, api_as, make_user, region_tree, ledger
):
    assert registered["persons_created"] == 1 and registered["households_created"] == 1
    reporter = make_user("cun", "reporter", region_tree[HEITAN], ledger_id=ledger.pk)
    answer = api_as(reporter).upload(
        "/api/registry/household-imports",
        "h.csv",
        csv_bytes(COLUMNS, [person(village=TUMEN, household="T9")]),
    )
    assert answer.status_code in (403, 422)
    assert answer.json()["problems"][0]["row"] == 2
    assert not Person.objects.filter(household__number="T9").exists()


def test_a_bad_households_row_is_named_and_nothing_written(region_tree, api_as, accountant):
    answer = api_as(accountant).upload(
        "/api/registry/household-imports",
        "h.csv",
        csv_bytes(COLUMNS, [person(id_number="510781198001011234")]),
    )
    assert answer.status_code == 422
    assert [(p["field"], p["row"]) for p in answer.json()["problems"]] == [("id_number", 2)]
    assert not Person.objects.exists()


def test_programmes_are_for_the_county_not_the_accountant(region_tree, api_as, accountant, make_user):
    body = csv_bytes(S.PROGRAMME_COLUMNS, [PROGRAMME])
    refused = api_as(accountant).upload("/api/registry/programme-imports", "p.csv", body)
    assert refused.status_code in (403, 422) and not Programme.objects.exists()
    county = make_user("county", "county", region_tree["510781000000"])
    answer = api_as(county).upload("/api/registry/programme-imports", "p.csv", body)
    assert answer.status_code == 201 and answer.json() == {"created": 1, "changed": 0}


@pytest.fixture
def programme(region_tree, ledger, accountant):
    ledger_services.fund_create(
        actor=accountant, ledger=ledger, name="民生补助资金", kind="livelihood_subsidy"
    )
    return Programme.objects.create(code="TP", name="产业奖补", region=region_tree["510781000000"],
                                    fund_kind="livelihood_subsidy", basis="person", standard_fen=50000,
                                    frequency="year")  # fmt: skip


def _list(api, zhang, **fields):
    body = csv_bytes(S.LIST_COLUMNS, [[zhang["id"], "张三", "1", "500", "500", zhang["card"]]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"programme": "TP", "batch": "B1", "date": "2025-03-01"} | fields
    return api.client.post(
        "/api/ledgers/HT01/subsidy-lists",
        data | {"file": SimpleUploadedFile("l.csv", body, "text/csv")},
        **api.headers,
    )


def test_a_list_is_paid_with_a_reviewer_and_its_return_and_failure_recorded(
    registered, programme, api_as, accountant, reviewer, zhang
):
    acc = api_as(accountant)
    answer = _list(acc, zhang, pay="true", reviewer="reviewer")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["batch"], body["lines"], body["total"], body["voucher_status"]) == (
        "B1",
        1,
        "500.00",
        "posted",
    )
    assert Voucher.objects.get(pk=body["voucher_id"]).status == VoucherStatus.POSTED
    returned = csv_bytes(S.RETURN_COLUMNS, [[zhang["id"], "张三", zhang["card"], "500", "失败", "卡已注销"]])
    answer = acc.upload("/api/ledgers/HT01/subsidy-lists/B1/bank-return", "r.csv", returned)
    assert answer.status_code == 201 and answer.json() == {"lines": 1, "succeeded": 0, "failed": 1}
    answer = acc.post(
        "/api/ledgers/HT01/subsidy-lists/B1/failed-payments",
        {"id_number": zhang["id"], "action": "return", "note": "退回资金"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["resolution"] == "return" and zhang["id"] not in answer.content.decode()
    assert SubsidyLine.objects.get().resolution == "return"


def test_the_reviewer_may_not_import_lists_returns_or_resolve(
    registered, programme, api_as, accountant, reviewer, zhang
):
    rev = api_as(reviewer)
    assert _list(rev, zhang).status_code == 403
    assert not SubsidyBatch.objects.exists()
    assert _list(api_as(accountant), zhang).status_code == 201
    returned = csv_bytes(S.RETURN_COLUMNS, [[zhang["id"], "张三", zhang["card"], "500", "失败", "卡已注销"]])
    assert rev.upload("/api/ledgers/HT01/subsidy-lists/B1/bank-return", "r.csv", returned).status_code == 403
    assert not BankReturnLine.objects.exists()
    answer = rev.post(
        "/api/ledgers/HT01/subsidy-lists/B1/failed-payments", {"id_number": zhang["id"], "action": "repay"}
    )
    assert answer.status_code == 403


def test_another_townships_ledger_is_a_404_and_a_self_reviewer_is_refused(
    registered, programme, api_as, accountant, make_user, region_tree, zhang
):
    outsider = make_user("wudu", "accountant", region_tree["510781101000"])
    assert _list(api_as(outsider), zhang).status_code == 404
    answer = _list(api_as(accountant), zhang, pay="true", reviewer="accountant")
    assert answer.status_code == 403
    assert answer.json()["problems"][0]["field"] == "reviewer"
    assert not SubsidyBatch.objects.exists()


def test_a_list_with_registry_problems_is_refused_with_each_named(
    registered, programme, api_as, accountant, zhang
):
    answer = _list(api_as(accountant), {"id": zhang["id"], "card": make_card()})
    assert answer.status_code == 422
    assert [(p["field"], p["row"]) for p in answer.json()["problems"]] == [("id_number", 2)]
    assert "card_not_persons" in answer.json()["problems"][0]["message"]
    assert not SubsidyBatch.objects.exists()
