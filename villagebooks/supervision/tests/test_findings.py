"""Findings from opening to closure: each step kept, another person of another role verifies,
overdue flagged, alerts dismissed only with a reason and counted per rule; scope as 404."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import ProtectedError
from django.utils import timezone

from villagebooks.common.errors import Conflict, DomainError, NotPermitted
from villagebooks.supervision import services
from villagebooks.supervision.models import Dismissal, Finding, FindingStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(region_tree, make_user):
    return make_user("supervisor", "supervisor", region_tree["510781100000"])


def _open(actor, **more):
    values = dict(
        actor=actor, ledger_code="HT01", title="拆分支付规避审批", evidence="30 天内向 张三 付款 3 笔",
        deadline=timezone.localdate() + timedelta(days=30), responsible="黑滩村报账员", amount_fen=12_600_00,
        rule="split_payment", period="2025-03",
    )  # fmt: skip
    values.update(more)
    return services.finding_open(**values)


def test_open_respond_verify_close(ledger, supervisor, accountant):
    finding = _open(supervisor)
    assert finding.number == 1 and finding.state == "open"
    with pytest.raises(Conflict):
        services.finding_verify(actor=supervisor, ledger_code="HT01", number=1, accept=True, note="核实")
    services.finding_respond(actor=accountant, ledger_code="HT01", number=1, measures="补办审批，退回多付款")
    sent = services.finding_verify(
        actor=supervisor, ledger_code="HT01", number=1, accept=False, note="材料不全"
    )
    assert sent.state == "open"
    services.finding_respond(
        actor=accountant, ledger_code="HT01", number=1, measures="补交会议记录", documents="会议记录.pdf"
    )
    closed = services.finding_verify(
        actor=supervisor, ledger_code="HT01", number=1, accept=True, note="已核实"
    )
    assert closed.state == "closed"
    steps = list(FindingStep.objects.filter(finding=finding).values_list("kind", "actor_role"))
    assert steps == [
        ("opened", "supervisor"), ("response", "accountant"), ("sent_back", "supervisor"),
        ("response", "accountant"), ("closed", "supervisor"),
    ]  # fmt: skip
    assert _open(supervisor).number == 2


def test_the_answering_role_cannot_verify(ledger, supervisor, accountant, region_tree, make_user):
    _open(supervisor)
    services.finding_respond(actor=accountant, ledger_code="HT01", number=1, measures="已整改")
    with pytest.raises(NotPermitted):  # an accountant does not hold supervision.verify
        services.finding_verify(actor=accountant, ledger_code="HT01", number=1, accept=True, note="好")
    admin = make_user("admin2", "admin", region_tree["510000000000"])
    assert (
        services.finding_verify(actor=admin, ledger_code="HT01", number=1, accept=True, note="好").state
        == "closed"
    )


def test_bad_input_changes_nothing(ledger, supervisor):
    for bad in ({"title": " "}, {"deadline": timezone.localdate() - timedelta(days=1)}, {"rule": "nope"},
                {"period": "2025-3"}):  # fmt: skip
        with pytest.raises(DomainError):
            _open(supervisor, **bad)
    assert not Finding.objects.exists() and not FindingStep.objects.exists()


def test_other_region_is_not_found(ledger, region_tree, make_user, supervisor):
    _open(supervisor)
    outsider = make_user("outsider", "supervisor", region_tree["510781101000"])
    with pytest.raises(DomainError, match="不存在"):
        _open(outsider)
    with pytest.raises(DomainError, match="不存在"):
        services.findings_list(actor=outsider, ledger_code="HT01")


def test_overdue_flagged(ledger, supervisor):
    finding = _open(supervisor)
    Finding.objects.filter(pk=finding.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    [listed] = services.findings_list(actor=supervisor, region_code="510781100000", open_only=True)
    assert listed.overdue
    out = io.StringIO()
    call_command("findings", "--user", "supervisor", "list", "--region", "510781100000", stdout=out)
    assert "已逾期" in out.getvalue()


def test_dismissal_needs_a_reason_and_is_counted(ledger, supervisor):
    key = f"split_payment:{ledger.pk}:2025-03:1,2::"
    with pytest.raises(DomainError):
        services.alert_dismiss(actor=supervisor, ledger_code="HT01", alert_key=key, reason="  ")
    services.alert_dismiss(actor=supervisor, ledger_code="HT01", alert_key=key, reason="经村民代表会议批准")
    with pytest.raises(Conflict):
        services.alert_dismiss(actor=supervisor, ledger_code="HT01", alert_key=key, reason="again")
    assert services.dismissals_per_rule([ledger]) == {"split_payment": 1}
    assert Dismissal.objects.get().dismissed_by == supervisor


def test_steps_cannot_be_deleted_by_the_services(ledger, supervisor):
    # No service deletes; the PROTECT foreign key keeps a finding while it has steps.
    finding = _open(supervisor)
    with pytest.raises(ProtectedError):
        finding.delete()


def test_supervisor_reads_books_but_cannot_change_them(ledger, supervisor):
    from datetime import date

    from villagebooks.ledger import services as ledger_services
    from villagebooks.ledger.access import ledgers_in_scope
    from villagebooks.ledger.domain.vouchers import LineInput

    assert list(ledgers_in_scope(supervisor)) == [ledger]
    with pytest.raises(NotPermitted):
        ledger_services.voucher_create(
            actor=supervisor, ledger=ledger, date=date(2025, 3, 1),
            lines=[LineInput(summary="x", account_code="513", debit_fen=100),
                   LineInput(summary="x", account_code="102", credit_fen=100)],
        )  # fmt: skip
    with pytest.raises(NotPermitted):  # the village answers, not the supervisor
        _open(supervisor)
        services.finding_respond(actor=supervisor, ledger_code="HT01", number=1, measures="x")
