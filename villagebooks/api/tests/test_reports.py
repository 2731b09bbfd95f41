"""Every report of the catalogue as JSON, for a ledger and for a region: the builders' figures as
exact decimal strings, the errors of bad months, and no more queries than the builder's own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villagebooks.api.selectors import UNKNOWN_REGION
from villagebooks.api.tests.conftest import error_of, problems_of
from villagebooks.common.money import fen_to_text
from villagebooks.ledger import services
from villagebooks.ledger.domain.periods import BAD_PERIOD
from villagebooks.ledger.tests.books import post
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.scope import (
    NO_LEDGERS,
    RANGE_REVERSED,
    UNKNOWN_LEDGER,
    scope_for_ledger,
    scope_for_region,
)

MONTHS = {"from": "2025-01", "to": "2025-03"}
TOWNSHIP = "510781100000"


@pytest.fixture
def books(ledger, other_ledger, accountant, reviewer):
    """Three months of a road project paid from an earmarked fund, office costs on a sub-account,
    and one voucher in 土门村 so that the township adds up two ledgers."""
    services.account_add(actor=accountant, ledger=ledger, parent_code="513", code="51301", name="办公费")
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 收到道路补助
          借 102 银行存款     50000.00
          贷 241 专项应付款   50000.00  fund=县交通局道路补助
        2025-02-15 道路硬化工程款
          借 241 专项应付款   30000.00  fund=县交通局道路补助
          贷 102 银行存款     30000.00
        2025-03-20 购买办公用品
          借 51301 办公费      1234.56
          贷 102 银行存款      1234.56
        """,
    )
    post(
        other_ledger,
        accountant,
        reviewer,
        """
        2025-02-01 收到村级组织运转经费
          借 102 银行存款     0.10
          贷 301 资本         0.10
        """,
    )
    return ledger


def _expected(kind, scope, **options):
    report = kind.build(scope, **options)

    def cells(values):
        return {
            # a str after the amounts (a project's state) is text
            column: value
            if i < kind.text_columns or value is None or isinstance(value, str)
            else fen_to_text(value)
            for i, (column, value) in enumerate(zip(kind.columns, values, strict=True))
        }

    return [cells(row) for row in kind.rows(report)], cells(kind.total(report))


def test_the_trial_balance_has_the_builders_figures_as_decimal_strings(books, acc):
    response = acc.get("/api/ledgers/HT01/reports/trial-balance", MONTHS)
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("report", "title", "scope", "chart", "period", "account", "warning")} == {
        "report": "trial-balance",
        "title": "科目余额表",
        "scope": "黑滩村股份经济合作联合社",
        "chart": "2023",
        "period": {"from": "2025-01", "to": "2025-03", "text": "2025-01 至 2025-03"},
        "account": None,
        "warning": None,
    }
    rows = {row["code"]: row for row in body["rows"]}
    assert rows["102"] == {
        "code": "102",
        "name": "银行存款",
        "opening_debit": "80000.00",
        "opening_credit": "0.00",
        "debit": "50000.00",
        "credit": "31234.56",
        "closing_debit": "98765.44",
        "closing_credit": "0.00",
    }
    assert (rows["51301"]["debit"], rows["51301"]["closing_debit"]) == ("1234.56", "1234.56")
    assert body["total"]["debit"] == body["total"]["credit"] == "81234.56"


def test_the_fund_summary_traces_the_earmarked_fund(books, acc):
    body = acc.get("/api/ledgers/HT01/reports/fund-summary", MONTHS).json()
    assert body["rows"][0] == {
        "fund": "县交通局道路补助",
        "kind": "上级专项资金",
        "allocated": "0.00",
        "opening": "0.00",
        "received": "50000.00",
        "spent": "30000.00",
        "balance": "20000.00",
        "transferred": "0.00",
        "held": "20000.00",
    }


def test_a_detail_ledger_of_one_account(books, acc):
    body = acc.get("/api/ledgers/HT01/reports/detail-ledger", MONTHS | {"account": "102"}).json()
    assert body["account"] == {"code": "102", "name": "银行存款"}
    lines = [
        (r["date"], r["voucher"], r["debit"], r["credit"], r["direction"], r["balance"]) for r in body["rows"]
    ]
    assert lines[:2] == [
        ("", "", "0.00", "0.00", "借", "80000.00"),
        ("2025-01-10", "记-1", "50000.00", "0.00", "借", "130000.00"),
    ]
    assert body["total"]["balance"] == "98765.44"


@pytest.mark.parametrize("slug", sorted(REPORT_KINDS))
def test_every_report_of_a_ledger_answers_with_the_catalogues_rows(books, accountant, acc, slug):
    kind = REPORT_KINDS[slug]
    options = {"account": "102"} if slug == "dimension" else {}
    query = MONTHS | options | ({"by": "fund"} if "by" in getattr(kind, "options", ()) else {})
    response = acc.get(f"/api/ledgers/HT01/reports/{slug}", query)
    if getattr(kind, "region_only", False):
        assert response.status_code == 422 and problems_of(response)[0][0] == "region"
        return
    assert response.status_code == 200, response.content
    scope = scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202503)
    extra = {"by": "fund"} if "by" in query else {}
    rows, total = _expected(
        kind, scope, **({"account": options.get("account")} if kind.needs_account else {}), **extra
    )
    body = response.json()
    assert (body["rows"], body["total"]) == (rows, total)
    assert body["columns"] == kind.columns and body["headers"] == kind.headers


@pytest.mark.parametrize("slug", sorted(REPORT_KINDS))
def test_every_report_of_a_region_adds_up_the_ledgers_in_scope_or_says_why_not(books, accountant, acc, slug):
    kind = REPORT_KINDS[slug]
    query = MONTHS | ({"account": "102"} if slug == "dimension" else {})
    query |= {"by": "fund"} if "by" in getattr(kind, "options", ()) else {}
    response = acc.get(f"/api/regions/{TOWNSHIP}/reports/{slug}", query)
    if response.status_code == 422:  # a book of one ledger (明细账, 日记账) is not added up
        assert [p[0] for p in problems_of(response)] == ["ledger"]
        return
    assert response.status_code == 200, response.content
    scope = scope_for_region(user=accountant, region_code=TOWNSHIP, from_key=202501, to_key=202503)
    extra = {k: v for k, v in query.items() if k in getattr(kind, "options", ())}
    account = {"account": query.get("account")} if kind.needs_account else {}
    rows, total = _expected(kind, scope, **account, **extra)
    body = response.json()
    assert (body["scope"], body["rows"], body["total"]) == ("新安镇（汇总 2 个账套）", rows, total)


def test_the_region_trial_balance_sums_both_villages(books, acc):
    rows = {
        r["code"]: r for r in acc.get(f"/api/regions/{TOWNSHIP}/reports/trial-balance", MONTHS).json()["rows"]
    }
    assert (rows["102"]["debit"], rows["102"]["closing_debit"]) == ("50000.10", "98765.54")


def test_a_region_report_counts_only_the_ledgers_the_caller_sees(books, api_as, village_reporter, outsider):
    body = api_as(village_reporter).get(f"/api/regions/{TOWNSHIP}/reports/trial-balance", MONTHS).json()
    assert body["scope"] == "新安镇（汇总 1 个账套）"
    assert {r["code"]: r["debit"] for r in body["rows"]}["102"] == "50000.00"
    hidden = api_as(outsider).get(f"/api/regions/{TOWNSHIP}/reports/trial-balance", MONTHS)
    assert hidden.status_code == 404
    assert error_of(hidden)["message"] == NO_LEDGERS.format(chart="2023")
    missing = api_as(outsider).get("/api/regions/519999999999/reports/trial-balance", MONTHS)
    assert error_of(missing)["message"] == UNKNOWN_REGION.format(code="519999999999")


def test_a_ledger_report_outside_the_scope_is_404(books, api_as, outsider):
    response = api_as(outsider).get("/api/ledgers/HT01/reports/trial-balance", MONTHS)
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": UNKNOWN_LEDGER.format(code="HT01"),
        "problems": [],
    }


def test_bad_months_are_chinese_errors_at_their_fields(books, acc):
    url = "/api/ledgers/HT01/reports/trial-balance"
    assert problems_of(acc.get(url, {"from": "2025-13", "to": "03/2025"})) == [
        ("from", None, BAD_PERIOD),
        ("to", None, BAD_PERIOD),
    ]
    assert problems_of(acc.get(url, {"from": "2025-04", "to": "2025-03"})) == [("from", None, RANGE_REVERSED)]
    assert problems_of(acc.get(url, {"to": "2025-03"})) == [("from", None, "此项必填")]
    assert problems_of(acc.get(url, MONTHS | {"account": "102"})) == [
        ("account", None, "该报表不按科目查看，请去掉 account 参数")
    ]
    unknown = acc.get("/api/ledgers/HT01/reports/cash-flow", MONTHS)
    assert unknown.status_code == 422 and problems_of(unknown)[0][0] == "slug"


def test_a_report_costs_the_builders_queries_and_a_fixed_few_more(books, accountant, acc):
    """The API adds authentication and the scope to what the builder reads, nothing per row."""
    kind = REPORT_KINDS["trial-balance"]
    scope = scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202503)
    with CaptureQueriesContext(connection) as builder:
        kind.build(scope)
    acc.get("/api/ledgers")  # the token's last-used time is written once a minute, not here
    with CaptureQueriesContext(connection) as api:
        assert acc.get("/api/ledgers/HT01/reports/trial-balance", MONTHS).status_code == 200
    # token lookup, the caller's roles and the ledger (scope_for_ledger), the builder, and the
    # operation log's row of the view (the chain's last row, under its lock, then the insert)
    assert len(api) == len(builder) + 5, [q["sql"] for q in api.captured_queries]


def test_a_report_read_through_the_api_is_logged(books, accountant, acc):
    from villagebooks.common.models import AuditEntry

    assert acc.get("/api/regions/510781100000/reports/trial-balance", MONTHS).status_code == 200

    entry = AuditEntry.objects.filter(action="report_view").get()
    assert (entry.actor, entry.ledger_id, entry.object_type) == (accountant, None, "Region")
    assert entry.detail == {
        "report": "trial-balance",
        "format": "json",
        "via": "api",
        "from": "2025-01",
        "to": "2025-03",
        "region": "510781100000",
        "chart": "2023",
        "ledgers": 2,
    }
