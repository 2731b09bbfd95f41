"""Vouchers of a ledger through their life: create, update and delete a draft, submit, review,
send back, post, reverse, and their attachments.

Each endpoint finds the voucher through the caller's scope (404 outside it), makes one service
call, and answers with the voucher as it now is. The service decides whether the caller may do
it (403) and whether the voucher is in a state that allows it (409).
"""

from typing import Annotated

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from ninja import Field, File, Header, Path, Query, Router, Schema, Status, UploadedFile

from villagebooks.api import idempotency
from villagebooks.api import schemas as S
from villagebooks.api.fields import ID_MAX, Code, OptionalPeriod, Period, money_to_fen
from villagebooks.api.paging import PageIn, page_of
from villagebooks.api.selectors import (
    attachment_or_404,
    ledger_or_404,
    voucher_or_404,
    vouchers_list,
)
from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import VoucherStatus

router = Router(tags=["凭证"])
VoucherId = Annotated[int, Path(ge=1, le=ID_MAX)]
AttachmentId = Annotated[int, Path(ge=1, le=ID_MAX)]
UNNAMED_ATTACHMENT = "附件"
# An empty file is no attachment (ledger.errors.ATTACHMENT_EMPTY): the schema says so too.
NON_EMPTY_FILE = {
    "requestBody": {
        "content": {"multipart/form-data": {"schema": {"properties": {"file": {"minLength": 1}}}}}
    }
}


class VoucherFilter(Schema):
    period: OptionalPeriod = Field("", description="只列出该期间（YYYY-MM）的凭证", examples=["2025-03"])
    status: VoucherStatus | None = Field(None, description="只列出该状态的凭证")


def _line_inputs(lines: list[S.LineIn]) -> list[LineInput]:
    """The lines as the services take them, amounts in fen; every bad amount is reported at once."""
    parsed, problems = [], []
    for row, line in enumerate(lines, start=1):
        debit, debit_problem = money_to_fen(line.debit, field="debit", row=row)
        credit, credit_problem = money_to_fen(line.credit, field="credit", row=row)
        problems += [p for p in (debit_problem, credit_problem) if p]
        parsed.append(
            LineInput(
                summary=line.summary,
                account_code=line.account,
                debit_fen=debit,
                credit_fen=credit,
                fund_name=line.fund or "",
                counterparty_name=line.counterparty or "",
                project_code=line.project or "",
                row=row,
            )
        )
    if problems:
        raise DomainError(problems=problems)
    return parsed


def _detail(request, code: str, voucher_id: int) -> dict:
    voucher = voucher_or_404(request.auth, code, voucher_id, details=True)
    attachments = [
        S.attachment_out(
            attachment,
            reverse(
                "api:attachment_download",
                kwargs={"code": code, "voucher_id": voucher.pk, "attachment_id": attachment.pk},
            ),
        )
        for attachment in voucher.attachments.all()
    ]
    return S.voucher_detail_out(voucher, voucher.lines.all(), attachments)


@router.get("/ledgers/{code}/vouchers", response={200: S.VoucherPage, **S.ERRORS}, summary="凭证列表")
def vouchers(request, code: Code, filters: Query[VoucherFilter], pagination: Query[PageIn]):
    ledger = ledger_or_404(request.auth, code)
    period_key = parse_period(filters.period, field="period") if filters.period.strip() else None
    rows = vouchers_list(ledger, period_key=period_key, status=filters.status)
    return page_of(rows, pagination, S.voucher_out)


# str, not str | None: a header is absent or text, never null, and the schema should say so.
IdempotencyKeyHeader = Annotated[
    str,
    Header(
        None,
        alias=idempotency.HEADER,
        pattern=idempotency.KEY_PATTERN,
        description=(
            f"幂等键（如 UUID）：同一用户用同一个键重发同一请求，得到第一次的回答（同一张凭证），"
            f"不再新建；同一个键用于不同的请求回答 409。键保留 {idempotency.IDEMPOTENCY_HOURS} 小时。"
        ),
        examples=["6f1c1f0e-8a51-4c43-9d3e-2f1b8f0b8a11"],
    ),
]


@router.post("/ledgers/{code}/vouchers", response={201: S.VoucherDetailOut, **S.ERRORS}, summary="新建凭证")
def voucher_create(
    request, code: Code, payload: S.VoucherCreateIn, idempotency_key: IdempotencyKeyHeader = None
):
    ledger = ledger_or_404(request.auth, code)

    def create() -> tuple[int, dict]:
        voucher = services.voucher_create(
            actor=request.auth,
            ledger=ledger,
            date=payload.date,
            lines=_line_inputs(payload.lines),
            note=payload.note.strip(),
            submit=payload.submit,
        )
        # As JSON, so that a replay answers with exactly what was sent the first time.
        return 201, S.VoucherDetailOut.model_validate(_detail(request, code, voucher.pk)).model_dump(
            mode="json"
        )

    if idempotency_key is None:
        return Status(*create())
    outcome = idempotency.run_once(
        actor=request.auth,
        key=idempotency_key,
        digest=idempotency.request_digest(
            method=request.method, path=request.path, body=payload.model_dump(mode="json")
        ),
        action=create,
    )
    return Status(outcome.status, outcome.body)


@router.get(
    "/ledgers/{code}/vouchers/{voucher_id}",
    response={200: S.VoucherDetailOut, **S.ERRORS},
    summary="凭证详情",
)
def voucher_detail(request, code: Code, voucher_id: VoucherId):
    return _detail(request, code, voucher_id)


@router.put(
    "/ledgers/{code}/vouchers/{voucher_id}",
    response={200: S.VoucherDetailOut, **S.ERRORS},
    summary="修改草稿",
)
def voucher_update(request, code: Code, payload: S.VoucherIn, voucher_id: VoucherId):
    voucher = voucher_or_404(request.auth, code, voucher_id)
    services.voucher_update(
        actor=request.auth,
        voucher=voucher,
        date=payload.date,
        lines=_line_inputs(payload.lines),
        note=payload.note.strip(),
    )
    return _detail(request, code, voucher_id)


@router.delete("/ledgers/{code}/vouchers/{voucher_id}", response={204: None, **S.ERRORS}, summary="删除草稿")
def voucher_delete(request, code: Code, voucher_id: VoucherId):
    voucher = voucher_or_404(request.auth, code, voucher_id)
    services.voucher_delete(actor=request.auth, voucher=voucher)
    return Status(204, None)


@router.post(
    "/ledgers/{code}/vouchers/{voucher_id}/submit",
    response={200: S.VoucherDetailOut, **S.ERRORS},
    summary="提交审核",
)
def voucher_submit(request, code: Code, voucher_id: VoucherId):
    services.voucher_submit(actor=request.auth, voucher=voucher_or_404(request.auth, code, voucher_id))
    return _detail(request, code, voucher_id)


@router.post(
    "/ledgers/{code}/vouchers/{voucher_id}/withdraw",
    response={200: S.VoucherDetailOut, **S.ERRORS},
    summary="撤回（制单人收回未审核的凭证）",
)
def voucher_withdraw(request, code: Code, voucher_id: VoucherId):
    services.voucher_withdraw(actor=request.auth, voucher=voucher_or_404(request.auth, code, voucher_id))
    return _detail(request, code, voucher_id)


@router.post(
    "/ledgers/{code}/vouchers/{voucher_id}/review",
    response={200: S.VoucherDetailOut, **S.ERRORS},
    summary="审核通过",
)
def voucher_review(request, code: Code, voucher_id: VoucherId):
    services.voucher_review(actor=request.auth, voucher=voucher_or_404(request.auth, code, voucher_id))
    return _detail(request, code, voucher_id)


@router.post(
    "/ledgers/{code}/vouchers/{voucher_id}/send-back",
    response={200: S.VoucherDetailOut, **S.ERRORS},
    summary="退回制单人",
)
def voucher_send_back(request, code: Code, payload: S.ReasonIn, voucher_id: VoucherId):
    services.voucher_send_back(
        actor=request.auth, voucher=voucher_or_404(request.auth, code, voucher_id), reason=payload.reason
    )
    return _detail(request, code, voucher_id)


@router.post(
    "/ledgers/{code}/vouchers/{voucher_id}/post",
    response={200: S.VoucherDetailOut, **S.ERRORS},
    summary="记账",
)
def voucher_post(request, code: Code, voucher_id: VoucherId):
    services.voucher_post(actor=request.auth, voucher=voucher_or_404(request.auth, code, voucher_id))
    return _detail(request, code, voucher_id)


@router.post(
    "/ledgers/{code}/vouchers/{voucher_id}/reverse",
    response={201: S.VoucherDetailOut, **S.ERRORS},
    summary="红字冲销（生成待审核的冲销凭证）",
)
def voucher_reverse(request, code: Code, payload: S.ReverseIn, voucher_id: VoucherId):
    reversal = services.voucher_reverse(
        actor=request.auth,
        voucher=voucher_or_404(request.auth, code, voucher_id),
        reason=payload.reason,
        date=payload.date,
    )
    return Status(201, _detail(request, code, reversal.pk))


@router.post(
    "/ledgers/{code}/periods/{period}/renumber",
    response={200: S.RenumberOut, **S.ERRORS},
    summary="整理凭证号（未结账月份的已记账凭证按日期重新编号）",
    description="把该月已记账凭证按日期（同日按记账先后）编为记-1 起的连续号码；记入账套哈希链和操作日志。"
    "月份已结账（或之后的月份已结账）时拒绝（422）；需要结账权限（403）。",
)
def vouchers_renumber(request, code: Code, period: Period, payload: S.RenumberIn):
    ledger = ledger_or_404(request.auth, code)
    key = parse_period(period, field="period")
    act = services.vouchers_renumber(
        actor=request.auth, ledger=ledger, year=key // 100, month=key % 100, reason=payload.reason
    )
    if act is None:
        return {"period": period, "renumbered": [], "chain_sequence": None}
    lines = act.lines.order_by("new_number").values("voucher_id", "old_number", "new_number")
    return {"period": period, "renumbered": list(lines), "chain_sequence": act.chain_sequence}


def _stored_name(name: str) -> str:
    # The name comes from the client's multipart header: keep what the databases can store.
    cleaned = "".join(ch for ch in name if ch != "\x00" and not 0xD800 <= ord(ch) <= 0xDFFF).strip()
    return cleaned[:255] or UNNAMED_ATTACHMENT


@router.post(
    "/ledgers/{code}/vouchers/{voucher_id}/attachments",
    response={201: S.AttachmentOut, **S.ERRORS},
    summary="上传附件（PDF 或图片）",
    openapi_extra=NON_EMPTY_FILE,
)
def attachment_add(request, code: Code, voucher_id: VoucherId, file: File[UploadedFile]):
    voucher = voucher_or_404(request.auth, code, voucher_id)
    # Read one byte past the limit, not the whole upload: the service refuses what is too large.
    content = file.read(settings.ATTACHMENT_MAX_BYTES + 1)
    attachment = services.attachment_add(
        actor=request.auth, voucher=voucher, name=_stored_name(file.name or ""), content=content
    )
    url = reverse(
        "api:attachment_download",
        kwargs={"code": code, "voucher_id": voucher.pk, "attachment_id": attachment.pk},
    )
    return Status(201, S.attachment_out(attachment, url))


@router.get(
    "/ledgers/{code}/vouchers/{voucher_id}/attachments/{attachment_id}",
    response={200: None, **S.ERRORS},
    url_name="attachment_download",
    summary="下载附件",
    openapi_extra={
        "responses": {
            200: {
                "description": "附件文件",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "image/*": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def attachment_download(
    request,
    code: Code,
    voucher_id: VoucherId,
    attachment_id: AttachmentId,
):
    attachment = attachment_or_404(request.auth, code, voucher_id, attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
