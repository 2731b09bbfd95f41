"""Spending kept at posting (``ProjectSpending``): written by every posting path (the service, a
reversal, an import batch; not the year close's vouchers), built for older books by the
migration, checked by ``verify``, and read by the reports with the same figures the voucher lines
give."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from types import SimpleNamespace

from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villagebooks.funds import passport, services, spending
from villagebooks.funds.models import Allocation, ProjectSpending, ProjectSpendingYear
from villagebooks.funds.tests.support import advance_to
from villagebooks.ledger import posting
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.importing import vouchers_import
from villagebooks.ledger.models import Voucher, VoucherKind
from villagebooks.ledger.tests.books import post
from villagebooks.ledger.tests.importing.support import HEADER
from villagebooks.ledger.tests.invariants.support import close_year, reverse
from villagebooks.ledger.verification import ledger_verify

FUND = "县交通局道路补助"
ISSUER = "江油市交通运输局"
RECEIPT = f"""
2025-02-20 收到道路补助
  借 102 银行存款   300000.00
  贷 241 专项应付款 300000.00  fund={FUND}
"""


def _stored(ledger) -> dict:
    return {
        (row.project_key, row.fund_key, row.account_id, row.period_key): (row.debit_fen, row.credit_fen)
        for row in ProjectSpending.objects.filter(ledger=ledger)
    }


def _stored_years(ledger) -> dict:
    return {
        (row.project_key, row.fund_key, row.account_id, row.year): (row.debit_fen, row.credit_fen)
        for row in ProjectSpendingYear.objects.filter(ledger=ledger)
    }


def _months_by_year(ledger) -> dict:
    years: dict = {}
    for (project, fund, account, period), (debit, credit) in _stored(ledger).items():
        total = years.setdefault((project, fund, account, period // 100), [0, 0])
        total[0] += debit
        total[1] += credit
    return {key: tuple(value) for key, value in years.items()}


def _spending_problems(ledger) -> list[str]:
    return [str(d) for d in ledger_verify(ledger=ledger).discrepancies if "项目资金支出" in d.what]


def test_the_service_adds_a_voucher_and_its_reversal_takes_it_back(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    post(road, accountant, reviewer, RECEIPT)
    [paid] = post(
        road,
        accountant,
        reviewer,
        f"""
        2025-03-10 工程款
          借 153 在建工程 1000.00  fund={FUND} project=P01
          贷 102 银行存款 1000.00
        """,
    )
    project = paid.lines.get(line_no=1).project_id
    fund = paid.lines.get(line_no=1).fund_id
    account = paid.lines.get(line_no=1).account_id
    stored = _stored(road)
    assert stored[(project, fund, account, 202503)] == (100_000, 0)
    # The receipt's 241 line carries the fund alone: kept too (the passport's direct uses read 241).
    assert len(stored) == 2
    reverse(road, accountant, reviewer, paid, date(2025, 4, 2))
    stored = _stored(road)
    assert stored[(project, fund, account, 202503)] == (100_000, 0)
    assert stored[(project, fund, account, 202504)] == (-100_000, 0)  # red ink, in April
    [row] = passport.project_execution([road.pk], date(2025, 4, 30))
    assert row.paid_fen == 0
    assert _spending_problems(road) == []


def test_an_import_batch_is_added_in_one_call_with_its_lines_summed(road, accountant, manager, tmp_path):
    advance_to(road, manager, "P01", "实施")
    path = tmp_path / "v.csv"
    path.write_text(
        f"""{HEADER},project
HT01,J-001,2025-03-02,收到道路补助,102,300000,,,,
HT01,J-001,2025-03-02,收到道路补助,241,,300000,{FUND},,
HT01,J-002,2025-03-10,道路工程款,153,1500,,{FUND},,P01
HT01,J-002,2025-03-10,道路工程款,102,,1500,,,
HT01,J-003,2025-03-12,道路工程款,153,600,,{FUND},,P01
HT01,J-003,2025-03-12,道路工程款,102,,600,,,
HT01,J-004,2025-03-13,办公用品,521,10,,,,
HT01,J-004,2025-03-13,办公用品,101,,10,,,
""",
        encoding="utf-8",
    )
    calls = []
    posting.after_posting.append(calls.append)
    try:
        vouchers_import(actor=accountant, path=path, post=True)
    finally:
        posting.after_posting.remove(calls.append)
    assert [len(batch) for batch in calls] == [4]  # one batch: the hook ran once for it
    totals = spending.sums(calls[0])
    assert sorted(total for total in totals.values()) == [[0, 30_000_000], [210_000, 0]]
    line = Voucher.objects.get(external_key="J-002").lines.get(line_no=1)
    assert _stored(road)[(line.project_id, line.fund_id, line.account_id, 202503)] == (210_000, 0)
    assert _spending_problems(road) == []


def test_the_year_close_leaves_it_as_the_lines_say(road, accountant, reviewer):
    ledger = road
    post(
        ledger,
        accountant,
        reviewer,
        RECEIPT
        + f"""
        2025-03-01 村道养护
          借 513 公益支出   1200.00  fund={FUND}
          贷 102 银行存款   1200.00
        """,
    )
    before = _stored(ledger)
    result = close_year(ledger, accountant, 2025, reviewer=reviewer)
    assert result.vouchers and all(v.kind == VoucherKind.CLOSING for v in result.vouchers)
    # The closing entry credits 513 with the fund: the reports leave year-close vouchers out,
    # and so does the summary.
    assert _stored(ledger) == before
    assert _spending_problems(ledger) == []


def test_verify_names_a_row_that_differs_from_the_lines(road, accountant, reviewer):
    post(road, accountant, reviewer, RECEIPT)
    ProjectSpending.objects.filter(ledger=road).update(credit_fen=1)
    [problem] = _spending_problems(road)
    assert "科目 241" in problem and "贷方" in problem and "应为 300,000.00" in problem, problem
    ProjectSpending.objects.filter(ledger=road).delete()
    assert len(_spending_problems(road)) == 1


def test_the_migration_builds_it_for_books_posted_before(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    post(
        road,
        accountant,
        reviewer,
        RECEIPT
        + f"""
        2025-03-10 工程款
          借 153 在建工程 1000.00  fund={FUND} project=P01
          贷 102 银行存款 1000.00
        2025-04-10 养护
          借 513 公益支出 20.00  fund={FUND}
          贷 102 银行存款 20.00
        """,
    )
    kept = _stored(road)
    ProjectSpending.objects.all().delete()
    migration = importlib.import_module("villagebooks.funds.migrations.0003_project_spending")
    migration.build_from_lines(None, SimpleNamespace(connection=connection))
    assert _stored(road) == kept
    assert len(kept) == 3


def test_the_years_rows_sum_the_months_of_each_year(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    post(
        road,
        accountant,
        reviewer,
        RECEIPT
        + f"""
        2025-03-10 工程款
          借 153 在建工程 1000.00  fund={FUND} project=P01
          贷 102 银行存款 1000.00
        2025-05-10 工程款
          借 153 在建工程 200.00  fund={FUND} project=P01
          贷 102 银行存款 200.00
        2026-02-10 工程款
          借 153 在建工程 30.00  fund={FUND} project=P01
          贷 102 银行存款 30.00
        """,
    )
    years = _stored_years(road)
    assert years == _months_by_year(road)
    line = Voucher.objects.filter(date=date(2025, 3, 10)).get().lines.get(line_no=1)
    assert years[(line.project_id, line.fund_id, line.account_id, 2025)] == (120_000, 0)
    assert years[(line.project_id, line.fund_id, line.account_id, 2026)] == (3_000, 0)
    assert _spending_problems(road) == []
    # A year's row that differs from its lines is named with its year.
    ProjectSpendingYear.objects.filter(ledger=road, year=2026).update(debit_fen=1)
    [problem] = _spending_problems(road)
    assert "年度汇总" in problem and "2026年全年" in problem and "应为 30.00" in problem, problem


def test_migration_0004_rolls_the_months_up_by_year(road, accountant, reviewer, manager):
    advance_to(road, manager, "P01", "实施")
    post(
        road,
        accountant,
        reviewer,
        RECEIPT
        + f"""
        2025-03-10 工程款
          借 153 在建工程 1000.00  fund={FUND} project=P01
          贷 102 银行存款 1000.00
        2025-04-10 养护
          借 513 公益支出 20.00  fund={FUND}
          贷 102 银行存款 20.00
        2026-04-10 养护
          借 513 公益支出 5.00  fund={FUND}
          贷 102 银行存款 5.00
        """,
    )
    kept = _stored_years(road)
    ProjectSpendingYear.objects.all().delete()
    migration = importlib.import_module("villagebooks.funds.migrations.0004_project_spending_year")
    migration.build_from_months(None, SimpleNamespace(connection=connection))
    assert _stored_years(road) == kept == _months_by_year(road)
    assert len(kept) == 4


# ---------------------------------------------------------------------------------------------
# The property: the reports through the summary equal the reports through the lines

DB_SETTINGS = settings(
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# (kind, year, month, day, yuan, path): as in test_passport's property, each posted by the
# service or in an import, and reversed a month later or not; over two years, so that reports
# read whole years from the yearly rows and the rest from the months.
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["153", "513", "refund", "return", "direct", "receipt", "plain"]),
        st.sampled_from([2025, 2026]),
        st.integers(3, 11),
        st.integers(1, 28),
        st.integers(1, 90_000),
        st.sampled_from(["service", "import", "reversed"]),
    ),
    min_size=1,
    max_size=10,
)
LINES = {
    "153": [("153", "debit", "fund project"), ("102", "credit", "")],
    "513": [("513", "debit", "fund"), ("102", "credit", "")],
    "refund": [("102", "debit", ""), ("153", "credit", "fund project")],
    "return": [("241", "debit", "fund issuer"), ("102", "credit", "")],
    "direct": [("241", "debit", "fund"), ("102", "credit", "")],
    "receipt": [("102", "debit", ""), ("241", "credit", "fund")],
    "plain": [("521", "debit", "project"), ("101", "credit", "")],
}


def _as_text(day: date, kind: str, fen: int) -> str:
    yuan = f"{fen // 100}.{fen % 100:02d}"
    text = f"{day.isoformat()} {kind}\n"
    for account, side, tags in LINES[kind]:
        names = {"fund": f"fund={FUND}", "project": "project=P01", "issuer": f"party={ISSUER}"}
        extra = " ".join(names[tag] for tag in tags.split())
        text += f"  {'借' if side == 'debit' else '贷'} {account} 科目 {yuan} {extra}\n"
    return text


def _as_rows(key: str, day: date, kind: str, fen: int) -> str:
    yuan = f"{fen // 100}.{fen % 100:02d}"
    rows = ""
    for account, side, tags in LINES[kind]:
        debit, credit = (yuan, "") if side == "debit" else ("", yuan)
        fund = FUND if "fund" in tags else ""
        party = ISSUER if "issuer" in tags else ""
        project = "P01" if "project" in tags else ""
        rows += f"HT01,{key},{day.isoformat()},{kind},{account},{debit},{credit},{fund},{party},{project}\n"
    return rows


@DB_SETTINGS
@given(
    steps=STEPS,
    as_of=st.dates(date(2025, 2, 1), date(2026, 12, 31)),
    since=st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2026, 12, 31))),
    since_starts=st.sampled_from(["any day", "a month", "a year"]),
)
def test_the_reports_through_the_summary_equal_them_through_the_lines(
    road, accountant, reviewer, manager, tmp_path, steps, as_of, since, since_starts
):
    with transaction.atomic():
        Allocation.objects.update(control="warn")
        ledger_services.counterparty_create(actor=accountant, ledger=road, name=ISSUER)
        entry = advance_to(road, manager, "P01", "实施")
        type(entry).objects.filter(pk=entry.pk).update(control="warn")
        entry.budget_lines.update(control="warn")
        services.milestones_set(
            actor=accountant,
            ledger=road,
            code="P01",
            milestones=[services.MilestoneInput("进度款", "实施", 10_000_000)],
        )
        post(road, accountant, reviewer, RECEIPT)
        rows = ""
        for index, (kind, year, month, day, fen, path) in enumerate(steps):
            when = date(year, month, day)
            if path == "import":
                rows += _as_rows(f"I-{index}", when, kind, fen)
                continue
            [voucher] = post(road, accountant, reviewer, _as_text(when, kind, fen))
            if path == "reversed":
                reverse(road, accountant, reviewer, voucher, when + timedelta(days=30))
        if rows:
            path = tmp_path / "steps.csv"
            path.write_text(f"{HEADER},project\n{rows}", encoding="utf-8")
            vouchers_import(actor=accountant, path=path, post=True)
        if since is not None and since_starts != "any day":
            since = since.replace(day=1) if since_starts == "a month" else date(since.year, 1, 1)
        year_end = date(as_of.year, 12, 31)
        for month_end in (as_of, passport.month_end(as_of.year * 100 + as_of.month), year_end):
            through_lines = passport.project_execution([road.pk], month_end, since, source="lines")
            assert passport.project_execution([road.pk], month_end, since) == through_lines
            through_lines = passport.fund_passport([road.pk], month_end, source="lines")
            kept = passport.fund_passport([road.pk], month_end)
            assert kept == through_lines
            for row in kept.rows:  # the passport identity, through the summary
                assert (
                    row.allocated_fen
                    == row.spent_fen + row.committed_fen + row.balance_fen + row.returned_fen
                )
        assert _spending_problems(road) == []
        transaction.set_rollback(True)
