"""The OpenAPI document and the docs page, and one JSON error shape for every path under /api/."""

import pytest

from villagebooks.api.tests.conftest import error_of, problems_of
from villagebooks.reports.catalog import REPORT_KINDS


def test_the_openapi_document_describes_every_endpoint(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "村账通 VillageBooks API"
    operations = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert operations == {
        ("GET", "/api/regions"),
        ("GET", "/api/ledgers"),
        ("GET", "/api/ledgers/{code}"),
        ("GET", "/api/ledgers/{code}/accounts"),
        ("POST", "/api/ledgers/{code}/accounts"),
        ("GET", "/api/ledgers/{code}/funds"),
        ("POST", "/api/ledgers/{code}/disclosures"),
        ("GET", "/api/public/{code}/disclosures"),
        ("GET", "/api/public/{code}/disclosures/{period}/{version}"),
        ("POST", "/api/ledgers/{code}/funds"),
        ("GET", "/api/ledgers/{code}/counterparties"),
        ("POST", "/api/ledgers/{code}/counterparties"),
        ("GET", "/api/ledgers/{code}/vouchers"),
        ("POST", "/api/ledgers/{code}/vouchers"),
        ("GET", "/api/ledgers/{code}/vouchers/{voucher_id}"),
        ("PUT", "/api/ledgers/{code}/vouchers/{voucher_id}"),
        ("DELETE", "/api/ledgers/{code}/vouchers/{voucher_id}"),
        ("POST", "/api/ledgers/{code}/vouchers/{voucher_id}/submit"),
        ("POST", "/api/ledgers/{code}/vouchers/{voucher_id}/withdraw"),
        ("POST", "/api/ledgers/{code}/vouchers/{voucher_id}/review"),
        ("POST", "/api/ledgers/{code}/vouchers/{voucher_id}/send-back"),
        ("POST", "/api/ledgers/{code}/vouchers/{voucher_id}/post"),
        ("POST", "/api/ledgers/{code}/vouchers/{voucher_id}/reverse"),
        ("POST", "/api/ledgers/{code}/vouchers/{voucher_id}/attachments"),
        ("GET", "/api/ledgers/{code}/vouchers/{voucher_id}/attachments/{attachment_id}"),
        ("POST", "/api/ledgers/{code}/periods/{period}/renumber"),
        ("GET", "/api/ledgers/{code}/voucher-templates"),
        ("POST", "/api/ledgers/{code}/voucher-templates"),
        ("POST", "/api/ledgers/{code}/voucher-templates/{template_id}/use"),
        ("DELETE", "/api/ledgers/{code}/voucher-templates/{template_id}"),
        ("POST", "/api/ledgers/{code}/vouchers/{voucher_id}/copy"),
        ("GET", "/api/ledgers/{code}/summaries"),
        ("POST", "/api/ledgers/{code}/summaries"),
        ("DELETE", "/api/ledgers/{code}/summaries/{summary_id}"),
        ("GET", "/api/ledgers/{code}/recurring"),
        ("POST", "/api/ledgers/{code}/recurring"),
        ("POST", "/api/ledgers/{code}/recurring/{entry_id}/active"),
        ("POST", "/api/ledgers/{code}/recurring/generate"),
        ("GET", "/api/ledgers/{code}/reports/{slug}"),
        ("GET", "/api/regions/{code}/reports/{slug}"),
        ("GET", "/api/ledgers/{code}/bank/{account}/lines"),
        ("POST", "/api/ledgers/{code}/bank/{account}/statements"),
        ("POST", "/api/ledgers/{code}/bank/{account}/auto-match"),
        ("POST", "/api/ledgers/{code}/bank/matches"),
        ("DELETE", "/api/ledgers/{code}/bank/matches/{match_id}"),
        ("GET", "/api/registry/households"),
        ("GET", "/api/registry/households/{household_id}"),
        ("GET", "/api/registry/reconciliation"),
        ("GET", "/api/registry/received"),
        ("POST", "/api/registry/household-imports"),
        ("POST", "/api/registry/programme-imports"),
        ("POST", "/api/ledgers/{code}/subsidy-lists"),
        ("POST", "/api/ledgers/{code}/subsidy-lists/{batch}/bank-return"),
        ("POST", "/api/ledgers/{code}/subsidy-lists/{batch}/failed-payments"),
        ("GET", "/api/allocations"),
        ("GET", "/api/allocations/{code}"),
        ("GET", "/api/funds/{code}/passport"),
        ("GET", "/api/funds/{code}/passport/lines"),
        ("GET", "/api/funds/{code}/execution"),
        ("GET", "/api/ledgers/{code}/projects"),
        ("GET", "/api/ledgers/{code}/projects/{project}"),
        ("PUT", "/api/ledgers/{code}/projects/{project}"),
        ("POST", "/api/ledgers/{code}/projects/{project}/advance"),
        ("GET", "/api/affairs/villages/{code}/members"),
        ("POST", "/api/affairs/memberships/{membership_id}/end"),
        ("GET", "/api/affairs/villages/{code}/shares"),
        ("GET", "/api/affairs/villages/{code}/holdings"),
        ("GET", "/api/affairs/ledgers/{code}/dividends/{year}"),
        ("POST", "/api/affairs/ledgers/{code}/dividends"),
        ("GET", "/api/affairs/ledgers/{code}/decisions"),
        ("GET", "/api/affairs/ledgers/{code}/payments-without-decision"),
        ("POST", "/api/affairs/villages/{code}/decisions"),
        ("POST", "/api/affairs/villages/{code}/decisions/{decision}/payments"),
        ("GET", "/api/affairs/villages/{code}/representatives"),
        ("POST", "/api/affairs/villages/{code}/representatives"),
        ("GET", "/api/affairs/villages/{code}/meetings"),
        ("POST", "/api/affairs/villages/{code}/meetings"),
        *(
            ("POST", f"/api/affairs/imports/{kind}")
            for kind in (
                "members",
                "shares",
                "decisions",
                "representatives",
                "meetings",
                "contracts",
                "assets",
                "resources",
            )
        ),  # fmt: skip
        ("GET", "/api/ledgers/{code}/contracts"),
        ("GET", "/api/ledgers/{code}/contracts/overdue"),
        ("GET", "/api/ledgers/{code}/contracts/reconciliation"),
        ("POST", "/api/ledgers/{code}/contracts/match-receipts"),
        ("GET", "/api/ledgers/{code}/contracts/{contract}"),
        ("POST", "/api/ledgers/{code}/contracts/{contract}/terminate"),
        ("GET", "/api/ledgers/{code}/assets"),
        ("GET", "/api/ledgers/{code}/assets/reconciliation"),
        ("POST", "/api/ledgers/{code}/assets/{card}/dispose"),
        ("POST", "/api/ledgers/{code}/depreciation"),
        ("GET", "/api/ledgers/{code}/resources"),
        ("GET", "/api/supervision/alerts"),
        ("GET", "/api/supervision/findings"),
        ("POST", "/api/supervision/alerts/dismiss"),
        ("POST", "/api/supervision/findings"),
        ("GET", "/api/supervision/findings/{code}/{number}"),
        ("POST", "/api/supervision/findings/{code}/{number}/respond"),
        ("POST", "/api/supervision/findings/{code}/{number}/documents"),
        ("POST", "/api/supervision/findings/{code}/{number}/verify"),
        ("GET", "/api/supervision/findings/{code}/{number}/documents/{document_id}"),
        ("GET", "/api/me"),
        ("GET", "/api/tokens"),
        ("POST", "/api/tokens"),
        ("DELETE", "/api/tokens/{token_id}"),
    }
    slug = next(
        p
        for p in schema["paths"]["/api/ledgers/{code}/reports/{slug}"]["get"]["parameters"]
        if p["name"] == "slug"
    )
    assert slug["schema"]["enum"] == list(REPORT_KINDS)
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    fund = schema["components"]["schemas"]["FundOut"]["properties"]["amount"]
    assert fund["type"] == "string"  # money is never a JSON number


def test_the_docs_page_is_served(client, db):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


@pytest.mark.parametrize("path", ["/api/", "/api/nothing/here", "/api/ledgers/HT01/vouchers/1/unknown"])
def test_a_path_that_is_not_there_is_a_json_404(ledger, acc, path):
    response = acc.get(path)
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "没有这个接口", "problems": []}


def test_a_method_an_endpoint_does_not_take_is_a_json_405(ledger, acc):
    response = acc.put("/api/ledgers", {})
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_text_the_database_cannot_store_is_refused_at_its_field(ledger, acc):
    response = acc.get("/api/ledgers", {"q": "黑\x00滩"})
    assert response.status_code == 422
    assert problems_of(response) == [("q", None, "不能包含控制字符（NUL）或无效的 Unicode 字符")]
    assert acc.get("/api/ledgers/HT\x0001").status_code == 422


def test_an_id_beyond_the_database_range_is_refused(ledger, acc):
    response = acc.get(f"/api/ledgers/HT01/vouchers/{2**63}")
    assert response.status_code == 422
    assert problems_of(response) == [("voucher_id", None, f"不能大于 {2**63 - 1}")]


def test_a_body_larger_than_the_upload_limit_is_a_json_413(ledger, acc, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = acc.post("/api/ledgers/HT01/vouchers", {"date": "2025-03-10", "note": "x" * 2000, "lines": []})
    assert response.status_code == 413
    assert error_of(response) == {"code": "invalid", "message": "请求内容过大", "problems": []}


def test_the_docs_page_takes_its_scripts_from_our_static_files_not_a_cdn(client, db):
    html = client.get("/api/docs").content.decode()

    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in html
    assert 'href="/static/ninja/swagger-ui.css"' in html and "cdn" not in html.lower()
    assert 'id="swagger-ui"' in html
