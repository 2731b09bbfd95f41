"""A village whose 2004 ledger was brought over to a 2023 one (新旧衔接) is one row of its township,
with the ledger that holds its books now; one ledger in every count of ledgers a region's user
reads (``ledger.selectors.ledgers_in_force``, the rule /api/regions counts by); and each user is
led to the ledger of it they may see: the new one to whoever sees both (the old one a link away),
the old one to a user assigned to it alone, never a ledger the user may not see.

old_books: 黑滩村 (新安镇) keeps HT55A on the 2004 chart, 2023 closed; ``converted`` carries it over
to HT55B (2023 chart, from 2024). 土门村 keeps TM01 (2023 chart).
"""

import re

import pytest

from villagebooks.regions.models import Region
from villagebooks.regions.services import role_grant, system_user
from villagebooks.reports import ledger_conversion as conversion
from villagebooks.reports.tests.test_ledger_conversion import DECISIONS, old_books  # noqa: F401 (fixture)
from villagebooks.web.selectors import region_children
from villagebooks.workspace.tests.vouchers_pages import logged_in

COUNTY = "510781000000"  # 江油市
XINAN = "510781100000"  # 新安镇
WUDU = "510781101000"  # 武都镇
HEITAN = "510781100201"  # 黑滩村, the converted village
OLD, NEW = "/ledgers/HT55A/reports/trial-balance/", "/ledgers/HT55B/reports/trial-balance/"


def _convert(accountant):
    conversion.ledger_convert(
        actor=accountant, ledger_code="HT55A", year=2023, new_code="HT55B", decisions=DECISIONS
    )


@pytest.fixture
def converted(old_books, new_ledger, accountant):  # noqa: F811
    _convert(accountant)
    return old_books


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="(\d{12})"', html)


def _go(client, region: str, **params) -> str:
    response = client.get("/regions/go/", {"region": region, **params})
    assert response.status_code == 302, response.content.decode()[:300]
    return response["Location"]


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.content.decode()[:300]
    return response.content.decode()


def test_the_township_lists_a_converted_village_once_with_its_new_ledger(old_books, accountant):  # noqa: F811
    before = {
        place.code: place.ledger_code
        for place in region_children(user=accountant, region=Region.objects.get(code="510781100000"))
    }
    _convert(accountant)
    after = {
        place.code: place.ledger_code
        for place in region_children(user=accountant, region=Region.objects.get(code="510781100000"))
    }
    assert before == {"510781100201": "HT55A"}
    assert after == {"510781100201": "HT55B"}


def test_the_county_home_counts_the_ledgers_in_force(converted, make_user, region_tree):
    """Two villages, three ledgers (HT55A, HT55B, TM01): the county's home shows 2 账套, the
    figure /api/regions gives for the county, in the total and in 新安镇's row."""
    county = make_user("county", "county", region_tree[COUNTY])
    client = logged_in(county)
    html = _page(client, "/")
    figure = re.search(r'<span data-figure="ledgers">([^<]*)</span>', html).group(1)
    assert figure == "2 个村，2 个账套"
    closed = re.search(r'<span data-figure="closed">([^<]*)</span>', html).group(1)
    assert closed.endswith(" 0/2")
    row = re.search(rf'<tr data-township="{XINAN}">(.*?)</tr>', html).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row)[:2] == ["2", "2"]  # villages, ledgers
    (tree,) = client.get("/api/regions", {"root": COUNTY}).json()
    assert tree["ledgers"] == 2 and tree["villages"] == 2
    # The ledger table itself still lists every ledger the user may open, the old one too.
    assert 'data-ledger="HT55A"' in html and 'data-ledger="HT55B"' in html


@pytest.mark.parametrize("elsewhere", [False, True], ids=["old-ledger-only", "and-a-township-elsewhere"])
def test_a_user_of_the_old_ledger_alone_is_led_to_it(
    converted, accountant, make_user, region_tree, elsewhere
):
    """An accountant whose one ledger role is on HT55A, as given before the conversion (and, in one
    case, reviewer of 武都镇 as a whole): the picker offers 黑滩村, which opens HT55A; HT55B stays
    out of reach."""
    reader = make_user("old-books-accountant", "accountant", converted.village, ledger_id=converted.pk)
    if elsewhere:
        role_grant(actor=system_user(), user=reader, role="reviewer", region=region_tree[WUDU])
    client = logged_in(reader)
    page = _page(client, OLD)
    assert HEITAN in _options(page)
    assert _options(page) == ([WUDU, "510781101201", HEITAN] if elsewhere else [HEITAN])
    assert 'data-linked="new"' not in page and "HT55B" not in page
    assert '<span data-status="carried-over">2024年起已转入新账套</span>' in page  # not 使用中
    assert _go(client, HEITAN) == OLD
    assert _go(client, HEITAN, report="balance-sheet", **{"from": "2023-01", "to": "2023-12"}) == (
        "/ledgers/HT55A/reports/balance-sheet/?from=2023-01&to=2023-12"
    )
    assert _go(client, HEITAN, report="dashboard") == OLD  # a village of a ledger role: its ledger
    assert client.get(NEW).status_code == 404
    assert client.get("/ledgers/HT55B/vouchers/").status_code == 404
    assert client.get(f"/regions/{XINAN}/reports/trial-balance/").status_code == 404
    # The village's figures of 2024 on are HT55B's, which this user does not see.
    assert client.get(f"/regions/{HEITAN}/dashboard/", {"year": "2024"}).status_code == 404
    assert client.get("/regions/go/", {"region": XINAN}).status_code == 404
    assert client.get("/regions/go/", {"region": "510781100202"}).status_code == 404  # 土门村: not theirs
    if elsewhere:
        home = _page(client, "/")
        assert _options(home) == [WUDU, "510781101201", HEITAN]
        assert _go(client, WUDU) == f"/regions/{WUDU}/reports/trial-balance/"


def test_a_user_of_the_new_ledger_alone_never_reaches_the_old_one(converted, make_user):
    reader = make_user(
        "new-books-reviewer", "reviewer", converted.village, ledger_id=converted.continued_by.pk
    )
    client = logged_in(reader)
    page = _page(client, NEW)
    assert _options(page) == [HEITAN]
    assert 'data-linked="old"' not in page and "HT55A" not in page
    assert _go(client, HEITAN) == NEW
    assert client.get(OLD).status_code == 404
    assert client.get("/ledgers/HT55A/vouchers/").status_code == 404


def test_a_user_who_sees_both_opens_the_new_ledger_and_reaches_the_old_one(converted, accountant):
    client = logged_in(accountant)  # 新安镇's accountant: both ledgers of 黑滩村
    assert _go(client, HEITAN) == NEW
    assert HEITAN in _options(_page(client, "/"))
    new = _page(client, NEW)
    assert f'<a href="{OLD}" data-linked="old">接续旧账套 HT55A（2004年制度）</a>' in new
    assert "data-status" not in new
    old = _page(client, OLD)
    assert (
        f'<span data-status="carried-over"><a href="{NEW}" data-linked="new">2024年起已转入新账套 HT55B（2023年制度）</a></span>'
        in old
    )
    township = _page(client, f"/regions/{XINAN}/reports/trial-balance/")
    assert f'<li data-child="{HEITAN}"><a href="{NEW}?from=' in township
    # A ledger of no conversion links to none.
    assert "data-linked" not in _page(client, "/ledgers/TM01/reports/trial-balance/")


def test_home_counts_the_old_ledger_apart_and_leaves_its_later_months_to_the_new_one(converted, accountant):
    """HT55A's year close opened 2024, the year HT55B starts: those months are HT55B's to keep,
    so the old ledger's row shows none of them waiting, and it reads as carried over, not in use."""
    from villagebooks.ledger.models import Period, PeriodStatus

    assert Period.objects.filter(ledger=converted, year=2024, status=PeriodStatus.OPEN).exists()
    html = _page(logged_in(accountant), "/")
    caption = re.search(r'data-figure="my-ledgers">([^<]*)<', html).group(1)
    assert caption == "共 2 个账套，另有 1 个已转入新账套的旧账套"
    old = re.search(r'<tr data-ledger="HT55A">(.*?)</tr>', html, re.S).group(1)
    assert '<span class="tag tag-carried-over" title="2024年起已转入新账套">已转新账</span>' in old
    assert re.search(r'data-count="open-periods">0</td>', old)
    new = re.search(r'<tr data-ledger="HT55B">(.*?)</tr>', html, re.S).group(1)
    assert '<span class="tag tag-active">使用中</span>' in new or "tag-setup" in new
    # A search counts the same way.
    found = _page(logged_in(accountant), "/?q=HT55")
    assert re.search(r'data-figure="my-ledgers">([^<]*)<', found).group(1) == (
        "共 1 个账套，另有 1 个已转入新账套的旧账套"
    )
