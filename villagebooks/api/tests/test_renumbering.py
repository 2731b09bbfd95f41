"""整理凭证号 over the API: the permitted accountant puts an open month's numbers in date order;
a reviewer, a stranger and a closed month are refused with nothing changed."""

from villagebooks.api.tests.conftest import problems_of
from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.models import Period, Voucher, VoucherRenumbering
from villagebooks.ledger.tests.books import post
from villagebooks.ledger.verification import ledgers_verify

URL = "/api/ledgers/HT01/periods/2025-03/renumber"
BOOKS = """
    2025-03-20 办公费
      借 513 管理费用       800.00
      贷 102 银行存款       800.00
    2025-03-05 收到补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
"""


def _dates_by_number(ledger):
    rows = Voucher.objects.filter(ledger=ledger, status="posted").order_by("number")
    return [(v.number, v.date.isoformat()) for v in rows]


def test_the_accountant_renumbers_an_open_month(ledger, accountant, reviewer, acc):
    first, second = post(ledger, accountant, reviewer, BOOKS)
    response = acc.post(URL, {"reason": "月结前整理"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == "2025-03" and body["chain_sequence"] == 3
    assert body["renumbered"] == [
        {"voucher_id": second.pk, "old_number": 2, "new_number": 1},
        {"voucher_id": first.pk, "old_number": 1, "new_number": 2},
    ]
    assert _dates_by_number(ledger) == [(1, "2025-03-05"), (2, "2025-03-20")]
    assert ledgers_verify() == []
    again = acc.post(URL, {})
    assert again.status_code == 200 and again.json() == {
        "period": "2025-03",
        "renumbered": [],
        "chain_sequence": None,
    }


def test_a_reviewer_and_an_outsider_are_refused(
    ledger, accountant, reviewer, rev, api_as, make_user, region_tree
):
    post(ledger, accountant, reviewer, BOOKS)
    assert rev.post(URL, {}).status_code == 403
    other_township = [
        r for code, r in region_tree.items() if r.kind == "township" and r.pk != ledger.village.parent_id
    ]
    if other_township:
        outsider = api_as(make_user("api-outsider", "accountant", other_township[0]))
        assert outsider.post(URL, {}).status_code == 404
    assert api_as(None).post(URL, {}).status_code == 401
    assert _dates_by_number(ledger) == [(1, "2025-03-20"), (2, "2025-03-05")]
    assert not VoucherRenumbering.objects.exists()


def test_a_closed_month_is_refused_at_its_field(ledger, accountant, reviewer, acc):
    post(ledger, accountant, reviewer, BOOKS)
    Period.objects.filter(ledger=ledger, year=2025, month__lt=3).update(status="closed")
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)
    response = acc.post(URL, {})
    assert response.status_code == 422, response.content
    assert problems_of(response) == [("period", None, str(E.RENUMBER_CLOSED.format(period="2025-03")))]
    assert _dates_by_number(ledger) == [(1, "2025-03-20"), (2, "2025-03-05")]


def test_a_bad_period_is_refused(ledger, acc):
    assert acc.post("/api/ledgers/HT01/periods/2025-13/renumber", {}).status_code in (400, 422)
