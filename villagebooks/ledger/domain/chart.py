"""The standard charts of accounts and their rules, read from the data files shipped with the
package (``villagebooks/data``). Plain values only: no database here."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class AccountTemplate:
    code: str
    name: str
    category: str
    normal_side: str
    requires_fund: bool
    requires_counterparty: bool


@dataclass(frozen=True)
class ChartRules:
    profit_account: str
    distribution_account: str
    undistributed_code: str
    undistributed_name: str
    appropriation_code: str
    appropriation_name: str
    appropriations: dict[str, str]
    # kind → (code, name) of its sub-account under 各项分配 (the 收益及收益分配表 reads each kind)
    appropriation_kinds: dict[str, tuple[str, str]]


@cache
def _rules_data() -> dict:
    return json.loads((DATA_DIR / "chart-rules.json").read_text(encoding="utf-8"))


@cache
def chart_templates(chart: str) -> tuple[AccountTemplate, ...]:
    rules = _rules_data()[chart]
    with (DATA_DIR / f"chart-of-accounts-{chart}.csv").open(encoding="utf-8") as handle:
        return tuple(
            AccountTemplate(
                code=row["code"],
                name=row["name"],
                category=row["category"],
                normal_side=row["normal_side"],
                requires_fund=row["code"] in rules["requires_fund"],
                requires_counterparty=row["code"] in rules["requires_counterparty"],
            )
            for row in csv.DictReader(handle)
        )


@cache
def chart_rules(chart: str) -> ChartRules:
    data = _rules_data()[chart]
    distribution = data["distribution_account"]
    return ChartRules(
        profit_account=data["profit_account"],
        distribution_account=distribution,
        undistributed_code=distribution + data["undistributed_subaccount"]["suffix"],
        undistributed_name=data["undistributed_subaccount"]["name"],
        appropriation_code=distribution + data["appropriation_subaccount"]["suffix"],
        appropriation_name=data["appropriation_subaccount"]["name"],
        appropriations=dict(data["appropriations"]),
        appropriation_kinds={
            kind: (distribution + data["appropriation_subaccount"]["suffix"] + item["suffix"], item["name"])
            for kind, item in data.get("appropriation_kinds", {}).items()
        },
    )
