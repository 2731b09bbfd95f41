"""Fixtures of members, shares and decisions: households of 黑滩村 (HT01) from the registry, a CSV
writer for the affairs imports, and the registers filled through their imports."""

from __future__ import annotations

import itertools

import pytest

from villagebooks.affairs.decisions import DECISION_COLUMNS, decisions_import
from villagebooks.affairs.members import MEMBER_COLUMNS, members_import
from villagebooks.affairs.shares import SHARE_COLUMNS, shares_import
from villagebooks.regions.services import system_user
from villagebooks.registry.tests.conftest import HEITAN, TUMEN, import_rows, make_id, person, write_csv

__all__ = ["HEITAN", "TUMEN", "import_rows"]


@pytest.fixture
def people(region_tree, import_rows):
    """Four households of 黑滩村 (H001–H004; H004's 李四 is dead) and one of 土门村."""
    ids = {key: make_id() for key in ("zhang", "zhang_wife", "wang", "li", "li_son", "zhao", "tumen")}
    import_rows(
        [
            person(household="H001", name="张三", id_number=ids["zhang"]),
            person(household="H001", name="刘芳", relation="配偶", id_number=ids["zhang_wife"]),
            person(household="H002", name="王五", id_number=ids["wang"]),
            person(household="H003", name="赵六", id_number=ids["zhao"]),
            person(household="H004", name="李四", alive="否", death_date="2025-06-01", id_number=ids["li"]),
            person(household="H004", name="李小明", relation="子", id_number=ids["li_son"]),
            person(village=TUMEN, household="T001", name="孙七", id_number=ids["tumen"]),
        ]
    )
    return ids


def _runner(tmp_path, columns, function):
    counter = itertools.count(1)

    def run(rows, actor=None):
        path = write_csv(tmp_path / f"{function.__name__}-{next(counter)}.csv", rows, columns)
        return function(actor=actor or system_user(), path=path)

    return run


@pytest.fixture
def import_members(tmp_path):
    return _runner(tmp_path, MEMBER_COLUMNS, members_import)


@pytest.fixture
def import_shares(tmp_path):
    return _runner(tmp_path, SHARE_COLUMNS, shares_import)


@pytest.fixture
def import_decisions(tmp_path):
    return _runner(tmp_path, DECISION_COLUMNS, decisions_import)


def member(id_number, name, **values) -> dict:
    row = {
        "village": HEITAN,
        "id_number": id_number,
        "name": name,
        "since": "2020-01-01",
        "basis": "原始取得",
    }
    row.update(values)
    return row


@pytest.fixture
def members(people, import_members):
    import_members(
        [
            member(people["zhang"], "张三"),
            member(people["zhang_wife"], "刘芳", basis="法定取得", basis_note="婚姻"),
            member(people["wang"], "王五"),
            member(people["zhao"], "赵六", basis="申请加入"),
            member(people["li"], "李四"),
            member(people["li_son"], "李小明"),
        ]
    )
    return people


def share(id_number, shares, **values) -> dict:
    row = {
        "village": HEITAN,
        "share_class": "RK",
        "id_number": id_number,
        "shares": shares,
        "date": "2020-01-01",
    }
    row.update(values)
    return row


@pytest.fixture
def shares(members, import_shares, settings, tmp_path):
    """人口股 per member; 集体股 to the collective. The cap is lifted (a village of four households
    cannot keep each under 3 %): tests of the cap set it back."""
    import json

    from villagebooks.affairs.terms import DEFAULT_PATH, _load

    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["max_holding_ratio"] = "0.5"
    path = tmp_path / "affairs-terms.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.VILLAGEBOOKS_AFFAIRS_TERMS = str(path)
    _load.cache_clear()
    import_shares(
        [
            share(members["zhang"], "1", class_name="人口股", class_kind="人口股"),
            share(members["zhang_wife"], "1"),
            share(members["wang"], "1"),
            share(members["zhao"], "1"),
            share(members["li"], "1"),
            share(members["li_son"], "1"),
            share("", "2", share_class="JT", class_name="集体股", class_kind="集体股"),
        ]
    )
    return members
