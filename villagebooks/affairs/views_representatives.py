"""Pages of a village's members' representatives (成员代表) and members' meetings (成员大会 ·
成员代表大会): the list, and for those who keep the village's registers (the accountant, the
village reporter of that village) a form to record one, every problem at its field. The imports
and their templates are the members pages' (``views_members.IMPORTS``).

A village outside the user's scope answers 404, as one that does not exist; a write without the
action, 403. No ID number is shown.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from villagebooks.affairs import access
from villagebooks.affairs.decisions import BODIES
from villagebooks.affairs.members import parse_date
from villagebooks.affairs.representatives import (
    MEETING_COLUMNS,
    REPRESENTATIVE_COLUMNS,
    meeting_create,
    meetings_of,
    representative_create,
    representatives_on,
)
from villagebooks.affairs.selectors_members import village_or_404
from villagebooks.common.errors import DomainError, NotPermitted

REPRESENTATIVE_SAVED = gettext_lazy("已记录成员代表。")
MEETING_SAVED = gettext_lazy("已记录会议。")
FORBIDDEN = gettext_lazy("您没有权限修改本村的成员代表和会议记录")


def _errors(error: DomainError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in error.problems:
        name = problem.field or "status"
        errors[name] = f"{errors[name]}；{problem.message}" if name in errors else problem.message
    return errors


def _page(request, village, template: str, columns, create, saved, extra) -> HttpResponse:
    may_edit = access.covers(request.user, access.MEMBERS_EDIT, village)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "")[:300] for name in columns if name != "village"}
        try:
            create(actor=request.user, village=village, values=values)
        except NotPermitted as error:
            return render(
                request, "affairs/property/message.html", {"title": "403", "message": str(error)}, status=403
            )
        except DomainError as error:
            errors = _errors(error)
        else:
            messages.success(request, saved)
            return redirect(request.path)
    context = {"village": village, "may_edit": may_edit, "errors": errors, "values": values, **extra}
    return render(request, template, context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def representatives_page(request: HttpRequest, code: str) -> HttpResponse:
    village = village_or_404(request.user, code)
    on = parse_date(request.GET.get("date", "")) or timezone.localdate()
    extra = {"on": on, "rows": representatives_on(village, on)}
    return _page(
        request,
        village,
        "affairs/members/representatives.html",
        REPRESENTATIVE_COLUMNS,
        representative_create,
        REPRESENTATIVE_SAVED,
        extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meetings_page(request: HttpRequest, code: str) -> HttpResponse:
    village = village_or_404(request.user, code)
    extra = {"rows": meetings_of(village), "bodies": BODIES}
    return _page(
        request,
        village,
        "affairs/members/meetings.html",
        MEETING_COLUMNS,
        meeting_create,
        MEETING_SAVED,
        extra,
    )
