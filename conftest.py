"""Fixtures shared by every test: a small region tree, a ledger and users in each role."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """With DATABASE_OWNER_URL set (PostgreSQL, two roles: DEVELOPERS.md), the owner creates,
    migrates and at the end drops the test database, and flushes it after each transactional
    test (villagebooks' ``flush``); the tests themselves run as the app's role."""
    from django.db import connection

    from villagebooks.common.database_roles import as_owner

    with as_owner(connection):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    from django.db import connection

    from villagebooks.common.database_roles import as_app

    with as_app(connection):
        yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests log users in for real; PBKDF2 at production cost takes over half a second a user here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def checkpoint_key_file(settings, tmp_path):
    """Each test its own (absent) signing key file: never the instance's var/checkpoint-key.pem."""
    settings.CHECKPOINT_KEY_FILE = tmp_path / "checkpoint-key.pem"
    return settings.CHECKPOINT_KEY_FILE


@pytest.fixture
def region_tree(db):
    from villagebooks.regions.services import regions_import_csv, system_user

    regions_import_csv(
        actor=system_user(),
        text=(
            "code,name,parent_code,kind\n"
            "510000000000,四川省,,province\n"
            "510700000000,绵阳市,510000000000,city\n"
            "510781000000,江油市,510700000000,county\n"
            "510781100000,新安镇,510781000000,township\n"
            "510781100201,黑滩村,510781100000,village\n"
            "510781100202,土门村,510781100000,village\n"
            "510781101000,武都镇,510781000000,township\n"
            "510781101201,青林村,510781101000,village\n"
        ),
    )
    from villagebooks.regions.models import Region

    return {r.code: r for r in Region.objects.all()}


def _user(username, role, region, ledger_id=None):
    from django.contrib.auth import get_user_model

    from villagebooks.regions.services import role_grant, system_user

    user = get_user_model().objects.create_user(username=username, password="test-password-123")
    role_grant(actor=system_user(), user=user, role=role, region=region, ledger_id=ledger_id)
    return user


@pytest.fixture
def township(region_tree):
    return region_tree["510781100000"]


@pytest.fixture
def accountant(region_tree, township):
    return _user("accountant", "accountant", township)


@pytest.fixture
def reviewer(region_tree, township):
    return _user("reviewer", "reviewer", township)


@pytest.fixture
def manager(region_tree, township):
    return _user("manager", "agency-manager", township)


@pytest.fixture
def make_user(region_tree):
    return _user


@pytest.fixture
def ledger(region_tree, accountant):
    from villagebooks.ledger import services

    ledger = services.ledger_create(
        actor=accountant,
        village_code="510781100201",
        code="HT01",
        name="黑滩村股份经济合作联合社",
        chart="2023",
        start_year=2025,
        start_month=1,
    )
    services.fund_create(actor=accountant, ledger=ledger, name="县交通局道路补助", kind="earmarked_transfer")
    services.fund_create(actor=accountant, ledger=ledger, name="村级组织运转经费", kind="village_office")
    services.counterparty_create(actor=accountant, ledger=ledger, name="张三", kind="household")
    services.opening_balances_set(
        actor=accountant,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=8_000_000),
            services.OpeningInput(account_code="301", credit_fen=8_000_000),
        ],
    )
    ledger.refresh_from_db()
    return ledger


@pytest.fixture
def new_ledger(region_tree, accountant):
    """A second ledger, in 土门村 of the same township, still in set-up (no opening balances yet)."""
    from villagebooks.ledger import services

    return services.ledger_create(
        actor=accountant,
        village_code="510781100202",
        code="TM01",
        name="土门村股份经济合作联合社",
        chart="2023",
        start_year=2025,
        start_month=1,
    )


@pytest.fixture
def other_ledger(new_ledger, accountant):
    """The second ledger, active with no opening balances."""
    from villagebooks.ledger import services

    return services.opening_balances_set(actor=accountant, ledger=new_ledger, rows=[])
