"""Entry helpers over the API (模板, 常用摘要, 复制, 定期凭证): list, create from a voucher, use;
and both sides of each scope: the ledger's preparer may, a reviewer reads but may not write,
another township's accountant and another village's reporter hear 404, a helper of another
ledger addressed through this one is 404 too. Nothing is written by a refused request."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.api.tests.conftest import error_of
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import entry_helpers as H
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import CommonSummary, RecurringEntry, RecurringRun, Voucher, VoucherTemplate

BASE = "/api/ledgers/HT01"
ACCRUAL = [
    LineInput("计提村干部报酬", "513", debit_fen=300_000),
    LineInput("计提村干部报酬", "102", credit_fen=300_000),
]


@pytest.fixture
def sample(ledger, accountant):
    return services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 3, 10), lines=ACCRUAL, note="每月计提"
    )


def _writes():
    return (
        VoucherTemplate.objects.count(),
        CommonSummary.objects.count(),
        RecurringEntry.objects.count(),
        RecurringRun.objects.count(),
        Voucher.objects.count(),
    )


def test_a_template_is_saved_listed_used_and_deleted(sample, acc):
    saved = acc.post(f"{BASE}/voucher-templates", {"voucher_id": sample.pk, "name": "村干部报酬"})
    assert saved.status_code == 201, saved.content
    template = saved.json()
    assert template["name"] == "村干部报酬" and template["note"] == "每月计提"
    assert [(line["account"], line["debit"], line["credit"]) for line in template["lines"]] == [
        ("513", "3000.00", "0.00"),
        ("102", "0.00", "3000.00"),
    ]
    assert acc.get(f"{BASE}/voucher-templates").json() == [template]
    used = acc.post(f"{BASE}/voucher-templates/{template['id']}/use", {"date": "2025-04-25"})
    assert used.status_code == 201, used.content
    draft = used.json()
    assert (draft["status"], draft["date"], draft["amount"]) == ("draft", "2025-04-25", "3000.00")
    assert [line["summary"] for line in draft["lines"]] == ["计提村干部报酬", "计提村干部报酬"]
    taken = acc.post(f"{BASE}/voucher-templates", {"voucher_id": sample.pk, "name": "村干部报酬"})
    assert taken.status_code == 422 and "已有名为“村干部报酬”" in error_of(taken)["message"]
    assert acc.delete(f"{BASE}/voucher-templates/{template['id']}").status_code == 204
    assert acc.get(f"{BASE}/voucher-templates").json() == []
    assert AuditEntry.objects.filter(action="voucher_template_delete").count() == 1


def test_a_voucher_is_copied_to_a_new_draft(sample, acc):
    copied = acc.post(f"{BASE}/vouchers/{sample.pk}/copy", {"date": "2025-03-28"})
    assert copied.status_code == 201, copied.content
    body = copied.json()
    assert body["id"] != sample.pk and body["status"] == "draft" and body["date"] == "2025-03-28"
    assert body["note"] == "每月计提" and body["amount"] == "3000.00"


def test_summaries_are_the_ledgers_and_ones_own(ledger, accountant, acc, api_as, make_user, region_tree):
    shared = acc.post(f"{BASE}/summaries", {"text": "支付电费"})
    mine = acc.post(f"{BASE}/summaries", {"text": "  购买 办公用品 ", "personal": True})
    assert shared.status_code == 201 and mine.status_code == 201, (shared.content, mine.content)
    assert mine.json()["text"] == "购买 办公用品" and mine.json()["personal"] is True
    assert acc.post(f"{BASE}/summaries", {"text": "支付电费"}).status_code == 422
    colleague = api_as(make_user("colleague", "accountant", region_tree["510781100000"]))
    # The colleague sees the ledger's summary, not the accountant's own, and cannot delete it.
    assert [s["text"] for s in colleague.get(f"{BASE}/summaries").json()] == ["支付电费"]
    assert colleague.delete(f"{BASE}/summaries/{mine.json()['id']}").status_code == 404
    assert CommonSummary.objects.filter(pk=mine.json()["id"]).exists()
    assert [s["text"] for s in acc.get(f"{BASE}/summaries").json()] == ["支付电费", "购买 办公用品"]
    assert acc.delete(f"{BASE}/summaries/{mine.json()['id']}").status_code == 204
    assert colleague.delete(f"{BASE}/summaries/{shared.json()['id']}").status_code == 204
    assert acc.get(f"{BASE}/summaries").json() == []


def test_a_recurring_definition_is_saved_generated_once_a_month_and_stopped(sample, acc):
    saved = acc.post(f"{BASE}/recurring", {"voucher_id": sample.pk, "name": "月度计提", "day_of_month": 31})
    assert saved.status_code == 201, saved.content
    entry = saved.json()
    assert (entry["day_of_month"], entry["is_active"], entry["generated"]) == (31, True, [])
    first = acc.post(f"{BASE}/recurring/generate", {"period": "2025-04"})
    assert first.status_code == 200, first.content
    (made,) = first.json()["made"]
    assert made["name"] == "月度计提"
    assert Voucher.objects.get(pk=made["voucher_id"]).date == date(2025, 4, 30)  # the month's last day
    again = acc.post(f"{BASE}/recurring/generate", {"period": "2025-04"}).json()
    assert again == {"period": "2025-04", "made": [], "done_before": ["月度计提"]}
    assert acc.get(f"{BASE}/recurring").json()[0]["generated"] == ["2025-04"]
    stopped = acc.post(f"{BASE}/recurring/{entry['id']}/active", {"active": False})
    assert stopped.status_code == 200 and stopped.json()["is_active"] is False
    assert acc.post(f"{BASE}/recurring/generate", {"period": "2025-05"}).json()["made"] == []
    bad_day = acc.post(f"{BASE}/recurring", {"voucher_id": sample.pk, "name": "x", "day_of_month": 32})
    assert bad_day.status_code == 422


def test_a_reviewer_reads_but_may_not_write(sample, acc, rev):
    template_id = acc.post(f"{BASE}/voucher-templates", {"voucher_id": sample.pk, "name": "模板"}).json()[
        "id"
    ]
    entry_id = acc.post(
        f"{BASE}/recurring", {"voucher_id": sample.pk, "name": "计提", "day_of_month": 5}
    ).json()["id"]
    acc.post(f"{BASE}/summaries", {"text": "支付电费"})
    assert [t["name"] for t in rev.get(f"{BASE}/voucher-templates").json()] == ["模板"]
    assert [e["name"] for e in rev.get(f"{BASE}/recurring").json()] == ["计提"]
    before = _writes()
    for method, path, body in [
        ("post", f"{BASE}/voucher-templates", {"voucher_id": sample.pk, "name": "另一个"}),
        ("post", f"{BASE}/voucher-templates/{template_id}/use", {}),
        ("delete", f"{BASE}/voucher-templates/{template_id}", None),
        ("post", f"{BASE}/vouchers/{sample.pk}/copy", {}),
        ("post", f"{BASE}/summaries", {"text": "审核用摘要"}),
        ("post", f"{BASE}/recurring", {"voucher_id": sample.pk, "name": "另一个", "day_of_month": 1}),
        ("post", f"{BASE}/recurring/{entry_id}/active", {"active": False}),
        ("post", f"{BASE}/recurring/generate", {"period": "2025-04"}),
    ]:
        response = rev.delete(path) if method == "delete" else rev.post(path, body)
        assert response.status_code == 403, (path, response.content)
    assert _writes() == before
    assert RecurringEntry.objects.get(pk=entry_id).is_active is True


def test_outside_the_scope_everything_is_404(
    ledger, other_ledger, accountant, sample, acc, api_as, outsider, village_reporter
):
    template_id = acc.post(f"{BASE}/voucher-templates", {"voucher_id": sample.pk, "name": "模板"}).json()[
        "id"
    ]
    entry_id = acc.post(
        f"{BASE}/recurring", {"voucher_id": sample.pk, "name": "计提", "day_of_month": 5}
    ).json()["id"]
    summary_id = acc.post(f"{BASE}/summaries", {"text": "支付电费"}).json()["id"]
    before = _writes()
    stranger = api_as(outsider)
    for path in (f"{BASE}/voucher-templates", f"{BASE}/summaries", f"{BASE}/recurring"):
        assert stranger.get(path).status_code == 404
    for path, body in [
        (f"{BASE}/voucher-templates", {"voucher_id": sample.pk, "name": "偷看"}),
        (f"{BASE}/voucher-templates/{template_id}/use", {}),
        (f"{BASE}/vouchers/{sample.pk}/copy", {}),
        (f"{BASE}/summaries", {"text": "偷看"}),
        (f"{BASE}/recurring/{entry_id}/active", {"active": False}),
        (f"{BASE}/recurring/generate", {"period": "2025-04"}),
    ]:
        assert stranger.post(path, body).status_code == 404, path
    assert stranger.delete(f"{BASE}/summaries/{summary_id}").status_code == 404
    assert stranger.delete(f"{BASE}/voucher-templates/{template_id}").status_code == 404
    # 土门村's ledger (same township) addressed with 黑滩村's helpers: not found there.
    tm = "/api/ledgers/TM01"
    assert acc.post(f"{tm}/voucher-templates/{template_id}/use", {}).status_code == 404
    assert acc.post(f"{tm}/recurring/{entry_id}/active", {"active": False}).status_code == 404
    assert acc.delete(f"{tm}/summaries/{summary_id}").status_code == 404
    assert acc.post(f"{tm}/voucher-templates", {"voucher_id": sample.pk, "name": "跨账套"}).status_code == 404
    # 黑滩村's reporter reaches nothing of 土门村.
    assert api_as(village_reporter).get(f"{tm}/voucher-templates").status_code == 404
    assert _writes() == before
    assert H.templates_of(other_ledger) == []
