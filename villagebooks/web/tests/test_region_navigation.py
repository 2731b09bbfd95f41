"""Getting around a region (issue 16, part 4): the region picker on home and on every report page,
breadcrumbs by name, a region's children, an account drilled down per village and then to the
village's own books, consolidated sub-accounts named by what they are, and the boundaries (a
township's user never reaches another township).

The county 江油市 has 新安镇 (黑滩村 HT01, 土门村 TM01) and 武都镇 (青林村 QL01). Each village keeps
its bank account as sub-account 10201 under its own bank's name.
"""

import re

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
from villagebooks.web.tests.pages import table_rows

COUNTY = "510781000000"  # 江油市
XINAN = "510781100000"  # 新安镇
WUDU = "510781101000"  # 武都镇
MONTHS = {"from": "2025-01", "to": "2025-03"}

BANKS = {"HT01": "黑滩农商行", "TM01": "土门信用社", "QL01": "青林邮储"}


def _ledger(actor, village: str, code: str, name: str, amount: str):
    ledger = services.ledger_create(
        actor=actor, village_code=village, code=code, name=name, chart="2023", start_year=2025, start_month=1
    )
    ledger = services.opening_balances_set(actor=actor, ledger=ledger, rows=[])
    services.account_add(actor=actor, ledger=ledger, parent_code="102", code="10201", name=BANKS[code])
    return (
        ledger,
        f"""
        2025-02-10 收到土地租金
          借 10201 {BANKS[code]}  {amount}
          贷 501 经营收入        {amount}
    """,
    )


@pytest.fixture
def county_books(region_tree, accountant, reviewer, make_user):
    """Three villages in two townships, each with 10201 under its own bank's name."""
    wudu_accountant = make_user("wudu-accountant", "accountant", region_tree[WUDU])
    wudu_reviewer = make_user("wudu-reviewer", "reviewer", region_tree[WUDU])
    for actor, check, village, code, name, amount in (
        (accountant, reviewer, "510781100201", "HT01", "黑滩村股份经济合作联合社", "1000.00"),
        (accountant, reviewer, "510781100202", "TM01", "土门村股份经济合作联合社", "2000.00"),
        (wudu_accountant, wudu_reviewer, "510781101201", "QL01", "青林村股份经济合作联合社", "4000.00"),
    ):
        ledger, text = _ledger(actor, village, code, name, amount)
        post(ledger, actor, check, text)
    return make_user("county", "county", region_tree[COUNTY])


def _get(client, path, params=MONTHS):
    response = client.get(path, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def test_consolidated_sub_accounts_are_named_by_what_they_are_not_by_one_village(client, county_books):
    client.force_login(county_books)
    html = _get(client, f"/regions/{COUNTY}/reports/trial-balance/")
    rows, _classes = table_rows(html)
    assert rows["10201"][:2] == ["10201", "银行存款 — 各村明细"]
    assert rows["10201"][4] == "7,000.00"  # the three villages' bank receipts
    assert not any(bank in html for bank in BANKS.values())
    # The CSV says the same.
    csv = client.get(f"/regions/{COUNTY}/reports/trial-balance.csv", MONTHS).content.decode()
    assert "10201,银行存款 — 各村明细," in csv


def test_one_village_still_sees_its_own_sub_account_names(client, county_books, accountant):
    client.force_login(accountant)
    rows, _classes = table_rows(_get(client, "/ledgers/HT01/reports/trial-balance/"))
    assert rows["10201"][1] == "黑滩农商行"


def test_at_county_level_account_codes_drill_down_per_village_then_to_the_villages_books(
    client, county_books
):
    client.force_login(county_books)
    html = _get(client, f"/regions/{COUNTY}/reports/trial-balance/")
    link = re.search(r'<a href="([^"]+)"[^>]*>10201</a>', html)
    assert link is not None
    url = link[1].replace("&amp;", "&")
    assert url.startswith(f"/regions/{COUNTY}/reports/village-trial-balance/?")
    assert "account=10201" in url
    breakdown = _get(client, url, None)
    rows, _classes = table_rows(breakdown, "data-row")
    by_ledger = {cells[2]: cells for cells in rows.values()}
    assert by_ledger["HT01"][1] == "黑滩村" and by_ledger["HT01"][5] == "1,000.00"
    assert by_ledger["QL01"][5] == "4,000.00"
    assert "银行存款 — 各村明细" in breakdown
    # Each village's row opens its own detail ledger of the account, for the same months.
    assert (
        'href="/ledgers/QL01/reports/detail-ledger/?from=2025-01&amp;to=2025-03&amp;account=10201"'
        in breakdown
    )
    assert "黑滩农商行" in _get(
        client, "/ledgers/HT01/reports/detail-ledger/", {**MONTHS, "account": "10201"}
    )


def test_statement_line_accounts_at_a_region_drill_down_per_village(client, county_books):
    client.force_login(county_books)
    html = _get(client, f"/regions/{COUNTY}/reports/balance-sheet/lines/1/")
    assert f"/regions/{COUNTY}/reports/village-trial-balance/?" in html


def test_breadcrumb_names_the_regions_and_links_those_the_user_may_open(client, county_books):
    client.force_login(county_books)
    html = _get(client, f"/regions/{XINAN}/reports/balance-sheet/")
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S)[0]
    assert "四川省" in crumbs and "江油市" in crumbs and "新安镇" in crumbs
    assert not re.search(r"\d{12}<", crumbs)  # names, never a raw code as text
    assert f'href="/regions/{COUNTY}/reports/balance-sheet/' in crumbs  # the county: the user's own
    assert 'href="/regions/510000000000/' not in crumbs  # the province: above the user's role
    # A village's ledger page shows its township and county by name.
    ledger_crumbs = re.search(
        r'<nav class="crumbs".*?</nav>', _get(client, "/ledgers/QL01/reports/trial-balance/"), re.S
    )[0]
    assert (
        "武都镇" in ledger_crumbs
        and "青林村" in ledger_crumbs
        and "青林村股份经济合作联合社" in ledger_crumbs
    )


def test_a_county_user_reaches_a_townships_consolidated_reports_from_the_page(client, county_books):
    client.force_login(county_books)
    html = _get(client, f"/regions/{COUNTY}/reports/trial-balance/")
    assert (
        f'<li data-child="{WUDU}"><a href="/regions/{WUDU}/reports/trial-balance/?from=2025-01&amp;to=2025-03'
        in html
    )
    township = _get(client, f"/regions/{WUDU}/reports/trial-balance/")
    # A township's villages open their own ledgers.
    assert '<li data-child="510781101201"><a href="/ledgers/QL01/reports/trial-balance/' in township


def test_the_region_picker_lists_the_tree_and_opens_the_choice(client, county_books):
    client.force_login(county_books)
    home = client.get("/").content.decode()
    options = re.findall(r'<option value="(\d{12})"', home)
    assert options == [COUNTY, XINAN, "510781100201", "510781100202", WUDU, "510781101201"]
    report = _get(client, f"/regions/{COUNTY}/reports/balance-sheet/")
    assert 'name="report" value="balance-sheet"' in report
    response = client.get(
        "/regions/go/", {"region": WUDU, "report": "balance-sheet", **MONTHS, "chart": "2023"}
    )
    assert response.status_code == 302
    assert (
        response["Location"] == f"/regions/{WUDU}/reports/balance-sheet/?from=2025-01&to=2025-03&chart=2023"
    )
    village = client.get("/regions/go/", {"region": "510781101201", "report": "village-statements", **MONTHS})
    assert village["Location"] == "/ledgers/QL01/reports/trial-balance/?from=2025-01&to=2025-03"


def test_a_township_user_cannot_reach_another_township(client, county_books, accountant):
    client.force_login(accountant)  # 新安镇's accountant
    home = client.get("/").content.decode()
    options = re.findall(r'<option value="(\d{12})"', home)
    assert options == [XINAN, "510781100201", "510781100202"]
    assert "武都镇" not in home
    assert client.get("/regions/go/", {"region": WUDU}).status_code == 404
    assert client.get("/regions/go/", {"region": "510781101201"}).status_code == 404
    assert client.get("/regions/go/", {"region": COUNTY}).status_code == 404
    assert client.get(f"/regions/{WUDU}/reports/trial-balance/").status_code == 404
    assert (
        client.get(f"/regions/{WUDU}/reports/village-trial-balance/", {"account": "102"}).status_code == 404
    )
    assert client.get("/ledgers/QL01/reports/trial-balance/").status_code == 404
    # Its own township's page names the county, unlinked, and offers only its own villages.
    html = _get(client, f"/regions/{XINAN}/reports/trial-balance/")
    assert "江油市" in html and f'href="/regions/{COUNTY}/' not in html
    assert "青林村" not in html and "QL01" not in html


def test_the_county_breakdown_has_township_subtotals_and_readable_village_names(client, county_books):
    client.force_login(county_books)
    html = _get(client, f"/regions/{COUNTY}/reports/village-statements/")
    rows, classes = table_rows(html, "data-row")
    order = list(rows)
    assert order == ["HT01", "TM01", f"township-{XINAN}", "QL01", f"township-{WUDU}", "total"]
    assert rows[f"township-{XINAN}"][:3] == [XINAN, "新安镇 小计", "2 个账套"]
    assert classes[f"township-{XINAN}"] == "subtotal"
    assert rows[f"township-{XINAN}"][3] == "3,000.00"  # 货币资金: 1,000 + 2,000
    assert rows[f"township-{WUDU}"][3] == "4,000.00"
    assert '<th scope="row" class="village-name">黑滩村</th>' in html
    # A subtotal opens the township's own breakdown, for the same months.
    assert (
        f'href="/regions/{WUDU}/reports/village-statements/?from=2025-01&amp;to=2025-03&amp;chart=2023"'
        in html
    )
    # A township's own breakdown has no subtotal of itself.
    township = _get(client, f"/regions/{XINAN}/reports/village-statements/")
    assert "township-" not in township
