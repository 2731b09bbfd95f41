"""Every read of contracts, asset cards and resources: what is due and overdue on a date, what a
card has accumulated, and the reconciliations with the books (应收款 per party; the asset
accounts per kind of card; the funds' handed-over projects).

Scope is the caller's: the pages, the API and the commands get a ledger through
``ledger.selectors.ledger_get`` (a ledger outside the user's scope is not found) and every
function here reads one ledger (``ledgers_with_instalments_due``, which only names the ledgers of
a region worth reading, excepted). Sums are SQL. The books' side is read from ``AccountBalance``
(month granularity): a balance "on a date" is the balance at the end of that date's month, and
receipts count when their voucher is posted and not reversed by a posted red voucher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from villagebooks.affairs.files_property import property_terms
from villagebooks.affairs.models import (
    AssetCard,
    Contract,
    DepreciationLine,
    Instalment,
    ReceiptMatch,
    Resource,
)
from villagebooks.funds.models import ProjectAct, ProjectEntry, ProjectState
from villagebooks.ledger.domain.periods import next_period
from villagebooks.ledger.models import Account, AccountBalance, Counterparty, Ledger, Voucher, VoucherStatus
from villagebooks.ledger.selectors import balance_window

IN_FORCE = _("履行中")
NOT_STARTED = _("未开始")
EXPIRED = _("已到期")
TERMINATED = _("已解除")
RENEWED = _("已续签")

NO_CONTRACT = _("账上有应收款，但没有合同")
NOT_BOOKED = _("合同应收未入账（应收款余额小于合同欠款）")
OVER_BOOKED = _("账上应收款大于合同欠款（可能有合同外的往来或收款未记到该往来单位）")


def _reversed_voucher_ids(ledger: Ledger):
    return Voucher.objects.filter(ledger=ledger, status=VoucherStatus.POSTED, reverses__isnull=False).values(
        "reverses_id"
    )


def _live_matches(ledger: Ledger, on_date: date | None = None):
    """Matches whose receipt is posted (by ``on_date``) and not reversed."""
    matches = ReceiptMatch.objects.filter(ledger=ledger).exclude(
        voucher_line__voucher_id__in=_reversed_voucher_ids(ledger)
    )
    if on_date is not None:
        matches = matches.filter(voucher_line__voucher__date__lte=on_date)
    return matches


def contract_state(contract: Contract, on_date: date) -> str:
    if contract.terminated_on is not None and contract.terminated_on <= on_date:
        return str(TERMINATED)
    if on_date < contract.start:
        return str(NOT_STARTED)
    if on_date > contract.end:
        # all(): the prefetched renewals when the caller loaded them (contracts_summary does)
        return str(RENEWED) if len(contract.renewals.all()) else str(EXPIRED)
    return str(IN_FORCE)


def _receivable_instalments(ledger: Ledger):
    """Instalments still owed under their contract: those of a terminated contract due after
    its termination are not."""
    return Instalment.objects.filter(ledger=ledger).filter(
        Q(contract__terminated_on__isnull=True) | Q(due_on__lte=F("contract__terminated_on"))
    )


@dataclass(frozen=True)
class Receivable:
    contract_code: str
    contract_id: int
    party: str
    counterparty_id: int
    seq: int
    due_on: date
    amount_fen: int
    received_fen: int
    on_date: date

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.received_fen

    @property
    def days_overdue(self) -> int:
        return max((self.on_date - self.due_on).days, 0) if self.outstanding_fen > 0 else 0


def receivables(ledger: Ledger, on_date: date, *, contract: Contract | None = None) -> list[Receivable]:
    """Every instalment owed, with what was received by ``on_date``, in due order."""
    received = dict(
        _live_matches(ledger, on_date)
        .values("instalment_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("instalment_id", "total")
    )
    instalments = (
        _receivable_instalments(ledger).select_related("contract").order_by("due_on", "contract__code", "seq")
    )
    if contract is not None:
        instalments = instalments.filter(contract=contract)
    return [
        Receivable(
            i.contract.code,
            i.contract_id,
            i.contract.party_name,
            i.contract.counterparty_id,
            i.seq,
            i.due_on,
            i.amount_fen,
            received.get(i.pk, 0),
            on_date,
        )  # fmt: skip
        for i in instalments
    ]


def ledgers_with_instalments_due(ledger_ids, date_from: date, date_to: date) -> set[int]:
    """Of ``ledger_ids``, those with a contract instalment due in the range (one query): the only
    ledgers where ``overdue_receipts`` can name one due then."""
    return set(
        Instalment.objects.filter(ledger_id__in=ledger_ids, due_on__gte=date_from, due_on__lte=date_to)
        .values_list("ledger_id", flat=True)
        .distinct()
    )


def overdue_receipts(ledger: Ledger, on_date: date) -> list[dict]:
    """The instalments due before ``on_date`` and not received in full by it — what the
    supervision rule ``contract_arrears`` reads. Each: contract (code), party, due_date,
    amount_due_fen, received_fen, outstanding_fen, days_overdue."""
    return [
        {
            "contract": r.contract_code,
            "party": r.party,
            "due_date": r.due_on,
            "amount_due_fen": r.amount_fen,
            "received_fen": r.received_fen,
            "outstanding_fen": r.outstanding_fen,
            "days_overdue": r.days_overdue,
        }
        for r in receivables(ledger, on_date)
        if r.due_on < on_date and r.outstanding_fen > 0
    ]


@dataclass(frozen=True)
class ContractRow:
    contract: Contract
    state: str
    due_fen: int  # due by the date
    received_fen: int
    overdue_fen: int


def contracts_summary(ledger: Ledger, on_date: date) -> list[ContractRow]:
    """Each contract with what is due by ``on_date``, received and overdue."""
    by_contract: dict[int, list[Receivable]] = {}
    for r in receivables(ledger, on_date):
        by_contract.setdefault(r.contract_id, []).append(r)
    rows = []
    contracts = Contract.objects.filter(ledger=ledger).select_related("asset", "resource", "renews")
    for contract in contracts.prefetch_related("renewals").order_by("code"):
        items = by_contract.get(contract.pk, [])
        rows.append(
            ContractRow(
                contract,
                contract_state(contract, on_date),
                sum(r.amount_fen for r in items if r.due_on <= on_date),
                sum(r.received_fen for r in items),
                sum(r.outstanding_fen for r in items if r.due_on < on_date),
            )
        )
    return rows


def _month_end_balances(ledger: Ledger, on_date: date, prefixes: list[str], *, by_counterparty: bool = False):
    """(account prefix[, counterparty]) → debit − credit at the end of ``on_date``'s month."""
    before = next_period(on_date.year * 100 + on_date.month)
    window = balance_window(carried_year=ledger.carried_year, year=on_date.year, before_key=before)
    match = Q()
    for prefix in prefixes:
        match |= Q(account__code__startswith=prefix)
    rows = (
        AccountBalance.objects.filter(window, match, ledger=ledger)
        .values("account__code", *(["counterparty_key"] if by_counterparty else []))
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    )
    totals: dict = {}
    for row in rows:
        prefix = next(p for p in prefixes if row["account__code"].startswith(p))
        key = (prefix, row["counterparty_key"]) if by_counterparty else prefix
        totals[key] = totals.get(key, 0) + (row["debit"] or 0) - (row["credit"] or 0)
    return totals


@dataclass(frozen=True)
class PartyReconciliation:
    party: str
    counterparty_id: int
    contracts: list[str]
    contract_fen: int  # due by the date and not received
    books_fen: int  # 应收款 balance with this counterparty
    reason: str

    @property
    def difference_fen(self) -> int:
        return self.books_fen - self.contract_fen


def receivable_reconciliation(ledger: Ledger, on_date: date) -> list[PartyReconciliation]:
    """Per party: what the contracts say is owed (due by ``on_date``, not received) against the
    books' 应收款 with that counterparty at the end of the month; differences named."""
    receivable = property_terms()["receipt_accounts"][ledger.chart]["receivable"]
    books = _month_end_balances(ledger, on_date, receivable, by_counterparty=True)
    by_party: dict[int, int] = {}
    for (_prefix, counterparty_id), fen in books.items():
        by_party[counterparty_id] = by_party.get(counterparty_id, 0) + fen
    owed: dict[int, int] = {}
    for r in receivables(ledger, on_date):
        if r.due_on <= on_date:
            owed[r.counterparty_id] = owed.get(r.counterparty_id, 0) + r.outstanding_fen
    names: dict[int, tuple[str, list[str]]] = {}
    for contract in Contract.objects.filter(ledger=ledger).order_by("code"):
        names.setdefault(contract.counterparty_id, (contract.party_name, []))[1].append(contract.code)
    others = dict(
        Counterparty.objects.filter(
            ledger=ledger, pk__in=[k for k in by_party if k not in names]
        ).values_list("id", "name")
    )
    rows = []
    for counterparty_id in sorted(
        set(by_party) | set(names), key=lambda k: names.get(k, (others.get(k, ""),))[0]
    ):
        party, codes = names.get(counterparty_id, (others.get(counterparty_id, "—"), []))
        books_fen, contract_fen = by_party.get(counterparty_id, 0), owed.get(counterparty_id, 0)
        if not codes and books_fen == 0:
            continue
        if not codes:
            reason = str(NO_CONTRACT)
        elif books_fen < contract_fen:
            reason = str(NOT_BOOKED)
        elif books_fen > contract_fen:
            reason = str(OVER_BOOKED)
        else:
            reason = ""
        rows.append(PartyReconciliation(party, counterparty_id, codes, contract_fen, books_fen, reason))
    return rows


def accumulated_depreciation(ledger: Ledger, *, on_date: date | None = None) -> dict[int, int]:
    """Card → accumulated depreciation: its opening figure plus its lines in runs whose voucher
    is posted (dated by ``on_date``) and not reversed."""
    lines = DepreciationLine.objects.filter(ledger=ledger, run__voucher__status=VoucherStatus.POSTED).exclude(
        run__voucher_id__in=_reversed_voucher_ids(ledger)
    )
    if on_date is not None:
        lines = lines.filter(run__voucher__date__lte=on_date)
    posted = dict(lines.values("card_id").annotate(total=Sum("amount_fen")).values_list("card_id", "total"))
    return {
        card_id: opening + posted.get(card_id, 0)
        for card_id, opening in AssetCard.objects.filter(ledger=ledger).values_list(
            "id", "opening_depreciation_fen"
        )
    }


@dataclass(frozen=True)
class CardRow:
    card: AssetCard
    accumulated_fen: int

    @property
    def net_fen(self) -> int:
        return self.card.original_fen - self.accumulated_fen


def cards(ledger: Ledger, on_date: date, *, include_disposed: bool = False) -> list[CardRow]:
    accumulated = accumulated_depreciation(ledger, on_date=on_date)
    queryset = AssetCard.objects.filter(ledger=ledger, acquired_on__lte=on_date).select_related("project")
    if not include_disposed:
        queryset = queryset.filter(Q(disposed_on__isnull=True) | Q(disposed_on__gt=on_date))
    return [CardRow(card, accumulated.get(card.pk, 0)) for card in queryset.order_by("code")]


@dataclass(frozen=True)
class AccountReconciliation:
    account: str
    label: str
    cards_fen: int
    books_fen: int

    @property
    def difference_fen(self) -> int:
        return self.books_fen - self.cards_fen


def asset_reconciliation(ledger: Ledger, on_date: date) -> list[AccountReconciliation]:
    """The cards in use on ``on_date`` against the asset accounts at the end of its month: each
    kind's account (原值) and its contra account (累计折旧, shown as a positive credit)."""
    accounts = property_terms()["asset_accounts"][ledger.chart]
    rows_by_account: dict[str, list] = {}
    for row in cards(ledger, on_date):
        kind = accounts[row.card.kind]
        rows_by_account.setdefault(kind["account"], [0, 0])[0] += row.card.original_fen
        if kind["depreciation"]:
            rows_by_account.setdefault(kind["depreciation"], [0, 0])[1] += row.accumulated_fen
    codes = sorted(
        {kind["account"] for name, kind in accounts.items() if isinstance(kind, dict)}
        | {
            kind["depreciation"]
            for name, kind in accounts.items()
            if isinstance(kind, dict) and kind["depreciation"]
        }
    )
    books = _month_end_balances(ledger, on_date, codes)
    names = dict(Account.objects.filter(ledger=ledger, code__in=codes).values_list("code", "name"))
    contra = {
        kind["depreciation"] for kind in accounts.values() if isinstance(kind, dict) and kind["depreciation"]
    }
    result = []
    for code in codes:
        original, accumulated = rows_by_account.get(code, [0, 0])
        cards_fen = accumulated if code in contra else original
        books_fen = -books.get(code, 0) if code in contra else books.get(code, 0)
        if code in names or cards_fen or books_fen:
            result.append(AccountReconciliation(code, names.get(code, code), cards_fen, books_fen))
    return result


@dataclass(frozen=True)
class HandoverRow:
    project: str
    name: str
    state: str
    handed_over_on: date | None
    cards: int
    cards_fen: int


def handover_reconciliation(ledger: Ledger) -> list[HandoverRow]:
    """The funds' projects handed over (移交, or evaluated after it) and the cards that came from
    each: a project handed over with no card is a difference to explain."""
    done = [ProjectState.TRANSFERRED, ProjectState.EVALUATED]
    entries = ProjectEntry.objects.filter(ledger=ledger, state__in=done).select_related("project")
    handed = dict(
        ProjectAct.objects.filter(ledger=ledger, to_state=ProjectState.TRANSFERRED)
        .values("entry_id")
        .annotate(on=Max("acted_on"))
        .values_list("entry_id", "on")
    )
    totals = {
        row["project_id"]: row
        for row in AssetCard.objects.filter(ledger=ledger, project__isnull=False)
        .values("project_id")
        .annotate(total=Sum("original_fen"), count=Count("id"))
    }
    rows = []
    for entry in entries.order_by("project__code"):
        found = totals.get(entry.project_id, {"total": 0, "count": 0})
        rows.append(
            HandoverRow(
                entry.project.code,
                entry.project.name,
                entry.get_state_display(),
                handed.get(entry.pk),
                found["count"],
                found["total"] or 0,
            )  # fmt: skip
        )
    return rows


@dataclass(frozen=True)
class ResourceRow:
    resource: Resource
    contract: Contract | None  # in force on the date


def resources_with_state(ledger: Ledger, on_date: date) -> list[ResourceRow]:
    """Each resource and the contract in force over it on ``on_date`` (None: not contracted)."""
    in_force = {}
    for contract in Contract.objects.filter(
        ledger=ledger, resource__isnull=False, start__lte=on_date, end__gte=on_date
    ).filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=on_date)):
        in_force[contract.resource_id] = contract
    return [
        ResourceRow(r, in_force.get(r.pk)) for r in Resource.objects.filter(ledger=ledger).order_by("code")
    ]
