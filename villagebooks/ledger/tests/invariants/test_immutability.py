"""A posted voucher and its lines cannot be changed or deleted, and no line can be added to it:
not through the services, not through the ORM, not by SQL typed into the database (the
triggers of migration 0002). Each refused statement is also run on a draft, where it must
work: so these tests fail if the SQL is wrong rather than only if the triggers are missing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from villagebooks.common.errors import DomainError
from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Voucher, VoucherLine
from villagebooks.ledger.tests.invariants.support import post_lines
from villagebooks.ledger.verification import ledgers_verify

LINES = [
    LineInput(summary="购买水泥", account_code="121", debit_fen=350_000),
    LineInput(summary="购买水泥", account_code="102", credit_fen=350_000),
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32

VOUCHER = Voucher._meta.db_table
LINE = VoucherLine._meta.db_table
# (name, SQL); %(voucher)s is the target voucher, %(line)s one of its lines, %(other)s another
# (draft) voucher, %(stray)s a line of a third (draft) voucher, %(user)s a user.
STATEMENTS = [
    ("change a line's amount", f"UPDATE {LINE} SET debit_fen = debit_fen + 100 WHERE id = %(line)s"),
    ("move a line in", f"UPDATE {LINE} SET voucher_id = %(voucher)s, line_no = 99 WHERE id = %(stray)s"),
    ("move a line out", f"UPDATE {LINE} SET voucher_id = %(other)s, line_no = 98 WHERE id = %(line)s"),
    (
        "insert a line",
        f"INSERT INTO {LINE} (ledger_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen)"
        f" SELECT ledger_id, voucher_id, 97, summary, account_id, debit_fen, credit_fen FROM {LINE}"
        " WHERE id = %(line)s",
    ),
    ("delete the lines", f"DELETE FROM {LINE} WHERE voucher_id = %(voucher)s"),
    ("change the date", f"UPDATE {VOUCHER} SET date = '2025-03-31' WHERE id = %(voucher)s"),
    ("change the amount", f"UPDATE {VOUCHER} SET amount_fen = amount_fen + 100 WHERE id = %(voucher)s"),
    ("change the preparer", f"UPDATE {VOUCHER} SET prepared_by_id = %(user)s WHERE id = %(voucher)s"),
    ("un-post", f"UPDATE {VOUCHER} SET status = 'reviewed', number = NULL WHERE id = %(voucher)s"),
    ("delete the voucher", f"DELETE FROM {VOUCHER} WHERE id = %(voucher)s"),
]


def _draft(ledger, actor, day=date(2025, 3, 10)):
    return services.voucher_create(actor=actor, ledger=ledger, date=day, lines=LINES, submit=True)


@pytest.fixture
def posted(ledger, accountant, reviewer):
    return post_lines(ledger, accountant, reviewer, date(2025, 3, 5), LINES)


def _refused(action):
    """Run ``action`` in its own savepoint and return the database's message."""
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        action()
    return str(error.value)


def _snapshot(voucher):
    row = Voucher.objects.filter(pk=voucher.pk).values().get()
    lines = list(VoucherLine.objects.filter(voucher_id=voucher.pk).order_by("line_no").values())
    return row, lines


def test_the_services_refuse_to_edit_delete_repost_or_attach_to_a_posted_voucher(posted, accountant):
    before = _snapshot(posted)
    attempts = [
        (
            "修改",
            lambda: services.voucher_update(
                actor=accountant, voucher=posted, date=date(2025, 3, 6), lines=LINES
            ),
        ),
        ("删除", lambda: services.voucher_delete(actor=accountant, voucher=posted)),
        ("提交", lambda: services.voucher_submit(actor=accountant, voucher=posted)),
        ("记账", lambda: services.voucher_post(actor=accountant, voucher=posted)),
        (
            "添加附件",
            lambda: services.attachment_add(actor=accountant, voucher=posted, name="a.png", content=PNG),
        ),
    ]
    for action, attempt in attempts:
        with pytest.raises(DomainError) as error:
            attempt()
        assert error.value.problems[0].message == E.WRONG_STATUS.format(status="已记账", action=action)
    assert _snapshot(posted) == before


def test_the_orm_cannot_save_or_delete_a_posted_voucher_or_its_lines(posted, ledger, accountant):
    before = _snapshot(posted)
    voucher = Voucher.objects.get(pk=posted.pk)
    line = voucher.lines.first()
    draft = _draft(ledger, accountant)

    def save_voucher():
        voucher.note = "改过了"
        voucher.save()

    def save_line():
        line.debit_fen += 1
        line.save()

    attempts = [
        save_voucher,
        save_line,
        lambda: Voucher.objects.filter(pk=posted.pk).update(amount_fen=1),
        lambda: VoucherLine.objects.filter(voucher_id=posted.pk).update(summary="改过了"),
        lambda: VoucherLine.objects.get(pk=line.pk).delete(),
        lambda: VoucherLine.objects.filter(voucher_id=posted.pk)._raw_delete(VoucherLine.objects.db),
        lambda: Voucher.objects.filter(pk=posted.pk)._raw_delete(Voucher.objects.db),
        lambda: VoucherLine.objects.create(
            ledger=ledger, voucher=voucher, line_no=3, summary="补一行", account=line.account, debit_fen=1
        ),
        lambda: draft.lines.update(voucher=voucher, line_no=9),
    ]
    for attempt in attempts:
        assert E.POSTED_IMMUTABLE in _refused(attempt)
    # Deleting the voucher through the ORM stops even earlier: its lines protect it.
    with pytest.raises(ProtectedError), transaction.atomic():
        Voucher.objects.get(pk=posted.pk).delete()
    assert _snapshot(posted) == before


def _params(target, ledger, accountant, reviewer) -> dict[str, int]:
    return {
        "voucher": target.pk,
        "line": target.lines.order_by("line_no").first().pk,
        "other": _draft(ledger, accountant).pk,
        "stray": _draft(ledger, accountant).lines.first().pk,
        "user": reviewer.pk,
    }


def _execute(sql: str, params: dict[str, int]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.mark.parametrize("name, sql", STATEMENTS, ids=[name for name, _ in STATEMENTS])
def test_sql_typed_into_the_database_cannot_touch_a_posted_voucher(
    posted, ledger, accountant, reviewer, name, sql
):
    params = _params(posted, ledger, accountant, reviewer)
    before = _snapshot(posted)
    assert E.POSTED_IMMUTABLE in _refused(lambda: _execute(sql, params))
    assert _snapshot(posted) == before
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []


@pytest.mark.parametrize("name, sql", STATEMENTS, ids=[name for name, _ in STATEMENTS])
def test_the_same_sql_works_on_a_voucher_that_is_not_posted(ledger, accountant, reviewer, name, sql):
    target = _draft(ledger, accountant)
    params = _params(target, ledger, accountant, reviewer)
    if name == "delete the voucher":
        _execute(f"DELETE FROM {LINE} WHERE voucher_id = %(voucher)s", params)
    assert _execute(sql, params) >= 1
