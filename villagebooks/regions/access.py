"""Who may manage users (create them, grant them roles) at which places of the region tree.

``regions.permissions`` decides what a user may do with the actions the apps declare; managing
users is no app's action but a rule about ranks on the region tree, so it lives here, reading the
same assignments (loaded once per request or command), where the user services can reach it.

The rule for granting role R at place P (a region, or a ledger's village for a ledger role):
- the ``system`` operator (the command line without ``--user``) and every superuser may grant
  anything anywhere; so may an ``admin`` at a root of the tree, as ``regions.permissions`` counts it;
- anyone else must hold, at P or at an ancestor of P, a region-wide role that manages users
  (``USER_MANAGING_ROLES``) and that ranks at least as high as R (``ROLE_RANK``). A role held on a
  single ledger never carries the right, and a read-only role (``READ_ONLY_ROLES``) grants nothing.

Granting oneself is covered by the same rule: whoever passes it already holds, at P, a role at
least as high as R, so nobody raises themselves above what they hold.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import NotPermitted
from villagebooks.regions.models import Region, Role
from villagebooks.regions.permissions import assignments_of

# How high each role stands, for "nobody grants a role above their own". Equal ranks are peers
# of different trades: the county office, the agency's head and a supervisor each oversee a
# jurisdiction; an accountant and a reviewer each work on vouchers; a reporter only submits.
ROLE_RANK: dict[str, int] = {
    Role.ADMIN: 4,
    Role.COUNTY: 3,
    Role.AGENCY_MANAGER: 3,
    Role.SUPERVISOR: 3,
    Role.ACCOUNTANT: 2,
    Role.REVIEWER: 2,
    Role.REPORTER: 1,
}
# The roles that only look at the books (the book-keeping apps give them nothing but their "view";
# a test keeps the two lists in step). They may not grant, whatever their rank: an office that
# reads the books must not be able to make itself, or a friend, someone who writes them.
READ_ONLY_ROLES = (Role.COUNTY, Role.SUPERVISOR)
# The roles that manage users within their region. Only the administrator: every other role lacks
# some power of the roles it could hand out (an agency head neither prepares nor reviews nor posts),
# and nobody may grant a role they do not hold.
USER_MANAGING_ROLES = (Role.ADMIN,)

NOT_A_USER_MANAGER = _("您没有管理用户的权限")
FORBIDDEN_PLACE = _("您没有权限为“{region}”的用户授权")
ROLE_ABOVE_OWN = _("您在“{region}”的角色低于“{role}”，不能授予该角色")


def _active(user) -> bool:
    return bool(user) and user.is_authenticated and user.is_active


def granting_places(user) -> list[tuple[str, str]] | None:
    """(role, region path) of every place where ``user`` manages users: ``None`` for everywhere."""
    if not _active(user):
        return []
    if user.is_superuser:
        return None
    places = []
    for held in assignments_of(user):
        if held.ledger_id is not None or held.role not in USER_MANAGING_ROLES:
            continue
        if held.role == Role.ADMIN and held.at_root:
            return None
        places.append((held.role, held.region_path))
    return places


def grant_refusal(places: list[tuple[str, str]] | None, role: str, region: Region) -> str | None:
    """Why a user with ``places`` (as ``granting_places`` gives them) may not grant ``role`` at
    ``region``, or None if they may."""
    if places is None:
        return None
    held = [held_role for held_role, path in places if region.path.startswith(path)]
    if not held:
        return FORBIDDEN_PLACE.format(region=region.name)
    if max(ROLE_RANK[r] for r in held) < ROLE_RANK[role]:
        return ROLE_ABOVE_OWN.format(region=region.name, role=Role(role).label)
    return None


def require_may_grant(user, role: str, region: Region) -> None:
    """Refuse ``user`` granting ``role`` at ``region`` (or at a ledger in it), saying why."""
    places = granting_places(user)
    if places == []:
        raise NotPermitted(NOT_A_USER_MANAGER)
    refusal = grant_refusal(places, role, region)
    if refusal is not None:
        raise NotPermitted(refusal)


def can_manage_users(user, region: Region) -> bool:
    """Whether ``user`` may create users and grant some role at ``region`` (or at a ledger in it)."""
    places = granting_places(user)
    return places is None or any(region.path.startswith(path) for _role, path in places)


def require_user_manager(user) -> None:
    """Refuse, before looking at any input, a user who manages users nowhere."""
    if granting_places(user) == []:
        raise NotPermitted(NOT_A_USER_MANAGER)
