"""A ledger as a Beancount v3 file, so that an independent tool can recompute its balances.

The file holds an ``open`` directive for every account the ledger used (and its parents),
the opening balances as one transaction on the start date, and every posted voucher as a
transaction, year-close vouchers included. Accounts are named by category root and code path
(``Assets:102``, ``Equity:322:32201``; cost accounts sit under ``Assets``), with the Chinese
name as metadata. Amounts are debit − credit in CNY, so a credit is a negative posting and a
red (reversal) line keeps its negative sign. Beancount sums postings over the whole life of
the books, so its balance of an account at a year end is our trial balance closing figure.
Lines are streamed from the database in chunks: a ledger of any size exports in little memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import TextIO

from villagebooks.common.errors import NotPermitted
from villagebooks.common.money import fen_to_text
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import (
    Account,
    Category,
    Ledger,
    OpeningBalance,
    VoucherKind,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.ledger.selectors import ledger_get

CURRENCY = "CNY"
OPENING_ACCOUNT = "Equity:Opening-Balances"
OPENING_NARRATION = "期初余额"
UNKNOWN_LEDGER = "账套 {code} 不存在或您无权查看"

ROOTS = {
    Category.ASSET: "Assets",
    Category.COST: "Assets",  # work in progress is an asset until it is sold
    Category.LIABILITY: "Liabilities",
    Category.EQUITY: "Equity",
    Category.INCOME: "Income",
    Category.EXPENSE: "Expenses",
}
TAGS = {VoucherKind.CLOSING: "closing", VoucherKind.REVERSAL: "reversal"}


@dataclass(frozen=True)
class BeancountExport:
    ledger_code: str
    accounts: int
    vouchers: int
    lines: int


def quote(text: str) -> str:
    """A Beancount string literal: one line, backslashes and quotes escaped."""
    flat = " ".join(str(text).split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def account_names(ledger: Ledger) -> dict[int, tuple[str, str]]:
    """account id → (Beancount name, Chinese name) for every account of the ledger."""
    rows = {
        a["id"]: a
        for a in Account.objects.filter(ledger=ledger).values("id", "code", "name", "category", "parent_id")
    }
    names: dict[int, tuple[str, str]] = {}
    for account_id, row in rows.items():
        path = [row["code"]]
        parent = row["parent_id"]
        while parent is not None:
            path.append(rows[parent]["code"])
            parent = rows[parent]["parent_id"]
        names[account_id] = (":".join([ROOTS[row["category"]], *reversed(path)]), row["name"])
    return names


def _amount(fen: int) -> str:
    return f"{fen_to_text(fen)} {CURRENCY}"


def _posting(out: TextIO, account: str, fen: int, meta: dict[str, str]) -> None:
    out.write(f"  {account}  {_amount(fen)}\n")
    for key, value in meta.items():
        if value:
            out.write(f"    {key}: {quote(value)}\n")


def _opening_postings(ledger: Ledger, names: dict[int, tuple[str, str]]) -> list[tuple[str, int, dict]]:
    rows = (
        OpeningBalance.objects.filter(ledger=ledger)
        .select_related("fund", "counterparty")
        .order_by("account__code", "id")
    )
    postings = [
        (
            names[r.account_id][0],
            r.debit_fen - r.credit_fen,
            {
                "fund": r.fund.name if r.fund else "",
                "counterparty": r.counterparty.name if r.counterparty else "",
            },
        )
        for r in rows
        if r.debit_fen != r.credit_fen
    ]
    residual = sum(fen for _, fen, _ in postings)
    if residual:
        # Opening balances are refused unless they balance; should one ever not, Beancount
        # still loads the file and the difference stands out on this account.
        postings.append((OPENING_ACCOUNT, -residual, {}))
    return postings


def beancount_write(*, ledger: Ledger, out: TextIO) -> BeancountExport:
    """Write ``ledger`` to ``out`` as Beancount text (no permission check: see ``beancount_export``)."""
    start = date(ledger.start_year, ledger.start_month, 1)
    names = account_names(ledger)
    posted = VoucherLine.objects.filter(ledger=ledger, voucher__status=VoucherStatus.POSTED)
    used = set(posted.values_list("account_id", flat=True).distinct()) | set(
        OpeningBalance.objects.filter(ledger=ledger).values_list("account_id", flat=True)
    )
    # Parents are opened too, so that every level of the hierarchy carries its Chinese name.
    by_name = dict(names.values())
    opened: dict[str, str] = {}
    for account_id in used:
        parts = names[account_id][0].split(":")
        for depth in range(2, len(parts) + 1):
            prefix = ":".join(parts[:depth])
            opened[prefix] = by_name[prefix]

    out.write(f"; {ledger.name}（{ledger.code}），会计制度 {ledger.get_chart_display()}\n")
    out.write("; 由村账通导出：金额为 借方 − 贷方（元），贷方为负数。\n")
    out.write(f'option "title" {quote(f"{ledger.name}（{ledger.code}）")}\n')
    out.write(f'option "operating_currency" "{CURRENCY}"\n\n')
    for name in sorted(opened):
        out.write(f"{start.isoformat()} open {name} {CURRENCY}\n  name: {quote(opened[name])}\n")
    opening = _opening_postings(ledger, names)
    if any(account == OPENING_ACCOUNT for account, _, _ in opening):
        out.write(f"{start.isoformat()} open {OPENING_ACCOUNT} {CURRENCY}\n  name: {quote('期初余额差额')}\n")
    out.write("\n")
    if opening:
        out.write(f"{start.isoformat()} * {quote(OPENING_NARRATION)} #opening\n")
        for account, fen, meta in opening:
            _posting(out, account, fen, meta)
        out.write("\n")

    rows = (
        posted.order_by(
            "voucher__date", "voucher__period__year", "voucher__period__month", "voucher__number", "line_no"
        )
        .values_list(
            "voucher_id",
            "voucher__date",
            "voucher__number",
            "voucher__kind",
            "voucher__note",
            "voucher__period__year",
            "voucher__period__month",
            "summary",
            "account_id",
            "debit_fen",
            "credit_fen",
            "fund__name",
            "counterparty__name",
        )
        .iterator(chunk_size=2000)
    )
    vouchers = lines = 0
    for _voucher_id, group in groupby(rows, key=lambda row: row[0]):
        group = list(group)
        _, day, number, kind, note, year, month = group[0][:7]
        narration = group[0][7]
        tag = f" #{TAGS[kind]}" if kind in TAGS else ""
        out.write(f"{day.isoformat()} * {quote(narration)}{tag}\n")
        out.write(f"  voucher: {quote(f'记-{number}')}\n")
        out.write(f"  period: {quote(period_label(year * 100 + month))}\n")
        if note and note != narration:
            out.write(f"  note: {quote(note)}\n")
        for row in group:
            summary, account_id, debit, credit, fund, party = row[7:]
            meta = {"summary": summary if summary != narration else "", "fund": fund, "counterparty": party}
            _posting(out, names[account_id][0], debit - credit, meta)
        out.write("\n")
        vouchers += 1
        lines += len(group)
    return BeancountExport(ledger_code=ledger.code, accounts=len(opened), vouchers=vouchers, lines=lines)


def beancount_export(*, actor, ledger_code: str, out: TextIO) -> BeancountExport:
    """Write the ledger ``ledger_code`` as Beancount text, if ``actor`` may view it.

    Raises:
        NotPermitted: no such ledger, or not in the actor's scope (the same message for both,
            so that the answer does not reveal which ledgers exist elsewhere).
    """
    ledger = ledger_get(user=actor, code=ledger_code)
    if ledger is None:
        raise NotPermitted(UNKNOWN_LEDGER.format(code=ledger_code))
    return beancount_write(ledger=ledger, out=out)


def beancount_text(*, actor, ledger_code: str) -> str:
    buffer = io.StringIO()
    beancount_export(actor=actor, ledger_code=ledger_code, out=buffer)
    return buffer.getvalue()
