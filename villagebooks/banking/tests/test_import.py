"""Importing a bank statement: the common layout in English or Chinese, CSV in UTF-8 or GBK and
XLSX, other layouts by mapping; a running balance that does not add up, a serial seen before, a
statement that does not continue the last: refused at the row, nothing written."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.banking import errors as E
from villagebooks.banking.models import BankLine, BankMatch, BankStatement
from villagebooks.banking.services import bank_statement_import
from villagebooks.banking.tests.conftest import CHINESE_HEADER, FEBRUARY, JANUARY
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.ledger.importing import ImportFailed

pytestmark = pytest.mark.django_db


def _import(ledger, actor, path, **options):
    return bank_statement_import(actor=actor, ledger=ledger, account_code="102", path=path, **options)


def _messages(error) -> list[tuple[int | None, str, str]]:
    return [(p.row, p.field, p.message) for p in error.problems]


def test_the_common_layout_is_imported_and_matched(imported, books):
    statement = imported.statement
    assert (statement.line_count, statement.first_date.isoformat(), statement.last_date.isoformat()) == (
        4,
        "2025-01-11",
        "2025-01-31",
    )
    assert (statement.opening_balance_fen, statement.closing_balance_fen) == (8_000_000, 10_003_270)
    lines = list(
        BankLine.objects.filter(ledger=books).values_list("sequence", "serial", "income_fen", "expense_fen")
    )
    assert lines == [
        (1, "B001", 5_000_000, 0),
        (2, "B002", 0, 3_000_000),
        (3, "B003", 0, 1250),
        (4, "B004", 4520, 0),
    ]
    assert imported.matched == 2
    assert sorted(BankMatch.objects.values_list("bank_line__serial", "voucher_line__summary")) == [
        ("B001", "收到道路补助"),
        ("B002", "道路硬化工程款"),
    ]
    assert AuditEntry.objects.filter(action="bank_statement_import", ledger_id=books.pk).count() == 1
    assert AuditEntry.objects.filter(action="bank_match_auto", ledger_id=books.pk).count() == 1


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_chinese_headers_in_utf8_or_gbk(books, accountant, statement, encoding):
    path = statement(JANUARY, header=CHINESE_HEADER, encoding=encoding)
    assert _import(books, accountant, path).statement.line_count == 4
    assert BankLine.objects.get(serial="B001").counterpart == "江油市交通运输局"


def test_an_xlsx_statement_with_numbers_and_dates_as_cells(books, accountant, statement):
    from datetime import datetime

    rows = [[datetime(2025, 1, 11), "道路补助", 50000, None, 130000, "江油市交通运输局", "B001"]]
    result = _import(books, accountant, statement(rows, name="jan.xlsx"))
    assert result.statement.closing_balance_fen == 13_000_000 and result.matched == 1


def test_a_running_balance_that_does_not_add_up_is_refused_at_its_row(books, accountant, statement):
    rows = [list(row) for row in JANUARY]
    rows[2][4] = "99988.50"  # the fee of 12.50 taken from 100,000.00 leaves 99,987.50
    with pytest.raises(ImportFailed) as failed:
        _import(books, accountant, statement(rows))
    problems = _messages(failed.value)
    assert [(row, field) for row, field, _ in problems] == [(4, "balance"), (5, "balance")]
    assert problems[0][2] == (
        "余额不连续：上一笔余额 100,000.00 + 收入 0.00 − 支出 12.50 应为 99,987.50，对账单上为 99,988.50"
    )
    assert (
        not BankStatement.objects.exists()
        and not BankLine.objects.exists()
        and not BankMatch.objects.exists()
    )


def test_bad_cells_are_each_said_at_their_row(books, accountant, statement):
    rows = [
        ["2025-13-01", "x", "10", "", "80010", "", "A1"],
        ["2025-01-02", "x", "abc", "", "80010", "", "A2"],
        ["2025-01-03", "x", "5", "5", "80010", "", "A3"],
        ["2025-01-04", "x", "", "", "80010", "", ""],
        ["2025-01-05", "x", "-5", "", "80005", "", "A5"],
    ]
    with pytest.raises(ImportFailed) as failed:
        _import(books, accountant, statement(rows))
    assert _messages(failed.value) == [
        (2, "date", str(E.BAD_DATE.format(text="2025-13-01"))),
        (3, "income", "收入金额“abc”：不是有效的金额"),
        (4, "income", str(E.BOTH_AMOUNTS)),
        (5, "income", str(E.NO_AMOUNT)),
        (5, "serial", str(E.SERIAL_REQUIRED)),
        (6, "income", "收入金额不能为负数"),
    ]
    assert not BankLine.objects.exists()


def test_a_missing_column_is_named_in_chinese(books, accountant, statement):
    path = statement([["2025-01-11", "x", "1", "", "80001", ""]], header=CHINESE_HEADER[:-1])
    with pytest.raises(DomainError) as failed:
        _import(books, accountant, path)
    assert failed.value.problems[0].message == "缺少必需的列：serial（流水号）"


def test_a_serial_twice_in_the_file_or_imported_before_is_refused(books, accountant, statement, imported):
    again = [["2025-02-02", "转账支票", "", "1234.56", "98798.14", "", "B004"]]
    with pytest.raises(ImportFailed) as failed:
        _import(books, accountant, statement(again, name="again.csv"))
    assert _messages(failed.value) == [
        (2, "serial", "流水号 B004 已经导入过（2025-01-31），同一笔交易不能导入两次")
    ]
    twice = [*FEBRUARY, ["2025-02-03", "x", "1.00", "", "98799.14", "", "B005"]]
    with pytest.raises(ImportFailed) as failed:
        _import(books, accountant, statement(twice, name="twice.csv"))
    assert (3, "serial", "流水号 B005 与第 2 行重复") in _messages(failed.value)
    assert BankLine.objects.count() == 4


def test_the_next_statement_must_continue_the_last(books, accountant, statement, imported):
    gap = [["2025-02-02", "转账支票", "", "1234.56", "98700.00", "", "B005"]]
    with pytest.raises(ImportFailed) as failed:
        _import(books, accountant, statement(gap, name="gap.csv"))
    assert _messages(failed.value) == [
        (
            2,
            "balance",
            "与已导入的对账单不衔接：已导入至 2025-01-31 的余额为 100,032.70，本笔应为 98,798.14，对账单上为 98,700.00",
        )
    ]
    earlier = [["2025-01-05", "x", "1.00", "", "100033.70", "", "B000"]]
    with pytest.raises(ImportFailed) as failed:
        _import(books, accountant, statement(earlier, name="earlier.csv"))
    assert failed.value.problems[0].field == "date"
    result = _import(books, accountant, statement(FEBRUARY, name="feb.csv"))
    assert result.matched == 1  # the office-supplies cheque of 2025-01-30, cleared 2025-02-02


def test_a_newest_first_export_is_read_bottom_up(books, accountant, statement):
    result = _import(books, accountant, statement(JANUARY[::-1]))
    assert list(BankLine.objects.order_by("sequence").values_list("serial", flat=True)) == [
        "B001",
        "B002",
        "B003",
        "B004",
    ]
    assert result.statement.closing_balance_fen == 10_003_270


def test_another_layout_by_name_or_by_mapping(books, accountant, statement):
    header = ["记账日期", "摘要", "贷方发生额", "借方发生额", "账户余额", "对方户名", "交易流水号"]
    path = statement(JANUARY[:1], header=header)
    with pytest.raises(DomainError):
        _import(books, accountant, path)
    assert _import(books, accountant, path, layout="debit-credit").statement.line_count == 1
    odd = ["日期", "用途", "存入", "取出", "结余", "户名", "编号"]
    mapping = {"date": "日期", "summary": "用途", "income": "存入", "expense": "取出"}
    mapping |= {"balance": "结余", "counterpart": "户名", "serial": "编号"}
    row = [["2025-01-25", "工程款", "", "30000.00", "100000.00", "江油市路桥公司", "B002"]]
    assert (
        _import(books, accountant, statement(row, name="odd.csv", header=odd), mapping=mapping).matched == 1
    )
    with pytest.raises(DomainError) as failed:
        _import(books, accountant, path, layout="nosuch")
    assert failed.value.problems[0].field == "layout"


def test_only_bank_accounts_and_only_the_accountant(books, accountant, reviewer, statement):
    path = statement(JANUARY)
    with pytest.raises(DomainError) as failed:
        bank_statement_import(actor=accountant, ledger=books, account_code="241", path=path)
    assert failed.value.problems[0].message == str(E.NOT_BANK_ACCOUNT.format(code="241"))
    with pytest.raises(NotPermitted):
        _import(books, reviewer, path)
    assert not BankLine.objects.exists()


def test_the_command_imports_and_refuses_with_rows(books, accountant, statement, capsys):
    path = statement(JANUARY)
    call_command(
        "import_bank_statement", str(path), "--ledger", "HT01", "--account", "102", "--user", "accountant"
    )
    assert "已导入对账单：4 笔" in capsys.readouterr().out
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_bank_statement", str(path), "--ledger", "HT01", "--account", "102")
    assert "第2行 流水号：流水号 B001 已经导入过" in capsys.readouterr().err
