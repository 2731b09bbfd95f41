"""A finding's record is append-only in the database (migration 0003), not only through the
models: its steps, their documents, the dismissals and the thresholds a county set refuse every
UPDATE and DELETE, whoever sends them, on SQLite and PostgreSQL; the finding's current state is
still updated by the services as steps are added."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from villagebooks.supervision import services
from villagebooks.supervision.models import Dismissal, Finding, FindingDocument, FindingStep, ThresholdSetting
from villagebooks.supervision.tests.test_findings_pages import PNG
from villagebooks.supervision.thresholds import threshold_set

pytestmark = pytest.mark.django_db

MESSAGE = "问题线索的处理记录只能追加，不能修改或删除"
TABLES = {
    "supervision_findingstep": "text",
    "supervision_findingdocument": "original_name",
    "supervision_dismissal": "reason",
    "supervision_thresholdsetting": "value",
}


@pytest.fixture
def record(ledger, region_tree, make_user, accountant):
    supervisor = make_user("supervisor", "supervisor", region_tree["510781100000"])
    county = make_user("county-officer", "county", region_tree["510781000000"])
    services.finding_open(
        actor=supervisor, ledger_code="HT01", title="拆分支付规避审批", evidence="30 天内向 张三 付款 3 笔",
        responsible="黑滩村报账员", deadline=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    services.finding_respond(
        actor=accountant, ledger_code="HT01", number=1, measures="补办审批",
        files=[services.Upload("会议记录.png", PNG)],
    )  # fmt: skip
    services.alert_dismiss(
        actor=supervisor, ledger_code="HT01", alert_key=f"split_payment:{ledger.pk}:2025-03:1,2::",
        reason="经村民代表会议批准",
    )  # fmt: skip
    threshold_set(
        actor=county, rule="cash_over_limit", name="cash_limit", value="2000", region_code="510781000000"
    )
    assert FindingStep.objects.count() == 2 and FindingDocument.objects.count() == 1
    assert Dismissal.objects.count() == 1 and ThresholdSetting.objects.count() == 1
    return supervisor


@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_record_cannot_be_changed_or_deleted_in_the_database(record, table):
    before = _rows(table)
    for sql in (f"UPDATE {table} SET {TABLES[table]} = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert MESSAGE in str(error.value)
    assert _rows(table) == before


def test_queryset_updates_and_deletes_skip_the_model_guard_and_are_still_refused(record):
    # QuerySet.update/delete never call Model.save/delete: only the triggers stand in the way.
    with pytest.raises(DatabaseError), transaction.atomic():
        FindingStep.objects.update(text="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        Dismissal.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ThresholdSetting.objects.update(value="99999")
    assert set(FindingStep.objects.values_list("text", flat=True)) == {"30 天内向 张三 付款 3 笔", "补办审批"}
    assert ThresholdSetting.objects.get().value == "2000"


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_insert_or_replace_cannot_overwrite_a_step(record):
    step = FindingStep.objects.order_by("id").first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT OR REPLACE INTO supervision_findingstep SELECT * FROM supervision_findingstep WHERE id = %s",
            [step.pk],
        )


def test_the_finding_moves_on_and_its_steps_are_added(record, accountant):
    # The other side: the services still add steps and move the finding's state.
    finding = services.finding_verify(actor=record, ledger_code="HT01", number=1, accept=True, note="已核实")
    assert finding.state == "closed" and Finding.objects.get().state == "closed"
    assert list(FindingStep.objects.order_by("id").values_list("kind", flat=True)) == [
        "opened", "response", "closed",
    ]  # fmt: skip


def _rows(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        return cursor.fetchall()
