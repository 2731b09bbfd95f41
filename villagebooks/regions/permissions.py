"""Who may do what where: the actions every app declares, and the one rule that answers for them.

Each app declares its own actions and the roles that hold them (``declare("ledger", {...})`` in a
module its ``AppConfig.ready()`` imports), so a new app adds ``funds.*`` or ``registry.*`` without
editing ``ledger`` or this module. An action is named ``app.verb``; asking about a name nobody
declared raises ``UnknownAction`` at once, because a typo must be a bug, not a silent "no".

A user's role assignments are read in one query the first time a question is asked about them and
kept on the user object, which lives as long as the request (``request.user``, the API's
``request.auth``) or the command (its ``--user``). Every question afterwards (one ledger, many
ledgers, a filter for a list, a region) is answered from those few rows. Saving or deleting a role
assignment or a region makes every kept copy stale, so the next question reads them again.

The rule, in one place: a user who is not active (or not logged in) may do nothing; a superuser
may do everything; otherwise a role covers a ledger when it is held on that ledger, or held
region-wide at the ledger's village or above it, or is an administrator held at a root of the
tree (the system's administrator, whichever tree the ledger is in). A region-wide question
(``can_in_region``) counts only region-wide roles at the region or above it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from villagebooks.regions.models import Region, Role, RoleAssignment


class UnknownAction(LookupError):
    """An action that no app declared: a programming error, never a user's."""


# "app.verb" → the roles that hold it. Filled by each app's declaration at start-up.
_ROLES_OF: dict[str, frozenset[str]] = {}


def declare(app: str, actions: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """Declare ``app``'s actions, each with the roles that hold it; returns their full names.

    Declaring the same action again with the same roles is harmless (a module imported twice);
    with other roles it is an error, as is a role that does not exist.
    """
    names = []
    for verb, roles in actions.items():
        name = f"{app}.{verb}"
        held = frozenset(roles)
        unknown = held - set(Role.values)
        if unknown:
            raise ValueError(f"{name}: unknown roles {sorted(unknown)}")
        if _ROLES_OF.get(name, held) != held:
            raise ValueError(f"{name} is already declared with other roles")
        _ROLES_OF[name] = held
        names.append(name)
    return tuple(names)


def declared_actions(app: str | None = None) -> list[str]:
    """The full names of the actions declared (by ``app``, or by every app), in name order."""
    return sorted(name for name in _ROLES_OF if app is None or name.startswith(f"{app}."))


def roles_holding(action: str) -> frozenset[str]:
    """The roles that hold ``action``; ``UnknownAction`` if no app declared it."""
    try:
        return _ROLES_OF[action]
    except KeyError:
        raise UnknownAction(action) from None


@dataclass(frozen=True)
class Held:
    """One role assignment, as the rule reads it."""

    role: str
    ledger_id: int | None
    region_path: str
    at_root: bool  # held at a root region of the tree

    def covers(self, *, ledger_id: int, village_path: str) -> bool:
        if self.ledger_id is not None:
            return self.ledger_id == ledger_id
        return village_path.startswith(self.region_path) or (self.role == Role.ADMIN and self.at_root)


# Bumped whenever a role assignment or a region is saved or deleted (``RegionsConfig.ready``):
# a kept copy loaded under an older generation is read again.
_generation = itertools.count(1)
_current = 0
_KEPT = "_villagebooks_assignments"


def assignments_changed(**_signal) -> None:
    global _current
    _current = next(_generation)


def _active(user) -> bool:
    return bool(user) and user.is_authenticated and user.is_active


def assignments_of(user) -> tuple[Held, ...]:
    """The role assignments of an active, non-superuser ``user``: one query, then kept on it."""
    kept = getattr(user, _KEPT, None)
    if kept is not None and kept[0] == _current:
        return kept[1]
    # Written as SQL: on every request, and the ORM's compiling of the join cost more than the query.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.role, a.ledger_id, r.path, r.parent_id FROM {quote(RoleAssignment._meta.db_table)} a"
            f" JOIN {quote(Region._meta.db_table)} r ON r.id = a.region_id WHERE a.user_id = %s"
            " ORDER BY a.role, r.code",  # the model's order
            [user.pk],
        )
        rows = cursor.fetchall()
    held = tuple(
        Held(role=role, ledger_id=ledger_id, region_path=path, at_root=parent_id is None)
        for role, ledger_id, path, parent_id in rows
    )
    setattr(user, _KEPT, (_current, held))
    return held


def actions_on_ledgers(user, ledgers: Iterable, *, app: str | None = None) -> dict[int, frozenset[str]]:
    """Every action (of ``app``, or of every app) ``user`` may do on each ledger (villages loaded).

    A ledger is anything with ``pk`` and ``village.path``: this app sits below the ledgers.
    """
    ledgers = list(ledgers)
    names = declared_actions(app)
    if not _active(user):
        return {ledger.pk: frozenset() for ledger in ledgers}
    if user.is_superuser:
        return {ledger.pk: frozenset(names) for ledger in ledgers}
    held = assignments_of(user)
    result = {}
    for ledger in ledgers:
        roles = {h.role for h in held if h.covers(ledger_id=ledger.pk, village_path=ledger.village.path)}
        result[ledger.pk] = frozenset(name for name in names if roles & _ROLES_OF[name])
    return result


def can(user, action: str, ledger) -> bool:
    """Whether ``user`` may do ``action`` on ``ledger`` (its village loaded)."""
    roles = roles_holding(action)
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    path = ledger.village.path
    return any(
        h.role in roles and h.covers(ledger_id=ledger.pk, village_path=path) for h in assignments_of(user)
    )


def ledger_filter(user, action: str, *, to_ledger: str = "") -> Q | None:
    """A filter on ledgers (or, through ``to_ledger`` such as ``"ledger__"``, on rows that belong to
    one) that keeps those where ``user`` may do ``action``; None when that is every ledger."""
    roles = roles_holding(action)
    if not _active(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    condition = Q(**{f"{to_ledger}pk__in": []})
    for held in assignments_of(user):
        if held.role not in roles:
            continue
        if held.ledger_id is not None:
            condition |= Q(**{f"{to_ledger}pk": held.ledger_id})
        elif held.role == Role.ADMIN and held.at_root:
            return None
        else:
            condition |= Q(**{f"{to_ledger}village__path__startswith": held.region_path})
    return condition


def region_paths(user, action: str) -> list[str] | None:
    """The paths of the regions where ``user`` holds ``action`` region-wide (a role on single
    ledgers does not count); None for a superuser, who holds it everywhere."""
    roles = roles_holding(action)
    if not _active(user):
        return []
    if user.is_superuser:
        return None
    return sorted({h.region_path for h in assignments_of(user) if h.ledger_id is None and h.role in roles})


def can_in_region(user, action: str, region) -> bool:
    """Whether ``user`` holds ``action`` region-wide at ``region`` or above it."""
    paths = region_paths(user, action)
    return paths is None or any(region.path.startswith(path) for path in paths)
