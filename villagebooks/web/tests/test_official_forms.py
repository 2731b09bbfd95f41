"""The official forms (issue 16, part 1): 资产负债表 two-sided (账户式) and 收益及收益分配表 with
本年数/上年数, each with table number, 编制单位, the form's date, unit, headings and bold subtotals
and the signature lines — on the page, in the XLSX and in the PDF alike; an income statement
across two years refused with the reason; 年末未分配收益 printed once.

Books (conftest): 黑滩村 HT01 opens 2025 with 银行存款 80,000.00; January +50,000 road subsidy,
February −30,000 road works, March −1,234.56 office costs (51301): bank 98,765.44 at 31 March.
"""

import io
import re

import openpyxl
import pytest

from villagebooks.reports.tests.pdf_reading import keep_for_looking, page_lines
from villagebooks.web.tests.pages import table_rows

BS = "/ledgers/HT01/reports/balance-sheet-form"
IS = "/ledgers/HT01/reports/income-statement-form"
MONTHS = {"from": "2025-01", "to": "2025-03"}
SIGNATURES = ["单位负责人：", "会计主管：", "制表人："]


def _page(client, path, params=MONTHS):
    response = client.get(path + "/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_balance_sheet_page_is_two_sided_with_the_forms_head_and_signatures(client, books, accountant):
    client.force_login(accountant)
    html = _page(client, BS)
    head = re.search(r'<div class="form-head">(.*?)</div>', html, re.S)[1]
    assert re.findall(r"<span>(.*?)</span>", head) == [
        "会农01表",
        "编制单位：黑滩村股份经济合作联合社",
        "2025 年 3 月 31 日",
        "单位：元",
    ]
    rows, _classes = table_rows(html, "data-row")
    assert rows["1"] == ["流动资产：", "", "", "", "流动负债：", "", "", ""]
    assert rows["2"][:4] == ["货币资金", "1", "80,000.00", "98,765.44"]
    assert rows["2"][4:6] == ["短期借款", "31"]
    total_assets = next(cells for cells in rows.values() if cells[0] == "资产总计")
    assert total_assets[1:4] == ["21", "80,000.00", "98,765.44"]
    assert re.search(r'<th scope="row" class="bold account indent-0"><a [^>]*>资产总计</a>', html)
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)
    assert headers == ["资产", "行次", "年初数", "期末数", "负债和所有者权益", "行次", "年初数", "期末数"]
    signatures = re.search(r'<div class="form-signatures">(.*?)</div>', html, re.S)[1]
    assert re.findall(r"<span>(.*?)</span>", signatures) == SIGNATURES
    assert "UNSURE" in html  # the table number and lines could not be confirmed: the form says so
    # Each item opens the accounts behind its line.
    assert 'href="/ledgers/HT01/reports/balance-sheet/lines/1/?from=2025-01&amp;to=2025-03"' in html


def test_balance_sheet_at_december_says_year_end(client, books, accountant):
    client.force_login(accountant)
    html = _page(client, BS, {"from": "2025-01", "to": "2025-12"})
    assert "2025 年 12 月 31 日" in html and "年末数" in html


def test_balance_sheet_xlsx_cells(client, books, accountant):
    client.force_login(accountant)
    response = client.get(BS + ".xlsx", MONTHS)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "资产负债表"
    assert sheet["H2"].value == "会农01表"
    assert sheet["A3"].value == "编制单位：黑滩村股份经济合作联合社"
    assert "2025 年 3 月 31 日" in [c.value for c in sheet[3]]
    assert sheet["H3"].value == "单位：元"
    assert [c.value for c in sheet[4]] == [
        "资产",
        "行次",
        "年初数",
        "期末数",
        "负债和所有者权益",
        "行次",
        "年初数",
        "期末数",
    ]
    assert sheet["A5"].value == "流动资产：" and sheet["A5"].font.bold
    assert sheet["A6"].value == "\u3000货币资金" and sheet["B6"].value == "1"
    assert sheet["C6"].value == 80000 and sheet["D6"].value == pytest.approx(98765.44)
    total = next(row for row in sheet.iter_rows() if row[0].value == "资产总计")
    assert total[0].font.bold and total[3].font.bold and total[3].value == pytest.approx(98765.44)
    texts = [c.value for row in sheet.iter_rows() for c in row if c.value]
    assert all(role in texts for role in SIGNATURES)


def test_balance_sheet_pdf_keeps_headings_bold_subtotals_and_signatures(client, books, accountant):
    client.force_login(accountant)
    response = client.get(BS + ".pdf", MONTHS)
    assert response.status_code == 200
    keep_for_looking("balance-sheet-form", response.content)
    lines = [" ".join(line) for page in page_lines(response.content) for line in page]
    text = "\n".join(lines)
    assert lines[0] == "资产负债表"
    assert (
        "会农01表" in text and "编制单位：黑滩村股份经济合作联合社" in text and "2025 年 3 月 31 日" in text
    )
    assert any(line.startswith("资产 行次 年初数 期末数 负债和所有者权益") for line in lines)
    assert any(line.startswith("流动资产： 流动负债：") for line in lines)
    # Both totals share the form's last row.
    assert "资产总计 21 负债和所有者权益总计 46" in lines
    assert "80,000.00 98,765.44 80,000.00 98,765.44" in lines
    assert any(line == " ".join(SIGNATURES) for line in lines)
    # Bold is drawn as fill-and-stroke text (render mode 2): the subtotals use it.
    assert b"2 Tr" in _content(response.content)


def _content(data: bytes) -> bytes:
    from pypdf import PdfReader

    return b"".join(page.get_contents().get_data() for page in PdfReader(io.BytesIO(data)).pages)


def test_income_statement_form_has_this_year_and_last_year(client, books, accountant):
    client.force_login(accountant)
    html = _page(client, IS)
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)
    assert headers == ["项目", "行次", "本年数", "上年数"]
    assert "会农02表" in html and "2025 年 1—3 月" in html
    rows, _classes = table_rows(html, "data-row")
    manage = next(cells for cells in rows.values() if cells[0] == "管理费用")
    assert manage[1:] == ["4", "1,234.56", "0.00"]  # nothing was booked in 2024
    assert sum(cells[0] == "六、年末未分配收益" for cells in rows.values()) == 1


def test_income_statement_form_files_print_the_last_line_once(client, books, accountant):
    client.force_login(accountant)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(IS + ".xlsx", MONTHS).content)).active
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts.count("六、年末未分配收益") == 1
    assert [c.value for c in sheet[4]] == ["项目", "行次", "本年数", "上年数"]
    pdf = client.get(IS + ".pdf", MONTHS).content
    text = "\n".join(" ".join(line) for page in page_lines(pdf) for line in page)
    assert text.count("六、年末未分配收益") == 1 and "制表人：" in text
    # The working statement's files print it once too (it has no balance check to total).
    plain = openpyxl.load_workbook(
        io.BytesIO(client.get("/ledgers/HT01/reports/income-statement.xlsx", MONTHS).content)
    ).active
    assert [c.value for row in plain.iter_rows() for c in row].count("六、年末未分配收益") == 1


@pytest.mark.parametrize("path", [IS, "/ledgers/HT01/reports/income-statement"])
def test_an_income_statement_across_two_years_is_refused_with_the_reason(client, books, accountant, path):
    client.force_login(accountant)
    response = client.get(path + "/", {"from": "2024-12", "to": "2025-03"})
    html = response.content.decode()
    assert "收益及收益分配表按年度编制，所选期间跨越 2024 年和 2025 年" in html
    assert 'data-row="1"' not in html and 'data-line="1"' not in html
    assert client.get(path + ".xlsx", {"from": "2024-12", "to": "2025-03"}).status_code == 400


def test_a_township_consolidates_the_form(client, books, other_ledger, accountant):
    client.force_login(accountant)
    html = _page(client, "/regions/510781100000/reports/balance-sheet-form")
    assert "汇总单位：新安镇（汇总 2 个账套）" in html and "会农01表" in html


def test_a_2004_ledger_gets_the_2004_forms(client, region_tree, accountant, reviewer):
    from villagebooks.ledger import services
    from villagebooks.ledger.tests.books import post

    ledger = services.ledger_create(
        actor=accountant,
        village_code="510781100202",
        code="TM04",
        name="土门村集体经济组织",
        chart="2004",
        start_year=2023,
        start_month=1,
    )
    services.opening_balances_set(
        actor=accountant,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=5_000_000),
            services.OpeningInput(account_code="301", credit_fen=5_000_000),
        ],
    )
    post(
        ledger,
        accountant,
        reviewer,
        """
        2023-03-01 收到土地发包款
          借 102 银行存款          8000.00
          贷 511 发包及上交收入    8000.00
        """,
    )
    client.force_login(accountant)
    html = _page(client, "/ledgers/TM04/reports/balance-sheet-form", {"from": "2023-01", "to": "2023-12"})
    assert "村会01表" in html and "2023 年 12 月 31 日" in html
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html)
    assert headers == ["资产", "行次", "年初数", "年末数", "负债及所有者权益", "行次", "年初数", "年末数"]
    rows, _classes = table_rows(html, "data-row")
    last = list(rows.values())[-1]
    assert last[0] == "资产总计" and last[4] == "负债和所有者权益总计" and last[3] == last[7] == "58,000.00"
    income = _page(
        client, "/ledgers/TM04/reports/income-statement-form", {"from": "2023-01", "to": "2023-12"}
    )
    assert "村会02表" in income and "2023 年度" in income
    rows, _classes = table_rows(income, "data-row")
    assert next(c for c in rows.values() if c[0] == "加：发包及上交收入")[1:] == ["2", "8,000.00", "0.00"]
