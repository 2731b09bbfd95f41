"""辅助核算余额表: an account by fund or by counterparty, for one ledger and for a township, its
totals equal to the account's trial-balance row; the command's --by; bad input refused.

Books: township_books.py (figures in its docstring).
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.common.errors import DomainError
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
from villagebooks.reports.dimensions import build_dimension_report, dimension_rows, dimension_total
from villagebooks.reports.scope import scope_for_ledger, scope_for_region
from villagebooks.reports.tests.township_books import write_heitan, write_tumen
from villagebooks.reports.trial_balance import build_trial_balance

TOWNSHIP = "510781100000"


@pytest.fixture
def books(ledger, accountant, reviewer):
    write_heitan(ledger, accountant, reviewer)
    return ledger


@pytest.fixture
def township_books(books, other_ledger, accountant, reviewer):
    write_tumen(other_ledger, accountant, reviewer)
    return books, other_ledger


def _ledger(user, from_key=202501, to_key=202506):
    return scope_for_ledger(user=user, ledger_code="HT01", from_key=from_key, to_key=to_key)


def _township(user, from_key=202501, to_key=202506):
    return scope_for_region(user=user, region_code=TOWNSHIP, from_key=from_key, to_key=to_key)


def _trial_row(scope, code):
    row = next(r for r in build_trial_balance(scope).rows if r.code == code)
    return row.amounts()


def test_special_payables_by_fund(books, accountant):
    report = build_dimension_report(_ledger(accountant), account="241", by="fund")
    assert (report.account_code, report.account_name) == ("241", "专项应付款（按资金来源）")
    # columns: opening debit/credit, debit, credit, closing debit/credit
    assert dimension_rows(report) == [
        ["县交通局道路补助", "上级专项资金", 0, 0, 2_000_000, 5_000_000, 0, 3_000_000],
        ["村级组织运转经费", "村办公经费", 0, 0, 0, 3_000_000, 0, 3_000_000],
    ]
    assert dimension_total(report) == ["合计", "", 0, 0, 2_000_000, 8_000_000, 0, 6_000_000]
    assert dimension_total(report)[2:] == _trial_row(report.scope, "241")


def test_a_later_range_opens_with_each_funds_balance(books, accountant):
    report = build_dimension_report(_ledger(accountant, 202504, 202506), account="241", by="fund")
    assert dimension_rows(report) == [
        ["县交通局道路补助", "上级专项资金", 0, 5_000_000, 2_000_000, 0, 0, 3_000_000],
        ["村级组织运转经费", "村办公经费", 0, 3_000_000, 0, 0, 0, 3_000_000],
    ]
    assert dimension_total(report)[2:] == _trial_row(report.scope, "241")


def test_the_bank_by_fund_has_a_row_for_lines_without_a_fund(books, accountant):
    report = build_dimension_report(_ledger(accountant), account="102", by="fund")
    # 无: the opening 80,000, receipts 30,000 + 20,000 + 1,000 + 500, payments 3,000 + 1,500 + 1,200 + 2,000
    assert dimension_rows(report) == [
        ["县交通局道路补助", "上级专项资金", 0, 0, 5_000_000, 2_000_000, 3_000_000, 0],
        ["无", "", 8_000_000, 0, 5_150_000, 770_000, 12_380_000, 0],
    ]
    assert dimension_total(report) == ["合计", "", 8_000_000, 0, 10_150_000, 2_770_000, 15_380_000, 0]
    assert dimension_total(report)[2:] == _trial_row(report.scope, "102")


def test_internal_accounts_by_counterparty_net_only_in_the_total(books, accountant):
    report = build_dimension_report(_ledger(accountant), account="113", by="counterparty")
    assert dimension_rows(report) == [
        ["李四", "个人", 0, 0, 0, 50_000, 0, 50_000],
        ["张三", "农户", 0, 0, 200_000, 0, 200_000, 0],
    ]
    # The account's own row nets the parties: 2,000 debit less 500 credit.
    assert dimension_total(report) == ["合计", "", 0, 0, 200_000, 50_000, 150_000, 0]
    assert dimension_total(report)[2:] == _trial_row(report.scope, "113")


def test_an_account_with_its_sub_accounts(books, accountant, reviewer):
    services.account_add(actor=accountant, ledger=books, parent_code="211", code="21101", name="应付工程款")
    services.account_add(actor=accountant, ledger=books, parent_code="211", code="21102", name="其他应付款")
    post(
        books,
        accountant,
        reviewer,
        """
        2025-06-28 欠张三工程款
          借 153 在建工程      800.00
          贷 21101 应付工程款  800.00  party=张三
        2025-06-29 暂收李四押金
          借 102 银行存款      300.00
          贷 21102 其他应付款  300.00  party=李四
        """,
    )
    whole = build_dimension_report(_ledger(accountant), account="211", by="counterparty")
    assert whole.account_name == "应付款（按往来单位）"
    assert dimension_rows(whole) == [
        ["李四", "个人", 0, 0, 0, 30_000, 0, 30_000],
        ["张三", "农户", 0, 0, 0, 80_000, 0, 80_000],
    ]
    assert dimension_total(whole)[2:] == _trial_row(whole.scope, "211") == [0, 0, 0, 110_000, 0, 110_000]
    sub = build_dimension_report(_ledger(accountant), account="21101", by="counterparty")
    assert dimension_rows(sub) == [["张三", "农户", 0, 0, 0, 80_000, 0, 80_000]]
    assert dimension_total(sub)[2:] == _trial_row(sub.scope, "21101")


def test_a_township_adds_up_funds_of_the_same_name(township_books, accountant):
    report = build_dimension_report(_township(accountant), account="241", by="fund")
    assert report.scope.ledger_ids == tuple(sorted(ledger.pk for ledger in township_books))
    assert dimension_rows(report) == [
        ["县交通局道路补助", "上级专项资金", 0, 0, 2_000_000, 6_000_000, 0, 4_000_000],
        ["村级组织运转经费", "村办公经费", 0, 0, 0, 3_000_000, 0, 3_000_000],
    ]
    assert dimension_total(report) == ["合计", "", 0, 0, 2_000_000, 9_000_000, 0, 7_000_000]
    assert dimension_total(report)[2:] == _trial_row(report.scope, "241")


def test_a_user_of_one_village_sees_only_its_funds(township_books, make_user, region_tree):
    tumen_only = make_user("tumen", "supervisor", region_tree["510781100202"])  # 土门村 only
    report = build_dimension_report(_township(tumen_only), account="241", by="fund")
    assert dimension_rows(report) == [["县交通局道路补助", "上级专项资金", 0, 0, 0, 1_000_000, 0, 1_000_000]]


@pytest.mark.parametrize(
    ("account", "by", "field", "message"),
    [
        (
            "241",
            "project",
            "by",
            "辅助核算方式“project”不存在，可选：fund（资金来源）、counterparty（往来单位）",
        ),
        ("999", "fund", "account", "科目 999 在所选范围的账套中不存在"),
        ("24", "fund", "account", "科目 24 在所选范围的账套中不存在"),  # a prefix is no account
        ("", "fund", "account", "请指定科目编码"),
        (None, "counterparty", "account", "请指定科目编码"),
    ],
)
def test_bad_input_names_the_field(books, accountant, account, by, field, message):
    with pytest.raises(DomainError) as raised:
        build_dimension_report(_ledger(accountant), account=account, by=by)
    assert [(p.field, p.message) for p in raised.value.problems] == [(field, message)]


def _run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_by_fund_and_by_counterparty(books):
    period = ["--from", "2025-01", "--to", "2025-06", "--format", "csv"]
    by_fund = _run("dimension", "--ledger", "HT01", "--account", "241", "--by", "fund", *period)
    assert by_fund.splitlines() == [
        "dimension,kind,opening_debit,opening_credit,debit,credit,closing_debit,closing_credit",
        "县交通局道路补助,上级专项资金,0.00,0.00,20000.00,50000.00,0.00,30000.00",
        "村级组织运转经费,村办公经费,0.00,0.00,0.00,30000.00,0.00,30000.00",
    ]
    # Without --by the report is by fund.
    assert _run("dimension", "--ledger", "HT01", "--account", "241", *period) == by_fund
    june = ["--from", "2025-06", "--to", "2025-06"]
    table = _run("dimension", "--ledger", "HT01", "--account", "113", "--by", "counterparty", *june)
    assert table.splitlines()[0] == (
        "辅助核算余额表  113 内部往来（按往来单位）  黑滩村股份经济合作联合社  2025-06  单位：元"
    )
    total = "合计  0.00  0.00  2,000.00  500.00  1,500.00  0.00"
    assert table.splitlines()[-1].split() == total.split()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "241", "--by", "project"], "by: 辅助核算方式“project”不存在"),
        (["--account", "999"], "account: 科目 999 在所选范围的账套中不存在"),
        ([], "account: 请指定科目编码"),
    ],
)
def test_command_bad_input(books, args, message):
    with pytest.raises(CommandError, match=message):
        _run("dimension", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-06", *args)
