"""The 负面清单 on the API's posting path (the other paths: ``funds/tests/test_negative_list.py``)."""

from __future__ import annotations

from villagebooks.funds.tests import test_negative_list

FUND = test_negative_list.FUND
listed = test_negative_list.listed  # the fixture


def test_the_api_refuses(listed, api_as, accountant):
    body = {
        "date": "2025-03-10",
        "submit": True,
        "lines": [
            {"summary": "茶叶加工", "account": "153", "debit": "100.00", "fund": FUND, "project": "P02"},
            {"summary": "茶叶加工", "account": "102", "credit": "100.00"},
        ],
    }
    response = api_as(accountant).post("/api/ledgers/HT01/vouchers", body)
    assert response.status_code == 422 and "负面清单" in response.content.decode()
