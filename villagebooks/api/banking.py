"""Bank reconciliation (银行对账) of a ledger's bank account: its statement lines with their
matches, importing a statement, automatic and manual matching, undoing a match.

Each endpoint finds the ledger through the caller's scope for ``banking.view`` (404 outside it)
and makes one banking service call, which checks the right to change (403), the rules of the
statement (422, each problem at its row) and the month (409 once it is closed). The 银行存款余额
调节表 itself is the report ``bank-reconciliation`` (``/ledgers/{code}/reports/bank-reconciliation``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated

from django.conf import settings
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile

from villagebooks.api import schemas as S
from villagebooks.api.errors import CONFLICT, NO_FILE, ApiError, NotFound
from villagebooks.api.fields import ID_MAX, Code, money_text
from villagebooks.api.paging import PageIn, page_of
from villagebooks.banking import services
from villagebooks.banking.access import VIEW
from villagebooks.banking.models import BankLine, BankMatch
from villagebooks.banking.selectors import bank_account_get
from villagebooks.common.errors import Conflict, DomainError
from villagebooks.ledger.models import Ledger
from villagebooks.ledger.selectors import ledger_get
from villagebooks.reports.scope import UNKNOWN_LEDGER

router = Router(tags=["银行对账"])
MatchId = Annotated[int, Path(ge=1, le=ID_MAX)]
FILE_TOO_LARGE = "文件过大：最大 {size} MB"


class BankLineOut(Schema):
    id: int
    date: str
    summary: str
    counterpart: str
    serial: str
    income: str
    expense: str
    balance: str
    match_id: int | None = Field(None, description="勾对记录；未勾对为 null")
    voucher_line_id: int | None = None
    voucher_id: int | None = None


class BankLinePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[BankLineOut]


class LineFilter(Schema):
    unmatched: bool = Field(False, description="只列出未勾对的银行交易")


class MatchIn(Schema):
    bank_line: int = Field(..., ge=1, le=ID_MAX, description="银行交易（对账单明细）的 id")
    voucher_line: int = Field(..., ge=1, le=ID_MAX, description="已记账分录的 id（凭证详情中的 lines[].id）")


class MatchOut(Schema):
    id: int
    bank_line: int
    voucher_line: int
    automatic: bool


class AutoOut(Schema):
    matched: int


class StatementOut(Schema):
    id: int
    account: str
    file_name: str
    first_date: str
    last_date: str
    opening_balance: str
    closing_balance: str
    lines: int
    matched: int


def _ledger(user, code: str) -> Ledger:
    ledger = ledger_get(user=user, code=code, action=VIEW)
    if ledger is None:
        raise NotFound(UNKNOWN_LEDGER.format(code=code))
    return ledger


def _conflict(error: Conflict) -> ApiError:
    # A closed month, a line matched already: the state of the books, not the input (409).
    return ApiError(409, CONFLICT, error.problems[0].message, error.problems)


def _line_out(line: BankLine) -> dict:
    match = next(iter(line.matches.all()), None)
    return {
        "id": line.pk,
        "date": line.date.isoformat(),
        "summary": line.summary,
        "counterpart": line.counterpart,
        "serial": line.serial,
        "income": money_text(line.income_fen),
        "expense": money_text(line.expense_fen),
        "balance": money_text(line.balance_fen),
        "match_id": match.pk if match else None,
        "voucher_line_id": match.voucher_line_id if match else None,
        "voucher_id": match.voucher_line.voucher_id if match else None,
    }


@router.get(
    "/ledgers/{code}/bank/{account}/lines",
    response={200: BankLinePage, **S.ERRORS},
    summary="银行对账单明细及其勾对",
)
def bank_lines(request, code: Code, account: Code, filters: Query[LineFilter], pagination: Query[PageIn]):
    ledger = _ledger(request.auth, code)
    bank_account = bank_account_get(ledger=ledger, code=account)
    rows = (
        BankLine.objects.filter(ledger=ledger, account=bank_account)
        .prefetch_related("matches__voucher_line")
        .order_by("sequence")
    )
    if filters.unmatched:
        rows = rows.filter(matches__isnull=True)
    return page_of(rows, pagination, _line_out)


@router.post(
    "/ledgers/{code}/bank/{account}/statements",
    response={201: StatementOut, **S.ERRORS},
    summary="导入银行对账单（CSV 或 XLSX，通用格式）并自动勾对",
)
def statement_import(request, code: Code, account: Code, file: File[UploadedFile] = None):
    ledger = _ledger(request.auth, code)
    if file is None:
        raise DomainError(NO_FILE, field="file")
    if file.size and file.size > settings.ATTACHMENT_MAX_BYTES:
        size = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise DomainError(FILE_TOO_LARGE.format(size=size), field="file")
    suffix = FilePath(file.name or "").suffix.lower()[:8]
    with tempfile.TemporaryDirectory() as folder:
        path = FilePath(folder) / f"statement{suffix}"
        with path.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        result = services.bank_statement_import(
            actor=request.auth, ledger=ledger, account_code=account, path=path, file_name=file.name or ""
        )
    statement = result.statement
    return Status(
        201,
        {
            "id": statement.pk,
            "account": account,
            "file_name": statement.file_name,
            "first_date": statement.first_date.isoformat(),
            "last_date": statement.last_date.isoformat(),
            "opening_balance": money_text(statement.opening_balance_fen),
            "closing_balance": money_text(statement.closing_balance_fen),
            "lines": statement.line_count,
            "matched": result.matched,
        },
    )


@router.post(
    "/ledgers/{code}/bank/{account}/auto-match", response={200: AutoOut, **S.ERRORS}, summary="自动勾对"
)
def auto_match(request, code: Code, account: Code):
    ledger = _ledger(request.auth, code)
    return {"matched": services.bank_match_auto(actor=request.auth, ledger=ledger, account_code=account)}


@router.post("/ledgers/{code}/bank/matches", response={201: MatchOut, **S.ERRORS}, summary="手工勾对一笔")
def match_create(request, code: Code, payload: MatchIn):
    ledger = _ledger(request.auth, code)
    try:
        match = services.bank_match_create(
            actor=request.auth,
            ledger=ledger,
            bank_line_id=payload.bank_line,
            voucher_line_id=payload.voucher_line,
        )
    except Conflict as error:
        raise _conflict(error) from error
    return Status(
        201,
        {
            "id": match.pk,
            "bank_line": match.bank_line_id,
            "voucher_line": match.voucher_line_id,
            "automatic": False,
        },
    )


@router.delete(
    "/ledgers/{code}/bank/matches/{match_id}",
    response={204: None, **S.ERRORS},
    summary="取消勾对（该月未结账时）",
)
def match_delete(request, code: Code, match_id: MatchId):
    ledger = _ledger(request.auth, code)
    if not BankMatch.objects.filter(ledger=ledger, pk=match_id).exists():
        raise NotFound(str(services.E.MATCH_UNKNOWN))
    try:
        services.bank_match_delete(actor=request.auth, ledger=ledger, match_id=match_id)
    except Conflict as error:
        raise _conflict(error) from error
    return Status(204, None)
