"""The demo's bank statements (银行对账单): what the village's bank would send for its account
10201, made from the posted lines of the books, imported and matched through banking's service
as an accountant would upload them.

The bank books each movement the day the books do or up to two days later (a cheque written on
the 30th clears on the 1st), never later than the demo's today; its running balance starts from
the account's opening balance, so every month's 银行存款余额调节表 ties. In the open month the bank
has also charged an account fee that the books do not have yet: one item for the accountant to
book and match.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

from villagebooks.banking.models import BankLine, BankMatch
from villagebooks.banking.selectors import book_lines
from villagebooks.banking.services import bank_match_create, bank_statement_import
from villagebooks.banking.statements import COLUMNS
from villagebooks.common.money import fen_to_text
from villagebooks.common.spreadsheet import Number, csv_writer
from villagebooks.ledger.models import Account, AccountBalance, Ledger, VoucherLine, VoucherStatus

BANK_ACCOUNT = "10201"
FEE_FEN = 1_200  # 账户管理费, charged in the open month


def _lag(ledger_code: str, line_id: int) -> int:
    """0, 1 or 2 days, the same on every run (Python's hash() of a str is not)."""
    digest = hashlib.blake2b(f"{ledger_code}:{line_id}".encode(), digest_size=2).digest()
    return (0, 0, 0, 1, 1, 2)[digest[0] % 6]


def _opening_fen(ledger: Ledger) -> int:
    rows = AccountBalance.objects.filter(
        ledger=ledger, account__code=BANK_ACCOUNT, period_key=ledger.start_period_key // 100 * 100
    ).values_list("debit_fen", "credit_fen")
    return sum(debit - credit for debit, credit in rows)


def statement_rows(*, ledger: Ledger, year: int, end: date, balance_fen: int) -> tuple[list[list], int]:
    """The bank's lines of ``year`` (to ``end``) and the balance after them, from ``balance_fen``."""
    lines = (
        VoucherLine.objects.filter(
            ledger=ledger,
            account__code=BANK_ACCOUNT,
            voucher__status=VoucherStatus.POSTED,
            voucher__date__year=year,
        )
        .order_by("voucher__date", "voucher__number", "line_no")
        .values_list("id", "voucher__date", "summary", "debit_fen", "credit_fen", "voucher_id")
    )
    year_end = date(year, 12, 31)
    moves = []
    for line_id, day, summary, debit, credit, voucher_id in lines:
        bank_day = min(day + timedelta(days=_lag(ledger.code, line_id)), year_end, end)
        moves.append((bank_day, line_id, summary, debit, credit, voucher_id))
    if year == end.year:
        moves.append((end, 0, "账户管理费", 0, FEE_FEN, None))
    parties = dict(
        VoucherLine.objects.filter(
            ledger=ledger, voucher_id__in={m[5] for m in moves if m[5]}, counterparty__isnull=False
        ).values_list("voucher_id", "counterparty__name")
    )
    rows = []
    for number, (day, _line_id, summary, debit, credit, voucher_id) in enumerate(sorted(moves), start=1):
        balance_fen += debit - credit
        rows.append(
            [
                day.isoformat(),
                summary,
                Number(fen_to_text(debit)) if debit else "",
                Number(fen_to_text(credit)) if credit else "",
                Number(fen_to_text(balance_fen)),
                parties.get(voucher_id, ""),
                f"{ledger.code}-{day:%Y%m%d}-{number:05d}",
            ]
        )
    return rows, balance_fen


def bank_statements_load(*, actor_for, ledgers: list[Ledger], year: int, end: date, folder: Path) -> int:
    """Write and import each ledger's statement of ``year`` (``actor_for(ledger)`` imports it),
    match it automatically and, should that leave a line, by hand; returns the lines matched."""
    matched = 0
    for ledger in ledgers:
        actor = actor_for(ledger)
        rows, _closing = statement_rows(ledger=ledger, year=year, end=end, balance_fen=_last_balance(ledger))
        if not rows:
            continue
        path = folder / f"bank-{ledger.code}-{year}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv_writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        result = bank_statement_import(
            actor=actor, ledger=ledger, account_code=BANK_ACCOUNT, path=path, file_name=f"{year}年对账单.csv"
        )
        matched += result.matched + _match_the_rest(actor=actor, ledger=ledger, year=year)
    return matched


def _match_the_rest(*, actor, ledger: Ledger, year: int) -> int:
    """Pair what the automatic matching left (equal amounts it paired otherwise) by hand, as the
    accountant would, so that no item of a month about to be closed stays open. The fee of the
    open month has no line in the books and stays."""
    account = Account.objects.get(ledger=ledger, code=BANK_ACCOUNT)
    taken = BankMatch.objects.filter(ledger=ledger).values("voucher_line_id")
    book = list(
        book_lines(ledger=ledger, account=account)
        .filter(voucher__date__year=year)
        .exclude(pk__in=taken)
        .values_list("id", "voucher__date", "debit_fen", "credit_fen")
    )
    count = 0
    for bank_id, day, income, expense in (
        BankLine.objects.filter(ledger=ledger, account=account, date__year=year, matches__isnull=True)
        .order_by("sequence")
        .values_list("id", "date", "income_fen", "expense_fen")
    ):
        same = [row for row in book if row[2] - row[3] == income - expense]
        if not same:
            continue
        pick = min(same, key=lambda row: (abs((row[1] - day).days), row[0]))
        book.remove(pick)
        bank_match_create(actor=actor, ledger=ledger, bank_line_id=bank_id, voucher_line_id=pick[0])
        count += 1
    return count


def _last_balance(ledger: Ledger) -> int:
    """Where the next statement starts: the last line imported, or the account's opening balance."""
    last = (
        BankLine.objects.filter(ledger=ledger, account__code=BANK_ACCOUNT)
        .order_by("-sequence")
        .values_list("balance_fen", flat=True)
        .first()
    )
    return _opening_fen(ledger) if last is None else last
