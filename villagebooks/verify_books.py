"""Check a village's books without VillageBooks: a ledger export against a published checkpoint.

This file is meant to be read in one sitting by an auditor and run on its own: it needs Python 3.11+
and the ``cryptography`` package, nothing of Django or of the rest of VillageBooks (which imports
its hashing and Merkle functions from here, so that what the auditor reads is what the books use).

    python verify_books.py LEDGER.zip --checkpoint CHECKPOINT.json

What it proves, step by step (each failing step prints, in Chinese for the villagers and
auditors who run it, what differs, and exits 1; "核验通过" and exit 0 when all holds):

1. The checkpoint is signed: an Ed25519 signature, by the public key the checkpoint carries, over
   the checkpoint's body in canonical form (JSON, keys sorted, no spaces, UTF-8). Whether that
   key is the agency's you check yourself, against the key id the agency publishes.
2. The chain (``chain.jsonl`` in the ZIP) is whole: entry 1, 2, … n, each one's hash is
   ``H("<version>|<previous hash>|" + canonical bytes)`` (the first one's previous hash is 64
   zeros) — so no entry can be changed, removed or put in between without changing every hash
   after it.
3. The chain is what the checkpoint signed: the Merkle tree (RFC 6962: leaf ``H(0x00 || entry
   hash)``, node ``H(0x01 || left || right)``) over the first ``tree_size`` entries has the
   checkpoint's root. Entries after it are later books; the checkpoint says nothing of them.
4. The export's vouchers are the chain's: every posted voucher of ``vouchers.csv`` (and its
   attachments' SHA-256 in ``attachments.csv``, and the attachment files themselves) is exactly
   its entry's canonical serialization, and every entry has its voucher.

Canonical serialization of a posted voucher, version 1: a JSON object, keys sorted, compact,
UTF-8, amounts as fixed-scale strings (``"1234.50"``, red amounts ``"-12.00"``)::

    {"attachments": [sha256, …sorted], "date": "2025-03-05", "kind": "normal", "ledger": "HT01",
     "lines": [{"account": "102", "account_name": "银行存款", "counterparty": "", "credit": "0.00",
                "debit": "350.00", "fund": "", "no": 1, "summary": "…"}, …],
     "note": "…", "number": 7, "period": "2025-03", "posted_by": "…", "prepared_by": "…",
     "reversed_voucher": null or {"number": 3, "period": "2025-02"}, "reviewed_by": "…",
     "reviewed_outside": null or {"file": "…", "sha256": "…"}, "v": 1}

Version 2 (vouchers posted since the funds' project dimension) is version 1 with one more key on
each line, ``"project"``: the line's project code, ``""`` when it has none. An entry keeps the
version it was written in; both verify.

Version 3 entries are not vouchers but acts on them. The one act so far is 整理凭证号 (putting an
open month's numbers in date order), recorded as::

    {"act": "renumber", "at": "2026-06-28T09:30:00+00:00", "by": "…", "ledger": "HT01",
     "pairs": [[5, 1], [1, 2], …], "period": "2026-06", "reason": "…", "v": 3}

``pairs`` is ``[number before, number after]`` for each voucher of the month whose number changed;
the numbers before must be vouchers of that month at that point of the chain and the numbers after
the same set (a permutation: the month stays gap-free). To compare the chain with the vouchers,
the chain is walked in order (``settle``): each voucher keeps the number it was posted with until
an act renumbers it, and a reversal names the voucher it reverses by the number that voucher had
when the reversal was posted. A voucher whose number changed without an act, an act that is not a
permutation of the month's numbers, and an act removed or edited all show as differences.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

CHAIN_VERSION = 2
# The version of an entry that records an act on vouchers (``ACT_RENUMBER``), not a voucher.
ACT_VERSION = 3
ACT_RENUMBER = "renumber"
# Line keys added by each version after the first (a record of an older version lacks them).
LINE_KEYS_SINCE = {2: ("project",)}
DEFAULT_ALGORITHM = "sha256"
# The algorithms a chain entry or checkpoint may name. A later one (SM3, once a maintained package
# exists) is added here; old chains keep verifying with the one they name.
ALGORITHMS: dict[str, Callable[[], object]] = {"sha256": hashlib.sha256}
GENESIS = "0" * 64  # the "previous hash" of a ledger's first entry
CHECKPOINT_KIND = "villagebooks-checkpoint"


class VerificationError(Exception):
    """What failed, in words for the person checking."""


def _hasher(algorithm: str):
    try:
        return ALGORITHMS[algorithm]()
    except KeyError:
        raise VerificationError(f"未知的哈希算法 {algorithm!r}") from None


def digest(algorithm: str, *parts: bytes) -> bytes:
    h = _hasher(algorithm)
    for part in parts:
        h.update(part)
    return h.digest()


def canonical_json(value) -> bytes:
    """The one byte form of a JSON value: keys sorted, no spaces, UTF-8 (not \\u escapes)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def amount_text(fen: int) -> str:
    """Fen as the fixed-scale text of the canonical form: 123450 → "1234.50", -1200 → "-12.00"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


# ---------------------------------------------------------------------------------------------
# The chain


def entry_hash(algorithm: str, version: int, previous: str, canonical: bytes) -> str:
    """An entry's hash (hex): H("<version>|<previous hash hex>|" + canonical bytes)."""
    return digest(algorithm, f"{version}|{previous}|".encode("ascii"), canonical).hex()


def is_act(record: dict) -> bool:
    """Whether a chain record is an act on vouchers (version 3), not a posted voucher."""
    return "act" in record


def settle(records: Sequence[dict]) -> tuple[list[dict | None], list[tuple[int, str]]]:
    """The chain's records, in chain order, as the vouchers stand now: each voucher record with the
    number the acts after it gave it (and its reversed voucher's number likewise), ``None`` in the
    place of each act; and what is wrong with the acts: (index of the act, in words).

    The walk keeps, for each month, which record holds which number. A voucher record takes its
    number; a renumber act must move numbers the month has to numbers it had (a permutation) and
    moves them; a reversal names its voucher by the number that voucher had when it was posted.
    """
    holders: dict[tuple[str, int], int] = {}  # (period, number) → index of the voucher record
    numbers: dict[int, int] = {}  # index → the number now
    reverses: dict[int, int] = {}  # index of a reversal → index of the voucher it reverses
    problems = []
    for index, record in enumerate(records):
        if not is_act(record):
            key = (record.get("period"), record.get("number"))
            holders[key] = index
            numbers[index] = record.get("number")
            named = record.get("reversed_voucher")
            if named and (named.get("period"), named.get("number")) in holders:
                reverses[index] = holders[(named["period"], named["number"])]
            continue
        if record.get("act") != ACT_RENUMBER:
            problems.append((index, f"哈希链第{index + 1}条：未知的操作 {record.get('act')!r}"))
            continue
        period, pairs = record.get("period"), record.get("pairs")
        if not isinstance(pairs, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(type(n) is int for n in pair) for pair in pairs
        ):
            problems.append((index, f"哈希链第{index + 1}条（{period} 整理凭证号）：凭证号对照无法读取"))
            continue
        before = [pair[0] for pair in pairs]
        after = [pair[1] for pair in pairs]
        name = f"哈希链第{index + 1}条（{period} 整理凭证号）"
        if len(set(before)) != len(before) or set(before) != set(after):
            problems.append((index, f"{name}：新旧凭证号不是同一组号码的重新排列"))
            continue
        missing = [old for old in before if (period, old) not in holders]
        if missing:
            problems.append((index, f"{name}：本月没有记-{missing[0]}"))
            continue
        moved = {new: holders[(period, old)] for old, new in pairs}
        for new, holder in moved.items():
            holders[(period, new)] = holder
            numbers[holder] = new
    settled: list[dict | None] = []
    for index, record in enumerate(records):
        if is_act(record):
            settled.append(None)
            continue
        record = {**record, "number": numbers[index]}
        if index in reverses:
            record["reversed_voucher"] = {**record["reversed_voucher"], "number": numbers[reverses[index]]}
        settled.append(record)
    return settled, problems


# ---------------------------------------------------------------------------------------------
# The Merkle tree (RFC 6962 / RFC 9162 §2.1): leaves are entry hashes (bytes)


def leaf_hash(algorithm: str, data: bytes) -> bytes:
    return digest(algorithm, b"\x00", data)


def node_hash(algorithm: str, left: bytes, right: bytes) -> bytes:
    return digest(algorithm, b"\x01", left, right)


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def tree_root(algorithm: str, leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf data ``leaves``; the hash of nothing for an empty tree.

    Level by level, a lone last node moving up unpaired: the same tree as RFC 6962's recursive
    split at the largest power of two, in O(n) time.
    """
    if not leaves:
        return digest(algorithm)
    new = ALGORITHMS.get(algorithm)
    if new is None:
        raise VerificationError(f"未知的哈希算法 {algorithm!r}")
    # The same hashes as leaf_hash and node_hash, inlined: a county's checkpoint hashes ~10^6 times.
    level = [new(b"\x00" + leaf).digest() for leaf in leaves]
    while len(level) > 1:
        paired = [new(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def prefix_roots(algorithm: str, leaves: Sequence[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """MTH of the first n leaves for each n of ``sizes`` (none beyond ``len(leaves)``), in one pass.

    The whole subtrees of each level are hashed once; the tree of the first n leaves is then the
    whole subtrees of n's binary digits, largest first, joined from the right (RFC 6962's split at
    the largest power of two, applied again to the rest): O(log n) hashes a size, so that every
    stored checkpoint of a ledger costs little more than its newest.
    """
    new = ALGORITHMS.get(algorithm)
    if new is None:
        raise VerificationError(f"未知的哈希算法 {algorithm!r}")
    levels = [[new(b"\x00" + leaf).digest() for leaf in leaves]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([new(b"\x01" + below[i] + below[i + 1]).digest() for i in range(0, len(below) - 1, 2)])
    roots = {}
    for size in sizes:
        if not 0 <= size <= len(leaves):
            raise ValueError(f"tree size {size} outside the {len(leaves)} leaves")
        if size == 0:
            roots[size] = digest(algorithm)
            continue
        parts, start = [], 0
        for height in range(size.bit_length() - 1, -1, -1):
            if size >> height & 1:
                parts.append(levels[height][start >> height])
                start += 1 << height
        root = parts[-1]
        for part in reversed(parts[:-1]):
            root = new(b"\x01" + part + root).digest()
        roots[size] = root
    return roots


def _subtree(algorithm: str, leaves: Sequence[bytes]) -> bytes:
    return tree_root(algorithm, leaves)


def inclusion_proof(algorithm: str, leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]): the sibling hashes from leaf ``index`` up to the root."""
    if not 0 <= index < len(leaves):
        raise ValueError("index outside the tree")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_proof(algorithm, leaves[:k], index) + [_subtree(algorithm, leaves[k:])]
    return inclusion_proof(algorithm, leaves[k:], index - k) + [_subtree(algorithm, leaves[:k])]


def verify_inclusion(
    algorithm: str, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf data ``leaf`` at ``index`` in the tree of ``size`` with ``root``
    (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash(algorithm, leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(algorithm, p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(algorithm, r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_proof(algorithm: str, leaves: Sequence[bytes], first: int) -> list[bytes]:
    """PROOF(m, D[n]): what shows that the tree of the first ``first`` leaves is a prefix of this one."""
    if not 0 <= first <= len(leaves):
        raise ValueError("first size outside the tree")
    if first in (0, len(leaves)):
        return []
    return _subproof(algorithm, first, leaves, True)


def _subproof(algorithm: str, m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_subtree(algorithm, leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(algorithm, m, leaves[:k], whole) + [_subtree(algorithm, leaves[k:])]
    return _subproof(algorithm, m - k, leaves[k:], False) + [_subtree(algorithm, leaves[:k])]


def verify_consistency(
    algorithm: str, first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree (``first``, ``first_root``) is a prefix of (``second``,
    ``second_root``) (RFC 9162 §2.1.4.2; an empty first tree is a prefix of every tree)."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not proof
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a whole subtree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(algorithm, c, fr)
            sr = node_hash(algorithm, c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(algorithm, sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# ---------------------------------------------------------------------------------------------
# Checkpoints


def key_id(public_key_raw: bytes) -> str:
    """A public key's short name: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key_raw).hexdigest()[:16]


def verify_checkpoint_signature(checkpoint: dict) -> None:
    """Raise VerificationError unless the checkpoint's signature is valid for its body and key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    body = checkpoint.get("body")
    if not isinstance(body, dict) or body.get("kind") != CHECKPOINT_KIND:
        raise VerificationError("不是村账通的校验点文件")
    try:
        raw = bytes.fromhex(body["public_key"])
        signature = bytes.fromhex(checkpoint["signature"])
        key = Ed25519PublicKey.from_public_bytes(raw)
    except (KeyError, ValueError, TypeError) as error:
        raise VerificationError(f"校验点的公钥或签名无法读取：{error}") from None
    if key_id(raw) != body.get("key_id"):
        raise VerificationError("校验点的密钥编号与其公钥不符")
    try:
        key.verify(signature, canonical_json(body))
    except InvalidSignature:
        raise VerificationError("校验点签名无效：校验点内容被改过") from None


def short_form(body: dict) -> str:
    """What a printed report shows of a checkpoint: enough to find and check it."""
    where = body.get("ledger") or body.get("region")
    return f"VB1 {where} n={body['tree_size']} root={body['root'][:16]} key={body['key_id']} {body['time']}"


def region_leaf(entry: dict) -> bytes:
    """A ledger's checkpoint as a leaf of its region checkpoint's tree."""
    return canonical_json({"ledger": entry["ledger"], "root": entry["root"], "tree_size": entry["tree_size"]})


# ---------------------------------------------------------------------------------------------
# An export against a checkpoint


@dataclass
class ExportEntry:
    sequence: int
    version: int
    algorithm: str
    previous: str
    hash: str
    canonical: bytes


def read_chain(lines: Sequence[bytes]) -> list[ExportEntry]:
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            entries.append(
                ExportEntry(
                    sequence=int(row["sequence"]),
                    version=int(row["version"]),
                    algorithm=str(row["algorithm"]),
                    previous=str(row["previous"]),
                    hash=str(row["hash"]),
                    canonical=str(row["canonical"]).encode("utf-8"),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise VerificationError(f"chain.jsonl 第{number}行无法读取：{error}") from None
    return entries


def check_chain(entries: Sequence[ExportEntry]) -> list[str]:
    """What is wrong with the chain itself (sequence, links, hashes)."""
    problems = []
    previous = GENESIS
    for expected, entry in enumerate(entries, start=1):
        if entry.sequence != expected:
            problems.append(f"哈希链第{expected}条的序号是 {entry.sequence}：有条目缺失或插入")
        if entry.previous != previous:
            problems.append(f"哈希链第{entry.sequence}条：前一条的哈希对不上")
        try:
            recomputed = entry_hash(entry.algorithm, entry.version, entry.previous, entry.canonical)
        except VerificationError as error:
            problems.append(f"哈希链第{entry.sequence}条：{error}")
            recomputed = ""
        if recomputed != entry.hash:
            problems.append(f"哈希链第{entry.sequence}条：哈希与内容不符，内容被改过")
        previous = entry.hash
    return problems


def ledger_in_checkpoint(body: dict, ledger: str) -> tuple[dict | None, list[str]]:
    """The (tree_size, root, algorithm) the checkpoint states for ``ledger``, or why there is none.

    A region checkpoint lists its ledgers' (tree_size, root) under one Merkle root: that root is
    recomputed here, so a listed ledger is as signed as the region.
    """
    if body.get("scope") == "ledger":
        if body.get("ledger") != ledger:
            return None, [f"校验点是账套 {body.get('ledger')} 的，导出文件是账套 {ledger} 的"]
        return body, []
    if body.get("scope") == "region":
        listed = body.get("ledgers", [])
        root = tree_root(body["algorithm"], [region_leaf(entry) for entry in listed])
        if root.hex() != body["root"] or len(listed) != body["tree_size"]:
            return None, ["地区校验点的账套清单与其根哈希不符"]
        for entry in listed:
            if entry.get("ledger") == ledger:
                return entry | {"algorithm": body["algorithm"]}, []
        return None, [f"账套 {ledger} 不在地区 {body.get('region')} 的校验点中"]
    return None, ["校验点既没有写账套，也没有写地区"]


def check_against_checkpoint(entries: Sequence[ExportEntry], body: dict, ledger: str) -> list[str]:
    stated, problems = ledger_in_checkpoint(body, ledger)
    if stated is None:
        return problems
    size = stated["tree_size"]
    if size > len(entries):
        return [f"校验点记有 {size} 张已记账凭证，导出的哈希链只有 {len(entries)} 条：有凭证被删除"]
    root = tree_root(stated["algorithm"], [bytes.fromhex(e.hash) for e in entries[:size]])
    if root.hex() != stated["root"]:
        return [f"哈希链前 {size} 条的根哈希与校验点不符：校验点之后账簿被改过"]
    return []


def _csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _cell(text: str) -> str:
    # The export guards text that a spreadsheet would take for a formula with a leading quote.
    return text[1:] if text[:2] in ("'=", "'+", "'-", "'@") else text


def check_vouchers(archive: zipfile.ZipFile, entries: Sequence[ExportEntry]) -> list[str]:
    """Every posted voucher of vouchers.csv, with its attachments, against its chain entry."""
    settled, act_problems = settle([json.loads(entry.canonical) for entry in entries])
    problems = [text for _index, text in act_problems]
    records: dict[tuple[str, int], dict] = {}
    for record in settled:
        if record is not None:
            records[(record["period"], record["number"])] = record
    found: dict[tuple[str, int], dict] = {}
    for row in _csv_rows(archive, "vouchers.csv"):
        record = records.get((row["period"], int(row["number"] or 0)))
        if row["status"] != "posted":
            continue
        key = (row["period"], int(row["number"]))
        voucher = found.get(key)
        if voucher is None:
            voucher = found[key] = {
                "id": row["voucher_id"],
                "date": row["date"],
                "kind": row["kind"],
                "note": _cell(row["note"]),
                "prepared_by": _cell(row["prepared_by"]),
                "reviewed_by": _cell(row["reviewed_by"]),
                "posted_by": _cell(row["posted_by"]),
                "lines": [],
                "attachments": [],
            }
        voucher["lines"].append(
            {
                "no": int(row["line_no"]),
                "summary": _cell(row["summary"]),
                "account": _cell(row["account_code"]),
                "account_name": _cell(row["account_name"]),
                "debit": row["debit"],
                "credit": row["credit"],
                "fund": _cell(row["fund"]),
                "counterparty": _cell(row["counterparty"]),
                **_newer_line_keys(row, record),
            }
        )
    by_id = {voucher["id"]: voucher for voucher in found.values()}
    members = set(archive.namelist())
    for row in _csv_rows(archive, "attachments.csv"):
        voucher = by_id.get(row["voucher_id"])
        if voucher is not None:
            voucher["attachments"].append(row["sha256"])
        if row["file"] in members and hashlib.sha256(archive.read(row["file"])).hexdigest() != row["sha256"]:
            problems.append(f"附件 {row['file']}：文件内容与其 SHA-256 不符")
    for key in sorted(records.keys() - found.keys()):
        problems.append(f"{key[0]} 记-{key[1]}：哈希链中有，vouchers.csv 中没有")
    for key in sorted(found.keys() - records.keys()):
        problems.append(f"{key[0]} 记-{key[1]}：vouchers.csv 中已记账，哈希链中没有")
    for key in sorted(found.keys() & records.keys()):
        record, voucher = records[key], found[key]
        wanted = {name: record[name] for name in ("date", "kind", "note", "prepared_by", "posted_by")}
        wanted["reviewed_by"] = record["reviewed_by"]
        for name, value in wanted.items():
            if voucher[name] != value:
                problems.append(f"{key[0]} 记-{key[1]}：{name} 为 {voucher[name]!r}，哈希链记为 {value!r}")
        lines = sorted(voucher["lines"], key=lambda line: line["no"])
        if lines != record["lines"]:
            problems.append(f"{key[0]} 记-{key[1]}：分录与哈希链不符：{_line_diff(record['lines'], lines)}")
        if sorted(voucher["attachments"]) != record["attachments"]:
            problems.append(f"{key[0]} 记-{key[1]}：附件与哈希链不符")
    return problems


def _newer_line_keys(row: dict, record: dict | None) -> dict:
    """The line keys of the versions after the first that the chain's record has (an export
    written before a key existed lacks its column: the line then differs, as it should)."""
    version = record.get("v", 1) if record else 1
    keys = [key for since, added in LINE_KEYS_SINCE.items() if version >= since for key in added]
    return {key: _cell(row.get(key) or "") for key in keys}


def _line_diff(chained: list[dict], exported: list[dict]) -> str:
    if len(chained) != len(exported):
        return f"{len(exported)} 条分录，哈希链记为 {len(chained)} 条"
    for mine, theirs in zip(chained, exported, strict=True):
        for name in mine:
            if mine[name] != theirs.get(name):
                return f"第{mine['no']}行 {name} 为 {theirs.get(name)!r}，哈希链记为 {mine[name]!r}"
    return "?"


def verify_export(zip_path, checkpoint: dict) -> list[str]:
    """Every problem found checking the export at ``zip_path`` against ``checkpoint`` ([] = all good)."""
    verify_checkpoint_signature(checkpoint)
    body = checkpoint["body"]
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as error:
        raise VerificationError(f"不是可读的 ZIP 文件：{error}") from None
    with archive:
        names = set(archive.namelist())
        for needed in ("chain.jsonl", "ledger.csv", "vouchers.csv", "attachments.csv"):
            if needed not in names:
                raise VerificationError(f"导出文件中缺少 {needed}")
        ledger = _csv_rows(archive, "ledger.csv")[0]["code"]
        entries = read_chain(archive.read("chain.jsonl").splitlines())
        problems = check_chain(entries)
        problems += check_against_checkpoint(entries, body, _cell(ledger))
        for entry in entries:
            if json.loads(entry.canonical).get("ledger") != _cell(ledger):
                problems.append(f"哈希链第{entry.sequence}条属于另一个账套")
                break
        problems += check_vouchers(archive, entries)
    return problems


# ---------------------------------------------------------------------------------------------
# One voucher's proof: its chain entry, the path to a checkpoint's root, the signed checkpoint

PROOF_KIND = "villagebooks-voucher-proof"


def verify_voucher_proof(proof: dict) -> list[str]:
    """What is wrong with a voucher proof (``villagebooks voucher-proof``); empty when it shows that
    the voucher, exactly as its ``canonical`` text says, is in the signed checkpoint's books."""
    if proof.get("kind") != PROOF_KIND:
        return ["这不是凭证证明文件"]
    checkpoint = proof["checkpoint"]
    verify_checkpoint_signature(checkpoint)
    body, entry = checkpoint["body"], proof["entry"]
    problems = []
    if body.get("scope") != "ledger" or body.get("ledger") != proof["ledger"]:
        problems.append(f"校验点不是账套 {proof['ledger']} 的")
    if body.get("tree_size") != proof["tree_size"] or body.get("algorithm") != entry["algorithm"]:
        problems.append("证明的树大小或算法与校验点不符")
    record = json.loads(entry["canonical"])
    named = (record.get("ledger"), record.get("period"), record.get("number"))
    if named != (proof["ledger"], proof["period"], proof["number"]):
        problems.append(f"凭证内容是 {named[0]} {named[1]} 记-{named[2]}，不是证明所说的凭证")
    recomputed = entry_hash(
        entry["algorithm"], entry["version"], entry["previous_hash"], entry["canonical"].encode()
    )
    if recomputed != entry["entry_hash"]:
        problems.append("凭证内容与其哈希不符：内容被改过")
    path = [bytes.fromhex(value) for value in proof["path"]]
    if not verify_inclusion(
        entry["algorithm"],
        bytes.fromhex(recomputed),
        proof["index"],
        proof["tree_size"],
        path,
        bytes.fromhex(body["root"]),
    ):
        problems.append("凭证不在校验点的根哈希之下：证明路径不成立")
    return problems


def _check_proof(path: str) -> int:
    try:
        with open(path, encoding="utf-8") as file:
            proof = json.load(file)
        problems = verify_voucher_proof(proof)
    except (OSError, ValueError, KeyError, TypeError, VerificationError) as error:
        print(f"核验失败：{error}", file=sys.stderr)
        return 1
    if problems:
        print(f"核验失败，发现 {len(problems)} 处问题：", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    record = json.loads(proof["entry"]["canonical"])
    debit = sum(int(line["debit"].replace(".", "")) for line in record["lines"])  # "-12.00" → -1200
    print(
        f"核验通过：{record['ledger']} {record['period']} 记-{record['number']}（{record['date']}，"
        f"借方合计 {amount_text(debit)}）在校验点 {short_form(proof['checkpoint']['body'])} 之中"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check a VillageBooks ledger export against a checkpoint, or one voucher's proof."
    )
    parser.add_argument("export", nargs="?", help="the ZIP of export-ledger")
    parser.add_argument("--checkpoint", help="the checkpoint JSON file (with an export)")
    parser.add_argument("--proof", help="a voucher's proof JSON (villagebooks voucher-proof), checked alone")
    args = parser.parse_args(argv)
    if args.proof:
        if args.export or args.checkpoint:
            parser.error("--proof is checked alone")
        return _check_proof(args.proof)
    if not (args.export and args.checkpoint):
        parser.error("give an export and --checkpoint, or --proof")
    try:
        with open(args.checkpoint, encoding="utf-8") as file:
            checkpoint = json.load(file)
        problems = verify_export(args.export, checkpoint)
    except (OSError, ValueError, KeyError, TypeError, VerificationError) as error:
        print(f"核验失败：{error}", file=sys.stderr)
        return 1
    if problems:
        print(f"核验失败，发现 {len(problems)} 处问题：", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"核验通过：{short_form(checkpoint['body'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
