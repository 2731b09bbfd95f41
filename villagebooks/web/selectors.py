"""Reads behind the pages that no other app offers yet: the ledger overview on the home page, the
accounts of a statement line, the regions whose consolidated reports a user may open. The reads
that the workspace and the API share with the pages (a voucher in scope, an attachment, the
accounts, the months a report opens on) are ``ledger.selectors``.

Everything starts from ``ledgers_in_scope``, so a page never sees a ledger its user may not
view. The overview counts what needs attention with correlated subqueries inside the one query
that fetches a page of ledgers: the number of queries does not grow with the number of ledgers,
and only the ledgers of the page shown are counted. Every other read here is a fixed number of
queries whatever the size of the books.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from villagebooks.claims.access import SUBMIT
from villagebooks.claims.selectors import my_claims
from villagebooks.ledger.access import (
    Action,
    can_in_region,
    ledgers_in_scope,
)
from villagebooks.ledger.domain.periods import next_period
from villagebooks.ledger.models import (
    Account,
    Ledger,
    Period,
    PeriodStatus,
    Voucher,
    VoucherStatus,
)
from villagebooks.ledger.selectors import account_list, ledgers_in_force
from villagebooks.regions import permissions
from villagebooks.regions.models import Region, RegionKind, Role
from villagebooks.reports.scope import consolidated_name
from villagebooks.reports.statements import FormulaError, parse_formula
from villagebooks.supervision.models import Finding, FindingState

# A full-width space a level: the account picker shows sub-accounts under their parents.
ACCOUNT_INDENT = "\u3000"


def _count_per_ledger(rows: QuerySet) -> Coalesce:
    """The number of ``rows`` belonging to the outer ledger, as an annotation (0 when none)."""
    counted = rows.filter(ledger_id=OuterRef("pk")).order_by().values("ledger_id").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")[:1], output_field=IntegerField()), Value(0))


def _matching(ledgers: QuerySet[Ledger], search: str) -> QuerySet[Ledger]:
    """``ledgers`` narrowed by ``search`` in the ledger's code or name or the village's name."""
    if not search:
        return ledgers
    return ledgers.filter(
        Q(code__icontains=search) | Q(name__icontains=search) | Q(village__name__icontains=search)
    )


def ledger_overview(*, user, today: date, search: str = "") -> QuerySet[Ledger]:
    """The ledgers ``user`` may view, with their village and township and what needs attention.

    Each ledger carries ``draft_count`` (vouchers still being prepared), ``submitted_count``
    (vouchers waiting for review), ``open_past_count`` (months before ``today``'s month that
    are not closed yet) and ``carried_over_in`` (for an old ledger carried over to a new one,
    新旧衔接, the year the new one starts; else None). The months of an old ledger from that year
    on are the new ledger's to keep: they are not counted as open. ``search`` narrows by ledger
    code or name, or village name.
    """
    ledgers = _matching(ledgers_in_scope(user, Action.VIEW), search)
    past = Q(year__lt=today.year) | Q(year=today.year, month__lt=today.month)
    own = Q(ledger__continued_by__isnull=True) | Q(ledger__continued_by__start_year__gt=F("year"))
    return (
        ledgers.select_related("village__parent")
        .annotate(
            draft_count=_count_per_ledger(Voucher.objects.filter(status=VoucherStatus.DRAFT)),
            submitted_count=_count_per_ledger(Voucher.objects.filter(status=VoucherStatus.SUBMITTED)),
            open_past_count=_count_per_ledger(Period.objects.filter(past, own, status=PeriodStatus.OPEN)),
            carried_over_in=F("continued_by__start_year"),
        )
        .order_by("code")
    )


def ledgers_in_force_count(*, user, search: str = "") -> int:
    """How many of the ledgers ``ledger_overview`` lists hold a village's books now
    (``ledgers_in_force``): the home page's count, old ledgers carried over named apart."""
    return _matching(ledgers_in_force(user), search).count()


def region_for_summary(*, user, code: str) -> Region | None:
    """The region ``code`` if ``user`` holds a region-wide role that may view it; else None.

    A role on single ledgers does not open the consolidated reports of the region around them,
    even when the user's ledgers lie in it (``can_in_region`` decides).
    """
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None or not can_in_region(user, region, Action.VIEW):
        return None
    return region


def review_waiting(*, user) -> int | None:
    """How many vouchers others prepared wait for ``user``'s review across the ledgers they may
    review; None for a user who reviews nowhere (their home page shows no review queue)."""
    ledgers = ledgers_in_scope(user, Action.REVIEW)
    if not ledgers.exists():
        return None
    return (
        Voucher.objects.filter(ledger__in=ledgers, status=VoucherStatus.SUBMITTED)
        .exclude(prepared_by=user)
        .count()
    )


REPORTER_CLAIMS_SHOWN = 5


def reporter_claims(*, user) -> list | None:
    """A village reporter's latest claims, for the top of their home page; None for a user who
    submits no claims or who keeps books (their home page is the ledger table)."""

    if ledgers_in_scope(user, Action.PREPARE).exists() or not ledgers_in_scope(user, SUBMIT).exists():
        return None
    return list(my_claims(user=user)[:REPORTER_CLAIMS_SHOWN])


def summary_regions(*, user) -> list[Region]:
    """The regions whose consolidated reports ``user`` may open, highest first."""
    paths = permissions.region_paths(user, Action.VIEW)
    if paths is None:
        return list(Region.objects.filter(parent__isnull=True).order_by("path"))
    return list(Region.objects.filter(path__in=paths).order_by("path")) if paths else []


# The read-only region roles whose home page opens on their region's state (辖区概况).
REGION_STATE_ROLES = (Role.COUNTY, Role.SUPERVISOR)


@dataclass
class RegionState:
    """A region's state for a county user's home: its villages' books at a glance."""

    region: Region
    rows: list[dict]  # one a township (or the region itself): name, code and the counts below
    total: dict


def _state_counts() -> dict:
    return {
        "villages": 0,
        "ledgers": 0,
        "closed_last_month": 0,
        "behind": 0,
        "drafts": 0,
        "waiting": 0,
        "findings_open": 0,
    }


def region_state(*, user, today: date) -> list[RegionState] | None:
    """For a user holding a county-level read role (``REGION_STATE_ROLES``) region-wide: each of
    their regions with, per township, its villages, ledgers, how many closed last month, how
    many have an earlier month still open (behind), drafts, vouchers waiting for review and
    open supervision findings. None for anyone else (their home is another).

    Counted in SQL per ledger (``ledger_overview``'s annotations, one query) and added up per
    township here; findings in one grouped query. Supervision alerts are not counted: they are
    computed by running the rules over the books, not stored, which is a report, not a home page.

    A village whose 2004 ledger was carried over to a new one (新旧衔接) is one ledger here, the
    one in force (``ledgers_in_force``, as the region tree counts): the old ledger counts in
    neither the ledgers nor the months closed or behind (its books stopped at the conversion).
    What still waits on it (drafts, vouchers to review, open findings) is counted with its village.
    """
    held = [
        h for h in permissions.assignments_of(user) if h.ledger_id is None and h.role in REGION_STATE_ROLES
    ]
    if not held:
        return None
    paths = sorted({h.region_path for h in held})
    # A region inside another of the user's is counted there.
    paths = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    last = today.replace(day=1) - timedelta(days=1)
    states = []
    for region in Region.objects.filter(path__in=paths).order_by("path"):
        ledgers = (
            ledger_overview(user=user, today=today)
            .filter(village__path__startswith=region.path)
            .annotate(
                closed_last_month=Exists(
                    Period.objects.filter(
                        ledger_id=OuterRef("pk"), year=last.year, month=last.month, status=PeriodStatus.CLOSED
                    )
                )
            )
        )
        counted = set(
            ledgers_in_force(user).filter(village__path__startswith=region.path).values_list("pk", flat=True)
        )
        findings = dict(
            Finding.objects.filter(ledger__in=ledgers.values("pk"))
            .exclude(state=FindingState.CLOSED)
            .values("ledger_id")
            .annotate(n=Count("pk"))
            .values_list("ledger_id", "n")
        )
        villages = dict(
            Region.objects.filter(path__startswith=region.path, kind=RegionKind.VILLAGE)
            .values("parent_id")
            .annotate(n=Count("pk"))
            .values_list("parent_id", "n")
        )
        groups: dict[int, dict] = {}
        for ledger in ledgers:
            township = ledger.village.parent if region.kind != RegionKind.VILLAGE else ledger.village
            row = groups.setdefault(
                township.pk, {"name": township.name, "code": township.code} | _state_counts()
            )
            if ledger.pk in counted:
                row["ledgers"] += 1
                row["closed_last_month"] += int(ledger.closed_last_month)
                row["behind"] += int(ledger.open_past_count > 0)
            row["drafts"] += ledger.draft_count
            row["waiting"] += ledger.submitted_count
            row["findings_open"] += findings.get(ledger.pk, 0)
        for pk, row in groups.items():
            row["villages"] = villages.get(pk, 1 if region.kind == RegionKind.VILLAGE else 0)
        rows = sorted(groups.values(), key=lambda r: r["code"])
        total = _state_counts()
        for row in rows:
            for key in total:
                total[key] += row[key]
        states.append(
            RegionState(
                region=region, rows=rows, total=total | {"last_month": f"{last.year}-{last.month:02d}"}
            )
        )
    return states


@dataclass(frozen=True)
class LinkedLedgers:
    """The ledgers of a conversion (新旧衔接) around one ledger that its user may view."""

    old: Ledger | None = None  # the ledger it continues
    new: Ledger | None = None  # the ledger that continues it
    # The year the ledger that continues it starts, seen or not: the ledger keeps no books from then.
    carried_over_in: int | None = None


def linked_ledgers(*, user, ledger: Ledger) -> LinkedLedgers:
    """The old ledger ``ledger`` continues and the new one that continues it, each only if
    ``user`` may view it: one query, none for a ledger of no conversion whose successor is
    loaded (``ledger_get`` loads it)."""
    successor = getattr(ledger, "continued_by", None)
    if ledger.continues_id is None and successor is None:
        return LinkedLedgers()
    match = Q(continues=ledger)
    if ledger.continues_id is not None:
        match |= Q(pk=ledger.continues_id)
    found = list(ledgers_in_scope(user, Action.VIEW).filter(match))
    return LinkedLedgers(
        old=next((other for other in found if other.pk == ledger.continues_id), None),
        new=next((other for other in found if other.continues_id == ledger.pk), None),
        carried_over_in=successor.start_year if successor is not None else None,
    )


def account_choices(ledger: Ledger) -> list[tuple[str, str]]:
    """(code, "code name") of every account of ``ledger`` in code order, sub-accounts indented."""
    accounts = account_list(ledger=ledger).values_list("code", "name", "level")
    return [(code, f"{ACCOUNT_INDENT * (level - 1)}{code} {name}") for code, name, level in accounts]


def region_account_choices(*, user, region: Region, chart: str) -> list[tuple[str, str]]:
    """(code, "code name") of the accounts of the region's ledgers of ``chart`` that ``user`` sees.

    Sub-accounts are the ledgers' own, so one code may carry different names in two villages:
    the picker names such a code as the consolidated trial balance does (银行存款 — 各村明细).
    """
    ledgers = ledgers_in_scope(user, Action.VIEW).filter(village__path__startswith=region.path, chart=chart)
    accounts = (
        Account.objects.filter(ledger__in=ledgers)
        .values("code")
        .annotate(first=Min("name"), last=Max("name"), level=Min("level"))
        .order_by("code")
        .values_list("code", "first", "last", "level")
    )
    return [
        (code, f"{ACCOUNT_INDENT * (level - 1)}{code} {consolidated_name(code, name, last, chart=chart)}")
        for code, name, last, level in accounts
    ]


def posted_voucher_ids(*, ledger: Ledger, from_key: int, to_key: int) -> dict[tuple[int, int], int]:
    """(period key, number) → id of every voucher of ``ledger`` posted in the months.

    The books print a voucher as its month and 记-N; this is how their rows find the voucher
    page, in one query whatever the number of rows.
    """
    first = date(from_key // 100, from_key % 100, 1)
    after = next_period(to_key)
    rows = Voucher.objects.filter(
        ledger=ledger,
        status=VoucherStatus.POSTED,
        date__gte=first,
        date__lt=date(after // 100, after % 100, 1),
    ).values_list("date", "number", "id")
    return {(day.year * 100 + day.month, number): pk for day, number, pk in rows}


def statement_line_terms(*, layouts, line_no: int) -> list[tuple[int, str, str]] | None:
    """The account references a statement line adds up, other lines' formulas expanded.

    ``layouts`` are the statement's (``Statement.layouts``, lines loaded). Returns (coefficient,
    function, account code) in the order the formulas name them, with function "" (the balance),
    "debit", "credit" or "opening" (see ``reports.statements``); references that cancel out are
    left out. None when the layout has no such numbered line, or when the statement adds up
    counties whose layouts compute the line differently (no one list of accounts is behind it).
    Layouts are checked free of cycles when saved; a cycle met here anyway stops the expansion
    rather than recursing for ever.
    """
    expanded = {_line_terms(layout, line_no) for layout in layouts}
    return list(expanded.pop()) if len(expanded) == 1 and None not in expanded else None


def _line_terms(layout, line_no: int) -> tuple[tuple[int, str, str], ...] | None:
    lines = {line.line_no: line for line in layout.lines.all() if line.line_no is not None}
    if line_no not in lines:
        return None
    totals: dict[tuple[str, str], int] = {}

    def expand(number: int, coefficient: int, path: tuple[int, ...]) -> None:
        line = lines.get(number)
        if line is None or number in path or not line.formula:
            return
        try:
            terms = parse_formula(line.formula)
        except FormulaError:
            return
        for factor, (function, target) in terms:
            if function == "line":
                expand(int(target), coefficient * factor, (*path, number))
            else:
                totals[(function, target)] = totals.get((function, target), 0) + coefficient * factor

    expand(line_no, 1, ())
    return tuple(
        (coefficient, function, code) for (function, code), coefficient in totals.items() if coefficient
    )


def ledger_actions(*, user, ledgers: list[Ledger]) -> dict[int, dict[str, bool]]:
    """For the ledgers of one page (villages loaded): which of them ``user`` may prepare, review,
    close, set up or book claims on, in one query, so that the home page offers only the links
    that lead somewhere."""
    names = {"prepare": Action.PREPARE, "review": Action.REVIEW, "close": Action.CLOSE}
    names |= {"setup": Action.SETUP, "claim": SUBMIT}
    allowed = permissions.actions_on_ledgers(user, ledgers)
    return {
        pk: {name: action in actions for name, action in names.items()} for pk, actions in allowed.items()
    }


@dataclass(frozen=True)
class Place:
    """A region as the pages offer it: in the breadcrumb, in the region picker, as a child row.

    ``depth`` indents it in the picker (0 for the highest region the user may open); ``summary``
    says whether the user may open its consolidated reports (a region-wide role covering it);
    ``ledger_code`` is the village's own ledger the user may view, if there is exactly one.
    """

    code: str
    name: str
    kind: str
    kind_label: str
    depth: int = 0
    summary: bool = False
    ledger_code: str = ""

    @property
    def indent(self) -> str:
        return ACCOUNT_INDENT * self.depth


def _place(region: Region, *, depth: int = 0, summary: bool = False, ledger_code: str = "") -> Place:
    return Place(
        code=region.code,
        name=region.name,
        kind=region.kind,
        kind_label=str(region.get_kind_display()),
        depth=depth,
        summary=summary,
        ledger_code=ledger_code,
    )


def _village_ledgers(user, paths: list[str]) -> dict[str, str]:
    """Village code → the code of the one ledger ``user`` may view there (villages with two are left
    out): of a converted village (新旧衔接), the new ledger, or the old one to a user who sees only
    that (``ledgers_in_force``)."""
    ledgers = ledgers_in_force(user)
    if paths:
        match = Q()
        for path in paths:
            match |= Q(village__path__startswith=path)
        ledgers = ledgers.filter(match)
    found: dict[str, list[str]] = {}
    for village, code in ledgers.order_by("code").values_list("village__code", "code"):
        found.setdefault(village, []).append(code)
    return {village: codes[0] for village, codes in found.items() if len(codes) == 1}


def region_trail(*, user, region: Region) -> list[Place]:
    """The breadcrumb down to ``region``: its ancestors and itself, by name, highest first.

    Each step says whether ``user`` may open its consolidated reports, so that the page links
    only the steps that lead somewhere (a township accountant's trail names the county unlinked).
    Two queries whatever the depth.
    """
    codes = [code for code in region.path.split("/") if code]
    regions = sorted(Region.objects.filter(code__in=codes), key=lambda r: len(r.path))
    paths = permissions.region_paths(user, Action.VIEW)
    return [
        _place(r, depth=i, summary=paths is None or any(r.path.startswith(p) for p in paths))
        for i, r in enumerate(regions)
    ]


def region_children(*, user, region: Region) -> list[Place]:
    """The regions directly under ``region`` that hold ledgers ``user`` may view, with their ledger."""
    paths = permissions.region_paths(user, Action.VIEW)
    children = list(Region.objects.filter(parent=region).order_by("code"))
    holding = set(
        ledgers_in_scope(user, Action.VIEW)
        .filter(village__path__startswith=region.path)
        .values_list("village__path", flat=True)
        .distinct()
    )
    ledgers = _village_ledgers(user, [region.path])
    return [
        _place(
            child,
            summary=paths is None or any(child.path.startswith(p) for p in paths),
            ledger_code=ledgers.get(child.code, ""),
        )
        for child in children
        if any(path.startswith(child.path) for path in holding)
    ]


def region_picker(*, user) -> list[Place]:
    """Every region ``user`` may open consolidated reports of, as a tree in path order: the
    regions of the user's region-wide roles and everything under them (county, townships,
    villages); then, by themselves, the villages outside that tree where the user sees a ledger
    through roles on single ledgers, each leading to that ledger (an accountant assigned to a
    village's books, the old ledger of a converted village if that is the one they see). A
    village leads to the one ledger the user sees there (``_village_ledgers``). Three queries,
    four with villages of single ledgers."""
    paths = permissions.region_paths(user, Action.VIEW)
    ledgers = _village_ledgers(user, [])
    places = []
    if paths != []:
        regions = Region.objects.all()
        if paths is not None:
            match = Q()
            for path in paths:
                match |= Q(path__startswith=path)
            regions = regions.filter(match)
        regions = list(regions.order_by("path"))
        top = min((r.path.count("/") for r in regions), default=0)
        places = [
            _place(r, depth=r.path.count("/") - top, summary=True, ledger_code=ledgers.get(r.code, ""))
            for r in regions
        ]
    outside = set(ledgers) - {place.code for place in places}
    if outside:
        villages = Region.objects.filter(code__in=outside).order_by("path")
        places += [_place(village, ledger_code=ledgers[village.code]) for village in villages]
    return places
