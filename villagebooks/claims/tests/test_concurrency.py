"""Two accountants book the same claim at the same moment (PostgreSQL): one voucher is made,
the other is told the claim is booked already. The claim row's lock decides.

PostgreSQL only, like the ledger's concurrency tests: SQLite runs one writer at a time.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from villagebooks.claims import errors as E
from villagebooks.claims import services
from villagebooks.claims.models import ClaimStatus
from villagebooks.common.errors import DomainError
from villagebooks.ledger.models import Attachment, Voucher

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers"),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_booked_twice_at_once_makes_one_voucher(
    reporter, accountant, make_user, township, ledger, submit
):
    second = make_user("accountant2", "accountant", township)
    claim = submit(reporter, ledger)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def book(actor):
        try:
            barrier.wait(timeout=30)
            outcomes.append(
                services.claim_book(actor=actor, claim=claim, account_code="513", counter_account_code="102")
            )
        except DomainError as error:
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(actor,)) for actor in (accountant, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    vouchers = [o for o in outcomes if isinstance(o, Voucher)]
    errors = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(vouchers) == 1 and len(errors) == 1, outcomes
    assert errors[0].problems[0].message == E.WRONG_STATUS.format(status="已生成凭证", action="生成凭证")
    claim.refresh_from_db()
    assert (claim.status, claim.voucher_id) == (ClaimStatus.BOOKED, vouchers[0].pk)
    assert Voucher.objects.filter(ledger=ledger).count() == 1 and Attachment.objects.count() == 1
