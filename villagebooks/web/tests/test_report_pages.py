"""A ledger's trial balance and fund summary pages: the figures of the builders, the months
asked for (or sensible defaults), Chinese errors for bad months, CSV downloads, a 404 for every
ledger outside the user's scope, and the first addresses of these pages redirecting to the new."""

import pytest

from villagebooks.common.money import format_fen
from villagebooks.ledger.domain.periods import BAD_PERIOD
from villagebooks.ledger.models import Account, AccountBalance
from villagebooks.reports import fund_summary, trial_balance
from villagebooks.reports.render import render_csv
from villagebooks.reports.scope import RANGE_REVERSED, UNKNOWN_LEDGER, scope_for_ledger
from villagebooks.web.forms import MONTH_REQUIRED
from villagebooks.web.tests.pages import table_rows

TB = "/ledgers/HT01/reports/trial-balance/"
TB_CSV = "/ledgers/HT01/reports/trial-balance.csv"
FS = "/ledgers/HT01/reports/fund-summary/"
FS_CSV = "/ledgers/HT01/reports/fund-summary.csv"
UNBALANCED_WARNING = "试算不平衡！"


def _expected_trial_balance(user, from_key, to_key):
    return trial_balance.build_trial_balance(
        scope_for_ledger(user=user, ledger_code="HT01", from_key=from_key, to_key=to_key)
    )


def _cells(amounts, blank_zero=True):
    return [format_fen(a) if (a or not blank_zero) else "" for a in amounts]


def test_trial_balance_page_shows_the_builders_figures(client, books, accountant):
    client.force_login(accountant)
    response = client.get(TB, {"from": "2025-02", "to": "2025-03"})
    assert response.status_code == 200
    rows, classes = table_rows(response.content.decode())
    expected = _expected_trial_balance(accountant, 202502, 202503)
    assert [code for code in rows if code != "total"] == [row.code for row in expected.rows]
    for row in expected.rows:
        assert rows[row.code] == [row.code, row.name, *_cells(row.amounts())]
    assert rows["total"] == ["", "合计", *_cells(expected.total.amounts(), blank_zero=False)]
    # The figures themselves, as an accountant would check them by hand.
    assert rows["102"][2:] == ["130,000.00", "", "", "31,234.56", "98,765.44", ""]
    assert rows["513"][2:] == ["", "", "1,234.56", "", "1,234.56", ""]
    assert classes["51301"] == "level-2" and classes["513"] == "level-1"
    assert list(rows).index("51301") == list(rows).index("513") + 1
    assert UNBALANCED_WARNING not in response.content.decode()


def test_trial_balance_defaults_to_the_current_year_up_to_the_latest_posted_month(client, books, accountant):
    client.force_login(accountant)
    response = client.get(TB)
    scope = response.context["report"].scope
    assert (scope.from_key, scope.to_key) == (202501, 202503)
    html = response.content.decode()
    assert 'name="from" value="2025-01"' in html and 'name="to" value="2025-03"' in html
    assert "2025-01 至 2025-03" in html


def test_trial_balance_of_a_ledger_with_nothing_posted_opens_on_its_first_month(client, ledger, accountant):
    client.force_login(accountant)
    response = client.get(TB)
    scope = response.context["report"].scope
    assert (scope.from_key, scope.to_key) == (202501, 202501)
    rows, _ = table_rows(response.content.decode())
    assert rows["102"][2:] == ["80,000.00", "", "", "", "80,000.00", ""]


def test_one_month_given_keeps_the_default_for_the_other(client, books, accountant):
    client.force_login(accountant)
    scope = client.get(TB, {"from": "2025-03"}).context["report"].scope
    assert (scope.from_key, scope.to_key) == (202503, 202503)


@pytest.mark.parametrize("bad", ["2025-13", "abc", "2025/01", "2025-1-1"])
def test_a_bad_month_is_a_chinese_error_at_its_field_not_a_500(client, books, accountant, bad):
    client.force_login(accountant)
    response = client.get(TB, {"from": bad, "to": "2025-03"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<p class="field-error" id="id_from_error">{BAD_PERIOD}</p>' in html
    assert response.context["report"] is None
    assert "130,000.00" not in html and 'id="trial-balance"' not in html


def test_an_empty_month_asks_for_one(client, books, accountant):
    client.force_login(accountant)
    html = client.get(TB, {"from": "2025-01", "to": ""}).content.decode()
    assert f'<p class="field-error" id="id_to_error">{MONTH_REQUIRED}</p>' in html


def test_a_reversed_range_is_refused_with_the_scope_message(client, books, accountant):
    client.force_login(accountant)
    response = client.get(TB, {"from": "2025-03", "to": "2025-01"})
    assert f'<p class="field-error" id="id_from_error">{RANGE_REVERSED}</p>' in response.content.decode()
    assert response.context["report"] is None


def test_an_unbalanced_trial_balance_is_shouted_about(client, books, accountant):
    client.force_login(accountant)
    assert UNBALANCED_WARNING not in client.get(TB).content.decode()
    # What a damaged balance table would look like: a debit with no credit.
    account = Account.objects.get(ledger=books, code="101")
    AccountBalance.objects.create(
        ledger=books, account=account, year=2025, month=3, period_key=202503, debit_fen=500
    )
    html = client.get(TB).content.decode()
    assert UNBALANCED_WARNING in html and 'role="alert"' in html
    assert "本期发生：借方 81,239.56，贷方 81,234.56" in html


def test_trial_balance_csv_has_the_cli_columns_and_the_builders_figures(client, books, accountant):
    client.force_login(accountant)
    response = client.get(TB_CSV, {"from": "2025-02", "to": "2025-03", "headers": "codes"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''HT01-")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines[0] == "code,name,opening_debit,opening_credit,debit,credit,closing_debit,closing_credit"
    assert "102,银行存款,130000.00,0.00,0.00,31234.56,98765.44,0.00" in lines
    assert "51301,办公费,0.00,0.00,1234.56,0.00,1234.56,0.00" in lines
    expected = _expected_trial_balance(accountant, 202502, 202503)
    assert text == "\ufeff" + render_csv(
        trial_balance.COLUMNS, [[r.code, r.name, *r.amounts()] for r in expected.rows], text_columns=2
    )


def test_csv_link_carries_the_months_shown(client, books, accountant):
    client.force_login(accountant)
    html = client.get(TB, {"from": "2025-02", "to": "2025-03"}).content.decode()
    assert 'href="/ledgers/HT01/reports/trial-balance.csv?from=2025-02&amp;to=2025-03"' in html


def test_csv_with_a_bad_month_is_the_page_with_the_error(client, books, accountant):
    client.force_login(accountant)
    response = client.get(TB_CSV, {"from": "2025-00", "to": "2025-03"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert str(BAD_PERIOD) in response.content.decode()


def test_fund_summary_page_and_csv_show_the_builders_figures(client, books, accountant):
    client.force_login(accountant)
    response = client.get(FS, {"from": "2025-01", "to": "2025-03"})
    assert response.status_code == 200
    rows, _ = table_rows(response.content.decode(), "data-fund")
    # Name, kind, allocated, opening, received, spent, balance, transferred, held.
    assert rows["县交通局道路补助"] == [
        "县交通局道路补助",
        "上级专项资金",
        "0.00",
        "0.00",
        "50,000.00",
        "30,000.00",
        "20,000.00",
        "0.00",
        "20,000.00",
    ]
    expected = fund_summary.build_fund_summary(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202503)
    )
    for row in expected.rows:
        assert rows[row.name] == [row.name, row.kind, *_cells(row.amounts(), blank_zero=False)]
    assert rows["total"][2:] == _cells(expected.total.amounts(), blank_zero=False)

    csv = client.get(FS_CSV, {"from": "2025-01", "to": "2025-03", "headers": "codes"})
    lines = csv.content.decode("utf-8").removeprefix("\ufeff").splitlines()
    assert lines[0] == "fund,kind,allocated,opening,received,spent,balance,transferred,held"
    assert "县交通局道路补助,上级专项资金,0.00,0.00,50000.00,30000.00,20000.00,0.00,20000.00" in lines


def test_report_tabs_keep_the_months(client, books, accountant):
    client.force_login(accountant)
    html = client.get(TB, {"from": "2025-02", "to": "2025-02"}).content.decode()
    assert 'href="/ledgers/HT01/reports/fund-summary/?from=2025-02&amp;to=2025-02"' in html


@pytest.mark.parametrize("path", [TB, TB_CSV, FS, FS_CSV])
def test_a_user_of_another_township_gets_404_and_no_figures(client, books, make_user, region_tree, path):
    outsider = make_user("wudu", "accountant", region_tree["510781101000"])
    client.force_login(outsider)
    response = client.get(path, {"from": "2025-01", "to": "2025-03"})
    html = response.content.decode()
    assert response.status_code == 404
    assert UNKNOWN_LEDGER.format(code="HT01") in html
    assert "银行存款" not in html and "130,000.00" not in html and "道路补助" not in html


def test_a_ledger_that_does_not_exist_looks_the_same_as_one_out_of_scope(client, books, accountant):
    client.force_login(accountant)
    response = client.get("/ledgers/NOPE/reports/trial-balance/")
    assert response.status_code == 404
    assert UNKNOWN_LEDGER.format(code="NOPE") in response.content.decode()


def test_a_reviewer_of_the_township_may_read_the_reports(client, books, reviewer):
    client.force_login(reviewer)
    assert client.get(TB).status_code == 200
    assert client.get(FS).status_code == 200


def test_xlsx_download_holds_the_months_shown(client, books, accountant):
    import io

    import openpyxl

    client.force_login(accountant)
    html = client.get(FS, {"from": "2025-02", "to": "2025-03"}).content.decode()
    assert 'href="/ledgers/HT01/reports/fund-summary.xlsx?from=2025-02&amp;to=2025-03"' in html
    response = client.get("/ledgers/HT01/reports/fund-summary.xlsx", {"from": "2025-02", "to": "2025-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''HT01-")
    assert response["Content-Disposition"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert (sheet.title, sheet["C2"].value) == ("资金来源汇总表", "期间：2025-02 至 2025-03")
    bad = client.get("/ledgers/HT01/reports/trial-balance.xlsx", {"from": "2025-00", "to": "2025-03"})
    assert bad.status_code == 400 and str(BAD_PERIOD) in bad.content.decode()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/ledgers/HT01/trial-balance/", "/ledgers/HT01/reports/trial-balance/"),
        ("/ledgers/HT01/trial-balance.csv", "/ledgers/HT01/reports/trial-balance.csv"),
        ("/ledgers/HT01/trial-balance.xlsx", "/ledgers/HT01/reports/trial-balance.xlsx"),
        ("/ledgers/HT01/fund-summary/", "/ledgers/HT01/reports/fund-summary/"),
        ("/ledgers/HT01/fund-summary.csv", "/ledgers/HT01/reports/fund-summary.csv"),
        ("/ledgers/HT01/fund-summary.xlsx", "/ledgers/HT01/reports/fund-summary.xlsx"),
    ],
)
def test_the_first_report_addresses_redirect_with_their_months(client, books, accountant, old, new):
    client.force_login(accountant)
    response = client.get(old, {"from": "2025-02", "to": "2025-03"})
    assert response.status_code == 301
    assert response["Location"] == f"{new}?from=2025-02&to=2025-03"
    assert client.get(old)["Location"] == new
    assert client.get(response["Location"]).status_code == 200
