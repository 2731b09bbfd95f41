"""How many round trips a click costs. Posting is the hot path of the books (issue 2: a voucher
posts in under 10 ms, and on PostgreSQL each round trip is about a millisecond), so its queries
are counted here and a change that adds one has to say why."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from villagebooks.ledger import services
from villagebooks.ledger.models import Period, Voucher, VoucherStatus
from villagebooks.ledger.tests.books import balance
from villagebooks.ledger.tests.services.test_voucher_lifecycle import _draft


def test_posting_a_voucher_takes_ten_round_trips_on_postgresql_fourteen_on_sqlite(
    ledger, accountant, reviewer
):
    voucher = _draft(ledger, accountant, submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    # As a request or command loads its user: the role check reads the user's assignments once.
    accountant = type(accountant).objects.get(pk=accountant.pk)
    with CaptureQueriesContext(connection) as queries:
        services.voucher_post(actor=accountant, voucher=voucher)
    # savepoint, lock the voucher (with its ledger and village), the role check, the period's
    # counter, the voucher's status, the balances, the audit chain's last row (under its lock),
    # the audit row, release; PostgreSQL does the counter, the status and the balances in one
    # statement. The hash chain (ledger/chain.py): the lines with their names and the chain's
    # head, locked, in one query; the entry and the head in one more on PostgreSQL (two on
    # SQLite, in-process). One more: the lines, read for the before-posting hooks (funds' budget
    # control). The chain and the hooks each read the lines: one read could serve both. On SQLite
    # one more: the voucher added to its regions' roll-ups (PostgreSQL does it in the posting's
    # one statement).
    expected = 10 if connection.vendor == "postgresql" else 14
    assert len(queries) == expected, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    voucher.refresh_from_db()
    assert (voucher.status, voucher.number) == (VoucherStatus.POSTED, 1)
    assert balance(ledger, "513") == 120_000


def test_the_period_counter_is_stored_like_any_other_timestamp(ledger, accountant, reviewer):
    voucher = _draft(ledger, accountant, submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    period = Period.objects.get(pk=Voucher.objects.get(pk=voucher.pk).period_id)
    assert period.last_number == 1
    assert period.updated_at.tzinfo is not None and period.updated_at >= voucher.created_at
