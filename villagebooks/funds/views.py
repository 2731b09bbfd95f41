"""The funds pages: allocations (the user's shares only), a ledger's project library and
allocation shares, a project with its budget used and remaining, its recorded steps and the
button for the next step (for those who hold it).

Views are thin: parse, call one selector or the one service, render. A ledger, allocation or
project outside the user's scope gets the same 404 as one that does not exist; a user who may
see a project but not take its next step gets 403 with the reason.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.funds import selectors, services
from villagebooks.funds.models import ProjectState
from villagebooks.ledger.selectors import ledger_get

UNKNOWN_LEDGER = gettext_lazy("账套 {code} 不存在或您无权查看")
UNKNOWN_ALLOCATION = gettext_lazy("资金下达 {code} 不存在或您无权查看")
UNKNOWN_PROJECT = gettext_lazy("项目 {code} 不存在或您无权查看")
ADVANCED = gettext_lazy("项目已进入“{state}”。")


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
    return render(request, "funds/allocation.html", {"allocation": allocation, "total_fen": total})


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
        "acts": entry.acts.select_related("actor").order_by("id"),
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
        )
    except NotPermitted as error:
        return _message(request, error.problems[0].message, status=403, title=_("无权操作"))
    except (DomainError, ValueError) as error:
        message = error.problems[0].message if isinstance(error, DomainError) else _("日期无效")
        context = _project_context(request, ledger, entry) | {"error": message}
        return render(request, "funds/project.html", context, status=400)
    messages.success(request, str(ADVANCED).format(state=entry.get_state_display()))
    return redirect("funds:project", code=ledger.code, project=project)
