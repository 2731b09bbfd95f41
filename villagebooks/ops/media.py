"""The stored files a backup carries: vouchers' attachments and claims' receipt photos.

Their rows (``ledger_attachment``, ``claims_claimphoto``) name a file under ``MEDIA_ROOT`` and
the SHA-256 of its content. A backup reads those rows from the database snapshot itself, so it
carries every file the snapshot references (a file uploaded after the snapshot is not needed by
it and is left out), each checked against its row's digest. A referenced file that is missing or
whose content no longer matches its digest fails the backup, naming the file, unless the operator
accepts the loss (``--allow-missing-attachments``): then the manifest lists it as missing.

A restore checks every file of the archive before the database is touched and writes them into
the target's ``MEDIA_ROOT`` only after the database restore succeeded, each atomically (a
temporary name in its directory, then a rename), readable by the owner only.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# The tables whose rows name a file under MEDIA_ROOT (column ``file``) and its digest (``sha256``).
MEDIA_TABLES = ("ledger_attachment", "claims_claimphoto")
CHUNK = 1024 * 1024

MISSING = (
    "附件文件 {path}（{root} 下）不存在，但数据库中有它的记录：备份未写出。"
    "请从旧备份或原件找回该文件后重试；确认放弃该文件，请加 --allow-missing-attachments"
)
CHANGED = (
    "附件文件 {path}（{root} 下）的内容与数据库记录的 SHA-256 不符（文件已损坏或被改动）：备份未写出。"
    "请从旧备份或原件找回该文件后重试；确认放弃该文件，请加 --allow-missing-attachments"
)
UNSAFE_PATH = "附件路径 {path} 不在附件目录之内"
WRITE_FAILED = "无法写入附件文件 {path}：{error}"
EXISTS_DIFFERENT = (
    "附件目录 {root} 中已有文件 {path}，内容与备份中的不同。恢复会用备份中的文件替换它；"
    "确认要这样做，请加 --force。数据库未作任何改动"
)


class MediaError(Exception):
    """A stored file cannot be backed up or restored; the message (Chinese) names it."""


@dataclass(frozen=True)
class MediaFile:
    path: str  # relative to MEDIA_ROOT, with "/" (the FileField's name)
    bytes: int
    sha256: str


def references_sql(tables: set[str]) -> str | None:
    """The query for (file, sha256) of every referenced file, over the media tables present."""
    parts = [f'SELECT "file", "sha256" FROM "{t}"' for t in MEDIA_TABLES if t in tables]
    return " UNION ".join(parts) + " ORDER BY 1" if parts else None


def relative_path(path: str) -> PurePosixPath:
    """``path`` as a path inside MEDIA_ROOT; ``MediaError`` for an absolute one or one with ``..``
    (a row or manifest must never make a restore write outside the directory)."""
    relative = PurePosixPath(path)
    if (
        not path
        or relative.is_absolute()
        or any(part in ("..", "") for part in relative.parts)
        or "\\" in path
    ):
        raise MediaError(UNSAFE_PATH.format(path=path))
    return relative


def file_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def media_collect(
    *, root: Path, references: list[tuple[str, str]], allow_missing: bool
) -> tuple[list[MediaFile], list[str]]:
    """The files to carry (checked against their rows' digests) and those missing or changed
    (only with ``allow_missing``; else ``MediaError`` naming the first)."""
    carried, missing = [], []
    for name, expected in sorted(set(references)):
        relative = relative_path(name)
        try:
            size, digest = file_digest(root / relative)
        except FileNotFoundError as error:
            if not allow_missing:
                raise MediaError(MISSING.format(path=name, root=root)) from error
            missing.append(name)
            continue
        if digest != expected:
            if not allow_missing:
                raise MediaError(CHANGED.format(path=name, root=root))
            missing.append(name)
            continue
        carried.append(MediaFile(path=name, bytes=size, sha256=digest))
    return carried, missing


def conflicts_check(*, root: Path, files: list[MediaFile], force: bool) -> None:
    """Without ``force``, refuse if a file of the same path but other content is in ``root``."""
    if force:
        return
    for item in files:
        destination = root / relative_path(item.path)
        if destination.exists() and file_digest(destination)[1] != item.sha256:
            raise MediaError(EXISTS_DIFFERENT.format(root=root, path=item.path))


def directory_make(root: Path, directory: Path) -> None:
    """``directory`` and its missing parents up to ``root``, each new one mode 0700 (``root`` too,
    when new; its own parents are created as usual)."""
    if not root.exists():
        root.parent.mkdir(parents=True, exist_ok=True)
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current == root:
            break
        current = current.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


def file_write(*, root: Path, item: MediaFile, source, verify) -> None:
    """Write ``source`` (a binary stream) to ``item``'s path under ``root``: a temporary file in the
    same directory, mode 0600, fsynced, then renamed over the destination. ``verify(size, digest)``
    raises if the bytes are not the ones checked before; the temporary file is removed then."""
    destination = root / relative_path(item.path)
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    try:
        directory_make(root, destination.parent)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as error:
        raise MediaError(WRITE_FAILED.format(path=destination, error=error)) from error
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(descriptor, "wb") as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
        verify(size, digest.hexdigest())
        os.chmod(partial, 0o600)
        os.replace(partial, destination)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise MediaError(WRITE_FAILED.format(path=destination, error=error)) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
