"""The supervision endpoints: alerts and findings in the caller's scope; elsewhere 404."""

from __future__ import annotations

import pytest

from villagebooks.ledger.tests.books import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(ledger, accountant, reviewer):
    return post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-02 临时用工
          借 513 管理费用   1500.00  party=张三
          贷 101 库存现金   1500.00
        """,
    )


def test_alerts_and_findings(api_as, books, make_user, region_tree):
    caller = api_as(make_user("sup", "supervisor", region_tree["510781100000"]))
    response = caller.get(
        "/api/supervision/alerts", {"region": "510781100000", "from": "2025-01", "to": "2025-12"}
    )
    assert response.status_code == 200, response.content
    # The books were entered today, long after 2025-03 (backdated_entry), and the ledger has no
    # cash brought forward (negative_balance): those alert too.
    assert {a["rule"] for a in response.json()} == {"cash_over_limit", "backdated_entry", "negative_balance"}
    [alert] = [a for a in response.json() if a["rule"] == "cash_over_limit"]
    assert (alert["rule"], alert["ledger"], alert["amount"]) == ("cash_over_limit", "HT01", "1500.00")
    assert alert["vouchers"][0]["number"] == books[0].number
    assert caller.get("/api/supervision/findings", {"ledger": "HT01"}).json() == []


def test_other_region_is_404(api_as, books, make_user, region_tree):
    caller = api_as(make_user("other", "supervisor", region_tree["510781101000"]))
    params = {"ledger": "HT01", "from": "2025-01", "to": "2025-12"}
    assert caller.get("/api/supervision/alerts", params).status_code == 404
    assert caller.get("/api/supervision/findings", {"region": "510781100000"}).status_code == 404


def test_finding_written_through_the_api(api_as, books, make_user, region_tree, accountant):
    from datetime import timedelta

    from django.utils import timezone

    sup = api_as(make_user("sup", "supervisor", region_tree["510781100000"]))
    acc = api_as(accountant)
    params = {"ledger": "HT01", "from": "2025-01", "to": "2025-12", "rule": "cash_over_limit"}
    [alert] = sup.get("/api/supervision/alerts", params).json()
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    body = {
        "ledger": "HT01", "title": "大额现金支付", "evidence": alert["evidence"], "deadline": deadline,
        "responsible": "黑滩村报账员", "amount": "1500.00", "rule": "cash_over_limit", "period": "2025-03",
        "alerts": [alert["key"]],
    }  # fmt: skip
    # The accountant sees the ledger but may not open a finding; another township's supervisor
    # does not see it at all.
    assert acc.post("/api/supervision/findings", body).status_code == 403
    far = api_as(make_user("far", "supervisor", region_tree["510781101000"]))
    assert far.post("/api/supervision/findings", body).status_code == 404
    opened = sup.post("/api/supervision/findings", body)
    assert opened.status_code == 201, opened.content
    assert opened.json()["number"] == 1 and opened.json()["alert_keys"] == [alert["key"]]
    answer = {"measures": "改为转账", "vouchers": "记-9", "returned": "100.00"}
    assert sup.post("/api/supervision/findings/HT01/1/respond", answer).status_code == 403
    answered = acc.post("/api/supervision/findings/HT01/1/respond", answer)
    assert answered.status_code == 200 and answered.json()["state"] == "responded"
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    uploaded = acc.upload("/api/supervision/findings/HT01/1/documents", "回单.png", png, "image/png")
    assert uploaded.status_code == 201, uploaded.content
    [document] = uploaded.json()["steps"][1]["documents"]
    assert sup.get(document["url"]).status_code == 200
    assert far.get(document["url"]).status_code == 404
    assert (
        acc.post("/api/supervision/findings/HT01/1/verify", {"decision": "close", "note": "好"}).status_code
        == 403
    )
    closed = sup.post("/api/supervision/findings/HT01/1/verify", {"decision": "close", "note": "已核实"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert [s["kind"] for s in closed.json()["steps"]] == ["opened", "response", "closed"]
    assert closed.json()["steps"][1]["returned"] == "100.00"
    assert acc.get("/api/supervision/findings/HT01/1").status_code == 200  # the village sees its finding


def test_dismiss_through_the_api_and_books_stay_closed_to_a_supervisor(api_as, books, make_user, region_tree):
    sup = api_as(make_user("sup", "supervisor", region_tree["510781100000"]))
    params = {"ledger": "HT01", "from": "2025-01", "to": "2025-12", "rule": "cash_over_limit"}
    [alert] = sup.get("/api/supervision/alerts", params).json()
    assert sup.post(
        "/api/supervision/alerts/dismiss", {"ledger": "HT01", "alert": alert["key"], "reason": ""}
    ).status_code in (400, 422)
    done = sup.post(
        "/api/supervision/alerts/dismiss", {"ledger": "HT01", "alert": alert["key"], "reason": "已核实为正常"}
    )
    assert done.status_code == 201 and done.json()["rule"] == "cash_over_limit"
    assert sup.get("/api/supervision/alerts", params).json() == []
    voucher = {
        "date": "2025-03-04",
        "lines": [
            {"summary": "x", "account": "513", "debit": "10.00", "credit": "0.00"},
            {"summary": "x", "account": "102", "debit": "0.00", "credit": "10.00"},
        ],
    }
    assert sup.post("/api/ledgers/HT01/vouchers", voucher).status_code in (403, 404)
    assert sup.post(
        f"/api/ledgers/HT01/vouchers/{books[0].pk}/reverse", {"reason": "x", "date": "2025-03-05"}
    ).status_code in (
        403,
        404,
    )
