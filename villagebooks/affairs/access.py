"""The actions on members, shares, dividends and decisions, declared to ``regions.permissions``
(imported by ``AffairsConfig.ready``), and the village-shaped questions asked of them.

Members, shares and decisions are the village's: a user covers a village when a role that holds
the action is held at the village or above it, or on a ledger of that village (as the registry).
The village reporter keeps his own village's registers; the accountant also distributes
dividends and links payments to decisions; the county and supervisors read.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import NotPermitted
from villagebooks.regions import permissions
from villagebooks.regions.models import Region, Role
from villagebooks.registry.access import village_filter

_ALL = tuple(Role.values)
VIEW, MEMBERS_EDIT, DIVIDENDS, DECISIONS_EDIT, LINK_PAYMENTS = permissions.declare(
    "affairs",
    {
        "view": _ALL,
        "members_edit": (Role.ADMIN, Role.ACCOUNTANT, Role.REPORTER),
        "dividends": (Role.ADMIN, Role.ACCOUNTANT),
        "decisions_edit": (Role.ADMIN, Role.ACCOUNTANT, Role.REPORTER),
        "link_payments": (Role.ADMIN, Role.ACCOUNTANT),
    },
)

FORBIDDEN = _("您没有权限对“{village}”执行此操作")


def villages_in_scope(user, action: str = VIEW):
    condition = village_filter(user, action)
    villages = Region.objects.filter(kind="village")
    return villages if condition is None else villages.filter(condition)


def covers(user, action: str, village: Region) -> bool:
    condition = village_filter(user, action)
    return condition is None or Region.objects.filter(condition, pk=village.pk).exists()


def require_village(user, action: str, village: Region) -> None:
    if not covers(user, action, village):
        raise NotPermitted(FORBIDDEN.format(village=village.name))
