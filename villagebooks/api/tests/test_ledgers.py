"""Ledgers, accounts, funds and counterparties: what each caller sees, what each may add, and the
404 that a ledger outside the scope shares with one that does not exist."""

import pytest

from villagebooks.api.tests.conftest import error_of, problems_of
from villagebooks.common.models import AuditEntry
from villagebooks.common.money import TOO_MANY_DECIMALS
from villagebooks.ledger import errors as E
from villagebooks.ledger.access import FORBIDDEN
from villagebooks.ledger.models import Account, Counterparty, Fund
from villagebooks.reports.scope import UNKNOWN_LEDGER


def test_the_list_holds_the_ledgers_in_scope(ledger, other_ledger, acc, api_as, village_reporter, outsider):
    body = acc.get("/api/ledgers").json()
    assert (body["count"], body["page"], body["page_size"]) == (2, 1, 50)
    assert [(i["code"], i["village"]["name"], i["status"]) for i in body["items"]] == [
        ("HT01", "黑滩村", "active"),
        ("TM01", "土门村", "active"),
    ]
    assert body["items"][0] == {
        "code": "HT01",
        "name": "黑滩村股份经济合作联合社",
        "village": {"code": "510781100201", "name": "黑滩村"},
        "chart": "2023",
        "chart_label": "农村集体经济组织会计制度(2023)",
        "start": "2025-01",
        "status": "active",
        "status_label": "使用中",
        "carried_year": 2025,
    }
    assert [i["code"] for i in api_as(village_reporter).get("/api/ledgers").json()["items"]] == ["HT01"]
    assert api_as(outsider).get("/api/ledgers").json() == {
        "count": 0,
        "page": 1,
        "page_size": 50,
        "items": [],
    }


def test_the_list_pages_and_searches(ledger, other_ledger, acc):
    second = acc.get("/api/ledgers", {"page": 2, "page_size": 1}).json()
    assert (second["count"], [i["code"] for i in second["items"]]) == (2, ["TM01"])
    assert acc.get("/api/ledgers", {"page": 3, "page_size": 1}).json()["items"] == []
    assert [i["code"] for i in acc.get("/api/ledgers", {"q": "土门"}).json()["items"]] == ["TM01"]
    assert [i["code"] for i in acc.get("/api/ledgers", {"region": "510781100201"}).json()["items"]] == [
        "HT01"
    ]
    assert acc.get("/api/ledgers", {"region": "510781101000"}).json()["count"] == 0


def test_a_page_size_out_of_range_is_a_chinese_error_at_the_field(ledger, acc):
    response = acc.get("/api/ledgers", {"page_size": 201})
    assert response.status_code == 422
    assert problems_of(response) == [("page_size", None, "不能大于 200")]
    response = acc.get("/api/ledgers", {"page": "x"})
    assert problems_of(response) == [("page", None, "应为整数")]


def test_the_detail_shows_periods_and_what_the_caller_may_do(ledger, acc, rev):
    body = acc.get("/api/ledgers/HT01").json()
    assert body["actions"] == ["view", "setup", "prepare", "post", "close"]
    assert [p["period"] for p in body["periods"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert body["periods"][0] == {
        "period": "2025-01",
        "status": "open",
        "status_label": "未结账",
        "closed_at": None,
    }
    assert rev.get("/api/ledgers/HT01").json()["actions"] == ["view", "review"]


@pytest.mark.parametrize("path", ["", "/accounts", "/funds", "/counterparties", "/vouchers"])
def test_a_ledger_outside_the_scope_is_404_like_a_missing_one(
    ledger, other_ledger, api_as, outsider, village_reporter, path
):
    for caller, code in ((api_as(outsider), "HT01"), (api_as(village_reporter), "TM01")):
        hidden = caller.get(f"/api/ledgers/{code}{path}")
        missing = caller.get(f"/api/ledgers/NOPE{path}")
        assert (hidden.status_code, missing.status_code) == (404, 404)
        assert error_of(hidden) == {
            "code": "not_found",
            "message": UNKNOWN_LEDGER.format(code=code),
            "problems": [],
        }
        assert error_of(missing)["message"] == UNKNOWN_LEDGER.format(code="NOPE")


def test_accounts_list_the_chart_with_parents(ledger, acc):
    accounts = {a["code"]: a for a in acc.get("/api/ledgers/HT01/accounts").json()}
    assert len(accounts) == Account.objects.filter(ledger=ledger).count()
    assert accounts["102"] == {
        "code": "102",
        "name": "银行存款",
        "parent": None,
        "level": 1,
        "category": "asset",
        "normal_side": "debit",
        "is_leaf": True,
        "is_active": True,
        "requires_fund": False,
        "requires_counterparty": False,
    }
    subs = [a for a in accounts.values() if a["parent"]]
    assert subs and all(accounts[a["parent"]]["is_leaf"] is False for a in subs)


def test_a_sub_account_is_added_through_the_service(ledger, acc):
    response = acc.post("/api/ledgers/HT01/accounts", {"parent": "513", "code": "51301", "name": "办公费"})
    assert response.status_code == 201
    assert response.json()["code"] == "51301" and response.json()["parent"] == "513"
    assert Account.objects.get(ledger=ledger, code="51301").parent.code == "513"
    assert AuditEntry.objects.filter(action="account_add", ledger_id=ledger.pk).count() == 1


def test_a_bad_sub_account_changes_nothing(ledger, acc):
    before = Account.objects.count()
    response = acc.post("/api/ledgers/HT01/accounts", {"parent": "513", "code": "5201", "name": "办公费"})
    assert response.status_code == 422
    assert problems_of(response) == [("code", None, E.SUB_CODE_PREFIX.format(parent="513"))]
    response = acc.post("/api/ledgers/HT01/accounts", {"parent": "513", "code": "51301"})
    assert problems_of(response) == [("name", None, "此项必填")]
    assert Account.objects.count() == before


def test_a_reviewer_may_see_but_not_set_up_the_ledger(ledger, rev):
    assert rev.get("/api/ledgers/HT01/funds").status_code == 200
    response = rev.post("/api/ledgers/HT01/funds", {"name": "新资金", "kind": "other"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert error_of(response)["message"] == FORBIDDEN.format(ledger=ledger.name)
    assert not Fund.objects.filter(name="新资金").exists()


def test_funds_keep_their_amounts_exact_as_decimal_strings(ledger, acc):
    response = acc.post(
        "/api/ledgers/HT01/funds",
        {
            "name": "高标准农田建设",
            "kind": "上级专项资金",
            "issuer": "江油市农业农村局",
            "document_number": "江农〔2025〕12号",
            "amount": "12345678901.11",
        },
    )
    assert response.status_code == 201
    fund = Fund.objects.get(name="高标准农田建设")
    assert (fund.amount_fen, fund.kind) == (1_234_567_890_111, "earmarked_transfer")
    listed = {f["name"]: f for f in acc.get("/api/ledgers/HT01/funds").json()}
    assert listed["高标准农田建设"] == {
        "id": fund.pk,
        "name": "高标准农田建设",
        "kind": "earmarked_transfer",
        "kind_label": "上级专项资金",
        "issuer": "江油市农业农村局",
        "document_number": "江农〔2025〕12号",
        "amount": "12345678901.11",
    }


@pytest.mark.parametrize(
    "amount, message",
    [
        ("1.234", TOO_MANY_DECIMALS),
        ("abc", "不是有效的金额"),
        ("1e999999999", "金额超出范围：一笔金额最多 1,000,000,000,000.00 元"),
        (12.5, '金额应写成字符串，如 "1234.50"'),
    ],
)
def test_a_bad_fund_amount_is_refused_at_its_field(ledger, acc, amount, message):
    response = acc.post("/api/ledgers/HT01/funds", {"name": "新资金", "kind": "other", "amount": amount})
    assert response.status_code == 422
    assert problems_of(response) == [("amount", None, message)]
    assert not Fund.objects.filter(name="新资金").exists()


def test_a_duplicate_fund_name_is_refused(ledger, acc):
    response = acc.post("/api/ledgers/HT01/funds", {"name": "县交通局道路补助", "kind": "other"})
    assert response.status_code == 422
    assert problems_of(response) == [("name", None, E.NAME_TAKEN.format(name="县交通局道路补助"))]
    assert Fund.objects.filter(name="县交通局道路补助").count() == 1


def test_counterparties_show_id_numbers_masked(ledger, acc):
    response = acc.post(
        "/api/ledgers/HT01/counterparties",
        {"name": "李四", "kind": "person", "id_number": "510781199001011234"},
    )
    assert response.status_code == 201
    assert response.json()["id_number"] == "510***********1234"
    assert Counterparty.objects.get(name="李四").id_number == "510781199001011234"
    listed = acc.get("/api/ledgers/HT01/counterparties").json()
    assert [(c["name"], c["kind"], c["id_number"]) for c in listed] == [
        ("张三", "household", ""),
        ("李四", "person", "510***********1234"),
    ]


def test_a_counterparty_kind_must_be_one_of_the_known(ledger, acc):
    response = acc.post("/api/ledgers/HT01/counterparties", {"name": "王五", "kind": "alien"})
    assert response.status_code == 422
    assert problems_of(response) == [("kind", None, "取值无效，可选：household、person、organisation")]
    assert not Counterparty.objects.filter(name="王五").exists()
