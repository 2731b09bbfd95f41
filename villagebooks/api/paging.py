"""Page-number pagination of a list: ``?page=2&page_size=50`` → ``{count, page, page_size, items}``."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from ninja import Field, Schema

MAX_PAGE = 1_000_000  # keeps OFFSET within what both databases take
MAX_PAGE_SIZE = 200


class PageIn(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


def page_of(rows: QuerySet, pagination: PageIn, render: Callable) -> dict:
    start = (pagination.page - 1) * pagination.page_size
    return {
        "count": rows.count(),
        "page": pagination.page,
        "page_size": pagination.page_size,
        "items": [render(row) for row in rows[start : start + pagination.page_size]],
    }
