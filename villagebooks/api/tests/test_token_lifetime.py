"""A personal token lives a year at most: asking for longer, or for none, is refused everywhere a
token is made (the service, `create-token`, POST /api/tokens), and a token made without an
expiry before the cap stops working a year after it was made."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from villagebooks.api import services as T
from villagebooks.api.models import ApiToken
from villagebooks.api.tests.conftest import ApiCaller, error_of
from villagebooks.common.errors import DomainError


@pytest.mark.parametrize(("days", "message"), [(None, T.NO_EXPIRY), (366, T.BAD_DAYS), (3650, T.BAD_DAYS)])
def test_the_service_refuses_a_token_for_more_than_a_year(ledger, accountant, days, message):
    with pytest.raises(DomainError) as error:
        T.api_token_create(actor=accountant, name="对接", days=days)
    assert [(p.field, p.message) for p in error.value.problems] == [("days", message)]
    assert ApiToken.objects.count() == 0


def test_a_year_is_allowed_and_is_the_default(ledger, accountant):
    token = T.api_token_create(actor=accountant, name="对接").token
    assert timedelta(days=364, hours=23) < token.expires_at - timezone.now() <= timedelta(days=365)
    assert T.MAX_DAYS == T.DEFAULT_DAYS == 365


@pytest.mark.parametrize("args", [["--no-expiry"], ["--days", "366"], ["--days", "3650"]])
def test_the_command_refuses_a_token_for_more_than_a_year(ledger, accountant, args):
    with pytest.raises(CommandError) as error:
        call_command("create_token", "--user", "accountant", "--name", "导出", *args, stdout=StringIO())
    assert "365" in str(error.value)
    assert ApiToken.objects.count() == 0


def _session_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client, client.get("/api/me").json()["csrf_token"]


@pytest.mark.parametrize("days", [None, 366, 3650])
def test_the_api_refuses_a_token_for_more_than_a_year(ledger, accountant, days):
    client, csrf_token = _session_client(accountant)
    response = client.post(
        "/api/tokens",
        json.dumps({"name": "记账软件", "days": days}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf_token,
    )
    assert response.status_code == 422
    assert [p["field"] for p in error_of(response)["problems"]] == ["days"]
    assert ApiToken.objects.count() == 0


def test_a_token_made_without_expiry_before_the_cap_ends_after_a_year(ledger, accountant):
    created = T.api_token_create(actor=accountant, name="旧令牌")
    # What an older version wrote for "until revoked".
    ApiToken.objects.filter(pk=created.token.pk).update(
        expires_at=None, created_at=timezone.now() - timedelta(days=366)
    )
    response = ApiCaller(created.secret).get("/api/me")
    assert response.status_code == 401
    assert error_of(response)["message"] == T.TOKEN_EXPIRED
    assert ApiCaller(T.api_token_create(actor=accountant, name="新").secret).get("/api/me").status_code == 200
