"""The shapes of the API's requests and answers (they make the OpenAPI document), and the
functions that fill the answers from the models. Amounts are decimal strings, dates ISO 8601,
months ``YYYY-MM``; nothing here computes a figure of the books.
"""

import datetime as dt
from typing import Literal

from django.utils import translation
from ninja import Field, Schema

from villagebooks.api.fields import (
    AccountCode,
    FilledName,
    Money,
    Name,
    Note,
    ProjectCode,
    Reason,
    Summary,
    masked_id_number,
    money_text,
    text,
)
from villagebooks.api.services import MAX_DAYS as MAX_TOKEN_DAYS
from villagebooks.api.services import expires_at as token_expires_at
from villagebooks.claims.access import SUBMIT
from villagebooks.ledger.access import Action
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import (
    Account,
    Attachment,
    Counterparty,
    CounterpartyKind,
    Fund,
    FundKind,
    Ledger,
    Voucher,
    VoucherStatus,
)

MAX_LINES = 500
MONEY_EXAMPLE = "1234.50"


class ProblemOut(Schema):
    field: str = Field(description="出错的字段（空：整个请求）")
    message: str = Field(description="原因（中文）")
    row: int | None = Field(description="第几条分录（从1起），其他为 null")


class ErrorOut(Schema):
    code: Literal["invalid", "unauthenticated", "forbidden", "not_found", "conflict", "method_not_allowed"]
    message: str
    problems: list[ProblemOut]


# The statuses an endpoint may answer with an error (the shape above), for the OpenAPI document.
ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): ErrorOut}


def _user(user) -> str | None:
    return user.username if user is not None else None


# ----------------------------------------------------------------------------- ledgers


class PlaceOut(Schema):
    code: str
    name: str


class LedgerOut(Schema):
    code: str
    name: str
    village: PlaceOut
    chart: str = Field(description="会计制度：2023 或 2004")
    chart_label: str
    start: str = Field(description="启用期间 YYYY-MM")
    status: str
    status_label: str
    carried_year: int = Field(description="当前会计年度（之前年度已年结）")


class PeriodOut(Schema):
    period: str
    status: str
    status_label: str
    closed_at: dt.datetime | None


# The names the API gives what a user may do on a ledger (``actions``), and the declared action
# each stands for: the short names of the first API, which clients already read.
LEDGER_ACTIONS = {
    "view": Action.VIEW,
    "setup": Action.SETUP,
    "prepare": Action.PREPARE,
    "review": Action.REVIEW,
    "post": Action.POST,
    "close": Action.CLOSE,
    "reopen": Action.REOPEN,
    "claim": SUBMIT,
}


class LedgerDetailOut(LedgerOut):
    actions: list[str] = Field(description="您在本账套可做的操作，取自：" + " ".join(LEDGER_ACTIONS))
    periods: list[PeriodOut]


class LedgerPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[LedgerOut]


def ledger_out(ledger: Ledger) -> dict:
    return {
        "code": ledger.code,
        "name": ledger.name,
        "village": {"code": ledger.village.code, "name": ledger.village.name},
        "chart": ledger.chart,
        "chart_label": str(ledger.get_chart_display()),
        "start": period_label(ledger.start_period_key),
        "status": ledger.status,
        "status_label": str(ledger.get_status_display()),
        "carried_year": ledger.carried_year,
    }


class AccountOut(Schema):
    code: str
    name: str
    parent: str | None
    level: int
    category: str
    normal_side: str
    is_leaf: bool
    is_active: bool
    requires_fund: bool
    requires_counterparty: bool


class AccountIn(Schema):
    parent: AccountCode = Field(description="上级科目编码", examples=["513"])
    code: AccountCode = Field(examples=["51301"])
    name: FilledName = Field(examples=["办公费"])


def account_out(account: Account, parent_code: str | None) -> dict:
    return {
        "code": account.code,
        "name": account.name,
        "parent": parent_code,
        "level": account.level,
        "category": account.category,
        "normal_side": account.normal_side,
        "is_leaf": account.is_leaf,
        "is_active": account.is_active,
        "requires_fund": account.requires_fund,
        "requires_counterparty": account.requires_counterparty,
    }


class FundOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    issuer: str
    document_number: str
    amount: str = Field(description="下达金额（元）", examples=[MONEY_EXAMPLE])


def _fund_kinds() -> tuple[str, ...]:
    # Codes and their Chinese names, as the service takes them (ledger.services._fund_kind).
    with translation.override("zh-hans"):
        return (*FundKind.values, *(str(label) for label in FundKind.labels))


class FundIn(Schema):
    name: FilledName
    kind: Literal[_fund_kinds()] = Field(  # type: ignore[valid-type]
        description="资金类别：代码或中文名称", examples=[FundKind.EARMARKED_TRANSFER.value]
    )
    issuer: Name = ""
    document_number: Name = ""
    amount: Money = Field("0", description="下达金额（元），字符串", examples=[MONEY_EXAMPLE])


def fund_out(fund: Fund) -> dict:
    return {
        "id": fund.pk,
        "name": fund.name,
        "kind": fund.kind,
        "kind_label": str(fund.get_kind_display()),
        "issuer": fund.issuer,
        "document_number": fund.document_number,
        "amount": money_text(fund.amount_fen),
    }


class CounterpartyOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    id_number: str = Field(description="证件号码（脱敏）")


class CounterpartyIn(Schema):
    name: FilledName
    kind: Literal[tuple(CounterpartyKind.values)] = CounterpartyKind.ORGANISATION.value  # type: ignore[valid-type]
    id_number: text(32) = ""


def counterparty_out(counterparty: Counterparty) -> dict:
    return {
        "id": counterparty.pk,
        "name": counterparty.name,
        "kind": counterparty.kind,
        "kind_label": str(counterparty.get_kind_display()),
        "id_number": masked_id_number(counterparty.id_number),
    }


# ----------------------------------------------------------------------------- vouchers


class LineIn(Schema):
    summary: Summary = Field(description="摘要", examples=["购买办公用品"])
    account: AccountCode = Field(description="末级科目编码", examples=["51301"])
    debit: Money | None = Field("", description="借方金额（元），字符串", examples=[MONEY_EXAMPLE])
    credit: Money | None = Field("", description="贷方金额（元），字符串", examples=[""])
    fund: Name | None = Field("", description="资金来源名称")
    counterparty: Name | None = Field("", description="往来单位名称")
    project: ProjectCode | None = Field("", description="项目编号（项目库中的项目）")


class VoucherIn(Schema):
    date: dt.date = Field(examples=["2025-03-20"])
    note: Note = ""
    # Two at least: a voucher has a debit and a credit (ledger.domain.vouchers.TOO_FEW_LINES).
    lines: list[LineIn] = Field(min_length=2, max_length=MAX_LINES)


class VoucherCreateIn(VoucherIn):
    submit: bool = Field(False, description="创建后直接提交审核")


class ReasonIn(Schema):
    reason: Reason = Field(examples=["附件不全"])


class ReverseIn(Schema):
    reason: Reason = Field(examples=["金额录错"])
    date: dt.date = Field(description="冲销凭证的日期", examples=["2025-04-02"])


class LineOut(Schema):
    line_no: int
    summary: str
    account: str
    account_name: str
    debit: str
    credit: str
    fund: str | None
    counterparty: str | None
    project: str | None


class WarningOut(Schema):
    rule: str = Field(description="预算控制规则")
    message: str
    created_at: dt.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: dt.datetime
    url: str = Field(description="下载地址")


class VoucherOut(Schema):
    id: int
    label: str = Field(description="记-N（已记账）或 草稿#id")
    number: int | None
    date: dt.date
    period: str
    status: VoucherStatus
    status_label: str
    kind: str
    kind_label: str
    note: str
    amount: str = Field(description="借方合计（元）", examples=[MONEY_EXAMPLE])
    attachment_count: int
    prepared_by: str
    reviewed_by: str | None
    posted_by: str | None
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    posted_at: dt.datetime | None


class VoucherDetailOut(VoucherOut):
    reverses: int | None = Field(description="本凭证冲销的凭证 id")
    reversed_by: int | None = Field(description="冲销本凭证的凭证 id")
    lines: list[LineOut]
    attachments: list[AttachmentOut]
    warnings: list[WarningOut] = Field(description="预算控制的预警（按“预警”方式放行时记录）")


class VoucherPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VoucherOut]


def voucher_out(voucher: Voucher) -> dict:
    return {
        "id": voucher.pk,
        "label": str(voucher),
        "number": voucher.number,
        "date": voucher.date,
        "period": str(voucher.period),
        "status": voucher.status,
        "status_label": str(voucher.get_status_display()),
        "kind": voucher.kind,
        "kind_label": str(voucher.get_kind_display()),
        "note": voucher.note,
        "amount": money_text(voucher.amount_fen),
        "attachment_count": voucher.attachment_count,
        "prepared_by": voucher.prepared_by.username,
        "reviewed_by": _user(voucher.shown_reviewer),  # nobody for a closing voucher
        "posted_by": _user(voucher.posted_by),
        "submitted_at": voucher.submitted_at,
        "reviewed_at": voucher.reviewed_at,
        "posted_at": voucher.posted_at,
    }


def attachment_out(attachment: Attachment, url: str) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_by": attachment.uploaded_by.username,
        "created_at": attachment.created_at,
        "url": url,
    }


def voucher_detail_out(voucher: Voucher, lines, attachments: list[dict]) -> dict:
    reversed_by = getattr(voucher, "reversed_by", None)
    return {
        **voucher_out(voucher),
        "reverses": voucher.reverses_id,
        "reversed_by": reversed_by.pk if reversed_by is not None else None,
        "lines": [
            {
                "line_no": line.line_no,
                "summary": line.summary,
                "account": line.account.code,
                "account_name": line.account.name,
                "debit": money_text(line.debit_fen),
                "credit": money_text(line.credit_fen),
                "fund": line.fund.name if line.fund_id else None,
                "counterparty": line.counterparty.name if line.counterparty_id else None,
                "project": line.project.code if line.project_id else None,
            }
            for line in lines
        ],
        "attachments": attachments,
        "warnings": [
            {"rule": warning.rule, "message": warning.message, "created_at": warning.created_at}
            for warning in voucher.fund_warnings.all()
        ],
    }


# ----------------------------------------------------------------------------- reports


class ReportPeriodOut(Schema):
    from_: str = Field(alias="from", description="YYYY-MM")
    to: str
    text: str


class ReportAccountOut(Schema):
    code: str
    name: str


class ReportOut(Schema):
    report: str = Field(description="报表代码")
    title: str
    scope: str = Field(description="账套名称，或区域及汇总的账套数")
    chart: str
    period: ReportPeriodOut
    account: ReportAccountOut | None = Field(description="明细账的科目（其他报表为 null）")
    columns: list[str]
    headers: list[str]
    rows: list[dict[str, str | int | None]] = Field(
        description="每行一个对象，键为 columns；金额为两位小数的字符串（元）"
    )
    total: dict[str, str | int | None]
    warning: str | None


# ----------------------------------------------------------------------------- regions


class RegionOut(Schema):
    code: str
    name: str
    kind: str
    ledgers: int = Field(description="其下您可以查看、汇总报表计入的账套数（新旧衔接的村只计现用账套）")
    villages: int = Field(description="其下有您可以查看的账套的村数（每村计一次）")
    children: list["RegionOut"]


RegionOut.model_rebuild()


# ----------------------------------------------------------------------------- me, tokens


class RoleOut(Schema):
    role: str
    role_label: str
    region: PlaceOut
    ledger: str | None = Field(description="限于单个账套时的账套编号")


class MeOut(Schema):
    username: str
    name: str
    auth: Literal["token", "session"]
    csrf_token: str | None = Field(description="会话调用修改数据的接口时放在 X-CSRFToken 请求头")
    roles: list[RoleOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="令牌本身：只显示这一次，请妥善保存")


class TokenIn(Schema):
    name: FilledName = Field(examples=["财务软件对接"])
    days: int = Field(
        MAX_TOKEN_DAYS, ge=1, le=MAX_TOKEN_DAYS, description=f"有效天数，1到{MAX_TOKEN_DAYS}（最长一年）"
    )


def token_out(token) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token_expires_at(token),
        "revoked_at": token.revoked_at,
    }


class RenumberIn(Schema):
    reason: Note = Field("", description="说明（可选）", examples=["月结前整理"])


class RenumberedOut(Schema):
    voucher_id: int
    old_number: int = Field(description="原记字号")
    new_number: int = Field(description="整理后的记字号")


class RenumberOut(Schema):
    period: str = Field(examples=["2025-03"])
    renumbered: list[RenumberedOut] = Field(description="改了号的凭证；空表示凭证号已按日期排列")
    chain_sequence: int | None = Field(None, description="整理凭证号在账套哈希链中的条目号")
