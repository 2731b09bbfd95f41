"""The pages: home, every report of the catalogue for a ledger or for a region (汇总), the accounts
behind a statement line, a voucher and its attachments.

Views are thin: they parse the request, call a selector or a report builder, and render. A
ledger outside the user's scope, a ledger that does not exist and a voucher or attachment of
another ledger all get the same 404 page, so a page never tells whether they exist. A region's
consolidated reports need a region-wide role: a role on single ledgers does not open them. A
bad month or account is a Chinese message at its field, and then no figures are shown.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from villagebooks.claims.selectors import claims_waiting
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import amount_in_words
from villagebooks.ledger.domain.periods import parse_period, period_label
from villagebooks.ledger.models import Chart, Ledger
from villagebooks.ledger.selectors import (
    attachment_get,
    ledger_get,
    region_report_range,
    report_range,
    voucher_get,
)
from villagebooks.regions.models import Region
from villagebooks.reports.catalog import REPORT_KINDS, ReportKind, report_view_record
from villagebooks.reports.pdf import PDF_CONTENT_TYPE, render_report_pdf, render_vouchers_pdf, vouchers_pdf
from villagebooks.reports.render import render_csv
from villagebooks.reports.scope import UNKNOWN_LEDGER, ReportScope, scope_for_ledger, scope_for_region
from villagebooks.reports.statements import Statement
from villagebooks.reports.statistics import StatisticsTable
from villagebooks.reports.trial_balance import build_trial_balance
from villagebooks.reports.xlsx import XLSX_CONTENT_TYPE, render_xlsx
from villagebooks.web.forms import ReportForm
from villagebooks.web.report_tables import (
    Links,
    line_accounts_tables,
    report_heading,
    report_table,
    statistics_drill_table,
)
from villagebooks.web.selectors import (
    account_choices,
    ledger_actions,
    ledger_overview,
    ledgers_in_force_count,
    linked_ledgers,
    region_account_choices,
    region_children,
    region_for_summary,
    region_picker,
    region_state,
    region_trail,
    reporter_claims,
    review_waiting,
    statement_line_terms,
    summary_regions,
)

LEDGERS_PER_PAGE = 25
SEARCH_MAX_LENGTH = 50
# Excel, which most users open a CSV with, reads UTF-8 only when the file starts with a BOM.
CSV_BOM = "\ufeff"

UNKNOWN_REPORT = gettext_lazy("报表 {slug} 不存在")
UNKNOWN_REGION = gettext_lazy("区划 {code} 不存在或您无权查看其汇总报表")
UNKNOWN_LINE = gettext_lazy("{title}没有第 {line} 行")
UNKNOWN_VOUCHER = gettext_lazy("凭证不存在或您无权查看")
UNKNOWN_ATTACHMENT = gettext_lazy("附件不存在或您无权查看")
MISSING_FILE = gettext_lazy("附件文件已丢失，请联系管理员")
LEDGER_ONLY = gettext_lazy("{title}只能按单个账套查看，请从“我的账套”打开该账套的{title}")
REGION_ONLY = gettext_lazy("{title}按村列示，只能在乡镇或县的汇总报表中查看")
CHOOSE_ACCOUNT = gettext_lazy("请选择科目")

# Reports that the page builds only for a chosen account. Without one, the detail ledger is the
# whole book, every account after the other, and its builder spends three queries an account:
# the command line and the ledger export give that; the page asks for an account instead.
ACCOUNT_REQUIRED_ON_PAGE = frozenset({"detail-ledger"})


class _NotFound(Exception):
    """Raised while parsing a request: the page answers 404 with this message."""


def _pages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in GET pages that answer ``_NotFound`` with the 404 page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except _NotFound as missing:
            return render(request, "web/not_found.html", {"message": str(missing)}, status=404)

    return login_required(require_GET(wrapped))


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    ledgers = ledger_overview(user=request.user, today=timezone.localdate(), search=search)
    page = Paginator(ledgers, LEDGERS_PER_PAGE).get_page(request.GET.get("page"))
    regions = summary_regions(user=request.user)
    shown = list(page.object_list)  # evaluates the page once; the template reads the same objects
    allowed = ledger_actions(user=request.user, ledgers=shown)
    waiting = claims_waiting([ledger.pk for ledger in shown])
    for ledger in shown:
        ledger.claims_waiting = waiting.get(ledger.pk, 0)
        ledger.may = allowed[ledger.pk]
    # A reviewer's day starts from the queue across their ledgers (/review/), above the table.
    context = {
        "page": page,
        "search": search,
        # Old ledgers carried over to new ones (新旧衔接) are listed but counted apart.
        "in_force": (in_force := ledgers_in_force_count(user=request.user, search=search)),
        "carried_over": page.paginator.count - in_force,
        "regions": regions,
        "picker": region_picker(user=request.user),
        "review_waiting": review_waiting(user=request.user),
        # A village reporter's day starts from their claims.
        "reporter_claims": reporter_claims(user=request.user),
        # A county user's day starts from their region's state (辖区概况).
        "region_state": region_state(user=request.user, today=timezone.localdate()),
    }
    return render(request, "web/home.html", context)


DASHBOARD = "dashboard"


@_pages
def region_go(request: HttpRequest) -> HttpResponse:
    """Where the region picker leads: the chosen region's consolidated report, or a village's own.

    A village whose one ledger the user may view opens that ledger's report; any other region
    opens its consolidated report (``report``, the trial balance by default, kept when the other
    level offers it). The months and the chart travel along. A region the user may not open is
    the same 404 as an unknown one. A village the picker offers for a role on its ledger alone
    (no region-wide role there) opens that ledger, its dashboard asked for or not.
    """
    code = request.GET.get("region", "")
    kind = REPORT_KINDS.get(request.GET.get("report", "")) or REPORT_KINDS["trial-balance"]
    place = next((p for p in region_picker(user=request.user) if p.code == code), None)
    if place is None:
        raise _NotFound(str(UNKNOWN_REGION).format(code=code[:12]))
    if request.GET.get("report") == DASHBOARD and place.summary:  # a region's, a village's too
        path = reverse("region_dashboard", args=[place.code])
        year = request.GET.get("year", "")
        return HttpResponseRedirect(f"{path}?{urlencode({'year': year})}" if year else path)
    params = {name: request.GET[name] for name in ("from", "to", "chart") if request.GET.get(name)}
    if place.ledger_code:
        slug = kind.slug if _offered(kind, for_ledger=True) else "trial-balance"
        params.pop("chart", None)
        path = reverse("ledger_report", args=[place.ledger_code, slug])
    else:
        slug = kind.slug if _offered(kind, for_ledger=False) else "trial-balance"
        path = reverse("region_report", args=[place.code, slug])
    return HttpResponseRedirect(f"{path}?{urlencode(params)}" if params else path)


# ---------------------------------------------------------------------------------------------
# Reports: parsing the request


@dataclass
class _ReportRequest:
    """A report request once parsed: what it covers, the form, and the scope when the form is valid."""

    kind: ReportKind
    form: ReportForm
    scope: ReportScope | None
    ledger: Ledger | None = None
    region: Region | None = None
    report: Any = None

    @property
    def level(self) -> str:
        return "ledger" if self.ledger is not None else "region"

    @property
    def code(self) -> str:
        return self.ledger.code if self.ledger is not None else self.region.code

    @property
    def account(self) -> str:
        return self.options().get("account", "")

    def options(self) -> dict[str, str]:
        """The report's options that were given (account, ``by`` …), once the form is valid."""
        if self.scope is None:
            return {}
        names = (*(("account",) if self.kind.needs_account else ()), *self.kind.options)
        return {name: self.form.cleaned_data[name] for name in names if self.form.cleaned_data.get(name)}

    def query(self, *, with_options: bool = True) -> str:
        """The months shown (and a region's chart, the report's options) as a query string."""
        if self.scope is None:
            return ""
        params = {"from": period_label(self.scope.from_key), "to": period_label(self.scope.to_key)}
        if self.region is not None:
            params["chart"] = self.scope.chart
        if with_options:
            params.update(self.options())
        return urlencode(params)

    def url(self, slug: str, suffix: str = "/") -> str:
        path = reverse(f"{self.level}_report", args=[self.code, slug])
        return path if suffix == "/" else path.removesuffix("/") + suffix

    def links(self) -> Links:
        return Links(
            scope=self.scope,
            query=self.query(with_options=False),
            ledger=self.ledger,
            region=self.region,
            report_account=self.account,
        )


def _kind(slug: str) -> ReportKind:
    kind = REPORT_KINDS.get(slug)
    if kind is None:
        raise _NotFound(str(UNKNOWN_REPORT).format(slug=slug))
    return kind


def _form(
    request: HttpRequest, kind: ReportKind, first: int, last: int, *, chart: str = "", **kwargs
) -> ReportForm:
    """The report's form bound to the query string, the months defaulting to ``first``–``last``."""
    data = {"from": period_label(first), "to": period_label(last)}
    if chart:
        data["chart"] = chart
    names = ("from", "to", "chart", "account", *kind.options)
    data.update({name: request.GET[name] for name in names if name in request.GET})
    return ReportForm(data, options=kind.options, **kwargs)


def _add_errors(form: ReportForm, error: DomainError, *, kind: ReportKind) -> None:
    """The builder's or the scope's problems at their fields, in the words of the page.

    Builders speak to the command line too (``--ledger``, ``--region``, ``--account``); where
    their message names a flag, the page says it in its own words instead.
    """
    for problem in error.problems:
        message, field = problem.message, problem.field
        if field == "ledger":  # a book of one ledger asked for a region
            message, field = str(LEDGER_ONLY).format(title=kind.title), None
        elif field == "region":  # one row a village, asked for one ledger
            message, field = str(REGION_ONLY).format(title=kind.title), None
        elif field == "account" and not form.cleaned_data.get("account"):
            message = str(CHOOSE_ACCOUNT)
        form.add_error(field if field in form.fields else None, message)


def _ledger_request(request: HttpRequest, code: str, slug: str) -> _ReportRequest:
    kind = _kind(slug)
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        raise _NotFound(UNKNOWN_LEDGER.format(code=code))
    first, last = report_range(ledger=ledger)
    form = _form(request, kind, first, last, accounts=account_choices(ledger) if kind.needs_account else None)
    scope = None
    if form.is_valid():
        try:
            scope = scope_for_ledger(
                user=request.user,
                ledger_code=code,
                from_key=form.cleaned_data["from"],
                to_key=form.cleaned_data["to"],
            )
        except NotPermitted as error:
            raise _NotFound(UNKNOWN_LEDGER.format(code=code)) from error
        except DomainError as error:
            _add_errors(form, error, kind=kind)
    return _ReportRequest(kind=kind, form=form, scope=scope, ledger=ledger)


def _region_request(request: HttpRequest, code: str, slug: str) -> _ReportRequest:
    kind = _kind(slug)
    region = region_for_summary(user=request.user, code=code)
    if region is None:
        raise _NotFound(str(UNKNOWN_REGION).format(code=code))
    chart = request.GET.get("chart") if request.GET.get("chart") in Chart.values else Chart.CHART_2023
    first, last = region_report_range(
        user=request.user, region=region, chart=chart, today=timezone.localdate()
    )
    accounts = (
        region_account_choices(user=request.user, region=region, chart=chart) if kind.needs_account else None
    )
    form = _form(request, kind, first, last, chart=chart, accounts=accounts, with_chart=True)
    scope = None
    if form.is_valid():
        try:
            scope = scope_for_region(
                user=request.user,
                region_code=code,
                from_key=form.cleaned_data["from"],
                to_key=form.cleaned_data["to"],
                chart=form.cleaned_data["chart"],
            )
        except NotPermitted as error:  # no ledger of that chart in the region
            form.add_error("chart", error.problems[0].message)
        except DomainError as error:
            _add_errors(form, error, kind=kind)
    return _ReportRequest(kind=kind, form=form, scope=scope, region=region)


def _request_for(level: str) -> Callable[[HttpRequest, str, str], _ReportRequest]:
    return _ledger_request if level == "ledger" else _region_request


def _ledger_only_for_region(parsed: _ReportRequest) -> bool:
    return parsed.region is not None and parsed.kind.ledger_only


def _waits_for_account(parsed: _ReportRequest) -> bool:
    return (
        parsed.scope is not None
        and parsed.kind.slug in ACCOUNT_REQUIRED_ON_PAGE
        and not parsed.account
        and not _ledger_only_for_region(parsed)
    )


def _build(parsed: _ReportRequest) -> Any:
    """The report, or None when the form says why not (a bad month, no account chosen yet)."""
    if parsed.scope is None or _waits_for_account(parsed):
        return None
    if _ledger_only_for_region(parsed):
        parsed.form.add_error(None, str(LEDGER_ONLY).format(title=parsed.kind.title))
        return None
    try:
        parsed.report = parsed.kind.build(parsed.scope, **parsed.options())
    except DomainError as error:
        _add_errors(parsed.form, error, kind=parsed.kind)
    return parsed.report


# ---------------------------------------------------------------------------------------------
# Reports: pages and files


def _offered(kind: ReportKind, *, for_ledger: bool) -> bool:
    return not kind.region_only if for_ledger else not kind.ledger_only


def _tabs(parsed: _ReportRequest) -> list[dict]:
    query = parsed.query(with_options=False)
    return [
        {
            "title": kind.title,
            "url": parsed.url(slug) + (f"?{query}" if query else ""),
            "current": slug == parsed.kind.slug,
        }
        for slug, kind in REPORT_KINDS.items()
        if _offered(kind, for_ledger=parsed.ledger is not None) or slug == parsed.kind.slug
    ]


def _exports(parsed: _ReportRequest) -> list[dict]:
    if parsed.report is None:
        return []
    query = parsed.query()
    formats = [("csv", _("下载 CSV")), ("xlsx", _("下载 Excel")), ("pdf", _("下载 PDF"))]
    return [
        {"label": label, "url": f"{parsed.url(parsed.kind.slug, '.' + ext)}?{query}"}
        for ext, label in formats
    ]


def _print_urls(request: HttpRequest) -> dict[str, str]:
    """The page's print layout (``?print=1``) and the page itself, the other parameters kept."""
    params = request.GET.copy()
    params.pop("print", None)
    screen = f"{request.path}?{params.urlencode()}" if params else request.path
    params["print"] = "1"
    return {"print_url": f"{request.path}?{params.urlencode()}", "screen_url": screen}


def _picker_hidden(parsed: _ReportRequest) -> dict[str, str]:
    """What the region picker carries to the region chosen: the report, its months, its chart."""
    hidden = {"report": parsed.kind.slug}
    if parsed.scope is not None:
        hidden |= {"from": period_label(parsed.scope.from_key), "to": period_label(parsed.scope.to_key)}
        if parsed.region is not None:
            hidden["chart"] = parsed.scope.chart
    return hidden


def _page_context(request: HttpRequest, parsed: _ReportRequest) -> dict:
    place = parsed.region if parsed.region is not None else parsed.ledger.village
    return {
        "trail": region_trail(user=request.user, region=place),
        "children": region_children(user=request.user, region=parsed.region) if parsed.region else [],
        "linked": linked_ledgers(user=request.user, ledger=parsed.ledger) if parsed.ledger else None,
        "picker": region_picker(user=request.user),
        "picker_hidden": _picker_hidden(parsed),
        "parsed": parsed,
        "kind": parsed.kind,
        "form": parsed.form,
        "ledger": parsed.ledger,
        "region": parsed.region,
        "scope": parsed.scope,
        "tabs": _tabs(parsed),
        "print_view": request.GET.get("print") == "1",
        **_print_urls(request),
    }


def _render_report(request: HttpRequest, parsed: _ReportRequest, *, status: int = 200) -> HttpResponse:
    report = parsed.report
    context = _page_context(request, parsed) | {
        "report": report,
        "heading": report_heading(parsed.kind, report) if report is not None else parsed.kind.title,
        "table": report_table(parsed.kind, report, parsed.links()) if report is not None else None,
        "exports": _exports(parsed),
        "choose_account": _waits_for_account(parsed),
    }
    return render(request, "web/report.html", context, status=status)


@_pages
def report_page(request: HttpRequest, code: str, slug: str, level: str) -> HttpResponse:
    """A report of the catalogue for a ledger or a region, over the months asked for."""
    parsed = _request_for(level)(request, code, slug)
    if _build(parsed) is not None:
        _record_view(request, parsed, "page")
    return _render_report(request, parsed)


def _record_view(request: HttpRequest, parsed: _ReportRequest, fmt: str, **extra) -> None:
    report_view_record(
        actor=request.user,
        kind=parsed.kind,
        scope=parsed.scope,
        fmt=fmt,
        via="page",
        **parsed.options(),
        **extra,
    )


def _filename(parsed: _ReportRequest, extension: str) -> str:
    scope = parsed.scope
    account = f"-{parsed.account}" if parsed.account else ""
    return (
        f"{parsed.code}-{parsed.kind.title}{account}-"
        + _("{start}至{end}").format(start=period_label(scope.from_key), end=period_label(scope.to_key))
        + f".{extension}"
    )


def _download(data: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@_pages
def report_file(request: HttpRequest, code: str, slug: str, level: str, fmt: str) -> HttpResponse:
    """The report as CSV, XLSX or PDF; the page with its errors (400) when the request is bad."""
    parsed = _request_for(level)(request, code, slug)
    report = _build(parsed)
    if report is None:
        if _waits_for_account(parsed):
            parsed.form.add_error("account", str(CHOOSE_ACCOUNT))
        return _render_report(request, parsed, status=400)
    kind, scope = parsed.kind, parsed.scope
    _record_view(request, parsed, fmt)
    if fmt == "csv":
        # Chinese headers, as the page and the XLSX show them; ``?headers=codes`` gives the
        # English column codes of the CLI's CSV (its contract) for scripts.
        headers = kind.columns if request.GET.get("headers") == "codes" else kind.headers
        text = render_csv(headers, kind.rows(report), text_columns=kind.text_columns)
        return _download(CSV_BOM + text, "text/csv; charset=utf-8", _filename(parsed, "csv"))
    if fmt == "xlsx":
        return _download(render_xlsx(kind, scope, report), XLSX_CONTENT_TYPE, _filename(parsed, "xlsx"))
    return _download(render_report_pdf(kind, scope, report), PDF_CONTENT_TYPE, _filename(parsed, "pdf"))


@_pages
def statement_line(request: HttpRequest, code: str, slug: str, line_no: int, level: str) -> HttpResponse:
    """The accounts behind one line of a statement: its formula's terms and their trial balance."""
    parsed = _request_for(level)(request, code, slug)
    statement = _build(parsed)
    if isinstance(statement, StatisticsTable):
        return _statistics_row(request, parsed, statement, line_no)
    if statement is not None and not isinstance(statement, Statement):
        raise _NotFound(str(UNKNOWN_REPORT).format(slug=f"{slug}/lines"))
    line = tables = None
    if statement is not None:
        line = next((r for r in statement.rows if r.line_no == line_no and r.amounts is not None), None)
        terms = statement_line_terms(layouts=statement.layouts, line_no=line_no)
        if line is None or terms is None:
            raise _NotFound(str(UNKNOWN_LINE).format(title=statement.title, line=line_no))
        _record_view(request, parsed, "page", line=line_no)
        tables = line_accounts_tables(
            terms=terms,
            statement_kind=statement.kind,
            trial_balance=build_trial_balance(parsed.scope),
            links=parsed.links(),
        )
    context = _page_context(request, parsed) | {
        "statement": statement,
        "line": line,
        "line_no": line_no,
        "tables": tables,
        "statement_url": parsed.url(slug) + (f"?{parsed.query()}" if parsed.scope else ""),
        "heading": f"{parsed.kind.title} · " + _("第 %(line)s 行") % {"line": line_no},
    }
    return render(request, "web/statement_line.html", context)


def _statistics_row(
    request: HttpRequest, parsed: _ReportRequest, table: StatisticsTable, no: int
) -> HttpResponse:
    """The villages behind one row of a statistics form, this year beside last year, the largest
    changes first (what explains a flagged change); each village opens its own form and statement."""
    line = next((line for line in table.lines if line.row.no == no and line.row.has_value), None)
    if line is None:
        raise _NotFound(str(UNKNOWN_LINE).format(title=table.form.title, line=no))
    _record_view(request, parsed, "page", line=no)
    context = _page_context(request, parsed) | {
        "table": table,
        "line": line,
        "villages": statistics_drill_table(table, no, parsed.links(), slug=parsed.kind.slug),
        "statement_url": parsed.url(parsed.kind.slug) + f"?{parsed.query()}",
        "heading": f"{parsed.kind.title} · " + _("第 %(line)s 行") % {"line": no},
    }
    return render(request, "web/statistics_row.html", context)


def legacy_report(request: HttpRequest, code: str, slug: str, suffix: str) -> HttpResponse:
    """The first report addresses (/ledgers/HT01/trial-balance/) moved under /reports/."""
    path = reverse("ledger_report", args=[code, slug])
    path = path if suffix == "/" else path.removesuffix("/") + suffix
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


# ---------------------------------------------------------------------------------------------
# Vouchers


@_pages
def voucher_page(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """One voucher as printed: header, lines, totals with the amount in words, who did what."""
    voucher = voucher_get(user=request.user, ledger_code=code, voucher_id=voucher_id)
    if voucher is None:
        raise _NotFound(str(UNKNOWN_VOUCHER))
    lines = list(voucher.lines.all())
    debit, credit = sum(line.debit_fen for line in lines), sum(line.credit_fen for line in lines)
    context = {
        "voucher": voucher,
        "ledger": voucher.ledger,
        "lines": lines,
        "debit_fen": debit,
        "credit_fen": credit,
        "amount_words": amount_in_words(debit),
        "attachments": list(voucher.attachments.all()),
        # 整理凭证号: the numbers it had before, as its page shows them (原记-n).
        "renumberings": list(voucher.renumberings.select_related("renumbering")),
        # The voucher's page is the workspace's (vouchers:desk): this address is its print layout.
        "print_view": True,
        "print_url": request.path,
        "screen_url": reverse("vouchers:desk", args=[code, voucher_id]),
    }
    return render(request, "web/voucher.html", context)


@_pages
def voucher_pdf(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """One voucher on the 记账凭证 form, as PDF (a voucher not yet posted is marked a draft)."""
    voucher = voucher_get(user=request.user, ledger_code=code, voucher_id=voucher_id)
    if voucher is None:
        raise _NotFound(str(UNKNOWN_VOUCHER))
    name = (
        _("记字第{number}号").format(number=voucher.number)
        if voucher.number
        else _("凭证草稿{id}").format(id=voucher.draft_no or voucher.pk)
    )
    filename = f"{code}-{voucher.date:%Y-%m}-{name}.pdf"
    return _pdf_response(render_vouchers_pdf([voucher]), filename)


@_pages
def month_vouchers_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """A month's posted vouchers (``?period=YYYY-MM``) in number order, as one PDF to print."""
    text = request.GET.get("period", "")
    try:
        key = parse_period(text, field="period")
        data = vouchers_pdf(actor=request.user, ledger_code=code, year=key // 100, month=key % 100)
    except NotPermitted as refused:
        raise _NotFound(str(refused)) from refused
    except DomainError as error:
        message = "；".join(problem.message for problem in error.problems)
        return render(request, "web/not_found.html", {"message": message, "title": _("无法打印")}, status=400)
    return _pdf_response(data, f"{code}-{period_label(key)}-{_('记账凭证')}.pdf")


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@_pages
def attachment_download(request: HttpRequest, code: str, voucher_id: int, attachment_id: int) -> HttpResponse:
    """A voucher's source document, to whoever may view its ledger."""
    attachment = attachment_get(
        user=request.user, ledger_code=code, voucher_id=voucher_id, attachment_id=attachment_id
    )
    if attachment is None:
        raise _NotFound(str(UNKNOWN_ATTACHMENT))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise _NotFound(str(MISSING_FILE)) from error
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
