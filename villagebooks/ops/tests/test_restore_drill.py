"""The restore drill: the demo county backed up, restored into a fresh database, every table compared.

This is what an operator rehearses each month (docs/operations.md), on the suite's database kind.
On SQLite it runs as the operator would, command by command on database files, and the backups
are taken while another process keeps posting vouchers: each must restore to books that verify.
On PostgreSQL the county is the test database's (committed: pg_dump reads committed rows only)
and the restore goes into ``<test database>_restore``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from villagebooks.ops.checksums import table_checksums
from villagebooks.ops.tests.conftest import checksums_on, owner_url, villagebooks_on

TODAY = date(2026, 6, 15)
DEMO = ["demo", "--villages=2", "--vouchers=30", "--seed=18", f"--today={TODAY}"]
# Posts one small voucher after another into the first ledger until killed (a clerk at work).
WRITER = """
from villagebooks.ledger.models import Account, Ledger
from villagebooks.ledger.tests.books import post
from django.contrib.auth import get_user_model

users = get_user_model().objects
accountant, reviewer = users.get(username="accountant"), users.get(username="reviewer")
ledger = Ledger.objects.order_by("code").first()
bank = Account.objects.filter(ledger=ledger, code__startswith="102", is_leaf=True).order_by("code")[0].code
print("writing", flush=True)
while True:
    post(ledger, accountant, reviewer, f"2026-06-10 存现\\n 借 101 库存现金 1.00\\n 贷 {bank} 银行存款 1.00")
"""
POSTED = (
    "from villagebooks.ledger.models import Voucher; print(Voucher.objects.filter(status='posted').count())"
)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite drill; PostgreSQL's is below")
def test_sqlite_drill_backups_taken_while_vouchers_are_posted_restore_whole(tmp_path, fresh_database):
    source = f"sqlite:///{tmp_path / 'county.sqlite3'}"
    assert villagebooks_on(source, *DEMO, home=tmp_path).returncode == 0
    posted_by_demo = int(villagebooks_on(source, home=tmp_path, code=POSTED).stdout)
    writer = subprocess.Popen(
        [sys.executable, "-c", "import django; django.setup()\n" + WRITER],
        env=villagebooks_on.environment(source, tmp_path),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline() == "writing\n"
        time.sleep(1)
        backup = villagebooks_on(source, "backup", f"--output={tmp_path / 'busy.tar'}", home=tmp_path)
        time.sleep(1)
    finally:
        writer.kill()
        writer.wait()
    assert backup.returncode == 0, backup.stderr
    posted_at_end = int(villagebooks_on(source, home=tmp_path, code=POSTED).stdout)

    done = villagebooks_on(fresh_database, "restore", str(tmp_path / "busy.tar"), home=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "校验通过：2 个账套" in done.stdout  # balances, numbering: every voucher whole
    restored = int(villagebooks_on(fresh_database, home=tmp_path, code=POSTED).stdout)
    assert posted_by_demo < restored < posted_at_end  # taken while the clerk was posting
    # The last restore and the source, now that nobody writes: as many tables, rows and values.
    done = villagebooks_on(source, "backup", f"--output={tmp_path / 'quiet.tar'}", home=tmp_path)
    assert done.returncode == 0
    assert villagebooks_on(fresh_database, "restore", str(tmp_path / "quiet.tar"), "--force").returncode == 0
    before, after = checksums_on(source), checksums_on(fresh_database)
    assert after == before
    assert before["ledger_voucherline"][0] > 500


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL drill; SQLite's is above")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_drill_the_demo_county_comes_back_table_for_table(fresh_database, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "attachments"
    call_command("demo", *DEMO[1:], stdout=StringIO())
    backup = tmp_path / "county.tar"
    call_command("backup", output=backup, stdout=StringIO())
    before = {table: [c.rows, c.sha256] for table, c in table_checksums().items()}

    out = StringIO()
    call_command("restore", str(backup), database_url=owner_url(fresh_database), stdout=out)

    assert "校验通过：2 个账套" in out.getvalue()
    assert checksums_on(fresh_database) == before
    assert before["ledger_voucherline"][0] > 500 and before["ledger_accountbalance"][0] > 100
