"""Bank statements (银行对账单) as the bank sent them, and their matches with the posted lines of
the books (银行存款, 102 and its sub-accounts).

A statement's lines are kept as imported and never changed: each is one transaction of the
bank's account, income or expense (from the bank's side: money into or out of the village's
account, exactly one of them positive, the database checks it), with the bank's running balance
and its serial number, unique per account. ``sequence`` orders an account's lines across its
statements (the bank's order), so the bank's balance at a date is the balance of the last line
on or before it. A match pairs one bank line with one posted voucher line, one to one (unique
keys on both sides); undoing one deletes it. Every table carries ``ledger_id``, and every unique
key includes it (tests/test_citus_schema.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from villagebooks.ledger.models import Account, Ledger, VoucherLine


class BankStatement(models.Model):
    """One imported file: which account, who imported it, the dates and balances it covers."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", db_index=False)
    file_name = models.CharField("文件名", max_length=255)
    first_date = models.DateField("起始日期")
    last_date = models.DateField("截止日期")
    opening_balance_fen = models.BigIntegerField("期初余额(分)")
    closing_balance_fen = models.BigIntegerField("期末余额(分)")
    line_count = models.PositiveIntegerField("笔数")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "account_id", "first_date", "id"]
        verbose_name = "银行对账单"
        indexes = [models.Index(fields=["ledger", "account"], name="bank_statement_account")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.first_date}–{self.last_date})"


class BankLine(models.Model):
    """One transaction on the bank's statement."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+", db_index=False)
    sequence = models.PositiveIntegerField()  # the bank's order of the account's lines, from 1
    row_number = models.PositiveIntegerField("行号")  # the row of the file, as a spreadsheet numbers it
    date = models.DateField("交易日期")
    summary = models.CharField("摘要", max_length=200, blank=True)
    income_fen = models.BigIntegerField("收入(分)", default=0)
    expense_fen = models.BigIntegerField("支出(分)", default=0)
    balance_fen = models.BigIntegerField("余额(分)")
    counterpart = models.CharField("对方户名", max_length=100, blank=True)
    serial = models.CharField("流水号", max_length=64)

    class Meta:
        ordering = ["ledger_id", "account_id", "sequence"]
        verbose_name = "银行对账单明细"
        constraints = [
            models.UniqueConstraint(fields=["account", "serial", "ledger"], name="bank_line_serial_once"),
            models.UniqueConstraint(fields=["account", "sequence", "ledger"], name="bank_line_sequence_once"),
            models.CheckConstraint(
                condition=(Q(income_fen__gt=0) & Q(expense_fen=0)) | (Q(income_fen=0) & Q(expense_fen__gt=0)),
                name="bank_line_income_or_expense",
            ),
            models.CheckConstraint(condition=~Q(serial=""), name="bank_line_has_serial"),
        ]
        indexes = [models.Index(fields=["ledger", "account", "date"], name="bank_line_account_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.serial}"

    @property
    def amount_fen(self) -> int:
        """Signed as the books see it: income is a debit of 银行存款 (+), expense a credit (−)."""
        return self.income_fen - self.expense_fen


class BankMatch(models.Model):
    """A bank line and the posted voucher line it is, one to one."""

    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="+", db_index=False)
    bank_line = models.ForeignKey(BankLine, on_delete=models.PROTECT, related_name="matches", db_index=False)
    voucher_line = models.ForeignKey(VoucherLine, on_delete=models.PROTECT, related_name="+", db_index=False)
    automatic = models.BooleanField("自动勾对", default=False)
    matched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger_id", "bank_line_id"]
        verbose_name = "银行对账勾对"
        constraints = [
            models.UniqueConstraint(fields=["bank_line", "ledger"], name="bank_match_bank_line_once"),
            models.UniqueConstraint(fields=["voucher_line", "ledger"], name="bank_match_voucher_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bank_line_id} ↔ {self.voucher_line_id}"
