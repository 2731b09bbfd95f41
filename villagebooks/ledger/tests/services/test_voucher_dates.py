"""How far ahead a voucher may be dated: to the end of the next calendar year, one year after
another. The first voucher of a year opens its periods, and that is recorded.

"Today" is frozen (``timezone.localdate``), so that these tests mean the same in any year.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from villagebooks.common.errors import DomainError
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import errors as E
from villagebooks.ledger import importing, services
from villagebooks.ledger.domain.periods import latest_voucher_date
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Period, Voucher, VoucherStatus
from villagebooks.ledger.tests.importing.support import HEADER, books_state

TODAY = date(2025, 6, 1)
LINES = [LineInput("收款", "102", debit_fen=100), LineInput("收款", "501", credit_fen=100)]


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def _years(ledger) -> list[int]:
    return sorted(set(Period.objects.filter(ledger=ledger).values_list("year", flat=True)))


def _refused(call) -> list[tuple]:
    with pytest.raises(DomainError) as error:
        call()
    return [(p.field, p.message) for p in error.value.problems]


def test_the_latest_date_is_the_end_of_the_next_calendar_year():
    assert latest_voucher_date(date(2025, 6, 1)) == date(2026, 12, 31)
    assert latest_voucher_date(date(2025, 12, 31)) == date(2026, 12, 31)
    assert latest_voucher_date(date(2026, 1, 1)) == date(2027, 12, 31)


def test_a_voucher_dated_after_the_end_of_next_year_is_refused_and_opens_nothing(ledger, accountant):
    before = books_state()
    for day in (date(2027, 1, 1), date(2099, 3, 1)):
        problems = _refused(
            lambda day=day: services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=LINES)
        )
        assert problems == [("date", E.DATE_TOO_LATE.format(date=day.isoformat(), latest="2026-12-31"))]
    assert books_state() == before
    assert _years(ledger) == [2025]


def test_a_voucher_may_not_skip_a_year_that_is_not_open(ledger, accountant, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 6, 1))
    problems = _refused(
        lambda: services.voucher_create(actor=accountant, ledger=ledger, date=date(2027, 3, 1), lines=LINES)
    )
    assert problems == [("date", E.YEAR_SKIPPED.format(year=2027, previous=2026))]
    assert _years(ledger) == [2025]
    # Once 2026 is open, 2027 may follow.
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2026, 1, 5), lines=LINES)
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2027, 3, 1), lines=LINES)
    assert _years(ledger) == [2025, 2026, 2027]


def test_the_first_voucher_of_a_year_opens_it_as_a_recorded_act(ledger, accountant):
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=date(2026, 12, 31), lines=LINES)
    assert voucher.period.key == 202612
    assert _years(ledger) == [2025, 2026]
    opened = AuditEntry.objects.filter(action="year_open")
    assert [(entry.actor_id, entry.ledger_id, entry.detail["year"]) for entry in opened] == [
        (accountant.pk, ledger.pk, 2026)
    ]
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2026, 2, 1), lines=LINES)
    assert opened.count() == 1  # a year opens once


def test_a_draft_cannot_be_moved_nor_a_reversal_dated_too_far_ahead(ledger, accountant, reviewer):
    draft = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 1), lines=LINES)
    problems = _refused(
        lambda: services.voucher_update(actor=accountant, voucher=draft, date=date(2030, 1, 1), lines=LINES)
    )
    assert problems[0][0] == "date"
    services.voucher_submit(actor=accountant, voucher=draft)
    services.voucher_review(actor=reviewer, voucher=draft)
    posted = services.voucher_post(actor=accountant, voucher=draft)
    problems = _refused(
        lambda: services.voucher_reverse(
            actor=accountant, voucher=posted, reason="错了", date=date(2030, 1, 1)
        )
    )
    assert problems[0][0] == "date"
    assert _years(ledger) == [2025]


def test_a_draft_dated_far_ahead_before_the_rule_is_not_posted(ledger, accountant, reviewer):
    voucher = services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2026, 5, 1), lines=LINES, submit=True
    )
    services.voucher_review(actor=reviewer, voucher=voucher)
    Voucher.objects.filter(pk=voucher.pk).update(date=date(2099, 5, 1))  # as the review found one
    problems = _refused(lambda: services.voucher_post(actor=accountant, voucher=voucher))
    assert problems == [("date", E.DATE_TOO_LATE.format(date="2099-05-01", latest="2026-12-31"))]
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.REVIEWED


def test_closing_a_month_of_a_year_far_ahead_opens_nothing(ledger, accountant):
    problems = _refused(lambda: services.period_close(actor=accountant, ledger=ledger, year=2099, month=1))
    assert problems == [("period", E.DATE_TOO_LATE.format(date="2099-01-01", latest="2026-12-31"))]
    assert _years(ledger) == [2025]


def test_a_ledger_cannot_start_after_next_year(region_tree, accountant):
    problems = _refused(
        lambda: services.ledger_create(
            actor=accountant,
            village_code="510781100202",
            code="TM01",
            name="土门村",
            chart="2023",
            start_year=2099,
            start_month=1,
        )
    )
    assert problems == [("start", E.DATE_TOO_LATE.format(date="2099-01", latest="2026-12-31"))]


def test_an_import_dated_too_far_ahead_is_refused_at_the_row(ledger, accountant, tmp_path):
    path = tmp_path / "vouchers.csv"
    path.write_text(
        f"{HEADER}\n"
        "HT01,V1,2025-04-01,收款,102,1.00,,,\n"
        "HT01,V1,2025-04-01,收款,501,,1.00,,\n"
        "HT01,V2,2028-01-05,收款,102,1.00,,,\n"
        "HT01,V2,2028-01-05,收款,501,,1.00,,\n"
    )
    before = books_state()
    with pytest.raises(importing.ImportFailed) as failed:
        importing.vouchers_import(actor=accountant, path=path, post=True)
    assert [(p.field, p.row, p.message) for p in failed.value.problems] == [
        ("date", 4, E.DATE_TOO_LATE.format(date="2028-01-05", latest="2026-12-31"))
    ]
    assert books_state() == before


def test_an_import_that_opens_a_year_records_it(ledger, accountant, tmp_path):
    path = tmp_path / "vouchers.csv"
    path.write_text(f"{HEADER}\nHT01,V1,2026-02-01,收款,102,1.00,,,\nHT01,V1,2026-02-01,收款,501,,1.00,,\n")
    importing.vouchers_import(actor=accountant, path=path, post=True)
    assert _years(ledger) == [2025, 2026]
    assert AuditEntry.objects.filter(action="year_open", detail__year=2026).count() == 1
