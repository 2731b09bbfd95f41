"""Dividends by shares: the largest-remainder division, the reserve minimum, and the payable
booked per household through the year close's distribution voucher."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villagebooks.affairs import errors as E
from villagebooks.affairs.dividends import dividends_distribute, largest_remainder
from villagebooks.affairs.models import Dividend, DividendLine
from villagebooks.affairs.public import public_dividends
from villagebooks.affairs.tests.conftest import HEITAN
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger import services
from villagebooks.ledger.models import Counterparty, VoucherKind, VoucherStatus
from villagebooks.ledger.tests.books import balance, post
from villagebooks.ledger.tests.importing.support import command_fails, run_command


# A loaded CI machine can make drawing 60 weights slower than hypothesis' 1 s health limit: the
# property is pure, so only the time check is lifted.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    amount=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=60),
)
def test_the_parts_sum_to_the_total_and_each_is_within_a_fen_of_its_share(amount, weights):
    parts = largest_remainder(amount, weights)
    assert sum(parts) == amount
    total = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(amount * weight, total)) < 1


def test_ties_go_to_the_earlier_household():
    assert largest_remainder(2, [1, 1, 1]) == [1, 1, 0]
    assert largest_remainder(100, [3, 3, 3]) == [34, 33, 33]


@pytest.fixture
def books(ledger, accountant, reviewer, shares):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-10 收到鱼塘租金
          借 102 银行存款   10000.00
          贷 501 经营收入   10000.00
    """,
    )
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=ledger, year=2025, month=month)
    return ledger


pytestmark = pytest.mark.django_db


def test_the_amount_is_divided_by_shares_and_booked_per_household(books, accountant, reviewer):
    dividend = dividends_distribute(
        actor=accountant, ledger=books, year=2025, amount_fen=500_000, reserve_fen=100_000
    )
    lines = {line.household.number: line.amount_fen for line in dividend.lines.select_related("household")}
    # Shares 2, 1, 1, 2 of 6 (the collective's 2 take no part): 1666.666… and 833.333…
    assert lines == {"H001": 166_667, "H002": 83_333, "H003": 83_333, "H004": 166_667}
    assert (dividend.per_share, str(dividend.total_shares.normalize())) == ("833.333333", "6")
    voucher = dividend.voucher
    assert (voucher.kind, voucher.status, voucher.amount_fen) == (
        VoucherKind.DISTRIBUTION,
        VoucherStatus.SUBMITTED,
        500_000,
    )
    credits = sorted(
        (line.account.code, line.counterparty.name, line.credit_fen)
        for line in voucher.lines.select_related("account", "counterparty")
        if line.credit_fen
    )
    assert credits == [
        ("211", "张三（H001）", 166_667),
        ("211", "李四（H004）", 166_667),
        ("211", "王五（H002）", 83_333),
        ("211", "赵六（H003）", 83_333),
    ]
    assert set(
        Counterparty.objects.filter(ledger=books, kind="household").values_list("name", flat=True)
    ) >= {
        "张三（H001）",
        "李四（H004）",
    }
    assert not Counterparty.objects.filter(ledger=books, name="全体成员").exists()
    # Reviewed by another person and posted, the payable stands per household.
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    assert balance(books, "211") == -500_000
    [published] = public_dividends(books, 2025)
    assert published["amount_fen"] == 500_000 and published["per_share_yuan"] == "833.333333"
    assert [(h["head_name"], h["shares"], h["amount_fen"]) for h in published["households"]] == [
        ("张三", "2", 166_667),
        ("王五", "1", 83_333),
        ("赵六", "1", 83_333),
        ("李四", "2", 166_667),
    ]
    assert "id_number" not in str(published) and "510781" not in str(published)


def test_a_plain_year_close_splits_by_the_register_too(books, accountant):
    result = services.year_close(
        actor=accountant, ledger=books, year=2025, appropriations={"向成员分配": 60_000}
    )
    [voucher] = result.distributions
    assert sorted(line.credit_fen for line in voucher.lines.all() if line.credit_fen) == [
        10_000,
        10_000,
        20_000,
        20_000,
    ]


def test_the_reserve_must_reach_the_county_minimum(books, accountant):
    with pytest.raises(DomainError) as error:
        dividends_distribute(
            actor=accountant, ledger=books, year=2025, amount_fen=500_000, reserve_fen=99_999
        )
    assert error.value.problems[0].message == str(
        E.RESERVE_TOO_LOW.format(reserve="999.99", percent="10", profit="10,000.00", minimum="1,000.00")
    )
    assert not Dividend.objects.exists()


def test_no_more_than_the_profit_is_distributed(books, accountant):
    with pytest.raises(DomainError) as error:
        dividends_distribute(
            actor=accountant, ledger=books, year=2025, amount_fen=950_000, reserve_fen=100_000
        )
    assert error.value.problems[0].field == "amount"


def test_a_reporter_does_not_distribute(books, make_user, region_tree):
    reporter = make_user("reporter-ht", "reporter", region_tree[HEITAN])
    with pytest.raises(NotPermitted):
        dividends_distribute(actor=reporter, ledger=books, year=2025, amount_fen=100_000, reserve_fen=100_000)
    assert not DividendLine.objects.exists()


def test_the_command(books, accountant):
    out = run_command(
        "distribute_dividends", "--ledger", "HT01", "--year", "2025", "--amount", "5000", "--reserve", "1000",
        "--user", "accountant",
    )  # fmt: skip
    assert "4 户" in out and "每份 833.333333 元" in out
    error = command_fails(
        "distribute_dividends", "--ledger", "HT01", "--year", "2025", "--amount", "5000", "--reserve", "1000",
        "--user", "accountant",
    )  # fmt: skip
    assert any("2025 年已按股分红" in line for line in error)


def test_the_list_per_household_downloads_for_the_village_only(
    books, accountant, client, make_user, region_tree
):
    from villagebooks.affairs.tests.conftest import TUMEN

    dividends_distribute(actor=accountant, ledger=books, year=2025, amount_fen=500_000, reserve_fen=100_000)
    client.force_login(accountant)
    page = client.get(f"/affairs/members/{HEITAN}/").content.decode()
    assert f"/affairs/members/{HEITAN}/dividends/HT01/2025.csv" in page
    text = client.get(f"/affairs/members/{HEITAN}/dividends/HT01/2025.csv").content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[:2] == ["户编号,户主,份额,金额（元）", "H001,张三,2,1666.67"]
    assert "合计,,6,5000.00" in lines and "每份金额（元）,,,833.333333" in lines
    client.force_login(make_user("reporter-tm", "reporter", region_tree[TUMEN]))
    assert client.get(f"/affairs/members/{HEITAN}/dividends/HT01/2025.csv").status_code == 404
