"""``export-beancount``: an independent tool (Beancount) loads the file without errors and its
balances equal our trial balance, year by year, for every account and parent account."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data, realization
from django.core.management import CommandError, call_command

from villagebooks.common.money import yuan_to_fen
from villagebooks.ledger import services
from villagebooks.ledger.beancount_export import account_names, beancount_text, quote
from villagebooks.ledger.models import Account, Voucher, VoucherStatus
from villagebooks.ledger.tests.books import post
from villagebooks.ledger.tests.invariants.support import close_year, reverse
from villagebooks.reports.scope import scope_for_ledger
from villagebooks.reports.trial_balance import build_trial_balance

BOOKS_2025 = """
    2025-01-15 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-02-05 道路硬化工程款
      借 241 专项应付款   30000.00  fund=县交通局道路补助
      贷 102 银行存款     30000.00
    2025-03-02 借给张三
      借 112 应收款        2000.00  party=张三
      贷 101 库存现金      2000.00
    2025-05-10 鱼塘承包费
      借 102 银行存款     20000.00
      贷 501 经营收入     20000.00
    2025-06-10 购买"办公"用品 \\ 打印纸
      借 51301 办公费      1800.00
      贷 102 银行存款      1800.00
    2025-07-01 差旅费
      借 51302 差旅费       600.00
      贷 101 库存现金       600.00
    2025-09-30 补助收入
      借 102 银行存款      5000.00
      贷 503 补助收入      5000.00  fund=县交通局道路补助
    2025-01-05 提取备用金
      借 101 库存现金      5000.00
      贷 102 银行存款      5000.00
"""
BOOKS_2026 = """
    2026-01-20 支付成员分红
      借 211 应付款        5000.00  party=全体成员
      贷 102 银行存款      5000.00
    2026-02-10 鱼塘承包费
      借 102 银行存款      8000.00
      贷 501 经营收入      8000.00
"""


@pytest.fixture
def books(ledger, accountant, reviewer):
    services.account_add(actor=accountant, ledger=ledger, parent_code="513", code="51301", name="办公费")
    services.account_add(actor=accountant, ledger=ledger, parent_code="513", code="51302", name="差旅费")
    vouchers = post(ledger, accountant, reviewer, BOOKS_2025)
    reverse(ledger, accountant, reviewer, vouchers[5], date(2025, 7, 3))
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-07-03 差旅费（更正）
          借 51302 差旅费       650.00
          贷 101 库存现金       650.00
    """,
    )
    close_year(
        ledger,
        accountant,
        2025,
        appropriations={"提取公积公益金": 200_000, "向成员分配": 500_000},
        reviewer=reviewer,
    )
    post(ledger, accountant, reviewer, BOOKS_2026)
    return ledger


def _load(text: str):
    entries, errors, _options = loader.load_string(text)
    assert errors == []
    return entries


def _beancount_fen(entries, until: date) -> dict[str, int]:
    """Each account's balance (its sub-accounts included) in fen, from Beancount's own sums."""
    real = realization.realize([e for e in entries if e.date <= until])
    balances = {}
    for real_account in realization.iter_children(real):
        units = realization.compute_balance(real_account).get_currency_units("CNY").number
        balances[real_account.account] = yuan_to_fen(units)
    return balances


def _assert_agrees_with_trial_balance(ledger, user, entries, *, first: int, last: int, until: date):
    trial = build_trial_balance(
        scope_for_ledger(user=user, ledger_code=ledger.code, from_key=first, to_key=last)
    )
    ours = {row.code: row.closing_fen for row in trial.rows}
    theirs = _beancount_fen(entries, until)
    codes = dict(Account.objects.filter(ledger=ledger).values_list("pk", "code"))
    names = {codes[pk]: bean for pk, (bean, _chinese) in account_names(ledger).items()}
    compared = {code: (ours.get(code, 0), theirs.get(name, 0)) for code, name in names.items()}
    assert {code: pair for code, pair in compared.items() if pair[0] != pair[1]} == {}
    # The comparison is not vacuous: most accounts moved.
    assert sum(1 for ours_fen, _ in compared.values() if ours_fen) >= 8


def test_beancount_recomputes_our_balances_at_every_year_end(books, accountant, tmp_path):
    out = io.StringIO()
    target = tmp_path / "ht01.beancount"
    call_command("export_beancount", ledger="HT01", output=str(target), stdout=out)
    posted = Voucher.objects.filter(ledger=books, status=VoucherStatus.POSTED).count()
    assert f"{posted} 张凭证" in out.getvalue()
    text = target.read_text(encoding="utf-8")
    entries = _load(text)
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(transactions) == posted + 1  # and the opening balances
    # Before the year close income and expense accounts carry the year's result ...
    _assert_agrees_with_trial_balance(
        books, accountant, entries, first=202501, last=202511, until=date(2025, 11, 30)
    )
    # ... after it they are zero, and 2026 opens with what 2025 closed with.
    _assert_agrees_with_trial_balance(
        books, accountant, entries, first=202501, last=202512, until=date(2025, 12, 31)
    )
    _assert_agrees_with_trial_balance(
        books, accountant, entries, first=202601, last=202602, until=date(2026, 2, 28)
    )
    income = _beancount_fen(entries, date(2025, 12, 31))
    assert income["Income:501"] == 0 and income["Expenses:513"] == 0
    assert _beancount_fen(entries, date(2025, 11, 30))["Expenses:513"] == 180_000 + 65_000


def test_the_file_carries_names_numbers_dimensions_and_red_lines(books, accountant):
    entries = _load(beancount_text(actor=accountant, ledger_code="HT01"))
    opens = {e.account: e.meta["name"] for e in entries if isinstance(e, data.Open)}
    assert opens["Expenses:513:51301"] == "办公费" and opens["Expenses:513"] == "管理费用"
    assert opens["Equity:322:32201"] == "未分配收益" and opens["Assets:102"] == "银行存款"
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    opening = transactions[0]
    assert (opening.date, opening.narration, opening.tags) == (date(2025, 1, 1), "期初余额", {"opening"})
    by_narration = {t.narration: t for t in transactions}
    office = by_narration['购买"办公"用品 \\ 打印纸']
    assert office.meta["voucher"] == "记-1" and office.meta["period"] == "2025-06"
    road = by_narration["收到道路补助"]
    assert [(p.account, p.units.number, p.meta.get("fund")) for p in road.postings] == [
        ("Assets:102", yuan_to_fen("50000.00") / 100, None),
        ("Liabilities:241", -yuan_to_fen("50000.00") / 100, "县交通局道路补助"),
    ]
    red = next(t for t in transactions if "reversal" in t.tags)
    assert red.meta["note"].startswith("注销2025年07月01日记字第1号凭证")
    assert [(p.account, str(p.units.number)) for p in red.postings] == [
        ("Expenses:513:51302", "-600.00"),
        ("Assets:101", "600.00"),
    ]
    closing = [t for t in transactions if "closing" in t.tags]
    assert {t.narration for t in closing} >= {"结转本年收益", "结转本年收益至未分配收益"}
    dividend = by_narration["2025年度收益分配：向成员分配"]
    assert "closing" not in dividend.tags  # the village's decision, not a system closing entry


def test_bean_check_accepts_the_file(books, tmp_path):
    bean_check = Path(sys.executable).parent / "bean-check"
    if not bean_check.exists():
        pytest.skip("bean-check is not installed beside this Python")
    target = tmp_path / "ht01.beancount"
    call_command("export_beancount", ledger="HT01", output=str(target), stdout=io.StringIO())
    result = subprocess.run([str(bean_check), str(target)], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    # And it would notice a wrong file: the same check on a broken copy fails.
    broken = tmp_path / "broken.beancount"
    broken.write_text(target.read_text(encoding="utf-8").replace("Assets:101  600.00", "Assets:101  601.00"))
    assert subprocess.run([str(bean_check), str(broken)], capture_output=True, timeout=120).returncode != 0


def test_to_stdout_and_only_within_the_users_scope(books, make_user, region_tree):
    out = io.StringIO()
    call_command("export_beancount", ledger="HT01", stdout=out)
    assert _load(out.getvalue())
    make_user("outsider", "accountant", region_tree["510781101000"])
    with pytest.raises(CommandError, match="账套 HT01 不存在或您无权查看"):
        call_command("export_beancount", ledger="HT01", username="outsider", stdout=io.StringIO())
    with pytest.raises(CommandError, match="账套 NOPE 不存在或您无权查看"):
        call_command("export_beancount", ledger="NOPE", stdout=io.StringIO())


@pytest.mark.parametrize("text", ["普通摘要", 'a "quoted" word', "back\\slash", "two\nlines"])
def test_quote_gives_beancount_the_text_back(text):
    entries = _load(
        f'option "operating_currency" "CNY"\n2025-01-01 note Assets:X {quote(text)}\n'
        "2025-01-01 open Assets:X\n"
    )
    assert [e.comment for e in entries if isinstance(e, data.Note)] == [" ".join(text.split())]


def test_the_comparison_notices_a_wrong_carried_balance(books, accountant):
    from villagebooks.ledger.models import AccountBalance

    entries = _load(beancount_text(actor=accountant, ledger_code="HT01"))
    AccountBalance.objects.filter(ledger=books, account__code="102", period_key=202600).update(debit_fen=1)
    with pytest.raises(AssertionError):
        _assert_agrees_with_trial_balance(
            books, accountant, entries, first=202601, last=202602, until=date(2026, 2, 28)
        )
