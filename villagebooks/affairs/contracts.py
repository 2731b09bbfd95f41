"""Every write of contracts: the import (contracts with their schedules of receipts), renewal,
termination, and the matching of posted receipts to the schedule.

A contract's term is refused beyond the legal limit of its kind and object (the limits are data,
``data/affairs-property.json``). History is never overwritten: a renewal is a new contract naming
the one it renews; a termination is set once; each act appends a ``ContractEvent``.

Receipts are the books' own: a posted line credited to a receipt account (应收款, 内部往来 or an
income account, data) with the contract's party as counterparty, in a voucher that debits cash or
bank, is applied to that party's open instalments in due order (``receipts_match``). Booking a
receivable (借 应收款 贷 收入) is not a receipt; collecting it (借 银行 贷 应收款) is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum

from villagebooks.affairs import errors_property as E
from villagebooks.affairs.access_property import CONTRACTS
from villagebooks.affairs.files_property import Cells, property_terms, read_rows
from villagebooks.affairs.models import (
    AssetCard,
    Contract,
    ContractEvent,
    ContractKind,
    Instalment,
    PartyKind,
    ReceiptMatch,
    Resource,
)
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.common.money import format_fen
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.access import can, require
from villagebooks.ledger.models import Counterparty, Ledger, Voucher, VoucherLine, VoucherStatus
from villagebooks.registry.models import Household, Person

CONTRACT_ALIASES = {
    "contract": ("contract", "合同编号"),
    "ledger": ("ledger", "账套"),
    "kind": ("kind", "合同类型"),
    "party": ("party", "对方名称"),
    "party_kind": ("party_kind", "对方类别"),
    "id_number": ("id_number", "身份证号"),
    "household": ("household", "户编号"),
    "object": ("object", "标的编号"),
    "subject": ("subject", "标的"),
    "signed": ("signed", "签订日期"),
    "start": ("start", "起始日期"),
    "end": ("end", "终止日期"),
    "price": ("price", "合同总价"),
    "deposit": ("deposit", "保证金"),
    "exchange": ("exchange", "产权交易"),
    "exchange_reference": ("exchange_reference", "交易编号"),
    "renews": ("renews", "续签原合同"),
    "due": ("due", "应收日期"),
    "amount": ("amount", "应收金额"),
}
CONTRACT_REQUIRED = (
    "contract", "ledger", "kind", "party", "party_kind", "subject", "signed", "start", "end",
    "price", "due", "amount",
)  # fmt: skip
# Fields every row of one contract must repeat alike (the schedule's rows differ in due/amount).
_CONTRACT_FIELDS = tuple(name for name in CONTRACT_ALIASES if name not in ("contract", "due", "amount"))


def term_limit(kind: str, land_use: str = "") -> tuple[int | None, str]:
    """The longest term in years of a contract of ``kind`` over an object used as ``land_use``
    (None: no limit) and the rule that sets it."""
    limits = property_terms()["term_limits_years"].get(kind, {})
    entry = limits.get(land_use) or limits.get("*") or {"years": None, "basis": ""}
    return entry["years"], entry["basis"]


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def term_problem(kind: str, land_use: str, start: date, end: date) -> str | None:
    """Why the term ``start``–``end`` is refused, or None. A term of N years runs from ``start``
    to the day before its N-th anniversary."""
    years, basis = term_limit(kind, land_use)
    if years is None or end < _years_later(start, years):
        return None
    length = (end - start).days / 365.25
    return str(E.TERM_TOO_LONG.format(years=f"{length:.1f}", limit=years, basis=basis))


@dataclass
class _Planned:
    row: int
    ledger: Ledger
    code: str
    values: dict
    instalments: list[tuple[int, date, int]] = field(default_factory=list)


def _manageable(actor, code: str, cache: dict) -> Ledger | None:
    if code not in cache:
        ledger = Ledger.objects.filter(code=code).select_related("village").first()
        cache[code] = ledger if ledger is not None and can(actor, ledger, CONTRACTS) else None
    return cache[code]


def _object_of(ledger: Ledger, code: str) -> tuple[AssetCard | None, Resource | None]:
    return (
        AssetCard.objects.filter(ledger=ledger, code=code).first(),
        Resource.objects.filter(ledger=ledger, code=code).first(),
    )


def _party_problems(cells: Cells, ledger: Ledger, name: str, id_number: str, number: str):
    person = household = None
    if id_number:
        person = Person.objects.filter(village_id=ledger.village_id, id_number=id_number.upper()).first()
        if person is None:
            cells.bad("id_number", E.PERSON_NOT_IN_VILLAGE.format(id=id_number[:6] + "…"))
        elif person.name != name:
            cells.bad("party", E.PARTY_NAME_MISMATCH.format(name=name, registered=person.name))
    if number:
        household = Household.objects.filter(village_id=ledger.village_id, number=number).first()
        if household is None:
            cells.bad("household", E.HOUSEHOLD_NOT_IN_VILLAGE.format(number=number))
    return person, household


def contracts_import(*, actor, path: Path) -> int:
    """Record contracts and their schedules from a CSV or XLSX file (columns
    ``CONTRACT_ALIASES``, one row per scheduled receipt, the contract's fields repeated), all or
    nothing: every bad row is reported. Returns the number of contracts."""
    rows = read_rows(path, CONTRACT_ALIASES, CONTRACT_REQUIRED)
    problems: list[FieldProblem] = []
    ledgers: dict = {}
    planned: dict[tuple[str, str], _Planned] = {}
    for row, values in rows:
        cells = Cells(row, values, problems)
        before = len(problems)
        code = cells.text("contract", required=True, limit=32)
        ledger_code = cells.text("ledger", required=True, limit=32)
        due = cells.date("due", required=True)
        amount = cells.fen("amount", required=True, positive=True)
        ledger = _manageable(actor, ledger_code, ledgers) if ledger_code else None
        if ledger_code and ledger is None:
            cells.bad("ledger", E.UNKNOWN_LEDGER.format(code=ledger_code))
        key = (ledger_code, code)
        contract = planned.get(key)
        if contract is None:
            parsed = _contract_fields(cells, ledger)
            if ledger is not None and len(problems) == before:
                planned[key] = _Planned(row, ledger, code, parsed)
                contract = planned[key]
        else:
            for name in _CONTRACT_FIELDS:
                if values[name] != contract.values["raw"][name]:
                    cells.bad(name, E.DIFFERS.format(row=contract.row, value=contract.values["raw"][name]))
        if contract is not None and len(problems) == before:
            contract.instalments.append((row, due, amount))
    for contract in planned.values():
        _check_schedule(contract, problems)
    for contract in planned.values():
        if Contract.objects.filter(ledger=contract.ledger, code=contract.code).exists():
            problems.append(
                FieldProblem("contract", str(E.CONTRACT_EXISTS.format(code=contract.code)), contract.row)
            )
    if problems:
        raise DomainError(problems=sorted(problems, key=lambda p: p.row or 0))
    with transaction.atomic():
        for contract in planned.values():
            _contract_write(actor, contract)
    return len(planned)


def _contract_fields(cells: Cells, ledger: Ledger | None) -> dict:
    values = {"raw": dict(cells.values)}
    values["kind"] = cells.choice("kind", ContractKind.choices)
    values["party"] = cells.text("party", required=True, limit=100)
    values["party_kind"] = cells.choice("party_kind", PartyKind.choices)
    values["subject"] = cells.text("subject", required=True)
    values["signed"] = cells.date("signed", required=True)
    values["start"] = cells.date("start", required=True)
    values["end"] = cells.date("end", required=True)
    values["price"] = cells.fen("price", required=True)
    values["deposit"] = cells.fen("deposit")
    values["exchange"] = cells.yes_no("exchange")
    values["exchange_reference"] = cells.text("exchange_reference", limit=64)
    object_code = cells.text("object", limit=32)
    renews = cells.text("renews", limit=32)
    values["asset"] = values["resource"] = values["renews"] = values["person"] = values["household"] = None
    if ledger is None:
        return values
    land_use = ""
    if object_code:
        asset, resource = _object_of(ledger, object_code)
        if asset is None and resource is None:
            cells.bad("object", E.UNKNOWN_OBJECT.format(code=object_code))
        values["asset"], values["resource"] = asset, resource if asset is None else None
        land_use = resource.land_use if resource is not None and asset is None else ""
    if renews:
        values["renews"] = Contract.objects.filter(ledger=ledger, code=renews).first()
        if values["renews"] is None:
            cells.bad("renews", E.UNKNOWN_CONTRACT.format(code=renews))
        elif values["start"] and values["start"] <= values["renews"].end:
            cells.bad("start", E.RENEWAL_START.format(end=values["renews"].end))
    values["person"], values["household"] = _party_problems(
        cells, ledger, values["party"], cells.text("id_number", limit=18), cells.text("household", limit=32)
    )
    start, end = values["start"], values["end"]
    if start and end:
        if end < start:
            cells.bad("end", E.END_BEFORE_START)
        elif values["kind"]:
            problem = term_problem(values["kind"], land_use, start, end)
            if problem:
                cells.bad("end", problem)
    return values


def _check_schedule(contract: _Planned, problems: list[FieldProblem]) -> None:
    values = contract.values
    planned = sum(amount for _row, _due, amount in contract.instalments)
    if planned != values["price"]:
        problems.append(
            FieldProblem(
                "amount",
                str(E.SCHEDULE_SUM.format(planned=format_fen(planned), price=format_fen(values["price"]))),
                contract.row,
            )
        )
    for row, due, _amount in contract.instalments:
        if (
            values["signed"]
            and values["end"]
            and not (min(values["signed"], values["start"]) <= due <= values["end"])
        ):
            problems.append(FieldProblem("due", str(E.SCHEDULE_OUTSIDE.format(date=due)), row))


def _counterparty(actor, ledger: Ledger, name: str, kind: str) -> Counterparty:
    found = Counterparty.objects.filter(ledger=ledger, name=name).first()
    if found is not None:
        return found
    return ledger_services.counterparty_create(actor=actor, ledger=ledger, name=name, kind=kind)


def _contract_write(actor, planned: _Planned) -> Contract:
    values = planned.values
    contract = Contract.objects.create(
        ledger=planned.ledger,
        code=planned.code,
        kind=values["kind"],
        party_name=values["party"],
        party_kind=values["party_kind"],
        person=values["person"],
        household=values["household"],
        counterparty=_counterparty(actor, planned.ledger, values["party"], values["party_kind"]),
        asset=values["asset"],
        resource=values["resource"],
        subject=values["subject"],
        signed_on=values["signed"],
        start=values["start"],
        end=values["end"],
        price_fen=values["price"],
        deposit_fen=values["deposit"],
        exchange_traded=values["exchange"],
        exchange_reference=values["exchange_reference"],
        renews=values["renews"],
        created_by=actor,
    )
    Instalment.objects.bulk_create(
        Instalment(ledger=planned.ledger, contract=contract, seq=seq, due_on=due, amount_fen=amount)
        for seq, (_row, due, amount) in enumerate(sorted(planned.instalments, key=lambda i: i[1]), start=1)
    )
    ContractEvent.objects.create(
        ledger=planned.ledger, contract=contract, act="signed", on_date=contract.signed_on, actor=actor
    )
    if contract.renews is not None:
        ContractEvent.objects.create(
            ledger=planned.ledger,
            contract=contract.renews,
            act="renewed",
            on_date=contract.signed_on,
            note=contract.code,
            actor=actor,
        )
    audit_record(
        actor=actor,
        action="contract_create",
        ledger_id=planned.ledger.pk,
        obj=contract,
        code=contract.code,
        price_fen=contract.price_fen,
        instalments=len(planned.instalments),
    )
    return contract


def contract_terminate(*, actor, contract: Contract, on_date: date, reason: str) -> Contract:
    """Record the contract's termination (解除) on ``on_date``; instalments due after it are no
    longer receivable. Set once: a terminated contract is not terminated again."""
    require(actor, contract.ledger, CONTRACTS)
    if not reason.strip():
        raise DomainError(E.REASON_REQUIRED, field="reason")
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.terminated_on is not None:
            raise Conflict(E.ALREADY_TERMINATED.format(date=contract.terminated_on), field="status")
        if not contract.start <= on_date <= contract.end:
            raise DomainError(
                E.TERMINATION_OUTSIDE.format(date=on_date, start=contract.start, end=contract.end),
                field="date",
            )
        contract.terminated_on, contract.termination_reason = on_date, reason.strip()[:200]
        contract.save(update_fields=["terminated_on", "termination_reason"])
        ContractEvent.objects.create(
            ledger=contract.ledger,
            contract=contract,
            act="terminated",
            on_date=on_date,
            note=reason[:200],
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="contract_terminate",
            ledger_id=contract.ledger_id,
            obj=contract,
            reason=reason,
        )
    return contract


@dataclass
class RenewalTerms:
    """A renewal's own terms; party, object, kind and subject are the renewed contract's."""

    code: str
    signed_on: date
    start: date
    end: date
    price_fen: int
    deposit_fen: int = 0
    exchange_traded: bool = False
    exchange_reference: str = ""
    schedule: list[tuple[date, int]] = field(default_factory=list)  # (due, amount) in order written


def _renewal_problems(contract: Contract, terms: RenewalTerms) -> list[FieldProblem]:
    problems: list[FieldProblem] = []

    def bad(name: str, message) -> None:
        problems.append(FieldProblem(name, str(message)))

    code = terms.code.strip()
    if not code:
        bad("code", E.REQUIRED)
    elif len(code) > 32:
        bad("code", E.TOO_LONG.format(limit=32))
    elif Contract.objects.filter(ledger_id=contract.ledger_id, code=code).exists():
        bad("code", E.CONTRACT_EXISTS.format(code=code))
    if contract.terminated_on is not None:
        bad("status", E.RENEW_TERMINATED.format(date=contract.terminated_on))
    renewal = contract.renewals.order_by("code").first()
    if renewal is not None:
        bad("status", E.ALREADY_RENEWED.format(code=renewal.code))
    if terms.start <= contract.end:
        bad("start", E.RENEWAL_START.format(end=contract.end))
    if terms.end < terms.start:
        bad("end", E.END_BEFORE_START)
    else:
        land_use = contract.resource.land_use if contract.resource is not None else ""
        problem = term_problem(contract.kind, land_use, terms.start, terms.end)
        if problem:
            bad("end", problem)
    if terms.price_fen <= 0:
        bad("price", E.NOT_POSITIVE)
    if terms.deposit_fen < 0:
        bad("deposit", E.NEGATIVE)
    if len(terms.exchange_reference) > 64:
        bad("exchange_reference", E.TOO_LONG.format(limit=64))
    if not terms.schedule:
        bad("schedule", E.SCHEDULE_EMPTY.format(code=code or "—"))
    else:
        planned = sum(amount for _due, amount in terms.schedule)
        if planned != terms.price_fen:
            bad(
                "schedule",
                E.SCHEDULE_SUM.format(planned=format_fen(planned), price=format_fen(terms.price_fen)),
            )
        for due, amount in terms.schedule:
            if amount <= 0:
                bad("schedule", E.SCHEDULE_AMOUNT.format(date=due))
            if not min(terms.signed_on, terms.start) <= due <= terms.end:
                bad("schedule", E.SCHEDULE_OUTSIDE.format(date=due))
    return problems


def contract_renew(*, actor, contract: Contract, terms: RenewalTerms) -> Contract:
    """Record the renewal (续签) of ``contract``: a new contract with its own code, term, price and
    schedule of receipts, the same party, object, kind and subject, naming the one it renews (the
    renewed contract keeps its history; a ``renewed`` act is appended to it). The term starts
    after the renewed one ends and is refused beyond the legal limit; a terminated or already
    renewed contract is not renewed. Every problem is named at its field; nothing is written."""
    require(actor, contract.ledger, CONTRACTS)
    with transaction.atomic():
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("ledger", "resource")
            .get(pk=contract.pk)
        )
        problems = _renewal_problems(contract, terms)
        if problems:
            raise DomainError(problems=problems)
        values = {
            "kind": contract.kind,
            "party": contract.party_name,
            "party_kind": contract.party_kind,
            "person": contract.person,
            "household": contract.household,
            "asset": contract.asset,
            "resource": contract.resource,
            "subject": contract.subject,
            "signed": terms.signed_on,
            "start": terms.start,
            "end": terms.end,
            "price": terms.price_fen,
            "deposit": terms.deposit_fen,
            "exchange": terms.exchange_traded,
            "exchange_reference": terms.exchange_reference.strip(),
            "renews": contract,
        }
        planned = _Planned(0, contract.ledger, terms.code.strip(), values)
        planned.instalments = [(0, due, amount) for due, amount in terms.schedule]
        return _contract_write(actor, planned)


def _receipt_lines(ledger: Ledger, counterparty_ids):
    """Posted receipt lines of these counterparties not yet fully applied, oldest first."""
    rules = property_terms()["receipt_accounts"][ledger.chart]
    credit = Q()
    for code in rules["credit"]:
        credit |= Q(account__code__startswith=code)
    cash = Q()
    for code in rules["cash"]:
        cash |= Q(account__code__startswith=code)
    cash_debit = VoucherLine.objects.filter(cash, voucher_id=OuterRef("voucher_id"), debit_fen__gt=0)
    reversed_ids = Voucher.objects.filter(
        ledger=ledger, status=VoucherStatus.POSTED, reverses__isnull=False
    ).values("reverses_id")
    return (
        VoucherLine.objects.filter(
            credit,
            ledger=ledger,
            voucher__status=VoucherStatus.POSTED,
            voucher__reverses__isnull=True,
            counterparty_id__in=counterparty_ids,
            credit_fen__gt=0,
        )
        .exclude(voucher_id__in=reversed_ids)
        .filter(Exists(cash_debit))
        .order_by("voucher__date", "voucher_id", "line_no")
        .values("id", "counterparty_id", "credit_fen")
    )


def receipts_match(*, actor, ledger: Ledger) -> int:
    """Apply the ledger's unmatched posted receipts to their parties' open instalments, oldest
    due first (a party's several contracts in due order). Returns the number of matches made."""
    require(actor, ledger, CONTRACTS)
    with transaction.atomic():
        Ledger.objects.select_for_update().get(pk=ledger.pk)  # one matcher per ledger at a time
        instalments = list(
            Instalment.objects.filter(ledger=ledger)
            .annotate(received=Sum("matches__amount_fen"))
            .select_related("contract")
            .order_by("due_on", "contract__code", "seq")
        )
        open_by_party: dict[int, list] = {}
        for instalment in instalments:
            left = instalment.amount_fen - (instalment.received or 0)
            if left > 0:
                open_by_party.setdefault(instalment.contract.counterparty_id, []).append([instalment, left])
        used = dict(
            ReceiptMatch.objects.filter(ledger=ledger)
            .values("voucher_line_id")
            .annotate(total=Sum("amount_fen"))
            .values_list("voucher_line_id", "total")
        )
        matches = []
        for line in _receipt_lines(ledger, list(open_by_party)):
            available = line["credit_fen"] - used.get(line["id"], 0)
            queue = open_by_party.get(line["counterparty_id"], [])
            while available > 0 and queue:
                item = queue[0]
                amount = min(available, item[1])
                matches.append(
                    ReceiptMatch(
                        ledger=ledger, instalment=item[0], voucher_line_id=line["id"], amount_fen=amount
                    )
                )
                available -= amount
                item[1] -= amount
                if item[1] == 0:
                    queue.pop(0)
        ReceiptMatch.objects.bulk_create(matches)
        if matches:
            audit_record(actor=actor, action="receipts_match", ledger_id=ledger.pk, matches=len(matches))
    return len(matches)
