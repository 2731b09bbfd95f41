"""The pages: home (the user's ledgers and what needs attention) and each ledger's reports.

Views are thin: they parse the request, call a selector or a report builder, and render.
A ledger outside the user's scope and a ledger that does not exist get the same 404 page, so a
page never tells whether a ledger exists; a bad month is a Chinese message at its field.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger.access import Action, ledgers_in_scope
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import Ledger
from villagebooks.reports.catalog import REPORT_KINDS
from villagebooks.reports.render import render_csv
from villagebooks.reports.scope import UNKNOWN_LEDGER, ReportScope, scope_for_ledger
from villagebooks.reports.xlsx import XLSX_CONTENT_TYPE, render_xlsx
from villagebooks.web.forms import PeriodRangeForm
from villagebooks.web.selectors import ledger_overview, report_default_range

LEDGERS_PER_PAGE = 25
SEARCH_MAX_LENGTH = 50
# Excel, which most users open a CSV with, reads UTF-8 only when the file starts with a BOM.
CSV_BOM = "\ufeff"


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    ledgers = ledger_overview(user=request.user, today=timezone.localdate(), search=search)
    page = Paginator(ledgers, LEDGERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/home.html", {"page": page, "search": search})


@dataclass
class _ReportRequest:
    """A report request once parsed: the ledger, the month form, and the scope when it is valid."""

    ledger: Ledger
    form: PeriodRangeForm
    scope: ReportScope | None

    def period_query(self) -> str:
        return f"from={period_label(self.scope.from_key)}&to={period_label(self.scope.to_key)}"


def _not_found(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "web/not_found.html", {"message": UNKNOWN_LEDGER.format(code=code)}, status=404)


def _parse_report_request(request: HttpRequest, code: str) -> _ReportRequest | None:
    """The ledger and months a report page asks for; None when the user may not see the ledger."""
    ledger = (
        ledgers_in_scope(request.user, Action.VIEW)
        .filter(code=code)
        .select_related("village__parent")
        .first()
    )
    if ledger is None:
        return None
    first, last = report_default_range(ledger)
    data = {"from": period_label(first), "to": period_label(last)}
    data.update({name: request.GET[name] for name in data if name in request.GET})
    form = PeriodRangeForm(data)
    scope = None
    if form.is_valid():
        try:
            scope = scope_for_ledger(
                user=request.user,
                ledger_code=code,
                from_key=form.cleaned_data["from"],
                to_key=form.cleaned_data["to"],
            )
        except NotPermitted:
            return None
        except DomainError as error:
            for problem in error.problems:
                form.add_error(problem.field if problem.field in form.fields else None, problem.message)
    return _ReportRequest(ledger=ledger, form=form, scope=scope)


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(CSV_BOM + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _report_filename(parsed: _ReportRequest, title: str, extension: str) -> str:
    scope = parsed.scope
    return f"{parsed.ledger.code}-{title}-{period_label(scope.from_key)}至{period_label(scope.to_key)}.{extension}"


# Each page names its report in the catalogue and the template that draws it.
REPORT_PAGES = {
    "trial_balance": ("trial-balance", "web/trial_balance.html"),
    "fund_summary": ("fund-summary", "web/fund_summary.html"),
}


def _report_page(
    request: HttpRequest, parsed: _ReportRequest, page: str, *, status: int = 200
) -> HttpResponse:
    slug, template = REPORT_PAGES[page]
    report = REPORT_KINDS[slug].build(parsed.scope) if parsed.scope else None
    context = {"parsed": parsed, "ledger": parsed.ledger, "form": parsed.form, "report": report, "tab": page}
    return render(request, template, context, status=status)


@login_required
@require_GET
def report_page(request: HttpRequest, code: str, page: str) -> HttpResponse:
    parsed = _parse_report_request(request, code)
    if parsed is None:
        return _not_found(request, code)
    return _report_page(request, parsed, page)


@login_required
@require_GET
def report_csv(request: HttpRequest, code: str, page: str) -> HttpResponse:
    parsed = _parse_report_request(request, code)
    if parsed is None:
        return _not_found(request, code)
    if parsed.scope is None:
        return _report_page(request, parsed, page, status=400)
    kind = REPORT_KINDS[REPORT_PAGES[page][0]]
    text = render_csv(kind.columns, kind.rows(kind.build(parsed.scope)), text_columns=kind.text_columns)
    return _csv_response(text, _report_filename(parsed, kind.title, "csv"))


@login_required
@require_GET
def report_xlsx(request: HttpRequest, code: str, page: str) -> HttpResponse:
    parsed = _parse_report_request(request, code)
    if parsed is None:
        return _not_found(request, code)
    if parsed.scope is None:
        return _report_page(request, parsed, page, status=400)
    kind = REPORT_KINDS[REPORT_PAGES[page][0]]
    data = render_xlsx(kind, parsed.scope, kind.build(parsed.scope))
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, _report_filename(parsed, kind.title, "xlsx")
    )
    return response
