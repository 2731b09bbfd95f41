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


def library_for_reports(ledger, actor, tmp_path, fund: str = "县交通局道路补助") -> None:
    """An allocation of ``fund`` sent in September 2024 and a road project planned to end in
    February 2025, so that every funds report of the catalogue has a row on books of early 2025
    (execution, the passport, money unspent six months on, a project past its end)."""
    allocations_import = services.allocations_import
    allocations_import(
        actor=actor,
        path=write(
            tmp_path,
            "report-allocations.csv",
            f"{ALLOCATION_HEADER}\nR-2024-09,{ledger.code},2024-09-01,江油市交通运输局,江交〔2024〕9号,{fund},"
            "上级专项资金,100000.00,村道硬化,,,warn\n",
        ),
    )
    services.projects_import(
        actor=actor,
        path=write(
            tmp_path,
            "report-projects.csv",
            f"{PROJECT_HEADER}\n{ledger.code},R01,村道硬化,基础设施,{fund},153,100000.00,2024-10-01,2025-02-28,warn\n",
        ),
        entered_on=date(2024, 9, 15),
    )
