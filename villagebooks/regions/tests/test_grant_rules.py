"""Who may grant which role where (``regions.access``): each branch of the rule, through the
service every grant goes through (``role_grant``), ``user_add`` and the ``add-user`` command.

The shared tree: 四川省 > 绵阳市 > 江油市 (county) > 新安镇 > 黑滩村, 土门村; 江油市 > 武都镇 > 青林村.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.errors import NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.regions.access import (
    FORBIDDEN_PLACE,
    NOT_A_USER_MANAGER,
    ROLE_ABOVE_OWN,
    ROLE_RANK,
    grant_refusal,
)
from villagebooks.regions.models import Role, RoleAssignment
from villagebooks.regions.services import role_grant, system_user, user_add
from villagebooks.regions.tests.conftest import COUNTY, HEITAN, PROVINCE, TOWNSHIP, TUMEN, WUDU

pytestmark = pytest.mark.django_db
User = get_user_model()


def roles_of(user) -> list[tuple]:
    return list(
        RoleAssignment.objects.filter(user=user)
        .order_by("id")
        .values_list("role", "region__code", "ledger_id")
    )


def snapshot() -> tuple[int, int, int]:
    return User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()


def refused(actor, user, role, region) -> str:
    """The message ``role_grant`` refuses with, having checked that nothing was written."""
    before = snapshot()
    with pytest.raises(NotPermitted) as error:
        role_grant(actor=actor, user=user, role=role, region=region)
    assert snapshot() == before
    return error.value.problems[0].message


@pytest.fixture
def heitan_admin(make_user, region_tree):
    return make_user("heitan-admin", "admin", region_tree[HEITAN])


@pytest.fixture
def clerk(make_user, region_tree):
    return make_user("clerk", "reporter", region_tree[HEITAN])


def test_the_county_office_cannot_grant_itself_accountant(county_office, region_tree):
    message = refused(county_office, county_office, "accountant", region_tree[COUNTY])

    assert message == NOT_A_USER_MANAGER
    assert roles_of(county_office) == [("county", COUNTY, None)]


@pytest.mark.parametrize("code", [COUNTY, TOWNSHIP, HEITAN])
def test_the_county_office_cannot_create_an_admin(county_office, clerk, region_tree, code):
    assert refused(county_office, clerk, "admin", region_tree[code]) == NOT_A_USER_MANAGER


@pytest.mark.parametrize("role", ["supervisor", "county"])
def test_read_only_roles_grant_nothing_even_a_read_only_role(make_user, clerk, region_tree, role):
    actor = make_user("watcher", role, region_tree[COUNTY])

    assert refused(actor, clerk, "supervisor", region_tree[HEITAN]) == NOT_A_USER_MANAGER


def test_a_village_admin_cannot_grant_admin_at_a_sibling_village(heitan_admin, clerk, region_tree):
    message = refused(heitan_admin, clerk, "admin", region_tree[TUMEN])

    assert message == FORBIDDEN_PLACE.format(region="土门村")


def test_a_township_admin_grants_accountant_in_its_village(township_admin, clerk, region_tree):
    role_grant(actor=township_admin, user=clerk, role="accountant", region=region_tree[HEITAN])

    assert roles_of(clerk) == [("reporter", HEITAN, None), ("accountant", HEITAN, None)]
    entry = AuditEntry.objects.filter(action="role_grant").latest("id")
    assert (entry.actor, entry.detail) == (
        township_admin,
        {"user": "clerk", "role": "accountant", "region": HEITAN},
    )


@pytest.mark.parametrize(("code", "place"), [(COUNTY, "江油市"), (PROVINCE, "四川省"), (WUDU, "武都镇")])
def test_an_admin_cannot_grant_admin_above_or_beside_its_place(
    township_admin, clerk, region_tree, code, place
):
    assert refused(township_admin, clerk, "admin", region_tree[code]) == FORBIDDEN_PLACE.format(region=place)


def test_an_admin_cannot_raise_itself_above_its_place(township_admin, region_tree):
    message = refused(township_admin, township_admin, "admin", region_tree[COUNTY])

    assert message == FORBIDDEN_PLACE.format(region="江油市")


def test_an_admin_of_one_ledger_grants_nothing_even_on_its_ledger(make_user, ledger, clerk):
    actor = make_user("ledger-admin", "admin", ledger.village, ledger.pk)

    before = snapshot()
    with pytest.raises(NotPermitted) as error:
        role_grant(actor=actor, user=clerk, role="reporter", region=ledger.village, ledger_id=ledger.pk)
    assert error.value.problems[0].message == NOT_A_USER_MANAGER
    assert snapshot() == before


def test_a_role_above_every_managing_role_held_there_is_refused(region_tree):
    # Today only admin manages users, and nothing ranks above it; the rank rule is what keeps a
    # managing role of lower rank, should one be added, from handing out more than it holds.
    township, village = region_tree[TOWNSHIP], region_tree[HEITAN]
    places = [("agency-manager", township.path)]

    assert grant_refusal(places, "admin", village) == ROLE_ABOVE_OWN.format(
        region="黑滩村", role="系统管理员"
    )
    assert grant_refusal(places, "county", village) is None  # an equal rank
    assert grant_refusal(places, "accountant", village) is None
    assert grant_refusal(places, "accountant", region_tree[WUDU]) == FORBIDDEN_PLACE.format(region="武都镇")
    assert grant_refusal(None, "admin", region_tree[PROVINCE]) is None  # a system administrator


def test_every_role_has_a_rank_and_admin_ranks_highest():
    assert set(ROLE_RANK) == set(Role.values)
    assert max(ROLE_RANK, key=ROLE_RANK.get) == Role.ADMIN
    assert [r for r, rank in ROLE_RANK.items() if rank == ROLE_RANK[Role.ADMIN]] == [Role.ADMIN]


def test_the_system_operator_grants_anything_anywhere(region_tree, clerk):
    role_grant(actor=system_user(), user=clerk, role="admin", region=region_tree[PROVINCE])

    assert ("admin", PROVINCE, None) in roles_of(clerk)


def test_an_admin_at_the_root_grants_admin_anywhere(province_admin, clerk, region_tree):
    role_grant(actor=province_admin, user=clerk, role="admin", region=region_tree[COUNTY])

    assert ("admin", COUNTY, None) in roles_of(clerk)


def test_user_add_as_the_county_office_for_itself_is_refused(county_office):
    before = snapshot()

    with pytest.raises(NotPermitted):
        user_add(actor=county_office, username="county-office", role="accountant", region_code=COUNTY)

    assert snapshot() == before


def test_add_user_command_as_the_county_office_is_refused(county_office):
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "add_user", "boss", "--role", "admin", "--region", COUNTY, "--user", "county-office", stdout=out
        )

    assert str(error.value) == "您没有管理用户的权限"
    assert not User.objects.filter(username="boss").exists()


def test_import_users_as_a_village_admin_with_a_row_at_a_sibling_is_refused_whole(heitan_admin, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(f"username,role,region\nzhao,reporter,{HEITAN}\nqian,admin,{TUMEN}\n", encoding="utf-8")
    before = snapshot()

    with pytest.raises(CommandError) as error:
        call_command("import_users", str(path), "--user", "heitan-admin", stdout=io.StringIO())

    assert str(error.value) == "第3行 region: 您没有权限为“土门村”的用户授权"
    assert snapshot() == before
