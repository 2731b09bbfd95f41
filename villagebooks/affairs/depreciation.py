"""The month's depreciation (计提折旧) from the asset cards, as one voucher made through the
ledger's services (submitted for review, as every generated voucher is: the ledger refuses
self-review, so the preparer never posts their own; it is reviewed and posted on the normal
path, ``ledger/posting.py``).

One run per ledger and month (a unique key on the non-void runs): a second run is refused and
says which voucher holds the month. A run whose voucher was deleted (withdrawn and discarded)
or reversed by a posted red voucher is void, and the month may be run again. Cards are never
updated: a card's accumulated depreciation is its opening figure plus its lines in runs whose
voucher is posted (``selectors_property.accumulated_depreciation``). The amounts and their
rounding are ``domain/depreciation.py``'s.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext

from villagebooks.affairs import errors_property as E
from villagebooks.affairs.access_property import DEPRECIATE
from villagebooks.affairs.domain.depreciation import CardTerms, charge
from villagebooks.affairs.files_property import property_terms
from villagebooks.affairs.models import (
    AssetCard,
    AssetNature,
    DepreciationLine,
    DepreciationMethod,
    DepreciationRun,
)
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.access import require
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, Ledger, Period, PeriodStatus, Voucher, VoucherStatus

_PERIOD = re.compile(r"(\d{4})-(\d{2})")
SUMMARY = "计提{year}年{month}月折旧"


def parse_period(text: str) -> tuple[int, int]:
    match = _PERIOD.fullmatch(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise DomainError(E.BAD_PERIOD.format(text=text), field="period")
    return int(match.group(1)), int(match.group(2))


def _leaf(ledger: Ledger, code: str) -> str:
    """``code`` if a leaf, else its one leaf below, else its leaf named for depreciation."""
    leaves = list(
        Account.objects.filter(ledger=ledger, code__startswith=code, is_leaf=True, is_active=True)
        .order_by("code")
        .values_list("code", "name")
    )
    codes = [c for c, _n in leaves]
    if code in codes:
        return code
    if len(leaves) == 1:
        return leaves[0][0]
    named = [c for c, name in leaves if "折旧" in name]
    if len(named) == 1:
        return named[0]
    raise DomainError(E.ACCOUNT_MISSING.format(code=code), field="account")


def run_is_live(run: DepreciationRun) -> bool:
    """Whether the run still holds its month: its voucher exists and is not reversed by a
    posted red voucher."""
    if run.voucher_id is None:
        return False
    return not Voucher.objects.filter(reverses_id=run.voucher_id, status=VoucherStatus.POSTED).exists()


def _counted(ledger: Ledger) -> dict[int, int]:
    """Card → depreciation of the live runs so far (posted or on their way): what the next
    month's charge is measured against."""
    live = [run.pk for run in DepreciationRun.objects.filter(ledger=ledger, void=False) if run_is_live(run)]
    return dict(
        DepreciationLine.objects.filter(run_id__in=live)
        .values("card_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("card_id", "total")
    )


@dataclass(frozen=True)
class Charge:
    card: AssetCard
    amount_fen: int
    expense: str
    contra: str


def month_charges(
    ledger: Ledger, year: int, month: int, *, expense: dict[str, str] | None = None
) -> list[Charge]:
    """Each card's charge for the month (cards with nothing to charge left out)."""
    terms = property_terms()
    accounts = terms["asset_accounts"][ledger.chart]
    expense = {**terms["depreciation_expense"][ledger.chart], **(expense or {})}
    counted = _counted(ledger)
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    charges = []
    cards = AssetCard.objects.filter(ledger=ledger, acquired_on__lte=last_day).exclude(
        method=DepreciationMethod.NONE
    )
    for card in cards.order_by("code"):
        amount = charge(
            CardTerms(
                depreciable_fen=card.depreciable_fen,
                original_fen=card.original_fen,
                method=card.method,
                life_months=card.life_months,
                acquired_on=card.acquired_on,
                disposed_on=card.disposed_on,
            ),
            year=year,
            month=month,
            accumulated_fen=card.opening_depreciation_fen + counted.get(card.pk, 0),
        )
        if amount > 0:
            kind = accounts[card.kind]
            charges.append(
                Charge(
                    card,
                    amount,
                    expense["operating" if card.nature == AssetNature.OPERATING else "public"],
                    kind["depreciation"] or kind["account"],
                )
            )
    return charges


@dataclass(frozen=True)
class RunResult:
    run: DepreciationRun
    voucher: Voucher
    cards: int


def depreciation_run(
    *, actor, ledger: Ledger, year: int, month: int, expense: dict[str, str] | None = None
) -> RunResult:
    """Generate the month's depreciation voucher (submitted for review), dated the month's last
    day. Refused for a closed month, for a month already run, for a month with nothing to charge.

    ``expense`` overrides the data's debit accounts (keys ``operating`` and ``public``).
    """
    require(actor, ledger, DEPRECIATE)
    label = f"{year}-{month:02d}"
    period = Period.objects.filter(ledger=ledger, year=year, month=month).first()
    if period is not None and period.status == PeriodStatus.CLOSED:
        raise Conflict(E.PERIOD_CLOSED.format(period=label), field="period")
    with transaction.atomic():
        for run in DepreciationRun.objects.select_for_update().filter(
            ledger=ledger, year=year, month=month, void=False
        ):
            if run_is_live(run):
                voucher = run.voucher
                number = voucher.number if voucher.number else gettext("草稿 {n}").format(n=voucher.draft_no)
                raise Conflict(
                    E.ALREADY_RUN.format(period=label, voucher=number, status=voucher.get_status_display()),
                    field="status",
                )
            run.void = True
            run.save(update_fields=["void"])
        charges = month_charges(ledger, year, month, expense=expense)
        if not charges:
            raise DomainError(E.NOTHING_TO_DEPRECIATE.format(period=label), field="period")
        summary = SUMMARY.format(year=year, month=month)
        debits: dict[str, int] = {}
        credits: dict[str, int] = {}
        for item in charges:
            debit, credit = _leaf(ledger, item.expense), _leaf(ledger, item.contra)
            debits[debit] = debits.get(debit, 0) + item.amount_fen
            credits[credit] = credits.get(credit, 0) + item.amount_fen
        lines = [LineInput(summary, code, debit_fen=fen) for code, fen in sorted(debits.items())]
        lines += [LineInput(summary, code, credit_fen=fen) for code, fen in sorted(credits.items())]
        day = date(year, month, calendar.monthrange(year, month)[1])
        voucher = ledger_services.voucher_create(
            actor=actor, ledger=ledger, date=day, lines=lines, note=summary, submit=True
        )
        total = sum(item.amount_fen for item in charges)
        try:
            with transaction.atomic():
                run = DepreciationRun.objects.create(
                    ledger=ledger, year=year, month=month, voucher=voucher, total_fen=total, created_by=actor
                )
        except IntegrityError:  # another run of the same month committed first
            raise Conflict(
                E.ALREADY_RUN.format(period=label, voucher="-", status="-"), field="status"
            ) from None
        DepreciationLine.objects.bulk_create(
            DepreciationLine(ledger=ledger, run=run, card=item.card, amount_fen=item.amount_fen)
            for item in charges
        )
        audit_record(
            actor=actor,
            action="depreciation_run",
            ledger_id=ledger.pk,
            obj=run,
            period=label,
            cards=len(charges),
            total_fen=total,
            voucher_id=voucher.pk,
        )
    return RunResult(run, voucher, len(charges))
