"""The entry page (凭证录入) through HTTP: what it carries for the grid, saving a voucher typed
by code, name or pinyin initials, errors at their cells with nothing saved, drafts edited,
source documents posted with the voucher."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from villagebooks.ledger import services
from villagebooks.ledger.models import Attachment, Voucher, VoucherStatus
from villagebooks.workspace.tests.vouchers_pages import (
    PDF,
    PNG,
    cell_errors,
    field_errors,
    grid_post,
    logged_in,
    office_voucher,
    page_messages,
)

pytestmark = pytest.mark.django_db

ENTRY = "/ledgers/HT01/entry/"


def _lines(voucher: Voucher) -> list[tuple]:
    rows = voucher.lines.select_related("account", "fund", "counterparty").order_by("line_no")
    return [
        (
            line.summary,
            line.account.code,
            line.debit_fen,
            line.credit_fen,
            line.fund.name if line.fund else "",
            line.counterparty.name if line.counterparty else "",
        )
        for line in rows
    ]


def test_the_entry_page_carries_the_ledgers_leaf_accounts_with_pinyin(ledger, accountant):
    response = logged_in(accountant).get(ENTRY + "?date=2025-04-02")
    assert response.status_code == 200
    html = response.content.decode()
    accounts = json.loads(
        re.search(r'<script id="accounts-data" type="application/json">(.*?)</script>', html).group(1)
    )
    by_code = {a["code"]: a for a in accounts}
    assert by_code["513"] == {
        "code": "513",
        "name": "管理费用",
        "path": "管理费用",
        "py": "glfy",
        "ppy": "glfy",
        "fund": False,
        "party": False,
    }
    assert by_code["241"]["fund"] is True and by_code["112"]["party"] is True
    assert "322" not in by_code  # 收益分配 has sub-accounts: only leaves take lines
    assert by_code["32201"]["path"] == "收益分配/未分配收益"
    assert 'name="line-count" id="line-count" value="5"' in html
    assert 'name="date" id="id_date" value="2025-04-02"' in html
    assert '<option value="县交通局道路补助">' in html


def test_the_entry_page_opens_on_today_without_a_date(ledger, accountant):
    html = logged_in(accountant).get(ENTRY + "?date=2025-02-30").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_save_and_next_creates_a_submitted_voucher_from_codes_names_and_initials(ledger, accountant):
    client = logged_in(accountant)
    data = grid_post(
        "2025-04-02",
        [
            {"summary": "购买打印纸", "account": "glfy", "debit": "1,200.50"},
            {"summary": "购买打印纸", "account": "银行存款", "credit": "1200.5"},
            {},
        ],
        submit="1",
        action="save-next",
        note="四月办公用品",
    )
    response = client.post(ENTRY, data)
    assert response.status_code == 302
    assert response["Location"] == "/ledgers/HT01/entry/?date=2025-04-02"
    voucher = Voucher.objects.get(ledger=ledger)
    assert (voucher.status, voucher.date, voucher.note, voucher.amount_fen) == (
        VoucherStatus.SUBMITTED,
        date(2025, 4, 2),
        "四月办公用品",
        120_050,
    )
    assert _lines(voucher) == [
        ("购买打印纸", "513", 120_050, 0, "", ""),
        ("购买打印纸", "102", 0, 120_050, "", ""),
    ]
    following = client.get(response["Location"])
    assert page_messages(following) == [
        f'<a href="/ledgers/HT01/vouchers/{voucher.pk}/">{voucher.ledger.name} 草稿 {voucher.draft_no}</a>（2025-04-02，金额 1,200.50）已提交审核'
    ]


def test_save_as_draft_opens_the_draft_for_editing(ledger, accountant):
    data = grid_post(
        "2025-04-02",
        [
            {"summary": "道路补助", "account": "102", "debit": "500"},
            {"summary": "道路补助", "account": "241", "credit": "500", "fund": "县交通局道路补助"},
        ],
        action="save",
    )
    response = logged_in(accountant).post(ENTRY, data)
    voucher = Voucher.objects.get(ledger=ledger)
    assert response["Location"] == f"/ledgers/HT01/vouchers/{voucher.pk}/edit/"
    assert voucher.status == VoucherStatus.DRAFT
    assert _lines(voucher)[1] == ("道路补助", "241", 0, 50_000, "县交通局道路补助", "")


def test_unreadable_cells_are_shown_at_the_cell_and_nothing_is_saved(ledger, accountant):
    data = grid_post(
        "2025-04-02",
        [
            {"summary": "购买打印纸", "account": "513", "debit": "12.345"},
            {"summary": "购买打印纸", "account": "zzzz", "credit": "12.34"},
            {"summary": "", "account": "102", "debit": "3"},
        ],
        action="save-next",
    )
    response = logged_in(accountant).post(ENTRY, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert cell_errors(html) == {
        (0, "debit"): "金额最多两位小数",
        (1, "account"): "科目“zzzz”不存在于本账套，请输入科目编码、名称或拼音首字母",
        (2, "summary"): "摘要不能为空",
    }
    # What was typed is kept in the cells, to be corrected rather than typed again.
    assert 'name="line-0-debit" id="line-0-debit" value="12.345"' in html
    assert 'name="line-1-account" id="line-1-account" value="zzzz"' in html
    assert "借贷不平衡：借方合计 3.00，贷方合计 12.34" in html
    assert Voucher.objects.count() == 0


def test_the_services_rules_land_on_cells_and_the_voucher(ledger, accountant):
    data = grid_post(
        "2025-04-02",
        [
            {"summary": "收到补助", "account": "102", "debit": "500"},
            {"summary": "收到补助", "account": "241", "credit": "400"},
            {"summary": "应收", "account": "112", "credit": "100", "counterparty": "李四"},
            {"summary": "合计科目", "account": "322", "debit": "0.01"},
        ],
        action="save",
    )
    response = logged_in(accountant).post(ENTRY, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert cell_errors(html) == {
        (1, "fund"): "科目 241 必须指定资金来源",
        (2, "counterparty"): "往来单位“李四”不存在于本账套",
        (3, "account"): "科目 322 有下级科目，请使用末级科目",
    }
    assert "借贷不平衡：借方合计 500.01，贷方合计 500.00" in html
    assert Voucher.objects.count() == 0


def test_a_date_outside_the_open_periods_is_an_error_at_the_date(ledger, accountant):
    data = grid_post(
        "2024-12-31",
        [{"summary": "x", "account": "102", "debit": "1"}, {"summary": "x", "account": "301", "credit": "1"}],
    )
    response = logged_in(accountant).post(ENTRY, data)
    assert response.status_code == 400
    assert field_errors(response.content.decode()) == {"date": "日期 2024-12-31 早于账套启用期间 2025-01"}
    response = logged_in(accountant).post(ENTRY, {**data, "date": "2025/04/02"})
    assert field_errors(response.content.decode()) == {"date": "日期“2025/04/02”无效，格式应为 YYYY-MM-DD"}
    assert Voucher.objects.count() == 0


def test_more_rows_without_javascript_keeps_what_was_typed(ledger, accountant):
    data = grid_post(
        "2025-04-02", [{"summary": "买纸", "account": "513", "debit": "1"}], count=5, action="more-rows"
    )
    response = logged_in(accountant).post(ENTRY, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="line-count" value="10"' in html
    assert 'name="line-0-summary" id="line-0-summary" value="买纸"' in html
    assert Voucher.objects.count() == 0


def test_too_many_lines_are_refused(ledger, accountant):
    rows = [{"summary": "x", "account": "102", "debit": "1"}] * 51
    response = logged_in(accountant).post(ENTRY, grid_post("2025-04-02", rows))
    assert response.status_code == 400
    assert "一张凭证最多 50 条分录" in response.content.decode()
    assert Voucher.objects.count() == 0


def test_files_posted_with_the_voucher_are_attached(ledger, accountant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = grid_post(
        "2025-04-02",
        [
            {"summary": "买纸", "account": "513", "debit": "9"},
            {"summary": "买纸", "account": "102", "credit": "9"},
        ],
        action="save",
    )
    data["attachments"] = [
        SimpleUploadedFile("发票.png", PNG, content_type="image/png"),
        SimpleUploadedFile("清单.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("说明.txt", b"plain text", content_type="text/plain"),
    ]
    client = logged_in(accountant)
    response = client.post(ENTRY, data, follow=True)
    voucher = Voucher.objects.get(ledger=ledger)
    assert voucher.attachment_count == 2
    assert sorted(Attachment.objects.values_list("original_name", flat=True)) == ["发票.png", "清单.pdf"]
    assert page_messages(response) == [
        "附件“说明.txt”未能上传：附件只能是 PDF、JPEG、PNG、WEBP 或 GIF 文件",
        f'<a href="/ledgers/HT01/vouchers/{voucher.pk}/">{voucher.ledger.name} 草稿 {voucher.draft_no}</a>（2025-04-02，金额 9.00）已保存为草稿，附件 2 个',
    ]
    html = response.content.decode()
    attachment = Attachment.objects.get(original_name="发票.png")
    assert f'<img src="/ledgers/HT01/vouchers/{voucher.pk}/files/{attachment.pk}/" alt="发票.png">' in html


def test_editing_a_draft_replaces_its_lines_and_may_submit_it(ledger, accountant):
    voucher = office_voucher(ledger, accountant)
    client = logged_in(accountant)
    url = f"/ledgers/HT01/vouchers/{voucher.pk}/edit/"
    html = client.get(url).content.decode()
    assert 'name="line-1-account" id="line-1-account" value="102"' in html
    assert 'name="line-0-debit" id="line-0-debit" value="200.00"' in html
    assert 'id="line-count" value="3"' in html
    data = grid_post(
        "2025-04-05",
        [
            {"summary": "购买墨盒", "account": "513", "debit": "350"},
            {"summary": "购买墨盒", "account": "101", "credit": "50"},
            {"summary": "购买墨盒", "account": "102", "credit": "300"},
        ],
        action="save",
        submit="1",
    )
    response = client.post(url, data)
    assert response["Location"] == f"/ledgers/HT01/vouchers/{voucher.pk}/"
    voucher.refresh_from_db()
    assert (voucher.status, voucher.date, voucher.amount_fen) == (
        VoucherStatus.SUBMITTED,
        date(2025, 4, 5),
        35_000,
    )
    assert [line[1:4] for line in _lines(voucher)] == [
        ("513", 35_000, 0),
        ("101", 0, 5_000),
        ("102", 0, 30_000),
    ]
    # Past draft it is no longer edited here: the desk shows it.
    assert client.get(url)["Location"] == f"/ledgers/HT01/vouchers/{voucher.pk}/"
    response = client.post(url, data, follow=True)
    assert page_messages(response) == [
        f'<a href="/ledgers/HT01/vouchers/{voucher.pk}/">{voucher.ledger.name} 草稿 {voucher.draft_no}</a>（2025-04-05，金额 350.00）已提交审核',
        "凭证当前状态为“待审核”，不能修改",
    ]


def test_counterparties_are_searched_a_few_at_a_time(ledger, accountant):
    for name in ("张三丰", "李四", "张家大院"):
        services.counterparty_create(actor=accountant, ledger=ledger, name=name)
    response = logged_in(accountant).get("/ledgers/HT01/entry/counterparties/?q=张")
    assert response.json() == {"names": ["张三", "张三丰", "张家大院"]}


def test_the_entry_page_costs_a_fixed_number_of_queries(ledger, accountant, django_assert_max_num_queries):
    client = logged_in(accountant)
    client.get(ENTRY)  # the session is loaded once
    with django_assert_max_num_queries(10):
        assert client.get(ENTRY).status_code == 200
