"""The operation log as hash chains: removing, changing or slipping in a row is found.

The log is one chain per ledger (its rows' ``ledger_id``) and one more for the rows of no ledger
(logins, users, a region's reports), chain 0. Each row (``AuditEntry``) holds its place in its
chain (``seq``: 1, 2, 3 … in the order rows are appended), the previous row's hash and its own:
SHA-256 over the previous hash and the row's canonical form (``canonical``: its content as
sorted, compact JSON, versioned by ``"v"``). The algorithm is recorded with each row, so that a
later one can be added without breaking the rows already chained. A chain's first row's previous
hash is ``GENESIS``.

Rows are appended one at a time under their chain's lock, held until the writer's transaction
ends, so two writers never take the same place (a fork): on PostgreSQL a transaction-level
advisory lock per chain, on SQLite the write lock every transaction takes when it begins
(settings: ``IMMEDIATE``). A chain per ledger keeps writers of different ledgers from waiting on
one another, and a long transaction (an import that opens a year, writing that row early) holds
back only its own ledgers' rows. Services write their row last, after the books' own locks, so
the lock adds no lock-order cycle with them.

``chain_verify`` walks each chain in order and names each row (its chain, place and id) removed,
changed, rewritten or inserted. What a chain alone cannot show is rows removed from its end: that
needs its length and last hash written down elsewhere. The signed checkpoints do it (``anchor``):
a ledger's carries its chain's, a region's the chain of no ledger's and each ledger's, and
``anchor_problems`` says when the row a checkpoint anchored is gone or not the same.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from villagebooks.common import rawrows

GENESIS = "0" * 64
ALGORITHM = "sha256"
ALGORITHMS = {"sha256": hashlib.sha256}
# pg_advisory_xact_lock(key1, key2)'s first key for appending to a chain (the second is the
# chain): any constant no other lock uses.
LOCK_CLASS = 0x5642_4155  # "VBAU"

# What verify says (Chinese, as the command prints it).
CHAIN = "操作日志（账套 id {chain}）"
CHAIN_NONE = "操作日志（不属于账套）"
ROW = "{chain}第 {seq} 条（id {id}）"
REMOVED = "{chain}第 {first} 至 {last} 条缺失（被删除）"
REMOVED_ONE = "{chain}第 {first} 条缺失（被删除）"
CHANGED = "{row}：内容与其哈希不符（被修改）"
RELINKED = "{row}：所记前一条的哈希与第 {previous} 条的哈希不符（第 {previous} 条被改写或替换）"
DUPLICATE = "{row}：序号重复（被插入）"
OUTSIDE = "操作日志 id {id}（{action}）不在哈希链上（被插入）"
UNKNOWN_ALGORITHM = "{row}：未知的哈希算法“{algorithm}”"


ANCHOR_LOST = "{chain}第 {seq} 条（{where}记下的末尾）已不在：日志末尾的记录被删除"
ANCHOR_CHANGED = "{chain}第 {seq} 条（{where}记下的末尾）与记下时不同：被改写"


def chain_name(chain: int) -> str:
    return CHAIN.format(chain=chain) if chain else CHAIN_NONE


@dataclass(frozen=True)
class AuditDiscrepancy:
    chain: int | None  # the ledger's id, 0 for the rows of no ledger
    seq: int | None
    entry_id: int | None
    message: str

    def __str__(self) -> str:
        return self.message


def _instant(value: datetime) -> str:
    """A timestamp as the chain writes it: UTC, ISO 8601 with microseconds."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(*, seq, actor_id, action, ledger_id, object_type, object_id, detail, created_at) -> bytes:
    """A row's content as the chain hashes it (version 1). ``detail`` as the database gives it
    back: ``normalized_detail`` turns what a writer passes into that."""
    return json.dumps(
        {
            "v": 1,
            "seq": seq,
            "actor": actor_id,
            "action": action,
            "ledger": ledger_id,
            "object_type": object_type,
            "object_id": object_id,
            "detail": detail,
            "at": _instant(created_at),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def normalized_detail(detail: dict) -> dict:
    """``detail`` as the JSON column stores and returns it (keys as strings, tuples as lists), so
    that the hash written equals the hash recomputed from the stored row."""
    return json.loads(json.dumps(detail))


def link_hash(algorithm: str, prev_hash: str, content: bytes) -> str:
    digest = ALGORITHMS[algorithm]()
    digest.update(prev_hash.encode("ascii") + b"\n" + content)
    return digest.hexdigest()


HEAD_SQL = (
    "SELECT seq, hash FROM common_auditentry WHERE COALESCE(ledger_id, 0) = %s AND seq IS NOT NULL"
    " ORDER BY seq DESC LIMIT 1"
)
# PostgreSQL: the chain's lock and the read of its last row in one round trip. In a function each
# statement takes a new snapshot, so the read sees what the writer before committed while this
# one waited for the lock (in one plain statement it would not). Created by migration 0003.
HEAD_FUNCTION = f"""CREATE OR REPLACE FUNCTION villagebooks_audit_head(chain bigint, OUT seq bigint, OUT hash varchar)
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({LOCK_CLASS}, mod(chain, 2147483647)::integer);
        SELECT a.seq, a.hash INTO seq, hash FROM common_auditentry a
            WHERE COALESCE(a.ledger_id, 0) = chain AND a.seq IS NOT NULL ORDER BY a.seq DESC LIMIT 1;
    END $$"""


def _head(chain: int, *, wait_for_disk: bool = True) -> tuple[int, str]:
    """The chain's last row's place and hash, under its lock (taken here, held to the end of the
    caller's transaction; on SQLite the transaction's write lock is it). ``wait_for_disk=False``
    (PostgreSQL): the transaction's commit does not wait for its WAL to reach the disk."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not wait_for_disk:
            # In the same round trip; LOCAL: for this transaction alone.
            cursor.execute(
                "SELECT seq, hash, set_config('synchronous_commit', 'off', true)"
                " FROM villagebooks_audit_head(%s)",
                [chain],
            )
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT seq, hash FROM villagebooks_audit_head(%s)", [chain])
        else:
            cursor.execute(HEAD_SQL, [chain])
        row = cursor.fetchone()
    return (row[0], row[1]) if row and row[0] is not None else (0, GENESIS)


def append(
    *, actor, action: str, ledger_id, object_type: str, object_id, detail: dict, read_only: bool = False
):
    """Insert one row at the end of its chain (its ledger's); returns it. In the caller's
    transaction, or in one of its own when there is none.

    ``read_only``: the row logs a read (a report viewed), which changed nothing else. In a
    transaction of its own on PostgreSQL, its commit then does not wait for the disk
    (``synchronous_commit`` off, as SQLite's ``synchronous=NORMAL`` commits everything here):
    a crash of the server can lose the last fraction of a second of such rows, never a row that a
    later, waited-for commit chained onto (the WAL reaches the disk in order), so the chain stays
    whole. A write's own transaction is never changed."""
    from django.utils import timezone

    from villagebooks.common.models import AuditEntry

    detail = normalized_detail(detail)
    wait_for_disk = not read_only or connection.in_atomic_block
    with transaction.atomic(savepoint=False):
        last_seq, last_hash = _head(ledger_id or 0, wait_for_disk=wait_for_disk)
        created_at = timezone.now()
        seq = last_seq + 1
        content = canonical(
            seq=seq,
            actor_id=getattr(actor, "pk", None),
            action=action,
            ledger_id=ledger_id,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            created_at=created_at,
        )
        entry = AuditEntry(
            actor=actor,
            action=action,
            ledger_id=ledger_id,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
            seq=seq,
            prev_hash=last_hash,
            hash=link_hash(ALGORITHM, last_hash, content),
            hash_alg=ALGORITHM,
            created_at=created_at,
        )
        # Saved as given (as ``save_base(raw=True)``), so that auto_now_add does not replace the
        # time that was hashed; by SQL written once (``rawrows``): the ORM's compiling of the
        # INSERT cost more than the statement, and every report view appends a row.
        rawrows.insert(entry)
    return entry


_FIELDS = ("id", "seq", "actor_id", "action", "ledger_id", "object_type", "object_id", "detail")
_FIELDS += ("created_at", "prev_hash", "hash", "hash_alg")


def row_content(row: dict) -> bytes:
    return canonical(
        seq=row["seq"],
        actor_id=row["actor_id"],
        action=row["action"],
        ledger_id=row["ledger_id"],
        object_type=row["object_type"],
        object_id=row["object_id"],
        detail=row["detail"],
        created_at=row["created_at"],
    )


@dataclass
class ChainReport:
    rows: int
    discrepancies: list[AuditDiscrepancy]


def _chained_rows(model):
    """Every chained row, chain by chain, each in its order."""
    from django.db.models import Value
    from django.db.models.functions import Coalesce

    return (
        model.objects.filter(seq__isnull=False)
        .annotate(chain=Coalesce("ledger_id", Value(0)))
        .order_by("chain", "seq", "id")
        .values("chain", *_FIELDS)
    )


def chain_verify(*, limit: int = 1000) -> ChainReport:
    """Walk every chain in order; each row removed, changed, rewritten or inserted (up to ``limit``)."""
    from villagebooks.common.models import AuditEntry

    found: list[AuditDiscrepancy] = []

    def report(chain, seq, entry_id, message):
        if len(found) < limit:
            found.append(AuditDiscrepancy(chain, seq, entry_id, message))

    chain, expected, previous_hash, rows = None, 1, GENESIS, 0
    for row in _chained_rows(AuditEntry).iterator(chunk_size=2000):
        rows += 1
        if row["chain"] != chain:
            chain, expected, previous_hash = row["chain"], 1, GENESIS
        name = chain_name(chain)
        seq, where = row["seq"], ROW.format(chain=name, seq=row["seq"], id=row["id"])
        if seq < expected:  # a second row with a place already taken (its unique index dropped)
            report(chain, seq, row["id"], DUPLICATE.format(row=where))
            continue
        if seq > expected:
            message = REMOVED_ONE if seq == expected + 1 else REMOVED
            report(chain, expected, None, message.format(chain=name, first=expected, last=seq - 1))
        elif row["prev_hash"] != previous_hash:
            report(chain, seq, row["id"], RELINKED.format(row=where, previous=seq - 1))
        algorithm = row["hash_alg"]
        if algorithm not in ALGORITHMS:
            report(chain, seq, row["id"], UNKNOWN_ALGORITHM.format(row=where, algorithm=algorithm))
        elif link_hash(algorithm, row["prev_hash"] or "", row_content(row)) != row["hash"]:
            report(chain, seq, row["id"], CHANGED.format(row=where))
        previous_hash, expected = row["hash"], seq + 1
    for entry_id, action in (
        AuditEntry.objects.filter(seq__isnull=True).order_by("id").values_list("id", "action")
    ):
        rows += 1
        report(None, None, entry_id, OUTSIDE.format(id=entry_id, action=action))
    return ChainReport(rows=rows, discrepancies=found)


def chain_existing_rows(model, using_connection) -> int:
    """Chain the rows that are not chained yet, each after the last chained row of its chain, in
    the order of their ids (migration 0003: every row written before the chains). ``model``: the
    migration's ``AuditEntry``. Their UPDATE needs the append-only triggers out of the way, which
    the caller arranges. Returns how many were chained."""
    from django.db.models import Max, Value
    from django.db.models.functions import Coalesce

    heads = {}
    for chain, last in (
        model.objects.filter(seq__isnull=False)
        .annotate(chain=Coalesce("ledger_id", Value(0)))
        .values_list("chain")
        .annotate(last=Max("seq"))
    ):
        heads[chain] = (
            last,
            model.objects.filter(seq=last)
            .annotate(chain=Coalesce("ledger_id", Value(0)))
            .filter(chain=chain)
            .values_list("hash", flat=True)
            .get(),
        )
    count = 0
    pending = model.objects.filter(seq__isnull=True).order_by("id").values(*_FIELDS)
    with using_connection.cursor() as cursor:
        for row in list(pending):  # read whole first: SQLite may not update a table it is reading
            chain = row["ledger_id"] or 0
            seq, prev_hash = heads.get(chain, (0, GENESIS))
            row["seq"] = seq = seq + 1
            digest = link_hash(ALGORITHM, prev_hash, row_content(row))
            cursor.execute(
                "UPDATE common_auditentry SET seq = %s, prev_hash = %s, hash = %s, hash_alg = %s WHERE id = %s",
                [seq, prev_hash, digest, ALGORITHM, row["id"]],
            )
            heads[chain] = (seq, digest)
            count += 1
    return count


def anchor(chain: int) -> dict:
    """The chain's length and last hash as they stand (what a checkpoint signs); no lock: a row
    appended meanwhile is simply after the anchor."""
    with connection.cursor() as cursor:
        cursor.execute(HEAD_SQL, [chain])
        row = cursor.fetchone()
    seq, last = (row[0], row[1]) if row and row[0] is not None else (0, GENESIS)
    return {"size": seq, "hash": last}


def anchor_problems(chain: int, anchors: list[tuple[str, dict]]) -> list[str]:
    """Each (where, anchor) against the chain: its last row still there with the same hash. One
    query for all of them."""
    wanted = [(where, mark) for where, mark in anchors if mark and mark.get("size")]
    if not wanted:
        return []
    places = sorted({mark["size"] for _, mark in wanted})
    marks = ", ".join(["%s"] * len(places))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, hash FROM common_auditentry WHERE COALESCE(ledger_id, 0) = %s AND seq IN ({marks})",
            [chain, *places],
        )
        found = dict(cursor.fetchall())
    problems = []
    for where, mark in wanted:
        seq = mark["size"]
        if seq not in found:
            problems.append(ANCHOR_LOST.format(chain=chain_name(chain), seq=seq, where=where))
        elif found[seq] != mark["hash"]:
            problems.append(ANCHOR_CHANGED.format(chain=chain_name(chain), seq=seq, where=where))
    return problems
