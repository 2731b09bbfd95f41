"""The access rule has two forms: ``ledgers_in_scope`` (a filter, for lists and reports) and
``can`` (one ledger, on every service call). They must never disagree, whatever roles a user
holds at whatever places; hypothesis tries random sets of roles against every ledger and action."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villagebooks.ledger import services
from villagebooks.ledger.access import Action, actions_on, can, ledgers_in_scope
from villagebooks.regions.models import Region, Role, RoleAssignment

REGION_CODES = [
    "510000000000",
    "510781000000",
    "510781100000",
    "510781100201",
    "510781100202",
    "510781101000",
    "510781101201",
]

# (role, region index, index of the one ledger the role is on, or None for the whole region)
assignments = st.lists(
    st.tuples(
        st.sampled_from(list(Role.values)),
        st.integers(0, len(REGION_CODES) - 1),
        st.one_of(st.none(), st.integers(0, 2)),
    ),
    max_size=4,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(held=assignments, active=st.booleans())
def test_can_agrees_with_ledgers_in_scope(ledger, new_ledger, accountant, held, active):
    ledgers = [ledger, new_ledger, _third_ledger(accountant)]
    user, _ = get_user_model().objects.get_or_create(username="probe")
    user.is_active = active
    user.save()
    RoleAssignment.objects.filter(user=user).delete()
    regions = {region.code: region for region in Region.objects.all()}
    for role, region_index, ledger_index in held:
        if ledger_index is None:
            RoleAssignment.objects.get_or_create(
                user=user, role=role, region=regions[REGION_CODES[region_index]], ledger_id=None
            )
        else:  # a role on one ledger is held at that ledger's village
            on = ledgers[ledger_index]
            RoleAssignment.objects.get_or_create(user=user, role=role, region=on.village, ledger_id=on.pk)
    for action in Action:
        in_scope = set(ledgers_in_scope(user, action).values_list("pk", flat=True))
        for each in ledgers:
            assert can(user, each, action) == (each.pk in in_scope), (action, each.code, held)
    for each in ledgers:
        expected = {
            action
            for action in Action
            if each.pk in set(ledgers_in_scope(user, action).values_list("pk", flat=True))
        }
        assert actions_on(user, each) == expected, (each.code, held)


def _third_ledger(accountant):
    """A ledger in 青林村 of the other township (武都镇), created once per test."""
    from villagebooks.ledger.models import Ledger

    existing = Ledger.objects.filter(code="QL01").first()
    if existing is not None:
        return existing
    from villagebooks.regions.services import system_user

    return services.ledger_create(
        actor=system_user(),
        village_code="510781101201",
        code="QL01",
        name="青林村股份经济合作联合社",
        chart="2023",
        start_year=2025,
        start_month=1,
    )


def test_an_administrator_at_any_root_is_the_system_administrator(ledger, region_tree):
    """An administrator at a root region is the system's: every ledger, even under another root."""
    other_root = Region.objects.create(
        code="520000000000", name="贵州省", kind="province", path="520000000000/"
    )
    user = get_user_model().objects.create_user(username="root-admin")
    RoleAssignment.objects.create(user=user, role=Role.ADMIN, region=other_root)
    assert can(user, ledger, Action.REOPEN)
    assert list(ledgers_in_scope(user, Action.REOPEN)) == [ledger]
    # A county's administrator is not: the county is not a root.
    county_admin = get_user_model().objects.create_user(username="county-admin")
    RoleAssignment.objects.create(user=county_admin, role=Role.ADMIN, region=region_tree["510781101000"])
    assert not can(county_admin, ledger, Action.VIEW)


def test_a_ledger_role_does_not_reach_the_next_village(ledger, new_ledger, region_tree):
    user = get_user_model().objects.create_user(username="one-ledger")
    RoleAssignment.objects.create(
        user=user, role=Role.ACCOUNTANT, region=region_tree["510781100201"], ledger_id=ledger.pk
    )
    assert can(user, ledger, Action.POST)
    assert not can(user, new_ledger, Action.VIEW)
    assert not can(user, ledger, Action.REVIEW)


def test_the_read_only_roles_of_user_management_are_the_roles_that_only_view():
    """``regions.access`` reads no app's declarations: a read-only role there grants nothing, so
    its list must be exactly the roles that may do nothing but view, over every declared action."""
    from villagebooks.regions.access import READ_ONLY_ROLES, USER_MANAGING_ROLES
    from villagebooks.regions.permissions import declared_actions, roles_holding

    held = {role: {a for a in declared_actions() if role in roles_holding(a)} for role in Role.values}
    # Of the books they only see (every app's "view": the books, bank reconciliation …); what they
    # may do elsewhere is not a power over the books (the county sets subsidy programmes, and
    # decides on projects: funds.decide, 审核/验收/评价).
    books_apps = ("ledger.", "claims.", "banking.", "funds.")
    decisions = ("funds.decide",)
    only_view = {
        role
        for role, actions in held.items()
        if Action.VIEW in actions
        and all(
            action.endswith(".view") or action in decisions
            for action in actions
            if action.startswith(books_apps)
        )
    }
    assert set(READ_ONLY_ROLES) == only_view
    assert not only_view & set(USER_MANAGING_ROLES)
    # A role that manages users holds every power it may hand out.
    assert all(held[role] == set(declared_actions()) for role in USER_MANAGING_ROLES)
