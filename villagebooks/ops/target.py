"""Which database a backup reads or a restore writes, and as which role.

Without ``--database-url`` it is the project's own database (``DATABASE_URL``, else the SQLite
file under ``var/``), through Django's connection settings. On PostgreSQL a restore drops and
creates tables, which the application's role may not do: it connects as the owner role of
``DATABASE_OWNER_URL`` when that is set (its user and password; the database stays that of
``DATABASE_URL``), as ``migrate`` does; a backup reads with the same role, which can read every table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import dj_database_url
from django.db import connections

UNSUPPORTED = "不支持的数据库：{engine}（备份与恢复只支持 SQLite 和 PostgreSQL）"
BAD_URL = "数据库地址无法解析：{error}"


class TargetError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    vendor: str  # "sqlite" or "postgresql"
    settings: dict  # Django's NAME, USER, PASSWORD, HOST, PORT
    url: str = ""  # given with --database-url: how a command in another process reaches it
    alias: str | None = None  # Django's connection, when the target is the project's database

    @property
    def name(self) -> str:
        return str(self.settings["NAME"])

    def describe(self) -> str:
        """Where it is, for the manifest and messages; never the password."""
        if self.vendor == "sqlite":
            return self.name
        user = self.settings.get("USER") or ""
        host = self.settings.get("HOST") or "localhost"
        port = self.settings.get("PORT") or 5432
        return f"{user}@{host}:{port}/{self.name}" if user else f"{host}:{port}/{self.name}"

    def pg_environment(self) -> dict[str, str]:
        """libpq's variables for pg_dump, pg_restore and psql: the password stays out of argv."""
        values = {
            "PGDATABASE": self.settings.get("NAME"),
            "PGUSER": self.settings.get("USER"),
            "PGPASSWORD": self.settings.get("PASSWORD"),
            "PGHOST": self.settings.get("HOST"),
            "PGPORT": self.settings.get("PORT"),
        }
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        return environment | {k: str(v) for k, v in values.items() if v}

    def pg_connect_arguments(self) -> dict[str, str]:
        names = {"NAME": "dbname", "USER": "user", "PASSWORD": "password", "HOST": "host", "PORT": "port"}
        return {names[k]: str(v) for k, v in self.settings.items() if k in names and v}


def _vendor(engine: str) -> str:
    if engine == "django.db.backends.sqlite3":
        return "sqlite"
    if "postgresql" in engine or "postgis" in engine:
        return "postgresql"
    raise TargetError(UNSUPPORTED.format(engine=engine))


def target_resolve(database_url: str | None = None, *, owner: bool = True) -> Target:
    """The database to work on: ``database_url`` if given, else Django's ``default``.

    ``owner``: on PostgreSQL, connect with the user and password of ``DATABASE_OWNER_URL`` if set.
    """
    if database_url:
        try:
            settings = dj_database_url.parse(database_url)
        except Exception as error:  # dj_database_url raises several kinds for a malformed URL
            raise TargetError(BAD_URL.format(error=error)) from error
        return Target(vendor=_vendor(settings["ENGINE"]), settings=settings, url=database_url)
    settings = dict(connections["default"].settings_dict)
    vendor = _vendor(settings["ENGINE"])
    owner_url = os.environ.get("DATABASE_OWNER_URL")
    if owner and vendor == "postgresql" and owner_url:
        try:
            owner_settings = dj_database_url.parse(owner_url)
        except Exception as error:
            raise TargetError(BAD_URL.format(error=error)) from error
        settings["USER"], settings["PASSWORD"] = owner_settings.get("USER"), owner_settings.get("PASSWORD")
    return Target(vendor=vendor, settings=settings, alias="default")
