"""The demo's dividend (按股分红) in one village: its last closed year is closed by
``distribute-dividends`` (a tenth of the profit set aside as 公积公益金, at least the county's
minimum, and ``DIVIDEND_PERCENT`` of it divided by the members' shares to the households' 211),
the distribution vouchers reviewed by the township's reviewer; after the registry's lists, the
households' 211 balances are paid by a list (``pay-dividends``) and the bank's return is imported
with one payment failed, which goes back to its household's 211 (reviewed and posted).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

from villagebooks.affairs.dividends import dividends_distribute, dividends_pay, year_profit
from villagebooks.affairs.models import Dividend
from villagebooks.affairs.terms import terms
from villagebooks.common.spreadsheet import csv_writer
from villagebooks.ledger import services
from villagebooks.ledger.models import Ledger, Voucher, VoucherKind, VoucherStatus
from villagebooks.registry.models import SubsidyLine
from villagebooks.registry.subsidies import RETURN_COLUMNS, bank_return_import

DIVIDEND_PERCENT = 30


@dataclass
class DividendSummary:
    village: str = ""
    year: int = 0
    amount_fen: int = 0
    households: int = 0
    failed: int = 0


def dividend_close(*, actor, reviewer, ledger: Ledger, year: int) -> Dividend | None:
    """The year close of ``year`` with a dividend (months 1–11 closed already); a plain year close
    and None when the year made no profit."""
    profit = year_profit(ledger, year)
    if profit <= 0:
        services.year_close(actor=actor, ledger=ledger, year=year)
        return None
    reserve = max(
        profit // 10,
        int((Decimal(profit) * terms().reserve_min_ratio).to_integral_value(rounding=ROUND_CEILING)),
    )
    dividend = dividends_distribute(
        actor=actor,
        ledger=ledger,
        year=year,
        amount_fen=profit * DIVIDEND_PERCENT // 100,
        reserve_fen=reserve,
    )
    waiting = Voucher.objects.filter(
        ledger=ledger, kind=VoucherKind.DISTRIBUTION, status=VoucherStatus.SUBMITTED
    )
    for voucher in waiting.order_by("id"):
        services.voucher_review(actor=reviewer, voucher=voucher)
        services.voucher_post(actor=actor, voucher=voucher)
    services.year_close(actor=actor, ledger=ledger, year=year)
    return dividend


def dividend_pay(*, actor, reviewer, dividend: Dividend, end: date) -> DividendSummary:
    """Pay the dividend on ``end`` and import the bank's return, the first payment failed."""
    ledger = dividend.ledger
    batch = f"FH{dividend.year}-{ledger.code}"
    result = dividends_pay(
        actor=actor,
        ledger=ledger,
        year=dividend.year,
        batch_code=batch,
        pay_date=end,
        reviewer_username=reviewer.username,
    )
    rows = [
        [line.id_number, line.name, line.bank_card, f"{line.amount_fen / 100:.2f}", "成功", ""]
        for line in SubsidyLine.objects.filter(batch=result.batch).order_by("row")
    ]
    rows[0][4:] = ["失败", "账户已冻结"]
    with tempfile.TemporaryDirectory(prefix="villagebooks-dividend-") as directory:
        path = Path(directory) / f"{batch}-return.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv_writer(handle)
            writer.writerow(RETURN_COLUMNS)
            writer.writerows(rows)
        # The return comes back the same day: the demo's "today" is ``end``, not the clock's.
        returned = bank_return_import(actor=actor, path=path, ledger=ledger, batch_code=batch, booked_on=end)
    waiting = Voucher.objects.filter(ledger=ledger, status=VoucherStatus.SUBMITTED, note__contains=batch)
    for voucher in waiting.order_by("id"):
        services.voucher_review(actor=reviewer, voucher=voucher)
        services.voucher_post(actor=actor, voucher=voucher)
    return DividendSummary(
        village=ledger.village.name,
        year=dividend.year,
        amount_fen=dividend.amount_fen,
        households=result.lines,
        failed=returned.failed,
    )
