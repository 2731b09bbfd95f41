"""挤占挪用 (earmark_misuse): an earmarked fund spent on an account its allocation does not allow
or forbids, or a project paid before its 立项; and what must not alert (the allowed account, the
day of 立项 itself, a refund, a fund with no allocation)."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.funds.models import (
    Allocation,
    AllocationShare,
    Control,
    ProjectAct,
    ProjectEntry,
    ProjectKind,
    ProjectState,
)
from villagebooks.ledger.models import Fund, Project
from villagebooks.ledger.tests.books import post
from villagebooks.regions.services import system_user
from villagebooks.supervision.rules import Scope, check_earmark_misuse

pytestmark = pytest.mark.django_db


def _alerts(ledger):
    return check_earmark_misuse(Scope.of([ledger], (2025, 1), (2025, 12)))


@pytest.fixture
def road_grant(ledger, accountant):
    """The county's road grant (warn: a breach passes with a warning), allowed 153, 负面清单 5131."""
    allocation = Allocation.objects.create(
        code="JT-2025-1", issuer="县交通运输局", document_number="江交发〔2025〕3号", date=date(2025, 2, 1),
        fund_kind="earmarked_transfer", allowed_accounts="153;513", forbidden_accounts="5131",
        control=Control.WARN, created_by=accountant,
    )  # fmt: skip
    fund = Fund.objects.get(ledger=ledger, name="县交通局道路补助")
    AllocationShare.objects.create(ledger=ledger, allocation=allocation, fund=fund, amount_fen=100_000_00)
    return allocation


def test_fund_spent_outside_its_allowed_accounts(ledger, accountant, reviewer, road_grant):
    road_grant.allowed_accounts = "153"
    road_grant.forbidden_accounts = ""
    road_grant.save()
    vouchers = post(ledger, accountant, reviewer, """
        2025-03-05 收到道路补助
          借 102 银行存款   100000.00
          贷 241 专项应付款 100000.00  fund=县交通局道路补助
        2025-04-05 道路硬化工程款
          借 153 在建工程    60000.00  fund=县交通局道路补助
          贷 102 银行存款    60000.00
        2025-04-20 招待费
          借 513 管理费用     3000.00  fund=县交通局道路补助
          贷 102 银行存款     3000.00
        2025-05-02 退回多付材料款
          借 102 银行存款      500.00
          贷 513 管理费用      500.00  fund=县交通局道路补助
    """)  # fmt: skip
    [alert] = _alerts(ledger)
    assert alert.rule == "earmark_misuse" and alert.period == "2025-04"
    assert [v.id for v in alert.vouchers] == [vouchers[2].pk]
    assert alert.amount_fen == 3000_00
    assert "只允许用于科目 153" in alert.evidence and "513 3,000.00 元" in alert.evidence
    assert "江交发〔2025〕3号" in alert.evidence


def test_negative_list_and_a_fund_without_allocation(ledger, accountant, reviewer, road_grant):
    post(ledger, accountant, reviewer, """
        2025-03-05 收到补助
          借 102 银行存款   100000.00
          贷 241 专项应付款 100000.00  fund=县交通局道路补助
        2025-04-05 买礼品
          借 513 管理费用     2000.00  fund=县交通局道路补助
          贷 102 银行存款     2000.00
        2025-04-06 办公费
          借 513 管理费用     1000.00  fund=村级组织运转经费
          贷 102 银行存款     1000.00
    """)  # fmt: skip
    assert _alerts(ledger) == []  # 513 is allowed, 5131 is not on this line, the other fund has no allocation
    road_grant.forbidden_accounts = "513"
    road_grant.save()
    [alert] = _alerts(ledger)
    assert "负面清单" in alert.evidence and alert.amount_fen == 2000_00


def _project(ledger, approved_on: date | None, state=ProjectState.APPROVED):
    project = Project.objects.create(ledger=ledger, code="P01", name="村道路灯安装")
    entry = ProjectEntry.objects.create(
        ledger=ledger, project=project, kind=ProjectKind.PUBLIC_WELFARE, start=date(2025, 1, 1),
        end=date(2025, 12, 31), state=state, state_since=approved_on or date(2025, 1, 1), control=Control.WARN,
    )  # fmt: skip
    if approved_on is not None:
        ProjectAct.objects.create(
            ledger=ledger, entry=entry, from_state=ProjectState.REVIEWED, to_state=ProjectState.APPROVED,
            acted_on=approved_on, actor=system_user(),
        )  # fmt: skip
    return project


def test_project_paid_before_its_approval_but_not_on_the_day(ledger, accountant, reviewer):
    _project(ledger, date(2025, 6, 15))
    vouchers = post(ledger, accountant, reviewer, """
        2025-06-14 路灯预付款
          借 153 在建工程     4000.00  project=P01
          贷 102 银行存款     4000.00
        2025-06-15 路灯进度款
          借 153 在建工程     5000.00  project=P01
          贷 102 银行存款     5000.00
    """)  # fmt: skip
    [alert] = _alerts(ledger)
    assert [v.id for v in alert.vouchers] == [vouchers[0].pk]
    assert "于 2025-06-15 才立项" in alert.evidence and "4,000.00 元" in alert.evidence


def test_project_not_yet_approved(ledger, accountant, reviewer):
    _project(ledger, None, state=ProjectState.REVIEWED)
    post(ledger, accountant, reviewer, """
        2025-06-14 路灯预付款
          借 153 在建工程     4000.00  project=P01
          贷 102 银行存款     4000.00
    """)  # fmt: skip
    [alert] = _alerts(ledger)
    assert "至今未立项（当前状态：审核）" in alert.evidence
