"""The demo's public disclosure: every public page, file and API answer of the demo county walked
without login; none carries a full ID number, a bank card or a phone number, every disclosure's
check passes on the untouched books, and the correction is a visible version 2."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from villagebooks.disclosure.models import Disclosure
from villagebooks.registry.models import Person, SubsidyLine
from villagebooks.reports.tests.pdf_reading import page_lines

from .test_demo_command import TODAY


def pdf_text(data: bytes) -> str:
    return "\n".join("".join(words) for page in page_lines(data) for words in page)


# Not inside a hexadecimal hash (the SHA-256 and chain hashes shown for checking are public).
ID_NUMBER = re.compile(r"(?<![0-9a-fA-F])\d{17}[\dXx](?![0-9a-fA-F])")
CARD = re.compile(r"(?<![0-9a-fA-F])\d{16,19}(?![0-9a-fA-F])")
PHONE = re.compile(r"(?<![0-9a-fA-F])1[3-9]\d{9}(?![0-9a-fA-F])")


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker, tmp_path_factory):
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        call_command(
            "demo", villages=3, vouchers=40, seed=5, today=TODAY, planted_villages=0, stdout=StringIO()
        )
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_county, db):
    return demo_county


def _public_files(client: Client) -> dict[str, str]:
    """Every public page and file of the demo, as text (PDFs through their text)."""
    found = {}
    codes = sorted(set(Disclosure.objects.values_list("ledger__code", flat=True)))
    for code in codes:
        for address in (f"/public/{code}/", f"/public/{code}/lookup/", f"/api/public/{code}/disclosures"):
            response = client.get(address)
            assert response.status_code == 200, address
            found[address] = response.content.decode()
        poster = client.get(f"/public/{code}/poster.pdf")
        found[f"/public/{code}/poster.pdf"] = pdf_text(poster.content)
    for disclosure in Disclosure.objects.select_related("ledger"):
        base = f"/public/{disclosure.ledger.code}/{disclosure.period}/"
        for address in (base, f"{base}v{disclosure.version}/", f"{base}v{disclosure.version}/snapshot.json"):
            response = client.get(address)
            assert response.status_code == 200, address
            found[address] = response.content.decode()
        detail = client.get(
            f"/api/public/{disclosure.ledger.code}/disclosures/{disclosure.period}/{disclosure.version}"
        )
        found[detail.request["PATH_INFO"]] = detail.content.decode()
    return found


def test_no_public_page_or_file_carries_an_id_number_card_or_phone(loaded):
    assert Disclosure.objects.count() >= 5
    files = _public_files(Client())
    identifiers = set(Person.objects.values_list("id_number", flat=True))
    cards = {c for c in Person.objects.values_list("bank_card", flat=True) if c}
    phones = {p for p in Person.objects.values_list("phone", flat=True) if p}
    assert identifiers and cards and SubsidyLine.objects.exists()
    for address, text in files.items():
        assert not ID_NUMBER.search(text), f"{address}: {ID_NUMBER.search(text).group(0)}"
        assert not CARD.search(text), f"{address}: {CARD.search(text).group(0)}"
        assert not PHONE.search(text), f"{address}: {PHONE.search(text).group(0)}"
        assert not any(value in text for value in identifiers | cards | phones), address
    # The subsidy lists are there, by name: the walk saw them.
    assert any("补贴发放名单" in text for text in files.values())


def test_every_demo_disclosure_checks_and_the_correction_is_version_two(loaded):
    client = Client()
    corrected = Disclosure.objects.get(version=2)
    page = client.get(f"/public/{corrected.ledger.code}/{corrected.period}/").content.decode()
    assert "版本 2" in page and "更正理由" in page and "核对通过" in page
    old = client.get(f"/public/{corrected.ledger.code}/{corrected.period}/v1/").content.decode()
    assert "这是旧版本，已被更正" in old
    for disclosure in Disclosure.objects.select_related("ledger"):
        page = client.get(f"/public/{disclosure.ledger.code}/{disclosure.period}/v{disclosure.version}/")
        assert "核对通过" in page.content.decode(), (disclosure.ledger.code, disclosure.period)


def test_the_affairs_registers_are_published_and_a_member_finds_the_households_dividend(loaded):
    from villagebooks.affairs.models import DividendLine
    from villagebooks.disclosure.selectors import shown_sections

    keys = {section.key for d in Disclosure.objects.all() for section in shown_sections(d)}
    assert {"members", "contracts", "assets", "resources"} <= keys, keys
    from django.core.cache import cache

    cache.clear()  # the look-ups' rate limit
    line = DividendLine.objects.select_related("ledger").order_by("id").first()
    assert line is not None, "the demo distributes a dividend in one village"
    person = Person.objects.filter(household_id=line.household_id).order_by("id").first()
    page = (
        Client()
        .post(f"/public/{line.ledger.code}/lookup/", {"id_number": person.id_number, "name": person.name})
        .content.decode()
    )
    assert "年度分红" in page and person.id_number not in page
    # Paid through a list: a payee whose payment the bank made sees it; the one it returned does not.
    paid = SubsidyLine.objects.filter(batch__programme__name="集体收益分红").order_by("row")
    assert paid.count() == line.dividend.lines.count()
    returned, reached = paid.filter(resolution="return").get(), paid.filter(resolution="").first()
    for payee, shown in ((reached, True), (returned, False)):
        page = (
            Client()
            .post(f"/public/{line.ledger.code}/lookup/", {"id_number": payee.id_number, "name": payee.name})
            .content.decode()
        )
        assert ("集体收益分红" in page) is shown and "年度分红" in page
