"""The 2004 chart's accounts on the 2023 chart's lines (新旧衔接), for consolidating a region whose
villages keep books on both charts.

The correspondence is data (``data/chart-map-2004-2023.json``, with its source): most pairs are
the chart's own notes (在建工程 was 154, 应付款 was 202 …); pairs the official text could not
confirm carry ``unsure`` with the reason, and the reports name them. An installation corrects
the map without a release by putting its own file of the same shape at
``<VILLAGEBOOKS_HOME>/chart-map-2004-2023.json``; it is checked like the shipped one (every 2004
account mapped, every target a 2023 account) and refused as a whole when it is not.

A 2004 sub-account keeps its own digits under the new parent: 20201 (应付款 — 张三) is read as
21101. Consolidation only renames codes; amounts are never split or estimated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.common.home import instance_home
from villagebooks.ledger.domain.chart import DATA_DIR, chart_templates

FILE_NAME = "chart-map-2004-2023.json"
FROM_CHART, TO_CHART = "2004", "2023"

MAP_BROKEN = _("新旧科目对照表 {path} 有误：{reason}")


class ChartMapError(ValueError):
    pass


@dataclass(frozen=True)
class AccountPair:
    old: str
    new: str
    name: str
    unsure: str = ""  # why the pair could not be confirmed; "" when it is the official text's
    # The 2023 accounts the balance may belong to when a ledger is converted (``new`` among them):
    # more than one means a person decides, sub-account by sub-account (``ledger_conversion``).
    choices: tuple[str, ...] = ()

    @property
    def options(self) -> tuple[str, ...]:
        """The 2023 accounts to choose from, the pair's own (the suggestion) first."""
        return (self.new, *(code for code in self.choices if code != self.new))


@dataclass(frozen=True)
class ChartMap:
    source: str
    path: Path
    pairs: dict[str, AccountPair]

    def new_code(self, code: str) -> str:
        """The 2023 code a 2004 account (or sub-account) is consolidated under."""
        pair = self.pairs.get(code[:3])
        return pair.new + code[3:] if pair is not None else code

    @property
    def unsure(self) -> list[AccountPair]:
        return [pair for pair in self.pairs.values() if pair.unsure]


def map_file() -> Path:
    """The installation's own map if it has one, else the one shipped with the platform."""
    local = instance_home() / FILE_NAME
    return local if local.exists() else DATA_DIR / FILE_NAME


def load_map(path: Path) -> ChartMap:
    """Read and check a map file; ``ChartMapError`` (in Chinese) says what is wrong with it."""

    def broken(reason: str) -> ChartMapError:
        return ChartMapError(str(MAP_BROKEN).format(path=path.name, reason=reason))

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data["accounts"]
        if data.get("from_chart") != FROM_CHART or data.get("to_chart") != TO_CHART:
            raise broken(f"from_chart/to_chart ≠ {FROM_CHART}/{TO_CHART}")
        pairs = {
            str(row["from"]): AccountPair(
                old=str(row["from"]),
                new=str(row["to"]),
                name=str(row.get("name", "")),
                unsure=str(row.get("unsure", "")),
                choices=tuple(str(code) for code in row.get("choices", ())),
            )
            for row in rows
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        if isinstance(error, ChartMapError):
            raise
        raise broken(str(error)) from error
    old_codes = {t.code for t in chart_templates(FROM_CHART)}
    new_codes = {t.code for t in chart_templates(TO_CHART)}
    missing = sorted(old_codes - set(pairs))
    if missing:
        raise broken("2004 accounts without a 2023 account: " + ", ".join(missing))
    wrong = sorted({code for p in pairs.values() for code in (p.new, *p.choices) if code not in new_codes})
    if wrong:
        raise broken("not 2023 accounts: " + ", ".join(wrong))
    astray = sorted(p.old for p in pairs.values() if p.choices and p.new not in p.choices)
    if astray:
        raise broken("choices must include the pair's own 2023 account: " + ", ".join(astray))
    return ChartMap(source=str(data.get("source", "")), path=path, pairs=pairs)


@cache
def _cached(path: Path, mtime: float) -> ChartMap:
    return load_map(path)


def chart_map() -> ChartMap:
    """The map in force (re-read when its file changes). A broken map is the reports' error at
    their chart field (the page shows why), never figures added up by a wrong map."""
    path = map_file()
    try:
        return _cached(path, path.stat().st_mtime)
    except ChartMapError as error:
        raise DomainError(str(error), field="chart") from error
