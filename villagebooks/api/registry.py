"""The registry: households and persons (identifiers masked unless asked for and allowed, each
unmasked answer recorded), and the subsidy reconciliation; the imports (households, programmes,
subsidy lists, bank returns) and the resolution of a failed payment, through the same services
and rules of scope as the commands: a ledger outside your scope is a 404, an act your role does
not hold a 403, a bad row a 400 naming row, column and reason, and nothing written."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from datetime import date as Date
from pathlib import Path as FilePath

from django.conf import settings
from django.http import Http404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from villagebooks.api import schemas as S
from villagebooks.api.errors import NO_FILE, NotFound
from villagebooks.api.fields import Code, Period, text
from villagebooks.common.errors import DomainError
from villagebooks.common.money import fen_to_text
from villagebooks.ledger.access import Action
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.models import Ledger, VoucherStatus
from villagebooks.ledger.selectors import ledger_get
from villagebooks.registry import households as households_service
from villagebooks.registry import subsidies
from villagebooks.registry.domain.identity import mask
from villagebooks.registry.selectors import household_or_404, households_in_scope, persons_shown

router = Router(tags=["农户信息"])
PAGE = 200


class PersonOut(Schema):
    id: int
    name: str
    relation: str
    sex: str
    birth_date: str
    alive: bool
    death_date: str | None
    id_number: str = Field(description="未授权或未请求时为掩码（如 5107********1234）")
    bank_card: str
    bank: str
    phone: str
    member: bool
    cadre_role: str
    cadre_of: int | None
    unmasked: bool


class HouseholdOut(Schema):
    id: int
    number: str
    village: str
    address: str
    status: str
    monitor_kind: str
    status_since: str | None


class HouseholdDetailOut(HouseholdOut):
    persons: list[PersonOut]


class HouseholdFilter(Schema):
    village: text(12) = Field("", description="村的区划代码")
    offset: int = Field(0, ge=0, le=10_000_000)


class RevealFilter(Schema):
    reveal: bool = Field(False, description="显示完整证件号码、卡号和电话（需有权限；每次查看均记录）")


class ReconciliationFilter(Schema):
    ledger: text(32) = Field("", description="账套编号（与 region 二选一）")
    region: text(12) = Field("", description="区划代码：其下所有账套")
    from_period: Period = Field(..., alias="from", description="起始期间 YYYY-MM", examples=["2025-01"])
    to_period: Period = Field(..., alias="to", description="截止期间 YYYY-MM", examples=["2025-12"])


class ReconciliationRowOut(Schema):
    batch: str
    id_number: str
    name: str
    listed: str
    paid: str
    booked: str
    state: str
    reason: str
    resolution: str


def _household(household) -> dict:
    return {
        "id": household.pk,
        "number": household.number,
        "village": household.village.code,
        "address": household.address,
        "status": household.status,
        "monitor_kind": household.monitor_kind,
        "status_since": household.status_since.isoformat() if household.status_since else None,
    }


@router.get("/registry/households", response={200: list[HouseholdOut], **S.ERRORS}, summary="农户列表")
def households(request, filters: Query[HouseholdFilter]):
    """Households you may see, 200 at a time (``offset``), of one village if ``village`` is given."""
    rows = households_in_scope(request.auth).order_by("village__code", "number")
    if filters.village.strip():
        rows = rows.filter(village__code=filters.village.strip())
    return [_household(h) for h in rows[filters.offset : filters.offset + PAGE]]


@router.get(
    "/registry/households/{household_id}", response={200: HouseholdDetailOut, **S.ERRORS}, summary="农户"
)
def household(request, household_id: int, filters: Query[RevealFilter]):
    """A household and its persons; a household outside your scope is a 404."""
    found = household_or_404(request.auth, household_id)
    persons = found.persons.select_related("village", "household").order_by("id")
    return _household(found) | {
        "persons": persons_shown(request.auth, persons, reveal=filters.reveal, via="api")
    }


@router.get(
    "/registry/reconciliation",
    response={200: list[ReconciliationRowOut], **S.ERRORS},
    summary="补贴发放三方核对",
)
def reconciliation(request, filters: Query[ReconciliationFilter]):
    """Each person of each list paid in the months: listed, paid by the bank, booked, and the state
    (matched, unpaid, wrong_amount, unlisted, duplicate). ID numbers masked unless you may see them."""
    if not (filters.ledger.strip() or filters.region.strip()):
        raise Http404
    rows = subsidies.reconciliation_report(
        user=request.auth,
        from_key=parse_period(filters.from_period, field="from"),
        to_key=parse_period(filters.to_period, field="to"),
        ledger_code=filters.ledger.strip(),
        region_code=filters.region.strip(),
        via="api",
    )
    keys = subsidies.RECONCILIATION_COLUMNS
    return [
        dict(zip(keys, [*row[:3], *(fen_to_text(v) for v in row[3:6]), *row[6:]], strict=True))
        for row in rows
    ]


class ReceivedFilter(Schema):
    region: text(12, min_length=1) = Field(..., description="村、乡镇或县的区划代码")
    from_period: Period = Field(..., alias="from", description="起始期间 YYYY-MM", examples=["2025-01"])
    to_period: Period = Field(..., alias="to", description="截止期间 YYYY-MM", examples=["2025-12"])


class ReceivedRowOut(Schema):
    village: str
    household: str
    name: str
    id_number: str = Field(description="总是掩码")
    status: str
    cadre: bool
    programme: str
    batch: str
    date: str
    amount: str
    state: str


class ReceivedTotalOut(Schema):
    key: str
    persons: int
    amount: str


class ReceivedOut(Schema):
    region: str
    rows: list[ReceivedRowOut]
    by_programme: list[ReceivedTotalOut]
    by_status: list[ReceivedTotalOut]
    total: str
    cadres: str
    cadres_share: float | None = Field(description="村干部及其近亲属户所得占比（%）")
    population_share: float | None = Field(description="这些户的人口占比（%）")


@router.get("/registry/received", response={200: ReceivedOut, **S.ERRORS}, summary="农户补贴领取情况")
def received(request, filters: Query[ReceivedFilter]):
    """Who of the villages under ``region`` received what in the months, totals by programme and
    household status, and the share of cadres' households against their share of the persons."""
    from villagebooks.registry.received import received as received_report

    report = received_report(
        user=request.auth,
        region_code=filters.region.strip(),
        from_key=parse_period(filters.from_period, field="from"),
        to_key=parse_period(filters.to_period, field="to"),
    )

    def total(t):
        return {"key": t.key, "persons": t.persons, "amount": fen_to_text(t.amount_fen)}

    return {
        "region": report.region.code,
        "rows": [
            {
                **r,
                "date": r["date"].isoformat(),
                "amount": fen_to_text(r["amount_fen"]),
                "state": str(r["state"]),
            }
            for r in report.rows
        ],
        "by_programme": [total(t) for t in report.by_programme],
        "by_status": [total(t) for t in report.by_status],
        "total": fen_to_text(report.total_fen),
        "cadres": fen_to_text(report.cadres_fen),
        "cadres_share": report.cadres_share,
        "population_share": report.population_share,
    }


# ---------------------------------------------------------------------------------------------
# Writes

FILE_TOO_LARGE = "文件过大：最大 {size} MB"
UNKNOWN_LEDGER = "账套 {code} 不存在或您无权查看"


@contextmanager
def _saved(file: UploadedFile, stem: str):
    """The upload as a file on disk (the services read paths), refused beyond the size limit."""
    if file is None:
        raise DomainError(NO_FILE, field="file")
    limit = settings.ATTACHMENT_MAX_BYTES
    if file.size and file.size > limit:
        raise DomainError(FILE_TOO_LARGE.format(size=limit // (1024 * 1024)), field="file")
    suffix = FilePath(file.name or "").suffix.lower()[:8]
    with tempfile.TemporaryDirectory(prefix="villagebooks-registry-") as folder:
        path = FilePath(folder) / f"{stem}{suffix}"
        with path.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        yield path


def _ledger(user, code: str) -> Ledger:
    ledger = ledger_get(user=user, code=code, action=Action.VIEW)
    if ledger is None:
        raise NotFound(UNKNOWN_LEDGER.format(code=code))
    return ledger


class HouseholdsImportOut(Schema):
    households_created: int
    persons_created: int
    persons_changed: int
    status_changes: int
    warnings: list[str]


@router.post(
    "/registry/household-imports",
    response={201: HouseholdsImportOut, **S.ERRORS},
    summary="导入农户信息（import-households 的列，CSV 或 XLSX）",
)
def households_import(request, file: File[UploadedFile] = None):
    """All or nothing; every bad row named. A village reporter imports persons of their own village only."""
    with _saved(file, "households") as path:
        result = households_service.households_import(actor=request.auth, path=path)
    return Status(
        201,
        {
            "households_created": result.households_created,
            "persons_created": result.persons_created,
            "persons_changed": result.persons_changed,
            "status_changes": result.status_changes,
            "warnings": [str(w) for w in result.warnings],
        },
    )


class ProgrammesImportOut(Schema):
    created: int
    changed: int


@router.post(
    "/registry/programme-imports",
    response={201: ProgrammesImportOut, **S.ERRORS},
    summary="导入补贴项目（import-programmes 的列）",
)
def programmes_import(request, file: File[UploadedFile] = None):
    with _saved(file, "programmes") as path:
        result = subsidies.programmes_import(actor=request.auth, path=path)
    return Status(201, {"created": result.created, "changed": result.changed})


class SubsidyListIn(Schema):
    programme: text(32, min_length=1) = Field(..., description="补贴项目编码")
    batch: text(32, min_length=1) = Field(..., description="批次编号")
    date: Date = Field(..., description="发放日期 YYYY-MM-DD")
    fund: text(100) = Field("", description="资金名称（默认：账套中该项目资金类别的唯一资金）")
    project: text(32) = Field("", description="项目编号：发放凭证各行记入该项目")
    pay: bool = Field(False, description="核对无误后生成发放凭证（无 reviewer 时提交审核）")
    reviewer: text(150) = Field("", description="审核人用户名：另一位有审核权限的用户，凭证经其审核后记账")
    override: text(200) = Field("", description="放行名册问题的理由（需有放行权限）")


class ProblemOut(Schema):
    row: int
    id_number: str
    kind: str
    message: str


class SubsidyListOut(Schema):
    batch: str
    lines: int
    total: str
    overridden: list[ProblemOut]
    voucher_id: int | None
    voucher_status: str | None


@router.post(
    "/ledgers/{code}/subsidy-lists",
    response={201: SubsidyListOut, **S.ERRORS},
    summary="导入补贴名册并核对；pay 生成发放凭证",
)
def subsidy_list_import(request, code: Code, payload: Form[SubsidyListIn], file: File[UploadedFile] = None):
    """The list's columns: id_number,name,quantity,standard,amount,bank_card. The registry's
    problems refuse it (422, each named) unless ``override`` is given by a role that may."""
    ledger = _ledger(request.auth, code)
    pay_date = payload.date
    with _saved(file, "list") as path:
        result = subsidies.subsidy_list_import(
            actor=request.auth,
            path=path,
            ledger=ledger,
            programme_code=payload.programme,
            batch_code=payload.batch,
            pay_date=pay_date,
            fund_name=payload.fund or None,
            pay=payload.pay,
            override_reason=payload.override,
            project_code=payload.project,
            reviewer_username=payload.reviewer,
        )
    voucher = result.voucher
    return Status(
        201,
        {
            "batch": result.batch.code,
            "lines": result.lines,
            "total": fen_to_text(result.total_fen),
            "overridden": [
                {"row": p.row, "id_number": mask(p.id_number), "kind": p.kind, "message": p.message}
                for p in result.overridden
            ],
            "voucher_id": voucher.pk if voucher else None,
            "voucher_status": VoucherStatus(voucher.status).value if voucher else None,
        },
    )


class BankReturnOut(Schema):
    lines: int
    succeeded: int
    failed: int


@router.post(
    "/ledgers/{code}/subsidy-lists/{batch}/bank-return",
    response={201: BankReturnOut, **S.ERRORS},
    summary="导入银行回盘文件",
)
def bank_return_import(request, code: Code, batch: Code, file: File[UploadedFile] = None):
    """Columns id_number,name,bank_card,amount,status,reason (status 成功/失败)."""
    ledger = _ledger(request.auth, code)
    with _saved(file, "return") as path:
        result = subsidies.bank_return_import(actor=request.auth, path=path, ledger=ledger, batch_code=batch)
    return Status(201, {"lines": result.lines, "succeeded": result.succeeded, "failed": result.failed})


class ResolveIn(Schema):
    id_number: text(18, min_length=1) = Field(..., description="失败发放人员的身份证号")
    action: text(8, min_length=1) = Field(..., description="repay（重新发放）或 return（退回资金）")
    note: text(200) = Field("", description="处理说明")


class ResolveOut(Schema):
    batch: str
    id_number: str
    resolution: str
    note: str


@router.post(
    "/ledgers/{code}/subsidy-lists/{batch}/failed-payments",
    response={200: ResolveOut, **S.ERRORS},
    summary="处理失败的发放（重新发放或退回资金）",
)
def failed_payment_resolve(request, code: Code, batch: Code, payload: ResolveIn):
    ledger = _ledger(request.auth, code)
    line = subsidies.failed_payment_resolve(
        actor=request.auth,
        ledger=ledger,
        batch_code=batch,
        id_number=payload.id_number,
        action=payload.action,
        note=payload.note,
    )
    return {
        "batch": batch,
        "id_number": mask(line.id_number),
        "resolution": line.resolution,
        "note": line.resolution_note,
    }
