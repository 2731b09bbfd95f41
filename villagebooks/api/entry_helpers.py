"""Entry helpers over the API: voucher templates (凭证模板), common summaries (常用摘要), copying a
voucher, and recurring vouchers (定期凭证): list, create from a voucher, use.

Each endpoint finds the ledger (and the template, summary, definition or voucher) through the
caller's scope: 404 outside it, as for vouchers. The services (``ledger.entry_helpers``) decide
whether the caller may prepare vouchers of the ledger (403) and check what they are given (422).
A voucher made from a helper is an ordinary draft, answered as the voucher endpoints answer it.
"""

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Router, Schema, Status

from villagebooks.api.errors import NotFound
from villagebooks.api.fields import ID_MAX, Code, Period, Summary, money_text, text
from villagebooks.api.schemas import ERRORS, VoucherDetailOut
from villagebooks.api.selectors import ledger_or_404, voucher_or_404
from villagebooks.api.vouchers import _detail
from villagebooks.ledger import entry_helpers as H
from villagebooks.ledger.access import Action, require
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.models import CommonSummary, RecurringEntry, VoucherTemplate

router = Router(tags=["录入辅助"])
ObjectId = Annotated[int, Path(ge=1, le=ID_MAX)]
HelperName = text(60, filled=True)  # a template's or definition's name (ledger.entry_helpers)
UNKNOWN_TEMPLATE = _("凭证模板 {id} 不存在")
UNKNOWN_SUMMARY = _("常用摘要 {id} 不存在")
UNKNOWN_RECURRING = _("定期凭证 {id} 不存在")


class HelperLineOut(Schema):
    summary: str
    account: str = Field(description="科目编码")
    debit: str = Field(examples=["1200.00"])
    credit: str = Field(examples=["0.00"])
    fund: str
    counterparty: str
    project: str


class TemplateOut(Schema):
    id: int
    name: str
    note: str
    lines: list[HelperLineOut]


class FromVoucherIn(Schema):
    voucher_id: int = Field(ge=1, le=ID_MAX, description="作为样本的凭证（本账套，非结转、冲销凭证）")
    name: HelperName = Field(examples=["每月电费"])


class RecurringIn(FromVoucherIn):
    day_of_month: int = Field(ge=1, le=31, description="每月几号（超过月末取月末）", examples=[25])


class DateIn(Schema):
    date: dt.date | None = Field(None, description="新凭证的日期（默认今天）", examples=["2025-04-02"])


class SummaryOut(Schema):
    id: int
    text: str
    personal: bool = Field(description="只属于本人（否则全账套共用）")


class SummaryIn(Schema):
    text: Summary = Field(examples=["支付电费"])
    personal: bool = False


class RecurringOut(Schema):
    id: int
    name: str
    day_of_month: int
    note: str
    is_active: bool
    lines: list[HelperLineOut]
    generated: list[str] = Field(description="已生成过的月份（YYYY-MM）")


class ActiveIn(Schema):
    active: bool


class GenerateIn(Schema):
    period: Period = Field(examples=["2025-04"])


class GeneratedOut(Schema):
    name: str
    voucher_id: int


class GenerateOut(Schema):
    period: str
    made: list[GeneratedOut]
    done_before: list[str] = Field(description="该月已生成过、这次未再生成的定期凭证")


def _lines(records: list[dict]) -> list[dict]:
    return [
        {
            "summary": r.get("summary", ""),
            "account": r.get("account", ""),
            "debit": money_text(int(r.get("debit_fen", 0))),
            "credit": money_text(int(r.get("credit_fen", 0))),
            "fund": r.get("fund", ""),
            "counterparty": r.get("counterparty", ""),
            "project": r.get("project", ""),
        }
        for r in records
    ]


def _template_out(template: VoucherTemplate) -> dict:
    return {"id": template.pk, "name": template.name, "note": template.note, "lines": _lines(template.lines)}


def _recurring_out(entry: RecurringEntry) -> dict:
    return {
        "id": entry.pk,
        "name": entry.name,
        "day_of_month": entry.day_of_month,
        "note": entry.note,
        "is_active": entry.is_active,
        "lines": _lines(entry.lines),
        "generated": [f"{run.year:04d}-{run.month:02d}" for run in entry.runs.all()],
    }


def _template_or_404(user, code: str, template_id: int) -> VoucherTemplate:
    ledger = ledger_or_404(user, code)
    template = VoucherTemplate.objects.select_related("ledger").filter(ledger=ledger, pk=template_id).first()
    if template is None:
        raise NotFound(UNKNOWN_TEMPLATE.format(id=template_id))
    return template


def _recurring_or_404(user, code: str, entry_id: int) -> RecurringEntry:
    ledger = ledger_or_404(user, code)
    entry = RecurringEntry.objects.select_related("ledger").filter(ledger=ledger, pk=entry_id).first()
    if entry is None:
        raise NotFound(UNKNOWN_RECURRING.format(id=entry_id))
    return entry


# ---------------------------------------------------------------------------------------------
# Templates and copies


@router.get(
    "/ledgers/{code}/voucher-templates", response={200: list[TemplateOut], **ERRORS}, summary="凭证模板"
)
def templates(request, code: Code):
    return [_template_out(t) for t in H.templates_of(ledger_or_404(request.auth, code))]


@router.post(
    "/ledgers/{code}/voucher-templates", response={201: TemplateOut, **ERRORS}, summary="把凭证存为模板"
)
def template_save(request, code: Code, payload: FromVoucherIn):
    voucher = voucher_or_404(request.auth, code, payload.voucher_id)
    template = H.template_from_voucher(actor=request.auth, voucher=voucher, name=payload.name)
    return Status(201, _template_out(template))


@router.post(
    "/ledgers/{code}/voucher-templates/{template_id}/use",
    response={201: VoucherDetailOut, **ERRORS},
    summary="用模板新建凭证（草稿）",
)
def template_use(request, code: Code, template_id: ObjectId, payload: DateIn):
    template = _template_or_404(request.auth, code, template_id)
    voucher = H.template_use(actor=request.auth, template=template, day=payload.date)
    return Status(201, _detail(request, code, voucher.pk))


@router.delete(
    "/ledgers/{code}/voucher-templates/{template_id}", response={204: None, **ERRORS}, summary="删除凭证模板"
)
def template_delete(request, code: Code, template_id: ObjectId):
    H.template_delete(actor=request.auth, template=_template_or_404(request.auth, code, template_id))
    return Status(204, None)


@router.post(
    "/ledgers/{code}/vouchers/{voucher_id}/copy",
    response={201: VoucherDetailOut, **ERRORS},
    summary="复制凭证（新草稿）",
)
def voucher_copy(request, code: Code, voucher_id: ObjectId, payload: DateIn):
    voucher = voucher_or_404(request.auth, code, voucher_id)
    copy = H.voucher_copy(actor=request.auth, voucher=voucher, day=payload.date)
    return Status(201, _detail(request, code, copy.pk))


# ---------------------------------------------------------------------------------------------
# Common summaries


@router.get("/ledgers/{code}/summaries", response={200: list[SummaryOut], **ERRORS}, summary="常用摘要")
def summaries(request, code: Code):
    ledger = ledger_or_404(request.auth, code)
    return [
        {"id": s.pk, "text": s.text, "personal": s.user_id is not None}
        for s in H.summary_list(ledger, request.auth)
    ]


@router.post("/ledgers/{code}/summaries", response={201: SummaryOut, **ERRORS}, summary="增加常用摘要")
def summary_add(request, code: Code, payload: SummaryIn):
    ledger = ledger_or_404(request.auth, code)
    summary = H.summary_add(actor=request.auth, ledger=ledger, text=payload.text, personal=payload.personal)
    return Status(201, {"id": summary.pk, "text": summary.text, "personal": summary.user_id is not None})


@router.delete(
    "/ledgers/{code}/summaries/{summary_id}", response={204: None, **ERRORS}, summary="删除常用摘要"
)
def summary_delete(request, code: Code, summary_id: ObjectId):
    ledger = ledger_or_404(request.auth, code)
    # Another user's personal summary is not shown to the caller: as unknown as one that is not there.
    summary = CommonSummary.objects.select_related("ledger").filter(ledger=ledger, pk=summary_id).first()
    if summary is None or (summary.user_id is not None and summary.user_id != request.auth.pk):
        raise NotFound(UNKNOWN_SUMMARY.format(id=summary_id))
    H.summary_delete(actor=request.auth, summary=summary)
    return Status(204, None)


# ---------------------------------------------------------------------------------------------
# Recurring vouchers


@router.get("/ledgers/{code}/recurring", response={200: list[RecurringOut], **ERRORS}, summary="定期凭证")
def recurring(request, code: Code):
    return [_recurring_out(e) for e in H.recurring_list(ledger_or_404(request.auth, code))]


@router.post(
    "/ledgers/{code}/recurring", response={201: RecurringOut, **ERRORS}, summary="把凭证设为定期凭证"
)
def recurring_save(request, code: Code, payload: RecurringIn):
    voucher = voucher_or_404(request.auth, code, payload.voucher_id)
    entry = H.recurring_from_voucher(
        actor=request.auth, voucher=voucher, name=payload.name, day_of_month=payload.day_of_month
    )
    return Status(201, _recurring_out(entry))


@router.post(
    "/ledgers/{code}/recurring/{entry_id}/active",
    response={200: RecurringOut, **ERRORS},
    summary="启用或停用定期凭证",
)
def recurring_active(request, code: Code, entry_id: ObjectId, payload: ActiveIn):
    entry = _recurring_or_404(request.auth, code, entry_id)
    return _recurring_out(H.recurring_set_active(actor=request.auth, entry=entry, active=payload.active))


@router.post(
    "/ledgers/{code}/recurring/generate",
    response={200: GenerateOut, **ERRORS},
    summary="生成某月的定期凭证（草稿；每个定义每月一次）",
)
def recurring_generate(request, code: Code, payload: GenerateIn):
    ledger = ledger_or_404(request.auth, code)
    require(request.auth, ledger, Action.PREPARE)
    key = parse_period(payload.period, field="period")
    result = H.recurring_generate(actor=request.auth, ledger=ledger, year=key // 100, month=key % 100)
    return {
        "period": payload.period,
        "made": [{"name": entry.name, "voucher_id": voucher.pk} for entry, voucher in result.made],
        "done_before": [entry.name for entry in result.done_before],
    }
