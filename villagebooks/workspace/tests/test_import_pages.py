"""The import pages: template, upload, preview with every problem at its row and column, nothing
written until the confirm, and the confirm importing exactly what was previewed."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from villagebooks.ledger import services
from villagebooks.ledger.models import LedgerStatus, OpeningBalance, Voucher, VoucherStatus
from villagebooks.ledger.tests.importing.support import books_state
from villagebooks.workspace.tests.vouchers_pages import logged_in

pytestmark = pytest.mark.django_db

HEADER = "账套,凭证号,日期,摘要,科目,借方,贷方,资金来源,往来单位\n"
GOOD = HEADER + (
    "HT01,J-1,2025-03-02,买办公用品,513,300,,,\n"
    "HT01,J-1,2025-03-02,买办公用品,102,,300,,\n"
    "HT01,J-2,2025-03-05,借给王五,112,1500,,,王五\n"
    "HT01,J-2,2025-03-05,借给王五,101,,1500,,\n"
)


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.IMPORT_UPLOADS_DIR = tmp_path / "imports"
    return settings.IMPORT_UPLOADS_DIR


def _file(text: str, name: str = "vouchers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_the_template_has_chinese_headers_and_an_example_that_imports(ledger, accountant, tmp_path):
    client = logged_in(accountant)
    response = client.get("/ledgers/HT01/import/vouchers/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "账套",
        "凭证号",
        "日期",
        "摘要",
        "科目",
        "借方",
        "贷方",
        "资金来源",
        "往来单位",
        "项目",
    ]
    assert rows[1][0] == "HT01" and rows[1][5] == "500.00" and rows[2][6] == "500.00"
    # The example uploads as it is: its preview shows one balanced voucher.
    upload = SimpleUploadedFile("t.xlsx", response.content)
    page = client.post("/ledgers/HT01/import/vouchers/", {"file": upload, "create_missing": "1"})
    assert page.status_code == 200, page.content.decode()
    assert "凭证 1 张，分录 2 条" in page.content.decode()

    opening = client.get("/ledgers/HT01/import/opening/template.xlsx")
    sheet = load_workbook(BytesIO(opening.content)).active
    assert next(sheet.iter_rows(values_only=True)) == ("科目", "借方", "贷方", "资金来源", "往来单位")


def test_a_bad_file_shows_each_problem_at_its_row_and_column_and_writes_nothing(ledger, accountant):
    client = logged_in(accountant)
    before = books_state()
    bad = GOOD.replace("513,300", "9999,300").replace(",,王五", ",,不存在的人")
    response = client.post("/ledgers/HT01/import/vouchers/", {"file": _file(bad)})
    html = response.content.decode()
    assert response.status_code == 400
    assert books_state() == before
    assert "未导入任何数据" in html
    assert 'data-row="2" data-field="account"' in html
    assert 'data-row="4" data-field="counterparty"' in html
    assert "第 2 行" in html and "科目 9999" in html
    assert 'id="confirm-form"' not in html


def test_preview_then_confirm_imports_exactly_what_was_shown(ledger, accountant, uploads):
    client = logged_in(accountant)
    before = books_state()
    response = client.post("/ledgers/HT01/import/vouchers/", {"file": _file(GOOD), "create_missing": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert books_state() == before  # the preview wrote nothing
    assert "凭证 2 张，分录 4 条" in html
    assert "HT01:王五" in html  # the counterparty it would create
    assert 'data-key="J-1"' in html and 'data-key="J-2"' in html
    sha256 = _hidden(html, "sha256")
    assert list((uploads / str(accountant.pk) / sha256).iterdir())  # kept by its digest

    done = client.post(
        "/ledgers/HT01/import/vouchers/confirm/",
        {"sha256": sha256, "digest": _hidden(html, "digest"), "create_missing": "1"},
    )
    assert done.status_code == 302
    vouchers = Voucher.objects.filter(ledger=ledger, external_key__in=["J-1", "J-2"])
    assert {v.status for v in vouchers} == {VoucherStatus.SUBMITTED}
    assert len(vouchers) == 2
    assert not (uploads / str(accountant.pk) / sha256).exists()
    # A second confirm finds nothing to import.
    again = client.post(
        "/ledgers/HT01/import/vouchers/confirm/", {"sha256": sha256, "digest": _hidden(html, "digest")}
    )
    assert again.status_code == 400
    assert Voucher.objects.filter(ledger=ledger, external_key__in=["J-1", "J-2"]).count() == 2


def test_a_confirm_after_the_books_changed_is_refused(ledger, accountant):
    client = logged_in(accountant)
    html = client.post(
        "/ledgers/HT01/import/vouchers/", {"file": _file(GOOD), "create_missing": "1"}
    ).content.decode()
    services.counterparty_create(actor=accountant, ledger=ledger, name="王五")
    before = books_state()
    response = client.post(
        "/ledgers/HT01/import/vouchers/confirm/",
        {"sha256": _hidden(html, "sha256"), "digest": _hidden(html, "digest"), "create_missing": "1"},
    )
    assert response.status_code == 409
    assert "账套在预览之后发生了变化" in response.content.decode()
    assert books_state() == before


def test_a_confirm_with_a_changed_stored_file_is_refused(ledger, accountant, uploads):
    client = logged_in(accountant)
    html = client.post(
        "/ledgers/HT01/import/vouchers/", {"file": _file(GOOD), "create_missing": "1"}
    ).content.decode()
    sha256 = _hidden(html, "sha256")
    stored = next((uploads / str(accountant.pk) / sha256).iterdir())
    stored.write_bytes(stored.read_bytes().replace(b"1500", b"1600"))
    before = books_state()
    response = client.post(
        "/ledgers/HT01/import/vouchers/confirm/",
        {"sha256": sha256, "digest": _hidden(html, "digest"), "create_missing": "1"},
    )
    assert response.status_code == 400
    assert "SHA-256 不同" in response.content.decode()
    assert books_state() == before


def test_who_may_import(ledger, accountant, reviewer, make_user, region_tree):
    """The ledger's accountant may; a reviewer (who may look) is refused; another township's
    accountant does not see the ledger at all."""
    assert logged_in(accountant).get("/ledgers/HT01/import/vouchers/").status_code == 200
    client = logged_in(reviewer)
    outsider = logged_in(make_user("wudu", "accountant", region_tree["510781101000"]))
    before = books_state()
    assert client.get("/ledgers/HT01/import/vouchers/").status_code == 403
    assert client.get("/ledgers/HT01/import/vouchers/template.xlsx").status_code == 403
    assert client.post("/ledgers/HT01/import/vouchers/", {"file": _file(GOOD)}).status_code == 403
    assert client.post("/ledgers/HT01/import/opening/", {"file": _file(GOOD)}).status_code == 403
    assert outsider.get("/ledgers/HT01/import/vouchers/").status_code == 404
    assert outsider.post("/ledgers/HT01/import/vouchers/", {"file": _file(GOOD)}).status_code == 404
    assert books_state() == before


def test_another_users_upload_cannot_be_confirmed(ledger, accountant, make_user, township):
    other = make_user("accountant2", "accountant", township)
    html = (
        logged_in(accountant)
        .post("/ledgers/HT01/import/vouchers/", {"file": _file(GOOD), "create_missing": "1"})
        .content.decode()
    )
    response = logged_in(other).post(
        "/ledgers/HT01/import/vouchers/confirm/",
        {"sha256": _hidden(html, "sha256"), "digest": _hidden(html, "digest"), "create_missing": "1"},
    )
    assert response.status_code == 400
    assert not Voucher.objects.filter(ledger=ledger, external_key="J-1").exists()


def test_rows_of_another_ledger_are_refused_on_this_ledgers_page(ledger, other_ledger, accountant):
    response = logged_in(accountant).post(
        "/ledgers/HT01/import/vouchers/", {"file": _file(GOOD.replace("HT01,J-2", "TM01,J-2"))}
    )
    assert response.status_code == 400
    assert "本页只导入账套 HT01 的凭证" in response.content.decode()


OPENING = "科目,借方,贷方,资金来源,往来单位\n102,120000,,,\n112,1000,,,张三\n301,,121000,,\n"


def test_opening_balances_preview_and_confirm(new_ledger, accountant):
    client = logged_in(accountant)
    before = books_state()
    html = client.post(
        "/ledgers/TM01/import/opening/", {"file": _file(OPENING, "opening.csv"), "create_missing": "1"}
    ).content.decode()
    assert books_state() == before
    assert "期初余额 3 行" in html and "121,000.00" in html
    response = client.post(
        "/ledgers/TM01/import/opening/confirm/",
        {"sha256": _hidden(html, "sha256"), "digest": _hidden(html, "digest"), "create_missing": "1"},
    )
    assert response.status_code == 302
    new_ledger.refresh_from_db()
    assert new_ledger.status == LedgerStatus.ACTIVE
    assert OpeningBalance.objects.filter(ledger=new_ledger).count() == 3


def test_a_file_without_a_required_column_is_told_so_at_the_header_row(ledger, accountant):
    response = logged_in(accountant).post(
        "/ledgers/HT01/import/vouchers/",
        {"file": _file("账套,凭证号,日期,摘要,科目,借方\nHT01,1,2025-03-01,x,513,1\n")},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-row="1" data-field="header"' in html
    assert "贷方" in html


def test_many_problems_are_listed_up_to_a_limit_and_counted(ledger, accountant, monkeypatch):
    from villagebooks.workspace.imports import views

    monkeypatch.setattr(views, "PROBLEMS_SHOWN", 3)
    rows = "".join(
        f"HT01,K-{n},2025-03-0{n},x,9999,1,,,\nHT01,K-{n},2025-03-0{n},x,101,,1,,\n" for n in range(1, 6)
    )
    html = (
        logged_in(accountant)
        .post("/ledgers/HT01/import/vouchers/", {"file": _file(HEADER + rows)})
        .content.decode()
    )
    assert "有 5 处问题" in html
    assert html.count('data-field="account"') == 3
    assert "另有 2 处问题未列出" in html


def test_a_preview_never_confirmed_is_removed_a_day_later(ledger, accountant, uploads):
    import os
    import time

    client = logged_in(accountant)
    html = client.post(
        "/ledgers/HT01/import/vouchers/", {"file": _file(GOOD), "create_missing": "1"}
    ).content.decode()
    old = uploads / str(accountant.pk) / _hidden(html, "sha256")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    client.post(
        "/ledgers/HT01/import/vouchers/", {"file": _file(GOOD.replace("300", "301")), "create_missing": "1"}
    )
    assert not old.exists()
    assert len(list((uploads / str(accountant.pk)).iterdir())) == 1
