"""The public pages without login, the command, the poster, the API, the accountant's page, and a
villager's look-up of their own payments (rate-limited, logged, one answer for every miss)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from villagebooks.disclosure.models import Disclosure, LookupLog
from villagebooks.disclosure.services import disclosure_publish, id_hash

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(books, ledger, accountant):
    first = disclosure_publish(actor=accountant, ledger=ledger, period="2025-01")
    disclosure_publish(actor=accountant, ledger=ledger, period="2025-01", reason="补列一笔收入")
    disclosure_publish(actor=accountant, ledger=ledger, period="2025-Q1")
    return first


def test_the_village_page_lists_periods_and_versions_without_login(published):
    page = Client().get("/public/HT01/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2025年第1季度" in text and "2025年1月" in text and "共 2 个版本" in text
    assert "<script" not in text
    assert Client().get("/public/NOPE/").status_code == 404


def test_an_old_version_stays_visible_and_says_it_was_corrected(published):
    latest = Client().get("/public/HT01/2025-01/").content.decode()
    assert "版本 2" in latest and "更正理由：补列一笔收入" in latest and "核对通过" in latest
    old = Client().get("/public/HT01/2025-01/v1/").content.decode()
    assert "这是旧版本，已被更正" in old
    snapshot = Client().get("/public/HT01/2025-01/v1/snapshot.json")
    assert json.loads(snapshot.content)["period"] == "2025-01"
    import hashlib

    assert hashlib.sha256(snapshot.content).hexdigest() == published.sha256


def test_the_command_prints_the_address_and_refuses_an_open_month(books, ledger, settings):
    settings.PUBLIC_BASE_URL = "https://cunwu.example.cn/"
    out = io.StringIO()
    call_command("publish", "--ledger", "HT01", "--period", "2025-02", stdout=out)
    assert out.getvalue().strip() == "https://cunwu.example.cn/public/HT01/2025-02/"
    with pytest.raises(CommandError, match="2025-04、2025-05、2025-06 尚未结账"):
        call_command("publish", "--ledger", "HT01", "--period", "2025-Q2", stdout=io.StringIO())


def test_the_poster_is_a_pdf_with_the_qr_code(published):
    response = Client().get("/public/HT01/poster.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and b"/Image" in response.content


def test_the_api_lists_without_login_and_publishes_only_for_the_accountant(published, accountant, reviewer):
    listed = Client().get("/api/public/HT01/disclosures")
    assert listed.status_code == 200
    assert [(d["period"], d["version"]) for d in listed.json()] == [
        ("2025-Q1", 1),
        ("2025-01", 2),
        ("2025-01", 1),
    ]
    detail = Client().get("/api/public/HT01/disclosures/2025-01/1").json()
    assert detail["snapshot"]["period"] == "2025-01"
    anonymous = Client().post(
        "/api/ledgers/HT01/disclosures", {"period": "2025-02"}, content_type="application/json"
    )
    assert anonymous.status_code == 401
    client = Client()
    client.force_login(reviewer)
    refused = client.post(
        "/api/ledgers/HT01/disclosures", {"period": "2025-02"}, content_type="application/json"
    )
    assert refused.status_code == 403
    client.force_login(accountant)
    made = client.post(
        "/api/ledgers/HT01/disclosures", {"period": "2025-02"}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    assert made.json()["address"] == "http://127.0.0.1:8000/public/HT01/2025-02/"
    again = client.post(
        "/api/ledgers/HT01/disclosures", {"period": "2025-02"}, content_type="application/json"
    )
    assert again.status_code == 422 and "更正须写明理由" in again.json()["message"]


def test_the_accountant_page_publishes_and_others_are_sent_to_login(books, accountant):
    assert Client().get("/public/manage/").status_code == 302
    client = Client()
    client.force_login(accountant)
    page = client.post("/public/manage/publish/", {"ledger": "HT01", "period": "2025-03"}, follow=True)
    assert "已公开" in page.content.decode() and Disclosure.objects.filter(period="2025-03").exists()
    page = client.post("/public/manage/publish/", {"ledger": "HT01", "period": "2025-05"}, follow=True)
    assert "2025-05 尚未结账" in page.content.decode()


# -- a villager's own payments -----------------------------------------------------------------


@pytest.fixture
def paid(ledger, accountant, reviewer):
    """A paid subsidy list of 黑滩村: 张德明 300.00, 李秀英 300.00."""
    from villagebooks.disclosure.tests.support import paid_subsidy_list

    return paid_subsidy_list(ledger, accountant, reviewer)


def _ask(client, id_number, name):
    return client.post("/public/HT01/lookup/", {"id_number": id_number, "name": name}).content.decode()


def test_a_villager_sees_their_own_payments_and_nobody_elses(paid):
    page = _ask(Client(), "510781196503120033", "张德明")
    assert "张德明 的补贴" in page and "300.00" in page
    assert "李秀英" not in page and "510781196503120033" not in page
    entry = LookupLog.objects.get()
    assert (entry.outcome, entry.id_hash) == ("found", id_hash("510781196503120033"))
    assert "510781196503120033" not in entry.id_hash


def test_not_found_and_a_wrong_name_get_the_same_answer(paid):
    import re

    def body(page):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    wrong_name = body(_ask(Client(), "510781196503120033", "李秀英"))
    unknown = body(_ask(Client(), "510781199001010012", "张德明"))
    assert "没有查到" in wrong_name
    assert wrong_name.replace("李秀英", "") == unknown.replace("张德明", "").replace("李秀英", "")
    assert [e.outcome for e in LookupLog.objects.order_by("id")] == ["none", "none"]


def test_look_ups_are_limited_per_id_number_and_per_address(paid, settings):
    settings.DISCLOSURE_LOOKUP_PER_ID = 2
    settings.DISCLOSURE_LOOKUP_PER_IP = 3
    client = Client()
    for _ in range(2):
        assert "张德明 的补贴" in _ask(client, "510781196503120033", "张德明")
    response = client.post("/public/HT01/lookup/", {"id_number": "510781196503120033", "name": "张德明"})
    assert response.status_code == 429 and "查询过于频繁" in response.content.decode()
    assert "过于频繁" in _ask(Client(), "510781196708230041", "李秀英")  # the 4th from this address
    assert [e.outcome for e in LookupLog.objects.order_by("id")] == ["found", "found", "limited", "limited"]
