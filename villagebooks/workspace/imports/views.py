"""The import pages of one ledger: vouchers (凭证导入) and opening balances (期初余额导入).

A user downloads the template (XLSX: Chinese headers and an example), uploads a file, and sees
what would be imported: the vouchers grouped, the totals, the funds and counterparties it would
create; or every problem at its row and column. Nothing is written until they confirm. The file
is kept on the server under its SHA-256 between the two steps (``IMPORT_UPLOADS_DIR``, per user),
and the confirm imports it only if it still writes exactly the plan previewed
(``ledger.importing.preview``): the page and ``import-vouchers --dry-run`` share one path.

Who may: vouchers, whoever may prepare vouchers of the ledger (and post, to post them on import;
and set the ledger up, to create missing names); opening balances, whoever may set it up.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villagebooks.common.errors import FieldProblem
from villagebooks.common.spreadsheet import xlsx_workbook
from villagebooks.ledger import importing
from villagebooks.ledger.access import Action, require
from villagebooks.ledger.models import Account, Ledger, Side
from villagebooks.ledger.selectors import ledger_get
from villagebooks.workspace.pages import PageNotFound, workspace_page
from villagebooks.workspace.vouchers.selectors import Permissions

UNKNOWN_LEDGER = gettext_lazy("账套 %(code)s 不存在或您无权查看")
NO_FILE = gettext_lazy("请选择要上传的文件")
TOO_BIG = gettext_lazy("文件太大（最大 %(limit)s MB）")
WRONG_TYPE = gettext_lazy("只能上传 CSV 或 XLSX 文件")
GONE = gettext_lazy("预览的文件已不在服务器上（可能已导入），请重新上传")
SUFFIXES = (".csv", ".xlsx")
_SHA256 = re.compile(r"[0-9a-f]{64}")
PREVIEW_VOUCHERS = 200  # vouchers shown in full on the preview; the totals count them all
PROBLEMS_SHOWN = 500  # problems listed on the page; the count says how many there are
KEPT_SECONDS = 24 * 3600  # a previewed file not confirmed within a day is removed at the next upload

# The template's columns, as the import reads them (Chinese headers).
_VOUCHER_HEADERS = ("账套", "凭证号", "日期", "摘要", "科目", "借方", "贷方", "资金来源", "往来单位", "项目")
_OPENING_HEADERS = ("科目", "借方", "贷方", "资金来源", "往来单位")


@dataclass(frozen=True)
class _Kind:
    key: str
    title: str
    action: str


KINDS = {
    "vouchers": _Kind("vouchers", gettext_lazy("凭证导入"), Action.PREPARE),
    "opening": _Kind("opening", gettext_lazy("期初余额导入"), Action.SETUP),
}

_pages = workspace_page("workspace/vouchers/forbidden.html")


def _ledger_and_kind(request: HttpRequest, code: str, kind: str) -> tuple[Ledger, _Kind]:
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None or kind not in KINDS:
        raise PageNotFound(str(UNKNOWN_LEDGER) % {"code": code})
    require(request.user, ledger, KINDS[kind].action)
    return ledger, KINDS[kind]


def _user_dir(request: HttpRequest) -> Path:
    return Path(settings.IMPORT_UPLOADS_DIR) / str(request.user.pk)


def _stored(request: HttpRequest, sha256: str) -> Path | None:
    """The file this user uploaded with that digest, if it is still kept."""
    if not _SHA256.fullmatch(sha256):
        return None
    folder = _user_dir(request) / sha256
    files = [p for p in folder.glob("*") if p.suffix.lower() in SUFFIXES] if folder.is_dir() else []
    return files[0] if len(files) == 1 else None


def _keep(request: HttpRequest, upload) -> Path:
    """Keep the upload under this user's folder, named by its SHA-256 (folder) and its own name."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    _remove_stale(_user_dir(request))
    folder = _user_dir(request) / sha256
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in folder.glob("*"):
        old.unlink()
    name = get_valid_filename(Path(upload.name).name) or f"upload{Path(upload.name).suffix.lower()}"
    path = folder / name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    path.chmod(0o600)
    return path


def _remove_stale(user_dir: Path) -> None:
    """Forget this user's previews older than ``KEPT_SECONDS`` (never confirmed)."""
    if not user_dir.is_dir():
        return
    limit = time.time() - KEPT_SECONDS
    for folder in user_dir.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


def _options(request: HttpRequest, kind: _Kind) -> dict:
    create_missing = request.POST.get("create_missing") == "1"
    if kind.key == "opening":
        return {"create_missing": create_missing}
    return {"post": request.POST.get("post") == "1", "create_missing": create_missing}


def _problem_rows(problems: list[FieldProblem]) -> list[dict]:
    """The problems as the page lists them (the first ``PROBLEMS_SHOWN``, then a count)."""
    rows = [
        {
            "row": problem.row,
            "column": str(importing.FIELD_LABELS.get(problem.field, problem.field or "")),
            "field": problem.field,
            "message": problem.message,
        }
        for problem in problems[:PROBLEMS_SHOWN]
    ]
    if len(problems) > PROBLEMS_SHOWN:
        rows.append(
            {
                "row": None,
                "column": "",
                "field": "",
                "message": str(importing.MORE_PROBLEMS).format(count=len(problems) - PROBLEMS_SHOWN),
            }
        )
    return rows


def _render(request, ledger, kind, *, status=200, **extra) -> HttpResponse:
    context = {
        "ledger": ledger,
        "kind": kind,
        "perms": Permissions.of(request.user, ledger),
        "tab": "import" if kind.key == "vouchers" else "opening-import",
        "limit_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    } | extra
    return render(request, "workspace/imports/page.html", context, status=status)


def _plan(request: HttpRequest, ledger: Ledger, kind: _Kind, path: Path, options: dict, digest: str = ""):
    """The dry run, or with ``digest`` the confirmed import (``ledger.importing.preview``)."""
    if kind.key == "opening":
        if digest:
            return importing.opening_import_planned(
                actor=request.user, ledger_code=ledger.code, path=path, digest=digest, **options
            )
        return importing.opening_import_plan(
            actor=request.user, ledger_code=ledger.code, path=path, **options
        )
    if digest:
        return importing.vouchers_import_planned(
            actor=request.user, path=path, digest=digest, only_ledger=ledger.code, **options
        )
    return importing.vouchers_import_plan(actor=request.user, path=path, only_ledger=ledger.code, **options)


@_pages
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """GET: the template and the upload form. POST: the file kept and previewed (nothing written)."""
    ledger, kind_ = _ledger_and_kind(request, code, kind)
    if request.method == "GET":
        return _render(request, ledger, kind_)
    options = _options(request, kind_)
    upload_ = request.FILES.get("file")
    error = ""
    if upload_ is None:
        error = str(NO_FILE)
    elif Path(upload_.name).suffix.lower() not in SUFFIXES:
        error = str(WRONG_TYPE)
    elif upload_.size > settings.ATTACHMENT_MAX_BYTES:
        error = str(TOO_BIG) % {"limit": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
    if error:
        return _render(request, ledger, kind_, status=400, upload_error=error, options=options)
    path = _keep(request, upload_)
    try:
        plan = _plan(request, ledger, kind_, path, options)
    except importing.ImportFailed as failed:
        shutil.rmtree(path.parent, ignore_errors=True)  # nothing to confirm
        return _render(
            request,
            ledger,
            kind_,
            status=400,
            problems=_problem_rows(failed.problems),
            problem_count=len(failed.problems),
            file_name=path.name,
            options=options,
        )
    return _render(
        request,
        ledger,
        kind_,
        plan=plan,
        shown_vouchers=plan.vouchers[:PREVIEW_VOUCHERS],
        options=options,
        file_name=path.name,
    )


@_pages
@require_POST
def confirm(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """Import the file previewed, only if it still writes the plan previewed."""
    ledger, kind_ = _ledger_and_kind(request, code, kind)
    options = _options(request, kind_)
    sha256 = request.POST.get("sha256", "")
    path = _stored(request, sha256)
    if path is None:
        return _render(request, ledger, kind_, status=400, upload_error=str(GONE), options=options)
    if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        shutil.rmtree(path.parent, ignore_errors=True)
        return _render(
            request, ledger, kind_, status=400, upload_error=str(importing.FILE_CHANGED), options=options
        )
    try:
        plan = _plan(request, ledger, kind_, path, options, digest=request.POST.get("digest", "") or "-")
    except importing.ImportFailed as failed:
        return _render(
            request,
            ledger,
            kind_,
            status=409,
            problems=_problem_rows(failed.problems),
            problem_count=len(failed.problems),
            file_name=path.name,
            options=options,
        )
    shutil.rmtree(path.parent, ignore_errors=True)
    if kind_.key == "opening":
        messages.success(request, _("期初余额已导入：%(rows)d 行，账套已启用") % {"rows": len(plan.openings)})
        return redirect("setup:opening", ledger.code)
    messages.success(
        request,
        _("已导入凭证 %(vouchers)d 张，分录 %(lines)d 条")
        % {"vouchers": len(plan.vouchers), "lines": len(plan.lines)},
    )
    return redirect(reverse("vouchers:list", args=[ledger.code]))


def _example_accounts(ledger: Ledger) -> tuple[Account | None, Account | None, Account | None]:
    """Leaf accounts for the example rows: cash (101…), bank (102…), and a credit-side account
    without dimensions (for the opening example), as the ledger has them."""
    leaves = list(
        Account.objects.filter(
            ledger=ledger, is_leaf=True, is_active=True, requires_fund=False, requires_counterparty=False
        ).order_by("code")
    )
    cash = next((a for a in leaves if a.code.startswith("101")), None)
    bank = next((a for a in leaves if a.code.startswith("102")), None)
    credit = next((a for a in leaves if a.normal_side == Side.CREDIT and a.code[:1] == "3"), None)
    credit = credit or next((a for a in leaves if a.normal_side == Side.CREDIT), None)
    return cash, bank, credit


@_pages
@require_GET
def template(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """The XLSX template: the import's Chinese headers and an example that imports as it is."""
    ledger, kind_ = _ledger_and_kind(request, code, kind)
    cash, bank, credit = _example_accounts(ledger)
    book = xlsx_workbook()
    sheet = book.create_sheet(str(kind_.title))
    text = sheet.text_cell
    if kind_.key == "vouchers":
        sheet.append_row([text(h) for h in _VOUCHER_HEADERS])
        day = timezone.localdate().isoformat()
        summary = _("从银行提取备用金")
        for account, debit, credit_ in ((cash, "500.00", ""), (bank, "", "500.00")):
            sheet.append_row(
                [
                    text(ledger.code),
                    text("示例-001"),
                    text(day),
                    text(summary),
                    text(account.code if account else ""),
                    text(debit),
                    text(credit_),
                    text(""),
                    text(""),
                    text(""),
                ]
            )
    else:
        sheet.append_row([text(h) for h in _OPENING_HEADERS])
        for account, debit, credit_ in ((cash, "1000.00", ""), (credit, "", "1000.00")):
            sheet.append_row(
                [text(account.code if account else ""), text(debit), text(credit_), text(""), text("")]
            )
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"{ledger.code}-{'vouchers' if kind_.key == 'vouchers' else 'opening'}-template.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
