"""The registry's data as CSV, XLSX and PDF (the web app joins the registry's tables,
``registry.exports``, and the reports' PDF writer, which the registry may not import): the
household list, one household's payments, the subsidy reconciliation and what households
received. Scope as on the pages: what the user may not see is a 404; identifiers masked as there."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.registry import exports
from villagebooks.registry.received import received
from villagebooks.registry.selectors import household_or_404
from villagebooks.registry.subsidies import reconciliation_report

CSV_BOM = "\ufeff"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx", "pdf")


def _respond(table: exports.Table, fmt: str) -> HttpResponse:
    if fmt == "csv":
        data, content_type = CSV_BOM + exports.table_csv(table), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        data, content_type = exports.table_xlsx(table), XLSX_CONTENT_TYPE
    else:
        from villagebooks.reports.pdf.tables import render_table_pdf

        rows = [[str(cell) for cell in row] for row in table.rows]
        data = render_table_pdf(
            title=table.title,
            subtitle=table.subtitle,
            headers=table.headers,
            rows=rows,
            numeric=table.numeric,
        )
        content_type = "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"{table.stem}.{fmt}")
    return response


def _months(request: HttpRequest) -> tuple[int, int]:
    return (
        parse_period(request.GET.get("from", "").strip()[:7], field="from"),
        parse_period(request.GET.get("to", "").strip()[:7], field="to"),
    )


def _file_view(build):
    @login_required
    @require_GET
    def view(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        try:
            table = build(request, fmt, **kwargs)
        except NotPermitted as refused:
            raise Http404 from refused
        except DomainError as error:
            text = "；".join(p.message for p in error.problems)
            return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
        return _respond(table, fmt)

    view.__name__ = build.__name__
    return view


@_file_view
def households_file(request, fmt):
    return exports.households_table(request.user, village_code=request.GET.get("village", "").strip()[:12])


@_file_view
def household_payments_file(request, fmt, household_id: int):
    return exports.household_payments_table(household_or_404(request.user, household_id))


@_file_view
def reconciliation_file(request, fmt):
    ledger = request.GET.get("ledger", "").strip()[:32]
    region = request.GET.get("region", "").strip()[:12]
    if not (ledger or region):
        raise Http404
    from_key, to_key = _months(request)
    rows = reconciliation_report(user=request.user, from_key=from_key, to_key=to_key, ledger_code=ledger,
                                 region_code=region if not ledger else "", via=fmt)  # fmt: skip
    subtitle = f"{ledger or region} {request.GET.get('from', '')} — {request.GET.get('to', '')}"
    return exports.reconciliation_table(rows, subtitle=subtitle)


@_file_view
def received_file(request, fmt):
    from_key, to_key = _months(request)
    report = received(
        user=request.user,
        region_code=request.GET.get("region", "").strip()[:12],
        from_key=from_key,
        to_key=to_key,
    )
    return exports.received_table(report)
