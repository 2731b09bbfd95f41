"""``villagebooks depreciate``: the month's voucher from the cards, submitted for review; once a
month (a second run refused, saying which voucher holds it); a closed month refused; the
cards' accumulated depreciation follows the posted vouchers only."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from villagebooks.affairs import depreciation
from villagebooks.affairs import selectors_property as S
from villagebooks.affairs.models import AssetCard, DepreciationRun
from villagebooks.affairs.tests.property_support import import_assets
from villagebooks.common.errors import Conflict, DomainError
from villagebooks.ledger import services
from villagebooks.ledger.models import VoucherStatus
from villagebooks.ledger.tests.books import balance, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(ledger, accountant, reviewer, tmp_path):
    import_assets(tmp_path, accountant)
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-20 购入及接受投入资产
          借 151 固定资产 173000.00
          贷 102 银行存款 73000.00
          贷 301 资本 100000.00
        """,
    )
    return ledger


def _run(ledger, actor, period="2025-01"):
    year, month = depreciation.parse_period(period)
    return depreciation.depreciation_run(actor=actor, ledger=ledger, year=year, month=month)


def _lines(voucher):
    return sorted((line.account.code, line.debit_fen, line.credit_fen) for line in voucher.lines.all())


def test_month_voucher_from_the_cards_is_submitted(cards, accountant):
    result = _run(cards, accountant, "2025-01")
    assert result.voucher.status == VoucherStatus.SUBMITTED
    assert result.voucher.date == date(2025, 1, 31)
    # ZC-001: (120,000 − 5 %) / 240 months; ZC-002 bought in January starts in February;
    # ZC-003 is 公益性: not depreciated under the 2023 system.
    assert _lines(result.voucher) == [("152", 0, 47_500), ("511", 47_500, 0)]
    february = _run(cards, accountant, "2025-02")
    assert february.run.total_fen == 47_500 + 25_000


def test_second_run_of_a_month_is_refused_and_says_so(cards, accountant):
    first = _run(cards, accountant)
    with pytest.raises(Conflict, match="已计提折旧"):
        _run(cards, accountant)
    assert DepreciationRun.objects.filter(ledger=cards).count() == 1
    assert first.run.voucher.lines.count() == 2


def test_command_prints_and_refuses_the_second_run(cards, accountant):
    from io import StringIO

    out = StringIO()
    call_command("depreciate", "--ledger", "HT01", "--period", "2025-01", "--user", "accountant", stdout=out)
    assert "475.00" in out.getvalue()
    with pytest.raises(CommandError, match="已计提折旧"):
        call_command("depreciate", "--ledger", "HT01", "--period", "2025-01", "--user", "accountant")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("depreciate", "--ledger", "HT01", "--period", "2025-13", "--user", "accountant")


def test_cards_follow_the_posted_voucher_only(cards, accountant, reviewer):
    card = AssetCard.objects.get(code="ZC-001")
    result = _run(cards, accountant)
    assert S.accumulated_depreciation(cards)[card.pk] == 0
    services.voucher_review(actor=reviewer, voucher=result.voucher)
    services.voucher_post(actor=accountant, voucher=result.voucher)
    assert S.accumulated_depreciation(cards)[card.pk] == 47_500
    rows = {r.account: r for r in S.asset_reconciliation(cards, date(2025, 1, 31))}
    assert rows["151"].cards_fen == rows["151"].books_fen == 17_300_000
    assert rows["152"].cards_fen == rows["152"].books_fen == 47_500
    assert balance(cards, "152") == -47_500


def test_withdrawn_and_deleted_voucher_frees_the_month(cards, accountant):
    result = _run(cards, accountant)
    services.voucher_withdraw(actor=accountant, voucher=result.voucher)
    services.voucher_delete(actor=accountant, voucher=result.voucher)
    again = _run(cards, accountant)
    assert again.run.total_fen == 47_500
    assert DepreciationRun.objects.filter(ledger=cards, void=True).count() == 1


def test_closed_month_is_refused(cards, accountant, reviewer):
    services.period_close(actor=accountant, ledger=cards, year=2025, month=1)
    with pytest.raises(Conflict, match="已结账"):
        _run(cards, accountant)


def test_reporter_and_reviewer_cannot_depreciate(cards, make_user, region_tree, reviewer):
    reporter = make_user("reporter", "reporter", region_tree["510781100201"])
    for user in (reporter, reviewer):
        with pytest.raises(DomainError):
            _run(cards, user)
    assert not DepreciationRun.objects.exists()


def test_month_with_nothing_to_charge_is_refused(ledger, accountant):
    with pytest.raises(DomainError, match="没有需要计提折旧的资产"):
        _run(ledger, accountant)
