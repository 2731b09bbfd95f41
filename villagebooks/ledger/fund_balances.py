"""Where each fund stands at a date: its cumulative tagged movements read from the balance rows,
sorted by ``domain.fund_flows`` into received, used, transferred and held.

Read by the fund summary (reports) and the month-close checks. Two queries whatever the size of
the books: one aggregate over the balance rows, one over the few lines that move a fund's
专项应付款 into 公积公益金 (a balance row cannot tell which voucher a debit came from).

The window is cumulative since each ledger's books began: its set-up (month 0 of its start year)
and every month after, without the year-end closing entries. Month-0 rows of later years are
left out: they repeat, netted, what the months before them add up, and the year close does not
carry income accounts at all — which is why an income-type fund's balance used to vanish there.
"""

from __future__ import annotations

from collections import defaultdict
from functools import reduce
from operator import or_

from django.db.models import Case, F, IntegerField, Min, Q, Sum, Value, When

from villagebooks.ledger.domain.fund_flows import FundPosition, Role, fund_flow_rules, transfer_amount
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Category,
    VoucherKind,
    VoucherLine,
    VoucherStatus,
)

NO_FUND = 0


def _prefixes(field: str, prefixes) -> Q:
    return reduce(or_, (Q(**{f"{field}__startswith": prefix}) for prefix in prefixes), Q(pk__in=[]))


def cumulative_window(before_key: int) -> Q:
    """Balance rows that add up a ledger's movements since its set-up, before ``before_key``."""
    setup = Q(month=0, year=F("ledger__start_year"))
    return (setup | Q(month__gte=1, period_key__lt=before_key)) & Q(is_closing=False)


def fund_positions(*, ledger_ids, chart: str, before_keys: list[int]) -> list[dict[int, FundPosition]]:
    """Each fund's position just before each of ``before_keys`` (period keys, year × 100 + month).

    Returns one dict per key: fund id → ``FundPosition`` (with the key of its first movement). Key ``NO_FUND`` (0) holds the untagged
    rows of the ``held_on`` accounts, so that the funds' held balances can be checked against
    the accounts' whole balances.
    """
    rules = fund_flow_rules(chart)
    last = max(before_keys)
    zero = Value(0)

    def summed(key: int, column: str) -> Sum:
        return Sum(
            Case(
                When(Q(month=0) | Q(period_key__lt=key), then=column),
                default=zero,
                output_field=IntegerField(),
            )
        )

    sums = {}
    for n, key in enumerate(before_keys):
        sums[f"d{n}"] = summed(key, "debit_fen")
        sums[f"c{n}"] = summed(key, "credit_fen")
    rows = (
        AccountBalance.objects.filter(ledger_id__in=ledger_ids)
        .filter(cumulative_window(last))
        .filter(~Q(fund_key=NO_FUND) | _prefixes("account__code", rules.held_on))
        .values("fund_key", "account__code", "account__category")
        .annotate(first=Min("period_key"), **sums)
        .order_by()
    )
    positions: list[dict[int, FundPosition]] = [defaultdict(FundPosition) for _ in before_keys]
    for row in rows:
        code, category = row["account__code"], row["account__category"]
        role = rules.role(code) if row["fund_key"] != NO_FUND else Role.OTHER
        held = rules.held_account(code)
        for n, key in enumerate(before_keys):
            positions[n][row["fund_key"]].add(
                role=role,
                category=category,
                debit=row[f"d{n}"] or 0,
                credit=row[f"c{n}"] or 0,
                held_account=held,
                first_key=row["first"] if row["first"] < key else None,
            )
    for (fund_id, period_key), amount in _transfers(ledger_ids=ledger_ids, chart=chart, before_key=last):
        for n, key in enumerate(before_keys):
            if period_key < key:
                positions[n][fund_id].transferred += amount
    return [dict(p) for p in positions]


def _transfers(*, ledger_ids, chart: str, before_key: int) -> list[tuple[tuple[int, int], int]]:
    """(fund id, period key) → the fund's liability-source debits that went to 公积公益金.

    A debit of a fund's 专项应付款 line is a transfer, up to what its voucher credits to a
    reserves account (tagged or not), when the voucher is posted and not a closing entry.
    """
    rules = fund_flow_rules(chart)
    # Accounts first, so that the lines are found through their (ledger, account) index.
    accounts = Account.objects.filter(ledger_id__in=ledger_ids)
    reserve_ids = list(accounts.filter(_prefixes("code", rules.reserves)).values_list("pk", flat=True))
    if not reserve_ids:
        return []
    posted = Q(voucher__status=VoucherStatus.POSTED, voucher__period__year__lte=before_key // 100) & ~Q(
        voucher__kind=VoucherKind.CLOSING
    )
    credited = dict(
        VoucherLine.objects.filter(ledger_id__in=ledger_ids, account_id__in=reserve_ids)
        .filter(posted, ~Q(credit_fen=0))
        .values("voucher_id")
        .annotate(total=Sum("credit_fen"))
        .values_list("voucher_id", "total")
        .order_by()
    )
    if not credited:
        return []
    source_ids = accounts.filter(_prefixes("code", rules.sources)).exclude(category=Category.INCOME)
    debits = (
        VoucherLine.objects.filter(
            voucher_id__in=list(credited), account_id__in=source_ids, fund__isnull=False
        )
        .filter(~Q(debit_fen=0))
        .values("voucher_id", "fund_id", "voucher__period__year", "voucher__period__month")
        .annotate(total=Sum("debit_fen"))
        .order_by("voucher_id", "fund_id")
    )
    amounts: dict[tuple[int, int], int] = defaultdict(int)
    for row in debits:
        key = row["voucher__period__year"] * 100 + row["voucher__period__month"]
        if key >= before_key:
            continue
        left = credited[row["voucher_id"]]
        amount = transfer_amount(row["total"], left)
        credited[row["voucher_id"]] = left - amount
        amounts[(row["fund_id"], key)] += amount
    return list(amounts.items())
