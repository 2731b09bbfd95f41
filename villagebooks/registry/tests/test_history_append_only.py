"""The registry's history (status history, changes, overridden list problems) is append-only in
the database (migration 0003): an UPDATE or DELETE is refused whoever sends it; the record of each
unmasked view is an operation-log row, append-only since common 0002."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services as ledger_services
from villagebooks.regions.services import system_user
from villagebooks.registry import errors as E
from villagebooks.registry import subsidies as S
from villagebooks.registry.models import HouseholdStatus, ListProblem, Person, Programme, RegistryChange
from villagebooks.registry.selectors import persons_shown
from villagebooks.registry.tests.conftest import make_card, make_id, person, write_csv

pytestmark = pytest.mark.django_db

TABLES = {
    "registry_householdstatus": "status",
    "registry_registrychange": "after",
    "registry_listproblem": "reason",
}


@pytest.fixture
def history(region_tree, import_rows, ledger, accountant, manager, tmp_path):
    card = make_card()
    import_rows([person(id_number=make_id("19600101"), bank_card=card, bank="农商行")])
    zhang = Person.objects.get()
    import_rows([person(id_number=zhang.id_number, bank_card=card, bank="农商行", status="脱贫户",
                        status_date="2025-01-01", phone="13912345678")])  # fmt: skip
    ledger_services.fund_create(
        actor=accountant, ledger=ledger, name="民生补助资金", kind="livelihood_subsidy"
    )
    Programme.objects.create(code="TP", name="产业奖补", region=region_tree["510781000000"],
                             fund_kind="livelihood_subsidy", basis="person", standard_fen=50000, frequency="year")  # fmt: skip
    path = write_csv(tmp_path / "l.csv", [[zhang.id_number, "张三", "1", "500", "500", make_card()]],
                     columns=S.LIST_COLUMNS)  # fmt: skip
    S.subsidy_list_import(actor=system_user(), path=path, ledger=ledger, programme_code="TP", batch_code="B1",
                          pay_date=date(2025, 3, 1), override_reason="乡镇已核实")  # fmt: skip
    persons_shown(system_user(), [zhang], reveal=True, via="cli")
    assert HouseholdStatus.objects.count() == 2 and RegistryChange.objects.count() >= 2
    assert ListProblem.objects.count() == 1
    return zhang


@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_registry_history_cannot_be_changed_or_deleted(history, table):
    before = _rows(table)
    for sql in (f"UPDATE {table} SET {TABLES[table]} = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert str(E.HISTORY_APPEND_ONLY) in str(error.value)
    assert _rows(table) == before


def test_through_the_models_too(history):
    with pytest.raises(DatabaseError), transaction.atomic():
        HouseholdStatus.objects.filter(household=history.household).update(status="一般户")
    with pytest.raises(DatabaseError), transaction.atomic():
        RegistryChange.objects.filter(person=history).delete()


def test_the_record_of_an_unmasked_view_cannot_be_changed(history):
    view = AuditEntry.objects.filter(action="personal_data_view").first()
    assert view is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=view.pk).delete()


def _rows(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        return cursor.fetchall()
