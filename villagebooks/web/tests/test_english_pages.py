"""The pages in English: the user menu's language switch (Django's set_language), and pages that
come back in the chosen language with their data (names of ledgers, accounts, summaries) as they
were written. Chinese stays the language of everyone who has not chosen English."""

import io
import re
from html import unescape

import pytest
from django.test import Client
from openpyxl import load_workbook

from villagebooks.ledger.models import Voucher
from villagebooks.web.tests.pages import table_rows

pytestmark = pytest.mark.django_db

DETAIL = "/ledgers/HT01/reports/detail-ledger/"
MONTHS = {"from": "2025-01", "to": "2025-03"}


def english(client: Client) -> Client:
    """``client`` after choosing English in the user menu."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_user_menu_switches_the_pages_to_english_and_back(client, accountant, ledger):
    login = client.get("/login/").content.decode()
    assert "登录村账通" in login
    # The switch is in the page itself: a POST form to set_language, with the CSRF token.
    assert 'action="/i18n/setlang/"' in login and 'name="csrfmiddlewaretoken"' in login
    assert 'name="language" value="en"' in login

    answer = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert (answer.status_code, answer["Location"]) == (302, "/login/")
    english = client.get("/login/").content.decode()
    assert "Log in to VillageBooks" in english and '<html lang="en">' in english
    assert 'name="language" value="zh-hans"' in english

    client.force_login(accountant)
    home = client.get("/").content.decode()
    assert "My ledgers" in home or "Ledgers and what is waiting" in home
    assert "Log out" in home and "退出" not in home
    assert "黑滩村股份经济合作联合社" in home  # a ledger's name is data: never translated

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    home = client.get("/").content.decode()
    assert "退出" in home and "Log out" not in home and '<html lang="zh-hans">' in home


def test_set_language_refuses_a_post_without_the_csrf_token(accountant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 403
    assert "退出" in client.get("/").content.decode()


def test_the_detail_ledger_in_english_keeps_its_data_and_its_voucher_links(client, books, accountant):
    client.force_login(accountant)
    html = english(client).get(DETAIL, {**MONTHS, "account": "102"}).content.decode()
    assert '<h2 id="report-title">Detail ledger 102 银行存款</h2>' in html
    rows, _classes = table_rows(html, "data-row")
    assert list(rows.values())[:3] == [
        ["", "", "102", "Opening balance", "Dr", "", "", "80,000.00"],
        ["2025-01-10", "V-1", "102", "收到道路补助", "Dr", "50,000.00", "", "130,000.00"],
        ["2025-01", "", "102", "Month total", "Dr", "50,000.00", "", "130,000.00"],
    ]
    table = html[html.index('id="detail-ledger"') :]
    hrefs = [unescape(h) for h in re.findall(r'<a href="(/ledgers/HT01/vouchers/[^"]+)">V-1</a>', table)]
    ids = [Voucher.objects.get(ledger__code="HT01", period__month=m, number=1).pk for m in (1, 2, 3)]
    assert hrefs == [f"/ledgers/HT01/vouchers/{pk}/" for pk in ids]


def test_the_voucher_page_in_english_names_who_prepared_reviewed_and_posted(client, books, accountant):
    client.force_login(accountant)
    voucher = Voucher.objects.get(ledger__code="HT01", period__month=2, number=1)
    html = english(client).get(f"/ledgers/HT01/vouchers/{voucher.pk}/").content.decode()
    assert "<dt>Prepared by</dt>" in html and "<dt>Reviewed by</dt>" in html and "<dt>Posted by</dt>" in html
    assert "道路硬化工程款" in html  # the summary is data
    assert "<dt>制单</dt>" not in html


def test_a_download_in_english_has_english_headers_and_an_english_name(client, books, accountant):
    client.force_login(accountant)
    response = english(client).get("/ledgers/HT01/reports/trial-balance.xlsx", MONTHS)
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="HT01-Trial balance-2025-01_to_2025-03.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [sheet["A1"].value, sheet["A3"].value, sheet["B4"].value] == [
        "Trial balance",
        "Account code",
        "银行存款",
    ]
