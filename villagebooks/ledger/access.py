"""Who may do what to which ledger: the one place that decides.

A user holds roles (``RoleAssignment``) at places of the region tree or on single ledgers.
Every selector filters through ``ledgers_in_scope`` and every service calls ``require``; the
pages, the API and the commands add no rules of their own. Superusers act as administrators.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import NotPermitted
from villagebooks.ledger.models import Ledger
from villagebooks.regions.models import Region, Role, RoleAssignment


class Action(StrEnum):
    VIEW = "view"
    SETUP = "setup"  # create ledgers, sub-accounts, funds, counterparties, opening balances
    PREPARE = "prepare"  # create, edit, submit and reverse vouchers; import
    REVIEW = "review"
    POST = "post"
    CLOSE = "close"  # month and year close
    REOPEN = "reopen"
    CLAIM = "claim"  # submit claims (报账单) with receipt photos; booking them is PREPARE


ROLE_ACTIONS: dict[str, set[Action]] = {
    Role.ADMIN: set(Action),
    Role.COUNTY: {Action.VIEW},
    Role.AGENCY_MANAGER: {Action.VIEW, Action.SETUP, Action.CLOSE, Action.REOPEN},
    Role.ACCOUNTANT: {Action.VIEW, Action.SETUP, Action.PREPARE, Action.POST, Action.CLOSE},
    Role.REVIEWER: {Action.VIEW, Action.REVIEW},
    Role.REPORTER: {Action.VIEW, Action.CLAIM},
    Role.SUPERVISOR: {Action.VIEW},
}

FORBIDDEN_REGION = _("您没有权限在“{region}”执行此操作")
FORBIDDEN = _("您没有权限对账套“{ledger}”执行此操作")


def _assignment_filter(user, action: Action) -> Q | None:
    """A filter on Ledger for the ledgers where ``user`` may do ``action``; None for everything."""
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    roles = [role for role, actions in ROLE_ACTIONS.items() if action in actions]
    condition = Q(pk__in=[])
    for assignment in RoleAssignment.objects.filter(user=user, role__in=roles).select_related("region"):
        if assignment.ledger_id is not None:
            condition |= Q(pk=assignment.ledger_id)
        elif assignment.role == Role.ADMIN and assignment.region.parent_id is None:
            return None
        else:
            condition |= Q(village__path__startswith=assignment.region.path)
    return condition


def ledgers_in_scope(user, action: Action = Action.VIEW) -> QuerySet[Ledger]:
    condition = _assignment_filter(user, action)
    ledgers = Ledger.objects.all()
    return ledgers if condition is None else ledgers.filter(condition)


def viewable_ledger(user, code: str) -> Ledger | None:
    """The ledger ``code`` if ``user`` may view it, else None (a page answers 404 either way).

    With its village and township, which ``can`` and ``actions_on`` read.
    """
    return ledgers_in_scope(user, Action.VIEW).filter(code=code).select_related("village__parent").first()


def actions_on_ledgers(user, ledgers) -> dict[int, frozenset[Action]]:
    """Everything ``user`` may do on each of ``ledgers`` (their villages loaded), in one query.

    The same rule as ``ledgers_in_scope``, applied in Python to the user's few role assignments:
    a role on the ledger itself, a region-wide role over the ledger's village, or an administrator
    at a root of the tree. Every service's ``require`` and every page's controls come through here.
    """
    ledgers = list(ledgers)
    if not user or not user.is_authenticated or not user.is_active:
        return {ledger.pk: frozenset() for ledger in ledgers}
    if user.is_superuser:
        return {ledger.pk: frozenset(Action) for ledger in ledgers}
    held = list(
        RoleAssignment.objects.filter(user=user).values_list(
            "role", "ledger_id", "region__path", "region__parent_id"
        )
    )
    result = {}
    for ledger in ledgers:
        path = ledger.village.path
        roles = {
            role
            for role, ledger_id, region_path, parent_id in held
            if ledger_id == ledger.pk
            or (
                ledger_id is None
                and (path.startswith(region_path) or (role == Role.ADMIN and parent_id is None))
            )
        }
        result[ledger.pk] = frozenset(action for role in roles for action in ROLE_ACTIONS.get(role, ()))
    return result


def actions_on(user, ledger: Ledger) -> frozenset[Action]:
    """Everything ``user`` may do on ``ledger``, in one query (``actions_on_ledgers``)."""
    return actions_on_ledgers(user, [ledger])[ledger.pk]


def can(user, ledger: Ledger, action: Action) -> bool:
    """The same rule as ``ledgers_in_scope``, for one ledger, in one query: on the path of every click."""
    return action in actions_on(user, ledger)


def can_in_region(user, region: Region, action: Action) -> bool:
    """Whether ``user`` holds a region-wide role for ``action`` covering ``region`` (not a ledger-level one)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = [role for role, actions in ROLE_ACTIONS.items() if action in actions]
    paths = RoleAssignment.objects.filter(user=user, role__in=roles, ledger_id__isnull=True).values_list(
        "region__path", flat=True
    )
    return any(region.path.startswith(path) for path in paths)


def require_in_region(user, region: Region, action: Action) -> None:
    if not can_in_region(user, region, action):
        raise NotPermitted(FORBIDDEN_REGION.format(region=region.name))


def require(user, ledger: Ledger, action: Action) -> None:
    """Raise ``NotPermitted`` unless ``user`` may do ``action`` on ``ledger``."""
    if not can(user, ledger, action):
        raise NotPermitted(FORBIDDEN.format(ledger=ledger.name))
