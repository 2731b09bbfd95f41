"""The bar that joins a ledger's pages: on every section's page, pointing where the user may go."""

import re

import pytest

SECTION_PAGES = [
    ("/ledgers/HT01/reports/trial-balance/", "reports"),
    ("/ledgers/HT01/vouchers/", "vouchers"),
    ("/ledgers/HT01/accounts/", "setup"),
    ("/ledgers/HT01/closing/", "closing"),
    ("/claims/ledger/HT01/", "claims"),
    ("/ledgers/HT01/bank/", "banking"),
    ("/funds/ledger/HT01/", "funds"),
    ("/affairs/HT01/contracts/", "affairs"),
]


def _bar(html: str) -> dict[str, tuple[str, bool]]:
    nav = re.search(r'<nav class="ledger-nav[^>]*>(.*?)</nav>', html, re.S).group(1)
    return {
        key: (url, current == ' aria-current="true"')
        for url, key, current in re.findall(
            r'<a href="([^"]+)" data-section="(\w+)"((?: aria-current="true")?)>', nav
        )
    }


@pytest.mark.parametrize(("url", "section"), SECTION_PAGES)
def test_every_section_shows_the_bar_with_itself_current(client, ledger, accountant, url, section):
    client.force_login(accountant)
    response = client.get(url)
    assert response.status_code == 200
    bar = _bar(response.content.decode())
    assert list(bar) == ["vouchers", "reports", "claims", "banking", "funds", "affairs", "setup", "closing"]
    assert [key for key, (_url, current) in bar.items() if current] == [section]
    assert bar["vouchers"][0] == "/ledgers/HT01/entry/"  # an accountant starts at entry


def test_a_read_only_user_is_led_to_the_voucher_list(client, ledger, make_user, township):
    client.force_login(make_user("jijian", "supervisor", township))
    bar = _bar(client.get("/ledgers/HT01/reports/trial-balance/").content.decode())
    assert bar["vouchers"][0] == "/ledgers/HT01/vouchers/"
