"""The dashboard (概览) of a county, township or village: its figures for a year, each a chart with
a table under it (what prints and what a browser without scripts shows), each a link to its report.

The charts' data travel as ``<script type="application/json">`` blocks read by the static
``web/dashboard.js`` (the Content-Security-Policy allows no inline script); ECharts is served from
``static/vendor/echarts/``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import fen_to_text
from villagebooks.regions.models import Region
from villagebooks.reports.dashboard import Dashboard, build_dashboard
from villagebooks.reports.scope import scope_for_region
from villagebooks.web.selectors import region_children, region_trail
from villagebooks.web.views import _NotFound, _pages

NO_SUCH_REGION = _("区划 {code} 不存在或您无权查看")
BAD_YEAR = _("年份应为四位数字，如 2026")


def _yuan(fen: int) -> float:
    """Yuan as a number for a chart axis (the tables print the exact amounts)."""
    return float(fen_to_text(fen))


def _last(name: str, values: list[int] | None) -> list[dict]:
    """Last year's series, or none when the books hold nothing for last year."""
    return [] if values is None else [{"name": name, "data": [_yuan(v) for v in values]}]


def _charts(board: Dashboard) -> dict:
    year, last = str(board.year), str(board.year - 1)
    shown = board.last_month or 12
    months = [gettext("{month}月").format(month=m) for m in range(1, 13)]
    return {
        "cash": {
            "kind": "line",
            "categories": months,
            "series": [
                {"name": year, "data": [_yuan(v) for v in board.cash.this_year[:shown]]},
                *_last(last, board.cash.last_year),
            ],
        },
        "income": {
            "kind": "bar",
            "categories": months,
            "series": [
                {
                    "name": gettext("{year}年收入").format(year=year),
                    "data": [_yuan(v) for v in board.income.this_year],
                },
                *_last(gettext("{year}年收入").format(year=last), board.income.last_year),
                {
                    "name": gettext("{year}年支出").format(year=year),
                    "data": [_yuan(v) for v in board.spending.this_year],
                },
                *_last(gettext("{year}年支出").format(year=last), board.spending.last_year),
            ],
        },
        "bands": {
            "kind": "pie",
            "series": [
                {"name": band.label or gettext("无经营收益"), "value": band.count} for band in board.bands
            ],
        },
        "closing": {
            "kind": "bar",
            "categories": [gettext("{n} 个月").format(n=n) for n in range(13)],
            "series": [
                {
                    "name": gettext("村数"),
                    "data": [sum(1 for row in board.closing if row.months_closed == n) for n in range(13)],
                }
            ],
        },
    }


@_pages
def region_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    text = request.GET.get("year", "").strip()
    year = timezone.localdate().year
    if text:
        if not (text.isdigit() and len(text) == 4):
            raise _NotFound(str(BAD_YEAR))
        year = int(text)
    try:
        scope = scope_for_region(
            user=request.user, region_code=code, from_key=year * 100 + 1, to_key=year * 100 + 12
        )
    except (DomainError, NotPermitted) as error:
        raise _NotFound(str(NO_SUCH_REGION).format(code=code)) from error
    board = build_dashboard(scope, user=request.user)
    region: Region = scope.region
    months = urlencode({"from": f"{year}-01", "to": f"{year}-12"})

    def report(slug: str, **extra) -> str:
        query = months + ("&" + urlencode(extra) if extra else "")
        return f"{reverse('region_report', args=[code, slug])}?{query}"

    def line(slug: str, no: int) -> str:
        return f"{reverse('region_statement_line', args=[code, slug, no])}?{months}"

    context = {
        "board": board,
        "region": region,
        "year": year,
        "years": [year - 1, year + 1],
        "trail": region_trail(user=request.user, region=region),
        "children": region_children(user=request.user, region=region),
        "charts": _charts(board),
        "months": list(
            zip(
                [gettext("{month}月").format(month=m) for m in range(1, 13)],
                board.cash.this_year,
                board.cash.last_year or [None] * 12,
                board.income.this_year,
                board.income.last_year or [None] * 12,
                board.spending.this_year,
                board.spending.last_year or [None] * 12,
                strict=True,
            )
        ),
        "links": {
            "cash": line("balance-sheet", 1),
            "income": report("income-statement-form"),
            "statistics": report("statistics-income-distribution"),
            "allocations": reverse("funds:allocations"),
            "subsidies": reverse("registry:reconciliation"),
            "findings": f"{reverse('supervision:home')}?{urlencode({'region': code})}",
            "alerts": f"{reverse('supervision:home')}?{urlencode({'region': code, 'from': f'{year}-01', 'to': f'{year}-12'})}",
            "villages": report("village-statements"),
        },
        "bands": [
            (
                band,
                line("statistics-income-distribution", band.row)
                if band.row
                else report("statistics-income-distribution"),
            )
            for band in board.bands
        ],
        "closing": [
            (row, reverse("setup:closing", args=[row.village.ledger_codes[0]])) for row in board.closing
        ],
        "project_links": [
            (project, reverse("funds:project", args=[project.ledger_code, project.code]))
            for project in board.projects
        ],
    }
    return render(request, "web/dashboard.html", context)
