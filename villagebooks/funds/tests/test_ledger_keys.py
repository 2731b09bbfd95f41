"""A budget warning belongs to its voucher's ledger, and a spending summary's account to the
summary's ledger, by the database's own keys (migrations 0006 and 0007 on PostgreSQL), as a
voucher's lines do: a row that claims another ledger, or a voucher that does not exist, is refused
whoever writes it. Each refused statement is also run with the right values,
where it must pass, so the tests fail if the SQL is wrong rather than only if the key is missing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from villagebooks.funds.models import (
    BudgetLine,
    Control,
    ProjectSpending,
    ProjectSpendingYear,
    VoucherWarning,
)
from villagebooks.funds.tests.test_control import RECEIPT, spend
from villagebooks.ledger.models import Account, Voucher
from villagebooks.ledger.tests.books import post

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the composite key is PostgreSQL's (SQLite keeps one key a column; migration 0006)",
    ),
]

WARNING = VoucherWarning._meta.db_table
COPY_WARNING = (
    f"INSERT INTO {WARNING} (ledger_id, voucher_id, rule, message, created_at)"
    f" SELECT %s, %s, rule, message, created_at FROM {WARNING} WHERE voucher_id = %s"
)


def _checked_now(sql: str, params: list) -> None:
    """Run ``sql`` and check the deferred keys at once, in a savepoint that is rolled back."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        transaction.set_rollback(True)


@pytest.fixture
def warned(road, accountant, reviewer, manager):
    from villagebooks.funds.tests.support import advance_to

    advance_to(road, manager, "P01", "实施")
    BudgetLine.objects.update(control=Control.WARN)
    post(road, accountant, reviewer, RECEIPT)
    [voucher] = post(road, accountant, reviewer, spend("250000.00"))
    assert VoucherWarning.objects.filter(voucher=voucher).count() == 1
    return voucher


def test_a_warning_cannot_claim_another_ledger_than_its_voucher(warned, other_ledger):
    _checked_now(COPY_WARNING, [warned.ledger_id, warned.pk, warned.pk])  # its own ledger: accepted
    with pytest.raises(IntegrityError, match="warning_voucher_in_ledger"):
        _checked_now(COPY_WARNING, [other_ledger.pk, warned.pk, warned.pk])
    assert VoucherWarning.objects.filter(voucher=warned).count() == 1


def test_a_warning_of_a_voucher_that_does_not_exist_is_refused(warned):
    missing = Voucher.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    with pytest.raises(IntegrityError, match="warning_voucher_in_ledger"):
        _checked_now(COPY_WARNING, [warned.ledger_id, missing, warned.pk])


def test_the_warning_has_one_foreign_key_and_one_index_besides_its_own(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, WARNING)
    keys = sorted(tuple(info["columns"]) for info in constraints.values() if info["foreign_key"])
    indexes = sorted(
        tuple(info["columns"]) for info in constraints.values() if info["index"] and not info["primary_key"]
    )
    assert keys == [("voucher_id", "ledger_id")]
    assert indexes == [("voucher_id",)]


def test_deleting_a_draft_deletes_its_warnings(road, accountant, manager):
    """The voucher's key is Django's CASCADE: a draft's warnings go with it (by the voucher index)."""
    from villagebooks.funds.tests.support import advance_to
    from villagebooks.ledger import services
    from villagebooks.ledger.tests.books import parse_vouchers

    advance_to(road, manager, "P01", "实施")
    BudgetLine.objects.update(control=Control.WARN)
    [(day, _summary, lines)] = parse_vouchers(spend("250000.00"))
    voucher = services.voucher_create(actor=accountant, ledger=road, date=day, lines=lines)
    assert VoucherWarning.objects.filter(voucher=voucher).count() >= 1
    services.voucher_delete(actor=accountant, voucher=voucher)
    assert not VoucherWarning.objects.filter(voucher_id=voucher.pk).exists()


@pytest.mark.parametrize("model", [ProjectSpending, ProjectSpendingYear], ids=lambda model: model.__name__)
def test_a_spending_summary_cannot_name_an_account_of_another_ledger(warned, other_ledger, model):
    table = model._meta.db_table
    row = model.objects.filter(ledger_id=warned.ledger_id).order_by("pk").first()
    own = Account.objects.get(pk=row.account_id)
    foreign = Account.objects.get(ledger=other_ledger, code=own.code)
    moved = f"UPDATE {table} SET account_id = %s WHERE id = %s"
    _checked_now(moved, [own.pk, row.pk])  # its own ledger's account: accepted
    constraint = (
        "spending_account_in_ledger" if model is ProjectSpending else "spending_year_account_in_ledger"
    )
    with pytest.raises(IntegrityError, match=constraint):
        _checked_now(moved, [foreign.pk, row.pk])
    row.refresh_from_db()
    assert row.account_id == own.pk


@pytest.mark.parametrize("model", [ProjectSpending, ProjectSpendingYear], ids=lambda model: model.__name__)
def test_a_spending_summary_has_one_key_to_its_account_and_ledger(db, model):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    keys = sorted(tuple(info["columns"]) for info in constraints.values() if info["foreign_key"])
    assert keys == [("account_id", "ledger_id")]
