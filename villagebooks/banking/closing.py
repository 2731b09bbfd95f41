"""The month-close rule of bank reconciliation, registered with ``ledger.closing_checks``: a month
cannot be closed while an item of a bank account with statements stays unreconciled longer than
``BANK_UNRECONCILED_BLOCK_DAYS`` (default 30) before the month's end (未达账项 older than a month
must be cleared first: matched, or booked). Accounts without any statement are not checked.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

from villagebooks.banking import errors as E
from villagebooks.banking.selectors import month_end, unreconciled_before
from villagebooks.ledger.closing_checks import Blocker, register_close_check
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import Ledger, Period

BLOCKER_KIND = "bank_unreconciled"


@register_close_check
def unreconciled_items(ledger: Ledger, period: Period) -> list[Blocker]:
    days = settings.BANK_UNRECONCILED_BLOCK_DAYS
    cutoff = month_end(period.key) - timedelta(days=days)
    blockers = []
    for found in unreconciled_before(ledger=ledger, period_key=period.key, cutoff=cutoff):
        query = urlencode({"account": found.account_code, "period": period_label(period.key)})
        url = reverse("banking:reconcile", args=[ledger.code]) + f"?{query}"
        blockers.append(
            Blocker(
                BLOCKER_KIND,
                str(
                    E.UNRECONCILED_OLD.format(
                        count=found.count, days=days, code=found.account_code, date=found.earliest
                    )
                ),
                period_key=period.key,
                count=found.count,
                links=((gettext("去银行对账"), url),),
            )
        )
    return blockers
