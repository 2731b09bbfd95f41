"""Money in templates: integer fen shown as yuan through ``common.money.format_fen``."""

from django import template

from villagebooks.common.money import format_fen

register = template.Library()


@register.filter
def fen(value: int) -> str:
    """``123450`` → ``1,234.50``."""
    return format_fen(int(value or 0))


@register.filter
def fen_blank(value: int) -> str:
    """Like ``fen`` but blank for zero, as printed account tables leave the unused side empty."""
    return format_fen(int(value)) if value else ""
