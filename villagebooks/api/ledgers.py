"""Ledgers and what they are set up with: accounts, funds, counterparties.

Reads go through the selectors (scope first); each write is one call of a ledger service,
which checks the right to do it (403 when the caller may view the ledger but not set it up).
"""

from ninja import Field, Query, Router, Schema, Status

from villagebooks.api import schemas as S
from villagebooks.api.fields import Code, Name, money_to_fen
from villagebooks.api.paging import PageIn, page_of
from villagebooks.api.selectors import ledger_or_404, ledgers_list
from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.models import Counterparty, Fund, Period
from villagebooks.ledger.selectors import account_list
from villagebooks.regions.permissions import actions_on_ledgers

router = Router(tags=["账套"])


class LedgerFilter(Schema):
    q: Name = Field("", description="按账套编号、名称或村名查找")
    region: Name = Field("", description="只列出该区划（代码）之下的账套")


@router.get("/ledgers", response={200: S.LedgerPage, **S.ERRORS}, summary="您可以查看的账套")
def ledgers(request, filters: Query[LedgerFilter], pagination: Query[PageIn]):
    rows = ledgers_list(request.auth, search=filters.q.strip(), region=filters.region.strip())
    return page_of(rows, pagination, S.ledger_out)


@router.get("/ledgers/{code}", response={200: S.LedgerDetailOut, **S.ERRORS}, summary="账套详情")
def ledger_detail(request, code: Code):
    ledger = ledger_or_404(request.auth, code)
    allowed = actions_on_ledgers(request.auth, [ledger])[ledger.pk]
    periods = Period.objects.filter(ledger=ledger).order_by("year", "month")
    return {
        **S.ledger_out(ledger),
        "actions": [name for name, action in S.LEDGER_ACTIONS.items() if action in allowed],
        "periods": [
            {
                "period": str(p),
                "status": p.status,
                "status_label": str(p.get_status_display()),
                "closed_at": p.closed_at,
            }
            for p in periods
        ],
    }


@router.get("/ledgers/{code}/accounts", response={200: list[S.AccountOut], **S.ERRORS}, summary="会计科目")
def accounts(request, code: Code):
    ledger = ledger_or_404(request.auth, code)
    rows = list(account_list(ledger=ledger))
    codes = {account.pk: account.code for account in rows}
    return [S.account_out(account, codes.get(account.parent_id)) for account in rows]


@router.post("/ledgers/{code}/accounts", response={201: S.AccountOut, **S.ERRORS}, summary="增加明细科目")
def account_add(request, code: Code, payload: S.AccountIn):
    ledger = ledger_or_404(request.auth, code)
    account = services.account_add(
        actor=request.auth, ledger=ledger, parent_code=payload.parent, code=payload.code, name=payload.name
    )
    return Status(201, S.account_out(account, payload.parent))


@router.get("/ledgers/{code}/funds", response={200: list[S.FundOut], **S.ERRORS}, summary="资金来源")
def funds(request, code: Code):
    ledger = ledger_or_404(request.auth, code)
    return [S.fund_out(fund) for fund in Fund.objects.filter(ledger=ledger).order_by("name")]


@router.post("/ledgers/{code}/funds", response={201: S.FundOut, **S.ERRORS}, summary="登记资金来源")
def fund_create(request, code: Code, payload: S.FundIn):
    ledger = ledger_or_404(request.auth, code)
    amount, problem = money_to_fen(payload.amount, field="amount")
    if problem:
        raise DomainError(problems=[problem])
    fund = services.fund_create(
        actor=request.auth,
        ledger=ledger,
        name=payload.name,
        kind=payload.kind,
        issuer=payload.issuer.strip(),
        document_number=payload.document_number.strip(),
        amount_fen=amount,
    )
    return Status(201, S.fund_out(fund))


@router.get(
    "/ledgers/{code}/counterparties", response={200: list[S.CounterpartyOut], **S.ERRORS}, summary="往来单位"
)
def counterparties(request, code: Code):
    ledger = ledger_or_404(request.auth, code)
    return [S.counterparty_out(c) for c in Counterparty.objects.filter(ledger=ledger).order_by("name")]


@router.post(
    "/ledgers/{code}/counterparties", response={201: S.CounterpartyOut, **S.ERRORS}, summary="登记往来单位"
)
def counterparty_create(request, code: Code, payload: S.CounterpartyIn):
    ledger = ledger_or_404(request.auth, code)
    counterparty = services.counterparty_create(
        actor=request.auth,
        ledger=ledger,
        name=payload.name,
        kind=payload.kind,
        id_number=payload.id_number.strip(),
    )
    return Status(201, S.counterparty_out(counterparty))
