"""``villagebooks report project-execution|fund-passport|funds-unspent|projects-overdue``: the
columns the issue names, the figures of the passport, every format, a ledger and a region."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks.funds import services
from villagebooks.funds.tests.support import advance_to, import_allocations, import_projects
from villagebooks.ledger.tests.books import post

FUND = "县交通局道路补助"


@pytest.fixture
def road(ledger, accountant, reviewer, manager, tmp_path):
    import_allocations(tmp_path, accountant)
    import_projects(tmp_path, accountant)
    advance_to(ledger, manager, "P01", "实施")
    services.milestones_set(
        actor=accountant,
        ledger=ledger,
        code="P01",
        milestones=[
            services.MilestoneInput("开工预付 40%", "实施", 8_000_000),
            services.MilestoneInput("完工 50%", "验收", 10_000_000),
            services.MilestoneInput("质保金 10%", "评价", 2_000_000, is_deposit=True),
        ],
    )
    from villagebooks.ledger import services as ledger_services

    ledger_services.counterparty_create(actor=accountant, ledger=ledger, name="江油市交通运输局")
    post(
        ledger,
        accountant,
        reviewer,
        f"""
        2025-03-02 收到道路补助
          借 102 银行存款   300000.00
          贷 241 专项应付款 300000.00  fund={FUND}
        2025-04-10 道路硬化工程款
          借 153 在建工程   50000.00  fund={FUND} project=P01
          贷 102 银行存款   50000.00
        2025-12-20 结余资金退回
          借 241 专项应付款  10000.00  fund={FUND} party=江油市交通运输局
          贷 102 银行存款    10000.00
        """,
    )
    return ledger


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _csv(*args) -> list[dict]:
    text, _err = _run(*args, "--format", "csv")
    return list(csv.DictReader(io.StringIO(text)))


def test_project_execution_csv_has_the_issues_columns(road):
    text, _err = _run(
        "project-execution", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12", "--format", "csv"
    )
    header = text.splitlines()[0].split(",")
    assert header[:8] == ["ledger", "project", "name", "budget", "committed", "paid", "balance", "rate"]
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["ledger"] == "HT01" and row["project"] == "P01"
    assert (row["budget"], row["paid"], row["committed"], row["balance"]) == (
        "200000.00",
        "50000.00",
        "150000.00",
        "0.00",
    )
    assert row["rate"] == "25.00"  # per cent
    assert row["due"] == "30000.00"  # 40 % due at 实施, 50,000 of it paid
    assert row["state"] == "实施"


def test_fund_passport_csv_adds_up(road):
    [row] = _csv("fund-passport", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12")
    for column in ("allocation", "fund", "allocated", "spent", "committed", "balance", "returned"):
        assert column in row
    assert (row["allocation"], row["fund"]) == ("A-2025-01", FUND)
    assert (row["allocated"], row["spent"], row["committed"], row["balance"], row["returned"]) == (
        "300000.00",
        "50000.00",
        "150000.00",
        "90000.00",
        "10000.00",
    )
    # as at an earlier month: nothing returned yet, nothing spent
    [row] = _csv("fund-passport", "--ledger", "HT01", "--from", "2025-03", "--to", "2025-03")
    assert (row["spent"], row["returned"], row["balance"]) == ("0.00", "0.00", "100000.00")


def test_a_region_lists_each_village(road):
    rows = _csv("project-execution", "--region", "510781000000", "--from", "2025-01", "--to", "2025-12")
    assert [(row["ledger"], row["project"]) for row in rows] == [("HT01", "P01")]
    rows = _csv("fund-passport", "--region", "510781000000", "--from", "2025-01", "--to", "2025-12")
    assert [row["ledger"] for row in rows] == ["HT01"]


def test_table_xlsx_and_pdf(road, tmp_path):
    text, err = _run("fund-passport", "--ledger", "HT01", "--from", "2025-01", "--to", "2025-12")
    assert "资金护照" in text and "300,000.00" in text and "下达 = 已支出" in err
    for fmt in ("xlsx", "pdf"):
        path = tmp_path / f"passport.{fmt}"
        _run(
            "project-execution",
            "--ledger",
            "HT01",
            "--from",
            "2025-01",
            "--to",
            "2025-12",
            "--format",
            fmt,
            "--output",
            str(path),
        )
        assert path.stat().st_size > 1000


def test_unspent_and_overdue(road):
    rows = _csv("funds-unspent", "--ledger", "HT01", "--from", "2025-12", "--to", "2025-12", "--months", "6")
    assert [(row["allocation"], row["unspent"]) for row in rows] == [("A-2025-01", "240000.00")]
    assert (
        _csv("funds-unspent", "--ledger", "HT01", "--from", "2025-06", "--to", "2025-06", "--months", "6")
        == []
    )
    with pytest.raises(CommandError):
        _run("funds-unspent", "--ledger", "HT01", "--from", "2025-06", "--to", "2025-06", "--months", "x")
    rows = _csv("projects-overdue", "--ledger", "HT01", "--from", "2025-11", "--to", "2025-11")
    assert [row["project"] for row in rows] == ["P01"]  # planned to end 2025-10-31, still 实施
    assert _csv("projects-overdue", "--ledger", "HT01", "--from", "2025-10", "--to", "2025-10") == []
