"""What the set-up and closing page tests share: users in the roles around the fixtures' ledgers,
and reading a page's table rows and messages as a user sees them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villagebooks.web.tests.pages import table_rows

WUDU = "510781101000"  # 武都镇: another township than the fixtures' 新安镇
COUNTY = "510781000000"


@pytest.fixture
def supervisor(make_user, region_tree):
    return make_user("jijian", "supervisor", region_tree[COUNTY])


@pytest.fixture
def outsider(make_user, region_tree):
    """An accountant of another township: the fixtures' ledgers are out of their scope."""
    return make_user("wudu", "accountant", region_tree[WUDU])


def rows(response, attribute: str = "data-code") -> dict[str, list[str]]:
    return table_rows(response.content.decode(), attribute)[0]


def text(response) -> str:
    """The page's text without tags, spaces squeezed, for phrases a user reads."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def queries_of(client, url: str) -> int:
    client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)
