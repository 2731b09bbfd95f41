"""Who may manage users (create them, grant them roles) at which places of the region tree.

``ledger/access.py`` decides what a user may do to ledgers; managing users needs only the region
tree, so its rule lives here, below the ledger app, where the user services can reach it. The
rule: system administrators (superusers, and an ``admin`` at a root of the tree, as
``ledger/access.py`` counts them) manage users everywhere; a county office user (``county``) or
an ``admin`` of a region manages users within that region's subtree only. A role held on a
single ledger never carries the right. A grant is checked at its place (a ledger's village for
a ledger role), so nobody can grant anything, admin included, above the place they hold.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import NotPermitted
from villagebooks.regions.models import Region, Role, RoleAssignment

# The roles that carry the right to manage users within their region.
USER_MANAGING_ROLES = (Role.ADMIN, Role.COUNTY)

NOT_A_USER_MANAGER = _("您没有管理用户的权限")
FORBIDDEN_PLACE = _("您没有权限为“{region}”的用户授权")


def _active(user) -> bool:
    return bool(user) and user.is_authenticated and user.is_active


def user_management_paths(user) -> list[str] | None:
    """The region paths under which ``user`` manages users: ``None`` for everywhere, ``[]`` for nowhere."""
    if not _active(user):
        return []
    if user.is_superuser:
        return None
    assignments = RoleAssignment.objects.filter(
        user=user, role__in=USER_MANAGING_ROLES, ledger_id__isnull=True
    ).values_list("role", "region__parent_id", "region__path")
    paths = []
    for role, parent_id, path in assignments:
        if role == Role.ADMIN and parent_id is None:
            return None
        paths.append(path)
    return paths


def paths_cover(paths: list[str] | None, region: Region) -> bool:
    """Whether ``region`` lies under one of ``paths`` (as ``user_management_paths`` gives them)."""
    return paths is None or any(region.path.startswith(path) for path in paths)


def can_manage_users(user, region: Region) -> bool:
    """Whether ``user`` may create users and grant roles at ``region`` (or at a ledger in it)."""
    return paths_cover(user_management_paths(user), region)


def require_user_manager(user) -> None:
    """Refuse, before looking at any input, a user who manages users nowhere."""
    if user_management_paths(user) == []:
        raise NotPermitted(NOT_A_USER_MANAGER)
