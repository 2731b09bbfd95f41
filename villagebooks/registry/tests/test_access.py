"""Who holds the registry's actions, and where: a table written out, checked against the rule."""

from __future__ import annotations

import pytest

from villagebooks.regions import permissions
from villagebooks.registry import access
from villagebooks.registry.tests.conftest import HEITAN, TUMEN

pytestmark = pytest.mark.django_db

TABLE = {
    "admin": {"view", "view_personal", "edit", "programmes", "lists", "pay", "override", "bank_return"},
    "county": {"view", "programmes"},
    "agency-manager": {"view", "override"},
    "accountant": {"view", "view_personal", "edit", "lists", "pay", "bank_return"},
    "reviewer": {"view"},
    "reporter": {"view", "view_personal", "edit"},
    "supervisor": {"view"},
}


def test_every_role_holds_the_registry_actions_of_the_table(region_tree, make_user):
    assert set(permissions.declared_actions("registry")) == {
        f"registry.{verb}" for verbs in TABLE.values() for verb in verbs
    }
    heitan, tumen = region_tree[HEITAN], region_tree[TUMEN]
    for role, allowed in TABLE.items():
        user = make_user(f"registry-{role}", role, heitan)
        for verb in ("view", "view_personal", "edit"):
            assert access.covers(user, f"registry.{verb}", heitan) is (verb in allowed), (role, verb)
            assert access.covers(user, f"registry.{verb}", tumen) is False, (role, verb)
        assert set(access.villages_in_scope(user, access.VIEW)) == {heitan}


def test_a_role_on_a_ledger_covers_its_village(region_tree, make_user, ledger):
    user = make_user("on-ledger", "accountant", region_tree[HEITAN], ledger_id=ledger.pk)
    assert access.covers(user, access.VIEW_PERSONAL, region_tree[HEITAN])
    assert not access.covers(user, access.VIEW_PERSONAL, region_tree[TUMEN])
