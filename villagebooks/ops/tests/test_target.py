"""Which database and role backup and restore use."""

from __future__ import annotations

import pytest
from django.db import connections

from villagebooks.ops.target import TargetError, target_resolve


def test_on_postgresql_the_owner_role_restores_into_the_projects_database(monkeypatch, settings):
    default = {**connections["default"].settings_dict, "ENGINE": "django.db.backends.postgresql"}
    monkeypatch.setitem(
        connections["default"].__dict__,
        "settings_dict",
        default | {"NAME": "villagebooks", "USER": "vb_app", "PASSWORD": "app-secret"},
    )
    monkeypatch.setenv(
        "DATABASE_OWNER_URL", "postgres://vb_owner:owner%20secret@db.example:5432/villagebooks"
    )

    target = target_resolve()

    assert (target.name, target.settings["USER"], target.settings["PASSWORD"]) == (
        "villagebooks",
        "vb_owner",
        "owner secret",
    )
    assert target.pg_environment()["PGUSER"] == "vb_owner"
    assert "secret" not in target.describe()
    monkeypatch.delenv("DATABASE_OWNER_URL")
    assert target_resolve().settings["USER"] == "vb_app"


def test_a_url_given_is_used_as_it_is(monkeypatch):
    monkeypatch.setenv("DATABASE_OWNER_URL", "postgres://vb_owner:x@db.example:5432/villagebooks")

    target = target_resolve("postgres://someone:pw@127.0.0.1:5433/elsewhere")

    assert (target.name, target.settings["USER"], target.url) == (
        "elsewhere",
        "someone",
        "postgres://someone:pw@127.0.0.1:5433/elsewhere",
    )
    assert target.describe() == "someone@127.0.0.1:5433/elsewhere"


def test_a_database_of_another_kind_is_refused():
    with pytest.raises(TargetError, match="不支持的数据库"):
        target_resolve("mysql://u:p@localhost/villagebooks")
