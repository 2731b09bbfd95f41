"""The database connection's settings read from the environment: on PostgreSQL a connection is kept
between requests (``DATABASE_CONN_MAX_AGE``, checked before reuse) and psycopg may prepare the
statements of ``common/prepared.py`` (``DATABASE_PREPARED_STATEMENTS``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from villagebooks import settings as project_settings
from villagebooks.settings import _database_from_env

PG = "postgres://villagebooks_app@db.example:5432/books"


@pytest.fixture
def env(monkeypatch):
    for name in ("DATABASE_CONN_MAX_AGE", "DATABASE_PREPARED_STATEMENTS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 60), ("0", 0), ("300", 300), (" none ", None), ("", 60)]
)
def test_postgresql_keeps_its_connection_for_the_seconds_of_the_environment(env, value, expected):
    env.setenv("DATABASE_URL", PG)
    if value is not None:
        env.setenv("DATABASE_CONN_MAX_AGE", value)
    config = _database_from_env()
    assert config["CONN_MAX_AGE"] == expected
    assert config["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("value", ["-1", "a minute", "1.5"])
def test_a_max_age_that_is_no_number_of_seconds_stops_the_start(env, value):
    env.setenv("DATABASE_URL", PG)
    env.setenv("DATABASE_CONN_MAX_AGE", value)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_CONN_MAX_AGE"):
        _database_from_env()


def test_sqlite_closes_its_connection_after_each_request_as_before(env, tmp_path):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'books.sqlite3'}")
    env.setenv("DATABASE_CONN_MAX_AGE", "300")
    config = _database_from_env()
    assert config["CONN_MAX_AGE"] == 0
    assert "prepare_threshold" not in config["OPTIONS"]


@pytest.mark.parametrize(("value", "on"), [(None, True), ("1", True), ("0", False)])
def test_prepared_statements_are_planned_once_unless_the_environment_turns_them_off(env, value, on):
    env.setenv("DATABASE_URL", PG + "?options=-c%20statement_timeout%3D5000")
    if value is not None:
        env.setenv("DATABASE_PREPARED_STATEMENTS", value)
    env.setattr(
        project_settings, "DATABASE_PREPARED_STATEMENTS", project_settings._prepared_statements_from_env()
    )
    options = _database_from_env().get("OPTIONS", {})
    expected = "-c statement_timeout=5000" + (" -c plan_cache_mode=force_generic_plan" if on else "")
    assert options.get("options") == expected
    # psycopg's own preparing stays off (Django's default): common/prepared.py turns it on only
    # for the time of its statements, so Django's statements are neither prepared nor kept.
    assert "prepare_threshold" not in options
