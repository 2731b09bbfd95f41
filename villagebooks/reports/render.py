"""Reports as text for the terminal (aligned for CJK) and as CSV (through the spreadsheet guard)."""

from __future__ import annotations

import io
import unicodedata

from villagebooks.common.money import fen_to_text, format_fen
from villagebooks.common.spreadsheet import Number, csv_writer


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool) -> str:
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap


def render_table(title: str, headers: list[str], rows: list[list], *, text_columns: int) -> str:
    """An aligned text table; the first ``text_columns`` columns are text, the rest fen (None: blank)."""
    headers = [str(header) for header in headers]  # lazy titles, in the active language
    cells = [
        [
            str(v) if i < text_columns or isinstance(v, str) else "" if v is None else format_fen(v)
            for i, v in enumerate(row)
        ]
        for row in rows
    ]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = [str(title), ""]
    lines.append("  ".join(_pad(h, widths[i], right=i >= text_columns) for i, h in enumerate(headers)))
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(_pad(v, widths[i], right=i >= text_columns) for i, v in enumerate(row)))
    return "\n".join(lines) + "\n"


def render_csv(columns: list[str], rows: list[list], *, text_columns: int) -> str:
    """CSV with plain decimal amounts (``1234.50``), one header row of ``columns``.

    The first ``text_columns`` cells of a row are text, guarded against formulas; the others are
    fen, written as numbers, so a negative amount stays a number (a ``str`` among them, e.g. a
    state after the amounts, is text).
    """
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow(str(column) for column in columns)
    for row in rows:
        writer.writerow(
            [
                v if i < text_columns or isinstance(v, str) else None if v is None else Number(fen_to_text(v))
                for i, v in enumerate(row)
            ]
        )
    return buffer.getvalue()
