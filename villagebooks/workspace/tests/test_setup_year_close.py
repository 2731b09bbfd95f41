"""The year close page: its conditions, the distributable profit, the closing vouchers shown for
the appropriations entered, and the confirmation that posts exactly those."""

import re

import pytest

from villagebooks.ledger import services
from villagebooks.ledger.models import Ledger, Period, PeriodStatus, Voucher, VoucherKind, VoucherStatus
from villagebooks.ledger.tests.books import balance, post
from villagebooks.workspace.tests import setup_support
from villagebooks.workspace.tests.setup_support import queries_of, text

outsider, supervisor = setup_support.outsider, setup_support.supervisor  # fixtures

URL = "/ledgers/HT01/closing/year/"
RESERVE = "appropriation_0"  # 提取公积公益金, the first appropriation of the 2023 chart
MEMBERS = "appropriation_1"  # 向成员分配


@pytest.fixture
def year_of_books(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-10 收到鱼塘租金
          借 102 银行存款   10000.00
          贷 501 经营收入   10000.00
        2025-04-10 购买办公用品
          借 513 管理费用    1234.56
          贷 102 银行存款    1234.56
    """,
    )
    return ledger


@pytest.fixture
def ready(year_of_books, accountant):
    for month in range(1, 12):
        services.period_close(actor=accountant, ledger=year_of_books, year=2025, month=month)
    return year_of_books


def _plan(response) -> list[tuple[str, list[list[str]]]]:
    """(caption, rows) of each closing voucher shown."""
    html = response.content.decode()
    tables = re.findall(
        r'<table class="table report-table" data-voucher="\d+">(.*?)</table>', html, flags=re.S
    )
    plan = []
    for table in tables:
        caption_html = re.search(r"<caption>(.*?)</caption>", table, re.S).group(1)
        caption_html = re.sub(r'<span class="muted" data-stage=.*?</span>', "", caption_html, flags=re.S)
        caption = " ".join(re.sub(r"<[^>]+>", " ", caption_html).split())
        body = re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]
        plan.append(
            (
                caption,
                [
                    [
                        " ".join(re.sub(r"<[^>]+>", " ", c).split())
                        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
                    ]
                    for row in body
                ],
            )
        )
    return plan


def _figures(response) -> dict[str, str]:
    return dict(re.findall(r'<dd data-figure="([a-z]+)"[^>]*>([^<]*)</dd>', response.content.decode()))


def test_the_closing_vouchers_are_shown_with_their_lines_and_amounts(client, ready, accountant):
    client.force_login(accountant)
    response = client.get(URL)
    assert response.status_code == 200
    assert _plan(response) == [
        (
            "1. 结转本年收益",
            [
                ["结转本年收益", "501 经营收入", "", "", "10,000.00", ""],
                ["结转本年收益", "321 本年收益", "", "", "", "10,000.00"],
                ["结转本年收益", "513 管理费用", "", "", "", "1,234.56"],
                ["结转本年收益", "321 本年收益", "", "", "1,234.56", ""],
                ["", "合计", "11,234.56", "11,234.56"],
            ],
        ),
        (
            "2. 结转本年收益至未分配收益",
            [
                ["结转本年收益至未分配收益", "321 本年收益", "", "", "8,765.44", ""],
                ["结转本年收益至未分配收益", "32201 未分配收益", "", "", "", "8,765.44"],
                ["", "合计", "8,765.44", "8,765.44"],
            ],
        ),
    ]
    assert _figures(response) == {
        "opening": "0.00",
        "profit": "8,765.44",
        "distributable": "8,765.44",
        "planned": "0.00",
        "remaining": "8,765.44",
    }
    assert [kind for kind in re.findall(r'data-check="([a-z_]+)"', response.content.decode())] == ["ok"] * 5
    assert "确认年结：过账以上 2 张凭证并结账 2025-12" in text(response)


def test_appropriations_are_reviewed_by_another_before_the_year_closes(client, ready, accountant, reviewer):
    client.force_login(accountant)
    preview = client.get(URL, {RESERVE: "1,000.00", MEMBERS: ""})
    assert [caption for caption, _rows in _plan(preview)] == [
        "1. 结转本年收益",
        "2. 结转本年收益至未分配收益",
        "3. 2025年度收益分配：提取公积公益金",
        "4. 结转各项分配至未分配收益",
    ]
    # What the year close does with each: posts it now, submits it for review, posts it later.
    assert re.findall(r'data-stage="(\w+)"', preview.content.decode()) == ["now", "now", "review", "later"]
    assert _plan(preview)[2][1][:2] == [
        ["2025年度收益分配：提取公积公益金", "3220201 提取公积公益金", "", "", "1,000.00", ""],
        ["2025年度收益分配：提取公积公益金", "311 公积公益金", "", "", "", "1,000.00"],
    ]
    assert _figures(preview)["planned"] == "1,000.00" and _figures(preview)["remaining"] == "7,765.44"
    assert "确认：过账结转凭证，收益分配凭证提交审核" in text(preview)
    fingerprint = preview.context["fingerprint"]
    assert f'name="plan" value="{fingerprint}"' in preview.content.decode()
    assert f'<input type="hidden" name="{RESERVE}" value="1,000.00">' in preview.content.decode()

    # First: the closing vouchers posted, the distribution submitted for review; the year stays open.
    response = client.post(URL, {RESERVE: "1,000.00", MEMBERS: "", "plan": fingerprint})
    assert response.status_code == 302 and response["Location"] == URL
    ledger = Ledger.objects.get(pk=ready.pk)
    assert ledger.carried_year == 2025
    assert Period.objects.get(ledger=ledger, year=2025, month=12).status == PeriodStatus.OPEN
    distribution = Voucher.objects.get(ledger=ledger, kind=VoucherKind.DISTRIBUTION)
    assert (distribution.status, distribution.prepared_by, distribution.reviewed_by) == (
        VoucherStatus.SUBMITTED,
        accountant,
        None,
    )
    page = client.get(URL)
    assert "已过账结转凭证 2 张（记-1、记-2）；收益分配凭证 1 张已提交审核" in text(page)
    assert f'data-voucher="{distribution.pk}"' in page.content.decode()
    assert page.context["blocked"]  # December has a voucher not posted: the distribution
    # Appropriating again is refused: the distribution is made already.
    again = client.get(URL, {RESERVE: "1,000.00", MEMBERS: ""})
    refused = client.post(URL, {RESERVE: "1,000.00", MEMBERS: "", "plan": again.context["fingerprint"]})
    assert refused.status_code == 400 and "收益分配凭证已经生成" in text(refused)
    # The closer cannot review what they prepared.
    with pytest.raises(services.NotPermitted):
        services.voucher_review(actor=accountant, voucher=distribution)

    services.voucher_review(actor=reviewer, voucher=distribution)
    services.voucher_post(actor=accountant, voucher=distribution)
    last = client.get(URL)
    assert [caption for caption, _rows in _plan(last)] == ["1. 结转各项分配至未分配收益"]
    response = client.post(URL, {RESERVE: "", MEMBERS: "", "plan": last.context["fingerprint"]})
    assert response.status_code == 302 and response["Location"] == "/ledgers/HT01/closing/?year=2025"
    ledger = Ledger.objects.get(pk=ready.pk)
    assert ledger.carried_year == 2026
    assert Period.objects.get(ledger=ledger, year=2025, month=12).status == PeriodStatus.CLOSED
    closing = Voucher.objects.filter(ledger=ledger, period__month=12).order_by("number")
    assert [(v.number, v.note, v.kind, v.status, v.reviewed_by) for v in closing] == [
        (1, "结转本年收益", VoucherKind.CLOSING, VoucherStatus.POSTED, None),
        (2, "结转本年收益至未分配收益", VoucherKind.CLOSING, VoucherStatus.POSTED, None),
        (3, "2025年度收益分配：提取公积公益金", VoucherKind.DISTRIBUTION, VoucherStatus.POSTED, reviewer),
        (4, "结转各项分配至未分配收益", VoucherKind.CLOSING, VoucherStatus.POSTED, None),
    ]
    assert balance(ledger, "311") == -100_000 and balance(ledger, "32201") == -776_544
    page = client.get(response["Location"])
    assert "2025 年度已年结：过账结转凭证 1 张（记-4），余额已结转至 2026 年" in text(page)


def test_a_confirmation_of_vouchers_that_changed_since_is_refused(client, ready, accountant, reviewer):
    client.force_login(accountant)
    fingerprint = client.get(URL).context["fingerprint"]
    post(
        ready,
        accountant,
        reviewer,
        """
        2025-12-05 收到鱼塘租金
          借 102 银行存款   500.00
          贷 501 经营收入   500.00
    """,
    )
    response = client.post(URL, {RESERVE: "", MEMBERS: "", "plan": fingerprint})
    assert response.status_code == 400
    assert "结转凭证在您核对之后发生了变化，请重新核对后再确认年结" in text(response)
    assert _plan(response)[0][1][0] == ["结转本年收益", "501 经营收入", "", "", "10,500.00", ""]
    assert Ledger.objects.get(pk=ready.pk).carried_year == 2025
    assert not Voucher.objects.filter(ledger=ready, kind=VoucherKind.CLOSING).exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "金额不能为负数"), ("1.234", "金额最多两位小数"), ("五百", "不是有效的金额")],
)
def test_bad_appropriations_are_refused_at_their_field(client, ready, accountant, amount, message):
    client.force_login(accountant)
    response = client.get(URL, {RESERVE: amount})
    assert response.status_code == 400
    assert response.context["form"].errors == {RESERVE: [message]}
    assert response.context["plan"] is None
    response = client.post(URL, {RESERVE: amount, MEMBERS: "", "plan": "x"})
    assert response.status_code == 400
    assert Ledger.objects.get(pk=ready.pk).carried_year == 2025


def test_distributing_more_than_the_profit_is_flagged(client, ready, accountant):
    client.force_login(accountant)
    response = client.get(URL, {RESERVE: "5000", MEMBERS: "5000"})
    assert _figures(response)["remaining"] == "-1,234.56"
    assert "本次分配超过了可分配收益" in text(response)
    assert _plan(response)[3][1][1] == [
        "2025年度收益分配：向成员分配",
        "211 应付款",
        "",
        "全体成员",
        "",
        "5,000.00",
    ]


def test_open_months_block_the_year_close_with_a_link_to_the_first(client, year_of_books, accountant):
    client.force_login(accountant)
    response = client.get(URL)
    html = response.content.decode()
    assert re.findall(r'data-check="([a-z_]+)"', html) == ["ok", "earlier_open", "ok", "ok", "ok"]
    assert 'href="/ledgers/HT01/closing/?year=2025#month-202501">先结账 2025-01</a>' in html
    assert re.search(r'id="year-close-button" disabled', html)
    response = client.post(URL, {RESERVE: "", MEMBERS: "", "plan": response.context["fingerprint"]})
    assert response.status_code == 400
    assert "请先结账之前的期间 2025-01" in text(response)
    assert Ledger.objects.get(pk=year_of_books.pk).carried_year == 2025


def test_supervisors_see_the_vouchers_but_cannot_close_the_year(client, ready, supervisor):
    client.force_login(supervisor)
    page = client.get(URL)
    assert page.status_code == 200 and len(_plan(page)) == 2
    assert 'id="year-close-form"' not in page.content.decode()
    response = client.post(URL, {RESERVE: "", MEMBERS: "", "plan": page.context["fingerprint"]})
    assert response.status_code == 403
    assert Ledger.objects.get(pk=ready.pk).carried_year == 2025


def test_the_year_close_page_costs_a_fixed_number_of_queries(client, ready, accountant, reviewer):
    client.force_login(accountant)
    few = queries_of(client, URL)
    post(
        ready,
        accountant,
        reviewer,
        """
        2025-12-05 收到鱼塘租金
          借 102 银行存款   500.00
          贷 501 经营收入   500.00
        2025-12-06 支付电费
          借 513 管理费用   50.00
          贷 101 库存现金   50.00
    """,
    )
    assert queries_of(client, URL) == few
