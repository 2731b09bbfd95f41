"""PostgreSQL arrays of numbers sent as one text literal each (``'{1,2,3}'`` with a cast in the SQL).

Statements that write many rows at once take their columns as arrays (``unnest(%s::bigint[])``).
psycopg adapts a Python list item by item, which for the few thousand numbers of an import's
batch costs about five times what joining their decimal texts does; PostgreSQL parses either.
Only for integers and booleans, whose texts need no quoting inside an array literal.
"""

from __future__ import annotations

from collections.abc import Iterable


def array_literal(values: Iterable[int | bool | None]) -> str:
    """``values`` as an array literal: ``{1,2,NULL}``; cast it in the SQL (``%s::bigint[]``).
    Booleans come as ``True``/``False``, which PostgreSQL reads as ``boolean``."""
    values = list(values)
    if None in values:
        return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"
    return "{" + ",".join(map(str, values)) + "}"


def array_literals(rows: list[tuple]) -> list[str]:
    """The columns of ``rows`` (tuples of integers or booleans), each as an array literal."""
    return [array_literal(column) for column in zip(*rows, strict=True)]
