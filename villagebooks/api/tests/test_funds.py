"""Allocations and projects through the API: what each caller sees (another village's ledger,
share or project answers 404), the lifecycle's step (403 without the role), and budget control
on the API's posting path, with the warning on the voucher."""

from __future__ import annotations

import pytest

from villagebooks.api.tests.conftest import error_of
from villagebooks.funds.models import BudgetLine, Control, ProjectEntry
from villagebooks.funds.tests.support import (
    ALLOCATION_HEADER,
    advance_to,
    import_allocations,
    import_projects,
)


@pytest.fixture
def road(ledger, other_ledger, accountant, tmp_path):
    import_allocations(
        tmp_path,
        accountant,
        f"""{ALLOCATION_HEADER}
A-2025-01,HT01,2025-02-10,江油市交通运输局,江交〔2025〕12号,县交通局道路补助,上级专项资金,300000.00,村道硬化,153;513,,stop
A-2025-01,TM01,2025-02-10,江油市交通运输局,江交〔2025〕12号,道路补助,上级专项资金,100000.00,村道硬化,153;513,,stop
""",
    )
    import_projects(tmp_path, accountant)
    return ledger


@pytest.fixture
def mgr(api_as, manager):
    return api_as(manager)


def test_an_allocation_shows_the_shares_the_caller_may_see(road, acc, api_as, village_reporter, outsider):
    [allocation] = acc.get("/api/allocations").json()
    assert (allocation["code"], allocation["allowed_accounts"], allocation["control"]) == (
        "A-2025-01",
        ["153", "513"],
        "stop",
    )
    assert [(s["ledger"], s["amount"]) for s in allocation["shares"]] == [
        ("HT01", "300000.00"),
        ("TM01", "100000.00"),
    ]
    village = api_as(village_reporter).get("/api/allocations/A-2025-01").json()
    assert [s["ledger"] for s in village["shares"]] == ["HT01"]
    assert api_as(outsider).get("/api/allocations").json() == []
    assert error_of(api_as(outsider).get("/api/allocations/A-2025-01"))["code"] == "not_found"


def test_the_project_library_and_a_project_with_budget_used_and_remaining(road, acc, rev):
    [project] = acc.get("/api/ledgers/HT01/projects").json()
    assert (project["code"], project["state"], project["budget"]) == ("P01", "declared", "200000.00")
    detail = acc.get("/api/ledgers/HT01/projects/P01").json()
    assert detail["budget_lines"] == [
        {
            "fund": "县交通局道路补助",
            "account": "153",
            "budget": "200000.00",
            "used": "0.00",
            "remaining": "200000.00",
            "control": "stop",
        }
    ]
    assert (detail["next_state"], detail["may_advance"]) == ("reviewed", False)
    assert [a["to_state"] for a in detail["acts"]] == ["declared"]


def test_advance_through_the_api(road, mgr, acc):
    ProjectEntry.objects.update(state_since="2025-02-01")
    response = mgr.post(
        "/api/ledgers/HT01/projects/P01/advance", {"to": "审核", "note": "乡审核", "date": "2025-02-02"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "reviewed"
    assert response.json()["acts"][-1]["actor"] == "manager"
    skipped = mgr.post("/api/ledgers/HT01/projects/P01/advance", {"to": "公示"})
    assert skipped.status_code == 422
    assert "只能向后推进到：立项" in error_of(skipped)["message"]
    refused = acc.post("/api/ledgers/HT01/projects/P01/advance", {"to": "立项"})
    assert refused.status_code == 403


def test_another_villages_projects_are_404(road, api_as, outsider, acc):
    caller = api_as(outsider)
    assert caller.get("/api/ledgers/HT01/projects").status_code == 404
    assert caller.get("/api/ledgers/HT01/projects/P01").status_code == 404
    assert caller.post("/api/ledgers/HT01/projects/P01/advance", {"to": "审核"}).status_code == 404
    assert acc.get("/api/ledgers/TM01/projects/P01").status_code == 404  # no such project there


def _voucher(amount: str) -> dict:
    return {
        "date": "2025-03-10",
        "submit": True,
        "lines": [
            {
                "summary": "道路工程款",
                "account": "153",
                "debit": amount,
                "fund": "县交通局道路补助",
                "project": "P01",
            },
            {"summary": "道路工程款", "account": "102", "credit": amount},
        ],
    }


def test_budget_control_on_the_api_path(road, acc, manager):
    advance_to(road, manager, "P01", "实施")
    refused = acc.post("/api/ledgers/HT01/vouchers", _voucher("70000.00"))  # 80,000 in the bank
    assert refused.status_code == 201, refused.content
    too_much = acc.post("/api/ledgers/HT01/vouchers", _voucher("250000.00"))
    assert too_much.status_code == 422
    assert "超预算" in error_of(too_much)["message"]
    BudgetLine.objects.update(control=Control.WARN)
    ProjectEntry.objects.update(control=Control.WARN)
    from villagebooks.funds.models import Allocation

    Allocation.objects.update(control=Control.WARN)
    warned = acc.post("/api/ledgers/HT01/vouchers", _voucher("250000.00"))
    assert warned.status_code == 201, warned.content
    detail = acc.get(f"/api/ledgers/HT01/vouchers/{warned.json()['id']}").json()
    assert {w["rule"] for w in detail["warnings"]} == {"超预算"}  # the bank is checked at posting
    assert detail["lines"][0]["project"] == "P01"


def test_the_payment_plan_in_the_project(road, acc, accountant):
    from villagebooks.funds import services

    services.milestones_set(
        actor=accountant,
        ledger=road,
        code="P01",
        milestones=[
            services.MilestoneInput("开工预付款", "实施", 8_000_000),
            services.MilestoneInput("质保金", "评价", 1_000_000, is_deposit=True),
        ],
    )
    plan = acc.get("/api/ledgers/HT01/projects/P01").json()["milestones"]
    assert plan == [
        {
            "name": "开工预付款",
            "due_state": "implementing",
            "amount": "80000.00",
            "is_deposit": False,
            "due": False,
        },
        {"name": "质保金", "due_state": "evaluated", "amount": "10000.00", "is_deposit": True, "due": False},
    ]


def test_the_library_fields_are_filled_through_the_api(road, acc, rev, api_as, outsider):
    body = {
        "place": "黑滩村二组",
        "performance_target": "硬化道路 1.2 公里，受益 320 户",
        "implementer": "新安镇建设站",
    }
    response = acc.put("/api/ledgers/HT01/projects/P01", body)
    assert response.status_code == 200, response.content
    detail = response.json()
    assert (detail["place"], detail["performance_target"], detail["implementer"], detail["content"]) == (
        "黑滩村二组",
        "硬化道路 1.2 公里，受益 320 户",
        "新安镇建设站",
        "",
    )
    assert (
        acc.put("/api/ledgers/HT01/projects/P01", {"content": "C20 混凝土路面"}).json()["place"]
        == "黑滩村二组"
    )
    assert rev.put("/api/ledgers/HT01/projects/P01", {"place": "x"}).status_code == 403
    assert api_as(outsider).put("/api/ledgers/HT01/projects/P01", {"place": "x"}).status_code == 404
