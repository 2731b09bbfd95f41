"""What the public pages (disclosure) show of members, dividends and decisions: plain lists of
dicts, amounts in integer fen, dates as ISO text, shares as decimal text; never an ID number,
bank card or phone. The disclosure app calls these with the ledger it publishes."""

from __future__ import annotations

from datetime import date

from villagebooks.affairs.models import Decision, DecisionPayment, Dividend, DividendLine
from villagebooks.affairs.selectors_members import members_summary
from villagebooks.ledger.models import Ledger


def _shares(value) -> str:
    return format(value.normalize(), "f") if value else "0"


def public_members_summary(ledger: Ledger, on_date: date) -> list[dict]:
    """One dict: date, members, households, and shares per class [{code, name, kind, shares}]."""
    return [members_summary(ledger.village, on_date)]


def public_dividends(ledger: Ledger, year: int) -> list[dict]:
    """The year's dividend: one dict with the totals, the amount per share and the method, and
    ``households`` [{head_name, shares, amount_fen}] — what a villager needs to recompute theirs.
    Empty when none was distributed."""
    dividend = Dividend.objects.filter(ledger=ledger, year=year).first()
    if dividend is None:
        return []
    lines = (
        DividendLine.objects.filter(dividend=dividend)
        .select_related("household")
        .order_by("household__number")
    )
    return [
        {
            "year": dividend.year,
            "share_date": dividend.on_date.isoformat(),
            "profit_fen": dividend.profit_fen,
            "reserve_fen": dividend.reserve_fen,
            "welfare_fen": dividend.welfare_fen,
            "amount_fen": dividend.amount_fen,
            "total_shares": _shares(dividend.total_shares),
            "per_share_yuan": dividend.per_share,
            "method": dividend.method,
            "households": [
                {
                    "household": line.household.number,
                    "head_name": line.head_name,
                    "shares": _shares(line.shares),
                    "amount_fen": line.amount_fen,
                }
                for line in lines
            ],
        }
    ]


def public_decisions(ledger: Ledger, date_from: date, date_to: date) -> list[dict]:
    """The village's decisions resolved in the range: matter, each step's date, attendance and
    votes, the two notices, and the linked payments of ``ledger`` (date, voucher, amount)."""
    rows = Decision.objects.filter(
        village_id=ledger.village_id, resolved_on__gte=date_from, resolved_on__lte=date_to
    ).order_by("resolved_on", "code")
    links: dict[int, list[dict]] = {}
    for link in DecisionPayment.objects.filter(decision__in=rows, ledger=ledger).select_related(
        "voucher__period"
    ):
        voucher = link.voucher
        links.setdefault(link.decision_id, []).append(
            {
                "date": voucher.date.isoformat(),
                "voucher": f"{voucher.period.year}-{voucher.period.month:02d}/{voucher.number}",
                "note": voucher.note,
                "amount_fen": voucher.amount_fen,
            }
        )
    return [
        {
            "code": d.code,
            "matter": d.matter,
            "major": d.major,
            "amount_fen": d.amount_fen,
            "proposed_on": d.proposed_on.isoformat(),
            "discussed_on": d.discussed_on.isoformat(),
            "reviewed_on": d.reviewed_on.isoformat(),
            "resolved_on": d.resolved_on.isoformat(),
            "body": d.body,
            "eligible": d.eligible,
            "present": d.present,
            "votes_for": d.votes_for,
            "votes_against": d.votes_against,
            "votes_abstain": d.votes_abstain,
            "resolution_notice_on": d.resolution_notice_on.isoformat() if d.resolution_notice_on else None,
            "result_notice_on": d.result_notice_on.isoformat() if d.result_notice_on else None,
            "payments": links.get(d.pk, []),
        }
        for d in rows
    ]
