"""Every report of the catalogue, for one ledger or added up over a region, as JSON.

The endpoint does what the ``report`` command does (scope, build, rows) and nothing more, so a
report costs the API only the builder's own queries; rows become objects keyed by the report's
columns, with amounts as decimal strings.
"""

from enum import StrEnum
from typing import Annotated, Literal

from ninja import Field, Path, Query, Router, Schema

from villagebooks.api import schemas as S
from villagebooks.api.errors import NotFound
from villagebooks.api.fields import OPTIONAL_ACCOUNT_CODE_PATTERN, Code, Period, money_text, text
from villagebooks.api.selectors import UNKNOWN_REGION
from villagebooks.common import rawrows
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger.domain.periods import parse_period, period_label
from villagebooks.regions.models import Region
from villagebooks.reports.catalog import REPORT_KINDS, ReportKind, report_view_record
from villagebooks.reports.scope import UNKNOWN_LEDGER, ReportScope, scope_for_ledger, scope_for_region

router = Router(tags=["报表"])
ACCOUNT_NOT_TAKEN = "该报表不按科目查看，请去掉 account 参数"
OPTION_NOT_TAKEN = "该报表没有 {name} 参数，请去掉它"
DECLARED_OPTIONS = ("by",)  # builder options that the query schema documents

ReportSlug = StrEnum("ReportSlug", {slug.replace("-", "_"): slug for slug in REPORT_KINDS})
Slug = Annotated[
    ReportSlug, Path(description="报表：" + "、".join(f"{s}（{k.title}）" for s, k in REPORT_KINDS.items()))
]


class PeriodRange(Schema):
    from_: Period = Field(..., alias="from", description="起始期间 YYYY-MM", examples=["2025-01"])
    to: Period = Field(..., description="截止期间 YYYY-MM", examples=["2025-03"])
    account: text(20, pattern=OPTIONAL_ACCOUNT_CODE_PATTERN) = Field(
        "", description="科目编码（明细账等按科目查看的报表；不填为全部科目）"
    )
    by: Literal["", "fund", "counterparty"] = Field(
        "", description="辅助核算余额表：fund（资金来源）或 counterparty（往来单位）"
    )


class RegionRange(PeriodRange):
    chart: Literal["2023", "2004"] = Field("2023", description="汇总哪种会计制度的账套")


def _keys(query: PeriodRange) -> tuple[int, int]:
    problems = []
    keys = []
    for name, value in (("from", query.from_), ("to", query.to)):
        try:
            keys.append(parse_period(value, field=name))
        except DomainError as error:
            problems += error.problems
    if problems:
        raise DomainError(problems=problems)
    return keys[0], keys[1]


def _cells(kind: ReportKind, values: list) -> dict:
    """A row as an object keyed by the report's columns: amounts as decimal strings (null: blank)."""
    return {
        column: (
            value
            if index < kind.text_columns or value is None or isinstance(value, str)
            else money_text(value)
        )
        for index, (column, value) in enumerate(zip(kind.columns, values, strict=True))
    }


def _options(kind: ReportKind, query: PeriodRange, request) -> dict:
    """The builder's own keyword options (``ReportKind.options``) that the request gives."""
    taken = getattr(kind, "options", ())
    for name in DECLARED_OPTIONS:
        if getattr(query, name).strip() and name not in taken:
            raise DomainError(OPTION_NOT_TAKEN.format(name=name), field=name)
    values = {}
    for name in taken:
        value = getattr(query, name, None) or request.GET.get(name, "")
        if value.strip():
            values[name] = value.strip()
    return values


def _report(kind: ReportKind, scope: ReportScope, query: PeriodRange, request) -> dict:
    account = query.account.strip()
    if account and not kind.needs_account:
        raise DomainError(ACCOUNT_NOT_TAKEN, field="account")
    options = _options(kind, query, request)
    if kind.needs_account:
        report = kind.build(scope, account=account or None, **options)
    else:
        report = kind.build(scope, **options)
    report_view_record(
        actor=request.auth, kind=kind, scope=scope, fmt="json", via="api", account=account, **options
    )
    return {
        "report": kind.slug,
        "title": str(kind.title),  # lazy: in the request's language
        "scope": scope.title,
        "chart": scope.chart,
        "period": {
            "from": period_label(scope.from_key),
            "to": period_label(scope.to_key),
            "text": scope.period_text,
        },
        "account": (
            {
                "code": getattr(report, "account_code", account),
                "name": getattr(report, "account_name", ""),
            }
            if kind.needs_account
            else None
        ),
        "columns": kind.columns,
        "headers": [str(header) for header in kind.headers],
        "rows": [_cells(kind, row) for row in kind.rows(report)],
        "total": _cells(kind, kind.total(report)),
        "warning": kind.warning(report),
    }


@router.get(
    "/ledgers/{code}/reports/{slug}",
    response={200: S.ReportOut, **S.ERRORS},
    by_alias=True,
    summary="账套报表",
)
def ledger_report(request, code: Code, slug: Slug, query: Query[PeriodRange]):
    from_key, to_key = _keys(query)
    try:
        scope = scope_for_ledger(user=request.auth, ledger_code=code, from_key=from_key, to_key=to_key)
    except NotPermitted as error:  # not in scope or not there: the same answer
        raise NotFound(UNKNOWN_LEDGER.format(code=code)) from error
    return _report(REPORT_KINDS[slug.value], scope, query, request)


@router.get(
    "/regions/{code}/reports/{slug}",
    response={200: S.ReportOut, **S.ERRORS},
    by_alias=True,
    summary="区域汇总报表（您可以查看的账套）",
)
def region_report(request, code: Code, slug: Slug, query: Query[RegionRange]):
    from_key, to_key = _keys(query)
    region = rawrows.first(Region, "t.code = %s", [code])  # the ORM's compiling cost more than the query
    if region is None:
        raise NotFound(UNKNOWN_REGION.format(code=code))
    try:
        scope = scope_for_region(
            user=request.auth,
            region_code=code,
            region=region,
            from_key=from_key,
            to_key=to_key,
            chart=query.chart,
        )
    except NotPermitted as error:  # no ledger there that the caller may see
        raise NotFound(str(error.problems[0].message)) from error
    return _report(REPORT_KINDS[slug.value], scope, query, request)
