"""The backup file: one tar archive holding ``manifest.json``, the database's dump and the
stored files the database references (``media/<path under MEDIA_ROOT>``; ``media.py``).

The manifest says what the file is before anything is restored from it: the format and its
version, the kind of database the dump is of (SQLite's database file or PostgreSQL's
``pg_dump -Fc`` archive), the migrations applied in it (the schema it needs), when and from where
it was made, the row count of each table, and the size and SHA-256 of the dump, which restore
checks before it touches the target, and (format version 2) the path, size and SHA-256 of every
stored file it carries and the paths of referenced files it lacks. Version 1 files (before the
stored files were carried) hold the dump only and still restore. A tar keeps both in one file that ``tar tf`` lists and
``tar xf`` unpacks by hand if ever needed; the dump is stored uncompressed (PostgreSQL's is
compressed already; compress a SQLite backup when copying it off the server if space matters).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from villagebooks.ops import media

FORMAT = "villagebooks-backup"
FORMAT_VERSION = 2  # 2: the stored files (attachments, claim photos) are carried too
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media/"
PAYLOAD_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
DATABASE_TEXT = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024

NOT_A_BACKUP = "{path} 不是村账通的备份文件（{reason}）"
NEWER_FORMAT = (
    "{path} 的备份格式版本为 {version}，比本程序能读的版本（{supported}）新：请用新版本的村账通恢复"
)
DAMAGED = "备份文件 {path} 已损坏：{reason}。数据库未作任何改动"
# After the database was restored (the file changed between the check and the writing).
DAMAGED_LATE = "备份文件 {path} 已损坏：{reason}"
MEDIA_CHANGED = "附件文件 {path} 在备份过程中被改动（{error}）：备份未写出，请重试"


class ArchiveError(Exception):
    """The file cannot be restored from; the message (Chinese) says why."""


@dataclass(frozen=True)
class Manifest:
    database: str  # "sqlite" or "postgresql"
    created_at: str  # ISO 8601, UTC
    source: str  # the database backed up: a file path or host/name (never a password)
    migrations: dict[str, list[str]]  # app label → applied migration names, sorted
    tables: dict[str, int]  # table → rows at the moment of the backup
    payload: str = ""
    payload_bytes: int = 0
    payload_sha256: str = ""
    villagebooks_version: str = ""
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    notes: list[str] = field(default_factory=list)
    # Version 2: each carried file as {"path", "bytes", "sha256"}; referenced files left out.
    attachments: list[dict] = field(default_factory=list)
    attachments_missing: list[str] = field(default_factory=list)

    def applied(self) -> set[tuple[str, str]]:
        return {(app, name) for app, names in self.migrations.items() for name in names}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_write(
    *, path: Path, manifest: Manifest, payload: Path, media_root: Path | None = None
) -> Manifest:
    """Write ``manifest`` (completed with the payload's name, size and digest), ``payload`` and the
    files of ``manifest.attachments`` (read from ``media_root``) to ``path``, readable by its owner
    only: a backup holds every person's data of the platform.

    The archive is written beside ``path`` under a temporary name and renamed at the end, so
    an interrupted backup never leaves a file that looks whole.
    """
    manifest = Manifest(
        **{
            **asdict(manifest),
            "payload": PAYLOAD_NAMES[manifest.database],
            "payload_bytes": payload.stat().st_size,
            "payload_sha256": file_sha256(payload),
        }
    )
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream, tarfile.open(fileobj=stream, mode="w") as tar:
            text = json.dumps(asdict(manifest), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mode, info.mtime = len(text), 0o600, int(time.time())
            tar.addfile(info, fileobj=io.BytesIO(text))
            info = tar.gettarinfo(str(payload), arcname=manifest.payload)
            info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
            with open(payload, "rb") as source:
                tar.addfile(info, fileobj=source)
            for item in manifest.attachments:
                _media_add(tar, media_root, item)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


class _Hashing:
    """A binary stream that hashes what is read from it."""

    def __init__(self, stream):
        self.stream, self.digest = stream, hashlib.sha256()

    def read(self, size=-1):
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def _media_add(tar: tarfile.TarFile, root: Path, item: dict) -> None:
    info = tarfile.TarInfo(MEDIA_PREFIX + item["path"])
    info.size, info.mode, info.mtime = item["bytes"], 0o600, int(time.time())
    try:
        with open(root / media.relative_path(item["path"]), "rb") as source:
            reader = _Hashing(source)
            tar.addfile(info, fileobj=reader)
    except (OSError, EOFError) as error:  # shorter than when it was checked, or gone
        raise media.MediaError(MEDIA_CHANGED.format(path=item["path"], error=error)) from error
    if reader.digest.hexdigest() != item["sha256"]:
        raise media.MediaError(MEDIA_CHANGED.format(path=item["path"], error="SHA-256 不同"))


def manifest_read(path: Path) -> Manifest:
    """The manifest of the backup at ``path``; ``ArchiveError`` if the file is not one."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            member = tar.next()
            if member is None or member.name != MANIFEST_NAME or not member.isfile():
                raise ArchiveError(NOT_A_BACKUP.format(path=path, reason=f"开头没有 {MANIFEST_NAME}"))
            data = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except FileNotFoundError as error:
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason="文件不存在")) from error
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason="不是 tar 格式的文件")) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason="清单不是有效的 JSON")) from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason=f"清单中的格式不是 {FORMAT}"))
    version = data.get("format_version")
    if not isinstance(version, int):
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason="清单没有格式版本"))
    if version > FORMAT_VERSION:
        raise ArchiveError(NEWER_FORMAT.format(path=path, version=version, supported=FORMAT_VERSION))
    try:
        manifest = Manifest(**data)
    except TypeError as error:
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason=f"清单的字段不对：{error}")) from error
    try:
        for item in manifest.attachments:
            media.relative_path(item["path"])
            if not isinstance(item["bytes"], int) or not isinstance(item["sha256"], str):
                raise TypeError(item)
    except (TypeError, KeyError) as error:
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason="清单中的附件列表不对")) from error
    except media.MediaError as error:
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason=f"清单中的{error}")) from error
    if manifest.database not in PAYLOAD_NAMES or manifest.payload != PAYLOAD_NAMES[manifest.database]:
        raise ArchiveError(NOT_A_BACKUP.format(path=path, reason=f"未知的数据库类型 {manifest.database!r}"))
    return manifest


def payload_extract(*, path: Path, manifest: Manifest, destination: Path) -> None:
    """Copy the dump out of the archive to ``destination``, proving it is the one the manifest
    describes (size and SHA-256); ``ArchiveError`` if it is missing, cut short or altered."""
    digest = hashlib.sha256()
    size = 0
    try:
        with tarfile.open(path, mode="r:") as tar:
            member = next((m for m in tar if m.name == manifest.payload), None)
            if member is None or not member.isfile():
                raise ArchiveError(DAMAGED.format(path=path, reason=f"缺少数据库文件 {manifest.payload}"))
            source = tar.extractfile(member)
            descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as target:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(DAMAGED.format(path=path, reason=f"文件不完整或无法读取（{error}）")) from error
    if size != manifest.payload_bytes:
        raise ArchiveError(
            DAMAGED.format(
                path=path, reason=f"数据库文件应有 {manifest.payload_bytes} 字节，实有 {size} 字节"
            )
        )
    if digest.hexdigest() != manifest.payload_sha256:
        raise ArchiveError(DAMAGED.format(path=path, reason="数据库文件的 SHA-256 校验值与清单不符"))


def _media_members(path: Path, manifest: Manifest, each, damaged: str = DAMAGED) -> None:
    """Call ``each(item, stream)`` for every file of the manifest, from its member; ``ArchiveError``
    if a member is missing or the archive cannot be read."""
    wanted = {MEDIA_PREFIX + item["path"]: item for item in manifest.attachments}
    seen = set()
    try:
        with tarfile.open(path, mode="r:") as tar:
            for member in tar:
                item = wanted.get(member.name)
                if item is None or member.name in seen:
                    continue
                if not member.isfile():
                    raise ArchiveError(damaged.format(path=path, reason=f"附件 {item['path']} 不是文件"))
                seen.add(member.name)
                each(item, tar.extractfile(member))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(damaged.format(path=path, reason=f"文件不完整或无法读取（{error}）")) from error
    for name in sorted(wanted.keys() - seen):
        raise ArchiveError(damaged.format(path=path, reason=f"缺少附件 {wanted[name]['path']}"))


def _media_verify(path: Path, item: dict, size: int, digest: str, damaged: str = DAMAGED) -> None:
    if size != item["bytes"]:
        reason = f"附件 {item['path']} 应有 {item['bytes']} 字节，实有 {size} 字节"
        raise ArchiveError(damaged.format(path=path, reason=reason))
    if digest != item["sha256"]:
        reason = f"附件 {item['path']} 的 SHA-256 校验值与清单不符"
        raise ArchiveError(damaged.format(path=path, reason=reason))


def media_check(*, path: Path, manifest: Manifest) -> None:
    """Every stored file of the manifest is in the archive, whole (size and SHA-256); reads only."""

    def check(item, stream):
        digest, size = hashlib.sha256(), 0
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
        _media_verify(path, item, size, digest.hexdigest())

    _media_members(path, manifest, check)


def media_extract(*, path: Path, manifest: Manifest, root: Path) -> int:
    """Write the archive's stored files under ``root`` (each atomically, 0600, checked again as it
    is written); a file already there with the same content is left as it is. Returns how many
    were written."""
    written = 0

    def write(item, stream):
        nonlocal written
        destination = root / media.relative_path(item["path"])
        if destination.exists() and media.file_digest(destination)[1] == item["sha256"]:
            return
        media.file_write(
            root=root,
            item=media.MediaFile(**item),
            source=stream,
            verify=lambda size, digest: _media_verify(path, item, size, digest, DAMAGED_LATE),
        )
        written += 1

    _media_members(path, manifest, write, DAMAGED_LATE)
    return written
