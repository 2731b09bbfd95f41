"""Calling the API as a program does: a token per user, JSON in and out."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from villagebooks.api.services import api_token_create


class ApiCaller:
    """A test client that sends ``Authorization: Bearer`` with a user's token (or none)."""

    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def post(self, path, body=None):
        data = json.dumps(body) if body is not None else ""
        return self.client.post(path, data, content_type="application/json", **self.headers)

    def put(self, path, body):
        return self.client.put(path, json.dumps(body), content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(path, **self.headers)

    def upload(self, path, name, content: bytes, content_type="application/octet-stream"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            path, {"file": SimpleUploadedFile(name, content, content_type)}, **self.headers
        )


@pytest.fixture
def api_as():
    """``api_as(user)``: an ``ApiCaller`` holding a fresh token of ``user`` (None: no token)."""

    def make(user) -> ApiCaller:
        return ApiCaller(api_token_create(actor=user, name="测试").secret if user is not None else None)

    return make


@pytest.fixture
def acc(api_as, accountant):
    return api_as(accountant)


@pytest.fixture
def rev(api_as, reviewer):
    return api_as(reviewer)


@pytest.fixture
def village_reporter(make_user, region_tree, ledger):
    """黑滩村's reporter: a role on the HT01 ledger only."""
    return make_user("cun", "reporter", region_tree["510781100201"], ledger_id=ledger.pk)


@pytest.fixture
def outsider(make_user, region_tree):
    """An accountant of 武都镇, another township: none of 新安镇's ledgers are theirs."""
    return make_user("wudu", "accountant", region_tree["510781101000"])


def error_of(response) -> dict:
    """The JSON error of a response, checked to have the one shape every error has."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"code", "message", "problems"}, body
    for problem in body["problems"]:
        assert set(problem) == {"field", "message", "row"}, problem
    return body


def problems_of(response) -> list[tuple]:
    return [(p["field"], p["row"], p["message"]) for p in error_of(response)["problems"]]
