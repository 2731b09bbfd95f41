"""The opening-balance import."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from villagebooks.common.errors import DomainError, FieldProblem, NotPermitted
from villagebooks.common.money import MoneyError
from villagebooks.common.tabular import picker as _picker
from villagebooks.ledger import errors as E
from villagebooks.ledger.access import Action, require
from villagebooks.ledger.domain.vouchers import (
    BOTH_SIDES,
    EMPTY_ACCOUNT,
    LineInput,
)
from villagebooks.ledger.importing.cells import _fen, _names_that_fit, _table_open
from villagebooks.ledger.importing.columns import OPENING_COLUMNS, OPENING_REQUIRED
from villagebooks.ledger.importing.messages import BAD_AMOUNT, ImportFailed
from villagebooks.ledger.models import (
    Ledger,
)
from villagebooks.ledger.services import (
    OpeningInput,
    opening_balances_set,
)


def opening_import(*, actor, ledger_code: str, path: Path, create_missing: bool = False) -> Ledger:
    """Set a ledger's opening balances from a file (``account,debit,credit,fund,counterparty``).

    The rows go to ``services.opening_balances_set``, which checks that they balance and
    activates the ledger.

    Raises:
        ImportFailed: every bad row; nothing was written.
    """
    ledger = Ledger.objects.filter(code=ledger_code).first()
    if ledger is None:
        raise ImportFailed(problems=[FieldProblem("ledger", E.UNKNOWN_LEDGER.format(code=ledger_code))])
    try:
        require(actor, ledger, Action.SETUP)
    except NotPermitted as exc:
        raise ImportFailed(problems=[FieldProblem("ledger", exc.problems[0].message)]) from exc
    rows: list[OpeningInput] = []
    problems: list[FieldProblem] = []
    rows_left_out = False
    with _table_open(Path(path), OPENING_COLUMNS, OPENING_REQUIRED) as table:
        pick = _picker(table.columns, OPENING_COLUMNS)
        for number, cells in table.rows:
            account, raw_debit, raw_credit, fund, party = pick(cells)
            if not (account or raw_debit or raw_credit or fund or party):
                continue  # a row with nothing in it
            amounts = []
            for side, raw in (("debit", raw_debit), ("credit", raw_credit)):
                try:
                    amounts.append(_fen(raw))
                except MoneyError as exc:
                    amounts.append(0)
                    rows_left_out = True
                    problems.append(FieldProblem(side, BAD_AMOUNT.format(reason=exc, value=raw), number))
            if not account:
                problems.append(FieldProblem("account", EMPTY_ACCOUNT, number))
                continue
            if amounts[0] and amounts[1]:
                problems.append(FieldProblem("credit", BOTH_SIDES, number))
            row = OpeningInput(account, amounts[0], amounts[1], fund, party, row=number)
            line = LineInput("", account, fund_name=fund, counterparty_name=party, row=number)
            if _names_that_fit([line], problems):
                rows.append(row)
            else:
                rows_left_out = True
    with transaction.atomic():
        try:
            ledger = opening_balances_set(
                actor=actor, ledger=ledger, rows=rows, create_missing=create_missing
            )
        except DomainError as exc:
            problems += [
                p
                # The totals mean nothing while some row could not be read.
                for p in exc.problems
                if not (rows_left_out and p.row is None and not p.field)
            ]
        if problems:
            raise ImportFailed(problems=sorted(problems, key=lambda p: p.row or 0))
    return ledger
