"""The public pages (no login): a village's disclosures by period, one disclosure with its check,
its stored snapshot, the notice-board poster, a villager's own payments; and the accountant's
page that lists publications and publishes.

Public pages are plain HTML with one small stylesheet and no script, built for a phone. An
unknown ledger or period is a 404 like any other.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villagebooks.common.errors import DomainError
from villagebooks.disclosure import access, selectors, services
from villagebooks.disclosure.check import disclosure_check_recent
from villagebooks.disclosure.models import Disclosure
from villagebooks.disclosure.poster import poster_pdf, village_address
from villagebooks.regions.lockout import client_address
from villagebooks.reports.pdf.document import PDF_CONTENT_TYPE


def _ledger_or_404(code: str):
    ledger = selectors.public_ledger(code)
    if ledger is None:
        raise Http404(_("没有这个村的公开页面"))
    return ledger


@require_GET
def village_page(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger_or_404(code)
    return render(
        request,
        "disclosure/village.html",
        {
            "ledger": ledger,
            "groups": selectors.disclosures_by_period(ledger),
            "address": village_address(ledger),
        },
    )


@require_GET
def disclosure_page(request: HttpRequest, code: str, period: str, version: int | None = None) -> HttpResponse:
    ledger = _ledger_or_404(code)
    disclosure = selectors.disclosure_get(ledger, period.upper(), version)
    if disclosure is None:
        raise Http404(_("这个期间没有公开"))
    versions = selectors.versions_of(disclosure)
    return render(
        request,
        "disclosure/disclosure.html",
        {
            "ledger": ledger,
            "disclosure": disclosure,
            "label": disclosure.period,
            "sections": selectors.shown_sections(disclosure),
            "versions": versions,
            "latest": versions[0],
            "check": disclosure_check_recent(disclosure),
            "checkpoint": selectors.checkpoint_short(disclosure),
        },
    )


@require_GET
def snapshot_json(request: HttpRequest, code: str, period: str, version: int) -> HttpResponse:
    ledger = _ledger_or_404(code)
    disclosure = selectors.disclosure_get(ledger, period.upper(), version)
    if disclosure is None:
        raise Http404(_("这个期间没有公开"))
    response = HttpResponse(disclosure.snapshot, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{ledger.code}-{disclosure.period}-v{version}.json"'
    return response


@require_GET
def poster(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger_or_404(code)
    # Drawing the page (the font subset, the QR code) takes most of a second: the same poster is
    # kept until the village publishes again or the site's address changes.
    newest = Disclosure.objects.filter(ledger=ledger).order_by("-id").values_list("id", flat=True).first()
    key = f"disclosure:poster:{ledger.pk}:{newest}:{hashlib.sha256(village_address(ledger).encode()).hexdigest()[:16]}"
    content = cache.get(key)
    if content is None:
        content = poster_pdf(ledger)
        cache.set(key, content, 24 * 3600)
    response = HttpResponse(content, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{ledger.code}-poster.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger_or_404(code)
    context = {"ledger": ledger, "asked": False}
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        outcome, rows = services.own_payments(
            ledger=ledger,
            id_number=request.POST.get("id_number", ""),
            name=name,
            ip=client_address(request),
        )
        context.update(asked=True, outcome=outcome, rows=rows, name=name if rows else "")
    response = render(
        request, "disclosure/lookup.html", context, status=429 if context.get("outcome") == "limited" else 200
    )
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# The accountant's page


@login_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    ledgers = list(access.ledgers_publishable(request.user).select_related("village").order_by("code"))
    published = Disclosure.objects.filter(ledger__in=ledgers).select_related("ledger", "published_by")
    return render(
        request,
        "disclosure/manage.html",
        {"ledgers": ledgers, "published": published.order_by("ledger__code", "-from_key", "-version")[:200]},
    )


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    ledger = access.ledgers_publishable(request.user).filter(code=request.POST.get("ledger", "")).first()
    if ledger is None:
        messages.error(request, _("账套不存在或您无权公开"))
        return redirect("disclosure:manage")
    try:
        disclosure = services.disclosure_publish(
            actor=request.user,
            ledger=ledger,
            period=request.POST.get("period", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("disclosure:manage")
    messages.success(
        request,
        _("已公开 {ledger} {period}（版本 {version}）：{address}").format(
            ledger=ledger.name,
            period=disclosure.period,
            version=disclosure.version,
            address=services.public_address(disclosure),
        ),
    )
    return redirect("disclosure:manage")
