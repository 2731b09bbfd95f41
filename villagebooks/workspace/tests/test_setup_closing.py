"""The closing page: the months and their state, the next month's checklist with links, the month
close, and the reopening of a month by the agency manager with a reason."""

import re
from datetime import date

from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, AccountBalance, Period, PeriodStatus
from villagebooks.ledger.tests.books import post
from villagebooks.workspace.tests import setup_support
from villagebooks.workspace.tests.setup_support import queries_of, rows, text

outsider, supervisor = setup_support.outsider, setup_support.supervisor  # fixtures

URL = "/ledgers/HT01/closing/"


def _draft(ledger, user, day, *, submit=False, amount_fen=20_000, note="购买打印纸"):
    lines = [
        LineInput(summary=note, account_code="513", debit_fen=amount_fen),
        LineInput(summary=note, account_code="102", credit_fen=amount_fen),
    ]
    return services.voucher_create(actor=user, ledger=ledger, date=day, lines=lines, submit=submit, note=note)


def _checks(response) -> list[tuple[str, str]]:
    """(check, text) of the checklist items: check is the blocker's kind, or "ok"."""
    html = response.content.decode()
    items = re.findall(r'<li class="check-[a-z]+" data-check="([a-z_]+)">(.*?)</li>', html, flags=re.S)
    return [(kind, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for kind, body in items]


def _status(ledger, month, year=2025):
    return Period.objects.get(ledger=ledger, year=year, month=month).status


def _close(ledger, user, *months, year=2025):
    for month in months:
        services.period_close(actor=user, ledger=ledger, year=year, month=month)


def test_the_checklist_shows_an_unposted_voucher_with_links_and_the_close_waits(client, ledger, accountant):
    voucher = _draft(ledger, accountant, date(2025, 1, 20), amount_fen=123_456)
    client.force_login(accountant)
    response = client.get(URL)
    assert response.status_code == 200
    assert "下一个结账月份：2025-01" in text(response)
    assert _checks(response) == [
        ("ok", "✓ 账套已录入期初余额 ：通过"),
        ("ok", "✓ 之前的月份都已结账 ：通过"),
        ("unposted", "✗ 本月凭证都已记账 期间 2025-01 还有 1 张未记账凭证 草稿 1 张"),
        ("ok", "✓ 试算平衡 ：通过"),
        ("ok", "✓ 库存现金、银行存款月末不为负数 ：通过"),
    ]
    html = response.content.decode()
    assert 'href="/ledgers/HT01/vouchers/?period=2025-01&amp;status=draft"' in html
    assert rows(response, "data-voucher")[str(voucher.pk)] == [
        "2025-01-20",
        "草稿",
        "购买打印纸",
        "1,234.56",
        "查看凭证",
    ]
    assert f'href="/ledgers/HT01/vouchers/{voucher.pk}/"' in html
    assert re.search(r'<button type="submit" class="button button-primary" id="close-button" disabled', html)
    # Every month of the year, with its vouchers counted.
    months = rows(response, "data-period")
    assert list(months) == [f"2025-{m:02d}" for m in range(1, 13)]
    assert months["2025-01"] == ["2025-01", "未结账", "0", "1", "", ""]


def test_once_posted_the_month_closes_from_the_page(client, ledger, accountant, reviewer):
    voucher = _draft(ledger, accountant, date(2025, 1, 20), submit=True)
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    accountant.first_name = "李会计"
    accountant.save()
    client.force_login(accountant)
    page = client.get(URL)
    assert [kind for kind, _text in _checks(page)] == ["ok", "ok", "ok", "ok", "ok", "number_order"]
    assert _checks(page)[-1] == ("number_order", "✓ 已记账凭证的凭证号按日期顺序排列 ：通过")
    assert 'id="close-button">结账 2025-01</button>' in page.content.decode()

    response = client.post(URL + "close/", {"year": "2025", "month": "1"})
    assert response.status_code == 302 and response["Location"] == URL + "?year=2025"
    assert _status(ledger, 1) == PeriodStatus.CLOSED
    page = client.get(response["Location"])
    assert "2025-01 已结账" in text(page)
    assert rows(page, "data-period")["2025-01"][:5] == ["2025-01", "已结账", "1", "0", "李会计"]
    assert "下一个结账月份：2025-02" in text(page)


def test_the_close_is_refused_with_the_first_blocker_even_if_the_button_is_forced(client, ledger, accountant):
    _draft(ledger, accountant, date(2025, 1, 20))
    client.force_login(accountant)
    response = client.post(URL + "close/", {"year": "2025", "month": "1"})
    assert response.status_code == 400
    assert "期间 2025-01 还有 1 张未记账凭证" in text(response)
    response = client.post(URL + "close/", {"year": "2025", "month": "3"})
    assert response.status_code == 400
    assert re.search(r'id="close-error">请先结账之前的期间 2025-01<', response.content.decode())
    response = client.post(URL + "close/", {"year": "2025", "month": "13"})
    assert response.status_code == 400 and "期间无效" in text(response)
    assert not Period.objects.filter(ledger=ledger, status=PeriodStatus.CLOSED).exists()


def test_the_next_month_to_close_is_the_earliest_open_one(client, ledger, accountant):
    # A month closed out of turn (as by a direct database change) leaves an earlier month open.
    Period.objects.filter(ledger=ledger, year=2025, month=1).update(status=PeriodStatus.CLOSED)
    Period.objects.filter(ledger=ledger, year=2025, month=3).update(status=PeriodStatus.CLOSED)
    client.force_login(accountant)
    response = client.get(URL)
    assert "下一个结账月份：2025-02" in text(response)
    assert [kind for kind, _text in _checks(response)] == ["ok", "ok", "ok", "ok", "ok"]


def test_unbalanced_books_block_with_a_link_to_the_trial_balance(client, ledger, accountant):
    bank = Account.objects.get(ledger=ledger, code="102")
    AccountBalance.objects.create(
        ledger=ledger, account=bank, year=2025, month=1, period_key=202501, debit_fen=1
    )
    client.force_login(accountant)
    response = client.get(URL)
    assert _checks(response)[3] == ("trial_unbalanced", "✗ 试算平衡 期间 2025-01 试算不平衡 查看科目余额表")
    assert (
        'href="/ledgers/HT01/reports/trial-balance/?from=2025-01&amp;to=2025-01"' in response.content.decode()
    )


def test_a_ledger_in_set_up_points_to_its_opening_balances(client, new_ledger, accountant):
    client.force_login(accountant)
    response = client.get("/ledgers/TM01/closing/")
    assert _checks(response)[0] == (
        "not_active",
        "✗ 账套已录入期初余额 账套尚未完成期初建账，不能记账 录入期初余额",
    )
    assert 'href="/ledgers/TM01/opening-balances/"' in response.content.decode()


def test_december_is_closed_by_the_year_close(client, ledger, accountant):
    _close(ledger, accountant, *range(1, 12))
    client.force_login(accountant)
    response = client.get(URL)
    assert "下一步：2025 年度年结（结转损益并结账 12 月）" in text(response)
    html = response.content.decode()
    assert 'href="/ledgers/HT01/closing/year/" id="year-close-link"' in html
    assert 'id="close-button"' not in html


def test_supervisors_and_reviewers_see_the_months_but_cannot_close(client, ledger, supervisor, reviewer):
    for user in (supervisor, reviewer):
        client.force_login(user)
        page = client.get(URL)
        assert page.status_code == 200
        assert 'id="close-button"' not in page.content.decode()
        assert "结账由代理会计或代理记账中心负责人操作" in text(page)
        response = client.post(URL + "close/", {"year": "2025", "month": "1"})
        assert response.status_code == 403
        assert "您没有权限对账套“黑滩村股份经济合作联合社”执行此操作" in text(response)
    assert _status(ledger, 1) == PeriodStatus.OPEN


def test_the_accountant_cannot_reopen(client, ledger, accountant):
    _close(ledger, accountant, 1, 2)
    client.force_login(accountant)
    page = client.get(URL)
    assert "反结账 2025-02" in text(page)
    assert 'id="reopen-button"' not in page.content.decode()
    response = client.post(URL + "reopen/", {"year": "2025", "month": "2", "reason": "补录发票"})
    assert response.status_code == 403
    assert _status(ledger, 2) == PeriodStatus.CLOSED
    assert not AuditEntry.objects.filter(action="period_reopen").exists()


def test_the_manager_reopens_the_latest_month_with_a_reason_and_it_is_recorded(
    client, ledger, accountant, manager
):
    _close(ledger, accountant, 1, 2)
    manager.first_name = "王主任"
    manager.save()
    client.force_login(manager)
    page = client.get(URL)
    assert 'id="reopen-button">反结账 2025-02</button>' in page.content.decode()

    response = client.post(URL + "reopen/", {"year": "2025", "month": "2", "reason": "  "})
    assert response.status_code == 400
    assert response.context["reopen_form"].errors == {"reason": ["请填写反结账原因"]}
    assert _status(ledger, 2) == PeriodStatus.CLOSED

    response = client.post(URL + "reopen/", {"year": "2025", "month": "1", "reason": "补录"})
    assert response.status_code == 400
    assert "请先反结账之后的期间 2025-02" in text(response)
    assert _status(ledger, 1) == PeriodStatus.CLOSED

    response = client.post(URL + "reopen/", {"year": "2025", "month": "2", "reason": "补录2月的电费发票"})
    assert response.status_code == 302
    assert _status(ledger, 2) == PeriodStatus.OPEN
    entry = AuditEntry.objects.get(action="period_reopen")
    assert (entry.actor, entry.detail) == (manager, {"period": "2025-02", "reason": "补录2月的电费发票"})
    page = client.get(response["Location"])
    assert "2025-02 已反结账，原因已记录" in text(page)
    history = re.search(
        r'<table class="table" id="reopens">.*?</table>', page.content.decode(), flags=re.S
    ).group()
    assert "王主任" in history and "2025-02" in history and "补录2月的电费发票" in history
    assert "反结账 2025-01" in text(page)  # now January is the latest closed month


def test_a_month_of_a_closed_year_is_not_offered_for_reopening(client, ledger, accountant, manager):
    _close(ledger, accountant, *range(1, 12))
    services.year_close(actor=accountant, ledger=ledger, year=2025)
    client.force_login(manager)
    page = client.get(URL)
    assert 'id="reopen-button"' not in page.content.decode()
    assert "下一个结账月份：2026-01" in text(page)
    response = client.post(URL + "reopen/", {"year": "2025", "month": "12", "reason": "补录"})
    assert response.status_code == 400
    assert "2025 年度已年结，不能再录入" in text(response)
    assert list(rows(client.get(URL + "?year=2025"), "data-period"))[-1] == "2025-12"


def test_another_townships_accountant_gets_404_everywhere(client, ledger, accountant, outsider):
    client.force_login(outsider)
    for path in ("", "?year=2025", "year/"):
        assert client.get(URL + path).status_code == 404
    for path, data in (
        ("close/", {"year": "2025", "month": "1"}),
        ("reopen/", {"year": "2025", "month": "1", "reason": "x"}),
        ("year/", {"plan": "x"}),
    ):
        assert client.post(URL + path, data).status_code == 404
    assert _status(ledger, 1) == PeriodStatus.OPEN


def test_the_closing_page_costs_the_same_queries_whatever_the_number_of_vouchers(
    client, ledger, accountant, reviewer, manager
):
    _draft(ledger, accountant, date(2025, 1, 3))
    client.force_login(manager)
    few = queries_of(client, URL)
    for day in range(4, 20):
        _draft(ledger, accountant, date(2025, 1, day), submit=day % 2 == 0)
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 购买办公用品
          借 513 管理费用   100.00
          贷 102 银行存款   100.00
    """,
    )
    assert queries_of(client, URL) == few


def test_negative_cash_blocks_and_a_fund_below_zero_warns_on_the_checklist(
    client, ledger, accountant, reviewer
):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-01-10 支付会议费
          借 513 管理费用   700.00
          贷 101 库存现金   700.00
        2025-01-25 支付路灯电费
          借 514 公益支出   300.00  fund=村级组织运转经费
          贷 102 银行存款   300.00
        """,
    )
    client.force_login(accountant)
    checks = _checks(client.get(URL))
    assert (
        "cash_negative",
        "✗ 库存现金、银行存款月末不为负数 期间 2025-01 末库存现金或银行存款为负数：101 库存现金 -700.00 元 查看科目余额表",
    ) in checks
    assert checks[-1] == ("number_order", "✓ 已记账凭证的凭证号按日期顺序排列 ：通过")
    assert checks[-2] == (
        "fund_negative",
        "! 警告： 期间 2025-01 末资金 村级组织运转经费 的结余为负数（-300.00 元）：支出超过了收到的资金 查看资金来源汇总表",
    )
    html = client.get(URL).content.decode()
    assert 'href="/ledgers/HT01/reports/fund-summary/"' in html
    assert re.search(r'<button type="submit" class="button button-primary" id="close-button" disabled', html)


NUMBERS_OUT_OF_ORDER = """
    2025-01-20 办公费
      借 513 管理费用       800.00
      贷 102 银行存款       800.00
    2025-01-05 收到村集体收入
      借 102 银行存款      5000.00
      贷 501 经营收入      5000.00
"""


def test_numbers_out_of_date_order_are_advised_with_renumbering_and_do_not_block(
    client, ledger, accountant, reviewer
):
    post(ledger, accountant, reviewer, NUMBERS_OUT_OF_ORDER)  # the 20th is 记-1, the 5th 记-2
    client.force_login(accountant)
    page = client.get(URL)
    checks = _checks(page)
    assert checks[-1] == (
        "number_order",
        "! 警告： 2025-01 有 2 张已记账凭证的凭证号与日期顺序不符（共 2 张），可在结账前整理凭证号（不影响结账） 整理凭证号",
    )
    html = page.content.decode()
    assert '<li class="check-warning" data-check="number_order">' in html
    assert 'href="/ledgers/HT01/vouchers/?period=2025-01#renumber-form"' in html
    assert 'id="close-button">结账 2025-01</button>' in html  # advice only: the close is offered
    # The link leads to the month's list and its button; after it the item reads as done.
    listing = client.get("/ledgers/HT01/vouchers/?period=2025-01")
    assert 'id="renumber-button"' in listing.content.decode()
    client.post("/ledgers/HT01/vouchers/renumber/", {"period": "2025-01", "reason": "月结前整理"})
    checks = _checks(client.get(URL))
    assert checks[-1] == ("number_order", "✓ 已记账凭证的凭证号按日期顺序排列 ：通过")
    assert [kind for kind, _text in checks].count("ok") == 5


def test_the_advice_links_to_renumbering_only_for_who_may_renumber(client, ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, NUMBERS_OUT_OF_ORDER)
    client.force_login(reviewer)
    page = client.get(URL)
    assert _checks(page)[-1][0] == "number_order" and "与日期顺序不符" in _checks(page)[-1][1]
    assert "#renumber-form" not in page.content.decode()
    listing = client.get("/ledgers/HT01/vouchers/?period=2025-01")
    assert 'id="renumber-button"' not in listing.content.decode()
