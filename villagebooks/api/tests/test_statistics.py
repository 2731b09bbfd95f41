"""The statistics forms through the API (issue 16, part 2): a region's form as rows, the other
side of the permission boundary. Books: test_reports.py's (黑滩村 HT01 and 土门村 TM01)."""

from villagebooks.api.tests.test_reports import books  # noqa: F401 -- the fixture

TOWNSHIP = "510781100000"
YEAR = {"from": "2025-01", "to": "2025-12"}


def test_a_regions_statistics_form_as_rows(api_as, accountant, books):  # noqa: F811
    body = (
        api_as(accountant).get(f"/api/regions/{TOWNSHIP}/reports/statistics-assets-liabilities", YEAR).json()
    )
    rows = {row["line"]: row for row in body["rows"]}
    assert rows[2]["item"] == "货币资金"
    assert rows[18]["value"] == rows[33]["value"]
    assert body["total"]["item"] == "校验 9/9 项通过"
    village = api_as(accountant).get(f"/api/regions/{TOWNSHIP}/reports/statistics-income-distribution", YEAR)
    assert {row["line"]: row["value"] for row in village.json()["rows"]}[22] == "2"


def test_a_ledger_has_no_statistics(api_as, accountant, books):  # noqa: F811
    response = api_as(accountant).get("/api/ledgers/HT01/reports/statistics-basic", YEAR)
    assert response.status_code == 422
