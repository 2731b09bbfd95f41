"""Budget control on the other posting paths: the import (a stop reported at the voucher's row,
nothing written; warnings recorded with the imported vouchers), and the year close."""

from __future__ import annotations

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


def test_an_import_without_post_checks_nothing_until_posting(road, accountant, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(IMPORT, encoding="utf-8")
    run_command("import_vouchers", path, "--user", "accountant")
    assert Voucher.objects.filter(ledger=road).count() == 3
