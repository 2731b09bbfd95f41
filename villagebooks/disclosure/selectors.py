"""The public reads: a village's disclosures by period, one disclosure, and the snapshot as the
page draws it (amounts formatted, numbers right-aligned). No scope: what is published is public."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from villagebooks.common.money import format_fen
from villagebooks.disclosure.models import Disclosure
from villagebooks.disclosure.periods import parse_disclosure_period
from villagebooks.disclosure.sections import COUNT, FEN
from villagebooks.ledger import checkpoints
from villagebooks.ledger.models import Ledger


def public_ledger(code: str) -> Ledger | None:
    return Ledger.objects.select_related("village").filter(code=code).first()


@dataclass
class PeriodGroup:
    period: str
    label: str
    versions: list[Disclosure] = field(default_factory=list)

    @property
    def latest(self) -> Disclosure:
        return self.versions[0]


def disclosures_by_period(ledger: Ledger) -> list[PeriodGroup]:
    """Every disclosure of ``ledger``, newest period first, each period's versions newest first."""
    groups: dict[str, PeriodGroup] = {}
    rows = (
        Disclosure.objects.filter(ledger=ledger)
        .only("period", "version", "reason", "published_at", "from_key", "ledger_id")
        .order_by("-from_key", "-to_key", "-version")
    )
    for row in rows:
        group = groups.get(row.period)
        if group is None:
            group = groups[row.period] = PeriodGroup(row.period, parse_disclosure_period(row.period).label)
        group.versions.append(row)
    return list(groups.values())


def disclosure_get(ledger: Ledger, period: str, version: int | None = None) -> Disclosure | None:
    rows = Disclosure.objects.filter(ledger=ledger, period=period).select_related("checkpoint")
    if version is not None:
        return rows.filter(version=version).first()
    return rows.order_by("-version").first()


def versions_of(disclosure: Disclosure) -> list[Disclosure]:
    return list(
        Disclosure.objects.filter(ledger_id=disclosure.ledger_id, period=disclosure.period)
        .only("version", "reason", "published_at", "period", "ledger_id")
        .order_by("-version")
    )


def cell_text(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == FEN:
        return format_fen(value)
    if kind == COUNT:
        return f"{value:,}"
    return str(value)


@dataclass
class ShownTable:
    title: str
    headers: list[tuple[str, bool]]  # label, is a number
    rows: list[list[tuple[str, bool]]]
    note: str


@dataclass
class ShownSection:
    key: str
    title: str
    tables: list[ShownTable]
    note: str
    from_books: bool


def shown_sections(disclosure: Disclosure) -> list[ShownSection]:
    """The stored snapshot, as text cells: what the page (and the poster) draw."""
    snapshot = json.loads(disclosure.snapshot)
    sections = []
    for section in snapshot["sections"]:
        tables = []
        for table in section["tables"]:
            kinds = [column["kind"] for column in table["columns"]]
            headers = [(column["label"], column["kind"] != "text") for column in table["columns"]]
            rows = [
                [(cell_text(cell, kind), kind != "text") for cell, kind in zip(row, kinds, strict=False)]
                for row in table["rows"]
            ]
            tables.append(ShownTable(table["title"], headers, rows, table.get("note", "")))
        sections.append(
            ShownSection(
                section["key"], section["title"], tables, section.get("note", ""), section["from_books"]
            )
        )
    return sections


def checkpoint_short(disclosure: Disclosure) -> str:
    return checkpoints.short_form(disclosure.checkpoint) if disclosure.checkpoint_id else ""
