"""What the operation log keeps of a draft: its amounts and lines when created and deleted, and
for each change the fields and lines that changed, before and after (issue 18)."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput

pytestmark = pytest.mark.django_db

ROAD = [
    LineInput("道路硬化工程款", "153", debit_fen=5_000_000),
    LineInput("道路硬化工程款", "102", credit_fen=5_000_000),
]


def logged(action: str) -> dict:
    return AuditEntry.objects.filter(action=action).latest("id").detail


def test_a_new_draft_is_logged_whole_with_its_amounts(ledger, accountant):
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=ROAD)

    assert logged("voucher_create") == {
        "lines": 2,
        "amount_fen": 5_000_000,
        "after": {
            "date": "2025-03-05",
            "note": "",
            "amount_fen": 5_000_000,
            "status": "draft",
            "lines": {
                "1": {"summary": "道路硬化工程款", "account": "153", "debit_fen": 5_000_000, "credit_fen": 0},
                "2": {"summary": "道路硬化工程款", "account": "102", "debit_fen": 0, "credit_fen": 5_000_000},
            },
        },
    }
    assert AuditEntry.objects.filter(action="voucher_create").latest("id").object_id == voucher.pk


def test_a_changed_draft_logs_what_changed_before_and_after(ledger, accountant):
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=ROAD)
    lines = [
        LineInput("道路硬化工程款", "153", debit_fen=4_800_000),
        LineInput("道路硬化工程款", "102", credit_fen=4_800_000),
        LineInput("道路补助", "241", debit_fen=200_000, fund_name="县交通局道路补助"),
        LineInput("道路补助", "102", credit_fen=200_000),
    ]

    services.voucher_update(
        actor=accountant, voucher=voucher, date=date(2025, 3, 5), lines=lines, note="第二期"
    )

    assert logged("voucher_update") == {
        "lines": 4,
        "amount_fen": 5_000_000,
        "before": {
            "note": "",
            "lines": {"1": {"debit_fen": 5_000_000}, "2": {"credit_fen": 5_000_000}},
        },
        "after": {
            "note": "第二期",
            "lines": {
                "1": {"debit_fen": 4_800_000},
                "2": {"credit_fen": 4_800_000},
                "3": {
                    "summary": "道路补助",
                    "account": "241",
                    "debit_fen": 200_000,
                    "credit_fen": 0,
                    "fund": "县交通局道路补助",
                },
                "4": {"summary": "道路补助", "account": "102", "debit_fen": 0, "credit_fen": 200_000},
            },
        },
    }


def test_a_deleted_draft_is_logged_whole(ledger, accountant):
    voucher = services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=ROAD, note="重复录入"
    )

    services.voucher_delete(actor=accountant, voucher=voucher)

    detail = logged("voucher_delete")
    assert detail["amount_fen"] == 5_000_000
    assert detail["before"]["note"] == "重复录入" and detail["before"]["attachments"] == 0
    assert detail["before"]["lines"]["2"] == {
        "summary": "道路硬化工程款",
        "account": "102",
        "debit_fen": 0,
        "credit_fen": 5_000_000,
    }


def test_posting_and_reversing_log_the_amount(ledger, accountant, reviewer):
    voucher = services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=ROAD, submit=True
    )
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    services.voucher_reverse(actor=accountant, voucher=voucher, reason="重复", date=date(2025, 3, 6))

    assert logged("voucher_post") == {"number": 1, "amount_fen": 5_000_000}
    assert logged("voucher_reverse") == {"reverses": voucher.pk, "reason": "重复", "amount_fen": -5_000_000}
