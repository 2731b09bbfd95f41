"""The restore drill: the demo county backed up, restored into a fresh database with another
MEDIA_ROOT, every table and every stored file (claim photos, a voucher's attachment) compared.

This is what an operator rehearses each month (docs/operations.md), on the suite's database kind.
On SQLite it runs as the operator would, command by command on database files, and the backups
are taken while another process keeps posting vouchers: each must restore to books that verify.
On PostgreSQL the county is the test database's (committed: pg_dump reads committed rows only)
and the restore goes into ``<test database>_restore``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from villagebooks.ops.checksums import table_checksums
from villagebooks.ops.tests.conftest import checksums_on, owner_url, villagebooks_on

TODAY = date(2026, 6, 15)
DEMO = ["demo", "--villages=2", "--vouchers=30", "--seed=18", f"--today={TODAY}", "--planted-villages=0"]
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
# A voucher of the demo county waiting for review, with its scanned receipt (a PDF).
ATTACH = """
from django.contrib.auth import get_user_model
from villagebooks.ledger import services
from villagebooks.ledger.models import Account, Ledger
from villagebooks.ledger.tests.books import parse_vouchers

accountant = get_user_model().objects.get(username="accountant")
ledger = Ledger.objects.order_by("code").first()
bank = Account.objects.filter(ledger=ledger, code__startswith="102", is_leaf=True).order_by("code")[0].code
((day, _, lines),) = parse_vouchers(f"2026-06-12 取现\\n 借 101 库存现金 80.00\\n 贷 {bank} 银行存款 80.00")
voucher = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines)
pdf = b"%PDF-1.4\\n1 0 obj <<>> endobj\\ntrailer <<>>\\n%% drill receipt\\n%%EOF\\n"
services.attachment_add(actor=accountant, voucher=voucher, name="取现单.pdf", content=pdf)
"""
# What the site serves for each attachment and claim photo: path, SHA-256 of the response, row's digest.
SERVED = """
import hashlib
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from villagebooks.claims.models import ClaimPhoto
from villagebooks.ledger.models import Attachment

client = Client(HTTP_HOST="localhost")
client.force_login(get_user_model().objects.get(username="accountant"))
def served(url):
    response = client.get(url, secure=True)
    assert response.status_code == 200, (url, response.status_code)
    return hashlib.sha256(b"".join(response.streaming_content)).hexdigest()
for a in Attachment.objects.select_related("ledger").order_by("id"):
    url = reverse("voucher_attachment", args=[a.ledger.code, a.voucher_id, a.id])
    print(a.file.name, served(url), a.sha256)
for p in ClaimPhoto.objects.order_by("id"):
    print(p.file.name, served(reverse("claims:photo", args=[p.claim_id, p.id])), p.sha256)
"""
POSTED = (
    "from villagebooks.ledger.models import Voucher; print(Voucher.objects.filter(status='posted').count())"
)


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_stored_files_restored(source_root: Path, restored_root: Path, served: str) -> None:
    """The restored MEDIA_ROOT holds the source's files byte for byte, owner-only, and the site
    serves each attachment and claim photo with the content its row's digest names."""
    before, after = media_files(source_root), media_files(restored_root)
    assert after == before
    assert any(name.startswith("attachments/") for name in after) and any(
        n.startswith("claims/") for n in after
    )
    for path in restored_root.rglob("*"):
        assert path.stat().st_mode & 0o777 == (0o600 if path.is_file() else 0o700), path
    lines = [line.split() for line in served.splitlines()]
    assert {name for name, _, _ in lines} == set(before)
    for name, content_digest, row_digest in lines:
        assert content_digest == row_digest == hashlib.sha256(before[name]).hexdigest()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite drill; PostgreSQL's is below")
def test_sqlite_drill_backups_taken_while_vouchers_are_posted_restore_whole(tmp_path, fresh_database):
    source = f"sqlite:///{tmp_path / 'county.sqlite3'}"
    assert villagebooks_on(source, *DEMO, home=tmp_path).returncode == 0
    attached = villagebooks_on(source, home=tmp_path, code=ATTACH)
    assert attached.returncode == 0, attached.stderr
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

    restored_home = tmp_path / "restored"  # the instance restored into: its own MEDIA_ROOT
    done = villagebooks_on(fresh_database, "restore", str(tmp_path / "busy.tar"), home=restored_home)

    assert done.returncode == 0, done.stderr
    assert "校验通过：3 个账套" in done.stdout  # balances, numbering: every voucher whole
    restored = int(villagebooks_on(fresh_database, home=restored_home, code=POSTED).stdout)
    assert posted_by_demo < restored < posted_at_end  # taken while the clerk was posting
    # The last restore and the source, now that nobody writes: as many tables, rows and values.
    done = villagebooks_on(source, "backup", f"--output={tmp_path / 'quiet.tar'}", home=tmp_path)
    assert done.returncode == 0
    done = villagebooks_on(
        fresh_database, "restore", str(tmp_path / "quiet.tar"), "--force", home=restored_home
    )
    assert done.returncode == 0, done.stderr
    before, after = checksums_on(source), checksums_on(fresh_database)
    assert after == before
    assert before["ledger_voucherline"][0] > 500
    served = villagebooks_on(fresh_database, home=restored_home, code=SERVED)
    assert served.returncode == 0, served.stderr
    assert_stored_files_restored(
        tmp_path / "var" / "attachments", restored_home / "var" / "attachments", served.stdout
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL drill; SQLite's is above")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_drill_the_demo_county_comes_back_table_for_table(fresh_database, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "attachments"
    call_command("demo", *DEMO[1:], stdout=StringIO())
    exec(ATTACH)
    backup = tmp_path / "county.tar"
    call_command("backup", output=backup, stdout=StringIO())
    before = {table: [c.rows, c.sha256] for table, c in table_checksums().items()}

    out = StringIO()
    restored_home = tmp_path / "restored"
    media_root = restored_home / "var" / "attachments"
    call_command(
        "restore", str(backup), database_url=owner_url(fresh_database), media_root=media_root, stdout=out
    )

    assert "校验通过：3 个账套" in out.getvalue()
    assert checksums_on(fresh_database) == before
    assert before["ledger_voucherline"][0] > 500 and before["ledger_accountbalance"][0] > 100
    served = villagebooks_on(fresh_database, home=restored_home, code=SERVED)
    assert served.returncode == 0, served.stderr
    assert_stored_files_restored(settings.MEDIA_ROOT, media_root, served.stdout)
