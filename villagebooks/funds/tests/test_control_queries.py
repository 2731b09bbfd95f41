"""What budget control and the spending summary add to the posting of one voucher, in
statements (issue 12: under 2 ms a posting, and a statement costs a round trip on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from villagebooks.funds.models import ProjectSpending, ProjectSpendingYear, VoucherWarning
from villagebooks.funds.tests.support import advance_to
from villagebooks.funds.tests.test_control import RECEIPT, draft, spend
from villagebooks.ledger import posting, services
from villagebooks.ledger.tests.books import post


@pytest.fixture
def approved(road, manager):
    """The road project at 实施."""
    advance_to(road, manager, "P01", "实施")
    return road


def _statements(voucher, accountant) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.voucher_post(actor=accountant, voucher=voucher)
    return len(queries.captured_queries)


def test_a_checked_posting_costs_two_statements_more_on_postgresql(approved, accountant, reviewer):
    post(approved, accountant, reviewer, RECEIPT)
    checked, unchecked = (
        services.voucher_review(actor=reviewer, voucher=draft(approved, accountant, spend("1000.00")))
        for _ in range(2)
    )
    VoucherWarning.objects.create(ledger=approved, voucher=checked, rule="旧", message="草稿时的提示")
    with_hooks = _statements(checked, accountant)
    hooks = (posting.before_posting[:], posting.after_posting[:])
    posting.before_posting.clear()
    posting.after_posting.clear()
    try:
        without_hooks = _statements(unchecked, accountant)
    finally:
        posting.before_posting[:], posting.after_posting[:] = hooks
    # The lines read for the hooks and control's reads with the draft's warnings deleted, one
    # statement on PostgreSQL, where the spending summary is written in posting's own statement;
    # on SQLite, where a statement is a function call, nine and the summary's two.
    added = 2 if connection.vendor == "postgresql" else 1 + 1 + 7 + 2
    assert with_hooks - without_hooks == added
    assert not VoucherWarning.objects.filter(voucher=checked).exists()
    line = checked.lines.get(debit_fen__gt=0)
    for model in (ProjectSpending, ProjectSpendingYear):  # the checked one only: 1,000.00
        assert model.objects.get(project_key=line.project_id, account_id=line.account_id).debit_fen == 100000
