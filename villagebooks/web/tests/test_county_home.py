"""A county user's home: their region's state per township (villages, ledgers, last month closed,
ledgers behind, drafts, vouchers waiting, open findings); nobody else sees it, and a township's
county-level user sees only their township."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
from villagebooks.web.selectors import region_state
from villagebooks.workspace.tests.vouchers_pages import logged_in, office_voucher

pytestmark = pytest.mark.django_db

COUNTY = "510781000000"
XINAN = "510781100000"
WUDU = "510781101000"


@pytest.fixture
def books(ledger, other_ledger, accountant, reviewer, monkeypatch):
    """HT01: April closed, one voucher waiting, one draft; TM01: nothing closed."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: date(2025, 5, 10))
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-05 办公用品
          借 513 管理费用 100.00
          贷 102 银行存款 100.00
        """,
    )
    for month in (1, 2, 3, 4):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    office_voucher(ledger, accountant, day=date(2025, 5, 2), submit=True)
    office_voucher(ledger, accountant, day=date(2025, 5, 3))


def test_the_county_user_sees_the_state_of_each_township(books, make_user, region_tree):
    county = make_user("county", "county", region_tree[COUNTY])
    (state,) = region_state(user=county, today=date(2025, 5, 10))
    assert state.region.code == COUNTY
    rows = {row["code"]: row for row in state.rows}
    assert set(rows) == {XINAN}  # 武都镇 keeps no ledger here
    assert {
        k: rows[XINAN][k] for k in ("villages", "ledgers", "closed_last_month", "behind", "drafts", "waiting")
    } == {
        "villages": 2,
        "ledgers": 2,
        "closed_last_month": 1,
        "behind": 1,
        "drafts": 1,
        "waiting": 1,
    }
    assert state.total["last_month"] == "2025-04"
    html = logged_in(county).get("/").content.decode()
    assert f'data-region-state="{COUNTY}"' in html
    assert "2025-04 已结账 1/2" in html
    assert "待审核凭证 1 张" in html


def test_other_roles_do_not_get_the_region_state(books, accountant, reviewer):
    assert region_state(user=accountant, today=date(2025, 5, 10)) is None
    assert region_state(user=reviewer, today=date(2025, 5, 10)) is None
    assert "data-region-state" not in logged_in(accountant).get("/").content.decode()


def test_a_township_user_sees_only_their_township(books, make_user, region_tree):
    wudu = make_user("wudu-county", "county", region_tree[WUDU])
    (state,) = region_state(user=wudu, today=date(2025, 5, 10))
    assert state.region.code == WUDU
    assert state.rows == [] and state.total["waiting"] == 0
