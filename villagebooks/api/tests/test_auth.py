"""Both ways in (a personal token, the login session with CSRF) and every way a caller is refused."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from villagebooks.api import services as T
from villagebooks.api.errors import CSRF_FAILED, NOT_AUTHENTICATED
from villagebooks.api.models import ApiToken
from villagebooks.api.tests.conftest import ApiCaller, error_of
from villagebooks.common.errors import DomainError
from villagebooks.common.models import AuditEntry
from villagebooks.ledger.models import Fund

FUNDS = "/api/ledgers/HT01/funds"
NEW_FUND = {"name": "一事一议财政奖补", "kind": "one_matter", "amount": "30000.00"}


def test_a_token_acts_as_its_user(ledger, accountant):
    secret = T.api_token_create(actor=accountant, name="对接").secret
    response = ApiCaller(secret).get("/api/me")
    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["auth"], body["csrf_token"]) == ("accountant", "token", None)
    assert [(r["role"], r["region"]["code"], r["ledger"]) for r in body["roles"]] == [
        ("accountant", "510781100000", None)
    ]


def test_only_a_digest_of_the_token_is_stored(accountant):
    created = T.api_token_create(actor=accountant, name="对接")
    row = ApiToken.objects.get()
    assert created.secret.startswith("vbk_") and len(created.secret) == 47
    assert row.digest == T.token_digest(created.secret) and created.secret not in (row.digest, row.prefix)
    assert row.prefix == created.secret[:12]
    assert AuditEntry.objects.filter(action="api_token_create", object_id=row.pk).count() == 1


def test_a_token_records_when_it_was_last_used(ledger, accountant):
    secret = T.api_token_create(actor=accountant, name="对接").secret
    assert ApiToken.objects.get().last_used_at is None
    ApiCaller(secret).get("/api/ledgers")
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "headers, message",
    [
        ({}, NOT_AUTHENTICATED),
        ({"HTTP_AUTHORIZATION": "Bearer vbk_not-a-real-token"}, T.TOKEN_INVALID),
        ({"HTTP_AUTHORIZATION": "Bearer something-else"}, T.TOKEN_INVALID),
        ({"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}, NOT_AUTHENTICATED),
    ],
)
def test_no_or_a_wrong_token_is_401_with_the_reason(client, ledger, headers, message):
    response = client.get("/api/ledgers", **headers)
    assert response.status_code == 401
    assert error_of(response) == {"code": "unauthenticated", "message": message, "problems": []}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(ledger, accountant):
    created = T.api_token_create(actor=accountant, name="对接")
    T.api_token_revoke(actor=accountant, token=created.token)
    response = ApiCaller(created.secret).get("/api/ledgers")
    assert response.status_code == 401
    assert error_of(response)["message"] == T.TOKEN_REVOKED


def test_an_expired_token_is_401(ledger, accountant):
    created = T.api_token_create(actor=accountant, name="对接", days=1)
    ApiToken.objects.filter(pk=created.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = ApiCaller(created.secret).get("/api/ledgers")
    assert response.status_code == 401
    assert error_of(response)["message"] == T.TOKEN_EXPIRED


def test_the_token_of_a_deactivated_user_is_401(ledger, accountant):
    secret = T.api_token_create(actor=accountant, name="对接").secret
    accountant.is_active = False
    accountant.save()
    response = ApiCaller(secret).get("/api/ledgers")
    assert response.status_code == 401
    assert error_of(response)["message"] == T.TOKEN_INVALID


def test_a_bad_token_does_not_fall_back_to_the_session(ledger, accountant):
    client = Client()
    client.force_login(accountant)
    response = client.get("/api/ledgers", HTTP_AUTHORIZATION="Bearer vbk_wrong")
    assert response.status_code == 401


def test_the_session_reads_without_a_csrf_token(ledger, accountant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    response = client.get("/api/ledgers")
    assert response.status_code == 200
    assert [item["code"] for item in response.json()["items"]] == ["HT01"]


def test_the_session_must_send_the_csrf_token_to_change_anything(ledger, accountant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    body = json.dumps(NEW_FUND)
    refused = client.post(FUNDS, body, content_type="application/json")
    assert refused.status_code == 403
    assert error_of(refused) == {"code": "forbidden", "message": CSRF_FAILED, "problems": []}
    assert not Fund.objects.filter(name=NEW_FUND["name"]).exists()

    csrf_token = client.get("/api/me").json()["csrf_token"]
    accepted = client.post(FUNDS, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf_token)
    assert accepted.status_code == 201, accepted.content
    assert Fund.objects.get(name=NEW_FUND["name"]).amount_fen == 3_000_000


def test_a_token_needs_no_csrf_token(ledger, acc):
    acc.client = Client(enforce_csrf_checks=True)
    assert acc.post(FUNDS, NEW_FUND).status_code == 201


def test_a_logged_in_user_makes_a_token_and_sees_it_once(ledger, accountant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    csrf_token = client.get("/api/me").json()["csrf_token"]
    response = client.post(
        "/api/tokens",
        json.dumps({"name": "记账软件", "days": 30}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf_token,
    )
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "记账软件" and created["prefix"] == created["secret"][:12]
    assert ApiCaller(created["secret"]).get("/api/me").json()["username"] == "accountant"
    listed = client.get("/api/tokens").json()
    assert [(t["name"], t["prefix"]) for t in listed] == [("记账软件", created["prefix"])]
    assert "secret" not in listed[0]


def test_a_token_cannot_make_more_tokens(ledger, acc):
    response = acc.post("/api/tokens", {"name": "再来一个"})
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_a_token_revokes_itself_and_not_anothers(ledger, accountant, reviewer):
    mine = T.api_token_create(actor=accountant, name="对接")
    theirs = T.api_token_create(actor=reviewer, name="审核")
    caller = ApiCaller(mine.secret)
    assert caller.delete(f"/api/tokens/{theirs.token.pk}").status_code == 404
    assert ApiToken.objects.get(pk=theirs.token.pk).revoked_at is None
    response = caller.delete(f"/api/tokens/{mine.token.pk}")
    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    assert caller.get("/api/me").status_code == 401


def test_token_names_and_lifetimes_are_checked(accountant):
    with pytest.raises(DomainError) as error:
        T.api_token_create(actor=accountant, name="  ")
    assert error.value.problems[0].field == "name"
    with pytest.raises(DomainError) as error:
        T.api_token_create(actor=accountant, name="x", days=0)
    assert error.value.problems[0].message == T.BAD_DAYS
    assert ApiToken.objects.count() == 0


def test_create_token_command_prints_the_secret_once(ledger, accountant):
    out = StringIO()
    call_command("create_token", "--user", "accountant", "--name", "月末导出", "--days", "7", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.digest == T.token_digest(secret) and token.name == "月末导出"
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert ApiCaller(secret).get("/api/ledgers").status_code == 200


def test_create_token_command_needs_a_user_that_exists(db):
    with pytest.raises(CommandError):
        call_command("create_token", "--user", "nobody", "--name", "x")
    assert ApiToken.objects.count() == 0


def test_revoke_token_command(ledger, accountant):
    created = T.api_token_create(actor=accountant, name="对接")
    out = StringIO()
    call_command("list_tokens", "--user", "accountant", stdout=out)
    assert created.token.prefix in out.getvalue() and created.secret not in out.getvalue()
    call_command("revoke_token", "--prefix", created.token.prefix, stdout=StringIO())
    assert ApiCaller(created.secret).get("/api/ledgers").status_code == 401
