"""A fresh database beside the test database, and what a command in another process sees there."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection


def _login() -> dict:
    """The test database's login, or the owner's where the app runs as a role that owns nothing
    (DEVELOPERS.md, "two roles"): only the owner may create and drop the scratch databases."""
    from django.conf import settings as django_settings

    return django_settings.DATABASE_OWNER or connection.settings_dict


def admin_arguments() -> dict[str, str]:
    """psycopg's arguments for the server's ``postgres`` database, as the owner of the test database."""
    settings = _login()
    names = (("user", "USER"), ("password", "PASSWORD"), ("host", "HOST"), ("port", "PORT"))
    return {"dbname": "postgres", **{k: str(settings[v]) for k, v in names if settings.get(v)}}


def postgres_url(name: str, *, owner: bool = False) -> str:
    """The URL of database ``name`` with the test's login, or with the owner's (``owner``) where the
    app's role owns nothing: ``restore --database-url`` must be given the owner, as an operator does."""
    settings = _login() if owner else connection.settings_dict
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{name}"


def owner_url(url: str) -> str:
    """``url`` with the owner's login where there is one (PostgreSQL, two roles), else ``url``."""
    if not url.startswith("postgres"):
        return url
    return postgres_url(url.rsplit("/", 1)[1], owner=True)


@contextmanager
def scratch_database(directory: Path, suffix: str):
    """The URL of a new, empty database of the test database's kind: a SQLite file in
    ``directory``, or on PostgreSQL ``<test database>_<suffix>``, dropped when done."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{directory / f'{suffix}.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_{suffix}"
    with psycopg.connect(**admin_arguments(), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(name)
    finally:
        with psycopg.connect(**admin_arguments(), autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database to restore into (``<test database>_restore`` on PostgreSQL)."""
    with scratch_database(tmp_path, "restore") as url:
        yield url


def _environment(url: str, home: Path | None = None) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DATABASE_OWNER_URL") and not k.startswith("VILLAGEBOOKS_")
    }
    if url.startswith("postgres") and os.environ.get("DATABASE_OWNER_URL"):
        # With two roles the commands migrate and restore as the owner, in whichever database
        # DATABASE_URL names (the owner's URL gives only the login).
        environment["DATABASE_OWNER_URL"] = os.environ["DATABASE_OWNER_URL"]
    environment |= {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "villagebooks.settings",
        # Outside DEBUG the settings refuse to start without a key (issue 18); any will do here.
        "VILLAGEBOOKS_SECRET_KEY": "restore-drill-" + secrets.token_urlsafe(32),
    }
    if home is not None:
        environment["VILLAGEBOOKS_HOME"] = str(home)
    return environment


def villagebooks_on(
    url: str, *args: str, home: Path | None = None, code: str = ""
) -> subprocess.CompletedProcess:
    """``villagebooks ARGS`` (or the Python ``code`` with Django set up) in a new process on the
    database at ``url``, with its files (attachments) under ``home``."""
    environment = _environment(url, home)
    command = ["-c", "import django; django.setup()\n" + code] if code else ["-m", "villagebooks.cli", *args]
    return subprocess.run(
        [sys.executable, *command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def checksums_on(url: str) -> dict[str, list]:
    done = villagebooks_on(url, "table-checksums", "--json")
    assert done.returncode == 0, done.stderr
    return {table: [c["rows"], c["sha256"]] for table, c in json.loads(done.stdout).items()}


villagebooks_on.environment = _environment
