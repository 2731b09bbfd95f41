"""The supervision page: a supervisor of the township sees the alerts and findings; one of
another township gets 404; the CSV has the contract's columns."""

from __future__ import annotations

import pytest

from villagebooks.ledger.tests.books import post
from villagebooks.supervision.services import CSV_COLUMNS

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


def test_page_for_supervisor_and_404_elsewhere(client, books, region_tree, make_user):
    client.force_login(make_user("sup", "supervisor", region_tree["510781100000"]))
    page = client.get("/supervision/", {"region": "510781100000", "from": "2025-01", "to": "2025-12"})
    assert page.status_code == 200
    assert "一笔现金支付 1,500.00 元" in page.content.decode()
    csv = client.get(
        "/supervision/", {"region": "510781100000", "from": "2025-01", "to": "2025-12", "format": "csv"}
    )
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("规则,账套,期间")
    codes = client.get(
        "/supervision/",
        {"region": "510781100000", "from": "2025-01", "to": "2025-12", "format": "csv", "headers": "codes"},
    )
    assert codes.content.decode("utf-8-sig").splitlines()[0].startswith(",".join(CSV_COLUMNS))
    client.force_login(make_user("other", "supervisor", region_tree["510781101000"]))
    assert client.get("/supervision/", {"region": "510781100000"}).status_code == 404
    assert client.get("/supervision/", {"ledger": "HT01"}).status_code == 404


def test_bad_month_is_an_error_not_a_crash(client, books, region_tree, make_user):
    client.force_login(make_user("sup", "supervisor", region_tree["510781100000"]))
    page = client.get("/supervision/", {"region": "510781100000", "from": "2025-13", "to": "2025-12"})
    assert page.status_code == 200 and "月份" in page.content.decode()


def test_review_desk_shows_a_submitted_vouchers_alerts(client, ledger, accountant, reviewer):
    from villagebooks.ledger import services as ledger_services
    from villagebooks.ledger.domain.vouchers import LineInput

    voucher = ledger_services.voucher_create(
        actor=accountant, ledger=ledger, date=__import__("datetime").date(2025, 4, 2), submit=True,
        lines=[
            LineInput(summary="临时用工", account_code="513", debit_fen=2_000_00, counterparty_name="张三"),
            LineInput(summary="临时用工", account_code="101", credit_fen=2_000_00),
        ],
    )  # fmt: skip
    client.force_login(reviewer)
    page = client.get(f"/ledgers/{ledger.code}/review/{voucher.pk}/", follow=True)  # to the one voucher page
    assert page.status_code == 200
    assert "一笔现金支付 2,000.00 元" in page.content.decode()


def test_opened_from_the_menu_the_page_shows_the_users_own_region(client, books, region_tree, make_user):
    """The top bar's 监督预警 opens the page without a region: it shows the user's widest region;
    a village reporter, who may not see alerts, is offered no such link."""
    client.force_login(make_user("sup", "supervisor", region_tree["510781100000"]))
    home = client.get("/").content.decode()
    assert 'href="/supervision/"' in home
    page = client.get("/supervision/", {"from": "2025-01", "to": "2025-12"}).content.decode()
    assert 'value="510781100000"' in page and "一笔现金支付 1,500.00 元" in page
    client.force_login(make_user("rep", "reporter", region_tree["510781100201"]))
    assert 'href="/supervision/"' not in client.get("/").content.decode()
