"""The instance's files: the same ``var/`` from any current directory, and private to its owner."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from villagebooks.common.home import instance_home

CHECKOUT = Path(__file__).resolve().parents[3]

# What a command sees, printed by a fresh interpreter (settings are read once a process).
SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"base": str(settings.BASE_DIR), "db": str(settings.DATABASES["default"]["NAME"]),
                  "media": str(settings.MEDIA_ROOT)}))
"""
# Opens the database as a command does, writes in WAL mode and reports the files' modes while the
# connection (and so the -wal and -shm files) is open.
WRITE_AND_STAT = """
import json, os, stat, django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
    cursor.execute("SELECT count(*) FROM probe")
    (count,) = cursor.fetchone()
name = settings.DATABASES["default"]["NAME"]
files = {suffix: stat.S_IMODE(os.stat(name + suffix).st_mode) for suffix in ("", "-wal", "-shm") if os.path.exists(name + suffix)}
print(json.dumps({"count": count, "files": files, "var": stat.S_IMODE(os.stat(settings.BASE_DIR / "var").st_mode)}))
"""


def _run(code: str, *, cwd: Path, env_changes: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("VILLAGEBOOKS_HOME", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="villagebooks.settings", **env_changes)
    # umask 022, as most shells have it: what made the file world-readable.
    result = subprocess.run(
        [sys.executable, "-c", f"import os; os.umask(0o022)\n{code}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_commands_find_the_same_var_from_any_directory(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here = _run(SHOW_SETTINGS, cwd=CHECKOUT, env_changes={})
    there = _run(SHOW_SETTINGS, cwd=elsewhere, env_changes={})
    assert here == there
    assert here["base"] == str(CHECKOUT)
    assert here["db"] == str(CHECKOUT / "var" / "villagebooks.sqlite3")
    assert here["media"] == str(CHECKOUT / "var" / "attachments")
    assert not (elsewhere / "var").exists()  # no stray database where the command ran


def test_a_command_in_another_directory_uses_the_same_database(tmp_path):
    home, first, second = tmp_path / "home", tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    env = {"VILLAGEBOOKS_HOME": str(home)}
    assert _run(WRITE_AND_STAT, cwd=first, env_changes=env)["count"] == 1
    assert _run(WRITE_AND_STAT, cwd=second, env_changes=env)["count"] == 2
    assert not (first / "var").exists() and not (second / "var").exists()


def test_the_database_and_var_are_private_to_their_owner(tmp_path):
    modes = _run(WRITE_AND_STAT, cwd=tmp_path, env_changes={"VILLAGEBOOKS_HOME": str(tmp_path / "home")})
    assert modes["var"] == 0o700
    assert set(modes["files"]) == {"", "-wal", "-shm"}
    assert set(modes["files"].values()) == {0o600}


def test_a_database_made_world_readable_before_is_tightened(tmp_path):
    database = tmp_path / "home" / "var" / "villagebooks.sqlite3"
    database.parent.mkdir(parents=True)
    database.touch()
    os.chmod(database, 0o644)
    _run(WRITE_AND_STAT, cwd=tmp_path, env_changes={"VILLAGEBOOKS_HOME": str(tmp_path / "home")})
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_the_home_is_the_named_one_else_the_checkout_else_the_users_data_folder(tmp_path):
    assert instance_home({"VILLAGEBOOKS_HOME": str(tmp_path)}) == tmp_path.resolve()
    assert instance_home({}) == CHECKOUT
