"""A fresh database beside the test database, and what a command in another process sees there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection


def admin_arguments() -> dict[str, str]:
    """psycopg's arguments for the server's ``postgres`` database, as the test database's user."""
    settings = connection.settings_dict
    names = (("user", "USER"), ("password", "PASSWORD"), ("host", "HOST"), ("port", "PORT"))
    return {"dbname": "postgres", **{k: str(settings[v]) for k, v in names if settings.get(v)}}


def postgres_url(name: str) -> str:
    settings = connection.settings_dict
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{name}"


@pytest.fixture
def fresh_database(tmp_path):
    """The URL of an empty database of the test database's kind: a new SQLite file, or on
    PostgreSQL ``<test database>_restore``, created here and dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{connection.settings_dict['NAME']}_restore"
    settings = connection.settings_dict
    admin = {
        "dbname": "postgres",
        **{
            k: str(settings[v])
            for k, v in (("user", "USER"), ("password", "PASSWORD"), ("host", "HOST"), ("port", "PORT"))
            if settings.get(v)
        },
    }
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url(name)
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(url: str, home: Path | None = None) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DATABASE_OWNER_URL") and not k.startswith("VILLAGEBOOKS_")
    }
    environment |= {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "villagebooks.settings"}
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
