"""Bank reconciliation through the API: the lines and their matches, a statement upload, manual
and automatic matching and undoing; 404 outside the caller's scope, 403 for a reviewer, 409 in a
closed month, 422 with the row of a bad statement."""

import pytest

from villagebooks.banking.models import BankLine, BankMatch
from villagebooks.banking.tests.conftest import FEBRUARY, JANUARY
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.models import VoucherLine

pytestmark = pytest.mark.django_db
BASE = "/api/ledgers/HT01/bank"


def test_lines_with_their_matches(imported, acc):
    body = acc.get(f"{BASE}/102/lines").json()
    assert body["count"] == 4
    first = body["items"][0]
    assert (first["serial"], first["income"], first["balance"]) == ("B001", "50000.00", "130000.00")
    assert first["match_id"] is not None and first["voucher_id"] is not None
    unmatched = acc.get(f"{BASE}/102/lines", {"unmatched": "true"}).json()
    assert [line["serial"] for line in unmatched["items"]] == ["B003", "B004"]


def test_upload_match_and_undo(books, acc, rev, statement):
    path = statement(JANUARY)
    response = acc.client.post(f"{BASE}/102/statements", {"file": open(path, "rb")}, **acc.headers)
    assert response.status_code == 201, response.content
    assert (response.json()["lines"], response.json()["matched"]) == (4, 2)
    again = acc.client.post(f"{BASE}/102/statements", {"file": open(path, "rb")}, **acc.headers)
    assert again.status_code == 422
    assert again.json()["problems"][0]["row"] == 2
    match = BankMatch.objects.get(bank_line__serial="B002")
    assert rev.delete(f"{BASE}/matches/{match.pk}").status_code == 403
    assert acc.delete(f"{BASE}/matches/{match.pk}").status_code == 204
    line = VoucherLine.objects.get(summary="道路硬化工程款", account__code="102")
    created = acc.post(
        f"{BASE}/matches", {"bank_line": BankLine.objects.get(serial="B002").pk, "voucher_line": line.pk}
    )
    assert created.status_code == 201 and created.json()["automatic"] is False
    assert acc.post(f"{BASE}/102/auto-match").json() == {"matched": 0}
    assert acc.delete(f"{BASE}/matches/999999").status_code == 404


def test_a_closed_month_answers_409(imported, books, accountant, acc):
    ledger_services.period_close(actor=accountant, ledger=books, year=2025, month=1)
    match = BankMatch.objects.get(bank_line__serial="B002")
    response = acc.delete(f"{BASE}/matches/{match.pk}")
    assert response.status_code == 409
    assert response.json()["message"].endswith("2025-01 已结账，不能再勾对或撤销该月的对账")


def test_outside_the_scope_is_404(imported, api_as, outsider):
    other = api_as(outsider)
    assert other.get(f"{BASE}/102/lines").status_code == 404
    assert other.post(f"{BASE}/102/auto-match").status_code == 404


def test_the_report_through_the_api(imported, acc):
    body = acc.get(
        "/api/ledgers/HT01/reports/bank-reconciliation",
        {"from": "2025-01", "to": "2025-01", "account": "102"},
    ).json()
    assert body["columns"] == ["kind", "date", "summary", "amount"]
    kinds = {row["kind"]: row["amount"] for row in body["rows"]}
    assert kinds["adjusted_book"] == kinds["adjusted_bank"] == "98798.14"
    assert FEBRUARY  # the February statement is imported in the service tests
