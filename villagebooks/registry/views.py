"""The registry's pages: the villages and households a user may see, the household page (phone
first), and the correction of one person.

Views are thin: parse, call one selector or service, render. A household or person outside the
user's scope answers the same 404 as one that does not exist. Identifiers are masked; a user
who may see them asks for them (``?reveal=1``) and each person shown so is recorded.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.uploads import saved_upload
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.registry import access
from villagebooks.registry.domain.identity import mask, mask_phone
from villagebooks.registry.households import person_correct
from villagebooks.registry.models import RegistryChange
from villagebooks.registry.selectors import (
    cadre_share,
    household_or_404,
    household_payments,
    household_voucher_lines,
    households_in_scope,
    may_see_personal,
    persons_in_scope,
    persons_shown,
)
from villagebooks.registry.subsidies import STATE_LABELS, reconciliation_report

SEARCH_LIMIT = 50
MASKED_FIELDS = {"bank_card": mask, "phone": mask_phone, "id_number": mask}
CORRECTED = gettext_lazy("已保存，变更已留痕。")


@login_required
@require_GET
def registry_home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:50]
    villages = (
        households_in_scope(request.user)
        .values("village__code", "village__name")
        .annotate(households=Count("id"))
        .order_by("village__code")
    )
    found = []
    if query:
        found = list(
            households_in_scope(request.user)
            .filter(Q(number__icontains=query) | Q(persons__name__icontains=query))
            .distinct()
            .order_by("village__code", "number")[:SEARCH_LIMIT]
        )
    from django.utils import timezone

    share = cadre_share(request.user, timezone.localdate().year)
    return render(
        request, "registry/home.html", {"villages": villages, "query": query, "found": found, "share": share}
    )


@login_required
@require_GET
def household_page(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_or_404(request.user, household_id)
    can_reveal = may_see_personal(request.user, household.village)
    reveal = can_reveal and request.GET.get("reveal") == "1"
    persons = household.persons.select_related("village", "household").order_by("id")
    shown = persons_shown(request.user, persons, reveal=reveal, via="page")
    changes = []
    for change in RegistryChange.objects.filter(household=household).select_related("person", "changed_by")[
        :200
    ]:
        hide = MASKED_FIELDS.get(change.field)
        changes.append(
            {
                "change": change,
                "before": hide(change.before) if hide else change.before,
                "after": hide(change.after) if hide else change.after,
            }
        )
    return render(
        request,
        "registry/household.html",
        {
            "household": household,
            "persons": shown,
            "statuses": household.statuses.all(),
            "payments": household_payments(household),
            "booked": household_voucher_lines(request.user, household),
            "helpers": household.helpers.all(),
            "changes": changes,
            "can_reveal": can_reveal,
            "revealed": reveal,
            "can_edit": access.covers(request.user, access.EDIT, household.village),
        },
    )


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    relation = forms.CharField(label=gettext_lazy("与户主关系"), max_length=20)
    phone = forms.CharField(label=gettext_lazy("电话"), max_length=20, required=False)
    bank_card = forms.CharField(label=gettext_lazy("一卡通卡号"), max_length=23, required=False)
    bank = forms.CharField(label=gettext_lazy("开户银行"), max_length=50, required=False)
    alive = forms.BooleanField(label=gettext_lazy("健在"), required=False)
    death_date = forms.DateField(label=gettext_lazy("死亡日期"), required=False)
    is_member = forms.BooleanField(label=gettext_lazy("集体经济组织成员"), required=False)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = persons_in_scope(request.user).filter(pk=person_id).first()
    if person is None or not access.covers(request.user, access.EDIT, person.village):
        # Seen but not editable, or not seen: the same answer, so a page never tells which.
        raise Http404
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                person_correct(actor=request.user, person=person, values=form.cleaned_data)
            except NotPermitted as error:
                raise Http404 from error
            except DomainError as error:
                for problem in error.problems:
                    form.add_error(problem.field if problem.field in form.fields else None, problem.message)
            else:
                messages.success(request, str(CORRECTED))
                return redirect("registry:household", person.household_id)
    else:
        # The form starts with the unmasked values: the editor holds registry.edit, which the
        # roles that may see them hold too; opening it is recorded as a view.
        shown = persons_shown(request.user, [person], reveal=True, via="page")[0]
        form = PersonForm(
            initial={
                "name": person.name,
                "relation": person.relation,
                "phone": shown["phone"],
                "bank_card": shown["bank_card"],
                "bank": person.bank,
                "alive": person.alive,
                "death_date": person.death_date,
                "is_member": person.is_member,
            }
        )
    return render(
        request, "registry/person_edit.html", {"person": person, "form": form, "title": _("修改人员信息")}
    )


@login_required
@require_GET
def reconciliation_page(request: HttpRequest) -> HttpResponse:
    """The three-way reconciliation of one ledger's lists over some months; ID numbers masked
    unless the user may see them (each batch shown unmasked is recorded)."""
    ledger_code = request.GET.get("ledger", "").strip()[:32]
    from_text, to_text = request.GET.get("from", "").strip()[:7], request.GET.get("to", "").strip()[:7]
    rows, error = [], ""
    if ledger_code and from_text and to_text:
        try:
            rows = reconciliation_report(
                user=request.user,
                from_key=parse_period(from_text, field="from"),
                to_key=parse_period(to_text, field="to"),
                ledger_code=ledger_code,
                via="page",
            )
        except NotPermitted as failure:
            raise Http404 from failure
        except DomainError as failure:
            error = "；".join(p.message for p in failure.problems)
    labels = {state: label for state, label in STATE_LABELS.items()}
    shown = [
        {
            "batch": r[0],
            "id_number": r[1],
            "name": r[2],
            "listed": r[3],
            "paid": r[4],
            "booked": r[5],
            "state": r[6],
            "state_label": labels[r[6]],
            "reason": r[7],
            "resolution": r[8],
        }  # fmt: skip
        for r in rows
    ]
    return render(
        request,
        "registry/reconciliation.html",
        {"rows": shown, "ledger": ledger_code, "from": from_text, "to": to_text, "error": error},
    )


@login_required
@require_GET
def received_page(request: HttpRequest) -> HttpResponse:
    """What households of a village or region received in some months: each person's payments,
    the totals by programme and by household status, and the cadres' households' share."""
    from villagebooks.registry.received import received, region_seen

    region = request.GET.get("region", "").strip()[:12]
    if region and region_seen(request.user, region) is None:
        # Like the other region pages: a region outside the user's scope answers as one that
        # does not exist, whether or not months were asked for.
        raise Http404
    from_text, to_text = request.GET.get("from", "").strip()[:7], request.GET.get("to", "").strip()[:7]
    report, error = None, ""
    if region and from_text and to_text:
        try:
            report = received(
                user=request.user,
                region_code=region,
                from_key=parse_period(from_text, field="from"),
                to_key=parse_period(to_text, field="to"),
            )
        except DomainError as failure:
            error = "；".join(p.message for p in failure.problems)
    return render(
        request,
        "registry/received.html",
        {"report": report, "region": region, "from": from_text, "to": to_text, "error": error},
    )


IMPORT_MAX_BYTES = 20 * 1024 * 1024
IMPORT_TOO_LARGE = gettext_lazy("文件超过 20 MB")
IMPORT_NO_FILE = gettext_lazy("请选择要导入的文件")


@login_required
@require_http_methods(["GET", "POST"])
def households_import_page(request: HttpRequest) -> HttpResponse:
    """Upload a households file (the import-households columns): a village reporter enters the
    persons of their own village this way; the same checks, all or nothing."""

    from villagebooks.registry.households import COLUMNS, households_import, import_summary

    if not access.villages_in_scope(request.user, access.EDIT).exists():
        raise Http404
    problems, summary, warnings = [], "", []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = [str(IMPORT_NO_FILE)]
        elif upload.size > IMPORT_MAX_BYTES:
            problems = [str(IMPORT_TOO_LARGE)]
        else:
            with saved_upload(upload) as path:
                try:
                    result = households_import(actor=request.user, path=path)
                except DomainError as error:
                    problems = [str(problem) for problem in error.problems[:200]]
                else:
                    summary = import_summary(result)
                    warnings = [str(w) for w in result.warnings]
    return render(
        request,
        "registry/import.html",
        {"columns": ",".join(COLUMNS), "problems": problems, "summary": summary, "warnings": warnings},
    )
