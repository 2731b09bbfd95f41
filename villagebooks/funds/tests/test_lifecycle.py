"""``project-advance``: forward one step at a time, 公示 at least 10 days before 实施, each step a
recorded act (who, when, note, papers) of a role that holds it, with an audit row."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.common.errors import Conflict, DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.funds import services
from villagebooks.funds.models import ProjectAct, ProjectEntry
from villagebooks.ledger.tests.importing.support import command_fails, run_command


def advance(ledger, actor, to, on, **extra):
    return services.project_advance(actor=actor, ledger=ledger, code="P01", to=to, on=on, **extra)


@pytest.fixture
def declared(road):
    ProjectEntry.objects.update(state_since=date(2025, 2, 1))
    return road


def test_each_step_is_a_recorded_act(declared, manager):
    advance(declared, manager, "审核", date(2025, 2, 2), note="乡镇审核通过", documents="新安镇审〔2025〕1号")
    entry = advance(declared, manager, "立项", date(2025, 2, 5))
    assert (entry.state, entry.state_since) == ("approved", date(2025, 2, 5))
    act = ProjectAct.objects.filter(entry=entry).order_by("id")[1]
    assert (act.from_state, act.to_state, act.actor, act.note, act.documents) == (
        "declared",
        "reviewed",
        manager,
        "乡镇审核通过",
        "新安镇审〔2025〕1号",
    )
    audit = AuditEntry.objects.filter(action="project_advance").order_by("id").last()
    assert audit.detail["before"] == "reviewed" and audit.detail["after"] == "approved"


def test_a_step_may_be_named_by_its_code_too(declared, manager):
    assert advance(declared, manager, "reviewed", date(2025, 2, 2)).state == "reviewed"


def test_no_step_back_no_step_skipped(declared, manager):
    advance(declared, manager, "审核", date(2025, 2, 2))
    with pytest.raises(Conflict, match="只能向后推进到：立项"):
        advance(declared, manager, "公示", date(2025, 2, 3))
    with pytest.raises(Conflict):
        advance(declared, manager, "申报", date(2025, 2, 3))
    with pytest.raises(Conflict):
        advance(declared, manager, "审核", date(2025, 2, 3))


def test_publicity_lasts_ten_days(declared, manager):
    for to, day in (("审核", 2), ("立项", 3), ("公示", 4)):
        advance(declared, manager, to, date(2025, 2, day))
    with pytest.raises(Conflict, match="未满 10 天"):
        advance(declared, manager, "实施", date(2025, 2, 13))
    assert advance(declared, manager, "实施", date(2025, 2, 14)).state == "implementing"


def test_a_step_is_not_dated_before_the_state_it_leaves(declared, manager):
    with pytest.raises(DomainError, match="早于"):
        advance(declared, manager, "审核", date(2025, 1, 31))


def test_the_accountant_may_not_advance_and_only_a_holder_evaluates(declared, accountant, manager, reviewer):
    with pytest.raises(NotPermitted):
        advance(declared, accountant, "审核", date(2025, 2, 2))
    with pytest.raises(NotPermitted):
        advance(declared, reviewer, "审核", date(2025, 2, 2))
    assert ProjectAct.objects.count() == 1


def test_an_unknown_state_or_project_is_refused(declared, manager):
    with pytest.raises(DomainError, match="状态“开工”无效"):
        advance(declared, manager, "开工", date(2025, 2, 2))
    with pytest.raises(DomainError, match="项目 P99 不存在"):
        services.project_advance(actor=manager, ledger=declared, code="P99", to="审核")


def test_the_command(declared, manager):
    out = run_command(
        "project_advance",
        "--ledger",
        "HT01",
        "--project",
        "P01",
        "--to",
        "审核",
        "--note",
        "通过",
        "--date",
        "2025-02-02",
        "--user",
        "manager",
    )
    assert "已进入“审核”" in out
    problems = command_fails(
        "project_advance", "--ledger", "HT01", "--project", "P01", "--to", "公示", "--user", "manager"
    )
    assert any("只能向后推进到：立项" in line for line in problems)


def test_another_townships_manager_cannot_see_the_project(declared, make_user, region_tree):
    far = make_user("far-manager", "agency-manager", region_tree["510781101000"])
    with pytest.raises(NotPermitted):
        advance(declared, far, "审核", date(2025, 2, 2))


def test_the_payment_plan_shows_what_is_due_at_the_projects_state(declared, accountant, manager):
    plan = [
        services.MilestoneInput("开工预付款", "实施", 8_000_000),
        services.MilestoneInput("验收后支付", "验收", 10_000_000),
        services.MilestoneInput("质保金", "评价", 2_000_000, is_deposit=True),
    ]
    services.milestones_set(actor=accountant, ledger=declared, code="P01", milestones=plan)
    from villagebooks.funds.tests.support import advance_to

    entry = advance_to(declared, manager, "P01", "实施")
    from villagebooks.funds.selectors import milestone_rows

    assert [(row.milestone.name, row.due) for row in milestone_rows(entry)] == [
        ("开工预付款", True),
        ("验收后支付", False),
        ("质保金", False),
    ]


def test_a_payment_plan_beyond_the_budget_or_with_a_bad_row_is_refused(declared, accountant):
    from villagebooks.funds.models import MilestonePayment

    with pytest.raises(DomainError, match="超过项目预算 200,000.00"):
        services.milestones_set(
            actor=accountant,
            ledger=declared,
            code="P01",
            milestones=[services.MilestoneInput("全款", "实施", 30_000_000)],
        )
    with pytest.raises(DomainError) as error:
        services.milestones_set(
            actor=accountant, ledger=declared, code="P01", milestones=[services.MilestoneInput("", "开工", 0)]
        )
    assert {p.field for p in error.value.problems} == {"name", "amount", "due_state"}
    assert not MilestonePayment.objects.exists()
