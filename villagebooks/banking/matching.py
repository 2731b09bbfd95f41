"""Automatic matching of bank lines with posted lines of 银行存款, as a pure function.

A pair may be matched when the amounts agree in amount and direction (income with a debit,
expense with a credit) and the dates are at most ``window_days`` apart. The counterpart's name,
when the bank gives one, decides between candidates: a voucher that names counterparties
(往来单位) none of which is the bank's counterpart is no candidate at all; one that names it (or
says it in the summary) comes before one that says nothing. Each line is matched at most once:
pairs are taken best first (the name, then the nearest dates, then the earliest lines), so the
result is the same whatever order the lines come in. No Django here: tests need no database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class BankItem:
    id: int
    date: date
    amount_fen: int  # income positive, expense negative
    counterpart: str = ""


@dataclass(frozen=True)
class BookItem:
    id: int
    date: date
    amount_fen: int  # debit positive, credit negative
    summary: str = ""
    names: tuple[str, ...] = ()  # the counterparties named on the voucher's lines


def _same_name(a: str, b: str) -> bool:
    a, b = "".join(a.split()), "".join(b.split())
    return bool(a and b) and (a in b or b in a)


def name_rank(bank: BankItem, book: BookItem) -> int | None:
    """0: the names agree; 1: nothing to compare; None: the voucher names someone else."""
    if not bank.counterpart:
        return 1
    if any(_same_name(bank.counterpart, name) for name in book.names):
        return 0
    if book.names:
        return None
    return 0 if _same_name(bank.counterpart, book.summary) and len(bank.counterpart) > 1 else 1


def auto_pairs(bank: list[BankItem], book: list[BookItem], *, window_days: int) -> list[tuple[int, int]]:
    """The (bank id, book id) pairs to match, one to one, best first."""
    by_amount: dict[int, list[BookItem]] = defaultdict(list)
    for item in book:
        by_amount[item.amount_fen].append(item)
    candidates = []
    for b in bank:
        for k in by_amount.get(b.amount_fen, ()):
            days = abs((k.date - b.date).days)
            if days > window_days:
                continue
            rank = name_rank(b, k)
            if rank is None:
                continue
            candidates.append((rank, days, b.date, b.id, k.date, k.id))
    candidates.sort()
    pairs, bank_taken, book_taken = [], set(), set()
    for _rank, _days, _bank_date, bank_id, _book_date, book_id in candidates:
        if bank_id in bank_taken or book_id in book_taken:
            continue
        bank_taken.add(bank_id)
        book_taken.add(book_id)
        pairs.append((bank_id, book_id))
    return pairs
