"""The passport page with its drill-down to vouchers and payees, and the execution page with its
bars (inline SVG): what a county user and a village's accountant see, and what another township's
user does not."""

from __future__ import annotations

import re

import pytest

from villagebooks.funds import services
from villagebooks.funds.tests.support import advance_to
from villagebooks.funds.tests.test_pages import client_of
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.tests.books import post

FUND = "县交通局道路补助"


@pytest.fixture
def county_user(make_user, region_tree):
    return make_user("county", "county", region_tree["510781000000"])


@pytest.fixture
def outsider(make_user, region_tree):
    return make_user("wudu", "agency-manager", region_tree["510781101000"])


@pytest.fixture
def spent(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    services.milestones_set(
        actor=accountant,
        ledger=road,
        code="P01",
        milestones=[services.MilestoneInput("开工预付 40%", "实施", 8_000_000)],
    )
    ledger_services.counterparty_create(actor=accountant, ledger=road, name="江油路桥公司")
    post(
        road,
        accountant,
        reviewer,
        f"""
        2025-03-02 收到道路补助
          借 102 银行存款   300000.00
          贷 241 专项应付款 300000.00  fund={FUND}
        2025-04-10 道路硬化工程款
          借 153 在建工程   50000.00  fund={FUND} project=P01 party=江油路桥公司
          贷 102 银行存款   50000.00
        """,
    )
    return road


def test_the_county_sees_the_passport_of_its_villages_and_drills_down(spent, county_user):
    client = client_of(county_user)
    page = client.get("/funds/passport/?region=510781000000&to=2025-12").content.decode()
    assert "A-2025-01" in page and "300,000.00" in page and "50,000.00" in page
    assert "30,000.00" in page  # committed: 80,000 planned, 50,000 paid
    assert "220,000.00" in page  # balance
    assert 'id="passport-villages"' in page  # the per-village breakdown
    assert "/regions/510781000000/reports/fund-passport.csv" in page
    link = re.search(r'href="(/funds/passport/lines/\?[^"]*figure=spent[^"]*)"', page).group(1)
    lines = client.get(link.replace("&amp;", "&")).content.decode()
    assert "道路硬化工程款" in lines and "江油路桥公司" in lines and "50,000.00" in lines


def test_the_page_default_is_the_users_region(spent, county_user):
    page = client_of(county_user).get("/funds/passport/?to=2025-12").content.decode()
    assert "江油市" in page and "A-2025-01" in page


def test_another_township_sees_nothing(spent, outsider):
    client = client_of(outsider)
    assert client.get("/funds/passport/?ledger=HT01&to=2025-12").status_code == 404
    assert client.get("/funds/passport/lines/?ledger=HT01&to=2025-12").status_code == 404
    page = client.get("/funds/passport/?region=510781000000&to=2025-12").content.decode()
    assert "A-2025-01" not in page


def test_the_execution_page_draws_the_rates(spent, county_user):
    page = client_of(county_user).get("/funds/execution/?region=510781000000&to=2025-12").content.decode()
    assert page.count("<svg") == 2 and "<script" not in page.split("<main")[-1]
    assert "黑滩村道路硬化" in page and "25.0%" in page  # 50,000 of 200,000
    assert "16.7%" in page  # the fund: 50,000 of 300,000
    assert "逾期" in page  # planned to end 2025-10-31, still 实施


def test_a_bad_month_is_said(spent, county_user):
    response = client_of(county_user).get("/funds/execution/?region=510781000000&to=2025-13")
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
