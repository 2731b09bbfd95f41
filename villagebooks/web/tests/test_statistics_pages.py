"""The statistics pages and the dashboard (issue 16, parts 2 and 3) as a user meets them: the form
with its head, its checks shown with both sides and the result, each figure opening the villages
behind it and each village its own statement; the XLSX the dashboard with its charts'
data as JSON blocks and a table under each chart; and the other side of the permission boundary.

Books (conftest): 黑滩村 HT01 opens 2025 with 银行存款 80,000.00; January +50,000 road subsidy
(241), February −30,000 road works, March −1,234.56 office costs (51301 管理费用).
"""

import json
import re

import pytest

from villagebooks.web.tests.pages import table_rows

COUNTY, XINAN, WUDU = "510781000000", "510781100000", "510781101000"
YEAR = {"from": "2025-01", "to": "2025-12"}
STATS = f"/regions/{COUNTY}/reports/statistics-income-distribution"


@pytest.fixture
def county_user(make_user, region_tree):
    return make_user("xian", "county", region_tree[COUNTY])


@pytest.fixture
def outsider(make_user, region_tree):
    return make_user("wudu", "accountant", region_tree[WUDU])


def test_the_statistics_page_shows_the_form_its_checks_and_links(client, books, county_user):
    client.force_login(county_user)
    response = client.get(STATS + "/", YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    head = re.search(r'<div class="form-head">(.*?)</div>', html, re.S)[1]
    parts = re.findall(r"<span>(.*?)</span>", head)
    assert parts[0].startswith("农经统计年报 表六") and parts[1:] == [
        "编制单位：江油市",
        "2025 年度",
        "单位：元",
    ]
    rows, _classes = table_rows(html, "data-row")
    assert rows["5"][:3] == ["5", "管理费用", "1,234.56"]
    assert rows["7"][:3] == ["7", "经营收益", "-1,234.56"]
    assert rows["22"][:3] == ["22", "汇总村数（个）", "1"]
    assert rows["2"][1] == "发包及上交收入（未核实）"  # UNSURE in the data: the page says so
    assert f'href="{STATS}/lines/5/?from=2025-01&amp;to=2025-12' in html
    checks, classes = table_rows(html, "data-check")
    assert checks["check-1"] == ["7 = 1 + 2 + 3 - 4 - 5", "-1,234.56", "-1,234.56", "通过", ""]
    assert len(checks) == 7 and set(classes.values()) == {"check-pass"}


def test_a_cell_opens_its_villages_and_a_village_its_statement(client, books, county_user):
    client.force_login(county_user)
    response = client.get(STATS + "/lines/5/", YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    rows, _classes = table_rows(html, "data-village")
    assert rows["510781100201"] == ["新安镇", "黑滩村", "HT01", "1,234.56", "", ""]
    assert 'href="/ledgers/HT01/reports/income-statement-form/?from=2025-01&amp;to=2025-12"' in html
    assert 'href="/regions/510781100201/reports/statistics-income-distribution/?' in html
    # A row without a value (干部报酬 is not in the books) has nothing to open.
    assert client.get(STATS + "/lines/6/", YEAR).status_code == 404


def test_the_statistics_download(client, books, county_user):
    client.force_login(county_user)
    response = client.get(STATS + ".xlsx", YEAR)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_statistics_of_a_region_the_user_does_not_hold_are_not_found(client, books, outsider):
    client.force_login(outsider)
    assert client.get(f"/regions/{XINAN}/reports/statistics-income-distribution/", YEAR).status_code == 404
    assert client.get(f"/regions/{XINAN}/dashboard/", {"year": "2025"}).status_code == 404
    assert client.get(f"/regions/{COUNTY}/dashboard/", {"year": "2025"}).status_code == 404


def test_a_single_ledger_has_no_statistics_tab(client, books, accountant):
    client.force_login(accountant)
    html = client.get("/ledgers/HT01/reports/trial-balance/", YEAR).content.decode()
    assert "statistics-income-distribution" not in html


def test_the_dashboard_has_charts_data_tables_and_links(client, books, county_user, settings):
    settings.VILLAGEBOOKS_DASHBOARD_ALERT_LEDGERS = 1
    client.force_login(county_user)
    response = client.get(f"/regions/{COUNTY}/dashboard/", {"year": "2025"})
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(
        re.search(r'<script id="chart-cash" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert data["kind"] == "line" and data["series"][0]["data"][2] == 98765.44
    assert [series["name"] for series in data["series"]] == ["2025"]  # no books in 2024: no series
    cash = re.search(r'id="table-cash">(.*?)</table>', html, re.S)[1]
    assert "98,765.44" in cash
    for name in ("cash", "income", "bands", "closing"):
        assert f'data-chart="{name}"' in html and f'id="table-{name}"' in html
    assert re.search(r'data-figure="cash"[^>]*>|href="[^"]*/balance-sheet/lines/1/', html)
    assert f'href="/regions/{COUNTY}/reports/balance-sheet/lines/1/?from=2025-01&amp;to=2025-12"' in html
    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in html
    alerts = re.search(
        r'data-figure="alerts"><span class="figure-label">监督预警</span><span class="figure-value">(.*?)<',
        html,
    )
    assert alerts[1].isdigit()  # one ledger, counted up to 1: the alerts are counted here
    # No script of the page runs inline (the CSP would refuse it): only JSON data blocks.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all('type="application/json"' in attributes for attributes in inline)


def test_the_picker_opens_a_dashboard(client, books, county_user):
    client.force_login(county_user)
    response = client.get("/regions/go/", {"region": XINAN, "report": "dashboard", "year": "2025"})
    assert response.status_code == 302 and response["Location"] == f"/regions/{XINAN}/dashboard/?year=2025"
    html = client.get(f"/regions/{XINAN}/dashboard/", {"year": "2025"}).content.decode()
    assert "新安镇 2025 年概览" in html
    assert client.get(f"/regions/{XINAN}/dashboard/", {"year": "20x5"}).status_code == 404
