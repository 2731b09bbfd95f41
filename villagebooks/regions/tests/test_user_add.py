"""user_add: a user with a first role, one more role at another place, and who may do it."""

from __future__ import annotations

import pytest
from django.conf import global_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.regions.access import FORBIDDEN_PLACE, NOT_A_USER_MANAGER
from villagebooks.regions.models import RoleAssignment
from villagebooks.regions.services import (
    ALREADY_GRANTED,
    BAD_USERNAME,
    CONCURRENT_USER_CHANGE,
    NAME_MISMATCH,
    PASSWORD_EMPTY,
    PASSWORD_FOR_EXISTING,
    PLACE_BOTH,
    PLACE_REQUIRED,
    REGION_ROLE_ONLY,
    UNKNOWN_LEDGER,
    UNKNOWN_REGION,
    UNKNOWN_ROLE,
    USERNAME_REQUIRED,
    system_user,
    user_add,
)
from villagebooks.regions.tests.conftest import (
    COUNTY,
    HEITAN,
    PROVINCE,
    STRONG_PASSWORD,
    TOWNSHIP,
    WUDU,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def roles_of(username: str) -> list[tuple]:
    return list(
        RoleAssignment.objects.filter(user__username=username)
        .order_by("id")
        .values_list("role", "region__code", "ledger_id")
    )


def problems(error: DomainError) -> list[tuple]:
    return [(p.field, p.message) for p in error.value.problems]


def snapshot() -> tuple[int, int, int]:
    return User.objects.count(), RoleAssignment.objects.count(), AuditEntry.objects.count()


def test_a_new_user_gets_the_role_and_no_usable_password(region_tree):
    actor = system_user()
    before = AuditEntry.objects.count()

    added = user_add(actor=actor, username="zhang", role="accountant", region_code=TOWNSHIP, full_name="张三")

    user = User.objects.get(username="zhang")
    assert (added.created, added.needs_password, added.place) == (True, True, "新安镇(510781100000)")
    assert added.user == user and user.first_name == "张三"
    assert not user.has_usable_password()
    assert roles_of("zhang") == [("accountant", TOWNSHIP, None)]
    log = list(
        AuditEntry.objects.order_by("id").values_list("actor__username", "action", "ledger_id", "detail")
    )
    assert log[before:] == [
        ("system", "user_create", None, {"username": "zhang", "full_name": "张三", "password_set": False}),
        ("system", "role_grant", None, {"user": "zhang", "role": "accountant", "region": TOWNSHIP}),
    ]


def test_a_ledger_role_is_placed_at_the_ledgers_village(ledger):
    added = user_add(actor=system_user(), username="li", role="reporter", ledger_code="HT01")

    assert added.place == "黑滩村股份经济合作联合社(HT01)"
    assert roles_of("li") == [("reporter", HEITAN, ledger.pk)]
    grant = AuditEntry.objects.filter(action="role_grant").latest("id")
    assert grant.ledger_id == ledger.pk
    assert grant.detail == {"user": "li", "role": "reporter", "region": HEITAN}


def test_running_again_adds_a_role_at_another_place(region_tree):
    user_add(actor=system_user(), username="zhang", role="accountant", region_code=TOWNSHIP, full_name="张三")

    again = user_add(
        actor=system_user(), username="zhang", role="reviewer", region_code=WUDU, full_name="张三"
    )

    assert (again.created, again.needs_password) == (False, False)
    assert User.objects.filter(username="zhang").count() == 1
    assert roles_of("zhang") == [("accountant", TOWNSHIP, None), ("reviewer", WUDU, None)]
    assert AuditEntry.objects.filter(action="user_create").count() == 1


def test_chinese_role_names_are_understood(region_tree):
    user_add(actor=system_user(), username="wang", role="代理会计", region_code=TOWNSHIP)
    assert roles_of("wang") == [("accountant", TOWNSHIP, None)]


def test_a_strong_password_is_stored_with_djangos_default_hasher(region_tree, settings):
    # The suite hashes with MD5 for speed (conftest.py); the app keeps Django's default hashers.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS

    added = user_add(
        actor=system_user(),
        username="zhao",
        role="accountant",
        region_code=TOWNSHIP,
        password=STRONG_PASSWORD,
    )

    user = User.objects.get(username="zhao")
    assert added.needs_password is False
    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"
    assert user.check_password(STRONG_PASSWORD)
    assert STRONG_PASSWORD not in str(AuditEntry.objects.filter(action="user_create").get().detail)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"username": "", "region_code": TOWNSHIP}, [("username", USERNAME_REQUIRED)]),
        ({"username": "zhang san", "region_code": TOWNSHIP}, [("username", BAD_USERNAME)]),
        ({"username": "z" * 151, "region_code": TOWNSHIP}, [("username", BAD_USERNAME)]),
        ({"role": "boss", "region_code": TOWNSHIP}, [("role", UNKNOWN_ROLE.format(role="boss"))]),
        ({}, [("region", PLACE_REQUIRED)]),
        ({"region_code": TOWNSHIP, "ledger_code": "HT01"}, [("ledger", PLACE_BOTH)]),
        ({"role": "admin", "ledger_code": "HT01"}, [("ledger", REGION_ROLE_ONLY.format(role="系统管理员"))]),
        (
            {"role": "county", "ledger_code": "HT01"},
            [("ledger", REGION_ROLE_ONLY.format(role="县级主管部门"))],
        ),
        ({"region_code": "510781999000"}, [("region", UNKNOWN_REGION.format(code="510781999000"))]),
        ({"ledger_code": "XX99"}, [("ledger", UNKNOWN_LEDGER.format(code="XX99"))]),
        ({"region_code": TOWNSHIP, "password": ""}, [("password", PASSWORD_EMPTY)]),
        (
            {"region_code": TOWNSHIP, "password": "abc"},
            [("password", "密码太短，至少需要 8 个字符。"), ("password", "这个密码太常见了。")],
        ),
        (
            {"region_code": TOWNSHIP, "password": "20250101"},
            [("password", "密码只包含数字。")],
        ),
        ({"region_code": TOWNSHIP, "password": "zhangsan1"}, [("password", "密码跟 用户名 太相似了。")]),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(ledger, kwargs, expected):
    arguments = {"username": "zhangsan", "role": "accountant"} | kwargs
    before = snapshot()

    with pytest.raises(DomainError) as error:
        user_add(actor=system_user(), **arguments)

    assert problems(error) == expected
    assert snapshot() == before


def test_a_role_already_held_is_refused(region_tree):
    user_add(actor=system_user(), username="zhang", role="accountant", region_code=TOWNSHIP)
    before = snapshot()

    with pytest.raises(DomainError) as error:
        user_add(actor=system_user(), username="zhang", role="accountant", region_code=TOWNSHIP)

    message = ALREADY_GRANTED.format(username="zhang", place="新安镇(510781100000)", role="代理会计")
    assert problems(error) == [("role", message)]
    assert snapshot() == before


def test_an_existing_users_password_and_name_are_not_changed_here(region_tree):
    user_add(actor=system_user(), username="zhang", role="accountant", region_code=TOWNSHIP, full_name="张三")
    before = snapshot()

    with pytest.raises(DomainError) as error:
        user_add(
            actor=system_user(),
            username="zhang",
            role="reviewer",
            region_code=WUDU,
            full_name="张叁",
            password=STRONG_PASSWORD,
        )

    assert problems(error) == [
        ("full_name", NAME_MISMATCH.format(username="zhang")),
        ("password", PASSWORD_FOR_EXISTING.format(username="zhang")),
    ]
    assert snapshot() == before
    assert not User.objects.get(username="zhang").has_usable_password()


# Who may manage users ---------------------------------------------------------------------------


def test_a_township_admin_adds_users_in_the_township_and_its_villages(township_admin, ledger):
    user_add(actor=township_admin, username="a1", role="accountant", region_code=TOWNSHIP)
    user_add(actor=township_admin, username="a2", role="reporter", region_code=HEITAN)
    user_add(actor=township_admin, username="a3", role="reviewer", ledger_code="HT01")
    user_add(actor=township_admin, username="a4", role="admin", region_code=TOWNSHIP)

    assert [roles_of(name) for name in ("a1", "a2", "a3", "a4")] == [
        [("accountant", TOWNSHIP, None)],
        [("reporter", HEITAN, None)],
        [("reviewer", HEITAN, ledger.pk)],
        [("admin", TOWNSHIP, None)],
    ]


@pytest.mark.parametrize(
    ("kwargs", "field", "place"),
    [
        ({"role": "accountant", "region_code": WUDU}, "region", "武都镇"),
        ({"role": "accountant", "ledger_code": "QL01"}, "ledger", "青林村"),
        ({"role": "admin", "region_code": COUNTY}, "region", "江油市"),
        ({"role": "reporter", "region_code": PROVINCE}, "region", "四川省"),
    ],
)
def test_a_township_admin_cannot_add_users_elsewhere(township_admin, qinglin_ledger, kwargs, field, place):
    before = snapshot()

    with pytest.raises(NotPermitted) as error:
        user_add(actor=township_admin, username="outsider", **kwargs)

    assert problems(error) == [(field, FORBIDDEN_PLACE.format(region=place))]
    assert snapshot() == before


@pytest.mark.parametrize(
    "kwargs",
    [
        {"username": "county-office", "role": "accountant", "region_code": COUNTY},  # itself
        {"username": "c1", "role": "accountant", "region_code": WUDU},
        {"username": "c2", "role": "reporter", "ledger_code": "QL01"},
        {"username": "c3", "role": "admin", "region_code": COUNTY},
        {"username": "boss", "role": "admin", "region_code": PROVINCE},
    ],
)
def test_the_read_only_county_office_grants_nothing(county_office, qinglin_ledger, kwargs):
    before = snapshot()

    with pytest.raises(NotPermitted) as error:
        user_add(actor=county_office, **kwargs)

    assert problems(error) == [("", NOT_A_USER_MANAGER)]
    assert snapshot() == before
    assert roles_of("county-office") == [("county", COUNTY, None)]


def test_an_admin_at_the_root_manages_users_everywhere(province_admin, qinglin_ledger):
    user_add(actor=province_admin, username="p1", role="admin", region_code=PROVINCE)
    user_add(actor=province_admin, username="p2", role="accountant", ledger_code="QL01")
    assert roles_of("p1") == [("admin", PROVINCE, None)]
    assert roles_of("p2") == [("accountant", "510781101201", qinglin_ledger.pk)]


@pytest.mark.parametrize("role", ["accountant", "agency-manager", "reviewer", "reporter", "supervisor"])
def test_other_roles_cannot_add_users_even_at_their_own_place(make_user, township, role):
    actor = make_user("holder", role, township)
    before = snapshot()

    with pytest.raises(NotPermitted) as error:
        user_add(actor=actor, username="friend", role="reporter", region_code=HEITAN)

    assert problems(error) == [("", NOT_A_USER_MANAGER)]
    assert snapshot() == before


def test_an_admin_of_one_ledger_does_not_manage_users(make_user, ledger):
    actor = make_user("ledger-admin", "admin", ledger.village, ledger.pk)

    with pytest.raises(NotPermitted) as error:
        user_add(actor=actor, username="friend", role="reporter", ledger_code="HT01")

    assert problems(error) == [("", NOT_A_USER_MANAGER)]


def test_a_deactivated_county_office_user_manages_nothing(county_office):
    county_office.is_active = False
    county_office.save()

    with pytest.raises(NotPermitted) as error:
        user_add(actor=county_office, username="friend", role="reporter", region_code=HEITAN)

    assert problems(error) == [("", NOT_A_USER_MANAGER)]


def test_a_user_created_by_someone_else_meanwhile_undoes_the_whole_run(region_tree, monkeypatch):
    from villagebooks.regions import services

    plan = services._users_plan

    def plan_then_someone_else_creates_the_user(**kwargs):
        planned = plan(**kwargs)
        User.objects.create_user("zhang")  # between the checks and the writes
        return planned

    monkeypatch.setattr(services, "_users_plan", plan_then_someone_else_creates_the_user)
    roles_before, log_before = RoleAssignment.objects.count(), AuditEntry.objects.count()

    with pytest.raises(DomainError) as error:
        user_add(actor=system_user(), username="zhang", role="accountant", region_code=TOWNSHIP)

    assert problems(error) == [("username", CONCURRENT_USER_CHANGE)]
    assert (RoleAssignment.objects.count(), AuditEntry.objects.count()) == (roles_before, log_before)
