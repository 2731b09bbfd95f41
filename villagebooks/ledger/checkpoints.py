"""Signed checkpoints of the books: a ledger's chain (size, Merkle root) or a region's ledgers.

A checkpoint is (ledger, tree size, root hash, time, key id, public key) in canonical JSON,
signed with the agency's Ed25519 key (``verify_books`` checks it, with no database). Once a
checkpoint is published (printed on the month's reports, pinned on the notice board, handed to the
township), the books it covers cannot be changed without the change showing against it: not by a
changed row (the chain says so), not by a chain recomputed by someone with database access (its
root at that size is no longer the signed one).

The key lives outside the database, in the file ``settings.CHECKPOINT_KEY_FILE`` (mode 0600),
made by ``villagebooks checkpoint-key create`` and never printed. Every public key ever used is
kept in ``CheckpointKey`` (insert-only), and each checkpoint carries its own public key and key
id, so that checkpoints signed before a rotation still verify after it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks import verify_books
from villagebooks.common import audit_chain
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError
from villagebooks.ledger import chain
from villagebooks.ledger.access import Action, ledgers_in_scope, require, require_in_region
from villagebooks.ledger.models import ChainEntry, Checkpoint, CheckpointKey, Ledger, Voucher, VoucherStatus
from villagebooks.regions.models import Region

NO_KEY = _("没有校验点签名密钥（{path}）：请先运行 villagebooks checkpoint-key create")
KEY_EXISTS = _("签名密钥文件已存在（{path}）：要换用新密钥请运行 villagebooks checkpoint-key rotate")
KEY_UNREADABLE = _("签名密钥文件无法读取（{path}）：{error}")
KEY_UNKNOWN = _(
    "签名密钥 {key_id} 不在本系统的密钥记录中：密钥文件被换过？请用 checkpoint-key rotate 换用新密钥"
)
KEY_WRITE_FAILED = _("无法写入签名密钥文件（{path}）：{error}")
NO_LEDGERS = _("地区 {region} 下没有账套")
NOT_CHAINED = _("账套 {ledger} 没有已记账凭证 {period} 记-{number}")
NO_CHECKPOINT_COVERS = _(
    "{period} 记-{number} 记账后还没有校验点：请先运行 villagebooks checkpoint --ledger {ledger}（或等月末结账）"
)
CHECKPOINT_NOT_COVERING = _("校验点 #{id} 不是账套 {ledger} 的，或不包含 {period} 记-{number}")

BODY_VERSION = 1


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    public_key: str  # hex
    path: Path


def _key_path() -> Path:
    return Path(settings.CHECKPOINT_KEY_FILE)


def _public_hex(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def _write_private(path: Path, key: Ed25519PrivateKey, *, replace: bool) -> None:
    """The key as PEM, mode 0600 from its first byte; over the old file only once complete."""
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = path.with_name(f".{path.name}.new") if replace else path
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(target, path)
    except OSError as error:
        if replace:
            target.unlink(missing_ok=True)
        raise DomainError(KEY_WRITE_FAILED.format(path=path, error=error), field="key") from error


def _load_private() -> Ed25519PrivateKey:
    path = _key_path()
    if not path.exists():
        raise DomainError(NO_KEY.format(path=path), field="key")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise DomainError(KEY_UNREADABLE.format(path=path, error=error), field="key") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise DomainError(KEY_UNREADABLE.format(path=path, error="not Ed25519"), field="key")
    return key


def _record_key(key: Ed25519PrivateKey) -> KeyInfo:
    public = _public_hex(key)
    key_id = verify_books.key_id(bytes.fromhex(public))
    CheckpointKey.objects.create(key_id=key_id, public_key=public, created_at=timezone.now())
    return KeyInfo(key_id, public, _key_path())


def key_create(*, actor) -> KeyInfo:
    """Make the agency's signing key (the file must not exist yet); records its public half."""
    path = _key_path()
    if path.exists():
        raise DomainError(KEY_EXISTS.format(path=path), field="key")
    key = Ed25519PrivateKey.generate()
    with transaction.atomic():
        info = _record_key(key)
        audit_record(
            actor=actor, action="checkpoint_key_create", key_id=info.key_id, public_key=info.public_key
        )
        _write_private(path, key, replace=False)  # last: a failure rolls the record back
    return info


def key_rotate(*, actor) -> tuple[str, KeyInfo]:
    """Replace the signing key with a new one (a recorded act); returns the old key id and the new.

    The old public key stays in ``CheckpointKey`` and in every checkpoint it signed, which keep
    verifying; the old private key is overwritten (nothing is signed with it any more).
    """
    old = current_key()
    key = Ed25519PrivateKey.generate()
    with transaction.atomic():
        info = _record_key(key)
        audit_record(
            actor=actor,
            action="checkpoint_key_rotate",
            old_key_id=old.key_id,
            key_id=info.key_id,
            public_key=info.public_key,
        )
        _write_private(_key_path(), key, replace=True)
    return old.key_id, info


def current_key() -> KeyInfo:
    key = _load_private()
    public = _public_hex(key)
    return KeyInfo(verify_books.key_id(bytes.fromhex(public)), public, _key_path())


def has_key() -> bool:
    return _key_path().exists()


def _sign(body: dict) -> tuple[dict, str]:
    key = _load_private()
    public = _public_hex(key)
    key_id = verify_books.key_id(bytes.fromhex(public))
    if not CheckpointKey.objects.filter(key_id=key_id, public_key=public).exists():
        raise DomainError(KEY_UNKNOWN.format(key_id=key_id), field="key")
    body = body | {"key_id": key_id, "public_key": public}
    return body, key.sign(verify_books.canonical_json(body)).hex()


def _now_text() -> str:
    return timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ledger_tree(ledger_id: int, size: int | None = None) -> tuple[int, str]:
    """The ledger's chain size (or ``size``) and the Merkle root (hex) of its first entries."""
    rows = (
        ChainEntry.objects.filter(ledger_id=ledger_id)
        .order_by("sequence")
        .values_list("entry_hash", flat=True)
    )
    if size is not None:
        rows = rows[:size]
    leaves = [bytes.fromhex(value) for value in rows]
    return len(leaves), verify_books.tree_root(chain.ALGORITHM, leaves).hex()


def _store(
    body: dict, signature: str, *, ledger: Ledger | None = None, region: Region | None = None
) -> Checkpoint:
    return Checkpoint.objects.create(
        ledger=ledger,
        region=region,
        tree_size=body["tree_size"],
        root_hash=body["root"],
        algorithm=body["algorithm"],
        key_id=body["key_id"],
        body=verify_books.canonical_json(body).decode("utf-8"),
        signature=signature,
        created_at=timezone.now(),
    )


def _ledger_body(ledger: Ledger) -> dict:
    size, root = ledger_tree(ledger.pk)
    return {
        "kind": verify_books.CHECKPOINT_KIND,
        "version": BODY_VERSION,
        "scope": "ledger",
        "ledger": ledger.code,
        "ledger_name": ledger.name,
        "tree_size": size,
        "root": root,
        "algorithm": chain.ALGORITHM,
        "time": _now_text(),
        # The ledger's operation log as it stands: rows removed from its end show against it.
        "audit": audit_chain.anchor(ledger.pk),
    }


def make_ledger_checkpoint(ledger: Ledger) -> Checkpoint:
    """Sign and store the ledger's chain as it stands, in the caller's transaction (no check of
    who asks: the caller has, as month close does)."""
    body, signature = _sign(_ledger_body(ledger))
    return _store(body, signature, ledger=ledger)


def ledger_checkpoint(*, actor, ledger: Ledger) -> Checkpoint:
    require(actor, ledger, Action.CLOSE)
    with transaction.atomic():
        checkpoint = make_ledger_checkpoint(ledger)
        audit_record(
            actor=actor,
            action="checkpoint_create",
            ledger_id=ledger.pk,
            obj=checkpoint,
            tree_size=checkpoint.tree_size,
            root=checkpoint.root_hash,
        )
    return checkpoint


def region_checkpoint(*, actor, region: Region) -> Checkpoint:
    """One signed root over the chains of every ledger of ``region`` (its villages below it)."""
    require_in_region(actor, region, Action.CLOSE)
    ledgers = list(
        ledgers_in_scope(actor, Action.CLOSE).filter(village__path__startswith=region.path).order_by("code")
    )
    if not ledgers:
        raise DomainError(NO_LEDGERS.format(region=region.name), field="region")
    listed = []
    for ledger in ledgers:
        size, root = ledger_tree(ledger.pk)
        listed.append(
            {"ledger": ledger.code, "tree_size": size, "root": root, "audit": audit_chain.anchor(ledger.pk)}
        )
    root = verify_books.tree_root(chain.ALGORITHM, [verify_books.region_leaf(entry) for entry in listed])
    body = {
        "kind": verify_books.CHECKPOINT_KIND,
        "version": BODY_VERSION,
        "scope": "region",
        "region": region.code,
        "region_name": region.name,
        "ledgers": listed,
        "tree_size": len(listed),
        "root": root.hex(),
        "algorithm": chain.ALGORITHM,
        "time": _now_text(),
        "audit": audit_chain.anchor(0),  # the operation log of no ledger (logins, users, …)
    }
    with transaction.atomic():
        body, signature = _sign(body)
        checkpoint = _store(body, signature, region=region)
        audit_record(
            actor=actor, action="checkpoint_create", obj=checkpoint, region=region.code, ledgers=len(listed)
        )
    return checkpoint


def as_file(checkpoint: Checkpoint) -> dict:
    """The checkpoint as published: its signed body and the signature (what ``--output`` writes)."""
    return {"body": json.loads(checkpoint.body), "signature": checkpoint.signature}


def short_form(checkpoint: Checkpoint) -> str:
    return verify_books.short_form(json.loads(checkpoint.body))


def checkpoint_file_text(checkpoint: Checkpoint) -> str:
    return json.dumps(as_file(checkpoint), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def no_key_message() -> str:
    return gettext(str(NO_KEY)).format(path=_key_path())


# ---------------------------------------------------------------------------------------------
# One voucher's proof of inclusion


def voucher_proof(
    *, actor, ledger: Ledger, period_key: int, number: int, checkpoint_id: int | None = None
) -> dict:
    """A posted voucher's proof of inclusion in a signed checkpoint of its ledger (the newest that
    covers it, or ``checkpoint_id``): what ``verify_books.verify_voucher_proof`` checks alone."""
    require(actor, ledger, Action.VIEW)
    period = f"{period_key // 100}-{period_key % 100:02d}"
    named = {"ledger": ledger.code, "period": period, "number": number}
    # The voucher that bears the number now: its entry may hold the number it was posted with,
    # if the month's numbers were put in date order since (整理凭证号).
    voucher_id = (
        Voucher.objects.filter(
            ledger_id=ledger.pk,
            period__year=period_key // 100,
            period__month=period_key % 100,
            number=number,
            status=VoucherStatus.POSTED,
        )
        .values_list("id", flat=True)
        .first()
    )
    entry = (
        ChainEntry.objects.filter(ledger_id=ledger.pk, voucher_id=voucher_id).first() if voucher_id else None
    )
    if entry is None:
        raise DomainError(NOT_CHAINED.format(**named), field="voucher")
    index = entry.sequence - 1
    covering = Checkpoint.objects.filter(ledger_id=ledger.pk, tree_size__gt=index)
    if checkpoint_id is not None:
        row = covering.filter(pk=checkpoint_id).first()
        if row is None:
            raise DomainError(CHECKPOINT_NOT_COVERING.format(id=checkpoint_id, **named), field="checkpoint")
    else:
        row = covering.order_by("-id").first()
        if row is None:
            raise DomainError(NO_CHECKPOINT_COVERS.format(**named), field="checkpoint")
    hashes = (
        ChainEntry.objects.filter(ledger_id=ledger.pk, sequence__lte=row.tree_size)
        .order_by("sequence")
        .values_list("entry_hash", flat=True)
    )
    leaves = [bytes.fromhex(value) for value in hashes]
    path = verify_books.inclusion_proof(row.algorithm, leaves, index)
    chained_number = json.loads(entry.canonical).get("number", number)
    renumbered = {"number_now": number} if chained_number != number else {}
    return {
        "kind": verify_books.PROOF_KIND,
        "version": 1,
        **named,
        # The entry names the voucher by the number it was posted with; a 整理凭证号 since gave
        # it ``number_now`` (the chain's act says so).
        "number": chained_number,
        **renumbered,
        "index": index,
        "tree_size": row.tree_size,
        "entry": {
            "sequence": entry.sequence,
            "version": entry.version,
            "algorithm": entry.algorithm,
            "previous_hash": entry.previous_hash,
            "entry_hash": entry.entry_hash,
            "canonical": entry.canonical,
        },
        "path": [node.hex() for node in path],
        "checkpoint": as_file(row),
    }


# ---------------------------------------------------------------------------------------------
# Checking the chain against checkpoints


def _stored_body(row: Checkpoint, where: str) -> tuple[dict | None, list[str]]:
    """A stored checkpoint's signed body, or the problems that make it untrustworthy."""
    try:
        body = json.loads(row.body)
        verify_books.verify_checkpoint_signature({"body": body, "signature": row.signature})
    except (ValueError, KeyError, TypeError, verify_books.VerificationError):
        return None, [f"{where}签名无效：校验点记录被改过"]
    problems = []
    if (body.get("tree_size"), body.get("root"), body.get("key_id")) != (
        row.tree_size,
        row.root_hash,
        row.key_id,
    ):
        problems.append(f"{where}的记录与其签名内容不符：校验点记录被改过")
    if not CheckpointKey.objects.filter(key_id=body["key_id"], public_key=body["public_key"]).exists():
        problems.append(f"{where}的签名公钥 {body['key_id']} 不在密钥记录中")
    return body, problems


def _prefix_problems(entries: list[chain.EntryRow], claims: list[tuple[str, dict]]) -> list[str]:
    """Each claim (where, body with tree_size, root, algorithm) against the chain's prefix of its
    size; the Merkle levels are hashed once for all of them."""
    problems, checkable = [], []
    for where, body in claims:
        size = body["tree_size"]
        if size > len(entries):
            problems.append(f"{where}记有 {size} 张已记账凭证，哈希链只有 {len(entries)} 条：有凭证被删除")
        else:
            checkable.append((where, body))
    by_algorithm: dict[str, list[tuple[str, dict]]] = {}
    for where, body in checkable:
        by_algorithm.setdefault(body["algorithm"], []).append((where, body))
    leaves = [bytes.fromhex(entry.entry_hash) for entry in entries]
    for algorithm, listed in by_algorithm.items():
        try:
            roots = verify_books.prefix_roots(algorithm, leaves, {body["tree_size"] for _, body in listed})
        except (verify_books.VerificationError, ValueError):
            problems += [f"{where}的算法或哈希无法识别" for where, _ in listed]
            continue
        for where, body in listed:
            size = body["tree_size"]
            if roots[size].hex() != body["root"]:
                problems.append(
                    f"哈希链前 {size} 条的根哈希与{where}不符：{where}之后已记账凭证被改过（或哈希链被重算）"
                )
    return problems


def stored_checkpoint_problems(
    ledger: Ledger, entries: list[chain.EntryRow], region_claims: RegionClaims | None = None
) -> list[str]:
    """Every stored checkpoint of the ledger, and every stored region checkpoint that lists it:
    signed by a known key, its record agreeing with what was signed, and the chain still having
    each one's root at its size (a later checkpoint cannot hide a change that an earlier one saw)."""
    problems, claims = [], []
    for row in Checkpoint.objects.filter(ledger_id=ledger.pk).order_by("id"):
        where = f"校验点（#{row.pk}）"
        body, found = _stored_body(row, where)
        problems += found
        if body is None:
            continue
        if body.get("ledger") != ledger.code:
            problems.append(f"{where}的记录与其签名内容不符：校验点记录被改过")
        claims.append((where, body))
    if region_claims is None:
        region_claims = stored_region_claims()
    for where, claim in region_claims.claims.get(ledger.code, []):
        claims.append((where, claim))
    problems += region_claims.problems.get(ledger.code, [])
    return problems + _prefix_problems(entries, claims) + _audit_problems(ledger, claims)


def _audit_problems(ledger: Ledger, claims: list[tuple[str, dict]]) -> list[str]:
    """The ledger's operation log against the ends the checkpoints anchored (those that carry one)."""
    return audit_chain.anchor_problems(ledger.pk, [(where, body.get("audit")) for where, body in claims])


def stored_audit_anchor_problems(published: list[dict] = ()) -> list[str]:
    """The operation log of no ledger against the ends the stored region checkpoints (and the
    published region checkpoint files) anchored, signatures checked."""
    anchors = []
    for row in Checkpoint.objects.filter(region__isnull=False).order_by("id"):
        body, found = _stored_body(row, f"地区校验点（#{row.pk}）")
        if body is not None and not found:
            anchors.append((f"地区校验点（#{row.pk}）", body.get("audit")))
    for body in published:
        if body.get("scope") == "region":
            anchors.append((f"校验点文件（{body.get('time', '')}）", body.get("audit")))
    return audit_chain.anchor_problems(0, anchors)


@dataclass
class RegionClaims:
    """What the stored region checkpoints say of each ledger, read and checked once a ``verify``."""

    claims: dict[str, list[tuple[str, dict]]]  # ledger code → (where, {tree_size, root, algorithm})
    problems: dict[str, list[str]]  # ledger code → what is wrong with a region checkpoint naming it


def stored_region_claims() -> RegionClaims:
    result = RegionClaims({}, {})
    for row in Checkpoint.objects.filter(region__isnull=False).order_by("id"):
        where = f"地区校验点（#{row.pk}）"
        body, found = _stored_body(row, where)
        listed = (body or _unsigned_listing(row)).get("ledgers", [])
        for entry in listed:
            code = entry.get("ledger")
            result.problems.setdefault(code, []).extend(found)
            if body is not None:
                claim = {
                    "tree_size": entry["tree_size"],
                    "root": entry["root"],
                    "algorithm": body["algorithm"],
                    "audit": entry.get("audit"),
                }
                result.claims.setdefault(code, []).append((where, claim))
        if body is not None:
            leaves = [verify_books.region_leaf(entry) for entry in listed]
            if verify_books.tree_root(body["algorithm"], leaves).hex() != body["root"]:
                for entry in listed:
                    result.problems.setdefault(entry.get("ledger"), []).append(
                        f"{where}的根哈希与其所列账套不符"
                    )
    return result


def _unsigned_listing(row: Checkpoint) -> dict:
    """The ledgers a region checkpoint whose signature fails claims to list (to name them)."""
    try:
        body = json.loads(row.body)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def read_checkpoint_file(path) -> dict:
    """A published checkpoint file, its signature checked; DomainError if it is not one."""
    try:
        with open(path, encoding="utf-8") as file:
            checkpoint = json.load(file)
        verify_books.verify_checkpoint_signature(checkpoint)
    except (OSError, ValueError, verify_books.VerificationError) as error:
        raise DomainError(
            gettext("校验点文件 {path} 无效：{error}").format(path=path, error=error), field="checkpoint"
        ) from error
    return checkpoint["body"]


def published_checkpoint_problems(
    ledger: Ledger, entries: list[chain.EntryRow], bodies: list[dict]
) -> list[str]:
    """The chain against published checkpoint files (ledger or region) that name this ledger."""
    claims = []
    for body in bodies:
        where = f"校验点文件（{body.get('time', '')}）"
        if body.get("scope") == "ledger" and body.get("ledger") == ledger.code:
            claims.append((where, body))
        elif body.get("scope") == "region":
            listed = [entry for entry in body.get("ledgers", []) if entry.get("ledger") == ledger.code]
            if listed:
                claims.append((where, listed[0] | {"algorithm": body["algorithm"]}))
    return _prefix_problems(entries, claims) + _audit_problems(ledger, claims)
