"""The rules' thresholds: defaults in ``data/supervision-thresholds.json``, a county's values as
``ThresholdSetting`` rows (the region's own latest value wins over its ancestors', then the default).

Values are kept as the text a person typed; each rule reads them through ``Thresholds`` as fen,
days, counts or ratios, so a bad value is refused when it is set, not when a rule runs.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.regions import permissions
from villagebooks.regions.models import Region
from villagebooks.supervision import access
from villagebooks.supervision.models import ThresholdSetting

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "data" / "supervision-thresholds.json"
UNKNOWN_THRESHOLD = _("规则 {rule} 没有参数 {name}")
BAD_VALUE = _("参数 {rule}.{name} 的取值“{value}”无效：{why}")
UNKNOWN_REGION = _("区划 {code} 不存在")

# How each parameter is read: money in yuan, whole numbers, ratios, lists of account codes.
MONEY, WHOLE, RATIO, CODES = "money", "whole", "ratio", "codes"
KINDS = {
    "approval_limit": MONEY,
    "cash_limit": MONEY,
    "min_amount": MONEY,
    "unit": MONEY,
    "window_days": WHOLE,
    "min_count": WHOLE,
    "max_lag_days": WHOLE,
    "min_days": WHOLE,
    "mean_multiple": RATIO,
    "year_share": RATIO,
    "accounts": CODES,
}


@cache
def defaults() -> dict[str, dict[str, str]]:
    data = json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    return {rule: values for rule, values in data.items() if not rule.startswith("_")}


def parse(rule: str, name: str, value: str):
    """The value as its rule reads it (fen, int, Decimal, tuple of codes); DomainError if bad."""
    if name not in defaults().get(rule, {}):
        raise DomainError(str(UNKNOWN_THRESHOLD.format(rule=rule, name=name)), field="name")
    kind = KINDS[name]
    text = str(value).strip()
    try:
        if kind == MONEY:
            fen = yuan_to_fen(text)
            if fen < 0:
                raise ValueError(_("不能为负数"))
            return fen
        if kind == WHOLE:
            number = int(text)
            if number < 1:
                raise ValueError(_("应为正整数"))
            return number
        if kind == RATIO:
            ratio = Decimal(text)
            if not ratio.is_finite() or ratio <= 0:
                raise ValueError(_("应为正数"))
            return ratio
        codes = tuple(c.strip() for c in text.split(",") if c.strip())
        if not codes or not all(c.isdigit() for c in codes):
            raise ValueError(_("应为逗号分隔的科目编码"))
        return codes
    except (ValueError, InvalidOperation, MoneyError) as error:
        why = str(error) if isinstance(error, (ValueError, MoneyError)) and str(error) else _("格式不对")
        raise DomainError(
            str(BAD_VALUE.format(rule=rule, name=name, value=text, why=why)), field="value"
        ) from error


class Thresholds:
    """The thresholds in force for ledgers of given villages: the settings read once (one query)."""

    def __init__(self) -> None:
        self._set: dict[tuple[str, str], list[tuple[str, str]]] = {}
        rows = ThresholdSetting.objects.order_by("id").values_list("region__path", "rule", "name", "value")
        latest: dict[tuple[str, str, str], str] = {}
        for path, rule, name, value in rows:
            latest[(path, rule, name)] = value
        for (path, rule, name), value in latest.items():
            self._set.setdefault((rule, name), []).append((path, value))

    def text(self, rule: str, name: str, village_path: str) -> tuple[str, str]:
        """(value, where from): the deepest region on the village's path that set it, else default."""
        best = None
        for path, value in self._set.get((rule, name), ()):
            if village_path.startswith(path) and (best is None or len(path) > len(best[0])):
                best = (path, value)
        if best is None:
            return defaults()[rule][name], ""
        return best[1], best[0]

    def get(self, rule: str, name: str, village_path: str):
        return parse(rule, name, self.text(rule, name, village_path)[0])


def threshold_set(*, actor, rule: str, name: str, value: str, region_code: str) -> ThresholdSetting:
    """Set a rule's threshold for a region and everything under it (a new row, the old kept)."""
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError(str(UNKNOWN_REGION.format(code=region_code)), field="region")
    if not permissions.can_in_region(actor, access.THRESHOLDS, region):
        raise NotPermitted(str(access.FORBIDDEN_REGION.format(region=region.name)))
    parse(rule, name, value)
    with transaction.atomic():
        setting = ThresholdSetting.objects.create(
            region=region, rule=rule, name=name, value=str(value).strip(), changed_by=actor
        )
        audit_record(
            actor=actor,
            action="supervision.threshold_set",
            obj=setting,
            region=region.code,
            rule=rule,
            name=name,
            value=setting.value,
        )
    return setting


def thresholds_table(region: Region | None) -> list[dict]:
    """Every parameter with its value in force at ``region`` (or the defaults), where it comes
    from, and who last set it there."""
    thresholds = Thresholds()
    path = region.path if region is not None else ""
    last = {}
    if region is not None:
        for setting in ThresholdSetting.objects.filter(region=region).select_related("changed_by"):
            last[(setting.rule, setting.name)] = setting
    rows = []
    for rule, values in defaults().items():
        for name, default in values.items():
            value, source = thresholds.text(rule, name, path) if region is not None else (default, "")
            setting = last.get((rule, name))
            rows.append(
                {
                    "rule": rule,
                    "name": name,
                    "value": value,
                    "default": default,
                    "source": source,
                    "changed_by": setting.changed_by.username if setting else "",
                    "changed_at": setting.changed_at if setting else None,
                }
            )
    return rows
