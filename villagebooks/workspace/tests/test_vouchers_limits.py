"""The entry page refuses a date after the end of next year and an amount beyond the maximum,
at the date and at the cells, with nothing saved."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from villagebooks.ledger import errors as E
from villagebooks.ledger.models import Period, Voucher
from villagebooks.workspace.tests.vouchers_pages import cell_errors, field_errors, grid_post, logged_in

pytestmark = pytest.mark.django_db

ENTRY = "/ledgers/HT01/entry/"


def _rows(amount: str) -> list[dict]:
    return [
        {"summary": "收款", "account": "102", "debit": amount},
        {"summary": "收款", "account": "501", "credit": amount},
    ]


def test_a_date_after_next_year_is_an_error_at_the_date(ledger, accountant):
    latest = date(timezone.localdate().year + 1, 12, 31)
    response = logged_in(accountant).post(ENTRY, grid_post("2099-03-01", _rows("1.00")))
    assert response.status_code == 400
    expected = E.DATE_TOO_LATE.format(date="2099-03-01", latest=latest.isoformat())
    assert field_errors(response.content.decode()) == {"date": expected}
    assert Voucher.objects.count() == 0
    assert not Period.objects.filter(year=2099).exists()


def test_an_amount_beyond_the_maximum_is_an_error_at_its_cell(ledger, accountant):
    response = logged_in(accountant).post(ENTRY, grid_post("2025-04-02", _rows("9999999999999.99")))
    assert response.status_code == 400
    message = "金额超出范围：一笔金额最多 1,000,000,000,000.00 元"
    errors = cell_errors(response.content.decode())
    assert errors[(0, "debit")] == errors[(1, "credit")] == message
    assert Voucher.objects.count() == 0
