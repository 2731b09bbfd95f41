"""The supervision page of a region (or one ledger): alerts by rule, village and month, the
alerts themselves, dismissals per rule and open findings by age; the same alerts as CSV.

Thin: parse, call the services, render. A region or ledger the user may not see answers 404,
as one that does not exist does.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.spreadsheet import csv_writer
from villagebooks.supervision.models import Finding
from villagebooks.supervision.rules import RULE_NAMES
from villagebooks.supervision.services import (
    CSV_COLUMNS,
    alert_row,
    alerts_list,
    dismissals_per_rule,
    findings_list,
    scope_ledgers,
)

ALERTS_SHOWN = 500


@login_required
@require_GET
def supervision_page(request: HttpRequest) -> HttpResponse:
    region = request.GET.get("region", "").strip()[:12]
    ledger = request.GET.get("ledger", "").strip()[:32]
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
        # Opened from the menu: the widest region the user holds a role over (the scope check
        # below still decides what they may see).
        region = _home_region(request.user)
        context["region"] = region
    if not (region or ledger):
        return render(request, "supervision/home.html", context)
    try:
        result = alerts_list(
            actor=request.user, ledger_code=ledger, region_code="" if ledger else region, first=first, last=last,
            rule=rule,
        )  # fmt: skip
        findings = findings_list(actor=request.user, ledger_code=ledger, region_code="" if ledger else region,
                                 open_only=True)  # fmt: skip
    except NotPermitted as failure:
        raise Http404 from failure
    except DomainError as failure:
        if failure.problems[0].field in ("ledger", "region"):
            raise Http404 from failure
        context["error"] = "；".join(p.message for p in failure.problems)
        return render(request, "supervision/home.html", context)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="alerts.csv"'
        response.write("\ufeff")
        writer = csv_writer(response, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(alert_row(a) for a in result.alerts)
        return response
    alerts = result.alerts
    by_rule = Counter(a.rule for a in alerts)
    by_village = Counter(a.ledger for a in alerts)
    months: dict[str, Counter] = defaultdict(Counter)
    for a in alerts:
        months[a.period][a.rule] += 1
    dismissals = dismissals_per_rule(
        scope_ledgers(request.user, ledger_code=ledger, region_code="" if ledger else region)
    )
    context.update(
        alerts=alerts[:ALERTS_SHOWN],
        more=max(0, len(alerts) - ALERTS_SHOWN),
        total=len(alerts),
        dismissed=result.dismissed,
        by_rule=[(RULE_NAMES[name], by_rule.get(name, 0), dismissals.get(name, 0)) for name in RULE_NAMES],
        worst=by_village.most_common(10),
        months=sorted((period, sum(c.values())) for period, c in months.items()),
        findings=sorted(findings, key=lambda f: -f.age_days),
        states=dict(Finding._meta.get_field("state").choices),
    )
    return render(request, "supervision/home.html", context)


def _home_region(user) -> str:
    """The code of the widest region (fewest path segments) of the user's region-wide roles."""
    from villagebooks.regions.models import RoleAssignment

    paths = RoleAssignment.objects.filter(user=user, ledger_id__isnull=True).values_list(
        "region__code", "region__path"
    )
    widest = min(paths, key=lambda row: (len(row[1]), row[0]), default=None)
    return widest[0] if widest else ""
