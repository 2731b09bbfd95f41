"""Members' representatives and meetings (成员代表 · 成员大会 · 成员代表大会), and the imports of
every affairs register (members, shares, decisions, representatives, meetings, contracts, assets,
resources): the same files as the commands and the pages, all or nothing, every bad row named.

A village outside your scope answers 404, as one that does not exist; recording without the
right to keep the village's registers, 403. No ID number is answered.
"""

from __future__ import annotations

from datetime import date as Date

from django.http import Http404
from ninja import File, Query, Router, Schema, Status, UploadedFile

from villagebooks.affairs import assets, contracts, decisions, members, resources, shares
from villagebooks.affairs import representatives as R
from villagebooks.affairs.selectors_members import village_or_404
from villagebooks.api import schemas as S
from villagebooks.api.errors import NO_FILE, NotFound
from villagebooks.api.fields import Code, text
from villagebooks.common.errors import DomainError
from villagebooks.common.uploads import saved_upload

router = Router(tags=["成员代表与成员大会、村务台账导入"])
UNKNOWN_VILLAGE = "村 {code} 不存在或您无权查看"
FILE_TOO_LARGE = "文件过大：最大 {size} MB"
IMPORT_MAX_BYTES = 20 * 1024 * 1024


def _village(user, code: str):
    try:
        return village_or_404(user, code)
    except Http404:
        raise NotFound(UNKNOWN_VILLAGE.format(code=code)) from None


class RepresentativeOut(Schema):
    id: int
    name: str
    household: str
    since: Date
    until: Date | None
    households: str


class RepresentativeIn(Schema):
    id_number: text(18, filled=True)
    name: text(50, filled=True)
    since: Date
    until: Date | None = None
    households: text(300) = ""


class MeetingOut(Schema):
    id: int
    body: str
    body_label: str
    held_on: Date
    subject: str
    eligible: int
    present: int
    place: str
    note: str
    quorum: bool


class MeetingIn(Schema):
    body: text(20, filled=True)
    held_on: Date
    subject: text(200, filled=True)
    eligible: int
    present: int
    place: text(100) = ""
    note: text(300) = ""


class OnFilter(Schema):
    on: Date | None = None


def _texts(payload: Schema) -> dict[str, str]:
    return {
        key: value.isoformat() if isinstance(value, Date) else "" if value is None else str(value)
        for key, value in payload.dict().items()
    }


@router.get(
    "/affairs/villages/{code}/representatives",
    response={200: list[RepresentativeOut], **S.ERRORS},
    summary="成员代表（某日在任）",
)
def representatives_list(request, code: Code, filters: Query[OnFilter]):
    from django.utils import timezone

    village = _village(request.auth, code)
    return R.representatives_on(village, filters.on or timezone.localdate())


@router.post(
    "/affairs/villages/{code}/representatives",
    response={201: RepresentativeOut, **S.ERRORS},
    summary="登记成员代表",
)
def representative_new(request, code: Code, payload: RepresentativeIn):
    village = _village(request.auth, code)
    row = R.representative_create(actor=request.auth, village=village, values=_texts(payload))
    return Status(201, next(r for r in R.representatives_on(village, row.since) if r["id"] == row.pk))


@router.get(
    "/affairs/villages/{code}/meetings",
    response={200: list[MeetingOut], **S.ERRORS},
    summary="成员（代表）大会",
)
def meetings_list(request, code: Code):
    return R.meetings_of(_village(request.auth, code))


@router.post(
    "/affairs/villages/{code}/meetings",
    response={201: MeetingOut, **S.ERRORS},
    summary="记录成员（代表）大会",
)
def meeting_new(request, code: Code, payload: MeetingIn):
    village = _village(request.auth, code)
    row = R.meeting_create(actor=request.auth, village=village, values=_texts(payload))
    return Status(201, next(m for m in R.meetings_of(village) if m["id"] == row.pk))


class ImportOut(Schema):
    created: int
    changed: int
    unchanged: int


# kind → (service, what its columns are)
IMPORTS = {
    "members": (members.members_import, "import-members 的列"),
    "shares": (shares.shares_import, "import-shares 的列"),
    "decisions": (decisions.decisions_import, "import-decisions 的列"),
    "representatives": (R.representatives_import, "成员代表：" + ", ".join(R.REPRESENTATIVE_COLUMNS)),
    "meetings": (R.meetings_import, "成员（代表）大会：" + ", ".join(R.MEETING_COLUMNS)),
    "contracts": (contracts.contracts_import, "import-contracts 的列"),
    "assets": (assets.assets_import, "import-assets 的列"),
    "resources": (resources.resources_import, "import-resources 的列"),
}


def _imported(result) -> dict:
    if isinstance(result, int):  # contracts, assets, resources: the number recorded
        return {"created": result, "changed": 0, "unchanged": 0}
    return {"created": result.created, "changed": result.changed, "unchanged": result.unchanged}


def _import_endpoint(kind: str, service, columns: str):
    def endpoint(request, file: File[UploadedFile] = None):
        if file is None:
            raise DomainError(NO_FILE, field="file")
        if file.size and file.size > IMPORT_MAX_BYTES:
            raise DomainError(FILE_TOO_LARGE.format(size=IMPORT_MAX_BYTES // (1024 * 1024)), field="file")
        with saved_upload(file, kind) as path:
            return Status(201, _imported(service(actor=request.auth, path=path)))

    endpoint.__name__ = f"{kind}_import"
    endpoint.__doc__ = (
        f"CSV 或 XLSX（{columns}；中文列名亦可），全部无误才导入，每个错误行都指明行号和列；"
        "只能导入您有权维护的村或账套的数据。"
    )
    router.post(f"/affairs/imports/{kind}", response={201: ImportOut, **S.ERRORS}, summary=f"导入（{kind}）")(
        endpoint
    )


for _kind, (_service, _columns) in IMPORTS.items():
    _import_endpoint(_kind, _service, _columns)
