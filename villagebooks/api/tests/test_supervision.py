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
