"""The ledger's actions, and the ledger-shaped questions about them: the one place pages, the API,
commands and services ask what a user may do to which ledger.

The rule itself (roles at places of the region tree or on single ledgers, the user's assignments
loaded once) lives in ``regions.permissions``; this module declares the ledger's actions there
(``ledger.view`` … ``ledger.reopen``, imported by ``LedgerConfig.ready``) and answers with
``Ledger`` querysets and ``NotPermitted``. Any declared action of another app (``claims.submit``)
is answered the same way on ledgers; a name nobody declared raises ``UnknownAction``. Every
selector filters through ``ledgers_in_scope`` and every service calls ``require``; the pages, the
API and the commands add no rules of their own. Superusers act as administrators.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import NotPermitted
from villagebooks.ledger.models import Ledger
from villagebooks.regions import permissions
from villagebooks.regions.models import Region, Role


class Action(StrEnum):
    VIEW = "ledger.view"
    SETUP = "ledger.setup"  # create ledgers, sub-accounts, funds, counterparties, opening balances
    PREPARE = "ledger.prepare"  # create, edit, submit and reverse vouchers; import
    REVIEW = "ledger.review"
    POST = "ledger.post"
    CLOSE = "ledger.close"  # month and year close
    REOPEN = "ledger.reopen"


_ALL = tuple(Role.values)
permissions.declare(
    "ledger",
    {
        "view": _ALL,
        "setup": (Role.ADMIN, Role.AGENCY_MANAGER, Role.ACCOUNTANT),
        "prepare": (Role.ADMIN, Role.ACCOUNTANT),
        "review": (Role.ADMIN, Role.REVIEWER),
        "post": (Role.ADMIN, Role.ACCOUNTANT),
        "close": (Role.ADMIN, Role.AGENCY_MANAGER, Role.ACCOUNTANT),
        "reopen": (Role.ADMIN, Role.AGENCY_MANAGER),
    },
)

FORBIDDEN_REGION = _("您没有权限在“{region}”执行此操作")
FORBIDDEN = _("您没有权限对账套“{ledger}”执行此操作")


def ledgers_in_scope(user, action: str = Action.VIEW) -> QuerySet[Ledger]:
    """The ledgers where ``user`` may do ``action``, as a queryset to narrow further."""
    condition = permissions.ledger_filter(user, action)
    ledgers = Ledger.objects.all()
    return ledgers if condition is None else ledgers.filter(condition)


def actions_on_ledgers(user, ledgers) -> dict[int, frozenset[str]]:
    """Every ledger action (``Action``) ``user`` may do on each of ``ledgers`` (villages loaded).

    The same rule as ``ledgers_in_scope``, applied in Python to the user's few role assignments,
    which are read once per request or command. Other apps' actions on the same ledgers come from
    ``regions.permissions.actions_on_ledgers``.
    """
    return permissions.actions_on_ledgers(user, ledgers, app="ledger")


def actions_on(user, ledger: Ledger) -> frozenset[str]:
    """Every ledger action ``user`` may do on ``ledger``."""
    return actions_on_ledgers(user, [ledger])[ledger.pk]


def can(user, ledger: Ledger, action: str) -> bool:
    """The same rule as ``ledgers_in_scope``, for one ledger: on the path of every click."""
    return permissions.can(user, action, ledger)


def can_in_region(user, region: Region, action: str) -> bool:
    """Whether ``user`` holds a region-wide role for ``action`` covering ``region`` (not a ledger-level one)."""
    return permissions.can_in_region(user, action, region)


def require_in_region(user, region: Region, action: str) -> None:
    if not can_in_region(user, region, action):
        raise NotPermitted(FORBIDDEN_REGION.format(region=region.name))


def require(user, ledger: Ledger, action: str) -> None:
    """Raise ``NotPermitted`` unless ``user`` may do ``action`` on ``ledger``."""
    if not can(user, ledger, action):
        raise NotPermitted(FORBIDDEN.format(ledger=ledger.name))
