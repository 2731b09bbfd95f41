"""The record of 整理凭证号 is append-only in the database (migration 0020): an act and its pairs
refuse every UPDATE and DELETE, whoever sends them (on PostgreSQL the suite runs as the app's
role), on SQLite and PostgreSQL; the service still records a renumbering."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher, VoucherRenumbering, VoucherRenumberingLine
from villagebooks.ledger.tests.books import post

pytestmark = pytest.mark.django_db

# Posted in this order: the 20th gets 记-1, the 5th 记-2.
BOOKS = """
    2025-03-20 办公费
      借 513 管理费用       800.00
      贷 102 银行存款       800.00
    2025-03-05 收到村集体收入
      借 102 银行存款      5000.00
      贷 501 经营收入      5000.00
"""
TABLES = {
    "ledger_voucherrenumbering": "reason = 'x'",
    "ledger_voucherrenumberingline": "new_number = new_number + 10",
}


@pytest.fixture
def act(ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, BOOKS)
    act = services.vouchers_renumber(actor=accountant, ledger=ledger, year=2025, month=3, reason="月结前整理")
    assert act is not None and act.lines.count() == 2
    return act


def test_the_renumbering_still_works(act, ledger):
    numbers = Voucher.objects.filter(ledger=ledger, status="posted").order_by("number")
    assert [(v.date.day, v.number) for v in numbers] == [(5, 1), (20, 2)]
    assert VoucherRenumbering.objects.get().reason == "月结前整理"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_the_record_cannot_be_changed_or_deleted_in_the_database(act, table):
    before = _rows(table)
    for sql in (f"UPDATE {table} SET {TABLES[table]}", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert E.RENUMBERING_APPEND_ONLY in str(error.value)
    assert _rows(table) == before


def test_through_the_models_too(act):
    with pytest.raises(DatabaseError), transaction.atomic():
        VoucherRenumbering.objects.update(reason="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        VoucherRenumberingLine.objects.filter(renumbering=act).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        VoucherRenumberingLine.objects.update(old_number=99)
    assert VoucherRenumbering.objects.get().reason == "月结前整理"
    assert sorted(VoucherRenumberingLine.objects.values_list("old_number", "new_number")) == [(1, 2), (2, 1)]


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_insert_or_replace_cannot_overwrite_a_pair(act):
    line = VoucherRenumberingLine.objects.order_by("id").first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT OR REPLACE INTO ledger_voucherrenumberingline"
            " SELECT * FROM ledger_voucherrenumberingline WHERE id = %s",
            [line.pk],
        )


def _rows(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        return cursor.fetchall()
