"""Dividends paid through the registry's list machinery: the households' 211 balances paid by a
batch whose voucher debits 211 per household, the bank's return imported, a failed payment booked
back to its household's 211, and the list shown where households' receipts are shown."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.affairs import errors as E
from villagebooks.affairs.dividends import dividends_distribute, dividends_pay
from villagebooks.affairs.tests.test_dividends import books  # noqa: F401 (a fixture)
from villagebooks.common.errors import Conflict, DomainError, NotPermitted
from villagebooks.ledger import services
from villagebooks.ledger.models import AccountBalance, Counterparty, Voucher, VoucherStatus
from villagebooks.registry.models import SubsidyLine
from villagebooks.registry.received import received
from villagebooks.registry.subsidies import RETURN, RETURN_COLUMNS, bank_return_import
from villagebooks.registry.tests.conftest import write_csv

pytestmark = pytest.mark.django_db


def owed(ledger, counterparty: str) -> int:
    """What the books owe one household on 211 (credit positive), all years."""
    party = Counterparty.objects.get(ledger=ledger, name=counterparty)
    rows = AccountBalance.objects.filter(ledger=ledger, account__code="211", counterparty_key=party.pk)
    return sum(r.credit_fen - r.debit_fen for r in rows.filter(month__gte=1))


@pytest.fixture
def distributed(books, accountant, reviewer):  # noqa: F811
    dividend = dividends_distribute(
        actor=accountant, ledger=books, year=2025, amount_fen=500_000, reserve_fen=100_000
    )
    # The reserve's and the members' distribution vouchers, reviewed by another and posted.
    for voucher in Voucher.objects.filter(ledger=books, status=VoucherStatus.SUBMITTED):
        services.voucher_review(actor=reviewer, voucher=voucher)
        services.voucher_post(actor=accountant, voucher=voucher)
    assert services.year_close(actor=accountant, ledger=books, year=2025).closed
    return dividend


def test_a_dividend_not_posted_is_not_paid(books, accountant):  # noqa: F811
    with pytest.raises(DomainError) as error:
        dividends_pay(
            actor=accountant, ledger=books, year=2025, batch_code="FH2025", pay_date=date(2026, 1, 20)
        )
    assert error.value.problems[0].message == str(E.NO_DIVIDEND.format(year=2025))
    dividends_distribute(actor=accountant, ledger=books, year=2025, amount_fen=500_000, reserve_fen=100_000)
    with pytest.raises(DomainError) as error:
        dividends_pay(
            actor=accountant, ledger=books, year=2025, batch_code="FH2025", pay_date=date(2025, 12, 31)
        )
    assert error.value.problems[0].message == str(E.DIVIDEND_NOT_POSTED.format(year=2025))
    assert not SubsidyLine.objects.exists()


def test_the_list_pays_each_households_payable_and_a_failure_goes_back_to_it(
    distributed, accountant, reviewer, tmp_path
):
    ledger = distributed.ledger
    result = dividends_pay(
        actor=accountant,
        ledger=ledger,
        year=2025,
        batch_code="FH2025",
        pay_date=date(2026, 1, 20),
        reviewer_username="reviewer",
    )
    assert result.voucher.status == VoucherStatus.POSTED and result.total_fen == 500_000
    paid = sorted(
        (
            line.account.code,
            line.counterparty.name if line.counterparty_id else "",
            line.debit_fen,
            line.credit_fen,
        )
        for line in result.voucher.lines.select_related("account", "counterparty")
    )
    assert paid == [
        ("102", "", 0, 500_000),
        ("211", "张三（H001）", 166_667, 0),
        ("211", "李四（H004）", 166_667, 0),
        ("211", "王五（H002）", 83_333, 0),
        ("211", "赵六（H003）", 83_333, 0),
    ]
    assert owed(ledger, "王五（H002）") == 0 and owed(ledger, "张三（H001）") == 0
    # Paid to the household's head; 李四 (H004's head) is dead, so his son receives it.
    lines = {line.name: line.amount_fen for line in SubsidyLine.objects.filter(batch=result.batch)}
    assert lines == {"张三": 166_667, "王五": 83_333, "赵六": 83_333, "李小明": 166_667}
    distributed.refresh_from_db()
    assert distributed.payment_batch == result.batch

    wang = SubsidyLine.objects.get(batch=result.batch, name="王五")
    zhang = SubsidyLine.objects.get(batch=result.batch, name="张三")
    bank_file = write_csv(
        tmp_path / "return.csv",
        [
            [zhang.id_number, "张三", zhang.bank_card, "1666.67", "成功", ""],
            [wang.id_number, "王五", wang.bank_card, "833.33", "失败", "账户已销户"],
        ],
        RETURN_COLUMNS,
    )
    returned = bank_return_import(actor=accountant, path=bank_file, ledger=ledger, batch_code="FH2025")
    assert (returned.succeeded, returned.failed) == (1, 1)
    wang.refresh_from_db()
    assert wang.resolution == RETURN
    back = Voucher.objects.get(ledger=ledger, note="集体收益分红发放失败退回（批次FH2025）")
    assert back.status == VoucherStatus.SUBMITTED
    services.voucher_review(actor=reviewer, voucher=back)
    services.voucher_post(actor=accountant, voucher=back)
    # The failed payment is owed to 王五's household again; the others stay paid.
    assert owed(ledger, "王五（H002）") == 83_333 and owed(ledger, "张三（H001）") == 0
    # The same return again books nothing twice.
    bank_return_import(actor=accountant, path=bank_file, ledger=ledger, batch_code="FH2025")
    assert Voucher.objects.filter(ledger=ledger, note__startswith="集体收益分红发放失败退回").count() == 1

    # What households received shows the list like any paid list.
    report = received(user=accountant, region_code=ledger.village.code, from_key=202601, to_key=202601)
    assert {(t.key, t.amount_fen) for t in report.by_programme} == {("集体收益分红", 500_000)}


def test_a_dividend_is_paid_once_and_only_by_who_may(distributed, accountant, make_user, region_tree):
    ledger = distributed.ledger
    dividends_pay(actor=accountant, ledger=ledger, year=2025, batch_code="FH2025", pay_date=date(2026, 1, 20))
    with pytest.raises(Conflict):
        dividends_pay(
            actor=accountant, ledger=ledger, year=2025, batch_code="FH2025B", pay_date=date(2026, 1, 21)
        )
    supervisor = make_user("dividend-county", "county", region_tree["510781000000"])
    with pytest.raises(NotPermitted):
        dividends_pay(
            actor=supervisor, ledger=ledger, year=2025, batch_code="FH2025C", pay_date=date(2026, 1, 21)
        )
