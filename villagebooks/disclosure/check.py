"""The public check of a published disclosure: are the books it came from still the same?

Three things, each said plainly in Chinese when it fails:
1. the stored snapshot still has the SHA-256 recorded at publication (nobody edited the page);
2. the figures of the sections that come from the books, recomputed now from the current books
   with the same rules, equal what was published (a changed amount, a voucher added to a closed
   month, a balance row edited);
3. the ledger's hash chain up to the head recorded at publication is intact (each entry's hash,
   the links, the head hash and the Merkle root, the signed checkpoint when there is one), and
   every voucher in it is still, row for row, what was chained when it was posted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from villagebooks import verify_books
from villagebooks.common.money import format_fen
from villagebooks.disclosure.models import Disclosure
from villagebooks.disclosure.periods import parse_disclosure_period
from villagebooks.disclosure.sections import BOOK_SECTIONS, FEN, SectionContext
from villagebooks.ledger import chain
from villagebooks.ledger.domain.periods import period_label

MOST_SHOWN = 20


@dataclass
class CheckResult:
    problems: list[str] = field(default_factory=list)
    figures_checked: int = 0
    vouchers_checked: int = 0
    checked_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _shown(value, kind: str) -> str:
    if value is None:
        return "—"
    return f"{format_fen(value)} 元" if kind == FEN else str(value)


def _key(row: list, columns: list[dict]) -> tuple[str, ...]:
    """A row's name: its text cells (an account, a date and summary), never its figures."""
    return tuple(str(cell) for cell, column in zip(row, columns, strict=False) if column["kind"] == "text")


def _table_differences(section_title: str, then: dict, now: dict | None) -> list[str]:
    where = f"{section_title}·{then['title']}"
    if now is None:
        return [f"“{where}”：现在账上已没有这张表"]
    found = []
    columns = then["columns"]
    now_rows = {_key(row, columns): row for row in now["rows"]}
    for row in then["rows"]:
        key = _key(row, columns)
        current = now_rows.pop(key, None)
        label = " ".join(key)
        if current is None:
            found.append(f"“{where}”中“{label}”：公开时有这一行，现在账上没有了")
            continue
        for index, column in enumerate(columns):
            if column["kind"] != "text" and row[index] != current[index]:
                found.append(
                    f"“{where}”中“{label}”的{column['label']}：公开时 {_shown(row[index], column['kind'])}，"
                    f"现在账上是 {_shown(current[index], column['kind'])}"
                )
    for key in now_rows:
        found.append(f"“{where}”中“{' '.join(key)}”：公开时没有这一行，现在账上有了")
    return found


def _figure_problems(disclosure: Disclosure, snapshot: dict, result: CheckResult) -> list[str]:
    period = parse_disclosure_period(snapshot["period"])
    context = SectionContext(ledger=disclosure.ledger, period=period, big_item_fen=snapshot["big_item_fen"])
    problems = []
    for then in snapshot["sections"]:
        if not then.get("from_books"):
            continue
        builder = BOOK_SECTIONS.get(then["key"])
        if builder is None:
            continue
        section = builder(context)
        now_tables = {t["title"]: t for t in section.as_data()["tables"]} if section else {}
        for table in then["tables"]:
            result.figures_checked += sum(1 for row in table["rows"] for cell in row if isinstance(cell, int))
            problems += _table_differences(then["title"], table, now_tables.get(table["title"]))
    return problems


def _chain_problems(disclosure: Disclosure, result: CheckResult) -> list[str]:
    size = disclosure.chain_size
    entries = chain.entries(disclosure.ledger_id, limit=size)
    if len(entries) < size:
        return [f"公开时账簿哈希链有 {size} 条，现在只有 {len(entries)} 条：已记账凭证被删除"]
    problems = []
    previous = chain.GENESIS
    for expected, entry in enumerate(entries, start=1):
        name = f"{period_label(entry.period_key)} 记-{entry.number}"
        try:
            recomputed = verify_books.entry_hash(
                entry.algorithm, entry.version, entry.previous_hash, entry.canonical.encode("utf-8")
            )
        except verify_books.VerificationError:
            recomputed = ""
        if entry.sequence != expected or entry.previous_hash != previous or recomputed != entry.entry_hash:
            problems.append(f"账簿哈希链第 {expected} 条（{name}）被改过")
        previous = entry.entry_hash
    if size and previous != disclosure.chain_head:
        problems.append("账簿哈希链的链头与公开时记录的不同：公开之后账簿被改写过")
    root = verify_books.tree_root(chain.ALGORITHM, [bytes.fromhex(e.entry_hash) for e in entries]).hex()
    if root != disclosure.chain_root:
        problems.append("账簿哈希链的根哈希与公开时记录的不同：公开之后账簿被改写过")
    if disclosure.checkpoint is not None:
        body = json.loads(disclosure.checkpoint.body)
        try:
            verify_books.verify_checkpoint_signature(
                {"body": body, "signature": disclosure.checkpoint.signature}
            )
        except (ValueError, verify_books.VerificationError):
            problems.append("公开时的签名校验点无效：校验点被改过")
        else:
            if body.get("tree_size") != size or body.get("root") != disclosure.chain_root:
                problems.append("公开记录的哈希链与签名校验点不符：公开记录被改过")
    # Each voucher of the chain against its rows as they are now.
    posted = {
        v.voucher_id: v for v in chain.posted_from_rows(disclosure.ledger_id, [e.voucher_id for e in entries])
    }
    result.vouchers_checked = len(entries)
    for entry in entries:
        name = f"{period_label(entry.period_key)} 记-{entry.number}"
        voucher = posted.get(entry.voucher_id)
        if voucher is None:
            problems.append(f"凭证 {name} 已不在账上（被删除或改了状态）")
            continue
        if chain.canonical_bytes(voucher.record).decode("utf-8") == entry.canonical:
            continue
        then = json.loads(entry.canonical)
        for difference in chain.record_differences(then, voucher.record) or ["内容与记账时不同"]:
            problems.append(f"凭证 {name} 记账后被改过：{difference}")
    return problems


def _snapshot_problem(disclosure: Disclosure) -> str | None:
    from villagebooks.disclosure.services import snapshot_sha256

    if snapshot_sha256(disclosure.snapshot) != disclosure.sha256:
        return "公开内容与公开时的哈希值不符：公开记录被改过"
    return None


def _finished(result: CheckResult) -> CheckResult:
    if len(result.problems) > MOST_SHOWN:
        more = len(result.problems) - MOST_SHOWN
        result.problems = result.problems[:MOST_SHOWN] + [f"……另有 {more} 处不符"]
    return result


def disclosure_check(disclosure: Disclosure) -> CheckResult:
    """The check the public page shows (reads only; no permission needed: it is public)."""
    result = CheckResult()
    problem = _snapshot_problem(disclosure)
    if problem:
        result.problems.append(problem)
        return result
    snapshot = json.loads(disclosure.snapshot)
    result.problems += _figure_problems(disclosure, snapshot, result)
    result.problems += _chain_problems(disclosure, result)
    result.checked_at = timezone.now()
    return _finished(result)


@dataclass(frozen=True)
class _Part:
    problems: tuple[str, ...]
    count: int
    checked_at: datetime


def _part(key: str, run) -> _Part:
    part = cache.get(key)
    if part is None:
        result = CheckResult()
        problems = run(result)
        part = _Part(tuple(problems), result.figures_checked or result.vouchers_checked, timezone.now())
        cache.set(key, part, settings.DISCLOSURE_CHECK_SECONDS)
    return part


def disclosure_check_recent(disclosure: Disclosure) -> CheckResult:
    """The check as the public page shows it, each of its two costly parts (the figures
    recomputed; the chain walked and its vouchers compared) done again only when a row it reads
    has changed since it was last done (``fingerprint.py``: the rows' fingerprint is part of the
    key), and at least every ``settings.DISCLOSURE_CHECK_SECONDS``. The stored snapshot's hash is
    checked every time. A voucher posted after publication in a later month changes neither part.
    The page says when the check was done (the older part's time)."""
    from villagebooks.disclosure.fingerprint import disclosure_fingerprints

    result = CheckResult()
    problem = _snapshot_problem(disclosure)
    if problem:
        result.problems.append(problem)
        result.checked_at = timezone.now()
        return result
    prints = disclosure_fingerprints(disclosure)
    key = f"disclosure:check:{disclosure.pk}:{disclosure.sha256[:16]}"
    figures = _part(
        f"{key}:figures:{prints.figures}",
        lambda r: _figure_problems(disclosure, json.loads(disclosure.snapshot), r),
    )
    chained = _part(f"{key}:chain:{prints.chain}", lambda r: _chain_problems(disclosure, r))
    result.problems = [*figures.problems, *chained.problems]
    result.figures_checked, result.vouchers_checked = figures.count, chained.count
    result.checked_at = min(figures.checked_at, chained.checked_at)
    return _finished(result)
