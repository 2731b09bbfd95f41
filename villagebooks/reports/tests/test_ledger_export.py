"""The whole-ledger export: a small ledger goes out as a ZIP and every figure comes back."""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection, connections
from openpyxl import load_workbook

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.common.spreadsheet import guard_text as csv_text
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import AccountBalance, Attachment, VoucherLine
from villagebooks.ledger.tests.books import post
from villagebooks.reports import ledger_export as ledger_export_module
from villagebooks.reports.ledger_export import ledger_export
from villagebooks.reports.scope import UNKNOWN_LEDGER

PDF = b"%PDF-1.4\n% a scanned receipt\n" + bytes(range(256)) * 4
FORMULA = '=HYPERLINK("http://x")+1'

CSV_FILES = [
    "ledger.csv",
    "accounts.csv",
    "funds.csv",
    "counterparties.csv",
    "periods.csv",
    "opening_balances.csv",
    "vouchers.csv",
    "attachments.csv",
    "balances.csv",
]
REPORTS_2025 = [
    "trial-balance-2025.xlsx",
    "fund-summary-2025.xlsx",
    "balance-sheet-2025.xlsx",
    "income-statement-2025.xlsx",
]


@pytest.fixture
def books(ledger, accountant, reviewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    road, _fees = post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-05 道路硬化工程款
          借 241 专项应付款   50000.00  fund=县交通局道路补助
          贷 102 银行存款     50000.00
        2025-03-06 =HYPERLINK("http://x")+1
          借 102 银行存款     1200.50
          贷 301 资本         1200.50
        """,
    )
    voucher = services.voucher_create(
        actor=accountant,
        ledger=ledger,
        date=date(2025, 4, 2),
        lines=[
            LineInput(summary="收到农户张三还款", account_code="102", debit_fen=30_000),
            LineInput(summary="收到农户张三还款", account_code="301", credit_fen=30_000),
        ],
        submit=True,
    )
    services.attachment_add(actor=accountant, voucher=voucher, name="收据 4月/2号.pdf", content=PDF)
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    red = services.voucher_reverse(actor=accountant, voucher=road, reason="金额有误", date=date(2025, 4, 3))
    services.voucher_review(actor=reviewer, voucher=red)
    services.voucher_post(actor=accountant, voucher=red)
    return ledger


def _read_csv(archive: zipfile.ZipFile, name: str) -> list[dict]:
    data = archive.read(name)
    assert data.startswith(b"\xef\xbb\xbf"), name  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture
def exported(books, accountant, tmp_path):
    target = tmp_path / "HT01.zip"
    summary = ledger_export(actor=accountant, ledger_code="HT01", target=target)
    return summary, zipfile.ZipFile(target)


def test_the_zip_holds_every_file(exported, tmp_path):
    summary, archive = exported
    attachment = Attachment.objects.get()
    names = archive.namelist()
    assert names == summary.files
    assert sorted(names) == sorted(
        [
            *CSV_FILES,
            *REPORTS_2025,
            "README.txt",
            "chain.jsonl",
            f"attachments/{attachment.pk}-收据 4月_2号.pdf",
        ]
    )
    assert archive.testzip() is None
    # Stamped with the export time, not the 1980-01-01 that streamed members get by default.
    assert min(archive.getinfo(name).date_time[0] for name in names) >= 2026
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert "黑滩村股份经济合作联合社（编号 HT01）" in readme
    assert "农村集体经济组织会计制度(2023)" in readme
    assert "单引号 '" in readme
    for name in names:
        if not name.startswith("attachments/") and name != "README.txt":
            assert f"  {name}：" in readme


def test_voucher_lines_match_the_books(exported):
    summary, archive = exported
    rows = _read_csv(archive, "vouchers.csv")
    lines = VoucherLine.objects.order_by("voucher__period__month", "voucher__number", "line_no")
    assert len(rows) == lines.count() == summary.line_count == 8
    assert [
        (
            int(r["voucher_id"]),
            int(r["line_no"]),
            r["account_code"],
            Decimal(r["debit"]),
            Decimal(r["credit"]),
        )
        for r in rows
    ] == [
        (
            line.voucher_id,
            line.line_no,
            line.account.code,
            Decimal(line.debit_fen) / 100,
            Decimal(line.credit_fen) / 100,
        )
        for line in lines
    ]
    assert (
        sum(Decimal(r["debit"]) for r in rows)
        == sum(Decimal(r["credit"]) for r in rows)
        == Decimal("1200.50") + Decimal("300.00")
    )
    red = [r for r in rows if r["kind"] == "reversal"]
    assert {r["debit"] for r in red} == {"-50000.00", "0.00"}  # amounts are never quote-prefixed
    assert {r["reverses_number"] for r in red} == {"1"}
    assert {r["reverses_voucher_id"] for r in red} == {str(rows[0]["voucher_id"])}
    assert {r["period"] for r in red} == {"2025-04"}
    assert rows[0]["fund"] == "县交通局道路补助"
    assert rows[0]["prepared_by"] == "accountant" and rows[0]["reviewed_by"] == "reviewer"
    assert summary.voucher_count == 4


def test_balances_equal_account_balance(exported, ledger):
    _summary, archive = exported
    rows = _read_csv(archive, "balances.csv")
    funds = {f.pk: f.name for f in ledger.funds.all()}
    expected = sorted(
        (b.account.code, b.period_key, funds.get(b.fund_key, ""), b.is_closing, b.debit_fen, b.credit_fen)
        for b in AccountBalance.objects.filter(ledger=ledger).select_related("account")
    )
    assert (
        sorted(
            (
                r["account_code"],
                int(r["period_key"]),
                r["fund"],
                r["is_closing"] == "1",
                int(Decimal(r["debit"]) * 100),
                int(Decimal(r["credit"]) * 100),
            )
            for r in rows
        )
        == expected
    )
    assert len(expected) > 4


def test_reports_open_in_excel_and_attachment_is_identical(exported):
    _summary, archive = exported
    for name in REPORTS_2025:
        sheet = load_workbook(io.BytesIO(archive.read(name))).active
        assert "黑滩村" in str(sheet["A2"].value)
    sheet = load_workbook(io.BytesIO(archive.read("trial-balance-2025.xlsx"))).active
    codes = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert "102" in codes
    attachment = Attachment.objects.get()
    (listed,) = _read_csv(archive, "attachments.csv")
    assert listed["sha256"] == attachment.sha256 and int(listed["size"]) == len(PDF)
    assert listed["original_name"] == "收据 4月/2号.pdf"
    assert archive.read(listed["file"]) == PDF


def test_formula_like_text_stays_text(exported):
    _summary, archive = exported
    rows = _read_csv(archive, "vouchers.csv")
    assert {r["summary"] for r in rows if r["number"] == "2" and r["period"] == "2025-03"} == {"'" + FORMULA}
    assert csv_text("-3") == "'-3" and csv_text("@x") == "'@x" and csv_text("+1") == "'+1"
    assert csv_text("道路") == "道路" and csv_text(None) == ""


def test_other_fields_and_audit(exported, ledger, accountant):
    _summary, archive = exported
    (row,) = _read_csv(archive, "ledger.csv")
    assert (row["code"], row["chart"], row["village_code"]) == ("HT01", "2023", "510781100201")
    accounts = {r["code"]: r for r in _read_csv(archive, "accounts.csv")}
    assert accounts["102"]["normal_side"] == "debit" and accounts["102"]["is_active"] == "1"
    assert {r["name"] for r in _read_csv(archive, "funds.csv")} == {"县交通局道路补助", "村级组织运转经费"}
    assert [r["name"] for r in _read_csv(archive, "counterparties.csv")] == ["张三"]
    periods = [(r["year"], r["month"], r["last_number"]) for r in _read_csv(archive, "periods.csv")]
    assert ("2025", "3", "2") in periods and ("2025", "4", "2") in periods
    opening = _read_csv(archive, "opening_balances.csv")
    assert {(r["account_code"], r["debit"], r["credit"]) for r in opening} == {
        ("102", "80000.00", "0.00"),
        ("301", "0.00", "80000.00"),
    }
    entry = AuditEntry.objects.filter(action="ledger_export").get()
    assert (entry.actor, entry.ledger_id, entry.detail["lines"]) == (accountant, ledger.pk, 8)


def test_user_of_another_township_gets_the_same_error_and_no_file(books, make_user, region_tree, tmp_path):
    stranger = make_user("stranger", "accountant", region_tree["510781101000"])
    target = tmp_path / "out.zip"
    with pytest.raises(NotPermitted) as denied:
        ledger_export(actor=stranger, ledger_code="HT01", target=target)
    with pytest.raises(NotPermitted) as unknown:
        ledger_export(actor=stranger, ledger_code="NOPE", target=target)
    assert str(denied.value) == UNKNOWN_LEDGER.format(code="HT01")
    assert str(unknown.value) == UNKNOWN_LEDGER.format(code="NOPE")
    assert list(tmp_path.glob("*.zip*")) == [] and list(tmp_path.glob(".*")) == []
    assert not AuditEntry.objects.filter(action="ledger_export").exists()


def test_a_failure_leaves_the_old_file_and_no_partial_zip(books, accountant, tmp_path):
    target = tmp_path / "HT01.zip"
    target.write_bytes(b"previous export")
    default_storage.delete(Attachment.objects.get().file.name)
    with pytest.raises(DomainError, match="附件文件缺失"):
        ledger_export(actor=accountant, ledger_code="HT01", target=target)
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["HT01.zip", "media"]


def test_file_object_target(books, accountant):
    buffer = io.BytesIO()
    summary = ledger_export(actor=accountant, ledger_code="HT01", target=buffer)
    assert len(buffer.getvalue()) == summary.size
    assert zipfile.ZipFile(buffer).namelist() == summary.files


def test_command(books, tmp_path):
    target = tmp_path / "cli.zip"
    out = io.StringIO()
    call_command("export_ledger", ledger="HT01", output=target, username="accountant", stdout=out)
    assert "分录 8 条" in out.getvalue()
    assert "vouchers.csv" in zipfile.ZipFile(target).namelist()
    with pytest.raises(CommandError, match="不存在或您无权查看"):
        call_command("export_ledger", ledger="ZZ99", output=tmp_path / "no.zip", username="accountant")
    assert not (tmp_path / "no.zip").exists()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: a second writer during the export, and a transactional test whose "
    "clean-up SQLite's posted-voucher triggers refuse",
)
# serialized_rollback: the flush after a transactional test would also remove the data
# that migrations seed (statement layouts), which later tests need.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_files_show_one_moment_while_another_user_posts(ledger, accountant, reviewer, monkeypatch, tmp_path):
    post(ledger, accountant, reviewer, "2025-03-05 收款\n  借 102 银行存款  100.00\n  贷 301 资本  100.00")
    late = services.voucher_create(
        actor=accountant,
        ledger=ledger,
        date=date(2025, 3, 9),
        lines=[
            LineInput(summary="导出途中记账", account_code="102", debit_fen=9_900),
            LineInput(summary="导出途中记账", account_code="301", credit_fen=9_900),
        ],
        submit=True,
    )
    late = services.voucher_review(actor=reviewer, voucher=late)
    write_attachments = ledger_export_module._write_attachments

    def post_meanwhile(*args):
        # After vouchers.csv is written and before balances.csv is: another connection posts.
        write_attachments(*args)
        failures = []

        def post_late():
            try:
                services.voucher_post(actor=accountant, voucher=late)
            except BaseException as exc:  # reported below
                failures.append(exc)
            finally:
                connections.close_all()

        thread = threading.Thread(target=post_late)
        thread.start()
        thread.join(timeout=60)
        assert failures == []

    monkeypatch.setattr(ledger_export_module, "_write_attachments", post_meanwhile)
    target = tmp_path / "HT01.zip"
    ledger_export(actor=accountant, ledger_code="HT01", target=target)
    archive = zipfile.ZipFile(target)
    posted = [r for r in _read_csv(archive, "vouchers.csv") if r["status"] == "posted"]
    moved = [r for r in _read_csv(archive, "balances.csv") if r["month"] != "0"]
    assert (
        sum(Decimal(r["debit"]) for r in posted)
        == sum(Decimal(r["debit"]) for r in moved)
        == Decimal("100.00")
    )
    assert VoucherLine.objects.filter(voucher__status="posted").count() == 4  # the late post did happen


def test_a_target_that_cannot_be_written_is_a_chinese_error(books, accountant, tmp_path):
    (tmp_path / "taken.zip").mkdir()
    with pytest.raises(DomainError, match="无法写入"):
        ledger_export(actor=accountant, ledger_code="HT01", target=tmp_path / "taken.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "taken.zip"]
    assert not AuditEntry.objects.filter(action="ledger_export").exists()
