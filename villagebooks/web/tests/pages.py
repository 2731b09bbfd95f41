"""Reading rendered pages in tests: the cells of a table, row by row, as a user sees them."""

from __future__ import annotations

from html.parser import HTMLParser


class _TableReader(HTMLParser):
    """Rows of the HTML that carry ``attribute`` (e.g. ``data-code``), as key → cell texts."""

    def __init__(self, attribute: str):
        super().__init__()
        self.attribute = attribute
        self.rows: dict[str, list[str]] = {}
        self.classes: dict[str, str] = {}
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and self.attribute in attrs:
            self._row = self.rows.setdefault(attrs[self.attribute], [])
            self.classes[attrs[self.attribute]] = attrs.get("class") or ""
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, attribute: str = "data-code") -> tuple[dict[str, list[str]], dict[str, str]]:
    """(key → cell texts, key → class) for every ``<tr attribute=key>`` of ``html``."""
    reader = _TableReader(attribute)
    reader.feed(html)
    return reader.rows, reader.classes
