"""Users who manage users, at each level of the shared region tree (see the root conftest.py)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

# The shared tree: 四川省 > 绵阳市 > 江油市 (county) > 新安镇 > 黑滩村, 土门村; 江油市 > 武都镇 > 青林村.
PROVINCE, COUNTY, TOWNSHIP, WUDU = "510000000000", "510781000000", "510781100000", "510781101000"
HEITAN, TUMEN, QINGLIN = "510781100201", "510781100202", "510781101201"
STRONG_PASSWORD = "Zh4ng-san-2025!"
REPO = Path(__file__).resolve().parents[3]


def villagebooks_process(*args: str, home: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    """The ``villagebooks`` console command in a fresh process, on its own SQLite file under ``home``,
    with settings read from ``env`` as in production (none of the caller's VILLAGEBOOKS_* leak in;
    a fresh secret key unless ``env`` gives one)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("VILLAGEBOOKS_") and key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    environment |= {
        "VILLAGEBOOKS_HOME": str(home),
        "DATABASE_URL": f"sqlite:///{home / 'cli.sqlite3'}",
        # Production has a key; a test about running without one passes VILLAGEBOOKS_SECRET_KEY="".
        "VILLAGEBOOKS_SECRET_KEY": "test-only-" + secrets.token_urlsafe(40),
        **env,
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "villagebooks"), *args],
        cwd=home,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def province_admin(make_user, region_tree):
    """An admin at a root of the tree: a system administrator, like a superuser."""
    return make_user("province-admin", "admin", region_tree[PROVINCE])


@pytest.fixture
def county_office(make_user, region_tree):
    return make_user("county-office", "county", region_tree[COUNTY])


@pytest.fixture
def township_admin(make_user, region_tree):
    return make_user("township-admin", "admin", region_tree[TOWNSHIP])


@pytest.fixture
def qinglin_ledger(region_tree):
    """A ledger in 青林村 of 武都镇: outside 新安镇."""
    from villagebooks.ledger.services import ledger_create
    from villagebooks.regions.services import system_user

    return ledger_create(
        actor=system_user(),
        village_code=QINGLIN,
        code="QL01",
        name="青林村股份经济合作联合社",
        chart="2023",
        start_year=2025,
        start_month=1,
    )
