"""The reads pages and the API share, each starting from the ledgers the user may view.

An allocation is seen through its shares: a user sees the document and the shares of the ledgers
in their scope, never another village's share; a document with no share in scope is not there.
Used amounts come from ``control`` (the same sums budget control holds vouchers against).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet, Sum

from villagebooks.funds.access import action_for
from villagebooks.funds.control import project_used
from villagebooks.funds.models import (
    STATE_ORDER,
    Allocation,
    AllocationShare,
    BudgetLine,
    MilestonePayment,
    ProjectEntry,
)
from villagebooks.ledger.access import Action, can, ledgers_in_scope
from villagebooks.ledger.models import Ledger
from villagebooks.regions.models import Region, RoleAssignment


def allocations_visible(user) -> QuerySet[Allocation]:
    """The allocations with a share in a ledger ``user`` may view, each with those shares only."""
    ledgers = ledgers_in_scope(user, Action.VIEW)
    shares = AllocationShare.objects.filter(ledger__in=ledgers).select_related("ledger", "fund", "project")
    return (
        Allocation.objects.filter(shares__ledger__in=ledgers)
        .distinct()
        .prefetch_related(
            Prefetch("shares", queryset=shares.order_by("ledger__code"), to_attr="visible_shares")
        )
        .order_by("-date", "code")
    )


def allocation_get(user, code: str) -> Allocation | None:
    return allocations_visible(user).filter(code=code).first()


def ledger_shares(ledger: Ledger) -> QuerySet[AllocationShare]:
    return (
        AllocationShare.objects.filter(ledger=ledger)
        .select_related("allocation", "fund", "project")
        .order_by("-allocation__date", "allocation__code")
    )


def ledger_allocated_fen(ledger: Ledger) -> int:
    return AllocationShare.objects.filter(ledger=ledger).aggregate(total=Sum("amount_fen"))["total"] or 0


def projects_of(ledger: Ledger) -> QuerySet[ProjectEntry]:
    lines = BudgetLine.objects.select_related("fund").order_by("account_prefix", "id")
    return (
        ProjectEntry.objects.filter(ledger=ledger)
        .select_related("project")
        .prefetch_related(Prefetch("budget_lines", queryset=lines))
        .annotate(budget_fen=Sum("budget_lines__budget_fen"))
        .order_by("project__code")
    )


def project_get(ledger: Ledger, code: str) -> ProjectEntry | None:
    return projects_of(ledger).filter(project__code=code).first()


@dataclass(frozen=True)
class BudgetRow:
    line: BudgetLine
    used_fen: int

    @property
    def remaining_fen(self) -> int:
        return self.line.budget_fen - self.used_fen


def budget_rows(entry: ProjectEntry) -> list[BudgetRow]:
    used = project_used(entry.project)
    return [BudgetRow(line, used.get(line.pk, 0)) for line in entry.budget_lines.all()]


@dataclass(frozen=True)
class MilestoneRow:
    milestone: MilestonePayment
    due: bool  # the project has reached the state the payment waits for


def milestone_rows(entry: ProjectEntry) -> list[MilestoneRow]:
    """The payment plan and what of it is due at the project's state."""
    reached = STATE_ORDER.index(entry.state)
    return [
        MilestoneRow(milestone, STATE_ORDER.index(milestone.due_state) <= reached)
        for milestone in entry.milestones.order_by("position")
    ]


def next_state(entry: ProjectEntry) -> str | None:
    index = STATE_ORDER.index(entry.state)
    return STATE_ORDER[index + 1] if index + 1 < len(STATE_ORDER) else None


def may_advance(user, entry: ProjectEntry) -> bool:
    """Whether ``user`` may take ``entry`` to its next state (the same rule as the service)."""
    target = next_state(entry)
    if target is None:
        return False
    return can(user, entry.ledger, action_for(target))


# ---------------------------------------------------------------------------------------------
# The passport's and execution's scope: one ledger, or every ledger of a region the user sees


@dataclass(frozen=True)
class FundsScope:
    title: str
    ledger_ids: tuple[int, ...]
    ledger: Ledger | None = None
    region: Region | None = None

    @property
    def query(self) -> dict[str, str]:
        return {"ledger": self.ledger.code} if self.ledger is not None else {"region": self.region.code}


def funds_scope(user, *, ledger_code: str = "", region_code: str = "") -> FundsScope | None:
    """The ledger ``ledger_code`` or the ledgers below region ``region_code`` that ``user`` may
    view (every chart: passports add no account codes together); None when there is none."""
    ledgers = ledgers_in_scope(user, Action.VIEW)
    if ledger_code:
        ledger = ledgers.filter(code=ledger_code).select_related("village").first()
        return FundsScope(ledger.name, (ledger.pk,), ledger=ledger) if ledger is not None else None
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region is None:
        return None
    ids = tuple(
        ledgers.filter(village__path__startswith=region.path).order_by("code").values_list("pk", flat=True)
    )
    return FundsScope(region.name, ids, region=region) if ids else None


def home_region(user) -> Region | None:
    """The widest region of the user's role assignments (a county user: the county)."""
    assignments = RoleAssignment.objects.filter(user=user, ledger_id__isnull=True).select_related("region")
    regions = sorted((a.region for a in assignments), key=lambda region: len(region.path))
    return regions[0] if regions else None
