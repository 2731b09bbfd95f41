"""The bank reconciliation page: the 调节表 and both sides' open items in Chinese, the upload, the
manual match and its undoing; 404 outside the user's scope, 403 for who may look but not change."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from villagebooks.banking.models import BankLine, BankMatch
from villagebooks.banking.tests.conftest import HEITAN, JANUARY
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.models import VoucherLine

pytestmark = pytest.mark.django_db
PAGE = "/ledgers/HT01/bank/"
JANUARY_QUERY = {"account": "102", "period": "2025-01"}


def _upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


def test_the_page_shows_the_table_and_what_is_left_to_match(client, imported, accountant):
    client.force_login(accountant)
    html = client.get(PAGE, JANUARY_QUERY).content.decode()
    assert "<h2>银行存款余额调节表</h2>" in html
    assert 'data-kind="book_balance">98,765.44</td>' in html
    assert 'data-kind="bank_balance">100,032.70</td>' in html
    assert 'data-kind="adjusted_book"><strong>98,798.14</strong>' in html
    assert 'data-kind="adjusted_bank"><strong>98,798.14</strong>' in html
    assert "调节后余额相等。" in html
    assert html.count("data-bank-line=") == 2 and html.count("data-voucher-line=") == 1
    assert html.count("data-match=") == 2
    assert (
        'href="/ledgers/HT01/reports/bank-reconciliation.csv?from=2025-01&amp;to=2025-01&amp;account=102"'
        in html
    )
    assert 'data-section="banking" aria-current="true">银行对账</a>' in html


def test_other_villages_users_and_the_reporter_get_404(client, imported, outsider, make_user, region_tree):
    client.force_login(outsider)
    assert client.get(PAGE).status_code == 404
    response = client.post(PAGE + "auto/", {"account": "102"})
    assert response.status_code == 404
    reporter = make_user("heitan", "reporter", region_tree[HEITAN])
    client.force_login(reporter)
    assert client.get(PAGE).status_code == 404
    assert "银行对账" not in client.get("/ledgers/HT01/reports/trial-balance/").content.decode()


def test_upload_imports_and_matches_or_says_every_problem(client, books, accountant, statement):
    client.force_login(accountant)
    rows = [list(row) for row in JANUARY]
    rows[1][4] = "1.00"
    bad = client.post(
        PAGE + "import/", {"account": "102", "file": _upload(statement(rows, "bad.csv"))}, follow=True
    )
    assert "第3行 余额：余额不连续" in bad.content.decode()
    assert not BankLine.objects.exists()
    good = client.post(PAGE + "import/", {"account": "102", "file": _upload(statement(JANUARY))}, follow=True)
    assert "已导入对账单 statement.csv：4 笔交易，自动勾对 2 笔。" in good.content.decode()
    assert good.redirect_chain[-1][0] == PAGE + "?account=102&period=2025-01"
    header_only = statement([], "header.csv", header=["日期", "金额"])
    no_columns = client.post(PAGE + "import/", {"account": "102", "file": _upload(header_only)}, follow=True)
    assert "第1行 表头：缺少必需的列：date（交易日期）" in no_columns.content.decode()
    missing = client.post(PAGE + "import/", {"account": "102"}, follow=True)
    assert "请选择对账单文件" in missing.content.decode()


def test_match_and_unmatch_by_hand(client, imported, books, accountant, reviewer):
    client.force_login(accountant)
    match = BankMatch.objects.get(bank_line__serial="B002")
    response = client.post(PAGE + "unmatch/", {"match": match.pk, "account": "102", "period": "2025-01"})
    assert response.status_code == 302 and not BankMatch.objects.filter(pk=match.pk).exists()
    bank_line = BankLine.objects.get(serial="B002")
    voucher_line = VoucherLine.objects.get(ledger=books, summary="道路硬化工程款", account__code="102")
    wrong = client.post(
        PAGE + "match/",
        {"bank_line": BankLine.objects.get(serial="B003").pk, "voucher_line": voucher_line.pk},
        follow=True,
    )
    assert "金额或方向不一致" in wrong.content.decode()
    client.post(PAGE + "match/", {"bank_line": bank_line.pk, "voucher_line": voucher_line.pk})
    assert BankMatch.objects.get(bank_line=bank_line).automatic is False
    client.force_login(reviewer)
    html = client.get(PAGE, JANUARY_QUERY).content.decode()
    assert "勾对所选的两笔" not in html and "导入银行对账单" not in html and "data-bank-line=" in html
    forbidden = client.post(PAGE + "unmatch/", {"match": BankMatch.objects.get(bank_line=bank_line).pk})
    assert forbidden.status_code == 403


def test_a_closed_month_offers_no_changes(client, imported, books, accountant):
    ledger_services.period_close(actor=accountant, ledger=books, year=2025, month=1)
    client.force_login(accountant)
    html = client.get(PAGE, JANUARY_QUERY).content.decode()
    assert "2025-01 已结账：本月的勾对不能再更改。" in html and "取消勾对" not in html


def test_the_closing_checklist_links_the_blocker_to_the_bank_page(client, imported, books, accountant):
    client.force_login(accountant)
    for month in (1, 2):
        ledger_services.period_close(actor=accountant, ledger=books, year=2025, month=month)
    html = client.get("/ledgers/HT01/closing/", {"year": "2025"}).content.decode()
    assert 'data-check="bank_unreconciled"' in html
    assert 'href="/ledgers/HT01/bank/?account=102&amp;period=2025-03">去银行对账</a>' in html


def test_the_report_page_says_each_row_in_words_and_the_csv_keeps_the_kinds(
    client, imported, books, accountant
):
    client.force_login(accountant)
    query = {"from": "2025-01", "to": "2025-01", "account": "102"}
    html = client.get("/ledgers/HT01/reports/bank-reconciliation/", query).content.decode()
    assert 'data-kind="bank_only_in"' in html and "加：银行已收、企业未收" in html
    voucher = VoucherLine.objects.get(ledger=books, summary="购买办公用品", account__code="102").voucher_id
    assert f'href="/ledgers/HT01/vouchers/{voucher}/">记-3 购买办公用品</a>' in html
    # A download has Chinese headers; the column codes (the CLI's contract) on request.
    csv = client.get("/ledgers/HT01/reports/bank-reconciliation.csv", query).content.decode("utf-8-sig")
    assert csv.splitlines()[0] == "项目,日期,摘要,金额"
    query["headers"] = "codes"
    csv = client.get("/ledgers/HT01/reports/bank-reconciliation.csv", query).content.decode("utf-8-sig")
    assert csv.splitlines()[0] == "kind,date,summary,amount"
    assert csv.splitlines()[5] == "book_only_out,2025-01-30,记-3 购买办公用品,1234.56"
    pdf = client.get("/ledgers/HT01/reports/bank-reconciliation.pdf", query)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    xlsx = client.get("/ledgers/HT01/reports/bank-reconciliation.xlsx", query)
    assert xlsx.status_code == 200
