"""Bulk actions of the voucher list: one service call a voucher, each its own transaction.

A voucher that cannot be reviewed or posted does not stop the others: each outcome is reported
with the voucher it concerns and, when it failed, the service's own reason in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.models import Ledger, Voucher

MAX_BULK = 200
NOT_FOUND = gettext_lazy("凭证 #%(id)s 不存在或不属于本账套")


@dataclass(frozen=True)
class BulkAction:
    verb: str  # 审核, 记账 … as in "已审核 3 张"
    run: Callable[..., Voucher]


BULK_ACTIONS = {
    "submit": BulkAction(verb=gettext_lazy("提交"), run=services.voucher_submit),
    "review": BulkAction(verb=gettext_lazy("审核"), run=services.voucher_review),
    "post": BulkAction(verb=gettext_lazy("记账"), run=services.voucher_post),
}


@dataclass(frozen=True)
class BulkOutcome:
    voucher_id: int
    label: str
    ok: bool
    message: str = ""


def voucher_name(voucher: Voucher) -> str:
    """记-n once posted, else 草稿 n: the voucher's name within its ledger (never the database id)."""
    if voucher.number:
        return _("记-%(number)s") % {"number": voucher.number}
    return _("草稿 %(number)s") % {"number": voucher.draft_no or voucher.pk}


def voucher_label(voucher: Voucher) -> str:
    """How a voucher is named in messages: its date and name."""
    return f"{voucher.date.isoformat()} {voucher_name(voucher)}"


def vouchers_bulk(*, actor, ledger: Ledger, action: str, ids: list[int]) -> list[BulkOutcome]:
    """Run ``action`` on each voucher of ``ledger`` in ``ids``, in the order of the books (date, id),
    so that vouchers posted together are numbered in date order."""
    bulk = BULK_ACTIONS[action]
    found = {v.pk: v for v in Voucher.objects.filter(ledger=ledger, pk__in=ids[:MAX_BULK])}
    outcomes = [
        BulkOutcome(voucher_id=pk, label=f"#{pk}", ok=False, message=str(NOT_FOUND) % {"id": pk})
        for pk in dict.fromkeys(ids[:MAX_BULK])
        if pk not in found
    ]
    for voucher in sorted(found.values(), key=lambda v: (v.date, v.pk)):
        label = voucher_label(voucher)
        try:
            done = bulk.run(actor=actor, voucher=voucher)
        except DomainError as error:
            message = "；".join(problem.message for problem in error.problems)
            outcomes.append(BulkOutcome(voucher_id=voucher.pk, label=label, ok=False, message=message))
        else:
            outcomes.append(BulkOutcome(voucher_id=voucher.pk, label=voucher_label(done), ok=True))
    return outcomes
