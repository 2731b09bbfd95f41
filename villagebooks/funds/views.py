"""The funds pages: allocations (the user's shares only), a ledger's project library and
allocation shares, a project with its budget used and remaining, its recorded steps and the
button for the next step (for those who hold it).

Views are thin: parse, call one selector or the one service, render. A ledger, allocation or
project outside the user's scope gets the same 404 as one that does not exist; a user who may
see a project but not take its next step gets 403 with the reason.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.funds import charts, passport, selectors, services
from villagebooks.funds.models import ProjectDocument, ProjectKind, ProjectState
from villagebooks.ledger.domain.periods import parse_period, period_label
from villagebooks.ledger.models import CounterpartyKind, Fund, Project
from villagebooks.ledger.selectors import ledger_get

UNKNOWN_LEDGER = gettext_lazy("账套 {code} 不存在或您无权查看")
UNKNOWN_ALLOCATION = gettext_lazy("资金下达 {code} 不存在或您无权查看")
UNKNOWN_PROJECT = gettext_lazy("项目 {code} 不存在或您无权查看")
ADVANCED = gettext_lazy("项目已进入“{state}”。")
UNKNOWN_DOCUMENT = gettext_lazy("附件不存在或您无权查看")


def _message(request: HttpRequest, message: str, *, status: int, title: str) -> HttpResponse:
    return render(request, "funds/message.html", {"title": title, "message": message}, status=status)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return _message(request, message, status=404, title=_("未找到"))


@login_required
@require_GET
def allocation_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "funds/allocations.html", {"allocations": selectors.allocations_visible(request.user)}
    )


@login_required
@require_GET
def allocation_detail(request: HttpRequest, code: str) -> HttpResponse:
    allocation = selectors.allocation_get(request.user, code)
    if allocation is None:
        return _not_found(request, str(UNKNOWN_ALLOCATION).format(code=code))
    total = sum(share.amount_fen for share in allocation.visible_shares)
    kinds = [str(ProjectKind(kind).label) for kind in allocation.forbidden_kind_list]
    return render(
        request,
        "funds/allocation.html",
        {"allocation": allocation, "total_fen": total, "forbidden_kinds": kinds},
    )


@login_required
@require_GET
def ledger_funds(request: HttpRequest, code: str) -> HttpResponse:
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        return _not_found(request, str(UNKNOWN_LEDGER).format(code=code))
    context = {
        "ledger": ledger,
        "projects": selectors.projects_of(ledger),
        "shares": selectors.ledger_shares(ledger),
        "allocated_fen": selectors.ledger_allocated_fen(ledger),
    }
    return render(request, "funds/ledger.html", context)


def _project_context(request: HttpRequest, ledger, entry) -> dict:
    rows = selectors.budget_rows(entry)
    following = selectors.next_state(entry)
    return {
        "ledger": ledger,
        "entry": entry,
        "rows": rows,
        "budget_fen": sum(row.line.budget_fen for row in rows),
        "used_fen": sum(row.used_fen for row in rows),
        "acts": entry.acts.select_related("actor").prefetch_related("files").order_by("id"),
        "execution": next(
            iter(
                row
                for row in passport.project_execution([ledger.pk], date.today())
                if row.project_id == entry.project_id
            ),
            None,
        ),
        "milestones": selectors.milestone_rows(entry),
        "next_state": ProjectState(following) if following else None,
        "may_advance": selectors.may_advance(request.user, entry),
        "today": date.today().isoformat(),
    }


@login_required
@require_GET
def project_detail(request: HttpRequest, code: str, project: str) -> HttpResponse:
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        return _not_found(request, str(UNKNOWN_LEDGER).format(code=code))
    entry = selectors.project_get(ledger, project)
    if entry is None:
        return _not_found(request, str(UNKNOWN_PROJECT).format(code=project))
    return render(request, "funds/project.html", _project_context(request, ledger, entry))


@login_required
@require_POST
def project_advance(request: HttpRequest, code: str, project: str) -> HttpResponse:
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        return _not_found(request, str(UNKNOWN_LEDGER).format(code=code))
    entry = selectors.project_get(ledger, project)
    if entry is None:
        return _not_found(request, str(UNKNOWN_PROJECT).format(code=project))
    on = None
    try:
        if request.POST.get("date"):
            on = date.fromisoformat(request.POST["date"])
        entry = services.project_advance(
            actor=request.user,
            ledger=ledger,
            code=project,
            to=request.POST.get("to", ""),
            note=request.POST.get("note", ""),
            documents=request.POST.get("documents", ""),
            on=on,
            # One byte over the limit is enough for the check to say the file is too large.
            files=[
                services.DocumentInput(upload.name, upload.read(settings.ATTACHMENT_MAX_BYTES + 1))
                for upload in request.FILES.getlist("document")
            ],
        )
    except NotPermitted as error:
        return _message(request, error.problems[0].message, status=403, title=_("无权操作"))
    except (DomainError, ValueError) as error:
        message = error.problems[0].message if isinstance(error, DomainError) else _("日期无效")
        context = _project_context(request, ledger, entry) | {"error": message}
        return render(request, "funds/project.html", context, status=400)
    messages.success(request, str(ADVANCED).format(state=entry.get_state_display()))
    return redirect("funds:project", code=ledger.code, project=project)


@login_required
@require_GET
def project_document(request: HttpRequest, code: str, project: str, document_id: int) -> HttpResponse:
    """A paper of a lifecycle act, to whoever may view the ledger."""
    ledger = ledger_get(user=request.user, code=code)
    document = (
        ProjectDocument.objects.filter(
            pk=document_id, ledger=ledger, act__entry__project__code=project
        ).first()
        if ledger is not None
        else None
    )
    if document is None:
        return _not_found(request, str(UNKNOWN_DOCUMENT))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        return _not_found(request, str(UNKNOWN_DOCUMENT))
    return FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )


# ---------------------------------------------------------------------------------------------
# The fund passport, its drill-down, and the execution at a glance

PASSPORT_NO_SCOPE = gettext_lazy("请选择您可以查看的账套或区划")
FIGURES = {"spent": gettext_lazy("已支出"), "returned": gettext_lazy("已退回")}


def _as_of_month(request: HttpRequest) -> tuple[int, str]:
    """The month asked for (``to=YYYY-MM``, default this month) as its key, and an error text."""
    text = request.GET.get("to", "").strip()
    if not text:
        today = date.today()
        return today.year * 100 + today.month, ""
    try:
        return parse_period(text, field="to"), ""
    except DomainError as error:
        today = date.today()
        return today.year * 100 + today.month, error.problems[0].message


def _scope(request: HttpRequest):
    """The scope of the query (``ledger`` or ``region``; default the user's widest region)."""
    ledger_code = request.GET.get("ledger", "").strip()
    region_code = request.GET.get("region", "").strip()
    if not ledger_code and not region_code:
        region = selectors.home_region(request.user)
        region_code = region.code if region is not None else ""
    return selectors.funds_scope(request.user, ledger_code=ledger_code, region_code=region_code)


def _query(scope, key: int, **extra) -> str:
    return urlencode({**scope.query, "to": period_label(key), **{k: v for k, v in extra.items() if v}})


def _fund_or_project(request: HttpRequest, scope) -> tuple[int | None, int | None, str]:
    """The fund (by id) and project (by code, one ledger only) the query narrows to."""
    fund_id = project_id = None
    label = ""
    fund_text = request.GET.get("fund", "").strip()
    if fund_text.isdigit():
        fund = Fund.objects.filter(pk=int(fund_text), ledger_id__in=scope.ledger_ids).first()
        if fund is not None:
            fund_id, label = fund.pk, fund.name
    project_code = request.GET.get("project", "").strip()
    if project_code and scope.ledger is not None:
        project = Project.objects.filter(ledger=scope.ledger, code=project_code).first()
        if project is not None:
            project_id, label = project.pk, f"{project.name}（{project.code}）"
    return fund_id, project_id, label


@login_required
@require_GET
def passport_page(request: HttpRequest) -> HttpResponse:
    """资金护照 of a ledger or region (or one allocation, fund or project) at a month's end."""
    scope = _scope(request)
    if scope is None:
        return _not_found(request, str(PASSPORT_NO_SCOPE))
    key, error = _as_of_month(request)
    as_of = passport.month_end(key)
    fund_id, project_id, narrowed = _fund_or_project(request, scope)
    allocation = request.GET.get("allocation", "").strip() or None
    result = passport.fund_passport(
        scope.ledger_ids, as_of, fund_id=fund_id, project_id=project_id, allocation=allocation
    )
    rows = [
        {
            "row": row,
            "spent_url": "?" + _query(scope, key, fund=row.fund_id, figure="spent", ledger=row.ledger_code),
            "returned_url": "?"
            + _query(scope, key, fund=row.fund_id, figure="returned", ledger=row.ledger_code),
            "allocation_url": "?" + _query(scope, key, allocation=row.allocation, ledger=row.ledger_code)
            if row.allocation
            else "",
        }
        for row in result.rows
    ]
    if project_id is not None:
        project = request.GET.get("project", "")
        for item in rows:
            item["spent_url"] += f"&{urlencode({'project': project})}"
    query = _query(scope, key)
    return render(
        request,
        "funds/passport.html",
        {
            "scope": scope,
            "as_of": as_of,
            "month": period_label(key),
            "error": error,
            "rows": rows,
            "villages": result.by_ledger() if scope.region is not None else [],
            "total": result.total(),
            "narrowed": allocation or narrowed,
            "query": query,
            "lines_url": reverse("funds:passport_lines"),
            "level": "ledger" if scope.ledger is not None else "region",
            "code": scope.ledger.code if scope.ledger is not None else scope.region.code,
            "file_query": urlencode({"from": period_label(key), "to": period_label(key)}),
        },
    )


@login_required
@require_GET
def passport_lines(request: HttpRequest) -> HttpResponse:
    """The voucher lines behind a passport figure, and who the money went to."""
    scope = _scope(request)
    if scope is None:
        return _not_found(request, str(PASSPORT_NO_SCOPE))
    figure = request.GET.get("figure", "spent")
    if figure not in FIGURES:
        figure = "spent"
    key, error = _as_of_month(request)
    as_of = passport.month_end(key)
    fund_id, project_id, narrowed = _fund_or_project(request, scope)
    lines = passport.passport_lines(
        scope.ledger_ids, as_of, figure=figure, fund_id=fund_id, project_id=project_id
    )
    return render(
        request,
        "funds/passport_lines.html",
        {
            "scope": scope,
            "as_of": as_of,
            "error": error,
            "figure": FIGURES[figure],
            "narrowed": narrowed,
            "lines": lines,
            "total_fen": sum(line.amount_fen for line in lines),
            "payees": passport.passport_payees(lines),
            "back": f"{reverse('funds:passport')}?{_query(scope, key)}",
            "household": CounterpartyKind.HOUSEHOLD.value,
        },
    )


@login_required
@require_GET
def execution_page(request: HttpRequest) -> HttpResponse:
    """Every project's and fund's execution rate of a region (or a ledger) at a glance, as bars."""
    scope = _scope(request)
    if scope is None:
        return _not_found(request, str(PASSPORT_NO_SCOPE))
    key, error = _as_of_month(request)
    as_of = passport.month_end(key)
    projects = passport.project_execution(scope.ledger_ids, as_of)
    funds = passport.fund_passport(scope.ledger_ids, as_of).by_fund()
    project_bars = [
        charts.Bar(
            f"{row.ledger_name if scope.region is not None else ''} {row.name}".strip(),
            row.paid_fen,
            row.budget_fen,
            reverse("funds:project", args=[row.ledger_code, row.project]),
        )
        for row in projects
    ]
    fund_bars = [
        charts.Bar(
            f"{row.ledger_name if scope.region is not None else ''} {row.fund}".strip(),
            row.spent_fen,
            row.allocated_fen,
            f"{reverse('funds:passport')}?{_query(scope, key, ledger=row.ledger_code, fund=row.fund_id)}",
        )
        for row in funds
    ]
    budget = sum(row.budget_fen for row in projects)
    paid = sum(row.paid_fen for row in projects)
    return render(
        request,
        "funds/execution.html",
        {
            "scope": scope,
            "as_of": as_of,
            "month": period_label(key),
            "error": error,
            "projects": projects,
            "overdue": {row.project_id for row in projects if row.is_overdue(as_of)},
            "funds": funds,
            "project_chart": charts.bars_svg(project_bars, title=_("项目执行率（已支付 ÷ 预算）")),
            "fund_chart": charts.bars_svg(fund_bars, title=_("资金执行率（已支出 ÷ 下达）")),
            "budget_fen": budget,
            "paid_fen": paid,
            "rate": f"{paid * 100 / budget:.1f}%" if budget else "—",
            "query": _query(scope, key),
        },
    )
