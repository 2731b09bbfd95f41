"""The registry's actions, declared to ``regions.permissions`` (imported by ``RegistryConfig.ready``),
and the village-shaped questions the registry asks of them.

Registry rows belong to a village, not to one ledger: a user covers a village when a role that
holds the action is held region-wide at the village or above it, or on a ledger of that village.
Personal identifiers (ID numbers, bank cards, phones) are shown unmasked only to the roles that
need them (``VIEW_PERSONAL``): the accountant who pays, the village reporter who enters them.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import NotPermitted
from villagebooks.ledger.models import Ledger
from villagebooks.regions import permissions
from villagebooks.regions.models import Region, Role

_ALL = tuple(Role.values)
VIEW, VIEW_PERSONAL, EDIT, PROGRAMMES, LISTS, PAY, OVERRIDE, BANK_RETURN = permissions.declare(
    "registry",
    {
        "view": _ALL,
        "view_personal": (Role.ADMIN, Role.ACCOUNTANT, Role.REPORTER),
        "edit": (Role.ADMIN, Role.ACCOUNTANT, Role.REPORTER),
        "programmes": (Role.ADMIN, Role.COUNTY),
        "lists": (Role.ADMIN, Role.ACCOUNTANT),
        "pay": (Role.ADMIN, Role.ACCOUNTANT),
        "override": (Role.ADMIN, Role.AGENCY_MANAGER),
        "bank_return": (Role.ADMIN, Role.ACCOUNTANT),
    },
)

FORBIDDEN_VILLAGE = _("您没有权限对“{village}”的农户信息执行此操作")


def village_filter(user, action: str, *, to_village: str = "") -> Q | None:
    """A filter on villages (or, through ``to_village`` such as ``"village__"``, on rows that
    belong to one) keeping those ``user`` covers for ``action``; None when that is every one."""
    on_ledgers = permissions.ledger_filter(user, action)
    if on_ledgers is None:
        return None
    paths = permissions.region_paths(user, action) or []
    condition = Q(**{f"{to_village}pk__in": Ledger.objects.filter(on_ledgers).values("village_id")})
    for path in paths:
        condition |= Q(**{f"{to_village}path__startswith": path})
    return condition


def villages_in_scope(user, action: str = VIEW):
    condition = village_filter(user, action)
    villages = Region.objects.filter(kind="village")
    return villages if condition is None else villages.filter(condition)


def covers(user, action: str, village: Region) -> bool:
    condition = village_filter(user, action)
    return condition is None or Region.objects.filter(condition, pk=village.pk).exists()


def require_village(user, action: str, village: Region) -> None:
    if not covers(user, action, village):
        raise NotPermitted(FORBIDDEN_VILLAGE.format(village=village.name))
