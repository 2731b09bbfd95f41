"""Region roll-ups (issue 16, "Instant roll-ups"): every writer of balance rows keeps the regions'
``RegionBalance`` rows equal to the balance rows they add up, ``verify`` proves it (and names the
region, account and month that differs), and a region's consolidated trial balance, balance sheet
and income statement read them when the user sees the whole region, with the same figures as its
ledgers' own rows give.

The books: 黑滩村 (HT01) and 土门村 (TM01) in 新安镇, and 青林村 (QL04, 2004 chart) in 武都镇, all
in 江油市.
"""

from __future__ import annotations

import io
from contextlib import suppress
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villagebooks.common.errors import DomainError
from villagebooks.ledger import importing, rollups, services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import AccountBalance, RegionBalance, RegionSideBalance
from villagebooks.ledger.tests.books import post
from villagebooks.ledger.tests.invariants.support import close_year, reverse
from villagebooks.reports import dashboard
from villagebooks.reports.scope import scope_for_region
from villagebooks.reports.statements import build_balance_sheet, build_income_statement
from villagebooks.reports.trial_balance import build_trial_balance

COUNTY, XINAN, WUDU = "510781000000", "510781100000", "510781101000"
HEITAN, TUMEN, QINGLIN = "510781100201", "510781100202", "510781101201"

DB_SETTINGS = settings(
    deadline=None,
    max_examples=12,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VOUCHERS = """
    2025-02-03 收到土地承包费
      借 102 银行存款          12000.00
      贷 501 经营收入          12000.00
    2025-03-05 道路硬化工程款
      借 241 专项应付款         5000.00  fund=县交通局道路补助
      贷 102 银行存款           5000.00
    2025-04-09 支付办公用品
      借 502 经营支出            300.00
      贷 102 银行存款            300.00
"""


def _opened(ledger, accountant, *, debit_fen=3_000_000):
    services.fund_create(actor=accountant, ledger=ledger, name="县交通局道路补助", kind="earmarked_transfer")
    services.counterparty_create(actor=accountant, ledger=ledger, name="张三", kind="household")
    services.counterparty_create(actor=accountant, ledger=ledger, name="李四", kind="household")
    services.opening_balances_set(
        actor=accountant,
        ledger=ledger,
        rows=[
            services.OpeningInput(account_code="101", debit_fen=debit_fen),
            services.OpeningInput(account_code="102", debit_fen=debit_fen),
            services.OpeningInput(account_code="301", credit_fen=2 * debit_fen),
        ],
    )
    ledger.refresh_from_db()
    return ledger


@pytest.fixture
def tumen(new_ledger, accountant):
    """土门村's ledger (TM01), opened with 库存现金 and 银行存款 30,000 each."""
    return _opened(new_ledger, accountant)


@pytest.fixture
def county_user(make_user, region_tree):
    return make_user("county-office", "county", region_tree[COUNTY])


def _assert_rollups_true():
    """The stored roll-ups are the balance rows added up, and verify says so."""
    found, compared = rollups.discrepancies()
    assert found == []
    assert compared > 0
    assert rollups.stored_rollups() == rollups.expected_rollups()
    assert rollups.stored_side_rollups() == rollups.expected_side_rollups()


def _reports(scope):
    """The three consolidated reports and the dashboard's money figures, as plain values."""
    trial = build_trial_balance(scope, include_zero=True)
    sheet = build_balance_sheet(scope)
    income = build_income_statement(scope)
    year = scope.to_key // 100
    return (
        [(r.code, r.name, r.level, r.amounts()) for r in trial.rows],
        trial.total.amounts(),
        [(r.line_no, r.label, r.amounts) for r in sheet.rows],
        sheet.differences,
        [(r.line_no, r.label, r.amounts) for r in income.rows],
        dashboard._monthly(scope, year),
        dashboard._last_booked_month(scope, year),
    )


def _same_through_rollups(scope):
    """The reports of ``scope`` read from the roll-ups equal those read from the ledgers' rows;
    returns them."""
    assert scope.rollup_region is not None
    with CaptureQueriesContext(connection) as queries:
        through_rollups = _reports(scope)
    assert any("ledger_regionbalance" in q["sql"] for q in queries.captured_queries)
    assert through_rollups == _reports(scope.without_rollups())
    return through_rollups


def test_posting_reversal_import_and_year_close_keep_the_rollups_equal_to_the_balance_rows(
    ledger, tumen, accountant, reviewer, county_user, tmp_path
):
    posted = post(ledger, accountant, reviewer, VOUCHERS)
    post(tumen, accountant, reviewer, VOUCHERS)
    _assert_rollups_true()
    reverse(ledger, accountant, reviewer, posted[0], date(2025, 2, 20))
    _assert_rollups_true()
    path = tmp_path / "vouchers.csv"
    path.write_text(
        "ledger,voucher,date,summary,account,debit,credit,fund,counterparty\n"
        "HT01,1,2025-05-06,收到租金,102,800.00,,,\n"
        "HT01,1,2025-05-06,收到租金,501,,800.00,,\n"
        "TM01,1,2025-05-07,收到租金,102,450.00,,,\n"
        "TM01,1,2025-05-07,收到租金,501,,450.00,,\n",
        encoding="utf-8",
    )
    importing.vouchers_import(actor=accountant, path=path, post=True)
    _assert_rollups_true()
    # 新安镇 and everything above it add both villages: 银行存款 moved 12,000 + 800 − 5,000 − 300
    # − 12,000 (the reversal) in HT01 and 12,000 + 450 − 5,000 − 300 in TM01.
    township = RegionBalance.objects.filter(region__code=XINAN, account_code="102", month__gte=1)
    assert (
        sum(r.debit_fen - r.credit_fen for r in township)
        == (800 - 5_000 - 300) * 100 + (12_000 + 450 - 5_000 - 300) * 100
    )
    assert not RegionBalance.objects.filter(region__code=HEITAN).exists()  # villages: their own rows
    close_year(ledger, accountant, 2025)
    close_year(tumen, accountant, 2025)
    _assert_rollups_true()
    assert RegionBalance.objects.filter(region__code=COUNTY, period_key=202600).exists()
    scope = scope_for_region(user=county_user, region_code=COUNTY, from_key=202501, to_key=202512)
    _same_through_rollups(scope)
    scope = scope_for_region(user=county_user, region_code=COUNTY, from_key=202601, to_key=202601)
    _same_through_rollups(scope)


def test_opening_balances_set_again_replace_their_rollups(new_ledger, accountant):
    _opened(new_ledger, accountant, debit_fen=1_000_000)
    services.opening_balances_set(
        actor=accountant,
        ledger=new_ledger,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=700_000),
            services.OpeningInput(account_code="301", credit_fen=700_000),
        ],
    )
    _assert_rollups_true()
    opening = {
        (r.account_code, r.debit_fen, r.credit_fen)
        for r in RegionBalance.objects.filter(region__code=XINAN, month=0)
        if r.debit_fen or r.credit_fen
    }
    assert opening == {("102", 700_000, 0), ("301", 0, 700_000)}


def test_verify_names_the_region_account_and_month_whose_rollup_differs(ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, VOUCHERS)
    out = io.StringIO()
    call_command("verify", stdout=out)
    assert "区域汇总余额" in out.getvalue() and "与各账套余额相符" in out.getvalue()
    RegionBalance.objects.filter(region__code=XINAN, account_code="501", period_key=202502).update(
        credit_fen=F("credit_fen") + 1
    )
    with pytest.raises(CommandError) as error:
        call_command("verify")
    message = str(error.value)
    assert "发现 1 处不符" in message
    assert (
        "区域 新安镇(510781100000) 2023制度 科目 501 期间 2025-02：区域汇总余额与各账套余额合计不符（借方/贷方）："
        "应为 0.00/12,000.00，实为 0.00/12,000.01" in message
    )
    # A lost row is named too (a row missing on one side counts as zero).
    RegionBalance.objects.filter(region__code=COUNTY, account_code="241").delete()
    with pytest.raises(CommandError, match=r"区域 江油市\(510781000000\) 2023制度 科目 241 期间 2025-03"):
        call_command("verify")
    # The migration's rebuild writes them again from the balance rows.
    rollups.rebuild()
    _assert_rollups_true()


def test_a_user_who_sees_part_of_the_region_reads_the_ledgers_rows(
    ledger, tumen, accountant, reviewer, make_user, region_tree
):
    post(ledger, accountant, reviewer, VOUCHERS)
    post(tumen, accountant, reviewer, VOUCHERS[: VOUCHERS.index("2025-03-05")])
    # A county user sees both; a reviewer of 黑滩村's ledger alone sees one of the township's two.
    one = make_user("heitan-only", "reviewer", region_tree[HEITAN], ledger_id=ledger.pk)
    scope = scope_for_region(user=one, region_code=XINAN, from_key=202501, to_key=202512)
    assert scope.rollup_region is None and scope.ledger_ids == (ledger.pk,)
    with CaptureQueriesContext(connection) as queries:
        trial = build_trial_balance(scope)
    assert not any("ledger_regionbalance" in q["sql"] for q in queries.captured_queries)
    bank = next(r for r in trial.rows if r.code == "102")
    assert (bank.debit_fen, bank.credit_fen) == (1_200_000, 530_000)  # 黑滩村's alone
    # A village's own region has no roll-up: its ledgers' rows.
    county = make_user("county-office", "county", region_tree[COUNTY])
    assert (
        scope_for_region(user=county, region_code=HEITAN, from_key=202501, to_key=202512).rollup_region
        is None
    )


def test_ledgers_whose_years_are_carried_differently_read_their_own_rows(
    ledger, tumen, accountant, reviewer, county_user
):
    post(ledger, accountant, reviewer, VOUCHERS)
    post(tumen, accountant, reviewer, VOUCHERS)
    close_year(ledger, accountant, 2025)  # 黑滩村 carried into 2026, 土门村 not yet
    scope = scope_for_region(user=county_user, region_code=XINAN, from_key=202601, to_key=202601)
    with CaptureQueriesContext(connection) as queries:
        build_trial_balance(scope)
    assert not any("ledger_regionbalance" in q["sql"] for q in queries.captured_queries)
    # For 2025 both open the year at their 2025 opening: the roll-ups serve.
    _same_through_rollups(
        scope_for_region(user=county_user, region_code=XINAN, from_key=202501, to_key=202512)
    )


def test_a_2004_ledger_is_added_through_its_own_rollups(
    ledger, accountant, reviewer, county_user, make_user, region_tree
):
    post(ledger, accountant, reviewer, VOUCHERS)
    # 青林村 is in 武都镇: its books are kept by the county's own accountant and reviewer.
    accountant = make_user("wudu-accountant", "accountant", region_tree[WUDU])
    reviewer = make_user("wudu-reviewer", "reviewer", region_tree[WUDU])
    old = services.ledger_create(
        actor=accountant,
        village_code=QINGLIN,
        code="QL04",
        name="青林村",
        chart="2004",
        start_year=2025,
        start_month=1,
    )
    services.counterparty_create(actor=accountant, ledger=old, name="张三", kind="household")
    services.opening_balances_set(
        actor=accountant,
        ledger=old,
        rows=[
            services.OpeningInput(account_code="102", debit_fen=5_000_000),
            services.OpeningInput(account_code="301", credit_fen=5_000_000),
        ],
    )
    post(
        old,
        accountant,
        reviewer,
        """
        2025-03-01 收到土地发包款
          借 102 银行存款          8000.00
          贷 511 发包及上交收入    8000.00
        2025-04-01 收到应付款
          借 102 银行存款          1000.00
          贷 202 应付款            1000.00  party=张三
        """,
    )
    _assert_rollups_true()
    assert RegionBalance.objects.filter(region__code=COUNTY, chart="2004").exists()
    scope = scope_for_region(user=county_user, region_code=COUNTY, from_key=202501, to_key=202512)
    assert scope.mapped_ledger_ids == (old.pk,)
    trial, _total, sheet, _differences, income, monthly, last_month = _same_through_rollups(scope)
    bank = next(row for row in trial if row[0] == "102")
    # 黑滩村 12,000 − 5,000 − 300 and 青林村 8,000 + 1,000 on 银行存款.
    assert bank[3][2:4] == [2_100_000, 530_000]
    # The dashboard counts 青林村 too: its cash at December's end is the balance sheet's 货币资金,
    # its income the 2004 ledger's 511 under the 2023 income lines.
    cash, income_by_month, spending_by_month = monthly[2025]
    assert cash[11] == next(amounts for line_no, _label, amounts in sheet if line_no == 1)[1]
    # February 黑滩村, March 青林村; April 黑滩村's debit on 502 (投资收益 on the 2023 chart).
    assert income_by_month[1:4] == [1_200_000, 800_000, -30_000]
    assert spending_by_month == [0] * 12
    assert last_month == 4
    without_old = dashboard._monthly(scope.native(), 2025)[2025]
    assert cash[11] - without_old[0][11] == 5_000_000 + 900_000
    with CaptureQueriesContext(connection) as queries:  # both charts from the county's roll-ups
        dashboard._monthly(scope, 2025)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "ledger_regionbalance" in read and "ledger_accountbalance" not in read


@st.composite
def postings(draw):
    """Vouchers for the two villages: (village index, month, (debit code, credit code), fen, reversed?)."""
    pairs = [("102", "501"), ("502", "101"), ("241", "102"), ("101", "211"), ("113", "102"), ("102", "113")]
    return draw(
        st.lists(
            st.tuples(
                st.integers(0, 1),
                st.integers(1, 12),
                st.sampled_from(pairs),
                st.integers(1, 5_000_000),
                st.booleans(),
                st.sampled_from(["张三", "李四"]),  # 113's counterparty: its balances by side
            ),
            min_size=1,
            max_size=8,
        )
    )


@DB_SETTINGS
@given(vouchers=postings(), close=st.booleans())
def test_rollups_equal_the_ledgers_sums_and_the_reports_agree_over_random_postings(
    vouchers, close, ledger, tumen, accountant, reviewer, county_user
):
    from django.db import transaction

    with transaction.atomic():  # each example rolled back: the fixtures' books stay as they were
        books = (ledger, tumen)
        services.counterparty_create(actor=accountant, ledger=ledger, name="李四", kind="household")

        def post_one(village, day, debit, credit, amount, party):
            lines = [
                LineInput(
                    summary="往来款项",
                    account_code=code,
                    debit_fen=amount if side == "debit" else 0,
                    credit_fen=amount if side == "credit" else 0,
                    fund_name="县交通局道路补助" if code == "241" else "",
                    counterparty_name=party if code == "113" else "张三" if code == "211" else "",
                )
                for code, side in ((debit, "debit"), (credit, "credit"))
            ]
            voucher = services.voucher_create(
                actor=accountant, ledger=books[village], date=day, lines=lines, submit=True
            )
            services.voucher_review(actor=reviewer, voucher=voucher)
            return services.voucher_post(actor=accountant, voucher=voucher)

        for village, month, (debit, credit), amount, reversed_too, party in vouchers:
            voucher = post_one(village, date(2025, month, 10), debit, credit, amount, party)
            if reversed_too:  # and its red reversal (红字冲销), a month later at most
                reverse(books[village], accountant, reviewer, voucher, date(2025, min(month + 1, 12), 20))
        closed = []
        if close:  # as far as the month-close checks let it (cash may have gone negative)
            for book in books:
                with suppress(DomainError):
                    close_year(book, accountant, 2025)
                    closed.append(book)
        _assert_rollups_true()
        ranges = [(202501, 202512), (202504, 202509)]
        if len(closed) == 2:  # the next year, both carried into it: its opening is the carry-forward
            for village, month, (debit, credit), amount, _reversed, party in vouchers[:3]:
                post_one(village, date(2026, month, 12), credit, debit, amount // 2 + 1, party)
            _assert_rollups_true()
            ranges += [(202601, 202612), (202603, 202603)]
        for region in (COUNTY, XINAN):
            for first, last in ranges:
                _same_through_rollups(
                    scope_for_region(user=county_user, region_code=region, from_key=first, to_key=last)
                )
        transaction.set_rollback(True)


def test_the_balance_sheet_shows_113_by_side_from_the_side_rollups(
    ledger, tumen, accountant, reviewer, county_user
):
    """内部往来 (113) per ledger and counterparty: 黑滩村 owes 张三 a debit balance of 1,000 and 李四
    a credit balance of 300; 土门村 has a credit balance of 1,000 with 张三. 应收款项 shows the
    debit balances (1,000), 应付款项 the credit ones (1,300), though 113 nets to −300; the
    county reads them from its side roll-ups, not from the villages' balance rows."""
    services.counterparty_create(actor=accountant, ledger=ledger, name="李四", kind="household")
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-02-03 借给张三
          借 113 内部往来          1000.00  party=张三
          贷 102 银行存款          1000.00
        2025-03-03 李四暂存
          借 102 银行存款           300.00
          贷 113 内部往来           300.00  party=李四
        """,
    )
    post(
        tumen,
        accountant,
        reviewer,
        """
        2025-02-05 张三暂存
          借 102 银行存款          1000.00
          贷 113 内部往来          1000.00  party=张三
        """,
    )
    _assert_rollups_true()
    county = RegionSideBalance.objects.filter(region__code=COUNTY, account_code="113")
    assert {(r.period_key, r.positive_fen, r.negative_fen) for r in county} == {
        (202502, 100_000, -100_000),
        (202503, 0, -30_000),
    }
    scope = scope_for_region(user=county_user, region_code=COUNTY, from_key=202501, to_key=202512)
    with CaptureQueriesContext(connection) as queries:
        sheet = build_balance_sheet(scope)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "ledger_regionsidebalance" in read and "ledger_accountbalance" not in read
    receivable = next(r for r in sheet.rows if r.label == "应收款项")
    payable = next(r for r in sheet.rows if r.label == "应付款项")
    assert receivable.amounts[1] - receivable.amounts[0] == 100_000  # 112 unchanged, debit(113)
    assert payable.amounts[1] - payable.amounts[0] == 130_000  # 211 unchanged, credit(113)
    _same_through_rollups(scope)
    # February alone: 张三's two balances, 1,000 on each side.
    february = scope_for_region(user=county_user, region_code=COUNTY, from_key=202502, to_key=202502)
    assert _same_through_rollups(february)[2] != _same_through_rollups(scope)[2]


def test_verify_names_a_side_rollup_that_differs(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-02-03 借给张三
          借 113 内部往来          1000.00  party=张三
          贷 102 银行存款          1000.00
        """,
    )
    call_command("verify", stdout=io.StringIO())
    RegionSideBalance.objects.filter(region__code=XINAN, account_code="113", period_key=202502).update(
        positive_fen=F("positive_fen") - 1
    )
    with pytest.raises(CommandError) as error:
        call_command("verify")
    assert (
        "区域 新安镇(510781100000) 2023制度 科目 113 期间 2025-02：区域往来分方向余额汇总与各账套余额不符"
        "（借方余额合计/贷方余额合计的变动）：应为 1,000.00/0.00，实为 999.99/0.00" in str(error.value)
    )
    # A balance row changed behind the books' back is found too: the side roll-up no longer adds up.
    rollups.side_rebuild()
    found, _compared = rollups.side_discrepancies()
    assert found == []
    AccountBalance.objects.filter(ledger=ledger, account__code="113").update(debit_fen=F("debit_fen") + 5)
    found, _compared = rollups.side_discrepancies()
    assert {d.region_code for d in found} >= {COUNTY, XINAN}  # and the city and province above
    assert {(d.period_key, d.expected, d.stored) for d in found} == {(202502, (100_005, 0), (100_000, 0))}
