"""Dividends by shares (按股分红).

``villagebooks distribute-dividends --ledger CODE --year YYYY --amount YUAN --reserve YUAN
[--welfare YUAN]`` runs the year close's distribution (ledger's ``year_close``) with 提取公积公益金
= reserve (at least the county's ``reserve_min_ratio`` of the year's profit, data), 提取应付福利费
= welfare (2004 chart) and 向成员分配 = amount; the amount is divided by the members' shares held
on 31 December (``split``), booked one credit line per household on the members' payable (211 in
the 2023 chart, 202 in 2004) with the household as counterparty, in a distribution voucher
submitted for review; the list per household is kept (``Dividend``, ``DividendLine``) and
published (``public.public_dividends``).

``villagebooks pay-dividends --ledger CODE --year YYYY --batch CODE --date YYYY-MM-DD`` pays the
households' 211 balances through the registry's list machinery (``dividends_pay``): a batch of
the village's 集体收益分红 programme, one line per household paid to its head's card, its voucher
debiting 211 per household and crediting the bank; the bank's return is imported as for any list
(``import-bank-return``), and a failed payment is booked back to the household's 211. What
households received and a villager's own look-up then show it as any paid list.

The division, to the fen, by the largest remainder (Hamilton) method:
1. each household's exact part is amount × its shares ÷ all members' shares;
2. each gets its exact part rounded down to the fen;
3. the fen left over (fewer than the number of households) go one each to the households with
   the largest fractions dropped, ties to the lower household number.
So the parts sum exactly to the amount and each differs from its exact part by less than one
fen. A villager recomputes theirs from the published amount, total shares and their shares.
Shares of a collective class (集体股) take no part: the amount is the members'.

The ledger never imports this app: ``install`` registers ``member_split`` with
``ledger.extensions``, so that a plain ``close-year`` with 向成员分配 splits it the same way
whenever the village keeps a share register.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from villagebooks.affairs import access
from villagebooks.affairs import errors as E
from villagebooks.affairs.models import Dividend, DividendLine
from villagebooks.affairs.shares import holdings, number_text
from villagebooks.affairs.terms import terms
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError
from villagebooks.common.money import format_fen
from villagebooks.ledger import extensions
from villagebooks.ledger.domain.chart import chart_rules
from villagebooks.ledger.domain.closing import CLOSE_PROFIT
from villagebooks.ledger.models import Ledger, VoucherStatus
from villagebooks.ledger.services import year_close, year_close_plan
from villagebooks.registry.models import Household, Person
from villagebooks.registry.subsidies import ListResult, Payee, payable_batch_create, payable_programme
from villagebooks.registry.terms import terms as registry_terms

METHOD = _(
    "按成员（户）在 {date} 持有的份额分配：每户应分 = 分配总额 × 本户份额 ÷ 全部成员份额；"
    "先按分取整（舍去分以下），余下的分按舍去部分从大到小逐户补 1 分（相同时户编号小者优先）"
)
SCALE = 10_000  # shares carry four decimals
PROGRAMME_NAME = _("集体收益分红")


@dataclass(frozen=True)
class Part:
    household_id: int
    number: str
    head_name: str
    shares: Decimal
    amount_fen: int

    @property
    def counterparty(self) -> str:
        return counterparty_name(self.head_name, self.number)


def counterparty_name(head_name: str, number: str) -> str:
    return f"{head_name}（{number}）"[:100]


def largest_remainder(amount_fen: int, weights: list[int]) -> list[int]:
    """``amount_fen`` divided in proportion to the positive integer ``weights`` (largest remainder,
    ties to the earlier); the parts sum to the amount, each within one fen of its exact share."""
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must sum to more than zero")
    floors, remainders = [], []
    for i, weight in enumerate(weights):
        whole, rest = divmod(amount_fen * weight, total)
        floors.append(whole)
        remainders.append((-rest, i))
    left = amount_fen - sum(floors)
    for _rest, i in sorted(remainders)[:left]:
        floors[i] += 1
    return floors


def split(ledger: Ledger, on: date, amount_fen: int) -> list[Part]:
    """The members' households' parts of ``amount_fen`` by the shares held on ``on`` (empty when the
    village keeps no share register)."""
    per_household: dict[int, Decimal] = defaultdict(Decimal)
    for row in holdings(ledger.village, on, members_only=True):
        per_household[row["household_id"]] += row["shares"]
    per_household = {h: s for h, s in per_household.items() if s > 0}
    if not per_household:
        return []
    numbers = dict(Household.objects.filter(pk__in=per_household).values_list("pk", "number"))
    heads: dict[int, str] = {}
    head = registry_terms().head_relation
    for household_id, name, relation in (
        Person.objects.filter(household_id__in=per_household)
        .order_by("household_id", "id")
        .values_list("household_id", "name", "relation")
    ):
        if relation == head:
            heads[household_id] = name
        else:
            heads.setdefault(household_id, name)
    order = sorted(per_household, key=lambda h: numbers[h])
    weights = [int(per_household[h] * SCALE) for h in order]
    amounts = largest_remainder(amount_fen, weights)
    return [
        Part(h, numbers[h], heads.get(h, numbers[h]), per_household[h], fen)
        for h, fen in zip(order, amounts, strict=True)
    ]


def member_split(*, ledger, year: int, amount_fen: int) -> list[tuple[str, int]] | None:
    """ledger.extensions provider: the split per household, or None without a share register."""
    parts = split(ledger, date(year, 12, 31), amount_fen)
    return [(p.counterparty, p.amount_fen) for p in parts] or None


def install() -> None:
    extensions.register_member_split(member_split)


def year_profit(ledger: Ledger, year: int) -> int:
    """The year's 本年收益 as the year close would carry it to 未分配收益 (fen; negative a loss)."""
    rules = chart_rules(ledger.chart)
    for planned in year_close_plan(ledger=ledger, year=year):
        if planned.summary == CLOSE_PROFIT:
            return sum(
                line.credit_fen - line.debit_fen
                for line in planned.lines
                if line.account_code == rules.undistributed_code
            )
    return 0


def per_share_text(amount_fen: int, total_shares: Decimal) -> str:
    """Yuan per share to 6 decimals (rounded half even), for the published list."""
    return str((Decimal(amount_fen) / 100 / total_shares).quantize(Decimal("0.000001")))


def dividends_distribute(
    *, actor, ledger: Ledger, year: int, amount_fen: int, reserve_fen: int, welfare_fen: int = 0
) -> Dividend:
    """Distribute ``amount_fen`` of ``year``'s profit by shares (see the module's text).

    Raises:
        NotPermitted: the user may not distribute dividends in the ledger's village (or close it).
        DomainError: no share register, an amount not positive, the reserve below the county's
            minimum, more than the profit; the year close's own refusals.
    """
    access.require_village(actor, access.DIVIDENDS, ledger.village)
    if amount_fen <= 0:
        raise DomainError(E.AMOUNT_POSITIVE, field="amount")
    if reserve_fen < 0 or welfare_fen < 0:
        raise DomainError(E.BAD_AMOUNT.format(value="-"), field="reserve")
    on = date(year, 12, 31)
    existing = Dividend.objects.filter(ledger=ledger, year=year).first()
    if existing is not None:
        raise Conflict(E.DIVIDEND_EXISTS.format(year=year, voucher=existing.voucher_id), field="year")
    parts = split(ledger, on, amount_fen)
    if not parts:
        raise DomainError(E.NO_SHARES.format(village=ledger.village.name, date=on), field="ledger")
    profit = year_profit(ledger, year)
    if profit <= 0:
        raise DomainError(E.NO_PROFIT.format(year=year), field="year")
    ratio = terms().reserve_min_ratio
    minimum = int((Decimal(profit) * ratio).to_integral_value(rounding="ROUND_CEILING"))
    if reserve_fen < minimum:
        raise DomainError(
            E.RESERVE_TOO_LOW.format(
                reserve=format_fen(reserve_fen),
                percent=number_text(ratio * 100),
                profit=format_fen(profit),
                minimum=format_fen(minimum),
            ),
            field="reserve",
        )
    if reserve_fen + welfare_fen + amount_fen > profit:
        raise DomainError(
            E.OVER_PROFIT.format(
                total=format_fen(reserve_fen + welfare_fen + amount_fen), profit=format_fen(profit)
            ),
            field="amount",
        )
    appropriations = {"提取公积公益金": reserve_fen}
    if welfare_fen:
        appropriations["提取应付福利费"] = welfare_fen
    appropriations["向成员分配"] = amount_fen
    total_shares = sum((p.shares for p in parts), Decimal(0))
    with transaction.atomic():
        result = year_close(actor=actor, ledger=ledger, year=year, appropriations=appropriations)
        voucher = next((v for v in result.distributions if "向成员分配" in v.note), None)
        dividend = Dividend.objects.create(
            ledger=ledger,
            year=year,
            on_date=on,
            amount_fen=amount_fen,
            reserve_fen=reserve_fen,
            welfare_fen=welfare_fen,
            profit_fen=profit,
            total_shares=total_shares,
            per_share=per_share_text(amount_fen, total_shares),
            method=str(METHOD.format(date=on)),
            voucher=voucher,
            created_by=actor,
        )
        DividendLine.objects.bulk_create(
            DividendLine(
                ledger=ledger,
                dividend=dividend,
                household_id=p.household_id,
                head_name=p.head_name,
                counterparty=p.counterparty,
                shares=p.shares,
                amount_fen=p.amount_fen,
            )
            for p in parts
        )
        audit_record(
            actor=actor,
            action="affairs_dividends",
            ledger_id=ledger.pk,
            obj=dividend,
            year=year,
            amount_fen=amount_fen,
            reserve_fen=reserve_fen,
            welfare_fen=welfare_fen,
            households=len(parts),
            voucher=voucher.pk if voucher else None,
        )
    return dividend


def _payee(persons: list[Person]) -> Person | None:
    """Who receives a household's dividend: its living head, else its first living person."""
    head = registry_terms().head_relation
    alive = [p for p in persons if p.alive]
    return next((p for p in alive if p.relation == head), alive[0] if alive else None)


def dividends_pay(
    *, actor, ledger: Ledger, year: int, batch_code: str, pay_date: date, reviewer_username: str = ""
) -> ListResult:
    """Pay ``year``'s dividend: the households' 211 balances through a registry list (see the
    module's text).

    Raises:
        NotPermitted: the user may not distribute dividends here, or not import or pay lists.
        DomainError: no dividend, its voucher not posted, already paid, a household with nobody
            alive to pay; the registry's own refusals (batch code taken, reviewer).
    """
    access.require_village(actor, access.DIVIDENDS, ledger.village)
    dividend = Dividend.objects.filter(ledger=ledger, year=year).select_related("voucher").first()
    if dividend is None:
        raise DomainError(E.NO_DIVIDEND.format(year=year), field="year")
    if dividend.voucher is None or dividend.voucher.status != VoucherStatus.POSTED:
        raise DomainError(E.DIVIDEND_NOT_POSTED.format(year=year), field="year")
    if dividend.payment_batch_id:
        raise Conflict(E.DIVIDEND_PAID.format(year=year, batch=dividend.payment_batch.code), field="year")
    lines = list(dividend.lines.select_related("household").order_by("household__number"))
    persons: dict[int, list[Person]] = defaultdict(list)
    for person in Person.objects.filter(household_id__in=[line.household_id for line in lines]).order_by(
        "id"
    ):
        persons[person.household_id].append(person)
    payees = []
    for line in lines:
        person = _payee(persons[line.household_id])
        if person is None:
            raise DomainError(E.NO_PAYEE.format(household=line.household.number), field="household")
        payees.append(Payee(person=person, counterparty=line.counterparty, amount_fen=line.amount_fen))
    programme = payable_programme(
        region=ledger.village, code=f"FH-{ledger.village.code}"[:32], name=str(PROGRAMME_NAME)
    )
    payable = chart_rules(ledger.chart).appropriations["向成员分配"]
    with transaction.atomic():
        result = payable_batch_create(
            actor=actor,
            ledger=ledger,
            programme=programme,
            batch_code=batch_code,
            pay_date=pay_date,
            payees=payees,
            payable_account=payable,
            reviewer_username=reviewer_username,
        )
        updated = Dividend.objects.filter(pk=dividend.pk, payment_batch__isnull=True).update(
            payment_batch=result.batch
        )
        if not updated:
            raise Conflict(E.DIVIDEND_PAID.format(year=year, batch=batch_code), field="year")
        audit_record(
            actor=actor,
            action="affairs_dividends_pay",
            ledger_id=ledger.pk,
            obj=dividend,
            year=year,
            batch=batch_code,
            households=len(payees),
            total_fen=result.total_fen,
        )
    return result
