"""Model rows read and written with SQL written once, for the few statements every request runs.

The ORM compiles a query each time it runs it: for a lookup by a unique key that costs more of
the request's CPU than the query itself (a token and its user, 1 ms against 0.1 ms on
PostgreSQL). These helpers build the statement's text once per model and turn its rows into
instances exactly as the ORM would: the database's and the fields' converters applied (SQLite
returns datetimes as text), ``Model.from_db`` for the instance. An INSERT's values go through
each field's ``get_db_prep_save``, as a ``save`` sends them.
"""

from __future__ import annotations

from functools import cache

from django.db import connection


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _fields(model) -> tuple:
    return tuple(model._meta.concrete_fields)


def columns(model, alias: str) -> str:
    """The model's columns, as its instances need them, for a SELECT over ``alias``."""
    return ", ".join(f"{alias}.{_quote(field.column)}" for field in _fields(model))


def width(model) -> int:
    """How many values of a row ``columns`` selects."""
    return len(_fields(model))


@cache
def _converters(model, vendor: str) -> tuple:
    found = []
    table = model._meta.db_table
    for field in _fields(model):
        expression = field.get_col(table)
        found.append(
            (
                expression,
                tuple(connection.ops.get_db_converters(expression) + field.get_db_converters(connection)),
            )
        )
    return tuple(found)


def instance(model, values):
    """An instance of ``model`` from the values of ``columns``, as the ORM would make it."""
    converted = []
    for value, (expression, converters) in zip(values, _converters(model, connection.vendor), strict=True):
        for converter in converters:
            value = converter(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in _fields(model)], converted)


def first(model, where: str, params: list):
    """The instance of the one row of ``model`` that ``where`` (SQL over ``t``) selects, or None."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns(model, 't')} FROM {_quote(model._meta.db_table)} t WHERE {where}", params
        )
        row = cursor.fetchone()
    return None if row is None else instance(model, row)


def insert(entry) -> None:
    """INSERT ``entry`` (a new instance whose primary key the database gives) as given, as
    ``save_base(raw=True, force_insert=True)`` does, in one statement; sets its key."""
    model = type(entry)
    fields = [field for field in _fields(model) if field is not model._meta.pk]
    values = [field.get_db_prep_save(getattr(entry, field.attname), connection) for field in fields]
    returning = connection.features.can_return_columns_from_insert  # SQLite before 3.35: lastrowid
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_quote(model._meta.db_table)} ({', '.join(_quote(f.column) for f in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
            + (f" RETURNING {_quote(model._meta.pk.column)}" if returning else ""),
            values,
        )
        entry.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    entry._state.adding = False
    entry._state.db = connection.alias
