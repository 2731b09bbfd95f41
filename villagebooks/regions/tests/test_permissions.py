"""``regions.permissions``: apps declare their actions, a user's assignments are read once, and
every role answers for every action exactly as the table the ledger app kept before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from villagebooks.ledger import access
from villagebooks.regions import permissions
from villagebooks.regions.models import Role, RoleAssignment
from villagebooks.regions.permissions import UnknownAction
from villagebooks.regions.services import role_grant, system_user

# What ``ledger/access.py`` said before the actions were declared per app (ROLE_ACTIONS), written
# out so that the declarations are checked against it rather than against themselves.
BEFORE = {
    "admin": {"view", "setup", "prepare", "review", "post", "close", "reopen", "claim"},
    "county": {"view"},
    "agency-manager": {"view", "setup", "close", "reopen"},
    "accountant": {"view", "setup", "prepare", "post", "close"},
    "reviewer": {"view", "review"},
    "reporter": {"view", "claim"},
    "supervisor": {"view"},
}
# Bank reconciliation came later (banking/access.py): seeing it is for everyone who sees the books
# but the village reporter; importing and matching are the accountant's.
BANKING = {
    "admin": {"bank_view", "bank_import", "bank_match"},
    "county": {"bank_view"},
    "agency-manager": {"bank_view"},
    "accountant": {"bank_view", "bank_import", "bank_match"},
    "reviewer": {"bank_view"},
    "reporter": set(),
    "supervisor": {"bank_view"},
}
BEFORE = {role: verbs | BANKING[role] for role, verbs in BEFORE.items()}
# Where each of those actions is declared now.
NAMES = {verb: f"ledger.{verb}" for verb in ("view", "setup", "prepare", "review", "post", "close", "reopen")}
NAMES["claim"] = "claims.submit"
NAMES |= {f"bank_{verb}": f"banking.{verb}" for verb in ("view", "import", "match")}


@pytest.fixture
def registry(monkeypatch):
    """The declarations as they are, restored after the test, which may add an app's."""
    monkeypatch.setattr(permissions, "_ROLES_OF", dict(permissions._ROLES_OF))


def _fresh(user):
    """The user as a new request or command loads it: nothing kept yet."""
    return get_user_model().objects.get(pk=user.pk)


def test_every_role_answers_every_action_as_before(ledger, new_ledger, region_tree, township):
    # The apps that existed then; later apps (registry, …) check their own tables.
    before = {
        action for app in ("ledger", "claims", "banking") for action in permissions.declared_actions(app)
    }
    assert before == set(NAMES.values())
    other_township = region_tree["510781101000"]
    for role, allowed in BEFORE.items():
        user = get_user_model().objects.create_user(username=f"table-{role}")
        RoleAssignment.objects.create(user=user, role=role, region=township)
        # The same role elsewhere, or on another ledger, adds nothing on ``ledger``.
        user_elsewhere = get_user_model().objects.create_user(username=f"elsewhere-{role}")
        RoleAssignment.objects.create(user=user_elsewhere, role=role, region=other_township)
        RoleAssignment.objects.create(
            user=user_elsewhere, role=role, region=new_ledger.village, ledger_id=new_ledger.pk
        )
        for verb, name in NAMES.items():
            assert access.can(user, ledger, name) is (verb in allowed), (role, verb)
            assert access.can(user_elsewhere, ledger, name) is False, (role, verb)
            assert access.can(user_elsewhere, new_ledger, name) is (verb in allowed), (role, verb)
            in_scope = set(access.ledgers_in_scope(user, name))
            assert (ledger in in_scope) is (verb in allowed), (role, verb)
            assert access.can_in_region(user, ledger.village, name) is (verb in allowed), (role, verb)
            assert access.can_in_region(user_elsewhere, ledger.village, name) is False, (role, verb)
            assert access.can_in_region(user_elsewhere, new_ledger.village, name) is False, (role, verb)
        assert access.actions_on(user, ledger) == {
            NAMES[v] for v in allowed if NAMES[v].startswith("ledger.")
        }


def test_a_user_who_cannot_log_in_may_do_nothing_and_a_superuser_everything(ledger, accountant):
    for name in NAMES.values():
        assert not access.can(AnonymousUser(), ledger, name)
    accountant.is_active = False
    assert not access.can(accountant, ledger, access.Action.VIEW)
    assert not access.ledgers_in_scope(accountant).exists()
    root = get_user_model().objects.create_superuser(username="root", password="x-test-password-1")
    assert all(access.can(root, ledger, name) for name in NAMES.values())
    assert permissions.region_paths(root, "ledger.view") is None


def test_a_new_apps_actions_are_declared_and_answered_without_the_ledger(registry, region_tree, make_user):
    """A new app (``sample``, made up here) declares its own actions; nothing of the ledger
    app is involved (the ledger asked about is anything with a pk and a village path)."""
    names = permissions.declare("sample", {"approve": [Role.ADMIN, Role.AGENCY_MANAGER], "view": Role.values})
    assert names == ("sample.approve", "sample.view")
    assert permissions.declared_actions("sample") == ["sample.approve", "sample.view"]
    heitan = SimpleNamespace(pk=10_001, village=region_tree["510781100201"])
    qinglin = SimpleNamespace(pk=10_002, village=region_tree["510781101201"])
    manager = make_user("sample-manager", "agency-manager", region_tree["510781100000"])
    reporter = make_user("sample-reporter", "reporter", region_tree["510781100201"])

    assert permissions.can(manager, "sample.approve", heitan)
    assert not permissions.can(manager, "sample.approve", qinglin)  # the other township
    assert not permissions.can(reporter, "sample.approve", heitan)
    assert permissions.can(reporter, "sample.view", heitan)
    assert permissions.actions_on_ledgers(manager, [heitan, qinglin], app="sample") == {
        heitan.pk: {"sample.approve", "sample.view"},
        qinglin.pk: frozenset(),
    }
    assert permissions.can_in_region(manager, "sample.approve", region_tree["510781100202"])
    assert not permissions.can_in_region(manager, "sample.approve", region_tree["510781000000"])
    # Nothing changed for the ledger's own actions.
    assert permissions.roles_holding("ledger.prepare") == {Role.ADMIN, Role.ACCOUNTANT}


def test_an_action_nobody_declared_is_an_error_not_a_no(ledger, accountant):
    root = get_user_model().objects.create_superuser(username="root", password="x-test-password-1")
    for user in (accountant, root, AnonymousUser()):
        with pytest.raises(UnknownAction):
            access.can(user, ledger, "ledger.veiw")
        with pytest.raises(UnknownAction):
            access.ledgers_in_scope(user, "view")  # the short name of before is not a declared one
        with pytest.raises(UnknownAction):
            access.require(user, ledger, "funds.approve")
        with pytest.raises(UnknownAction):
            permissions.region_paths(user, "ledger.posts")


def test_a_declaration_names_real_roles_and_is_not_changed_later(registry):
    with pytest.raises(ValueError, match="unknown roles"):
        permissions.declare("funds", {"approve": ["treasurer"]})
    permissions.declare("funds", {"approve": [Role.ADMIN]})
    permissions.declare("funds", {"approve": [Role.ADMIN]})  # the same again: a module read twice
    with pytest.raises(ValueError, match="already declared"):
        permissions.declare("funds", {"approve": [Role.ADMIN, Role.REPORTER]})


def test_a_users_assignments_are_read_in_one_query(
    ledger, new_ledger, accountant, region_tree, django_assert_num_queries
):
    ledgers = list(type(ledger).objects.select_related("village").order_by("code"))
    user = _fresh(accountant)
    with django_assert_num_queries(1):
        for name in NAMES.values():
            for each in ledgers:
                access.can(user, each, name)
            permissions.ledger_filter(user, name)
            access.can_in_region(user, region_tree["510781100201"], name)
        access.actions_on_ledgers(user, ledgers)
        permissions.actions_on_ledgers(user, ledgers)
    # Another user object (the next request) reads them again, once.
    user = _fresh(accountant)
    with django_assert_num_queries(1):
        access.actions_on(user, ledgers[0])
        access.actions_on(user, ledgers[1])


def test_a_role_granted_or_revoked_counts_at_the_next_question(ledger, accountant, region_tree):
    reviewer = get_user_model().objects.create_user(username="late-reviewer")
    assert not access.can(reviewer, ledger, access.Action.REVIEW)
    role_grant(actor=system_user(), user=reviewer, role="reviewer", region=region_tree["510781100000"])
    assert access.can(reviewer, ledger, access.Action.REVIEW)
    # Taken away (there is no revoking service yet; a queryset's delete, as an operator would).
    RoleAssignment.objects.filter(user=reviewer).delete()
    assert not access.can(reviewer, ledger, access.Action.REVIEW)
