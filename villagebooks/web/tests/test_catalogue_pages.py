"""Every report of the catalogue as a page, a CSV, an XLSX and a PDF, for a ledger and for a region (汇总),
without page code per report: a report added to ``REPORT_KINDS`` is tested here as it lands.
Also the region pages' boundaries (a region-wide role, never a role on single ledgers), the
pickers, bad input at its field in Chinese, and the print layout."""

import io

import openpyxl
import pytest
from pypdf import PdfReader

from villagebooks.ledger.domain.periods import BAD_PERIOD
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.official_forms import OfficialForm
from villagebooks.reports.render import render_csv
from villagebooks.reports.scope import RANGE_REVERSED, scope_for_ledger, scope_for_region
from villagebooks.web.tests.pages import table_rows

MONTHS = {"from": "2025-01", "to": "2025-03"}
XINAN = "510781100000"  # 新安镇, the township of the fixtures' accountant
LEDGER_SLUGS = [slug for slug, kind in REPORT_KINDS.items() if not kind.region_only]
REGION_SLUGS = [slug for slug, kind in REPORT_KINDS.items() if not kind.ledger_only]


@pytest.fixture
def books(books, accountant, tmp_path):
    """The page tests' books, with an allocation and a project for the funds reports' rows."""
    from villagebooks.funds.tests.support import library_for_reports

    library_for_reports(books, accountant, tmp_path)
    return books


# The funds reports read the project library too (entries, payment plans, the acts that date a
# state, allocation shares) besides the lines: a few queries more than a report of balances.
FUNDS_REPORTS = ("project-execution", "fund-passport", "funds-unspent", "projects-overdue")


def _params(slug: str) -> dict:
    """The months, and an account for the reports that take one (102 银行存款 is in every ledger)."""
    return {**MONTHS, "account": "102"} if REPORT_KINDS[slug].needs_account else dict(MONTHS)


def _built(slug: str, scope):
    kind = REPORT_KINDS[slug]
    return kind.build(scope, account="102") if kind.needs_account else kind.build(scope)


def _ledger_scope(user):
    return scope_for_ledger(user=user, ledger_code="HT01", from_key=202501, to_key=202503)


def _region_scope(user):
    return scope_for_region(user=user, region_code=XINAN, from_key=202501, to_key=202503)


@pytest.mark.parametrize("slug", LEDGER_SLUGS)
def test_every_report_has_a_ledger_page_and_its_files(client, books, accountant, slug):
    kind = REPORT_KINDS[slug]
    client.force_login(accountant)
    page = client.get(f"/ledgers/HT01/reports/{slug}/", _params(slug))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="{slug}"' in html and "field-error" not in html
    assert f'aria-current="page">{kind.title}</a>' in html
    report = _built(slug, _ledger_scope(accountant))
    csv = client.get(f"/ledgers/HT01/reports/{slug}.csv", _params(slug))
    assert csv.status_code == 200
    # Chinese headers by default; the CLI's column codes on request.
    assert csv.content.decode("utf-8") == "\ufeff" + render_csv(
        kind.headers, kind.rows(report), text_columns=kind.text_columns
    )
    codes = client.get(f"/ledgers/HT01/reports/{slug}.csv", {**_params(slug), "headers": "codes"})
    assert codes.content.decode("utf-8") == "\ufeff" + render_csv(
        kind.columns, kind.rows(report), text_columns=kind.text_columns
    )
    xlsx = client.get(f"/ledgers/HT01/reports/{slug}.xlsx", _params(slug))
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    if not isinstance(
        report, OfficialForm
    ):  # the official forms print their own layout (test_official_forms)
        assert [cell.value for cell in sheet[3]] == kind.headers
        rows = kind.rows(report)
        total_rows = 0 if rows and kind.total(report) == rows[-1] else 1  # a last line is printed once
        assert sheet.max_row == 3 + len(rows) + total_rows + (1 if kind.warning(report) else 0)
    pdf = client.get(f"/ledgers/HT01/reports/{slug}.pdf", _params(slug))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


@pytest.mark.parametrize("slug", REGION_SLUGS)
def test_every_report_has_a_region_page_and_its_files(client, books, other_ledger, accountant, slug):
    kind = REPORT_KINDS[slug]
    client.force_login(accountant)
    base = f"/regions/{XINAN}/reports/{slug}"
    page = client.get(f"{base}/", _params(slug))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="{slug}"' in html and "field-error" not in html
    assert "新安镇（汇总 2 个账套）" in html
    report = _built(slug, _region_scope(accountant))
    csv = client.get(f"{base}.csv", {**_params(slug), "headers": "codes"})
    assert csv.status_code == 200
    assert csv.content.decode("utf-8") == "\ufeff" + render_csv(
        kind.columns, kind.rows(report), text_columns=kind.text_columns
    )
    assert client.get(f"{base}.csv", _params(slug)).content.decode("utf-8").splitlines()[0] == (
        "\ufeff" + ",".join(str(header) for header in kind.headers)
    )
    assert csv["Content-Disposition"].startswith(f"attachment; filename*=utf-8''{XINAN}-")
    assert client.get(f"{base}.xlsx", _params(slug)).status_code == 200
    assert client.get(f"{base}.pdf", _params(slug)).content.startswith(b"%PDF-")


@pytest.mark.parametrize("slug", LEDGER_SLUGS)
def test_every_ledger_report_page_needs_a_bounded_number_of_queries(
    client, books, accountant, slug, django_assert_max_num_queries
):
    client.force_login(accountant)
    client.get("/")
    # 14, the breadcrumb's regions, and the operation log's row of the view (its chain's last row
    # read, then the row written). The funds' reports read their summaries, allocations and
    # projects, and on PostgreSQL the direct uses' candidate accounts before their lines (one
    # index probe a (ledger, account) pair, funds/passport.py): six more.
    with django_assert_max_num_queries(17 + (6 if slug in FUNDS_REPORTS else 0)):
        client.get(f"/ledgers/HT01/reports/{slug}/", _params(slug))


def test_the_region_adds_up_its_villages(client, books, other_ledger, accountant):
    client.force_login(accountant)
    response = client.get(f"/regions/{XINAN}/reports/trial-balance/", MONTHS)
    rows, _ = table_rows(response.content.decode())
    assert rows["102"] == ["102", "银行存款", "80,000.00", "", "50,000.00", "31,234.56", "98,765.44", ""]
    # A region's accounts have no one detail ledger: the codes are not links.
    assert 'href="/ledgers/HT01/reports/detail-ledger/' not in response.content.decode()


def test_a_region_row_of_a_village_opens_that_villages_ledger(client, books, other_ledger, accountant):
    client.force_login(accountant)
    html = client.get(
        f"/regions/{XINAN}/reports/village-trial-balance/", {**MONTHS, "account": "102"}
    ).content.decode()
    assert (
        'href="/ledgers/HT01/reports/detail-ledger/?from=2025-01&amp;to=2025-03&amp;account=102">HT01</a>'
        in html
    )
    assert (
        'href="/ledgers/TM01/reports/detail-ledger/?from=2025-01&amp;to=2025-03&amp;account=102">TM01</a>'
        in html
    )


def test_region_pages_do_not_offer_the_books_of_one_ledger(client, books, accountant):
    client.force_login(accountant)
    html = client.get(f"/regions/{XINAN}/reports/trial-balance/").content.decode()
    assert "/reports/detail-ledger/" not in html and "/reports/cash-journal/" not in html
    assert f"/regions/{XINAN}/reports/village-statements/" in html
    for params in (MONTHS, {**MONTHS, "account": "102"}):
        response = client.get(f"/regions/{XINAN}/reports/detail-ledger/", params)
        assert "明细账只能按单个账套查看，请从“我的账套”打开该账套的明细账" in response.content.decode()
        assert 'id="detail-ledger"' not in response.content.decode()


def test_ledger_pages_do_not_offer_the_per_village_reports(client, books, accountant):
    client.force_login(accountant)
    html = client.get("/ledgers/HT01/reports/trial-balance/").content.decode()
    assert "/reports/village-statements/" not in html
    response = client.get("/ledgers/HT01/reports/village-statements/", MONTHS)
    assert "主要报表项目汇总表（分村）按村列示，只能在乡镇或县的汇总报表中查看" in response.content.decode()


def test_a_ledger_level_role_does_not_open_the_region(client, books, make_user, region_tree):
    reporter = make_user("cun", "reporter", region_tree["510781100201"], ledger_id=books.pk)
    client.force_login(reporter)
    assert client.get("/ledgers/HT01/reports/trial-balance/").status_code == 200
    for code in (XINAN, "510781100201"):
        response = client.get(f"/regions/{code}/reports/trial-balance/")
        assert response.status_code == 404
        assert "银行存款" not in response.content.decode()
    assert 'data-region="' not in client.get("/").content.decode()


def test_another_townships_accountant_cannot_open_this_township(client, books, make_user, region_tree):
    client.force_login(make_user("wudu", "accountant", region_tree["510781101000"]))
    response = client.get(f"/regions/{XINAN}/reports/balance-sheet/", MONTHS)
    assert response.status_code == 404
    assert f"区划 {XINAN} 不存在或您无权查看其汇总报表" in response.content.decode()
    assert client.get(f"/regions/{XINAN}/reports/balance-sheet.csv", MONTHS).status_code == 404
    assert client.get("/regions/999999999999/reports/balance-sheet/").status_code == 404


def test_home_lists_the_regions_a_user_may_add_up(client, books, accountant, make_user, region_tree):
    county = make_user("county", "county", region_tree["510781000000"])
    client.force_login(county)
    html = client.get("/").content.decode()
    assert 'href="/regions/510781000000/reports/trial-balance/">江油市</a>' in html
    client.force_login(accountant)
    html = client.get("/").content.decode()
    assert f'href="/regions/{XINAN}/reports/trial-balance/">新安镇</a>' in html
    assert "江油市" not in html


def test_a_chart_with_no_ledgers_in_the_region_is_said_at_the_chart_field(client, books, accountant):
    client.force_login(accountant)
    response = client.get(f"/regions/{XINAN}/reports/trial-balance/", {**MONTHS, "chart": "2004"})
    assert (
        '<p class="field-error" id="id_chart_error">该区域内没有您可以查看的 2004 制度账套</p>'
        in response.content.decode()
    )
    bad = client.get(f"/regions/{XINAN}/reports/trial-balance/", {**MONTHS, "chart": "1999"})
    assert '<p class="field-error" id="id_chart_error">会计制度 1999 不存在</p>' in bad.content.decode()


@pytest.mark.parametrize("level", ["ledgers/HT01", f"regions/{XINAN}"])
def test_bad_months_are_chinese_messages_at_their_fields(client, books, accountant, level):
    client.force_login(accountant)
    response = client.get(f"/{level}/reports/balance-sheet/", {"from": "2025-13", "to": "2025-03"})
    html = response.content.decode()
    assert f'<p class="field-error" id="id_from_error">{BAD_PERIOD}</p>' in html
    assert 'id="balance-sheet"' not in html and "下载 CSV" not in html
    reversed_range = client.get(f"/{level}/reports/balance-sheet/", {"from": "2025-03", "to": "2025-01"})
    assert (
        f'<p class="field-error" id="id_from_error">{RANGE_REVERSED}</p>' in reversed_range.content.decode()
    )
    assert (
        client.get(f"/{level}/reports/balance-sheet.csv", {"from": "x", "to": "2025-03"}).status_code == 400
    )


def test_the_dimension_report_has_its_pickers_and_its_errors_at_their_fields(client, books, accountant):
    client.force_login(accountant)
    url = "/ledgers/HT01/reports/dimension/"
    page = client.get(url, {**MONTHS, "account": "241", "by": "fund"}).content.decode()
    rows, _ = table_rows(page, "data-row")
    assert rows["1"] == [
        "县交通局道路补助",
        "上级专项资金",
        "0.00",
        "0.00",
        "30,000.00",
        "50,000.00",
        "0.00",
        "20,000.00",
    ]
    assert '<option value="counterparty">往来单位</option>' in page
    assert (
        'href="/ledgers/HT01/reports/dimension.csv?from=2025-01&amp;to=2025-03&amp;account=241&amp;by=fund"'
        in page
    )
    no_account = client.get(url, MONTHS).content.decode()
    assert '<p class="field-error" id="id_account_error">请选择科目</p>' in no_account
    bad_by = client.get(url, {**MONTHS, "account": "241", "by": "project"}).content.decode()
    assert '<p class="field-error" id="id_by_error">辅助核算方式 project 不存在</p>' in bad_by


def test_unknown_reports_are_404(client, books, accountant):
    client.force_login(accountant)
    assert client.get("/ledgers/HT01/reports/no-such-report/").status_code == 404
    assert client.get("/ledgers/HT01/reports/no-such-report.csv").status_code == 404
    assert client.get(f"/regions/{XINAN}/reports/no-such-report/").status_code == 404


def test_each_report_page_has_a_print_layout(client, books, accountant):
    client.force_login(accountant)
    html = client.get("/ledgers/HT01/reports/balance-sheet/", MONTHS).content.decode()
    assert 'href="/ledgers/HT01/reports/balance-sheet/?from=2025-01&amp;to=2025-03&amp;print=1"' in html
    printed = client.get("/ledgers/HT01/reports/balance-sheet/", {**MONTHS, "print": "1"}).content.decode()
    assert '<body class=" print-view">' in printed
    assert '<span class="print-only">编制单位：黑滩村股份经济合作联合社（HT01）　</span>' in printed
    assert 'href="/ledgers/HT01/reports/balance-sheet/?from=2025-01&amp;to=2025-03">返回</a>' in printed
    assert "data-print>" in printed and "web/print.js" in printed
    assert 'header class="topbar no-print"' in printed and 'class="period-form card no-print"' in printed


@pytest.mark.parametrize("level", ["ledgers/HT01", f"regions/{XINAN}"])
def test_every_report_downloads_as_pdf_too(client, books, accountant, level):
    client.force_login(accountant)
    html = client.get(f"/{level}/reports/balance-sheet/", MONTHS).content.decode()
    assert f'href="/{level}/reports/balance-sheet.pdf?from=2025-01&amp;to=2025-03' in html
    pdf = client.get(f"/{level}/reports/balance-sheet.pdf", MONTHS)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].endswith("2025-01%E8%87%B32025-03.pdf")
    assert pdf.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "资产负债表" in text and "98,765.44" in text
    bad = client.get(f"/{level}/reports/balance-sheet.pdf", {"from": "2025-00", "to": "2025-03"})
    assert bad.status_code == 400 and str(BAD_PERIOD) in bad.content.decode()
