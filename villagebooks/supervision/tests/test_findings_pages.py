"""Findings in the browser: a supervisor ticks alerts and opens a finding, the village's
accountant answers it with an uploaded document, a person of another role verifies and closes it
or sends it back; each step is kept and cannot be changed; an alert is dismissed with a reason
and counted per rule; the supervisor never changes the books; other townships get 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from villagebooks.ledger.models import Voucher
from villagebooks.ledger.tests.books import post
from villagebooks.supervision.models import Dismissal, Finding, FindingDocument, FindingStep

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PERIOD = {"region": "510781100000", "from": "2025-01", "to": "2025-12"}


@pytest.fixture
def books(ledger, accountant, reviewer):
    return post(ledger, accountant, reviewer, """
        2025-03-02 临时用工
          借 513 管理费用   1500.00  party=张三
          贷 101 库存现金   1500.00
    """)  # fmt: skip


@pytest.fixture
def supervisor(make_user, region_tree):
    return make_user("sup", "supervisor", region_tree["510781100000"])


def _cash_alert(client):
    page = client.get("/supervision/", PERIOD)
    [alert] = [a for a in page.context["alerts"] if a.rule == "cash_over_limit"]
    return page, alert


def test_finding_from_an_alert_answered_verified_and_closed(client, books, supervisor, accountant):
    client.force_login(supervisor)
    page, alert = _cash_alert(client)
    html = page.content.decode()
    assert "黑滩村" in html and f"/ledgers/HT01/vouchers/{books[0].pk}/" in html  # by name; drill-down
    assert "<svg" in html and 'id="by-month"' in html
    form = client.get("/supervision/findings/new/", {"alert": alert.key})
    assert form.context["ledger"] == "HT01"
    values = form.context["values"]
    assert values["rule"] == "cash_over_limit" and values["amount"] == "1500.00"
    deadline = (timezone.localdate() + timedelta(days=30)).isoformat()
    done = client.post("/supervision/findings/new/", {
        "ledger": "HT01", "alert": alert.key, **values, "deadline": deadline, "responsible": "黑滩村报账员",
    })  # fmt: skip
    assert done.status_code == 302 and done["Location"] == "/supervision/findings/HT01/1/"
    finding = Finding.objects.get()
    assert finding.alert_keys == alert.key and finding.amount_fen == 1500_00
    # The supervisor may not answer it; the village's accountant does, with a document.
    refused = client.post("/supervision/findings/HT01/1/respond/", {"measures": "x"})
    assert refused.status_code == 403 and "没有权限" in refused.content.decode()
    client.force_login(accountant)
    detail = client.get("/supervision/findings/HT01/1/")
    assert detail.status_code == 200 and detail.context["may_respond"] and not detail.context["may_verify"]
    answered = client.post("/supervision/findings/HT01/1/respond/", {
        "measures": "现金改为转账，补签用工合同", "vouchers": "记-5", "returned": "200.00",
        "files": [SimpleUploadedFile("合同.png", PNG, content_type="image/png")],
    })  # fmt: skip
    assert answered.status_code == 302
    document = FindingDocument.objects.get()
    assert document.content_type == "image/png" and document.step.returned_fen == 200_00
    got = client.get(f"/supervision/findings/HT01/1/documents/{document.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    # The accountant cannot verify their own answer.
    own = client.post("/supervision/findings/HT01/1/verify/", {"decision": "close", "note": "好"})
    assert own.status_code == 403 and Finding.objects.get().state == "responded"
    client.force_login(supervisor)
    back = client.post(
        "/supervision/findings/HT01/1/verify/", {"decision": "send_back", "note": "合同未签字"}
    )
    assert back.status_code == 302 and Finding.objects.get().state == "open"
    client.force_login(accountant)
    client.post("/supervision/findings/HT01/1/respond/", {"measures": "补签字"})
    client.force_login(supervisor)
    client.post("/supervision/findings/HT01/1/verify/", {"decision": "close", "note": "已核实"})
    assert Finding.objects.get().state == "closed"
    kinds = list(FindingStep.objects.values_list("kind", flat=True))
    assert kinds == ["opened", "response", "sent_back", "response", "closed"]
    page = client.get("/supervision/findings/HT01/1/").content.decode()
    assert "合同.png" in page and "退回金额" in page and "已销号" in page


def test_steps_and_documents_are_never_changed(books, supervisor, accountant):
    from villagebooks.supervision import services

    services.finding_open(
        actor=supervisor, ledger_code="HT01", title="t", evidence="e", responsible="r",
        deadline=timezone.localdate(),
    )  # fmt: skip
    step = FindingStep.objects.get()
    step.text = "改写"
    with pytest.raises(ValueError):
        step.save()
    with pytest.raises(ValueError):
        step.delete()


def test_bad_upload_and_bad_deadline_change_nothing(client, books, supervisor, accountant):
    client.force_login(supervisor)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    refused = client.post("/supervision/findings/new/", {
        "ledger": "HT01", "title": "t", "evidence": "e", "deadline": past, "responsible": "r",
    })  # fmt: skip
    assert refused.status_code == 400 and "早于今天" in refused.content.decode()
    assert not Finding.objects.exists()
    client.post("/supervision/findings/new/", {
        "ledger": "HT01", "title": "t", "evidence": "e", "deadline": timezone.localdate().isoformat(),
        "responsible": "r",
    })  # fmt: skip
    client.force_login(accountant)
    bad = client.post("/supervision/findings/HT01/1/respond/", {
        "measures": "m", "files": [SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="image/png")],
    })  # fmt: skip
    assert bad.status_code == 400 and "a.exe" in bad.content.decode()
    assert Finding.objects.get().state == "open" and FindingStep.objects.count() == 1


def test_dismiss_with_a_reason_counted_per_rule(client, books, supervisor, accountant):
    client.force_login(supervisor)
    _page, alert = _cash_alert(client)
    empty = client.post("/supervision/alerts/dismiss/", {"ledger": "HT01", "alert": alert.key, "reason": " "})
    assert empty.status_code == 400 and not Dismissal.objects.exists()
    done = client.post("/supervision/alerts/dismiss/", {
        "ledger": "HT01", "alert": alert.key, "reason": "村民误工补助，已按规定签收", "next": "/supervision/",
    })  # fmt: skip
    assert done.status_code == 302
    page = client.get("/supervision/", PERIOD)
    assert page.context["dismissed"] == 1
    [row] = [bar["row"] for bar in page.context["by_rule"] if bar["row"][0] == "cash_over_limit"]
    assert row[2:] == (0, 1)  # no alert left, one dismissed
    # The accountant sees alerts but may not dismiss them.
    client.force_login(accountant)
    other = Dismissal.objects.get().alert_key.replace("cash_over_limit", "white_slip")
    assert (
        client.post(
            "/supervision/alerts/dismiss/", {"ledger": "HT01", "alert": other, "reason": "x"}
        ).status_code
        == 404
    )


def test_supervisor_manages_findings_but_never_changes_books(client, books, supervisor, reviewer):
    client.force_login(supervisor)
    entry = client.post("/ledgers/HT01/entry/", {"date": "2025-03-03"})
    assert entry.status_code in (403, 404)
    before = Voucher.objects.count()
    draft = client.post(f"/ledgers/HT01/vouchers/{books[0].pk}/reverse/", {"reason": "x"})
    assert draft.status_code in (403, 404, 405) and Voucher.objects.count() == before
    # The reviewer (another role) sees findings but may not open one.
    client.force_login(reviewer)
    assert client.get("/supervision/findings/new/").status_code == 404


def test_other_township_gets_404(client, books, supervisor, make_user, region_tree):
    client.force_login(supervisor)
    client.post("/supervision/findings/new/", {
        "ledger": "HT01", "title": "t", "evidence": "e", "deadline": timezone.localdate().isoformat(),
        "responsible": "r",
    })  # fmt: skip
    client.force_login(make_user("far", "supervisor", region_tree["510781101000"]))
    assert client.get("/supervision/findings/HT01/1/").status_code == 404
    assert client.get("/supervision/findings/", {"ledger": "HT01"}).status_code == 404
    assert (
        client.post("/supervision/findings/HT01/1/verify/", {"decision": "close", "note": "x"}).status_code
        == 404
    )


def test_xlsx_and_chinese_csv(client, books, supervisor):
    client.force_login(supervisor)
    csv = client.get("/supervision/", {**PERIOD, "format": "csv"}).content.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("规则,账套,期间,凭证键,凭证号") and "黑滩村" in "\n".join(csv)
    codes = client.get("/supervision/", {**PERIOD, "format": "csv", "headers": "codes"}).content.decode(
        "utf-8-sig"
    )
    assert codes.splitlines()[0].startswith(
        "rule,ledger,period,voucher_key,voucher_number,batch,id_number,amount,evidence"
    )
    xlsx = client.get("/supervision/", {**PERIOD, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
