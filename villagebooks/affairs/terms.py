"""The county's figures and word lists for members, shares, dividends and decisions, read from
``villagebooks/data/affairs-members.json`` (or the file ``settings.VILLAGEBOOKS_AFFAIRS_TERMS``
names). Several are UNSURE in the references (the file's comment says which): a county corrects
the data, not the code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "affairs-members.json"


@dataclass(frozen=True)
class Quorum:
    present: Decimal  # share of eligible members (or representatives) who must attend
    present_strict: bool  # True: more than; False: at least
    approve: Decimal  # share of those present who must vote for
    approve_strict: bool


@dataclass(frozen=True)
class Terms:
    bases: dict[str, str]
    end_reasons: dict[str, str]
    refused_end_reasons: tuple[str, ...]
    share_class_kinds: dict[str, str]
    collective_shares_allowed: bool
    max_holding_ratio: Decimal
    reserve_min_ratio: Decimal
    quorum_ordinary: Quorum
    quorum_major: Quorum
    decision_threshold_fen: int
    payment_accounts: tuple[str, ...]  # a voucher crediting these (cash, bank) pays out


def _quorum(data: dict) -> Quorum:
    return Quorum(
        present=Decimal(data["present"]),
        present_strict=bool(data.get("present_strict", True)),
        approve=Decimal(data["approve"]),
        approve_strict=bool(data.get("approve_strict", True)),
    )


@cache
def _load(path: str) -> Terms:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return Terms(
        bases=data["membership_bases"],
        end_reasons=data["end_reasons"],
        refused_end_reasons=tuple(data["refused_end_reasons"]),
        share_class_kinds=data["share_class_kinds"],
        collective_shares_allowed=bool(data.get("collective_shares_allowed", True)),
        max_holding_ratio=Decimal(data["max_holding_ratio"]),
        reserve_min_ratio=Decimal(data["reserve_min_ratio"]),
        quorum_ordinary=_quorum(data["quorum"]["ordinary"]),
        quorum_major=_quorum(data["quorum"]["major"]),
        decision_threshold_fen=int(data["decision_threshold_fen"]),
        payment_accounts=tuple(data.get("payment_accounts", ("101", "102"))),
    )


def terms() -> Terms:
    return _load(str(getattr(settings, "VILLAGEBOOKS_AFFAIRS_TERMS", None) or DEFAULT_PATH))
