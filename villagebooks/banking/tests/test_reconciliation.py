"""The 银行存款余额调节表: it ties, month by month, as both sides knew it at the month's end; manual
matches and their undoing, only while the month is open; the month-close blocker of old items."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from villagebooks.banking import errors as E
from villagebooks.banking.models import BankLine, BankMatch
from villagebooks.banking.selectors import bank_reconciliation_get
from villagebooks.banking.services import (
    bank_match_auto,
    bank_match_create,
    bank_match_delete,
    bank_statement_import,
)
from villagebooks.banking.tests.conftest import FEBRUARY
from villagebooks.common.errors import Conflict, DomainError, NotPermitted
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.closing_checks import period_close_blockers
from villagebooks.ledger.models import VoucherLine
from villagebooks.ledger.tests.books import post

pytestmark = pytest.mark.django_db


def _table(ledger, key):
    rec = bank_reconciliation_get(ledger=ledger, account_code="102", period_key=key)
    return [(row.kind, row.date.isoformat(), row.summary, row.amount_fen) for row in rec.rows()], rec


def _line(ledger, summary):
    return VoucherLine.objects.get(ledger=ledger, summary=summary, account__code="102")


def test_january_ties_with_the_items_on_each_side(imported, books):
    rows, rec = _table(books, 202501)
    assert rows == [
        ("book_balance", "2025-01-31", "银行存款日记账余额", 9_876_544),
        ("bank_balance", "2025-01-31", "银行对账单余额", 10_003_270),
        ("bank_only_in", "2025-01-31", "结息", 4520),
        ("bank_only_out", "2025-01-31", "账户管理费", 1250),
        ("book_only_out", "2025-01-30", "记-3 购买办公用品", 123_456),
        ("adjusted_book", "2025-01-31", "调节后的银行存款日记账余额", 9_879_814),
        ("adjusted_bank", "2025-01-31", "调节后的银行对账单余额", 9_879_814),
    ]
    assert rec.difference_fen == 0 and rec.warning is None


def test_a_later_match_does_not_change_a_past_month(imported, books, accountant, statement):
    bank_statement_import(
        actor=accountant, ledger=books, account_code="102", path=statement(FEBRUARY, "feb.csv")
    )
    january, _ = _table(books, 202501)
    assert ("book_only_out", "2025-01-30", "记-3 购买办公用品", 123_456) in january
    february, rec = _table(books, 202502)
    assert [row[0] for row in february] == [
        "book_balance",
        "bank_balance",
        "bank_only_in",
        "bank_only_out",
        "adjusted_book",
        "adjusted_bank",
    ]
    assert rec.adjusted_book_fen == rec.adjusted_bank_fen == 9_879_814


def test_without_a_statement_the_table_says_so(books):
    rows, rec = _table(books, 202501)
    assert rec.warning == str(E.NO_STATEMENT.format(code="102"))
    assert [row[0] for row in rows] == ["book_balance", "bank_balance", "adjusted_book", "adjusted_bank"]


def test_the_report_command_writes_the_csv_of_a_month(imported, books):
    out = io.StringIO()
    call_command(
        "report",
        "bank-reconciliation",
        "--ledger",
        "HT01",
        "--account",
        "102",
        "--period",
        "2025-01",
        "--format",
        "csv",
        stdout=out,
    )
    assert out.getvalue().splitlines() == [
        "kind,date,summary,amount",
        "book_balance,2025-01-31,银行存款日记账余额,98765.44",
        "bank_balance,2025-01-31,银行对账单余额,100032.70",
        "bank_only_in,2025-01-31,结息,45.20",
        "bank_only_out,2025-01-31,账户管理费,12.50",
        "book_only_out,2025-01-30,记-3 购买办公用品,1234.56",
        "adjusted_book,2025-01-31,调节后的银行存款日记账余额,98798.14",
        "adjusted_bank,2025-01-31,调节后的银行对账单余额,98798.14",
    ]


def test_a_manual_match_needs_the_same_amount_and_direction(imported, books, accountant, reviewer):
    fee = BankLine.objects.get(serial="B003")
    cheque = _line(books, "购买办公用品")
    with pytest.raises(DomainError) as failed:
        bank_match_create(actor=accountant, ledger=books, bank_line_id=fee.pk, voucher_line_id=cheque.pk)
    assert failed.value.problems[0].message == "金额或方向不一致：银行支出 12.50，账面支出 1,234.56"
    subsidy = BankLine.objects.get(serial="B001")
    with pytest.raises(Conflict):
        bank_match_create(
            actor=accountant,
            ledger=books,
            bank_line_id=subsidy.pk,
            voucher_line_id=_line(books, "收到道路补助").pk,
        )
    with pytest.raises(NotPermitted):
        bank_match_auto(actor=reviewer, ledger=books, account_code="102")
    other = VoucherLine.objects.get(ledger=books, summary="购买办公用品", account__code="51301")
    with pytest.raises(DomainError) as failed:
        bank_match_create(actor=accountant, ledger=books, bank_line_id=fee.pk, voucher_line_id=other.pk)
    assert failed.value.problems[0].message == "分录的科目 51301 不属于对账单的科目 102"


def test_matches_are_undone_only_while_their_month_is_open(imported, books, accountant):
    match = BankMatch.objects.get(bank_line__serial="B002")
    bank_match_delete(actor=accountant, ledger=books, match_id=match.pk)
    rows, rec = _table(books, 202501)
    assert ("bank_only_out", "2025-01-25", "工程款（江油市路桥公司）", 3_000_000) in rows
    assert rec.difference_fen == 0
    assert bank_match_auto(actor=accountant, ledger=books, account_code="102") == 1
    ledger_services.period_close(actor=accountant, ledger=books, year=2025, month=1)
    match = BankMatch.objects.get(bank_line__serial="B002")
    with pytest.raises(Conflict) as failed:
        bank_match_delete(actor=accountant, ledger=books, match_id=match.pk)
    assert failed.value.problems[0].message == "2025-01 已结账，不能再勾对或撤销该月的对账"
    assert BankMatch.objects.filter(pk=match.pk).exists()


def test_a_cheque_of_a_closed_month_is_matched_in_the_next(imported, books, accountant, statement):
    ledger_services.period_close(actor=accountant, ledger=books, year=2025, month=1)
    result = bank_statement_import(
        actor=accountant, ledger=books, account_code="102", path=statement(FEBRUARY, "feb.csv")
    )
    assert result.matched == 1  # dated 2025-02-02 on the bank's side: February's match


def test_old_unreconciled_items_block_the_month_close(imported, books, accountant, reviewer, statement):
    bank_statement_import(
        actor=accountant, ledger=books, account_code="102", path=statement(FEBRUARY, "feb.csv")
    )
    for month in (1, 2):
        assert period_close_blockers(ledger=books, year=2025, month=month) == []
        ledger_services.period_close(actor=accountant, ledger=books, year=2025, month=month)
    blockers = period_close_blockers(ledger=books, year=2025, month=3)
    assert [(b.kind, b.message) for b in blockers] == [
        ("bank_unreconciled", "有 2 笔银行存款未达账项超过 30 天仍未勾对（科目 102，最早 2025-01-31）")
    ]
    assert blockers[0].links[0][1] == "/ledgers/HT01/bank/?account=102&period=2025-03"
    with pytest.raises(DomainError, match="未达账项"):
        ledger_services.period_close(actor=accountant, ledger=books, year=2025, month=3)
    post(
        books,
        accountant,
        reviewer,
        """
        2025-03-03 补记1月银行结息
          借 102 银行存款      45.20
          贷 504 其他收入      45.20
        2025-03-03 补记1月账户管理费
          借 515 其他支出      12.50
          贷 102 银行存款      12.50
        """,
    )
    for serial, summary in (("B004", "补记1月银行结息"), ("B003", "补记1月账户管理费")):
        bank_match_create(
            actor=accountant,
            ledger=books,
            bank_line_id=BankLine.objects.get(serial=serial).pk,
            voucher_line_id=_line(books, summary).pk,
        )
    assert period_close_blockers(ledger=books, year=2025, month=3) == []
    _, rec = _table(books, 202503)
    assert rec.items == () and rec.book_balance_fen == rec.bank_balance_fen == 9_879_814


def test_the_match_commands(imported, books, capsys):
    call_command("bank_unmatch", "--ledger", "HT01", "--account", "102", "--serial", "B002")
    assert "已取消勾对：流水号 B002" in capsys.readouterr().out
    call_command(
        "bank_match", "--ledger", "HT01", "--account", "102", "--serial", "B002", "--voucher", "2025-01:2"
    )
    assert BankMatch.objects.get(bank_line__serial="B002").voucher_line.summary == "道路硬化工程款"
    call_command("bank_unmatch", "--ledger", "HT01", "--account", "102", "--serial", "B002")
    call_command("bank_match", "--ledger", "HT01", "--account", "102", "--auto")
    assert "自动勾对 1 笔" in capsys.readouterr().out
    assert date(2025, 1, 25) == BankMatch.objects.get(bank_line__serial="B002").voucher_line.voucher.date


def test_a_payment_booked_by_mistake_and_reversed_is_no_item(imported, books, accountant, reviewer):
    (wrong,) = post(
        books,
        accountant,
        reviewer,
        """
        2025-01-28 重复录入的工程款
          借 241 专项应付款   30000.00  fund=县交通局道路补助
          贷 102 银行存款     30000.00
        """,
    )
    reversal = ledger_services.voucher_reverse(
        actor=accountant, voucher=wrong, reason="重复录入", date=date(2025, 1, 29)
    )
    ledger_services.voucher_review(actor=reviewer, voucher=reversal)
    ledger_services.voucher_post(actor=accountant, voucher=reversal)
    rows, rec = _table(books, 202501)
    assert [row[0] for row in rows if "工程款" in row[2]] == []
    assert rec.difference_fen == 0 and rec.book_balance_fen == 9_876_544
    assert bank_match_auto(actor=accountant, ledger=books, account_code="102") == 0
