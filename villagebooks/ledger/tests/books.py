"""Test helpers that read vouchers written as text, so that a test reads like the books:

    post(ledger, accountant, reviewer, '''
        2025-03-05 道路硬化工程款
          借 241 专项应付款   50000.00  fund=县交通局道路补助
          贷 102 银行存款     50000.00
    ''')

The account name after the code is for the reader and is not checked.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from villagebooks.common.money import yuan_to_fen
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import AccountBalance, Voucher

HEADER = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\s+(.+)$")
LINE = re.compile(r"^(借|贷)\s+(\d+)(?:\s+\S+)?\s+(-?[\d,]+\.\d{2})((?:\s+\w+=\S+)*)\s*$")


def parse_vouchers(text: str) -> list[tuple[date, str, list[LineInput]]]:
    vouchers: list[tuple[date, str, list[LineInput]]] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        header = HEADER.match(line)
        if header:
            year, month, day, summary = header.groups()
            vouchers.append((date(int(year), int(month), int(day)), summary, []))
            continue
        match = LINE.match(line)
        if not match or not vouchers:
            raise ValueError(f"cannot read voucher line: {raw!r}")
        side, code, amount, extras = match.groups()
        dims = dict(part.split("=", 1) for part in extras.split())
        fen = yuan_to_fen(amount)
        vouchers[-1][2].append(
            LineInput(
                summary=vouchers[-1][1],
                account_code=code,
                debit_fen=fen if side == "借" else 0,
                credit_fen=fen if side == "贷" else 0,
                fund_name=dims.get("fund", ""),
                counterparty_name=dims.get("party", ""),
                project_code=dims.get("project", ""),
            )
        )
    return vouchers


def post(ledger, preparer, reviewer, text: str) -> list[Voucher]:
    """Create, submit, review and post every voucher in ``text``."""
    posted = []
    for day, _summary, lines in parse_vouchers(text):
        voucher = services.voucher_create(actor=preparer, ledger=ledger, date=day, lines=lines, submit=True)
        services.voucher_review(actor=reviewer, voucher=voucher)
        posted.append(services.voucher_post(actor=preparer, voucher=voucher))
    return posted


def year_close_through(ledger, closer, reviewer, year: int, appropriations: dict[str, int] | None = None):
    """The year close to its end: the distribution vouchers a first run makes reviewed by
    ``reviewer`` and posted by ``closer``, then the year close run again. Every voucher posted on
    the way, in posting order, is in the result, as one run of the year close once posted them."""
    first = services.year_close(actor=closer, ledger=ledger, year=year, appropriations=appropriations)
    if first.closed:
        return first
    posted = list(first.vouchers)
    for voucher in first.distributions:
        services.voucher_review(actor=reviewer, voucher=voucher)
        posted.append(services.voucher_post(actor=closer, voucher=voucher))
    last = services.year_close(actor=closer, ledger=ledger, year=year)
    return replace(last, vouchers=posted + last.vouchers, distributions=first.distributions)


def balance(ledger, code: str, *, through: int = 999912) -> int:
    """Net debit balance (fen) of an account and its sub-accounts, up to a period key."""
    rows = AccountBalance.objects.filter(
        ledger=ledger, account__code__startswith=code, period_key__lte=through
    )
    if ledger.carried_year > ledger.start_year:
        start = min(ledger.carried_year, through // 100) * 100
        rows = rows.filter(period_key__gte=start).exclude(period_key__gt=start, month=0)
    return sum(r.debit_fen - r.credit_fen for r in rows)
