"""What restore refuses, saying why in Chinese and changing nothing; what --force, a failed verify
and an older backup do. The backups are made once, by the ``backup`` command, of a small set of
books in a database of the suite's kind beside the test database."""

from __future__ import annotations

import io
import json
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from villagebooks.ops import postgresql, sqlite
from villagebooks.ops.archive import MANIFEST_NAME
from villagebooks.ops.target import target_resolve
from villagebooks.ops.tests.conftest import checksums_on, owner_url, scratch_database, villagebooks_on

# A village with a posted voucher; then, for the second backup, a balance row made wrong.
BOOKS = """
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import post
from villagebooks.regions.models import Region
from villagebooks.regions.services import regions_import_csv, role_grant, system_user

call_command("migrate", verbosity=0)
actor = system_user()
regions_import_csv(actor=actor, text=(
    "code,name,parent_code,kind\\n510000000000,四川省,,province\\n"
    "510781100000,新安镇,510000000000,township\\n510781100201,黑滩村,510781100000,village\\n"
))
township = Region.objects.get(code="510781100000")
users = get_user_model().objects
accountant = users.create_user(username="accountant", password="x-not-used-1")
reviewer = users.create_user(username="reviewer", password="x-not-used-2")
role_grant(actor=actor, user=accountant, role="accountant", region=township)
role_grant(actor=actor, user=reviewer, role="reviewer", region=township)
ledger = services.ledger_create(actor=accountant, village_code="510781100201", code="HT01",
    name="黑滩村股份经济合作联合社", chart="2023", start_year=2025, start_month=1)
ledger = services.opening_balances_set(actor=accountant, ledger=ledger, rows=[
    services.OpeningInput(account_code="101", debit_fen=100_000),
    services.OpeningInput(account_code="301", credit_fen=100_000)])
post(ledger, accountant, reviewer, "2025-03-05 购买办公用品\\n 借 521 管理费用 120.00\\n 贷 101 库存现金 120.00")
call_command("backup", output=OUTPUT + "/good.tar")
with connection.cursor() as cursor:
    cursor.execute("UPDATE ledger_accountbalance SET debit_fen = debit_fen + 1 WHERE period_key = 202503"
                   " AND account_id = (SELECT id FROM ledger_account WHERE code = '101' AND ledger_id = %s)", [ledger.pk])
call_command("backup", output=OUTPUT + "/wrong-balance.tar")
"""


@pytest.fixture(scope="module")
def backups(tmp_path_factory):
    """good.tar and wrong-balance.tar, made in a database of the suite's kind."""
    directory = tmp_path_factory.mktemp("backups")
    with scratch_database(directory, "source") as source:
        done = villagebooks_on(source, home=directory, code=f"OUTPUT = {str(directory)!r}\n" + BOOKS)
        assert done.returncode == 0, done.stderr
    return directory


def restore(path: Path, url: str, *options: str) -> str:
    out = StringIO()
    call_command("restore", str(path), f"--database-url={owner_url(url)}", *options, stdout=out)
    return out.getvalue()


def data_in(url: str) -> dict[str, int]:
    """Users, regions and ledgers in the database at ``url`` (none when it has no tables)."""
    target = target_resolve(url)
    if target.vendor == "sqlite" and not Path(target.name).exists():
        return {}
    return (sqlite if target.vendor == "sqlite" else postgresql).data_counts(target)


def repacked(backup: Path, destination: Path, *, manifest=None, payload=None) -> Path:
    """A copy of ``backup`` with its manifest (a dict → dict function) or payload (bytes → bytes) changed."""
    with tarfile.open(backup) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    data = json.loads(members.pop(MANIFEST_NAME))
    ((name, content),) = members.items()
    data = manifest(data) if manifest else data
    content = payload(content) if payload else content
    with tarfile.open(destination, "w") as tar:
        for member_name, member_content in (
            (MANIFEST_NAME, json.dumps(data).encode()),
            (data["payload"], content),
        ):
            info = tarfile.TarInfo(member_name)
            info.size = len(member_content)
            tar.addfile(info, io.BytesIO(member_content))
    return destination


def refusal(path: Path, url: str, *options: str) -> str:
    with pytest.raises(CommandError) as caught:
        restore(path, url, *options)
    return str(caught.value)


def test_a_backup_with_a_changed_byte_is_refused(backups, fresh_database, tmp_path):
    def flip(content: bytes) -> bytes:
        middle = len(content) // 2
        return content[:middle] + bytes([content[middle] ^ 0xFF]) + content[middle + 1 :]

    damaged = repacked(backups / "good.tar", tmp_path / "damaged.tar", payload=flip)

    message = refusal(damaged, fresh_database)

    assert message == f"备份文件 {damaged} 已损坏：数据库文件的 SHA-256 校验值与清单不符。数据库未作任何改动"
    assert data_in(fresh_database) == {}


def test_a_backup_cut_short_is_refused(backups, fresh_database, tmp_path):
    data = (backups / "good.tar").read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[: len(data) * 2 // 3])

    message = refusal(cut, fresh_database)

    assert message.startswith(f"备份文件 {cut} 已损坏：") and message.endswith("数据库未作任何改动")
    assert data_in(fresh_database) == {}


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"code,name\n101,cash\n", "不是 tar 格式的文件"),
        (None, "开头没有 manifest.json"),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused(fresh_database, tmp_path, content, reason):
    path = tmp_path / "not-a-backup.tar"
    if content is None:
        with tarfile.open(path, "w") as tar:
            info = tarfile.TarInfo("database.sqlite3")
            info.size = 4
            tar.addfile(info, io.BytesIO(b"data"))
    else:
        path.write_bytes(content)

    assert refusal(path, fresh_database) == f"{path} 不是村账通的备份文件（{reason}）"
    assert data_in(fresh_database) == {}


def test_a_backup_of_the_other_kind_of_database_is_refused(backups, fresh_database, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    names = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
    path = repacked(
        backups / "good.tar",
        tmp_path / "other.tar",
        manifest=lambda m: m | {"database": other, "payload": names[other]},
    )
    texts = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

    assert refusal(path, fresh_database) == (
        f"{path} 是 {texts[other]} 数据库的备份，不能恢复到 {texts[connection.vendor]} 数据库。数据库未作任何改动"
    )


def test_a_backup_of_a_newer_schema_is_refused(backups, fresh_database, tmp_path):
    def later(manifest):
        manifest["migrations"]["ledger"].append("0099_from_a_later_version")
        return manifest

    path = repacked(backups / "good.tar", tmp_path / "later.tar", manifest=later)

    message = refusal(path, fresh_database)

    assert "来自更新版本的村账通" in message and "ledger.0099_from_a_later_version" in message
    assert message.endswith("数据库未作任何改动")
    assert data_in(fresh_database) == {}


def test_a_backup_of_a_newer_format_is_refused(backups, fresh_database, tmp_path):
    path = repacked(backups / "good.tar", tmp_path / "v3.tar", manifest=lambda m: m | {"format_version": 3})

    assert refusal(path, fresh_database) == (
        f"{path} 的备份格式版本为 3，比本程序能读的版本（2）新：请用新版本的村账通恢复"
    )


def test_a_database_that_holds_data_is_replaced_only_with_force(backups, fresh_database):
    restore(backups / "good.tar", fresh_database)
    before = checksums_on(fresh_database)

    message = refusal(backups / "good.tar", fresh_database)

    assert "已有数据（用户 3 个、区划 3 个、账套 1 个）" in message and "请加 --force" in message
    assert checksums_on(fresh_database) == before
    output = restore(backups / "good.tar", fresh_database, "--force")
    assert "校验通过：1 个账套" in output
    assert checksums_on(fresh_database) == before


def test_a_restore_whose_books_do_not_verify_fails(backups, fresh_database):
    message = refusal(backups / "wrong-balance.tar", fresh_database)

    assert message.startswith("数据已恢复，但恢复后的校验（verify）未通过：")
    assert "库存现金" in message or "101" in message
    assert data_in(fresh_database)["ledger_ledger"] == 1


def test_backup_does_not_overwrite_a_file(tmp_path):
    existing = tmp_path / "existing.tar"
    existing.write_bytes(b"yesterday's backup")

    with pytest.raises(CommandError, match="已存在：请换一个文件名"):
        call_command("backup", output=existing, database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert existing.read_bytes() == b"yesterday's backup"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backup reads through Django's connection")
def test_a_sqlite_backup_inside_an_open_transaction_is_refused_rather_than_waiting_forever(tmp_path):
    with pytest.raises(CommandError, match="不能在未结束的事务中备份"):
        call_command("backup", output=tmp_path / "b.tar")


def test_a_backup_older_than_the_program_is_brought_up_to_its_schema(fresh_database, tmp_path):
    """A backup made before an upgrade restores into the upgraded program: its later migrations run."""
    with scratch_database(tmp_path, "older") as older:
        for step in (["migrate", "--verbosity=0"], ["migrate", "ledger", "0005", "--verbosity=0"]):
            assert villagebooks_on(older, *step, home=tmp_path).returncode == 0
        done = villagebooks_on(older, "backup", f"--output={tmp_path / 'older.tar'}", home=tmp_path)
        assert done.returncode == 0, done.stderr

    output = restore(tmp_path / "older.tar", fresh_database)

    # Rolling ledger back to 0005 rolled back the apps that depend on it too (banking): all run again.
    applied = next(line for line in output.splitlines() if line.startswith("已应用迁移："))
    assert "ledger.0006_ledger_in_unique_keys" in applied and "校验通过" in output
    plan = villagebooks_on(fresh_database, "showmigrations", "ledger", home=tmp_path).stdout
    assert "[X] 0006_ledger_in_unique_keys" in plan
