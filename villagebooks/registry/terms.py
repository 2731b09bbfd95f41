"""The registry's word lists and county settings, read from ``villagebooks/data/registry-terms.json``
(or the file ``settings.VILLAGEBOOKS_REGISTRY_TERMS`` names): the statuses, the kinds of 监测对象,
the cadre roles, whether a bank card must pass the Luhn check, how a payment voucher is laid out
and on which accounts. The references mark several of these UNSURE, so a county corrects the
data, not the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "registry-terms.json"
PER_LIST, PER_PERSON = "per_list", "per_person"


@dataclass(frozen=True)
class Terms:
    statuses: tuple[str, ...]
    monitored_status: str
    monitor_kinds: tuple[str, ...]
    cadre_roles: tuple[str, ...]
    head_relation: str
    luhn_required: bool
    payment_voucher_lines: str
    payment_accounts: dict[str, dict[str, str]]


@cache
def _load(path: str) -> Terms:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    lines = data.get("payment_voucher_lines", PER_LIST)
    if lines not in (PER_LIST, PER_PERSON):
        raise ValueError(f"{path}: payment_voucher_lines must be {PER_LIST} or {PER_PERSON}")
    return Terms(
        statuses=tuple(data["statuses"]),
        monitored_status=data["monitored_status"],
        monitor_kinds=tuple(data["monitor_kinds"]),
        cadre_roles=tuple(data["cadre_roles"]),
        head_relation=data.get("head_relation", "户主"),
        luhn_required=data.get("bank_card_luhn", "reject") == "reject",
        payment_voucher_lines=lines,
        payment_accounts=data["payment_accounts"],
    )


def terms() -> Terms:
    return _load(str(getattr(settings, "VILLAGEBOOKS_REGISTRY_TERMS", None) or DEFAULT_PATH))
