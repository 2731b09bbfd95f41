"""Vouchers printed as 记账凭证 forms, pinned by the text a reader extracts from each page.

Two forms share an A4 page; a voucher with more lines than one form holds goes on to the next
form (第1/2页 …) with its 合计 on the last. The month's PDF holds the posted vouchers only, in
number order, for the users who may see the ledger.
"""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Voucher
from villagebooks.ledger.tests.books import post
from villagebooks.reports.pdf import render_vouchers_pdf, vouchers_pdf
from villagebooks.reports.pdf.vouchers import (
    PrintedLine,
    PrintedVoucher,
    printable_vouchers,
    render_printed_vouchers,
)
from villagebooks.reports.tests.pdf_reading import (
    font_report,
    keep_for_looking,
    page_lines,
    page_sizes,
    pdfium_fonts,
    render_page,
)

MARCH = """
    2025-03-01 收到县交通局道路补助
      借 102 银行存款       50000.00
      贷 24101 道路补助     50000.00  fund=县交通局道路补助
    2025-03-05 张三交来土地承包费
      借 101 库存现金        1200.00
      贷 112 应收款          1200.00  party=张三
    2025-03-20 收到村级组织运转经费
      借 102 银行存款       12345.67
      贷 503 补助收入       12345.67  fund=村级组织运转经费
"""
APRIL = """
    2025-04-02 支付路灯电费
      借 514 公益支出        1234.56  fund=村级组织运转经费
      贷 102 银行存款        1234.56
"""

# 会计科目 spans the upper half of the two-row header; 摘要 and the amounts fill its height.
HEADER = [["会 计 科 目"], ["摘  要", "借方金额", "贷方金额"], ["总账科目", "明细科目"]]
NAMES = ["记账：王会计", "审核：李审核", "制单：王会计"]


@pytest.fixture
def named(accountant, reviewer):
    # The form shows people's names; the web shows the same (full name, else the login).
    accountant.first_name = "王会计"
    accountant.save()
    reviewer.first_name = "李审核"
    reviewer.save()


@pytest.fixture
def march(ledger, accountant, reviewer, named):
    services.account_add(actor=accountant, ledger=ledger, parent_code="241", code="24101", name="道路补助")
    return post(ledger, accountant, reviewer, MARCH)


def _form(lines: list[list[str]], start: int) -> list[list[str]]:
    """The lines of one form, from its title to its names."""
    end = next(i for i in range(start, len(lines)) if lines[i] == NAMES)
    return lines[start : end + 1]


def test_a_voucher_on_its_form(march):
    data = render_vouchers_pdf([march[0]])
    keep_for_looking("voucher", data)

    assert page_sizes(data) == [(595, 842)]
    assert page_lines(data) == [
        [
            ["记 账 凭 证"],
            ["2025 年 03 月 01 日", "记字第 1 号"],
            ["核算单位：黑滩村股份经济合作联合社", "附件 0 张"],
            *HEADER,
            ["收到县交通局道路补助", "102 银行存款", "50,000.00"],
            ["24101 道路补助"],
            ["收到县交通局道路补助", "241 专项应付款", "50,000.00"],
            ["资金：县交通局道路补助"],
            ["合  计", "人民币（大写）：伍万元整", "¥50,000.00", "¥50,000.00"],
            NAMES,
        ]
    ]
    assert {(f["program"], f["descendant"]) for f in font_report(data)} == {("/FontFile2", "/CIDFontType2")}
    assert pdfium_fonts(data) == {("MPDFAA+NotoSansCJKSCGBK", True)}


def test_counterparty_and_amount_in_words(march):
    lines = page_lines(render_vouchers_pdf(march[1:]))[0]

    assert _form(lines, 0) == [
        ["记 账 凭 证"],
        ["2025 年 03 月 05 日", "记字第 2 号"],
        ["核算单位：黑滩村股份经济合作联合社", "附件 0 张"],
        *HEADER,
        ["张三交来土地承包费", "101 库存现金", "1,200.00"],
        ["张三交来土地承包费", "112 应收款", "往来：张三", "1,200.00"],
        ["合  计", "人民币（大写）：壹仟贰佰元整", "¥1,200.00", "¥1,200.00"],
        NAMES,
    ]
    second = _form(lines, len(_form(lines, 0)))
    assert second[1] == ["2025 年 03 月 20 日", "记字第 3 号"]
    assert second[-2] == [
        "合  计",
        "人民币（大写）：壹万贰仟叁佰肆拾伍元陆角柒分",
        "¥12,345.67",
        "¥12,345.67",
    ]


def test_a_month_prints_its_posted_vouchers_in_number_order(ledger, march, accountant, reviewer):
    post(ledger, accountant, reviewer, APRIL)
    draft_lines = [
        LineInput(summary="未审核的草稿", account_code="101", debit_fen=100),
        LineInput(summary="未审核的草稿", account_code="301", credit_fen=100),
    ]
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 9), lines=draft_lines)

    data = vouchers_pdf(actor=reviewer, ledger_code="HT01", year=2025, month=3)
    keep_for_looking("vouchers-2025-03", data)
    from villagebooks.common.models import AuditEntry

    printed = AuditEntry.objects.filter(action="report_view").get()
    assert (printed.actor, printed.ledger_id) == (reviewer, ledger.pk)
    assert printed.detail == {
        "report": "vouchers",
        "format": "pdf",
        "via": "page",
        "from": "2025-03",
        "to": "2025-03",
    }

    pages = page_lines(data)
    assert len(pages) == 2  # three forms, two to a page
    numbers = [line[-1] for page in pages for line in page if line[-1].startswith("记字第")]
    assert numbers == ["记字第 1 号", "记字第 2 号", "记字第 3 号"]
    text = str(pages)
    assert "未审核的草稿" not in text and "支付路灯电费" not in text


def test_a_long_voucher_goes_on_to_the_next_form(ledger, accountant, reviewer, named):
    for number in range(1, 10):
        services.counterparty_create(actor=accountant, ledger=ledger, name=f"农户{number}", kind="household")
    lines = [
        LineInput(
            summary="发放耕地地力保护补贴",
            account_code="211",
            credit_fen=10_000,
            counterparty_name=f"农户{n}",
        )
        for n in range(1, 10)
    ]
    lines.insert(0, LineInput(summary="发放耕地地力保护补贴", account_code="102", debit_fen=90_000))
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 8), lines=lines)
    services.voucher_submit(actor=accountant, voucher=voucher)
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)

    data = vouchers_pdf(actor=accountant, ledger_code="HT01", year=2025, month=3)
    keep_for_looking("voucher-long", data)

    [page] = page_lines(data)
    first = _form(page, 0)
    second = _form(page, len(first))
    assert first[1] == ["2025 年 03 月 08 日", "记字第 1 号  第1/2页"]
    assert first[6:] == [
        ["发放耕地地力保护补贴", "102 银行存款", "900.00"],
        *[["发放耕地地力保护补贴", "211 应付款", f"往来：农户{n}", "100.00"] for n in range(1, 7)],
        ["（转下页）"],
        NAMES,
    ]
    assert second[1] == ["2025 年 03 月 08 日", "记字第 1 号  第2/2页"]
    assert second[6:] == [
        *[["发放耕地地力保护补贴", "211 应付款", f"往来：农户{n}", "100.00"] for n in range(7, 10)],
        ["合  计", "人民币（大写）：玖佰元整", "¥900.00", "¥900.00"],
        NAMES,
    ]


def test_a_reversal_prints_red_with_its_note(ledger, march, accountant, reviewer):
    red = services.voucher_reverse(
        actor=accountant, voucher=march[1], reason="金额有误", date=date(2025, 3, 31)
    )
    services.voucher_review(actor=reviewer, voucher=red)
    services.voucher_post(actor=accountant, voucher=red)

    data = render_vouchers_pdf([red])
    keep_for_looking("voucher-reversal", data)

    [page] = page_lines(data)
    assert page[1] == ["2025 年 03 月 31 日", "记字第 4 号"]
    assert page[6:] == [
        ["张三交来土地承包费", "101 库存现金", "-1,200.00"],
        ["张三交来土地承包费", "112 应收款", "往来：张三", "-1,200.00"],
        ["合  计", "人民币（大写）：负壹仟贰佰元整", "-¥1,200.00", "-¥1,200.00"],
        NAMES,
        ["说明：注销2025年03月05日记字第2号凭证：金额有误"],
    ]
    image = render_page(data, scale=1)
    pixels = image.tobytes()
    assert (
        sum(1 for i in range(0, len(pixels), 3) if pixels[i] > 150 and pixels[i + 1] < 60 > pixels[i + 2])
        > 200
    )


def test_an_unposted_voucher_says_so(ledger, accountant, named):
    lines = [
        LineInput(summary="购买办公用品", account_code="514", debit_fen=5_000),
        LineInput(summary="购买办公用品", account_code="101", credit_fen=5_000),
    ]
    draft = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 9), lines=lines)

    [page] = page_lines(render_vouchers_pdf([draft]))

    assert page[:3] == [["草稿，未记账"], ["记 账 凭 证"], ["2025 年 03 月 09 日", "记字第    号"]]
    assert page[-1] == ["记账：", "审核：", "制单：王会计"]


def test_the_form_reads_the_books_in_a_fixed_number_of_queries(march, django_assert_num_queries):
    # Vouchers with their ledger and people; lines with funds and counterparties; the numbers
    # they had before 整理凭证号; the accounts.
    with django_assert_num_queries(4):
        assert [v.number for v in printable_vouchers(march)] == [1, 2, 3]
    with django_assert_num_queries(4):
        assert len(printable_vouchers(march[:1])) == 1


def test_huge_amounts_shrink_to_fit_their_column():
    line = PrintedLine("收到土地征收补偿款", "102 银行存款", "", 999_999_999_999_999, 0)
    other = PrintedLine("收到土地征收补偿款", "241 专项应付款", "", 0, 999_999_999_999_999)
    voucher = PrintedVoucher(
        unit="黑滩村股份经济合作联合社",
        date=date(2025, 12, 31),
        number=99,
        attachments=12,
        lines=(line, other),
        prepared_by="王会计",
        reviewed_by="李审核",
        posted_by="王会计",
    )

    [page] = page_lines(render_printed_vouchers([voucher]))

    # Smaller type sits a little higher: each amount has its own baseline; the words take two lines.
    assert page[2:] == [
        ["核算单位：黑滩村股份经济合作联合社", "附件 12 张"],
        *HEADER,
        ["9,999,999,999,999.99"],
        ["收到土地征收补偿款", "102 银行存款"],
        ["9,999,999,999,999.99"],
        ["收到土地征收补偿款", "241 专项应付款"],
        ["人民币（大写）：玖万亿玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖"],
        ["¥9,999,999,999,999.99", "¥9,999,999,999,999.99"],
        ["合  计"],
        ["佰玖拾玖元玖角玖分"],
        NAMES,
    ]


def test_text_is_printed_as_typed_without_control_characters():
    line = PrintedLine("付{nb}号\t发票款", "102 银行存款", "", 0, 100)
    other = PrintedLine("付{nb}号\t发票款", "514 公益支出", "", 100, 0)
    voucher = PrintedVoucher(
        unit="黑滩村\r股份经济合作联合社",
        date=date(2025, 3, 1),
        number=1,
        attachments=0,
        lines=(other, line),
        prepared_by="王会计",
        reviewed_by="",
        posted_by="",
    )

    [page] = page_lines(render_printed_vouchers([voucher]))

    # fpdf2 would put the page count in place of {nb}; a tab or carriage return becomes a space.
    assert page[2] == ["核算单位：黑滩村 股份经济合作联合社", "附件 0 张"]
    assert page[6:8] == [
        ["付{nb}号 发票款", "514 公益支出", "1.00"],
        ["付{nb}号 发票款", "102 银行存款", "1.00"],
    ]


def test_only_users_who_may_see_the_ledger_get_its_vouchers(march, make_user, region_tree):
    outsider = make_user("outsider", "accountant", region_tree["510781101000"])  # 武都镇, not 新安镇

    for user, code in ((outsider, "HT01"), (outsider, "NOPE"), (None, "HT01")):
        with pytest.raises(NotPermitted) as error:
            vouchers_pdf(actor=user, ledger_code=code, year=2025, month=3)
        assert str(error.value) == f"账套 {code} 不存在或您无权查看"


def test_bad_or_empty_months_are_refused(march, accountant):
    with pytest.raises(DomainError) as error:
        vouchers_pdf(actor=accountant, ledger_code="HT01", year=2025, month=13)
    assert (
        error.value.problems[0].field == "period"
        and error.value.problems[0].message == "期间格式应为 YYYY-MM"
    )
    with pytest.raises(DomainError) as error:
        vouchers_pdf(actor=accountant, ledger_code="HT01", year=2025, month=5)
    assert str(error.value) == "period: 2025-05 没有已记账的凭证"


def test_print_vouchers_command(march, tmp_path):
    target = tmp_path / "2025-03.pdf"
    out = io.StringIO()
    call_command(
        "print_vouchers",
        "--ledger",
        "HT01",
        "--period",
        "2025-03",
        "--output",
        str(target),
        "--user",
        "reviewer",
        stdout=out,
    )
    data = target.read_bytes()
    assert out.getvalue() == f"已写入 {target}：HT01 2025-03 的记账凭证，{len(data)} 字节\n"
    assert [line for page in page_lines(data) for line in page if line[0] == "记 账 凭 证"] == [
        ["记 账 凭 证"]
    ] * 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2025-3x"], "period: 期间格式应为 YYYY-MM"),
        (["--period", "2025-05"], "period: 2025-05 没有已记账的凭证"),
        (["--period", "2025-03", "--user", "nobody"], "用户 nobody 不存在"),
        (["--period", "2025-03", "--ledger", "ZZ99"], "账套 ZZ99 不存在或您无权查看"),
    ],
)
def test_print_vouchers_command_errors(march, tmp_path, args, message):
    target = tmp_path / "out.pdf"
    options = {"--ledger": "HT01", "--output": str(target)}
    argv = []
    for name, value in options.items():
        if name not in args:
            argv += [name, value]
    with pytest.raises(CommandError) as error:
        call_command("print_vouchers", *argv, *args)
    assert str(error.value) == message
    assert not target.exists()


def test_no_voucher_is_changed_by_printing(march, accountant):
    before = list(Voucher.objects.values_list("pk", "status", "number", "updated_at"))
    vouchers_pdf(actor=accountant, ledger_code="HT01", year=2025, month=3)
    assert list(Voucher.objects.values_list("pk", "status", "number", "updated_at")) == before


def test_a_renumbered_voucher_says_its_original_numbers_above_its_number():
    """整理凭证号 (twice): the form says 原记-n and the day of each, as the voucher's page does."""
    voucher = PrintedVoucher(
        unit="黑滩村股份经济合作联合社",
        date=date(2025, 3, 5),
        number=1,
        attachments=0,
        lines=(
            PrintedLine("收到道路补助", "102 银行存款", "", 100, 0),
            PrintedLine("收到道路补助", "241 专项应付款", "", 0, 100),
        ),
        prepared_by="王会计",
        reviewed_by="李审核",
        posted_by="王会计",
        renumbered=((3, date(2025, 3, 28)), (2, date(2025, 3, 31))),
    )
    page = page_lines(render_printed_vouchers([voucher]))[0]
    assert page[:3] == [
        ["（原记-3，2025-03-28 整理凭证号）（原记-2，2025-03-31 整理凭证号）"],
        ["记 账 凭 证"],
        ["2025 年 03 月 05 日", "记字第 1 号"],
    ]
