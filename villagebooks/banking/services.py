"""Every write of bank reconciliation: importing a statement, matching automatically, matching
and unmatching by hand. One transaction each, an audit row each, ``require`` first.

A statement is all or nothing: every row is read and checked (dates, amounts, a running balance
that adds up, serials never seen before for the account, continuing from what was imported
before) and one problem anywhere refuses the file, each problem at its row. A match belongs to
the month of its later side; it is made and undone only while that month is open, so the
调节表 of a closed month never changes. The months concerned are locked shared (FOR KEY SHARE,
as voucher work does), so a close that runs at the same time waits or is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from villagebooks.banking import errors as E
from villagebooks.banking.access import IMPORT, MATCH
from villagebooks.banking.matching import BankItem, BookItem, auto_pairs
from villagebooks.banking.models import BankLine, BankMatch, BankStatement
from villagebooks.banking.selectors import bank_account_get, book_lines, reconciliation_start
from villagebooks.banking.statements import DEFAULT_LAYOUT, read_statement
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.common.money import format_fen
from villagebooks.ledger.access import require
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.importing import ImportFailed
from villagebooks.ledger.models import (
    Account,
    Ledger,
    Period,
    PeriodStatus,
    VoucherKind,
    VoucherLine,
    VoucherStatus,
)

MAX_PROBLEMS = 200


@dataclass(frozen=True)
class StatementImported:
    statement: BankStatement
    matched: int  # lines matched automatically after the import


def _months_open(ledger: Ledger, *days: date) -> None:
    """The months of ``days`` are open, their periods locked shared until the transaction ends."""
    keys = sorted({(day.year, day.month) for day in days})
    table = connection.ops.quote_name(Period._meta.db_table)
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    for year, month in keys:
        sql = f"SELECT * FROM {table} WHERE ledger_id = %s AND year = %s AND month = %s{lock}"
        period = next(iter(Period.objects.raw(sql, [ledger.pk, year, month])), None)
        if period is not None and period.status == PeriodStatus.CLOSED:
            raise Conflict(E.MONTH_CLOSED.format(period=period_label(year * 100 + month)), field="period")


def _closed_months(ledger: Ledger) -> set[tuple[int, int]]:
    return set(Period.objects.filter(ledger=ledger, status=PeriodStatus.CLOSED).values_list("year", "month"))


def bank_statement_import(
    *,
    actor,
    ledger: Ledger,
    account_code: str,
    path: Path,
    file_name: str = "",
    layout: str = DEFAULT_LAYOUT,
    mapping: dict[str, str] | None = None,
    match: bool = True,
) -> StatementImported:
    """Import a bank statement (CSV or XLSX) for ``account_code``, then match it automatically.

    Raises:
        ImportFailed: every problem of the file, each at its row; nothing was written.
        DomainError: an account that is not 银行存款, an unknown layout.
    """
    require(actor, ledger, IMPORT)
    account = bank_account_get(ledger=ledger, code=account_code)
    rows, problems = read_statement(path, layout=layout, mapping=mapping)
    if problems:
        raise ImportFailed(problems=problems[:MAX_PROBLEMS])
    today = timezone.localdate()
    start = date(ledger.start_year, ledger.start_month, 1)
    for row in rows:
        if row.date > today:
            problems.append(FieldProblem("date", E.DATE_IN_FUTURE.format(date=row.date), row.row))
        elif row.date < start:
            problems.append(
                FieldProblem(
                    "date",
                    E.BEFORE_LEDGER.format(date=row.date, start=period_label(ledger.start_period_key)),
                    row.row,
                )
            )
    with transaction.atomic():
        # One import of an account at a time: the sequence and the balance chain follow the last.
        Account.objects.select_for_update().filter(pk=account.pk).first()
        lines = BankLine.objects.filter(ledger=ledger, account=account)
        imported = dict(lines.filter(serial__in=[row.serial for row in rows]).values_list("serial", "date"))
        for row in rows:
            if row.serial in imported:
                message = E.SERIAL_IMPORTED.format(serial=row.serial, date=imported[row.serial])
                problems.append(FieldProblem("serial", message, row.row))
        last = lines.order_by("-sequence").values_list("sequence", "date", "balance_fen").first()
        first = rows[0]
        if last is not None and not imported:
            sequence, last_date, last_balance = last
            expected = last_balance + first.amount_fen
            if first.date < last_date:
                problems.append(
                    FieldProblem(
                        "date", E.EARLIER_THAN_IMPORTED.format(date=last_date, first=first.date), first.row
                    )
                )
            elif expected != first.balance_fen:
                message = E.NOT_CONTINUING.format(
                    date=last_date,
                    previous=format_fen(last_balance),
                    expected=format_fen(expected),
                    balance=format_fen(first.balance_fen),
                )
                problems.append(FieldProblem("balance", message, first.row))
        if problems:
            problems.sort(key=lambda p: p.row or 0)
            raise ImportFailed(problems=problems[:MAX_PROBLEMS])
        next_sequence = (last[0] if last else 0) + 1
        statement = BankStatement.objects.create(
            ledger=ledger,
            account=account,
            file_name=(file_name or Path(path).name)[:255],
            first_date=rows[0].date,
            last_date=rows[-1].date,
            opening_balance_fen=rows[0].balance_fen - rows[0].amount_fen,
            closing_balance_fen=rows[-1].balance_fen,
            line_count=len(rows),
            imported_by=actor,
        )
        BankLine.objects.bulk_create(
            BankLine(
                ledger=ledger,
                statement=statement,
                account=account,
                sequence=next_sequence + index,
                row_number=row.row,
                date=row.date,
                summary=row.summary,
                income_fen=row.income_fen,
                expense_fen=row.expense_fen,
                balance_fen=row.balance_fen,
                counterpart=row.counterpart,
                serial=row.serial,
            )
            for index, row in enumerate(rows)
        )
        audit_record(
            actor=actor,
            action="bank_statement_import",
            ledger_id=ledger.pk,
            obj=statement,
            account=account.code,
            file=statement.file_name,
            lines=len(rows),
            first_date=statement.first_date.isoformat(),
            last_date=statement.last_date.isoformat(),
            opening_fen=statement.opening_balance_fen,
            closing_fen=statement.closing_balance_fen,
        )
        matched = _auto_match(actor=actor, ledger=ledger, account=account) if match else 0
    return StatementImported(statement=statement, matched=matched)


def bank_match_auto(*, actor, ledger: Ledger, account_code: str) -> int:
    """Match the account's unmatched bank lines with unmatched posted lines (``matching``);
    returns how many pairs were matched. Months already closed are left as they are."""
    require(actor, ledger, MATCH)
    account = bank_account_get(ledger=ledger, code=account_code)
    with transaction.atomic():
        return _auto_match(actor=actor, ledger=ledger, account=account)


def _auto_match(*, actor, ledger: Ledger, account: Account) -> int:
    start = reconciliation_start(ledger=ledger, account=account)
    if start is None:
        return 0
    window = settings.BANK_MATCH_WINDOW_DAYS
    closed = _closed_months(ledger)
    bank = [
        BankItem(id=pk, date=day, amount_fen=income - expense, counterpart=counterpart)
        for pk, day, income, expense, counterpart in BankLine.objects.filter(ledger=ledger, account=account)
        .exclude(matches__isnull=False)
        .values_list("id", "date", "income_fen", "expense_fen", "counterpart")
    ]
    if not bank:
        return 0
    earliest = min(item.date for item in bank) - timedelta(days=window)
    book_rows = list(
        book_lines(ledger=ledger, account=account)
        .filter(voucher__date__gte=max(start, earliest))
        .exclude(pk__in=BankMatch.objects.filter(ledger=ledger).values("voucher_line_id"))
        # A reversed voucher and its red reversal cancel each other; the bank never saw them.
        .exclude(voucher__kind=VoucherKind.REVERSAL)
        .exclude(voucher__reversed_by__status=VoucherStatus.POSTED)
        .values_list("id", "voucher__date", "debit_fen", "credit_fen", "summary", "voucher_id")
    )
    names: dict[int, set[str]] = {}
    voucher_ids = {row[5] for row in book_rows}
    for voucher_id, name in (
        VoucherLine.objects.filter(ledger=ledger, voucher_id__in=voucher_ids, counterparty__isnull=False)
        .values_list("voucher_id", "counterparty__name")
        .distinct()
    ):
        names.setdefault(voucher_id, set()).add(name)
    book = [
        BookItem(
            id=pk, date=day, amount_fen=debit - credit, summary=summary, names=tuple(sorted(names.get(v, ())))
        )
        for pk, day, debit, credit, summary, v in book_rows
    ]
    bank_dates = {item.id: item.date for item in bank}
    book_dates = {item.id: item.date for item in book}
    pairs = [
        (bank_id, book_id)
        for bank_id, book_id in auto_pairs(bank, book, window_days=window)
        if _month_of(max(bank_dates[bank_id], book_dates[book_id])) not in closed
    ]
    if not pairs:
        return 0
    _months_open(ledger, *{max(bank_dates[b], book_dates[k]) for b, k in pairs})
    BankMatch.objects.bulk_create(
        BankMatch(ledger=ledger, bank_line_id=b, voucher_line_id=k, automatic=True, matched_by=actor)
        for b, k in pairs
    )
    audit_record(
        actor=actor,
        action="bank_match_auto",
        ledger_id=ledger.pk,
        obj=account,
        account=account.code,
        matched=len(pairs),
        pairs=[[b, k] for b, k in pairs],
    )
    return len(pairs)


def _month_of(day: date) -> tuple[int, int]:
    return (day.year, day.month)


def _amount_text(fen: int) -> str:
    return (gettext("收入 {amount}") if fen > 0 else gettext("支出 {amount}")).format(
        amount=format_fen(abs(fen))
    )


def bank_match_create(*, actor, ledger: Ledger, bank_line_id: int, voucher_line_id: int) -> BankMatch:
    """Match one bank line with one posted line of its account by hand: the amounts must agree in
    amount and direction (income with a debit); the dates may be any distance apart."""
    require(actor, ledger, MATCH)
    with transaction.atomic():
        bank_line = (
            BankLine.objects.select_for_update()
            .select_related("account")
            .filter(ledger=ledger, pk=bank_line_id)
            .first()
        )
        if bank_line is None:
            raise DomainError(E.BANK_LINE_UNKNOWN, field="bank_line")
        voucher_line = (
            VoucherLine.objects.filter(
                ledger=ledger, pk=voucher_line_id, voucher__status=VoucherStatus.POSTED
            )
            .select_related("account", "voucher")
            .first()
        )
        if voucher_line is None:
            raise DomainError(E.VOUCHER_LINE_UNKNOWN, field="voucher_line")
        account = bank_line.account
        if not voucher_line.account.code.startswith(account.code):
            raise DomainError(
                E.NOT_SAME_ACCOUNT.format(line=voucher_line.account.code, account=account.code),
                field="voucher_line",
            )
        if BankMatch.objects.filter(ledger=ledger, bank_line=bank_line).exists():
            raise Conflict(E.BANK_LINE_MATCHED, field="bank_line")
        if BankMatch.objects.filter(ledger=ledger, voucher_line=voucher_line).exists():
            raise Conflict(E.VOUCHER_LINE_MATCHED, field="voucher_line")
        book_fen = voucher_line.debit_fen - voucher_line.credit_fen
        if book_fen != bank_line.amount_fen:
            message = E.AMOUNTS_DIFFER.format(
                bank=_amount_text(bank_line.amount_fen), book=_amount_text(book_fen)
            )
            raise DomainError(message, field="voucher_line")
        _months_open(ledger, max(bank_line.date, voucher_line.voucher.date))
        match = BankMatch.objects.create(
            ledger=ledger, bank_line=bank_line, voucher_line=voucher_line, automatic=False, matched_by=actor
        )
        audit_record(
            actor=actor,
            action="bank_match",
            ledger_id=ledger.pk,
            obj=match,
            account=account.code,
            serial=bank_line.serial,
            voucher_id=voucher_line.voucher_id,
            line_no=voucher_line.line_no,
            amount_fen=bank_line.amount_fen,
        )
    return match


def bank_match_delete(*, actor, ledger: Ledger, match_id: int) -> None:
    """Undo a match (取消勾对), only while the month of its later side is open."""
    require(actor, ledger, MATCH)
    with transaction.atomic():
        match = (
            BankMatch.objects.select_for_update()
            .select_related("bank_line", "voucher_line__voucher")
            .filter(ledger=ledger, pk=match_id)
            .first()
        )
        if match is None:
            raise DomainError(E.MATCH_UNKNOWN, field="match")
        bank_line, voucher_line = match.bank_line, match.voucher_line
        _months_open(ledger, max(bank_line.date, voucher_line.voucher.date))
        audit_record(
            actor=actor,
            action="bank_unmatch",
            ledger_id=ledger.pk,
            obj=match,
            serial=bank_line.serial,
            voucher_id=voucher_line.voucher_id,
            line_no=voucher_line.line_no,
            amount_fen=bank_line.amount_fen,
            automatic=match.automatic,
        )
        match.delete()


def bank_line_by_serial(*, ledger: Ledger, account_code: str, serial: str) -> BankLine:
    """The bank line of ``serial`` (the command line names lines by the bank's serial)."""
    account = bank_account_get(ledger=ledger, code=account_code)
    line = BankLine.objects.filter(ledger=ledger, account=account, serial=serial).first()
    if line is None:
        raise DomainError(E.SERIAL_UNKNOWN.format(serial=serial), field="serial")
    return line


def voucher_line_by_number(
    *, ledger: Ledger, account_code: str, period_key: int, number: int, line_no: int | None = None
) -> VoucherLine:
    """The posted line of 记-``number`` of a month on the account (or its sub-accounts)."""
    account = bank_account_get(ledger=ledger, code=account_code)
    year, month = divmod(period_key, 100)
    lines = list(
        book_lines(ledger=ledger, account=account)
        .filter(voucher__period__year=year, voucher__period__month=month, voucher__number=number)
        .order_by("line_no")
    )
    if line_no is not None:
        lines = [line for line in lines if line.line_no == line_no]
    if not lines:
        raise DomainError(
            E.VOUCHER_NOT_FOUND.format(period=period_label(period_key), number=number), field="voucher"
        )
    if len(lines) > 1:
        raise DomainError(E.VOUCHER_LINE_AMBIGUOUS.format(number=number, count=len(lines)), field="line")
    return lines[0]
