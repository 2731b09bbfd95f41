"""`villagebooks report` as scripts drive it: the CSV columns the issue fixes, files, errors."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.ledger.tests.books import post

RECEIPTS = """
    2025-03-01 收到县交通局道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
"""


def _run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_trial_balance_csv_has_the_agreed_columns(ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, RECEIPTS)
    text = _run(
        "trial-balance", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12", "--format", "csv"
    )
    lines = text.splitlines()
    assert lines[0] == "code,name,opening_debit,opening_credit,debit,credit,closing_debit,closing_credit"
    assert "102,银行存款,80000.00,0.00,50000.00,0.00,130000.00,0.00" in lines
    assert "241,专项应付款,0.00,0.00,0.00,50000.00,0.00,50000.00" in lines


def test_table_and_file_output_and_region_roll_up(ledger, accountant, reviewer, tmp_path):
    post(ledger, accountant, reviewer, RECEIPTS)
    table = _run("fund-summary", "--region", "510781000000", "--from", "2025-01", "--to", "2025-12")
    assert "资金来源汇总表" in table and "上级专项资金" in table and "50,000.00" in table
    target = tmp_path / "tb.csv"
    _run(
        "trial-balance",
        "--ledger",
        "HT01",
        "--from",
        "2025-03",
        "--to",
        "2025-03",
        "--format",
        "csv",
        "--output",
        str(target),
    )
    assert target.read_text(encoding="utf-8").startswith("code,name,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ledger", "HT01", "--from", "2025-13", "--to", "2025-12"], "期间格式应为 YYYY-MM"),
        (["--ledger", "HT01", "--from", "2025-06", "--to", "2025-01"], "起始期间不能晚于结束期间"),
        (["--ledger", "NOPE", "--from", "2025-01", "--to", "2025-12"], "账套 NOPE 不存在或您无权查看"),
        (["--region", "999999999999", "--from", "2025-01", "--to", "2025-12"], "区划 999999999999 不存在"),
    ],
)
def test_bad_arguments_are_clear_errors(ledger, args, message):
    with pytest.raises(CommandError, match=message):
        _run("trial-balance", *args)


def test_a_user_outside_the_township_sees_nothing(ledger, make_user, region_tree):
    make_user("wudu", "supervisor", region_tree["510781101000"])
    with pytest.raises(CommandError, match="不存在或您无权查看"):
        _run("trial-balance", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12", "--user", "wudu")


def test_xlsx_is_written_to_the_output_file(ledger, accountant, reviewer, tmp_path):
    import openpyxl

    post(ledger, accountant, reviewer, RECEIPTS)
    target = tmp_path / "tb.xlsx"
    out = _run(
        "trial-balance",
        "--ledger",
        "HT01",
        "--from",
        "2025-03",
        "--to",
        "2025-03",
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    assert out == f"已写入 {target}\n"
    sheet = openpyxl.load_workbook(target).active
    assert sheet["A1"].value == "科目余额表" and sheet["C2"].value == "期间：2025-03"
    assert [c.value for c in sheet[4]] == ["102", "银行存款", 80000, 0, 50000, 0, 130000, 0]


def test_xlsx_needs_an_output_file(ledger):
    with pytest.raises(CommandError, match="请用 --output 指定要写入的文件"):
        _run("trial-balance", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12", "--format", "xlsx")


def test_a_report_printed_by_the_command_is_logged(ledger, accountant, reviewer):
    from villagebooks.common.models import AuditEntry

    post(ledger, accountant, reviewer, RECEIPTS)
    _run(
        "detail-ledger", "--ledger", "HT01", "--account", "102", "--from", "2025-01", "--to", "2025-12",
        "--format", "csv", "--user", "accountant",
    )  # fmt: skip

    entry = AuditEntry.objects.filter(action="report_view").get()
    assert (entry.actor, entry.ledger_id) == (accountant, ledger.pk)
    assert entry.detail == {
        "report": "detail-ledger",
        "format": "csv",
        "via": "cli",
        "from": "2025-01",
        "to": "2025-12",
        "account": "102",
    }


def test_the_official_forms_from_the_command_line(ledger, accountant, reviewer, tmp_path):
    post(ledger, accountant, reviewer, RECEIPTS)
    table = _run("income-statement-form", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12")
    assert "本年数" in table and "上年数" in table
    assert table.count("年末未分配收益") == 1  # the form's last line, printed once
    target = tmp_path / "bs.xlsx"
    _run(
        "balance-sheet-form",
        "--ledger",
        "HT01",
        "--from",
        "2025-01",
        "--to",
        "2025-12",
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    import openpyxl

    sheet = openpyxl.load_workbook(target).active
    assert sheet["H2"].value == "会农01表" and sheet["A4"].value == "资产"
