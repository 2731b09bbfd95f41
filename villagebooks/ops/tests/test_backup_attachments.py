"""The stored files in a backup: a damaged one refused before anything changes, one missing on
disk at backup time, a file of the same path already in the target, and a backup made before the
files were carried (format version 1). The books are a village with a voucher waiting for review
that carries a scanned receipt, in a database of the suite's kind beside the test database."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from villagebooks.ops.archive import MANIFEST_NAME
from villagebooks.ops.tests.conftest import checksums_on, owner_url, scratch_database, villagebooks_on
from villagebooks.ops.tests.test_restore_refusals import BOOKS, data_in, refusal, restore

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n% the receipt of the 5th\n%%EOF\n"
# The village of test_restore_refusals, up to its first backup; then the voucher with its receipt.
ATTACHED = (
    BOOKS.split('call_command("backup"')[0]
    + """
from villagebooks.ledger.tests.books import parse_vouchers
((day, _, lines),) = parse_vouchers("2025-03-06 购买文具\\n 借 521 管理费用 30.00\\n 贷 101 库存现金 30.00")
voucher = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines)
attachment = services.attachment_add(actor=accountant, voucher=voucher, name="文具发票.pdf", content=PDF)
call_command("backup", output=OUTPUT + "/attached.tar")
print(attachment.file.name)
"""
)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """(directory, database URL, the attachment's path under MEDIA_ROOT); attached.tar in directory."""
    directory = tmp_path_factory.mktemp("attached")
    with scratch_database(directory, "source") as url:
        code = f"OUTPUT = {str(directory)!r}\nPDF = {PDF!r}\n" + ATTACHED
        done = villagebooks_on(url, home=directory, code=code)
        assert done.returncode == 0, done.stderr
        yield directory, url, done.stdout.strip().splitlines()[-1]


def members(backup: Path) -> dict[str, bytes]:
    with tarfile.open(backup) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def repacked(backup: Path, destination: Path, change) -> Path:
    """A copy of ``backup`` whose members (name → bytes, manifest as a dict) ``change`` rewrote."""
    contents = members(backup)
    contents[MANIFEST_NAME] = json.loads(contents[MANIFEST_NAME])
    contents = change(contents)
    contents[MANIFEST_NAME] = json.dumps(contents[MANIFEST_NAME]).encode()
    with tarfile.open(destination, "w") as tar:
        for name in [MANIFEST_NAME, *(n for n in contents if n != MANIFEST_NAME)]:
            info = tarfile.TarInfo(name)
            info.size = len(contents[name])
            tar.addfile(info, io.BytesIO(contents[name]))
    return destination


def test_the_backup_carries_the_receipt_with_its_digest(source):
    directory, _, name = source

    contents = members(directory / "attached.tar")

    manifest = json.loads(contents[MANIFEST_NAME])
    assert manifest["format_version"] == 2
    assert manifest["attachments"] == [
        {"path": name, "bytes": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
    ]
    assert manifest["attachments_missing"] == []
    assert contents[f"media/{name}"] == PDF


def test_a_damaged_receipt_in_the_backup_is_refused_and_nothing_changes(source, fresh_database, tmp_path):
    directory, _, name = source

    def flip(contents):
        contents[f"media/{name}"] = contents[f"media/{name}"].replace(b"5th", b"6th")
        return contents

    damaged = repacked(directory / "attached.tar", tmp_path / "damaged.tar", flip)
    media = tmp_path / "media"

    message = refusal(damaged, fresh_database, f"--media-root={media}")

    assert (
        message == f"备份文件 {damaged} 已损坏：附件 {name} 的 SHA-256 校验值与清单不符。数据库未作任何改动"
    )
    assert data_in(fresh_database) == {}
    assert not media.exists()


def test_a_receipt_missing_from_the_backup_is_refused(source, fresh_database, tmp_path):
    directory, _, name = source

    def drop(contents):
        del contents[f"media/{name}"]
        return contents

    cut = repacked(directory / "attached.tar", tmp_path / "cut.tar", drop)

    message = refusal(cut, fresh_database, f"--media-root={tmp_path / 'media'}")

    assert message == f"备份文件 {cut} 已损坏：缺少附件 {name}。数据库未作任何改动"
    assert data_in(fresh_database) == {}


def test_a_manifest_path_outside_the_media_directory_is_refused(source, fresh_database, tmp_path):
    directory, _, name = source

    def escape(contents):
        contents[MANIFEST_NAME]["attachments"][0]["path"] = "../../etc/cron.d/x"
        contents["media/../../etc/cron.d/x"] = contents.pop(f"media/{name}")
        return contents

    path = repacked(directory / "attached.tar", tmp_path / "escape.tar", escape)

    message = refusal(path, fresh_database, f"--media-root={tmp_path / 'media'}")

    assert message == f"{path} 不是村账通的备份文件（清单中的附件路径 ../../etc/cron.d/x 不在附件目录之内）"
    assert data_in(fresh_database) == {}


def test_a_file_of_the_same_path_is_replaced_only_with_force(source, fresh_database, tmp_path):
    directory, _, name = source
    media = tmp_path / "media"
    (media / name).parent.mkdir(parents=True)
    (media / name).write_bytes(b"someone else's file")

    message = refusal(directory / "attached.tar", fresh_database, f"--media-root={media}")

    assert message == (
        f"附件目录 {media} 中已有文件 {name}，内容与备份中的不同。恢复会用备份中的文件替换它；"
        "确认要这样做，请加 --force。数据库未作任何改动"
    )
    assert data_in(fresh_database) == {} and (media / name).read_bytes() == b"someone else's file"
    output = restore(directory / "attached.tar", fresh_database, f"--media-root={media}", "--force")
    assert "校验通过：1 个账套" in output and f"写入 {media} 1 个" in output
    assert (media / name).read_bytes() == PDF and (media / name).stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (media / name).parent.iterdir()] == [Path(name).name]  # no partial file left


def test_a_receipt_missing_on_disk_fails_the_backup_unless_the_loss_is_accepted(
    source, fresh_database, tmp_path
):
    directory, url, name = source
    stored = directory / "var" / "attachments" / name
    kept = stored.read_bytes()
    stored.unlink()
    try:
        output = tmp_path / "b.tar"
        done = villagebooks_on(url, "backup", f"--output={output}", home=directory)

        assert done.returncode == 1
        assert (
            f"附件文件 {name}（{directory / 'var' / 'attachments'} 下）不存在，但数据库中有它的记录"
            in done.stderr
        )
        assert "--allow-missing-attachments" in done.stderr and not output.exists()
        done = villagebooks_on(
            url, "backup", f"--output={output}", "--allow-missing-attachments", home=directory
        )
        assert done.returncode == 0, done.stderr
        assert f"警告：附件文件 {name} 缺失或已损坏，未包含在备份中" in done.stderr
        manifest = json.loads(members(output)[MANIFEST_NAME])
        assert manifest["attachments"] == [] and manifest["attachments_missing"] == [name]
        restored = villagebooks_on(
            owner_url(fresh_database), "restore", str(output), home=tmp_path / "restored"
        )
        assert restored.returncode == 0, restored.stderr
        assert f"警告：附件文件 {name} 备份时已缺失，不在备份中，未能恢复" in restored.stderr
    finally:
        stored.write_bytes(kept)


def test_a_receipt_changed_on_disk_fails_the_backup(source, tmp_path):
    directory, url, name = source
    stored = directory / "var" / "attachments" / name
    kept = stored.read_bytes()
    stored.write_bytes(kept.replace(b"5th", b"6th"))
    try:
        done = villagebooks_on(url, "backup", f"--output={tmp_path / 'b.tar'}", home=directory)
    finally:
        stored.write_bytes(kept)

    assert done.returncode == 1
    assert (
        f"附件文件 {name}（{directory / 'var' / 'attachments'} 下）的内容与数据库记录的 SHA-256 不符"
        in done.stderr
    )


def test_a_backup_of_format_version_1_without_files_still_restores(source, fresh_database, tmp_path):
    directory, url, name = source

    def version_1(contents):
        manifest = contents[MANIFEST_NAME]
        del manifest["attachments"], manifest["attachments_missing"], contents[f"media/{name}"]
        manifest["format_version"] = 1
        return contents

    old = repacked(directory / "attached.tar", tmp_path / "v1.tar", version_1)
    media = tmp_path / "media"

    output = restore(old, fresh_database, f"--media-root={media}")

    assert "校验通过：1 个账套" in output
    assert checksums_on(fresh_database) == checksums_on(url)
    assert not media.exists()
