"""Projects as a line dimension (migration 0011): a line names a project of its own ledger by
code, never one created on the fly; the column was added without rebuilding the lines' table,
so a posted line's project is as immutable as the rest of it."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import VoucherLine
from villagebooks.ledger.tests.books import parse_vouchers, post

SPEND = """
    2025-03-05 修路
      借 153 在建工程   100.00  project=P01
      贷 102 银行存款   100.00
"""


@pytest.fixture
def projects(ledger, accountant):
    return [
        services.project_save(actor=accountant, ledger=ledger, code=code, name=name)[0]
        for code, name in (("P01", "道路硬化"), ("P02", "路灯"))
    ]


def test_a_line_carries_its_project_into_the_books(ledger, accountant, reviewer, projects):
    [voucher] = post(ledger, accountant, reviewer, SPEND)
    assert [line.project_id for line in voucher.lines.order_by("line_no")] == [projects[0].pk, None]


def test_an_unknown_project_is_refused_and_not_created(ledger, accountant, projects):
    lines = [
        LineInput("修路", "153", debit_fen=100, project_code="P99"),
        LineInput("修路", "102", credit_fen=100),
    ]
    with pytest.raises(DomainError) as error:
        services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=lines)
    assert [(p.field, p.message) for p in error.value.problems] == [("project", "项目“P99”不存在于本账套")]


def test_project_save_renames_and_keeps_one_code_per_ledger(ledger, accountant, projects):
    project, created = services.project_save(actor=accountant, ledger=ledger, code="P01", name="道路硬化一期")
    assert (project.pk, created, project.name) == (projects[0].pk, False, "道路硬化一期")


def test_the_reversal_keeps_the_project(ledger, accountant, reviewer, projects):
    [original] = post(ledger, accountant, reviewer, SPEND)
    red = services.voucher_reverse(actor=accountant, voucher=original, reason="重复", date=date(2025, 3, 9))
    assert list(red.lines.values_list("project_id", flat=True).order_by("line_no")) == [projects[0].pk, None]


def test_a_posted_lines_project_cannot_be_changed_or_cleared(ledger, accountant, reviewer, projects):
    [voucher] = post(ledger, accountant, reviewer, SPEND)
    line = voucher.lines.get(line_no=1)
    table = VoucherLine._meta.db_table
    for sql in (
        f"UPDATE {table} SET project_id = {projects[1].pk} WHERE id = {line.pk}",
        f"UPDATE {table} SET project_id = NULL WHERE id = {line.pk}",
        f"DELETE FROM {table} WHERE id = {line.pk}",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert VoucherLine.objects.get(pk=line.pk).project_id == projects[0].pk


def test_a_drafts_project_can_be_changed_by_the_same_sql(ledger, accountant, projects):
    """So that the refusal above is the triggers', not an error in the SQL."""
    [(day, _summary, lines)] = parse_vouchers(SPEND)
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines)
    line = voucher.lines.get(line_no=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {VoucherLine._meta.db_table} SET project_id = {projects[1].pk} WHERE id = {line.pk}"
        )
    assert VoucherLine.objects.get(pk=line.pk).project_id == projects[1].pk
