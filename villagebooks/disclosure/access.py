"""Who may publish a village's disclosure (村务公开), declared to ``regions.permissions``.

Reading what is published needs no login at all: the public pages are for every villager. To
publish (or correct, which is publishing a new version) a user needs ``disclosure.publish`` on the
ledger: the agency's accountant who keeps the books, or the agency's manager. The village itself
does not publish its own accounts, and the county and supervisors read only.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import NotPermitted
from villagebooks.ledger.models import Ledger
from villagebooks.regions import permissions
from villagebooks.regions.models import Role

(PUBLISH,) = permissions.declare(
    "disclosure",
    {"publish": (Role.ADMIN, Role.AGENCY_MANAGER, Role.ACCOUNTANT)},
)

FORBIDDEN = _("您没有权限公开“{ledger}”的村务")


def may_publish(user, ledger: Ledger) -> bool:
    return permissions.can(user, PUBLISH, ledger)


def require_publish(user, ledger: Ledger) -> None:
    if not may_publish(user, ledger):
        raise NotPermitted(FORBIDDEN.format(ledger=ledger.name))


def ledgers_publishable(user):
    """The ledgers ``user`` may publish for (a queryset)."""
    condition = permissions.ledger_filter(user, PUBLISH)
    ledgers = Ledger.objects.all()
    return ledgers if condition is None else ledgers.filter(condition)
