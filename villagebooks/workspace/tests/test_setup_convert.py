"""The 新旧衔接 page: a 2004 ledger's closed year previewed with the items to decide, refused while
any is undecided, then converted; the balance sheets compared; the other side of each boundary."""

import pytest

from villagebooks.ledger.models import Ledger
from villagebooks.reports.tests.test_ledger_conversion import old_books  # noqa: F401 (fixture)
from villagebooks.workspace.tests import setup_support
from villagebooks.workspace.tests.setup_support import text

outsider, supervisor = setup_support.outsider, setup_support.supervisor  # fixtures

URL = "/ledgers/HT55A/closing/convert/"
DECIDED = {
    "year": "2023",
    "to": "HT55B",
    "decision-13101": "132",
    "decision-13102": "131",
    "decision-212": "211",
    "counterparty-212": "职工福利",
}


def test_the_preview_lists_the_decisions_and_creates_nothing(client, old_books, accountant):  # noqa: F811
    client.force_login(accountant)
    page = client.get(URL)
    assert page.status_code == 200 and "新旧衔接" in text(page)
    preview = client.get(URL, {"year": "2023", "to": "HT55B"})
    assert preview.status_code == 200
    html = preview.content.decode()
    for item in ('data-item="split-13101"', 'data-item="split-13102"', 'data-item="split-212"'):
        assert item in html
    assert "需要决定转入哪个2023年科目" in text(preview)
    assert not Ledger.objects.filter(code="HT55B").exists()


def test_converting_refuses_undecided_items_then_makes_the_ledger(client, old_books, accountant):  # noqa: F811
    client.force_login(accountant)
    refused = client.post(URL, {"year": "2023", "to": "HT55B", "decision-13101": "132"})
    assert refused.status_code == 400
    assert "13102" in text(refused) and not Ledger.objects.filter(code="HT55B").exists()
    done = client.post(URL, DECIDED)
    assert done.status_code == 200, text(done)
    assert "已新建账套 HT55B" in text(done) and 'data-agrees="yes"' in done.content.decode()
    new = Ledger.objects.get(code="HT55B")
    assert (new.chart, new.start_year, new.status) == ("2023", 2024, "active")
    again = client.post(URL, DECIDED)
    assert again.status_code == 400 and "已转换为新账套 HT55B" in text(again)


def test_who_may_not_convert(client, old_books, outsider, supervisor):  # noqa: F811
    client.force_login(outsider)
    assert client.get(URL).status_code == 404
    client.force_login(supervisor)
    assert client.post(URL, DECIDED).status_code in (403, 404)
    assert not Ledger.objects.filter(code="HT55B").exists()


@pytest.mark.parametrize("year", ["2024", "abc"])
def test_a_year_not_closed_or_not_a_year_is_refused(client, old_books, accountant, year):  # noqa: F811
    client.force_login(accountant)
    response = client.post(URL, DECIDED | {"year": year})
    assert response.status_code == 400
    assert not Ledger.objects.filter(code="HT55B").exists()
