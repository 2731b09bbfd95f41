"""The voucher page (read-only): header, lines with account, fund and counterparty, totals and the
amount in words, who prepared, reviewed and posted it and when, its attachments; and the 404 that
a voucher or attachment of another ledger, or of a ledger out of scope, always gets."""

import hashlib
from datetime import date

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.tests.books import parse_vouchers, post
from villagebooks.web.tests.pages import table_rows

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LABOUR = """
    2025-03-25 应付张三修路劳务费
      借 241 专项应付款   800.00  fund=县交通局道路补助
      贷 211 应付款       800.00  party=张三
"""


def _page(voucher, code="HT01") -> str:
    """The voucher's one page (the workspace's desk)."""
    return f"/ledgers/{code}/vouchers/{voucher.pk}/"


def _url(voucher, code="HT01") -> str:
    """Its print layout, this app's page."""
    return f"{_page(voucher, code)}print/"


@pytest.fixture
def labour(books, media, accountant, reviewer):
    """A posted voucher with a fund, a counterparty and a scanned receipt."""
    accountant.first_name, reviewer.first_name = "李会计", "赵审核"
    accountant.save()
    reviewer.save()
    day, _, lines = parse_vouchers(LABOUR)[0]
    voucher = services.voucher_create(actor=accountant, ledger=books, date=day, lines=lines, submit=True)
    services.attachment_add(actor=accountant, voucher=voucher, name="劳务费签收单.pdf", content=PDF)
    services.voucher_review(actor=reviewer, voucher=voucher)
    return services.voucher_post(actor=accountant, voucher=voucher)


def test_a_posted_voucher_as_printed(client, labour, accountant):
    client.force_login(accountant)
    response = client.get(_url(labour))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="voucher-title">记账凭证</h2>' in html
    assert '<span class="tag tag-status-posted" id="voucher-status">已记账</span>' in html
    assert '<dd id="voucher-date">2025-03-25</dd>' in html
    assert '<dd id="voucher-number">记字第 2 号</dd>' in html
    rows, _ = table_rows(html, "data-line")
    # Summary, account, fund, counterparty, debit, credit.
    assert rows == {
        "1": ["应付张三修路劳务费", "241 专项应付款", "县交通局道路补助", "", "800.00", ""],
        "2": ["应付张三修路劳务费", "211 应付款", "", "张三", "", "800.00"],
        "total": ["合计人民币（大写）：捌佰元整", "800.00", "800.00"],
    }
    assert '<span id="amount-words">捌佰元整</span>' in html
    assert 'data-step="prepared">李会计 <span class="muted">' in html
    assert 'data-step="reviewed">赵审核 <span class="muted">' in html
    assert 'data-step="posted">李会计 <span class="muted">' in html
    assert "劳务费签收单.pdf" in html and "application/pdf" in html


def test_lines_link_to_the_accounts_detail_ledger_for_the_vouchers_month(client, labour, accountant):
    client.force_login(accountant)
    html = client.get(_url(labour)).content.decode()
    link = "/ledgers/HT01/reports/detail-ledger/?from=2025-03&amp;to=2025-03&amp;account=241"
    assert f'<a href="{link}">' in html
    detail = client.get(link.replace("&amp;", "&")).content.decode()
    assert f'href="{_page(labour)}"' in detail


def test_a_draft_has_no_number_and_nobody_has_reviewed_it(client, books, accountant):
    day, _, lines = parse_vouchers(LABOUR)[0]
    draft = services.voucher_create(actor=accountant, ledger=books, date=day, lines=lines)
    client.force_login(accountant)
    html = client.get(_url(draft)).content.decode()
    assert f'<dd id="voucher-number">草稿 {draft.draft_no}（记账时编号）</dd>' in html
    assert "tag-status-draft" in html and ">草稿</span>" in html
    assert 'data-step="reviewed"><span class="muted">未审核</span>' in html
    assert 'data-step="posted"><span class="muted">未记账</span>' in html
    assert "没有附件。" in html


def test_a_reversal_and_the_voucher_it_cancels_link_to_each_other(client, books, accountant):
    original = books.vouchers.get(period__month=2, number=1)
    reversal = services.voucher_reverse(
        actor=accountant, voucher=original, reason="金额有误", date=date(2025, 3, 28)
    )
    client.force_login(accountant)
    html = client.get(_url(reversal)).content.decode()
    assert '<h2 id="voucher-title">红字冲销</h2>' in html
    assert f'本凭证冲销：<a href="{_page(original)}">记-1（2025-02-15）</a>' in html
    rows, _ = table_rows(html, "data-line")
    assert rows["total"] == ["合计人民币（大写）：负叁万元整", "-30,000.00", "-30,000.00"]
    original_html = client.get(_url(original)).content.decode()
    assert f'已被冲销：<a href="{_page(reversal)}">' in original_html


def test_a_voucher_of_another_ledger_under_this_ledgers_address_is_404(
    client, books, other_ledger, accountant, reviewer
):
    (theirs,) = post(
        other_ledger,
        accountant,
        reviewer,
        "2025-03-02 买墨水\n  借 513 管理费用 10.00\n  贷 101 库存现金 10.00",
    )
    client.force_login(accountant)
    assert client.get(_url(theirs, "TM01")).status_code == 200
    response = client.get(_url(theirs, "HT01"))
    assert response.status_code == 404
    assert "凭证不存在或您无权查看" in response.content.decode() and "买墨水" not in response.content.decode()
    assert client.get("/ledgers/HT01/vouchers/999999/").status_code == 404


def test_a_user_of_another_township_gets_404_for_the_voucher_and_its_attachment(
    client, labour, make_user, region_tree
):
    client.force_login(make_user("wudu", "accountant", region_tree["510781101000"]))
    attachment = labour.attachments.get()
    for path in (_page(labour), _url(labour), f"{_page(labour)}attachments/{attachment.pk}/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "劳务费" not in response.content.decode()


def test_a_village_reporter_of_the_ledger_may_read_its_voucher(client, labour, books, make_user, region_tree):
    reporter = make_user("cun", "reporter", region_tree["510781100201"], ledger_id=books.pk)
    client.force_login(reporter)
    assert client.get(_url(labour)).status_code == 200
    html = client.get(_page(labour)).content.decode()
    assert "修改" not in html and 'id="post"' not in html and 'id="reverse"' not in html


def test_an_attachment_downloads_under_its_own_name(client, labour, accountant):
    attachment = labour.attachments.get()
    client.force_login(accountant)
    html = client.get(_url(labour)).content.decode()
    href = f"{_page(labour)}attachments/{attachment.pk}/"
    assert f'href="{href}"' in html
    response = client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%8A%B3%E5%8A%A1%E8%B4%B9%E7%AD%BE%E6%94%B6%E5%8D%95.pdf"
    )
    assert b"".join(response.streaming_content) == PDF


def test_an_attachment_under_another_voucher_or_ledger_is_404(
    client, labour, books, other_ledger, accountant
):
    attachment = labour.attachments.get()
    other = books.vouchers.get(period__month=1, number=1)
    client.force_login(accountant)
    assert client.get(f"{_page(other)}attachments/{attachment.pk}/").status_code == 404
    assert client.get(f"/ledgers/TM01/vouchers/{labour.pk}/attachments/{attachment.pk}/").status_code == 404


def test_an_attachment_whose_file_is_gone_is_a_clear_404(client, labour, accountant, media):
    attachment = labour.attachments.get()
    (media / attachment.file.name).unlink()
    client.force_login(accountant)
    response = client.get(f"{_page(labour)}attachments/{attachment.pk}/")
    assert response.status_code == 404
    assert "附件文件已丢失，请联系管理员" in response.content.decode()


def test_the_voucher_page_needs_a_fixed_number_of_queries(
    client, labour, accountant, django_assert_max_num_queries
):
    client.force_login(accountant)
    client.get(_url(labour))
    # 8: one of them reads the numbers 整理凭证号 gave the voucher before (原记-n), as its page does.
    with django_assert_max_num_queries(8):
        assert client.get(_url(labour)).status_code == 200


def test_the_voucher_has_a_print_layout(client, labour, accountant):
    client.force_login(accountant)
    html = client.get(_page(labour)).content.decode()
    assert f'href="{_url(labour)}"' in html
    # The old address of the print layout leads there.
    assert client.get(_page(labour), {"print": "1"})["Location"] == _url(labour)
    printed = client.get(_url(labour)).content.decode()
    assert '<body class=" print-view">' in printed and "data-print>" in printed and "web/print.js" in printed


def _pdf_text(response) -> str:
    from villagebooks.reports.tests.pdf_reading import page_lines

    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return "\n".join(" ".join(line) for page in page_lines(data) for line in page)


def test_a_voucher_downloads_as_the_printed_form(client, labour, accountant, make_user, region_tree):
    client.force_login(accountant)
    response = client.get(f"/ledgers/HT01/vouchers/{labour.pk}.pdf")
    assert response.status_code == 200
    assert "HT01-2025-03-" in response["Content-Disposition"]
    text = _pdf_text(response)
    assert text.splitlines()[:2] == ["记 账 凭 证", "2025 年 03 月 25 日 记字第 2 号"]
    assert "合  计 人民币（大写）：捌佰元整 ¥800.00 ¥800.00" in text
    assert "记账：李会计 审核：赵审核 制单：李会计" in text
    client.force_login(make_user("wudu", "accountant", region_tree["510781101000"]))
    assert client.get(f"/ledgers/HT01/vouchers/{labour.pk}.pdf").status_code == 404


def test_a_months_posted_vouchers_print_as_one_pdf(client, labour, accountant, make_user, region_tree):
    client.force_login(accountant)
    response = client.get("/ledgers/HT01/vouchers/print.pdf?period=2025-03")
    assert response.status_code == 200
    numbers = [line.split("记字第 ")[1] for line in _pdf_text(response).splitlines() if "记字第" in line]
    assert numbers == ["1 号", "2 号"]  # March's road payment, then the labour voucher
    bad = client.get("/ledgers/HT01/vouchers/print.pdf?period=2025-13")
    assert bad.status_code == 400 and "无法打印" in bad.content.decode()
    empty = client.get("/ledgers/HT01/vouchers/print.pdf?period=2025-09")
    assert empty.status_code == 400 and "没有已记账的凭证" in empty.content.decode()
    client.force_login(make_user("wudu", "accountant", region_tree["510781101000"]))
    assert client.get("/ledgers/HT01/vouchers/print.pdf?period=2025-03").status_code == 404


def test_an_imported_voucher_shows_it_came_reviewed_from_outside(client, books, accountant, tmp_path):
    from villagebooks.ledger.importing import vouchers_import
    from villagebooks.ledger.models import Voucher

    accountant.first_name = "李会计"
    accountant.save()
    path = tmp_path / "旧账2025.csv"
    path.write_text(
        "ledger,voucher,date,summary,account,debit,credit,fund,counterparty\n"
        "HT01,X-1,2025-03-26,旧账转入,101,10,,,\n"
        "HT01,X-1,2025-03-26,旧账转入,102,,10,,\n",
        encoding="utf-8",
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    vouchers_import(actor=accountant, path=path, post=True)
    voucher = Voucher.objects.get(ledger=books, external_key="X-1")
    client.force_login(accountant)

    html = client.get(_url(voucher)).content.decode()
    assert 'data-step="reviewed">外部审核：随文件 旧账2025.csv 导入（导入人 李会计）' in html
    assert f"SHA-256 {digest}" in html
    assert 'data-step="posted">李会计 <span class="muted">' in html

    text = _pdf_text(client.get(f"/ledgers/HT01/vouchers/{voucher.pk}.pdf"))
    assert "记账：李会计 审核：外部（随文件导入） 制单：李会计" in text
    assert f"外部审核：随文件 旧账2025.csv 导入，SHA-256 {digest}" in text.replace("\n", "")


def test_a_closing_voucher_names_no_reviewer_and_says_the_year_close_posted_it(client, books, accountant):
    from villagebooks.ledger.models import Voucher, VoucherKind

    accountant.first_name = "李会计"
    accountant.save()
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=books, year=2025, month=month)
    services.year_close(actor=accountant, ledger=books, year=2025)
    voucher = Voucher.objects.filter(ledger=books, kind=VoucherKind.CLOSING).order_by("number").first()
    assert voucher.reviewed_by is None and voucher.posted_by == accountant
    client.force_login(accountant)

    html = client.get(_url(voucher)).content.decode()
    assert (
        'data-step="reviewed"><span data-reviewed="closing">无（结转凭证：年结时由系统记账，不经审核）'
        in html
    )
    assert 'data-step="posted">李会计 <span class="muted">' in html

    text = _pdf_text(client.get(f"/ledgers/HT01/vouchers/{voucher.pk}.pdf"))
    assert "记账：李会计 审核：无（系统结转） 制单：李会计" in text
    assert "结转凭证：年结时由系统记账，不经审核" in text.replace("\n", "")


def test_a_closing_voucher_recorded_with_a_reviewer_before_shows_none(accountant):
    # Closing vouchers posted before this rule recorded the closer as reviewer; none is shown.
    from villagebooks.ledger.models import Voucher, VoucherKind

    assert Voucher(kind=VoucherKind.CLOSING, reviewed_by=accountant).shown_reviewer is None
    assert Voucher(kind=VoucherKind.NORMAL, reviewed_by=accountant).shown_reviewer == accountant
