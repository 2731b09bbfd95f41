"""The demo's members, shares and decisions (村务: 成员、份额、四议两公开), through the affairs
imports and services as a village would enter them:

- every person the registry marks as a member is on the member register since the 2017 reform
  (原始取得; a spouse 法定取得), the dead ended by death on their date of death;
- each member holds one 人口股, and the collective a 集体股 of a fifth of the village's total;
- in each village with a ledger, every other payment at or above the county's threshold of the
  books' years has its decision (the steps a month before it, the notices after), the others have
  none — what supervision's ``no_decision_record`` finds.

The register is loaded before the books' years are closed (``demo_members_register``), so that the
year close of one village can divide its dividend by the shares (``demo.dividend``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from villagebooks.affairs.decisions import decision_create, payment_link
from villagebooks.affairs.members import MEMBER_COLUMNS, members_import
from villagebooks.affairs.selectors_members import payments
from villagebooks.affairs.shares import SHARE_COLUMNS, shares_import
from villagebooks.affairs.terms import terms
from villagebooks.common.errors import DomainError
from villagebooks.common.spreadsheet import csv_writer
from villagebooks.ledger.models import Ledger
from villagebooks.regions.models import Region
from villagebooks.registry.models import Person

REFORM = date(2017, 6, 30)


@dataclass
class AffairsMembersSummary:
    members: int = 0
    share_entries: int = 0
    decisions: int = 0
    linked: int = 0
    missing: int = 0
    # The payments left without a decision on purpose: (ledger code, voucher id, date) — the demo's
    # planted cases of supervision's ``no_decision_record`` (demo/supervision.py scores them).
    unlinked: list = field(default_factory=list)


def _write(path: Path, columns, rows) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv_writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def demo_affairs_members_load(
    *,
    actor,
    villages: list[Region],
    accountant_for,
    end: date,
    registered: AffairsMembersSummary | None = None,
) -> AffairsMembersSummary:
    """Members and shares (unless ``registered`` says they are in: ``demo_members_register``),
    then the decisions of the books' payments."""
    summary = registered or demo_members_register(actor=actor, villages=villages)
    return _decisions_load(summary, villages=villages, accountant_for=accountant_for, end=end)


def demo_members_register(*, actor, villages: list[Region]) -> AffairsMembersSummary:
    """The member register and the shares, from the registry's members (no books needed)."""
    summary = AffairsMembersSummary()
    persons = list(
        Person.objects.filter(village__in=villages, is_member=True)
        .select_related("village")
        .order_by("village_id", "id")
    )
    members, shares = [], []
    per_village: dict[str, int] = {}
    for person in persons:
        basis = "法定取得" if person.relation in ("配偶", "妻", "夫") else "原始取得"
        ended = (person.death_date.isoformat(), "死亡") if person.death_date else ("", "")
        members.append(
            [person.village.code, person.id_number, person.name, REFORM.isoformat(), basis, "", *ended, ""]
        )
        shares.append(
            [
                person.village.code,
                "RK",
                person.id_number,
                "1",
                REFORM.isoformat(),
                "初始配置",
                "",
                "人口股",
                "人口股",
                "",
            ]
        )
        per_village[person.village.code] = per_village.get(person.village.code, 0) + 1
    if terms().collective_shares_allowed:
        for code, count in per_village.items():
            shares.append(
                [
                    code,
                    "JT",
                    "",
                    str(max(count // 4, 1)),
                    REFORM.isoformat(),
                    "初始配置",
                    "",
                    "集体股",
                    "集体股",
                    "",
                ]
            )
    if members:
        with tempfile.TemporaryDirectory(prefix="villagebooks-affairs-") as directory:
            folder = Path(directory)
            summary.members = members_import(
                actor=actor, path=_write(folder / "members.csv", MEMBER_COLUMNS, members)
            ).created
            summary.share_entries = shares_import(
                actor=actor, path=_write(folder / "shares.csv", SHARE_COLUMNS, shares)
            ).created
    return summary


def _decisions_load(
    summary: AffairsMembersSummary, *, villages: list[Region], accountant_for, end: date
) -> AffairsMembersSummary:
    threshold = terms().decision_threshold_fen
    for ledger in Ledger.objects.filter(village__in=villages).select_related("village").order_by("code"):
        found = payments(ledger, date(ledger.start_year, 1, 1), end, at_least_fen=threshold)
        accountant = accountant_for(ledger.village)
        for index, payment in enumerate(found):
            if index % 2:
                summary.missing += 1
                summary.unlinked.append((ledger.code, payment["voucher_id"], payment["date"]))
                continue
            day = payment["date"]
            resolved = day - timedelta(days=10)
            values = {
                "code": f"JC{day:%Y%m}-{index + 1:02d}",
                "matter": payment["note"][:200] or "支出事项",
                "major": "是",
                "amount": f"{payment['amount_fen'] / 100:.2f}",
                "proposed_on": (day - timedelta(days=30)).isoformat(),
                "discussed_on": (day - timedelta(days=25)).isoformat(),
                "reviewed_on": (day - timedelta(days=20)).isoformat(),
                "resolved_on": resolved.isoformat(),
                "body": "成员代表大会",
                "eligible": "35",
                "present": "30",
                "votes_for": "27",
                "votes_against": "2",
                "votes_abstain": "1",
                "resolution_notice_on": (resolved + timedelta(days=1)).isoformat(),
                "result_notice_on": (day + timedelta(days=10)).isoformat()
                if day + timedelta(days=10) <= end
                else "",
            }
            try:
                decision = decision_create(actor=accountant, village=ledger.village, values=values)
                from villagebooks.ledger.models import Voucher

                payment_link(
                    actor=accountant, decision=decision, voucher=Voucher.objects.get(pk=payment["voucher_id"])
                )
            except DomainError:
                summary.missing += 1
                summary.unlinked.append((ledger.code, payment["voucher_id"], payment["date"]))
                continue
            summary.decisions += 1
            summary.linked += 1
    return summary
