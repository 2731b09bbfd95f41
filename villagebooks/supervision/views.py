"""The supervision pages: a region's (or one ledger's) alerts by rule, village and month with
charts drawn on the server (inline SVG: no JavaScript, they print), the worst villages, open
findings by age, the alerts themselves with their drill-down, CSV and XLSX; an alert dismissed
with a reason; findings opened from alerts or one's own observation, answered with documents,
verified and closed or sent back.

Thin: parse, call the services, render. A region, ledger or finding the user may not see answers
404, as one that does not exist does.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villagebooks.claims.receipts import is_image
from villagebooks.common.csp import inline_file_headers
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import MoneyError, fen_to_text, yuan_to_fen
from villagebooks.common.spreadsheet import csv_writer, xlsx_workbook
from villagebooks.ledger.access import ledgers_in_scope
from villagebooks.regions import permissions
from villagebooks.regions.models import RoleAssignment
from villagebooks.registry.domain.identity import mask
from villagebooks.registry.models import Person
from villagebooks.supervision import access, services
from villagebooks.supervision.models import Finding, FindingState
from villagebooks.supervision.rules import RULE_NAMES

ALERTS_SHOWN = 500
CSV_HEADERS = ["规则", "账套", "期间", "凭证键", "凭证号", "名册批次", "身份证号", "金额", "依据", "村"]
AGE_BUCKETS = [
    (30, gettext_lazy("30 天以内")),
    (90, gettext_lazy("31–90 天")),
    (None, gettext_lazy("90 天以上")),
]
BAD_DATE = gettext_lazy("日期“{value}”无效（应为 YYYY-MM-DD）")
BAD_AMOUNT = gettext_lazy("金额“{value}”无效")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_args(request: HttpRequest) -> tuple[str, str]:
    region = request.GET.get("region", "").strip()[:12]
    ledger = request.GET.get("ledger", "").strip()[:32]
    if not (region or ledger):
        # Opened from the menu: the widest region the user holds a role over (the scope check
        # still decides what they may see).
        region = _home_region(request.user)
    return region, ledger


@login_required
@require_GET
def supervision_page(request: HttpRequest) -> HttpResponse:
    region, ledger = _scope_args(request)
    today = timezone.localdate()
    first = request.GET.get("from", "").strip()[:7] or f"{today.year}-01"
    last = request.GET.get("to", "").strip()[:7] or f"{today:%Y-%m}"
    rule = request.GET.get("rule", "").strip()[:40]
    context = {
        "region": region,
        "ledger": ledger,
        "from": first,
        "to": last,
        "rule": rule,
        "rules": RULE_NAMES,
    }
    if not (region or ledger):
        return render(request, "supervision/home.html", context)
    scope = {"ledger_code": ledger, "region_code": "" if ledger else region}
    try:
        result = services.alerts_list(actor=request.user, first=first, last=last, rule=rule, **scope)
        ledgers = services.scope_ledgers(request.user, **scope)
        findings = _open_findings(request.user, scope)
    except NotPermitted as failure:
        raise Http404 from failure
    except DomainError as failure:
        if failure.problems[0].field in ("ledger", "region"):
            raise Http404 from failure
        context["error"] = "；".join(p.message for p in failure.problems)
        return render(request, "supervision/home.html", context)
    names = {x.code: x.village.name for x in ledgers}
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _download(request, fmt, result.alerts, names, first, last)
    alerts = result.alerts
    by_rule = Counter(a.rule for a in alerts)
    by_village = Counter(a.ledger for a in alerts)
    by_month: dict[str, Counter] = defaultdict(Counter)
    for a in alerts:
        by_month[a.period][a.rule] += 1
    dismissals = services.dismissals_per_rule(ledgers)
    manage = {x.pk for x in ledgers if permissions.can(request.user, access.FINDINGS, x)}
    shown = alerts[:ALERTS_SHOWN]
    _drill_down(shown, ledgers, manage)
    rule_rows = [
        (name, RULE_NAMES[name], by_rule.get(name, 0), dismissals.get(name, 0)) for name in RULE_NAMES
    ]
    context.update(
        alerts=shown,
        more=max(0, len(alerts) - ALERTS_SHOWN),
        total=len(alerts),
        dismissed=result.dismissed,
        by_rule=_bars(rule_rows, value=lambda row: row[2] + row[3]),
        worst=_bars(
            [(code, names.get(code, code), count) for code, count in by_village.most_common(10)],
            value=lambda row: row[2],
        ),
        months=_columns(sorted((period, sum(c.values())) for period, c in by_month.items())),
        findings=findings,
        ages=_ages(findings),
        states=dict(Finding._meta.get_field("state").choices),
        can_open=bool(manage),
        query=request.GET.urlencode(),
    )
    return render(request, "supervision/home.html", context)


def _open_findings(user, scope: dict) -> list[Finding]:
    try:
        found = services.findings_list(actor=user, open_only=True, **scope)
    except (DomainError, NotPermitted):
        return []  # a role that sees alerts but not findings
    return sorted(found, key=lambda f: -f.age_days)


def _bars(rows: list[tuple], *, value) -> list[dict]:
    """Rows with a bar's width in percent of the largest (CSS-free: an SVG rect's width)."""
    top = max((value(row) for row in rows), default=0) or 1
    return [{"row": row, "width": round(100 * value(row) / top, 1)} for row in rows]


def _columns(months: list[tuple[str, int]]) -> dict:
    """The alerts per month as an SVG column chart's geometry (in the chart's own units)."""
    width, height, gap = 40, 120, 8
    top = max((count for _period, count in months), default=0) or 1
    columns = []
    for index, (period, count) in enumerate(months):
        bar = round(height * count / top)
        columns.append(
            {"period": period, "count": count, "x": index * (width + gap), "y": height - bar + 16, "h": bar}
        )
    return {"columns": columns, "width": max(len(months), 1) * (width + gap), "height": height + 40}


def _ages(findings: list[Finding]) -> list[dict]:
    counts = Counter()
    for f in findings:
        for limit, label in AGE_BUCKETS:
            if limit is None or f.age_days <= limit:
                counts[str(label)] += 1
                break
    overdue = sum(1 for f in findings if f.overdue)
    rows = [(str(label), counts.get(str(label), 0)) for _limit, label in AGE_BUCKETS]
    return _bars([*rows, (_("已逾期"), overdue)], value=lambda row: row[1])


def _drill_down(alerts, ledgers, manage: set[int]) -> None:
    """Each alert's ledger (for the voucher page's URL), whether the user may dismiss it, and the
    household of the person it names (the registry's page masks what the role may not see)."""
    by_code = {x.code: x for x in ledgers}
    wanted = {(by_code[a.ledger].village_id, a.person) for a in alerts if a.person}
    households = {}
    if wanted:
        rows = Person.objects.filter(
            village_id__in={v for v, _n in wanted}, name__in={n for _v, n in wanted}
        ).values_list("village_id", "name", "id_number", "household_id")
        # The alert's ID number may be masked for this user: matched in the form it is shown in.
        for v, n, i, h in rows:
            households[(v, n, i)] = households[(v, n, mask(i))] = h
    for a in alerts:
        ledger = by_code[a.ledger]
        a.ledger_obj = ledger
        a.rule_label = RULE_NAMES[a.rule]
        a.may_manage = ledger.pk in manage
        a.household_id = households.get((ledger.village_id, a.person, a.id_number)) if a.person else None


def _download(request, fmt: str, alerts, names: dict, first: str, last: str) -> HttpResponse:
    codes = request.GET.get("headers") == "codes"
    headers = [*services.CSV_COLUMNS, "village"] if codes else CSV_HEADERS
    rows = [[*services.alert_row(a), names.get(a.ledger, "")] for a in alerts]
    filename = f"alerts-{first}-{last}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")
        writer = csv_writer(response, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
    else:
        workbook = xlsx_workbook()
        sheet = workbook.create_sheet(_("监督预警"))
        sheet.append_row([sheet.text_cell(h) for h in headers])
        for row in rows:
            amount = 7
            sheet.append_row(
                [sheet.number_cell(v) if i == amount else sheet.text_cell(v) for i, v in enumerate(row)]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _home_region(user) -> str:
    """The code of the widest region (fewest path segments) of the user's region-wide roles."""
    paths = RoleAssignment.objects.filter(user=user, ledger_id__isnull=True).values_list(
        "region__code", "region__path"
    )
    widest = min(paths, key=lambda row: (len(row[1]), row[0]), default=None)
    return widest[0] if widest else ""


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
def alert_dismiss(request: HttpRequest) -> HttpResponse:
    """Dismiss one alert with a reason (kept, counted per rule); back to the page it came from."""
    fallback = reverse("supervision:home")
    try:
        services.alert_dismiss(
            actor=request.user,
            ledger_code=request.POST.get("ledger", "").strip()[:32],
            alert_key=request.POST.get("alert", "").strip()[:200],
            reason=request.POST.get("reason", ""),
        )
    except NotPermitted as failure:
        raise Http404 from failure
    except DomainError as failure:
        if failure.problems[0].field == "ledger":
            raise Http404 from failure
        return render(
            request,
            "supervision/message.html",
            {"error": "；".join(p.message for p in failure.problems), "back": _back(request, fallback)},
            status=400,
        )
    return redirect(_back(request, fallback))


# ---------------------------------------------------------------------------------------------
# Findings


@login_required
@require_GET
def findings_page(request: HttpRequest) -> HttpResponse:
    region, ledger = _scope_args(request)
    state = request.GET.get("state", "").strip()
    context = {"region": region, "ledger": ledger, "state": state, "states": FindingState.choices}
    if region or ledger:
        try:
            rows = services.findings_list(
                actor=request.user, ledger_code=ledger, region_code="" if ledger else region
            )
        except (NotPermitted, DomainError) as failure:
            raise Http404 from failure
        if state == "overdue":
            rows = [f for f in rows if f.overdue]
        elif state:
            rows = [f for f in rows if f.state == state]
        context["findings"] = rows
    context["can_open"] = ledgers_in_scope(request.user, access.FINDINGS).exists()
    return render(request, "supervision/findings.html", context)


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise DomainError(str(BAD_DATE.format(value=text)), field=field) from error


def _fen(text: str, field: str) -> int:
    text = (text or "").strip().replace(",", "") or "0"
    try:
        return yuan_to_fen(text)
    except (MoneyError, ValueError, ArithmeticError) as error:
        raise DomainError(str(BAD_AMOUNT.format(value=text)), field=field) from error


def _from_alerts(alerts) -> dict:
    """A new finding's fields as the alerts give them."""
    return {
        "title": "、".join(dict.fromkeys(str(RULE_NAMES[a.rule]) for a in alerts)),
        "rule": alerts[0].rule if len({a.rule for a in alerts}) == 1 else "",
        "period": alerts[0].period,
        "vouchers": ";".join(
            dict.fromkeys(str(v.number or v.key or v.id) for a in alerts for v in a.vouchers)
        ),
        "amount": fen_to_text(sum(a.amount_fen for a in alerts)),
        "evidence": "\n".join(a.evidence for a in alerts),
    }


@login_required
@require_http_methods(["GET", "POST"])
def finding_new(request: HttpRequest) -> HttpResponse:
    """Open a finding: from the alerts ticked on the supervision page, or one's own observation."""
    data = request.POST if request.method == "POST" else request.GET
    ledger = data.get("ledger", "").strip()[:32]
    keys = [k.strip()[:200] for k in data.getlist("alert") if k.strip()][:50]
    choices = list(
        ledgers_in_scope(request.user, access.FINDINGS).select_related("village").order_by("code")[:1000]
    )
    if not choices:
        raise Http404
    if keys and not ledger:
        # Ticked on a region's page: the ledger is the alerts' own (their keys name its id).
        ids = {k.split(":")[1] for k in keys if k.count(":") >= 2}
        ledger = next((x.code for x in choices if str(x.pk) in ids), "")
    context = {"choices": choices, "ledger": ledger, "keys": keys, "rules": RULE_NAMES, "values": {}}
    try:
        if request.method == "GET":
            if keys:
                context["values"] = _from_alerts(
                    services.alerts_by_key(actor=request.user, ledger_code=ledger, keys=keys)
                )
            return render(request, "supervision/finding_new.html", context)
        context["values"] = {k: data.get(k, "") for k in ("title", "rule", "period", "vouchers", "amount",
                                                           "evidence", "deadline", "responsible")}  # fmt: skip
        finding = services.finding_open(
            actor=request.user, ledger_code=ledger, title=data.get("title", ""), evidence=data.get("evidence", ""),
            deadline=_date(data.get("deadline", ""), "deadline"), responsible=data.get("responsible", ""),
            amount_fen=_fen(data.get("amount", ""), "amount"), rule=data.get("rule", "").strip(),
            period=data.get("period", "").strip(), voucher_keys=data.get("vouchers", "").strip(), alert_keys=keys,
        )  # fmt: skip
    except NotPermitted as failure:
        raise Http404 from failure
    except DomainError as failure:
        context["error"] = "；".join(p.message for p in failure.problems)
        return render(request, "supervision/finding_new.html", context, status=400)
    return redirect("supervision:finding", code=finding.ledger.code, number=finding.number)


def _finding_context(request: HttpRequest, code: str, number: int) -> dict:
    try:
        finding = services.finding_get(actor=request.user, ledger_code=code, number=number)
    except (NotPermitted, DomainError) as failure:
        raise Http404 from failure
    ledger = finding.ledger
    voucher_ids = []
    for key in finding.alert_keys.splitlines():
        parts = key.split(":")
        if len(parts) > 3:
            voucher_ids += [int(v) for v in parts[3].split(",") if v.isdigit()]
    may_respond = permissions.can(request.user, access.RESPOND, ledger)
    may_verify = permissions.can(request.user, access.VERIFY, ledger)
    return {
        "finding": finding,
        "ledger": ledger,
        "alert_vouchers": list(dict.fromkeys(voucher_ids)),
        "rule_label": RULE_NAMES.get(finding.rule, ""),
        "may_respond": may_respond and finding.state == FindingState.OPEN,
        "may_verify": may_verify and finding.state == FindingState.RESPONDED,
        "max_mb": services.settings.ATTACHMENT_MAX_BYTES // 2**20,
    }


@login_required
@require_GET
def finding_page(request: HttpRequest, code: str, number: int) -> HttpResponse:
    return render(request, "supervision/finding.html", _finding_context(request, code, number))


@login_required
@require_POST
def finding_respond(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """The village's rectification, with its documents as uploaded files."""
    files = [
        services.Upload(f.name or "", f.read(services.settings.ATTACHMENT_MAX_BYTES + 1))
        for f in request.FILES.getlist("files")
    ]
    try:
        services.finding_respond(
            actor=request.user, ledger_code=code, number=number, measures=request.POST.get("measures", ""),
            vouchers=request.POST.get("vouchers", ""), returned_fen=_fen(request.POST.get("returned", ""), "returned"),
            documents=request.POST.get("documents", "").strip(), files=files,
        )  # fmt: skip
    except DomainError as failure:  # NotPermitted too: the page says why (403)
        if failure.problems and failure.problems[0].field == "ledger":
            raise Http404 from failure
        context = _finding_context(request, code, number)
        context.update(respond_error="；".join(p.message for p in failure.problems), posted=request.POST)
        status = 403 if isinstance(failure, NotPermitted) else 400
        return render(request, "supervision/finding.html", context, status=status)
    return redirect("supervision:finding", code=code, number=number)


@login_required
@require_POST
def finding_verify(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """核实: close (销号) or send back, with a note; by another person of another role."""
    accept = request.POST.get("decision") == "close"
    try:
        services.finding_verify(
            actor=request.user,
            ledger_code=code,
            number=number,
            accept=accept,
            note=request.POST.get("note", ""),
        )
    except DomainError as failure:  # NotPermitted (the same person or role) is one too
        if failure.problems and failure.problems[0].field == "ledger":
            raise Http404 from failure
        context = _finding_context(request, code, number)
        context.update(verify_error="；".join(p.message for p in failure.problems))
        status = 403 if isinstance(failure, NotPermitted) else 400
        return render(request, "supervision/finding.html", context, status=status)
    return redirect("supervision:finding", code=code, number=number)


@login_required
@require_GET
def finding_document(request: HttpRequest, code: str, number: int, document_id: int) -> HttpResponse:
    document = services.finding_document_get(
        actor=request.user, ledger_code=code, number=number, document_id=document_id
    )
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as failure:
        raise Http404 from failure
    response = FileResponse(
        handle,
        as_attachment=not is_image(document.content_type),
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, max-age=3600"
    return inline_file_headers(response, document.content_type)
