"""Home: the ledgers in the user's scope, paginated, with what needs attention counted in SQL."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.tests.books import post
from villagebooks.web import views
from villagebooks.web.selectors import ledger_overview
from villagebooks.web.tests.pages import table_rows

WUDU = "510781101000"  # 武都镇: another township than the fixtures' 新安镇


def _ledger(actor, village_code, code, name):
    return services.ledger_create(
        actor=actor,
        village_code=village_code,
        code=code,
        name=name,
        chart="2023",
        start_year=2025,
        start_month=1,
    )


def _lines(amount_fen=10_000):
    return [
        LineInput(summary="购买办公用品", account_code="513", debit_fen=amount_fen),
        LineInput(summary="购买办公用品", account_code="102", credit_fen=amount_fen),
    ]


@pytest.fixture
def wudu_ledger(make_user, region_tree):
    other = make_user("wudu", "accountant", region_tree[WUDU])
    return _ledger(other, "510781101201", "QL01", "青林村股份经济合作联合社")


def test_home_lists_only_ledgers_in_scope(client, ledger, accountant, wudu_ledger):
    client.force_login(accountant)
    html = client.get("/").content.decode()
    rows, _ = table_rows(html, "data-ledger")
    assert list(rows) == ["HT01"]
    assert "黑滩村" in rows["HT01"][1] and "新安镇" in rows["HT01"][2]
    assert "QL01" not in html and "青林村股份" not in html


def test_a_user_of_another_township_sees_only_theirs(client, ledger, wudu_ledger):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="wudu"))
    rows, _ = table_rows(client.get("/").content.decode(), "data-ledger")
    assert list(rows) == ["QL01"]


def test_a_ledger_level_role_sees_that_ledger_only(client, ledger, accountant, make_user, region_tree):
    _ledger(accountant, "510781100202", "TM01", "土门村股份经济合作联合社")
    reporter = make_user("cun", "reporter", region_tree["510781100201"], ledger_id=ledger.pk)
    client.force_login(reporter)
    rows, _ = table_rows(client.get("/").content.decode(), "data-ledger")
    assert list(rows) == ["HT01"]


def test_a_user_without_roles_sees_an_empty_list(client, ledger):
    from django.contrib.auth import get_user_model

    nobody = get_user_model().objects.create_user(username="nobody", password="x-password-123")
    client.force_login(nobody)
    html = client.get("/").content.decode()
    assert "HT01" not in html
    assert "您目前没有可查看的账套" in html


def test_home_counts_drafts_waiting_vouchers_and_open_months(client, ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-02-03 购买办公用品
          借 513 管理费用   100.00
          贷 102 银行存款   100.00
    """,
    )
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 1), lines=_lines())
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 2), lines=_lines())
    services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 3, 3), lines=_lines(), submit=True
    )
    client.force_login(accountant)
    response = client.get("/")
    rows, _ = table_rows(response.content.decode(), "data-ledger")
    overview = response.context["page"].object_list[0]
    assert (overview.draft_count, overview.submitted_count) == (2, 1)
    # Columns: ledger, village, township, chart, status, drafts, submitted, open months, links.
    assert rows["HT01"][5:7] == ["2", "1"]
    assert rows["HT01"][7] == str(overview.open_past_count)


def test_open_months_before_today_are_counted_and_closed_ones_are_not(ledger, accountant):
    def open_past(today):
        return ledger_overview(user=accountant, today=today).get(pk=ledger.pk).open_past_count

    assert open_past(date(2025, 1, 31)) == 0
    assert open_past(date(2025, 4, 15)) == 3
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    assert open_past(date(2025, 4, 15)) == 2
    assert open_past(date(2026, 6, 1)) == 11  # all of 2025 but January; 2026 has no periods yet


def test_home_queries_do_not_grow_with_the_number_of_ledgers(client, ledger, accountant, reviewer):
    client.force_login(accountant)
    client.get("/")  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for code, village in (("TM01", "510781100202"), ("TM02", "510781100202"), ("HT02", "510781100201")):
        extra = _ledger(accountant, village, code, f"账套{code}")
        services.voucher_create(actor=accountant, ledger=extra, date=date(2025, 3, 1), lines=_lines())
    with CaptureQueriesContext(connection) as four:
        response = client.get("/")
    assert len(response.context["page"].object_list) == 4
    assert len(four) == len(one)


def test_home_is_paginated_and_loads_only_its_page(client, ledger, accountant, monkeypatch):
    monkeypatch.setattr(views, "LEDGERS_PER_PAGE", 2)
    for code in ("HT02", "HT03"):
        _ledger(accountant, "510781100201", code, f"黑滩村账套{code}")
    client.force_login(accountant)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/")
    rows, _ = table_rows(first.content.decode(), "data-ledger")
    assert list(rows) == ["HT01", "HT02"]
    assert "第 1 / 2 页" in first.content.decode()
    listing = [q["sql"] for q in queries if "draft" in q["sql"].lower() or "LIMIT 2" in q["sql"]]
    assert listing and all("LIMIT 2" in sql for sql in listing)
    rows, _ = table_rows(client.get("/?page=2").content.decode(), "data-ledger")
    assert list(rows) == ["HT03"]


def test_home_search_narrows_the_list(client, ledger, accountant):
    _ledger(accountant, "510781100202", "TM01", "土门村股份经济合作联合社")
    client.force_login(accountant)
    rows, _ = table_rows(client.get("/?q=土门").content.decode(), "data-ledger")
    assert list(rows) == ["TM01"]
    html = client.get("/?q=不存在的村").content.decode()
    assert "没有与“不存在的村”相符的账套" in html


def test_home_links_each_count_to_where_it_is_dealt_with(
    client, ledger, accountant, reviewer, make_user, region_tree, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from villagebooks.claims import services as claim_services

    settings.MEDIA_ROOT = tmp_path
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 1), lines=_lines())
    services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 3, 2), lines=_lines(), submit=True
    )
    reporter = make_user("heitan", "reporter", region_tree["510781100201"])
    receipt = SimpleUploadedFile("发票.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    claim_services.claim_submit(
        actor=reporter,
        ledger=ledger,
        spent_on=date(2025, 3, 10),
        amount_fen=8650,
        purpose="购买村委会打印纸",
        payee="江油市文具店",
        photos=[receipt],
    )

    client.force_login(accountant)
    html = client.get("/").content.decode()
    rows, _ = table_rows(html, "data-ledger")
    cells = rows["HT01"]
    assert (cells[5], cells[6], cells[8]) == ("1", "1", "1")  # drafts, to review, claims waiting
    assert 'href="/ledgers/HT01/vouchers/?status=draft"' in html
    assert 'href="/claims/ledger/HT01/"' in html
    assert 'href="/ledgers/HT01/entry/"' in html and 'href="/ledgers/HT01/review/"' not in html

    client.force_login(reviewer)
    html = client.get("/").content.decode()
    assert 'href="/ledgers/HT01/review/"' in html and 'href="/ledgers/HT01/entry/"' not in html
    assert '">结账</a>' not in html  # the closing page stays reachable read-only, from the count


def test_a_village_reporter_is_offered_a_claim_for_their_ledger(client, ledger, make_user, region_tree):
    client.force_login(make_user("heitan", "reporter", region_tree["510781100201"]))
    html = client.get("/").content.decode()
    assert 'href="/claims/new/?ledger=HT01"' in html and 'href="/ledgers/HT01/entry/"' not in html
    assert 'href="/claims/"' in html  # the top bar leads to claims from every page
    form = client.get("/claims/new/?ledger=HT01").context["form"]
    assert form["ledger"].value() == "HT01"
