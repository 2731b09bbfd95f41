"""资产负债表 and 收益及收益分配表 as pages: every figure pinned, each line a link to the accounts of
its formula, and from there a link to each account's detail ledger for the same months."""

import re
from html import unescape

import pytest

from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.scope import UNKNOWN_LEDGER, scope_for_ledger
from villagebooks.web.tests.pages import table_rows

BS = "/ledgers/HT01/reports/balance-sheet/"
IS = "/ledgers/HT01/reports/income-statement/"
MONTHS = {"from": "2025-01", "to": "2025-03"}


def _hrefs(html: str, table_id: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', table)]


def test_balance_sheet_page_shows_every_line_with_its_figures(client, books, accountant):
    client.force_login(accountant)
    response = client.get(BS, MONTHS)
    assert response.status_code == 200
    rows, classes = table_rows(response.content.decode(), "data-line")
    # Line, item, 年初数, 期末数.
    assert rows["1"] == ["1", "货币资金", "80,000.00", "98,765.44"]
    assert rows["6"] == ["6", "流动资产合计", "80,000.00", "98,765.44"]
    assert rows["21"] == ["21", "资产总计", "80,000.00", "98,765.44"]
    assert rows["39"] == ["39", "专项应付款", "0.00", "20,000.00"]
    assert rows["41"] == ["41", "负债合计", "0.00", "20,000.00"]
    assert rows["42"] == ["42", "资本", "80,000.00", "80,000.00"]
    assert rows["44"] == ["44", "未分配收益", "0.00", "-1,234.56"]
    assert rows["45"] == ["45", "所有者权益合计", "80,000.00", "78,765.44"]
    assert rows["46"] == ["46", "负债和所有者权益总计", "80,000.00", "98,765.44"]
    expected = REPORT_KINDS["balance-sheet"].build(
        scope_for_ledger(user=accountant, ledger_code="HT01", from_key=202501, to_key=202503)
    )
    numbered = [row for row in expected.rows if row.line_no]
    assert [key for key in rows if key] == [str(row.line_no) for row in numbered]
    assert classes["21"] == "bold indent-0" and classes["1"] == "indent-1"
    html = response.content.decode()
    assert "流动资产：" in html and "资产总计与负债和所有者权益总计相等。" in html
    assert '<td class="num negative">-1,234.56</td>' in html


def test_income_statement_page_shows_the_period_and_the_year_to_date(client, books, accountant):
    client.force_login(accountant)
    rows, _ = table_rows(client.get(IS, {"from": "2025-03", "to": "2025-03"}).content.decode(), "data-line")
    assert rows["1"] == ["1", "一、经营收入", "0.00", "0.00"]
    assert rows["4"] == ["4", "管理费用", "1,234.56", "1,234.56"]
    assert rows["6"] == ["6", "二、经营收益", "-1,234.56", "-1,234.56"]
    assert rows["13"] == ["13", "四、本年收益", "-1,234.56", "-1,234.56"]
    assert rows["20"] == ["20", "六、年末未分配收益", "-1,234.56", "-1,234.56"]
    february, _ = table_rows(
        client.get(IS, {"from": "2025-02", "to": "2025-02"}).content.decode(), "data-line"
    )
    assert february["4"] == ["4", "管理费用", "0.00", "0.00"]


def test_each_statement_line_links_to_its_accounts_for_the_same_months(client, books, accountant):
    client.force_login(accountant)
    html = client.get(BS, MONTHS).content.decode()
    links = _hrefs(html, "balance-sheet")
    assert links[0] == "/ledgers/HT01/reports/balance-sheet/lines/1/?from=2025-01&to=2025-03"
    assert len(links) == 37  # every numbered line; the five headings have none
    for link in links:
        assert client.get(link).status_code == 200, link


def test_a_line_page_takes_the_formula_apart_down_to_the_detail_ledgers(client, books, accountant):
    client.force_login(accountant)
    response = client.get("/ledgers/HT01/reports/balance-sheet/lines/1/", MONTHS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "资产负债表 · 第 1 行 货币资金" in html
    assert re.search(r"<dt>年初数</dt><dd[^>]*>80,000.00</dd>", html)
    assert re.search(r"<dt>期末数</dt><dd[^>]*>98,765.44</dd>", html)
    terms, _ = table_rows(html, "data-term")
    assert terms == {"101": ["＋", "101", "库存现金", "余额"], "102": ["＋", "102", "银行存款", "余额"]}
    accounts, _ = table_rows(html, "data-code")
    assert accounts == {
        "102": ["102", "银行存款", "80,000.00", "", "50,000.00", "31,234.56", "98,765.44", ""],
    }
    assert _hrefs(html, "line-accounts") == [
        "/ledgers/HT01/reports/detail-ledger/?from=2025-01&to=2025-03&account=102"
    ]
    detail = client.get(_hrefs(html, "line-accounts")[0])
    assert detail.status_code == 200 and "明细账 102 银行存款" in detail.content.decode()


def test_a_total_line_expands_the_lines_it_adds_up(client, books, accountant):
    client.force_login(accountant)
    html = client.get("/ledgers/HT01/reports/balance-sheet/lines/46/", MONTHS).content.decode()
    terms, _ = table_rows(html, "data-term")
    # 负债和所有者权益总计 = L41 + L45, down to the accounts; 未分配收益 subtracts the expenses.
    assert terms["241"] == ["＋", "241", "专项应付款", "余额"]
    assert terms["credit(113)"] == ["＋", "113", "内部往来", "贷方余额"]
    assert terms["513"] == ["－", "513", "管理费用", "余额"]
    assert "debit(113)" not in terms and "101" not in terms
    accounts, classes = table_rows(html, "data-code")
    assert list(accounts) == ["241", "301", "513", "51301"]
    assert classes["51301"] == "level-2"


def test_an_income_line_reads_movements_and_a_sub_accounts_formula(client, books, accountant):
    client.force_login(accountant)
    html = client.get("/ledgers/HT01/reports/income-statement/lines/16/", MONTHS).content.decode()
    terms, _ = table_rows(html, "data-term")
    assert terms["opening(322)"] == ["＋", "322", "收益分配", "年初余额"]
    assert terms["credit(322)"] == ["＋", "322", "收益分配", "贷方发生额"]
    assert terms["513"] == ["－", "513", "管理费用", "本期净发生额（不含年末结转）"]


@pytest.mark.parametrize(
    "path",
    [
        "/ledgers/HT01/reports/balance-sheet/lines/99/",  # no such line
        "/ledgers/HT01/reports/trial-balance/lines/1/",  # not a statement
        "/ledgers/HT01/reports/no-such-report/lines/1/",
    ],
)
def test_a_line_that_is_not_there_is_404(client, books, accountant, path):
    client.force_login(accountant)
    assert client.get(path, MONTHS).status_code == 404


def test_a_line_page_with_a_bad_month_says_so_at_the_field(client, books, accountant):
    client.force_login(accountant)
    response = client.get("/ledgers/HT01/reports/balance-sheet/lines/1/", {"from": "2025-1", "to": "x"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="field-error" id="id_to_error">期间格式应为 YYYY-MM</p>' in html
    assert 'id="line-terms"' not in html


def test_a_line_of_another_townships_ledger_is_404(client, books, make_user, region_tree):
    client.force_login(make_user("wudu", "accountant", region_tree["510781101000"]))
    response = client.get("/ledgers/HT01/reports/balance-sheet/lines/1/", MONTHS)
    assert response.status_code == 404
    assert UNKNOWN_LEDGER.format(code="HT01") in response.content.decode()
    assert "货币资金" not in response.content.decode()


def test_statement_pages_need_a_fixed_number_of_queries(
    client, books, accountant, django_assert_max_num_queries
):
    client.force_login(accountant)
    client.get(BS)  # the session and content types, once
    # Each: 11, the breadcrumb's regions, and the operation log's row of the view (its chain's
    # last row read, then the row written).
    with django_assert_max_num_queries(14):
        assert client.get(BS, MONTHS).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(IS, MONTHS).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get("/ledgers/HT01/reports/balance-sheet/lines/46/", MONTHS).status_code == 200


def test_viewing_and_downloading_a_report_is_logged(client, books, accountant):
    from villagebooks.common.models import AuditEntry

    client.force_login(accountant)
    before = AuditEntry.objects.count()
    assert client.get(BS, MONTHS).status_code == 200
    assert client.get(BS.removesuffix("/") + ".csv", MONTHS).status_code == 200
    assert client.get("/ledgers/HT01/reports/balance-sheet/lines/1/", MONTHS).status_code == 200
    assert (
        client.get(BS, {"from": "2025-13"}).status_code == 200
    )  # a bad month: nothing shown, nothing logged

    rows = AuditEntry.objects.order_by("id")[before:]
    assert [(r.actor, r.action, r.ledger_id, r.object_type) for r in rows] == [
        (accountant, "report_view", books.pk, "Ledger"),
    ] * 3
    month = {"from": "2025-01", "to": "2025-03"}
    assert [r.detail for r in rows] == [
        {"report": "balance-sheet", "format": "page", "via": "page", **month},
        {"report": "balance-sheet", "format": "csv", "via": "page", **month},
        {"report": "balance-sheet", "format": "page", "via": "page", **month, "line": 1},
    ]


RENT = """
    2025-04-10 收到鱼塘租金
      借 102 银行存款   10000.00
      贷 501 经营收入   10000.00
"""


def test_each_kind_of_distribution_is_its_own_line_on_the_page_and_in_the_files(
    client, books, accountant, reviewer
):
    import io

    import openpyxl

    from villagebooks.ledger import services
    from villagebooks.ledger.tests.books import post, year_close_through

    post(books, accountant, reviewer, RENT)
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=books, year=2025, month=month)
    year_close_through(books, accountant, reviewer, 2025, {"提取公积公益金": 100_000, "向成员分配": 300_000})
    client.force_login(accountant)
    year = {"from": "2025-01", "to": "2025-12"}
    rows, _ = table_rows(client.get(IS, year).content.decode(), "data-line")
    # 本年收益 10,000 − 1,234.56 = 8,765.44; 1,000 set aside, 3,000 to the members.
    assert rows["17"] == ["17", "减：提取公积公益金", "1,000.00", "1,000.00"]
    assert rows["18"] == ["18", "向成员分配", "3,000.00", "3,000.00"]
    assert rows["19"] == ["19", "其他", "0.00", "0.00"]
    assert rows["20"] == ["20", "六、年末未分配收益", "4,765.44", "4,765.44"]
    csv_text = client.get(IS.removesuffix("/") + ".csv", year).content.decode("utf-8-sig")
    assert "18,向成员分配,3000.00,3000.00" in csv_text
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(IS.removesuffix("/") + ".xlsx", year).content))
    cells = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert any(row[:2] == ["18", "向成员分配"] or row[:2] == [18, "向成员分配"] for row in cells), cells
