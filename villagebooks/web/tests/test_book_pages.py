"""明细账, the journals and the general ledger as pages: rows pinned, an account picker, each posted
line a link to its voucher, sub-accounts and general-ledger codes links to their detail ledgers."""

import re
from html import unescape

import pytest

from villagebooks.ledger.models import Voucher
from villagebooks.ledger.tests.books import post
from villagebooks.web.forms import UNKNOWN_ACCOUNT_CHOICE
from villagebooks.web.tests.pages import table_rows

DETAIL = "/ledgers/HT01/reports/detail-ledger/"
MONTHS = {"from": "2025-01", "to": "2025-03"}


def _voucher_id(month: int, number: int = 1) -> int:
    return Voucher.objects.get(ledger__code="HT01", period__month=month, number=number).pk


def _links(html: str, table_id: str) -> dict[str, str]:
    """Link text → href of its first link inside one table."""
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    links: dict[str, str] = {}
    for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', table):
        links.setdefault(text, unescape(href))
    return links


def test_detail_ledger_of_the_bank_account_row_by_row(client, books, accountant):
    client.force_login(accountant)
    response = client.get(DETAIL, {**MONTHS, "account": "102"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="report-title">明细账 102 银行存款</h2>' in html
    rows, classes = table_rows(html, "data-row")
    # Date, voucher, account, summary, side, debit, credit, balance.
    assert list(rows.values()) == [
        ["", "", "102", "期初余额", "借", "", "", "80,000.00"],
        ["2025-01-10", "记-1", "102", "收到道路补助", "借", "50,000.00", "", "130,000.00"],
        ["2025-01", "", "102", "本月合计", "借", "50,000.00", "", "130,000.00"],
        ["2025-01", "", "102", "本年累计", "借", "50,000.00", "", "130,000.00"],
        ["2025-02-15", "记-1", "102", "道路硬化工程款", "借", "", "30,000.00", "100,000.00"],
        ["2025-02", "", "102", "本月合计", "借", "", "30,000.00", "100,000.00"],
        ["2025-02", "", "102", "本年累计", "借", "50,000.00", "30,000.00", "100,000.00"],
        ["2025-03-20", "记-1", "102", "购买办公用品", "借", "", "1,234.56", "98,765.44"],
        ["2025-03", "", "102", "本月合计", "借", "", "1,234.56", "98,765.44"],
        ["2025-03", "", "102", "本年累计", "借", "50,000.00", "31,234.56", "98,765.44"],
        ["", "", "102", "本期合计", "借", "50,000.00", "31,234.56", "98,765.44"],
    ]
    assert [classes[str(n)] for n in (1, 2, 3, 4)] == ["book-opening", "book-line", "book-month", "book-year"]
    assert classes["total"] == "total"


def test_each_posted_line_links_to_its_own_voucher(client, books, accountant):
    client.force_login(accountant)
    html = client.get(DETAIL, {**MONTHS, "account": "102"}).content.decode()
    table = html[html.index('id="detail-ledger"') :]
    hrefs = [unescape(h) for h in re.findall(r'<a href="(/ledgers/HT01/vouchers/[^"]+)">记-1</a>', table)]
    assert hrefs == [f"/ledgers/HT01/vouchers/{_voucher_id(month)}/" for month in (1, 2, 3)]
    february = client.get(hrefs[1]).content.decode()
    assert '<dd id="voucher-date">2025-02-15</dd>' in february and "道路硬化工程款" in february


def test_a_parent_accounts_ledger_links_its_sub_accounts(client, books, accountant):
    client.force_login(accountant)
    html = client.get(DETAIL, {**MONTHS, "account": "513"}).content.decode()
    rows, _ = table_rows(html, "data-row")
    assert rows["2"] == ["2025-01", "", "513", "本月合计", "平", "", "", "0.00"]
    assert rows["6"] == ["2025-03-20", "记-1", "51301", "购买办公用品", "借", "1,234.56", "", "1,234.56"]
    links = _links(html, "detail-ledger")
    assert links["51301"] == "/ledgers/HT01/reports/detail-ledger/?from=2025-01&to=2025-03&account=51301"
    assert "513" not in links  # the account shown does not link to itself


def test_the_detail_ledger_asks_for_an_account_first(client, books, accountant):
    client.force_login(accountant)
    response = client.get(DETAIL, MONTHS)
    html = response.content.decode()
    assert response.status_code == 200
    assert "请在上方选择要查看的科目" in html and 'id="detail-ledger"' not in html
    assert '<option value="51301">\u300051301 办公费</option>' in html
    assert "field-error" not in html
    csv = client.get("/ledgers/HT01/reports/detail-ledger.csv", MONTHS)
    assert csv.status_code == 400
    assert '<p class="field-error" id="id_account_error">请选择科目</p>' in csv.content.decode()


def test_an_account_that_is_not_in_the_ledger_is_refused_at_its_field(client, books, accountant):
    client.force_login(accountant)
    html = client.get(DETAIL, {**MONTHS, "account": "999"}).content.decode()
    message = str(UNKNOWN_ACCOUNT_CHOICE) % {"value": "999"}
    assert f'<p class="field-error" id="id_account_error">{message}</p>' in html
    assert 'id="detail-ledger"' not in html


def test_detail_ledger_csv_names_the_account(client, books, accountant):
    client.force_login(accountant)
    response = client.get("/ledgers/HT01/reports/detail-ledger.csv", {**MONTHS, "account": "102"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''HT01-%E6%98%8E%E7%BB%86%E8%B4%A6-102-2025-01%E8%87%B32025-03.csv"
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "日期,凭证号,科目,摘要,借或贷,借方,贷方,余额"  # Chinese headers by default
    assert lines[2] == "2025-01-10,记-1,102,收到道路补助,借,50000.00,0.00,130000.00"


def test_bank_journal_shows_the_other_side_and_links_vouchers(client, books, accountant):
    client.force_login(accountant)
    html = client.get("/ledgers/HT01/reports/bank-journal/", MONTHS).content.decode()
    rows, _ = table_rows(html, "data-row")
    assert rows["2"] == [
        "2025-01-10",
        "记-1",
        "102",
        "收到道路补助",
        "241 专项应付款",
        "借",
        "50,000.00",
        "",
        "130,000.00",
    ]
    assert _links(html, "bank-journal")["记-1"] == f"/ledgers/HT01/vouchers/{_voucher_id(1)}/"


def test_general_ledger_codes_open_their_detail_ledgers(client, books, accountant):
    client.force_login(accountant)
    html = client.get("/ledgers/HT01/reports/general-ledger/", MONTHS).content.decode()
    rows, _ = table_rows(html, "data-row")
    assert rows["1"] == ["102", "银行存款", "", "期初余额", "借", "", "", "80,000.00"]
    assert rows["total"] == ["", "合计", "", "本期合计", "平", "81,234.56", "81,234.56", "0.00"]
    links = _links(html, "general-ledger")
    assert links["241"] == "/ledgers/HT01/reports/detail-ledger/?from=2025-01&to=2025-03&account=241"


@pytest.mark.parametrize("slug", ["detail-ledger", "bank-journal"])
def test_book_pages_need_the_same_queries_however_many_lines(client, books, accountant, reviewer, slug):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(accountant)
    params = {**MONTHS, "account": "102"}
    client.get(f"/ledgers/HT01/reports/{slug}/", params)
    with CaptureQueriesContext(connection) as three:
        client.get(f"/ledgers/HT01/reports/{slug}/", params)
    post(
        books,
        accountant,
        reviewer,
        "\n".join(
            f"2025-0{month}-{day:02d} 收取承包费\n  借 102 银行存款 {day}00.00\n  贷 501 经营收入 {day}00.00"
            for month in (1, 2, 3)
            for day in range(1, 9)
        ),
    )
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/ledgers/HT01/reports/{slug}/", params)
    assert len(table_rows(response.content.decode(), "data-row")[0]) == 11 + 24
    assert len(many) == len(three)


def test_detail_ledger_page_queries_are_bounded(client, books, accountant, django_assert_max_num_queries):
    client.force_login(accountant)
    client.get(DETAIL)
    # 13, the breadcrumb's regions, and the operation log's row of the view (its chain's last row
    # read, then the row written).
    with django_assert_max_num_queries(16):
        assert client.get(DETAIL, {**MONTHS, "account": "102"}).status_code == 200
