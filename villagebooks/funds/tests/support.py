"""Helpers of the funds' tests: allocations and projects written as CSV text, imported as a user does."""

from __future__ import annotations

from datetime import date, timedelta

from villagebooks.funds import services
from villagebooks.funds.models import ProjectEntry

ALLOCATION_HEADER = "allocation,ledger,date,issuer,document_number,fund,fund_kind,amount,purpose,allowed_accounts,project,control"
PROJECT_HEADER = "ledger,project,name,kind,fund,account,budget,start,end,control"

ROAD_ALLOCATION = f"""{ALLOCATION_HEADER}
A-2025-01,HT01,2025-02-10,江油市交通运输局,江交〔2025〕12号,县交通局道路补助,上级专项资金,300000.00,村道硬化,153;513,,stop
"""
ROAD_PROJECT = f"""{PROJECT_HEADER}
HT01,P01,黑滩村道路硬化,基础设施,县交通局道路补助,153,200000.00,2025-03-01,2025-10-31,stop
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_allocations(tmp_path, actor, text: str = ROAD_ALLOCATION):
    return services.allocations_import(actor=actor, path=write(tmp_path, "allocations.csv", text))


def import_projects(tmp_path, actor, text: str = ROAD_PROJECT):
    return services.projects_import(actor=actor, path=write(tmp_path, "projects.csv", text))


def advance_to(ledger, actor, code: str, state: str, *, start: date = date(2025, 2, 1)) -> ProjectEntry:
    """Walk project ``code`` forward to ``state`` (a Chinese name), the 公示 lasting its 10 days."""
    order = ["审核", "立项", "公示", "实施", "验收", "移交", "评价"]
    entry = ProjectEntry.objects.get(ledger=ledger, project__code=code)
    # Acts are dated from the project's entry on; tests go back in time by moving its date.
    ProjectEntry.objects.filter(pk=entry.pk).update(state_since=start)
    day = start
    for name in order[: order.index(state) + 1]:
        day += timedelta(days=10 if name == "实施" else 1)
        entry = services.project_advance(actor=actor, ledger=ledger, code=code, to=name, on=day)
    return entry
