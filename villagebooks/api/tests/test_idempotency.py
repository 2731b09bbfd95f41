"""A voucher POSTed again with the same Idempotency-Key is the same voucher: a retry after a lost
answer makes no second draft, another request under a used key is refused, and the key is
written with the draft or not at all."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from villagebooks.api import idempotency
from villagebooks.api.models import IdempotencyKey
from villagebooks.api.tests.conftest import ApiCaller, error_of, problems_of
from villagebooks.api.tests.test_vouchers import BASE, office
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher

KEY = "6f1c1f0e-8a51-4c43-9d3e-2f1b8f0b8a11"


def post_with_key(caller: ApiCaller, body, key=KEY, path=BASE):
    caller.headers["HTTP_IDEMPOTENCY_KEY"] = key
    try:
        return caller.post(path, body)
    finally:
        del caller.headers["HTTP_IDEMPOTENCY_KEY"]


def test_a_retry_with_the_same_key_answers_the_first_voucher_and_makes_none(ledger, acc):
    first = post_with_key(acc, office())
    assert first.status_code == 201, first.content
    again = post_with_key(acc, office())
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Voucher.objects.count() == 1
    assert AuditEntry.objects.filter(action="voucher_create").count() == 1
    assert IdempotencyKey.objects.get().key == KEY


def test_without_a_key_a_retry_is_a_second_draft(ledger, acc):
    # What a program that sends no key gets: the review's finding, kept as the documented contract.
    assert acc.post(BASE, office()).status_code == acc.post(BASE, office()).status_code == 201
    assert Voucher.objects.count() == 2


def test_the_same_body_in_another_key_order_is_the_same_request(ledger, acc):
    body = office()
    first = post_with_key(acc, body)
    reordered = dict(reversed(list(body.items())))
    assert post_with_key(acc, reordered).json()["id"] == first.json()["id"]


@pytest.mark.parametrize(
    "other",
    [office(amount="1300.00"), office(day="2025-03-11"), office(submit=True)],
    ids=["amount", "date", "submit"],
)
def test_the_same_key_with_another_body_is_a_conflict(ledger, acc, other):
    post_with_key(acc, office())
    response = post_with_key(acc, other)
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert problems_of(response) == [("Idempotency-Key", None, idempotency.KEY_REUSED)]
    assert Voucher.objects.count() == 1


def test_the_same_key_on_another_ledger_is_a_conflict(ledger, other_ledger, api_as, make_user, township):
    both = ApiCaller(None)
    both.headers = api_as(make_user("zhen", "accountant", township)).headers
    assert post_with_key(both, office()).status_code == 201
    response = post_with_key(both, office(), path="/api/ledgers/TM01/vouchers")
    assert response.status_code == 409
    assert Voucher.objects.count() == 1


def test_keys_belong_to_their_user(ledger, api_as, make_user, township):
    one = api_as(make_user("kuaiji1", "accountant", township))
    two = api_as(make_user("kuaiji2", "accountant", township))
    first, second = post_with_key(one, office()), post_with_key(two, office())
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert Voucher.objects.count() == 2


@pytest.mark.parametrize("key", ["含中文", "with space", "x" * 256])
def test_a_malformed_key_is_refused_at_its_header(ledger, acc, key):
    response = post_with_key(acc, office(), key=key)
    assert response.status_code == 422
    assert problems_of(response) == [("Idempotency-Key", None, idempotency.BAD_KEY)]
    assert Voucher.objects.count() == 0


def test_a_refused_request_keeps_no_key_so_its_corrected_retry_runs(ledger, acc):
    unbalanced = office()
    unbalanced["lines"][1]["credit"] = "1000.00"
    assert post_with_key(acc, unbalanced).status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert post_with_key(acc, office()).status_code == 201
    assert Voucher.objects.count() == 1


def test_a_key_is_forgotten_after_a_day(ledger, acc):
    first = post_with_key(acc, office()).json()
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = post_with_key(acc, office(amount="99.00"))
    assert again.status_code == 201 and again.json()["id"] != first["id"]
    assert Voucher.objects.count() == 2
    row = IdempotencyKey.objects.get()  # the expired row gave way to the new one
    assert row.response["id"] == again.json()["id"]
    hours = (row.expires_at - row.created_at) / timedelta(hours=1)
    assert round(hours) == idempotency.IDEMPOTENCY_HOURS == 24


def test_the_key_and_the_draft_are_written_together_or_not_at_all(ledger, acc, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("the server died between the draft and its key")

    monkeypatch.setattr(IdempotencyKey.objects, "create", crash)
    with pytest.raises(RuntimeError):
        post_with_key(acc, office())
    assert Voucher.objects.count() == 0
    assert not AuditEntry.objects.filter(action="voucher_create").exists()
    monkeypatch.undo()
    assert post_with_key(acc, office()).status_code == 201
    assert Voucher.objects.count() == 1


def test_the_schema_documents_the_header(client, db):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/ledgers/{code}/vouchers"]["post"]
    header = next(p for p in operation["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is False
    assert header["schema"]["pattern"] == idempotency.KEY_PATTERN


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_retries_at_the_same_moment_make_one_voucher(ledger, acc, monkeypatch):
    # Both requests make their draft before either commits: the unique key decides.
    barrier = threading.Barrier(2)
    create = services.voucher_create

    def create_then_meet(**kwargs):
        voucher = create(**kwargs)
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        return voucher

    monkeypatch.setattr(services, "voucher_create", create_then_meet)
    answers = []

    def send():
        caller = ApiCaller(None)
        caller.headers = dict(acc.headers)
        try:
            answers.append(post_with_key(caller, office()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Voucher.objects.count() == 1 and IdempotencyKey.objects.count() == 1
