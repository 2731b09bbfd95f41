"""Each ledger's hash chain of posted vouchers (防篡改): appended at posting, checked by ``verify``.

A posted voucher's meaning (ledger, period, number, date, lines with account code and name as
posted, fund, counterparty, amounts, the people, the reversed voucher, the attachments' SHA-256,
where it came reviewed from) is written once, at posting, in a canonical form (``verify_books``,
which an auditor reads) as an entry of its ledger's chain: entry n's hash covers entry n-1's, so
no voucher can be changed, removed, renumbered or slipped in later without every hash after it
changing. Checkpoints (``checkpoints``) sign the Merkle root of the chain, so that even someone
who recomputes the whole chain in the database is caught against a checkpoint published before.

``posting`` appends here, in the posting's transaction, after the period and balance rows: the
ledger's ``ChainHead`` row is the lock that gives each entry its place. The canonical form is made
from what the rows say (SQL below, the same for posting, for books posted before the chain existed
and for ``verify``), or, for the import's batches, from the values the import has in hand (no
reading back, and no query per voucher).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from villagebooks import verify_books
from villagebooks.ledger.models import (
    Account,
    Attachment,
    ChainEntry,
    ChainHead,
    Counterparty,
    Fund,
    Ledger,
    Period,
    Project,
    Voucher,
    VoucherLine,
    VoucherStatus,
)

VERSION = verify_books.CHAIN_VERSION
ALGORITHM = verify_books.DEFAULT_ALGORITHM
GENESIS = verify_books.GENESIS
POSTED = VoucherStatus.POSTED.value  # read: the chain holds posted vouchers


def _period_text(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def canonical_record(
    *,
    ledger_code: str,
    period: str,
    number: int,
    day: str,
    kind: str,
    note: str,
    lines: list[dict],
    prepared_by: str,
    reviewed_by: str,
    posted_by: str,
    reversed_voucher: dict | None,
    attachments: Iterable[str],
    source_file: str | None,
    source_sha256: str | None,
) -> dict:
    """The canonical record of a posted voucher, the current version (``verify_books``' text
    describes each)."""
    return {
        "v": VERSION,
        "ledger": ledger_code,
        "period": period,
        "number": number,
        "date": day,
        "kind": kind,
        "note": note or "",
        "lines": lines,
        "prepared_by": prepared_by or "",
        "reviewed_by": reviewed_by or "",
        "posted_by": posted_by or "",
        "reversed_voucher": reversed_voucher,
        "attachments": sorted(attachments),
        "reviewed_outside": {"file": source_file or "", "sha256": source_sha256} if source_sha256 else None,
    }


def line_record(
    no, summary, account_code, account_name, debit_fen, credit_fen, fund, counterparty, project
) -> dict:
    return {
        "no": no,
        "summary": summary,
        "account": account_code,
        "account_name": account_name,
        "debit": verify_books.amount_text(debit_fen),
        "credit": verify_books.amount_text(credit_fen),
        "fund": fund or "",
        "counterparty": counterparty or "",
        "project": project or "",
    }


# ---------------------------------------------------------------------------------------------
# The same bytes, written directly (an import's hot path)

# How ``json.dumps(…, ensure_ascii=False)`` writes a string (the C function where there is one):
# the strings below are escaped by the very code ``canonical_json`` uses.
_json_string = json.encoder.encode_basestring
_amount_text = verify_books.amount_text


EMPTY_TEXT = '""'  # an empty name as JSON


def account_head_text(account_code: str, account_name: str) -> str:
    """The start of a line's canonical text: its account, as ``line_text_from_parts`` takes it."""
    return f'{{"account":{_json_string(account_code)},"account_name":{_json_string(account_name)},'


def _amount(fen: int) -> str:
    return "0.00" if fen == 0 else _amount_text(fen)  # one side of every line is empty


def line_text_from_parts(
    account_head: str,
    no,
    summary,
    debit_fen,
    credit_fen,
    fund_text: str,
    counterparty_text: str,
    project_text: str,
) -> str:
    """A line's canonical text from its account's head (``account_head_text``) and its names as
    JSON strings, each made once a ledger (``BatchNames``): the import's hot path."""
    return (
        f'{account_head}"counterparty":{counterparty_text},"credit":"{_amount(credit_fen)}",'
        f'"debit":"{_amount(debit_fen)}","fund":{fund_text},"no":{int(no)},'
        f'"project":{project_text},"summary":{_json_string(summary)}}}'
    )


def canonical_line_text(
    no, summary, account_code, account_name, debit_fen, credit_fen, fund, counterparty, project
) -> str:
    """``line_record(…)`` as ``canonical_json`` writes it (keys in sorted order), without building
    the dictionary and walking it: an import makes two million of these for a county's year.
    ``tests/chain/test_canonical_text.py`` checks it byte for byte against ``canonical_json``."""
    return line_text_from_parts(
        account_head_text(account_code, account_name),
        no,
        summary,
        debit_fen,
        credit_fen,
        _json_string(fund or ""),
        _json_string(counterparty or ""),
        _json_string(project or ""),
    )


def canonical_record_bytes(
    *,
    ledger_code: str,
    period: str,
    number: int,
    day: str,
    kind: str,
    note: str,
    line_texts: list[str],
    prepared_by: str,
    reviewed_by: str,
    posted_by: str,
    reversed_voucher: dict | None,
    attachments: Iterable[str],
    source_file: str | None,
    source_sha256: str | None,
) -> bytes:
    """``canonical_bytes(canonical_record(…))``, the current version, written directly from the
    lines' texts (``canonical_line_text``); the same bytes (checked by the test named above)."""
    reversed_text = (
        "null" if reversed_voucher is None else verify_books.canonical_json(reversed_voucher).decode()
    )
    outside = (
        f'{{"file":{_json_string(source_file or "")},"sha256":{_json_string(source_sha256)}}}'
        if source_sha256
        else "null"
    )
    text = (
        f'{{"attachments":[{",".join(_json_string(a) for a in sorted(attachments))}],'
        f'"date":{_json_string(day)},"kind":{_json_string(kind)},"ledger":{_json_string(ledger_code)},'
        f'"lines":[{",".join(line_texts)}],"note":{_json_string(note or "")},"number":{int(number)},'
        f'"period":{_json_string(period)},"posted_by":{_json_string(posted_by or "")},'
        f'"prepared_by":{_json_string(prepared_by or "")},"reversed_voucher":{reversed_text},'
        f'"reviewed_by":{_json_string(reviewed_by or "")},"reviewed_outside":{outside},"v":{int(VERSION)}}}'
    )
    return text.encode("utf-8")


def as_version(record: dict, version: int) -> dict:
    """``record`` (made in the current version) as an entry of ``version`` holds it: the line keys
    added since are dropped, so that vouchers chained before a version still compare."""
    if version >= VERSION:
        return record
    dropped = {
        key for since, added in verify_books.LINE_KEYS_SINCE.items() if since > version for key in added
    }
    lines = [{key: value for key, value in line.items() if key not in dropped} for line in record["lines"]]
    return {**record, "v": version, "lines": lines}


def renumber_record(
    *, ledger_code: str, period: str, pairs: list[tuple[int, int]], by: str, at, reason: str
) -> dict:
    """The canonical record of an act of 整理凭证号 (``verify_books``: version 3): the month's
    numbers before and after, for the vouchers whose number changed."""
    return {
        "v": verify_books.ACT_VERSION,
        "act": verify_books.ACT_RENUMBER,
        "ledger": ledger_code,
        "period": period,
        "pairs": [[old, new] for old, new in pairs],
        "by": by or "",
        "at": at.isoformat(timespec="seconds"),
        "reason": reason or "",
    }


def canonical_bytes(record: dict) -> bytes:
    return verify_books.canonical_json(record)


# ---------------------------------------------------------------------------------------------
# Records from the rows


@dataclass
class PostedVoucher:
    """A posted voucher as the rows say, with its canonical record."""

    voucher_id: int
    period_key: int
    number: int
    record: dict


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _id_filter(column: str, ids: list[int] | None) -> tuple[str, list]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def posted_from_rows(
    ledger_id: int, voucher_ids: list[int] | None = None, *, version: int = VERSION
) -> Iterator[PostedVoucher]:
    """The ledger's posted vouchers (those of ``voucher_ids`` only, if given) as the rows say,
    in posting order (posted_at, id): three queries, whatever the number of vouchers. Records are
    of ``version``: version 1 reads no project (a migration before the line's project runs it)."""
    users = _quoted(get_user_model())
    voucher, period, ledger = _quoted(Voucher), _quoted(Period), _quoted(Ledger)
    where, params = _id_filter("v.id", voucher_ids)
    header_sql = (
        "SELECT v.id, v.number, p.year, p.month, v.date, v.kind, v.note, pu.username, ru.username,"
        " qu.username, rv.number, rp.year, rp.month, v.source_file, v.source_sha256, v.attachment_count,"
        " lg.code"
        f" FROM {voucher} v JOIN {period} p ON p.id = v.period_id JOIN {ledger} lg ON lg.id = v.ledger_id"
        f" LEFT JOIN {users} pu ON pu.id = v.prepared_by_id LEFT JOIN {users} ru ON ru.id = v.reviewed_by_id"
        f" LEFT JOIN {users} qu ON qu.id = v.posted_by_id LEFT JOIN {voucher} rv ON rv.id = v.reverses_id"
        f" LEFT JOIN {period} rp ON rp.id = rv.period_id"
        f" WHERE v.ledger_id = %s AND v.status = %s{where} ORDER BY v.posted_at, v.id"
    )
    line_where, line_params = _id_filter("l.voucher_id", voucher_ids)
    lines_sql = (
        "SELECT l.voucher_id, l.line_no, l.summary, a.code, a.name, l.debit_fen, l.credit_fen, f.name, c.name,"
        + (" j.code" if version >= 2 else " NULL")
        + f" FROM {_quoted(VoucherLine)} l JOIN {_quoted(Account)} a ON a.id = l.account_id"
        f" LEFT JOIN {_quoted(Fund)} f ON f.id = l.fund_id"
        f" LEFT JOIN {_quoted(Counterparty)} c ON c.id = l.counterparty_id"
        + (f" LEFT JOIN {_quoted(Project)} j ON j.id = l.project_id" if version >= 2 else "")
        + f" WHERE l.ledger_id = %s{line_where} ORDER BY l.voucher_id, l.line_no"
    )
    with connection.cursor() as cursor:
        cursor.execute(header_sql, [ledger_id, POSTED, *params])
        headers = cursor.fetchall()
        if not headers:
            return
        wanted = {row[0] for row in headers}
        cursor.execute(lines_sql, [ledger_id, *line_params])
        lines: dict[int, list[dict]] = defaultdict(list)
        for voucher_id, *line in cursor.fetchall():
            if voucher_id in wanted:
                lines[voucher_id].append(line_record(*line))
        digests: dict[int, list[str]] = defaultdict(list)
        if any(row[15] for row in headers):
            where, params = _id_filter("voucher_id", voucher_ids)
            cursor.execute(
                f"SELECT voucher_id, sha256 FROM {_quoted(Attachment)} WHERE ledger_id = %s{where}",
                [ledger_id, *params],
            )
            for voucher_id, sha256 in cursor.fetchall():
                digests[voucher_id].append(sha256)
    for row in headers:
        (voucher_id, number, year, month, day, kind, note, prepared, reviewed, posted) = row[:10]
        (rev_number, rev_year, rev_month, source_file, source_sha256, _count, code) = row[10:]
        record = canonical_record(
            ledger_code=code,
            period=_period_text(year, month),
            number=number,
            day=str(day)[:10],
            kind=kind,
            note=note,
            lines=lines.get(voucher_id, []),
            prepared_by=prepared,
            reviewed_by=reviewed,
            posted_by=posted,
            reversed_voucher=None
            if rev_year is None
            else {"period": _period_text(rev_year, rev_month), "number": rev_number},
            attachments=digests.get(voucher_id, ()),
            source_file=source_file,
            source_sha256=source_sha256,
        )
        yield PostedVoucher(voucher_id, year * 100 + month, number, as_version(record, version))


# ---------------------------------------------------------------------------------------------
# Appending


def _lock_head(ledger_id: int) -> tuple[int, str]:
    """The ledger's chain size and last hash, its head row locked until the transaction ends."""
    table = _quoted(ChainHead)
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT size, head_hash FROM {table} WHERE ledger_id = %s{lock}", [ledger_id])
        row = cursor.fetchone()
        if row is None:  # the ledger's first posting: its head row is made (once, whoever wins)
            cursor.execute(
                f"INSERT INTO {table} (ledger_id, size, head_hash) VALUES (%s, 0, %s)"
                " ON CONFLICT (ledger_id) DO NOTHING",
                [ledger_id, GENESIS],
            )
            cursor.execute(f"SELECT size, head_hash FROM {table} WHERE ledger_id = %s{lock}", [ledger_id])
            row = cursor.fetchone()
    return row[0], row[1]


def lock_head(ledger_id: int) -> None:
    """Take the ledger's chain head (locked until the transaction ends, as a posting does): a
    writer of the ledger's balances outside a posting (the year's carry-forward) keeps the order
    in which one ledger's side roll-ups are worked out (``rollups.side_refresh``)."""
    _lock_head(ledger_id)


_ENTRY_COLUMNS = (
    "ledger_id",
    "sequence",
    "voucher_id",
    "period_key",
    "number",
    "version",
    "algorithm",
    "canonical",
    "previous_hash",
    "entry_hash",
    "created_at",
)


class Appender:
    """Appends entries to one ledger's chain in the caller's transaction, its head locked."""

    def __init__(self, ledger_id: int, head: tuple[int, str] | None = None):
        """``head``: the head's (size, hash) if the caller has locked and read it already."""
        self.ledger_id = ledger_id
        self.size, self.head = head or _lock_head(ledger_id)
        self.rows: list[tuple] = []

    def add(self, voucher_id: int, period_key: int, number: int, record: dict) -> str:
        """Add ``record``, entered in the version it says (``v``)."""
        return self.add_canonical(voucher_id, period_key, number, record["v"], canonical_bytes(record))

    def add_canonical(
        self, voucher_id: int, period_key: int, number: int, version: int, canonical: bytes
    ) -> str:
        """Add a record already in its canonical bytes, of ``version``."""
        previous = self.head
        self.head = verify_books.entry_hash(ALGORITHM, version, previous, canonical)
        self.size += 1
        self.rows.append(
            (
                self.ledger_id,
                self.size,
                voucher_id,
                period_key,
                number,
                version,
                ALGORITHM,
                canonical.decode("utf-8"),
                previous,
                self.head,
            )
        )
        return self.head

    def write(self, writes=None) -> None:
        """The entries added so far, and the head moved on: two statements (on ``writes``' thread,
        a ``BackgroundWrites``, if given)."""
        if not self.rows:
            return
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        if writes is not None:
            writes.insert(_quoted(ChainEntry), list(_ENTRY_COLUMNS), [row + (now,) for row in self.rows])
            writes.execute(
                f"UPDATE {_quoted(ChainHead)} SET size = %s, head_hash = %s WHERE ledger_id = %s",
                [self.size, self.head, self.ledger_id],
            )
            self.rows = []
            return
        columns = ", ".join(_ENTRY_COLUMNS)
        insert = f"INSERT INTO {_quoted(ChainEntry)} ({columns}) VALUES ({', '.join(['%s'] * len(_ENTRY_COLUMNS))})"
        update = f"UPDATE {_quoted(ChainHead)} SET size = %s, head_hash = %s WHERE ledger_id = %s"
        head = [self.size, self.head, self.ledger_id]
        with connection.cursor() as cursor:
            if len(self.rows) == 1 and connection.vendor == "postgresql":  # one round trip a click
                cursor.execute(f"WITH entry AS ({insert}) {update}", [*self.rows[0], now, *head])
            else:
                cursor.executemany(insert, [row + (now,) for row in self.rows])
                cursor.execute(update, head)
        self.rows = []


def append_posted(voucher: Voucher, *, period_key: int, posted_by_id: int) -> None:
    """Append ``voucher``, just posted (numbered) in this transaction, to its ledger's chain.

    The hot path of every click: its lines with their names, the people's names, the reversed
    voucher and the head's row (locked) come in one query, the entry and the head go back in one
    more on PostgreSQL (two on SQLite, in-process); attachments cost a query only if there are some.
    """
    users = _quoted(get_user_model())
    vouchers, periods, heads = _quoted(Voucher), _quoted(Period), _quoted(ChainHead)
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    sql = (
        f"WITH head AS (SELECT size, head_hash FROM {heads} WHERE ledger_id = %(ledger)s{lock})"
        " SELECT l.line_no, l.summary, a.code, a.name, l.debit_fen, l.credit_fen, f.name, c.name, j.code,"
        f" (SELECT username FROM {users} WHERE id = %(prepared)s),"
        f" (SELECT username FROM {users} WHERE id = %(reviewed)s),"
        f" (SELECT username FROM {users} WHERE id = %(poster)s),"
        f" (SELECT rv.number FROM {vouchers} rv WHERE rv.id = %(reverses)s),"
        f" (SELECT rp.year * 100 + rp.month FROM {vouchers} rv JOIN {periods} rp ON rp.id = rv.period_id"
        "   WHERE rv.id = %(reverses)s),"
        " head.size, head.head_hash"
        f" FROM {_quoted(VoucherLine)} l JOIN {_quoted(Account)} a ON a.id = l.account_id"
        f" LEFT JOIN {_quoted(Fund)} f ON f.id = l.fund_id"
        f" LEFT JOIN {_quoted(Counterparty)} c ON c.id = l.counterparty_id"
        f" LEFT JOIN {_quoted(Project)} j ON j.id = l.project_id"
        " LEFT JOIN head ON 1 = 1"
        " WHERE l.voucher_id = %(voucher)s ORDER BY l.line_no"
    )
    params = {
        "ledger": voucher.ledger_id,
        "prepared": voucher.prepared_by_id,
        "reviewed": voucher.reviewed_by_id,
        "poster": posted_by_id,
        "reverses": voucher.reverses_id,
        "voucher": voucher.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        digests = []
        if voucher.attachment_count:
            cursor.execute(f"SELECT sha256 FROM {_quoted(Attachment)} WHERE voucher_id = %s", [voucher.pk])
            digests = [row[0] for row in cursor.fetchall()]
    first = rows[0]
    prepared, reviewed, posted, rev_number, rev_key, size, head = first[9:]
    record = canonical_record(
        ledger_code=voucher.ledger.code,
        period=_period_text(period_key // 100, period_key % 100),
        number=voucher.number,
        day=voucher.date.isoformat(),
        kind=voucher.kind,
        note=voucher.note,
        lines=[line_record(*row[:9]) for row in rows],
        prepared_by=prepared,
        reviewed_by=reviewed,
        posted_by=posted,
        reversed_voucher=None
        if rev_key is None
        else {"period": _period_text(rev_key // 100, rev_key % 100), "number": rev_number},
        attachments=digests,
        source_file=voucher.source_file,
        source_sha256=voucher.source_sha256,
    )
    appender = Appender(voucher.ledger_id, head=None if size is None else (size, head))
    appender.add(voucher.pk, period_key, voucher.number, record)
    appender.write()


def head_create(ledger_id: int) -> None:
    """A new ledger's empty chain (so that its first posting costs no more than the others)."""
    ChainHead.objects.get_or_create(ledger_id=ledger_id, defaults={"size": 0, "head_hash": GENESIS})


def build_missing(ledger_ids: list[int] | None = None, *, version: int = VERSION) -> int:
    """Chain the posted vouchers of ledgers that have no chain yet (books posted before the chain
    existed), in posting order (posted_at, id), as records of ``version``; give every ledger its
    head. Returns how many vouchers were chained."""
    ledgers = Ledger.objects.order_by("id")
    if ledger_ids is not None:
        ledgers = ledgers.filter(pk__in=ledger_ids)
    chained = set(ChainHead.objects.values_list("ledger_id", flat=True))
    count = 0
    for ledger_id in ledgers.values_list("id", flat=True):
        if ledger_id in chained:
            continue
        appender = None
        for posted in posted_from_rows(ledger_id, version=version):
            appender = appender or Appender(ledger_id)
            appender.add(posted.voucher_id, posted.period_key, posted.number, posted.record)
            count += 1
        if appender is not None:
            appender.write()
        else:
            head_create(ledger_id)
    return count


# ---------------------------------------------------------------------------------------------
# The import's batches: records from the values in hand


class BatchNames:
    """A ledger's names by id, loaded once an import and again only for an id it has not seen
    (a fund or counterparty the import created): what the import's canonical records need."""

    def __init__(self, ledger_id: int):
        self.ledger_id = ledger_id
        self.code = Ledger.objects.values_list("code", flat=True).get(pk=ledger_id)
        self._load()
        self.users: dict[int, str] = {}

    def _load(self) -> None:
        ledger_id = self.ledger_id
        self.accounts = {
            pk: (code, name)
            for pk, code, name in Account.objects.filter(ledger_id=ledger_id).values_list(
                "id", "code", "name"
            )
        }
        self.funds = dict(Fund.objects.filter(ledger_id=ledger_id).values_list("id", "name"))
        self.parties = dict(Counterparty.objects.filter(ledger_id=ledger_id).values_list("id", "name"))
        self.projects = dict(Project.objects.filter(ledger_id=ledger_id).values_list("id", "code"))
        self.periods = {
            pk: (year, month)
            for pk, year, month in Period.objects.filter(ledger_id=ledger_id).values_list(
                "id", "year", "month"
            )
        }
        # Their canonical JSON texts, made once (``line_text_from_parts``).
        self.account_heads = {pk: account_head_text(code, name) for pk, (code, name) in self.accounts.items()}
        self.fund_texts = {pk: _json_string(name) for pk, name in self.funds.items()}
        self.party_texts = {pk: _json_string(name) for pk, name in self.parties.items()}
        self.project_texts = {pk: _json_string(code) for pk, code in self.projects.items()}

    def ensure(self, *, accounts=(), funds=(), parties=(), projects=(), periods=(), users=()) -> None:
        if (
            not set(accounts) <= self.accounts.keys()
            or not set(projects) <= self.projects.keys()
            or not set(funds) <= self.funds.keys()
            or not set(parties) <= self.parties.keys()
            or not set(periods) <= self.periods.keys()
        ):
            self._load()
        missing = set(users) - self.users.keys()
        if missing:
            self.users.update(get_user_model().objects.filter(pk__in=missing).values_list("id", "username"))


# ---------------------------------------------------------------------------------------------
# Checking the chain against itself and against the rows

FIELD_NAMES = {
    "ledger": "账套",
    "period": "期间",
    "number": "凭证号",
    "date": "日期",
    "kind": "类型",
    "note": "说明",
    "prepared_by": "制单人",
    "reviewed_by": "审核人",
    "posted_by": "记账人",
    "reversed_voucher": "冲销的凭证",
    "attachments": "附件SHA-256",
    "reviewed_outside": "外部审核来源",
    "summary": "摘要",
    "account": "科目",
    "account_name": "科目名称",
    "debit": "借方",
    "credit": "贷方",
    "fund": "资金来源",
    "counterparty": "往来单位",
    "project": "项目",
    "v": "版本",
}


def _shown(value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dict | list):
        return verify_books.canonical_json(value).decode("utf-8")
    return str(value)


def record_differences(chained: dict, stored: dict) -> list[str]:
    """What differs between the record the chain holds and the one the rows give, in words."""
    found = []
    for key in sorted(chained.keys() | stored.keys()):
        if key == "lines":
            continue
        mine, theirs = chained.get(key), stored.get(key)
        if mine != theirs:
            found.append(f"{FIELD_NAMES.get(key, key)}：记账时 {_shown(mine)}，现为 {_shown(theirs)}")
    lines_then, lines_now = chained.get("lines", []), stored.get("lines", [])
    if len(lines_then) != len(lines_now):
        found.append(f"分录条数：记账时 {len(lines_then)}，现为 {len(lines_now)}")
    for then, now in zip(lines_then, lines_now, strict=False):
        for key in then:
            if then[key] != now.get(key):
                name = FIELD_NAMES.get(key, key)
                found.append(
                    f"第{then['no']}行{name}：记账时 {_shown(then[key])}，现为 {_shown(now.get(key))}"
                )
    return found


@dataclass(frozen=True)
class EntryRow:
    sequence: int
    voucher_id: int
    period_key: int
    number: int
    version: int
    algorithm: str
    canonical: str
    previous_hash: str
    entry_hash: str


def entries(ledger_id: int, *, limit: int | None = None) -> list[EntryRow]:
    rows = ChainEntry.objects.filter(ledger_id=ledger_id).order_by("sequence")
    if limit is not None:
        rows = rows[:limit]
    return [
        EntryRow(*values)
        for values in rows.values_list(
            "sequence",
            "voucher_id",
            "period_key",
            "number",
            "version",
            "algorithm",
            "canonical",
            "previous_hash",
            "entry_hash",
        )
    ]


@dataclass(frozen=True)
class ChainProblem:
    period_key: int  # 0 when the problem is the chain's as a whole
    what: str


def _voucher_name(period_key: int, number: int) -> str:
    """An entry's name: a voucher's 记-n, or an act's (whose entry has number 0)."""
    if not number:
        return f"{_period_text(period_key // 100, period_key % 100)} 整理凭证号"
    return f"{_period_text(period_key // 100, period_key % 100)} 记-{number}"


def chain_problems(ledger_id: int, chain: list[EntryRow]) -> list[ChainProblem]:
    """The chain against itself (places, links, hashes) and against its head row."""
    problems = []
    previous = GENESIS
    for expected, entry in enumerate(chain, start=1):
        name = _voucher_name(entry.period_key, entry.number)
        if entry.sequence != expected:
            problems.append(
                ChainProblem(
                    entry.period_key, f"哈希链第{expected}条缺失（下一条是第{entry.sequence}条，{name}）"
                )
            )
        if entry.previous_hash != previous:
            problems.append(
                ChainProblem(entry.period_key, f"哈希链第{entry.sequence}条（{name}）：前一条的哈希对不上")
            )
        try:
            recomputed = verify_books.entry_hash(
                entry.algorithm, entry.version, entry.previous_hash, entry.canonical.encode("utf-8")
            )
        except verify_books.VerificationError:
            recomputed = ""
        if recomputed != entry.entry_hash:
            problems.append(
                ChainProblem(
                    entry.period_key, f"哈希链第{entry.sequence}条（{name}）：哈希与内容不符，链被改过"
                )
            )
        previous = entry.entry_hash
    head = ChainHead.objects.filter(ledger_id=ledger_id).values_list("size", "head_hash").first()
    size, last = (len(chain), chain[-1].entry_hash if chain else GENESIS)
    if chain and (head is None or head != (size, last)):
        shown = "无" if head is None else f"{head[0]} 条"
        problems.append(ChainProblem(0, f"哈希链头与链不符（链有 {size} 条，链头记 {shown}）"))
    return problems


def row_problems(ledger_id: int, chain: list[EntryRow]) -> list[ChainProblem]:
    """Every posted voucher against its chain entry, and every entry against its voucher. The
    chain's records are first settled (``verify_books.settle``): a voucher renumbered by a
    recorded act is compared with the number the act gave it."""
    posted = {voucher.voucher_id: voucher for voucher in posted_from_rows(ledger_id)}
    problems = []
    chained = set()
    records = []
    for entry in chain:
        try:
            records.append(json.loads(entry.canonical))
        except ValueError:
            records.append({})
    settled, act_problems = verify_books.settle(records)
    for index, text in act_problems:
        problems.append(ChainProblem(chain[index].period_key, text))
    for entry, then in zip(chain, settled, strict=True):
        if then is None:  # an act: checked by the walk
            continue
        chained.add(entry.voucher_id)
        name = _voucher_name(entry.period_key, then.get("number", entry.number))
        voucher = posted.get(entry.voucher_id)
        if voucher is None:
            problems.append(
                ChainProblem(entry.period_key, f"{name}：哈希链中有，凭证已不在（被删除或不再是已记账）")
            )
            continue
        record = as_version(voucher.record, entry.version)
        if canonical_bytes(record) == canonical_bytes(then):
            continue
        for difference in record_differences(then, record) or ["内容与记账时不同"]:
            problems.append(ChainProblem(entry.period_key, f"{name}：{difference}"))
    for voucher_id, voucher in posted.items():
        if voucher_id not in chained:
            name = _voucher_name(voucher.period_key, voucher.number)
            problems.append(
                ChainProblem(voucher.period_key, f"{name}：已记账，但不在哈希链中（未经记账程序写入）")
            )
    return problems
