"""Budget control on the other posting paths: the import (a stop reported at the voucher's row,
nothing written; warnings recorded with the imported vouchers), and the year close."""

from __future__ import annotations

import pytest
from django.db import connection

from villagebooks.funds.models import AllocationShare, Control, VoucherWarning
from villagebooks.ledger.models import Voucher
from villagebooks.ledger.tests.importing.support import HEADER, books_state, command_fails, run_command

# The road allocation allows 153 and 513 for 300,000; 80,000 is in the bank at the start.
IMPORT = f"""{HEADER}
HT01,J-001,2025-03-02,收到道路补助,102,300000,,,
HT01,J-001,2025-03-02,收到道路补助,241,,300000,县交通局道路补助,
HT01,J-002,2025-03-10,道路工程款,513,200000,,县交通局道路补助,
HT01,J-002,2025-03-10,道路工程款,102,,200000,,
HT01,J-003,2025-03-12,道路工程款,513,150000,,县交通局道路补助,
HT01,J-003,2025-03-12,道路工程款,102,,150000,,
"""


def test_an_import_over_the_allocation_is_refused_at_the_row_and_writes_nothing(road, accountant, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(IMPORT, encoding="utf-8")
    before = books_state()
    problems = "\n".join(command_fails("import_vouchers", path, "--post", "--user", "accountant"))
    # J-003 starts at row 6: the second voucher of the batch to spend from the fund.
    assert "第6行" in problems and "资金余额不足" in problems, problems
    assert "300,000.00" in problems and "200,000.00" in problems and "350,000.00" in problems
    assert books_state() == before
    assert not VoucherWarning.objects.exists()


def test_under_warn_the_import_passes_and_the_voucher_carries_the_warning(road, accountant, tmp_path):
    AllocationShare.objects.get().allocation.__class__.objects.update(control=Control.WARN)
    path = tmp_path / "v.csv"
    path.write_text(IMPORT, encoding="utf-8")
    run_command("import_vouchers", path, "--post", "--user", "accountant")
    [warning] = VoucherWarning.objects.all()
    assert warning.voucher == Voucher.objects.get(external_key="J-003")
    assert warning.rule == "资金余额不足"


def test_an_import_without_post_is_checked_as_saved_drafts_are(road, accountant, tmp_path):
    """Unposted, the vouchers count for nothing used yet: only a rule that one voucher breaks
    alone refuses (here 514, which the allocation does not allow), at its row."""
    path = tmp_path / "v.csv"
    path.write_text(IMPORT, encoding="utf-8")
    run_command("import_vouchers", path, "--user", "accountant")
    assert Voucher.objects.filter(ledger=road).count() == 3
    path.write_text(IMPORT.replace("J-00", "K-00").replace(",513,", ",514,"), encoding="utf-8")
    before = books_state()
    problems = "\n".join(command_fails("import_vouchers", path, "--user", "accountant"))
    assert "第4行" in problems and "超范围支出" in problems, problems
    assert books_state() == before


def test_an_unposted_import_under_warn_keeps_the_warnings(road, accountant, tmp_path):
    AllocationShare.objects.get().allocation.__class__.objects.update(control=Control.WARN)
    path = tmp_path / "v.csv"
    path.write_text(IMPORT.replace(",513,", ",514,"), encoding="utf-8")
    run_command("import_vouchers", path, "--user", "accountant")
    keys = VoucherWarning.objects.filter(rule="超范围支出").values_list("voucher__external_key", flat=True)
    assert sorted(keys) == ["J-002", "J-003"]


PROJECT_IMPORT = """ledger,voucher,date,summary,account,debit,credit,fund,counterparty,project
HT01,J-001,2025-03-02,收到道路补助,102,300000,,,,
HT01,J-001,2025-03-02,收到道路补助,241,,300000,县交通局道路补助,,
HT01,J-002,2025-03-10,道路工程款,153,150000,,县交通局道路补助,,P01
HT01,J-002,2025-03-10,道路工程款,102,,150000,,,
HT01,J-003,2025-03-12,道路工程款,153,60000,,县交通局道路补助,,P01
HT01,J-003,2025-03-12,道路工程款,102,,60000,,,
"""


def test_the_import_carries_projects_and_refuses_over_the_budget_at_the_row(
    road, accountant, manager, tmp_path
):
    from villagebooks.funds.tests.support import advance_to

    advance_to(road, manager, "P01", "实施")
    path = tmp_path / "v.csv"
    path.write_text(PROJECT_IMPORT, encoding="utf-8")
    before = books_state()
    problems = "\n".join(command_fails("import_vouchers", path, "--post", "--user", "accountant"))
    assert "第6行" in problems and "超预算" in problems and "210,000.00" in problems, problems
    assert books_state() == before
    path.write_text(PROJECT_IMPORT.replace("60000", "50000"), encoding="utf-8")
    run_command("import_vouchers", path, "--post", "--user", "accountant")
    from villagebooks.ledger.models import VoucherLine

    tagged = VoucherLine.objects.filter(project__code="P01").values_list("voucher__external_key", "debit_fen")
    assert sorted(tagged) == [("J-002", 15_000_000), ("J-003", 5_000_000)]


def test_before_approval_the_import_is_refused(road, accountant, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(PROJECT_IMPORT, encoding="utf-8")
    problems = "\n".join(command_fails("import_vouchers", path, "--post", "--user", "accountant"))
    assert "第4行" in problems and "未立项支出" in problems, problems


def test_an_unknown_project_is_refused_and_create_missing_does_not_create_it(road, accountant, tmp_path):
    from villagebooks.ledger.models import Project

    path = tmp_path / "v.csv"
    path.write_text(PROJECT_IMPORT.replace(",P01", ",P77"), encoding="utf-8")
    problems = "\n".join(command_fails("import_vouchers", path, "--create-missing", "--user", "accountant"))
    assert "项目“P77”不存在于本账套" in problems and "第4行" in problems, problems
    assert not Project.objects.filter(code="P77").exists()


def test_the_chinese_header_of_the_project_column(road, accountant, manager, tmp_path):
    from villagebooks.funds.tests.support import advance_to

    advance_to(road, manager, "P01", "实施")
    header = "账套,凭证号,日期,摘要,科目,借方,贷方,资金来源,往来单位,项目"
    path = tmp_path / "v.csv"
    path.write_text(
        header + PROJECT_IMPORT[PROJECT_IMPORT.index("\n") :].replace("60000", "50000"), encoding="utf-8"
    )
    run_command("import_vouchers", path, "--user", "accountant")
    assert Voucher.objects.filter(lines__project__code="P01").distinct().count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the import reads apart on PostgreSQL only")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_file_read_apart_carries_its_projects_too(road, accountant, manager, tmp_path, settings):
    """On PostgreSQL a big file is read in a second process (ledger.importing.apart): lines go
    in as COPY text, the hooks see them rebuilt from it."""
    from villagebooks.funds.tests.support import advance_to
    from villagebooks.ledger.models import VoucherLine

    settings.IMPORT_APART_MIN_BYTES = 0
    advance_to(road, manager, "P01", "实施")
    path = tmp_path / "v.csv"
    path.write_text(PROJECT_IMPORT, encoding="utf-8")
    problems = "\n".join(command_fails("import_vouchers", path, "--post", "--user", "accountant"))
    assert "第6行" in problems and "超预算" in problems, problems
    path.write_text(PROJECT_IMPORT.replace("60000", "50000"), encoding="utf-8")
    run_command("import_vouchers", path, "--post", "--user", "accountant")
    assert VoucherLine.objects.filter(project__code="P01").count() == 2
