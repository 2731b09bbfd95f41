"""An import's dry run (``importing.preview``): the import itself rolled back, its plan returned;
the confirmed import writes exactly the plan previewed, or nothing."""

from __future__ import annotations

import pytest

from villagebooks.ledger import importing, services
from villagebooks.ledger.models import LedgerStatus, OpeningBalance, Voucher, VoucherStatus
from villagebooks.ledger.tests.importing.support import books_state, command_fails, run_command

GOOD = """
    HT01,J-001,2025-03-01,收到道路补助,102,"50,000.00",,,
    HT01,J-001,2025-03-01,收到道路补助,241,,50000.00,县交通局道路补助,
    HT01,J-002,2025-03-20,借给张三,112,1500.5,,,王五
    HT01,J-002,2025-03-20,借给张三,101,,1500.50,,
"""


def test_a_dry_run_returns_the_plan_and_writes_nothing(ledger, accountant, write_csv):
    path = write_csv(GOOD)
    before = books_state()

    plan = importing.vouchers_import_plan(actor=accountant, path=path, create_missing=True)

    assert books_state() == before
    assert [(v.ledger_code, v.key, v.date, v.amount_fen) for v in plan.vouchers] == [
        ("HT01", "J-001", "2025-03-01", 5_000_000),
        ("HT01", "J-002", "2025-03-20", 150_050),
    ]
    assert plan.vouchers[1].lines[0].counterparty == "王五"
    assert plan.vouchers[0].lines[0].account_name  # named as the ledger names it
    assert (plan.debit_fen, plan.credit_fen) == (5_150_050, 5_150_050)
    assert plan.created_counterparties == ("HT01:王五",)
    assert plan.vouchers[0].status == VoucherStatus.SUBMITTED


def test_a_dry_run_reports_the_same_problems_as_the_import(ledger, accountant, write_csv):
    path = write_csv(
        GOOD + "    HT01,J-003,2025-03-21,坏科目,9999,1,,,\n    HT01,J-003,2025-03-21,坏科目,101,,1,,\n"
    )
    before = books_state()
    with pytest.raises(importing.ImportFailed) as dry:
        importing.vouchers_import_plan(actor=accountant, path=path)
    with pytest.raises(importing.ImportFailed) as real:
        importing.vouchers_import(actor=accountant, path=path)
    assert books_state() == before
    assert [(p.row, p.field, p.message) for p in dry.value.problems] == [
        (p.row, p.field, p.message) for p in real.value.problems
    ]
    # The unknown counterparty (no --create-missing) and the unknown account, at their rows.
    assert {(p.row, p.field) for p in dry.value.problems} == {(4, "counterparty"), (6, "account")}


def test_the_confirmed_import_writes_exactly_the_plan(ledger, accountant, write_csv):
    path = write_csv(GOOD)
    plan = importing.vouchers_import_plan(actor=accountant, path=path, create_missing=True)

    done = importing.vouchers_import_planned(
        actor=accountant, path=path, digest=plan.digest, create_missing=True
    )

    assert done == plan
    assert sorted(Voucher.objects.filter(ledger=ledger).values_list("external_key", flat=True)) == [
        "J-001",
        "J-002",
    ]


def test_a_confirm_is_refused_when_the_books_changed_since_the_preview(ledger, accountant, write_csv):
    path = write_csv(GOOD)
    plan = importing.vouchers_import_plan(actor=accountant, path=path, create_missing=True)
    # Meanwhile someone creates the counterparty: the import would now create nothing.
    services.counterparty_create(actor=accountant, ledger=ledger, name="王五")
    before = books_state()

    with pytest.raises(importing.ImportFailed) as refused:
        importing.vouchers_import_planned(
            actor=accountant, path=path, digest=plan.digest, create_missing=True
        )

    assert [p.message for p in refused.value.problems] == [str(importing.PLAN_CHANGED)]
    assert books_state() == before


def test_a_confirm_is_refused_when_the_file_changed(ledger, accountant, write_csv):
    path = write_csv(GOOD)
    plan = importing.vouchers_import_plan(actor=accountant, path=path, create_missing=True)
    path.write_bytes(path.read_bytes().replace(b"1500.5", b"1600.5").replace(b"1500.50", b"1600.50"))
    before = books_state()
    with pytest.raises(importing.ImportFailed):
        importing.vouchers_import_planned(
            actor=accountant, path=path, digest=plan.digest, create_missing=True
        )
    assert books_state() == before


def test_an_upload_page_of_one_ledger_refuses_rows_of_another(ledger, new_ledger, accountant, write_csv):
    path = write_csv(GOOD.replace("HT01,J-002", "TM01,J-002"))
    with pytest.raises(importing.ImportFailed) as refused:
        importing.vouchers_import_plan(actor=accountant, path=path, create_missing=True, only_ledger="HT01")
    assert [(p.row, p.field) for p in refused.value.problems] == [(4, "ledger")]
    assert "TM01" in refused.value.problems[0].message


def test_a_reviewer_may_not_import_even_as_a_dry_run(ledger, reviewer, write_csv):
    with pytest.raises(importing.ImportFailed) as refused:
        importing.vouchers_import_plan(actor=reviewer, path=write_csv(GOOD))
    assert {p.field for p in refused.value.problems} == {"ledger"}


def test_a_dry_run_of_posting_writes_nothing_either(ledger, accountant, write_csv):
    path = write_csv(GOOD.replace(",,王五", ",,张三"))
    before = books_state()
    plan = importing.vouchers_import_plan(actor=accountant, path=path, post=True)
    assert books_state() == before
    assert {v.status for v in plan.vouchers} == {VoucherStatus.POSTED}


def test_the_command_line_dry_run_lists_the_plan(ledger, accountant, write_csv):
    path = write_csv(GOOD)
    before = books_state()
    output = run_command("import_vouchers", path, "--dry-run", "--create-missing", "--user", "accountant")
    assert books_state() == before
    assert "检查通过（未写入）：凭证 2 张，分录 4 条" in output
    assert "将新建往来单位：HT01:王五" in output
    lines = command_fails("import_vouchers", path, "--dry-run", "--user", "accountant")
    assert any(line.startswith("第4行 往来单位") for line in lines)


OPENING = """
    102,"120,000.00",,,
    112,1000,,,张三
    301,,"121,000.00",,
"""


def test_opening_balances_dry_run_and_confirm(new_ledger, accountant, write_csv):
    path = write_csv(OPENING, name="opening.csv", header="科目,借方,贷方,资金来源,往来单位")
    before = books_state()
    plan = importing.opening_import_plan(actor=accountant, ledger_code="TM01", path=path, create_missing=True)
    assert books_state() == before
    assert [(o.account_code, o.debit_fen, o.credit_fen) for o in plan.openings] == [
        ("102", 12_000_000, 0),
        ("112", 100_000, 0),
        ("301", 0, 12_100_000),
    ]
    assert plan.created_counterparties == ("TM01:张三",)
    output = run_command(
        "import_opening", "--ledger", "TM01", path, "--dry-run", "--create-missing", "--user", "accountant"
    )
    assert "期初余额 3 行" in output
    assert books_state() == before

    importing.opening_import_planned(
        actor=accountant, ledger_code="TM01", path=path, digest=plan.digest, create_missing=True
    )
    new_ledger.refresh_from_db()
    assert new_ledger.status == LedgerStatus.ACTIVE
    assert OpeningBalance.objects.filter(ledger=new_ledger).count() == 3
