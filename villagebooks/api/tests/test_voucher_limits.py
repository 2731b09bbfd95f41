"""The API refuses what the books cannot hold: a voucher dated after the end of next year (the
review drafted one dated 2099), an amount beyond the maximum; at its field, nothing written."""

from datetime import date

from django.utils import timezone

from villagebooks.api.tests.conftest import problems_of
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import errors as E
from villagebooks.ledger.models import Period, Voucher

BASE = "/api/ledgers/HT01/vouchers"


def _voucher(day: str, amount: str = "1.00") -> dict:
    return {
        "date": day,
        "lines": [
            {"summary": "收款", "account": "102", "debit": amount},
            {"summary": "收款", "account": "501", "credit": amount},
        ],
    }


def test_a_draft_dated_after_next_year_is_refused_at_the_date(ledger, acc):
    latest = date(timezone.localdate().year + 1, 12, 31)
    response = acc.post(BASE, _voucher("2099-01-01"))
    assert response.status_code == 422
    assert problems_of(response) == [
        ("date", None, E.DATE_TOO_LATE.format(date="2099-01-01", latest=latest.isoformat()))
    ]
    assert Voucher.objects.count() == 0
    assert not Period.objects.filter(year=2099).exists()
    assert not AuditEntry.objects.filter(action="year_open").exists()


def test_an_amount_beyond_the_maximum_is_refused_at_its_line(ledger, acc):
    response = acc.post(BASE, _voucher("2025-03-10", "1000000000000.01"))
    assert response.status_code == 422
    message = "金额超出范围：一笔金额最多 1,000,000,000,000.00 元"
    assert problems_of(response) == [("debit", 1, message), ("credit", 2, message)]
    assert acc.post(BASE, _voucher("2025-03-10", "1000000000000.00")).status_code == 201
