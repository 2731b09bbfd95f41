"""Fingerprints of the rows a disclosure's check reads, so that the public page redoes only the
part of the check whose rows changed.

The check (``check.py``) has two costly parts: the book sections' figures recomputed (statements,
fund summary: ~100 ms on a village of a few years) and the hash chain walked with every chained
voucher rebuilt from its rows (~200 ms). Both are functions of rows in the database, nothing else.
A fingerprint is the SHA-256 of those rows, every column, read as they are (no model, no
trigger, no maintained counter a tamperer could leave alone): if one cell of one of them changes,
the fingerprint changes and that part is checked again, in full, with its differences named.
Reading the rows costs a few milliseconds; rebuilding and comparing them costs the rest.

Rows read (the ledger's only, and only those that can affect this disclosure):

- **vouchers**: the posted vouchers of the months up to the disclosure's last, and every voucher
  chained up to the chain size recorded at publication, with their lines and attachments'
  digests. A voucher posted later in a later month changes neither part: this disclosure
  neither shows it nor chains it.
- **names**: accounts, funds, counterparties, projects, the months up to the disclosure's last,
  and the user names the chained vouchers carry (all of them appear in the chained records or in
  the published tables).
- **entries** (chain part): the chain entries up to the size at publication; the checkpoint and
  the signing keys.
- **balances** (figures part): the balance rows up to the disclosure's last month, the opening
  balances, the ledger row, the statement layouts of the ledger's chart (a county's layout
  edited changes the published statements).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection

from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Attachment,
    ChainEntry,
    Checkpoint,
    CheckpointKey,
    Counterparty,
    Fund,
    Ledger,
    OpeningBalance,
    Period,
    Project,
    Voucher,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.reports.models import StatementLayout, StatementLine


@dataclass(frozen=True)
class Fingerprints:
    figures: str  # what the recomputed figures depend on
    chain: str  # what the chain walk and the voucher comparison depend on


POSTED = VoucherStatus.POSTED.value  # read, never written here: only ledger.posting posts


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# The row hash of voucher lines, in SQL (a few thousand lines a village: text per line would cost
# more than the rest together): h = Σ column × its multiplier, mod P; the sums of h and of h² mod P.
# The amounts are taken mod P and the multipliers are below 2²⁰, so that no product or sum leaves
# 64 bits (PostgreSQL would refuse it; ids, counts and lengths are far below 2³¹); every column is
# cast to a 64-bit integer first (PostgreSQL's int × int stays 32-bit). ``%%`` is ``%`` escaped for
# the placeholders.
_PRIME = 2_147_483_647
_LINE_TERMS = (
    ("id", 1_000_003), ("voucher_id", 999_983), ("line_no", 999_979), ("account_id", 999_961),
    (f"debit_fen %% {_PRIME}", 999_959), (f"credit_fen %% {_PRIME}", 999_953),
    ("coalesce(fund_id, 0)", 999_931), ("coalesce(counterparty_id, 0)", 999_917),
    ("coalesce(project_id, 0)", 999_907), ("length(summary)", 999_863),
    ("coalesce({first}(summary), 0)", 999_853),
)  # fmt: skip
# The voucher columns a record or a figure is made of (not the draft's times and numbers).
_VOUCHER_COLUMNS = [
    "id", "period_id", "number", "date", "status", "kind", "reverses_id", "note", "amount_fen",
    "attachment_count", "prepared_by_id", "reviewed_by_id", "posted_by_id", "posted_at",
    "source_file", "source_sha256",
]  # fmt: skip


def _as_text(column: str) -> str:
    return f"coalesce(CAST({column} AS TEXT), '')"


def _rows(model, where: str, params: list, columns: list[str] | None = None) -> tuple[str, list]:
    """The query of ``model``'s rows matching ``where`` as one text, in key order (every column
    unless named)."""
    quote = connection.ops.quote_name
    names = [quote(c) for c in columns] if columns else [quote(f.column) for f in model._meta.concrete_fields]
    row = " || '|' || ".join(_as_text(name) for name in names)
    key = quote(model._meta.pk.column)
    table = _table(model)
    if connection.vendor == "postgresql":
        return f"SELECT string_agg({row}, chr(10) ORDER BY {key}) FROM {table} WHERE {where}", params
    return (
        f"SELECT group_concat(row_text, char(10)) FROM (SELECT {row} AS row_text FROM {table} WHERE {where} ORDER BY {key})",
        params,
    )


def _line_sums(where: str, params: list) -> tuple[str, list]:
    """The voucher lines matching ``where`` as a few sums of a hash of every column of each
    (the summary by its length and first character)."""
    first = "unicode" if connection.vendor == "sqlite" else "ascii"
    h = " + ".join(f"CAST({term.format(first=first)} AS BIGINT) * {m}" for term, m in _LINE_TERMS)
    sums = ("count(*)", "sum(debit_fen)", "sum(credit_fen)", "sum(h)", f"sum((h * h) %% {_PRIME})")
    text = " || ',' || ".join(f"CAST(coalesce({s}, 0) AS TEXT)" for s in sums)
    return (
        f"SELECT {text} FROM"
        f" (SELECT debit_fen, credit_fen, ({h}) %% {_PRIME} AS h FROM {_table(VoucherLine)} WHERE {where}) lines",
        params,
    )


def _digests(groups: dict[str, list[tuple[str, list]]]) -> dict[str, bytes]:
    """Each group's digest of its queries' answers, every query a one-value subquery of a single
    statement (one round trip to the database, however many tables)."""
    parts = [part for group in groups.values() for part in group]
    sql = "SELECT " + ", ".join(f"({query})" for query, _params in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for _query, params in parts for value in params])
        answers = iter(cursor.fetchone())
    digests = {}
    for name, group in groups.items():
        digest = hashlib.sha256()
        for query, _params in group:
            digest.update(query.encode())
            digest.update(repr(next(answers)).encode())
        digests[name] = digest.digest()
    return digests


def disclosure_fingerprints(disclosure) -> Fingerprints:
    """The fingerprints of the rows each part of ``disclosure``'s check reads (one query)."""
    ledger_id, size, last_key = disclosure.ledger_id, disclosure.chain_size, disclosure.to_key
    voucher, period, entry = _table(Voucher), _table(Period), _table(ChainEntry)
    months = f"SELECT id FROM {period} WHERE ledger_id = %s AND year * 100 + month <= %s"
    chained = f"SELECT voucher_id FROM {entry} WHERE ledger_id = %s AND sequence <= %s"
    # The vouchers either part reads: posted in the disclosure's months or before, or chained.
    voucher_ids = (
        f"SELECT id FROM {voucher} WHERE ledger_id = %s AND status = %s AND period_id IN ({months})"
        f" UNION {chained}"
    )
    in_vouchers = [ledger_id, POSTED, ledger_id, last_key, ledger_id, size]
    own = ("ledger_id = %s", [ledger_id])
    vouchers = [
        _rows(Voucher, f"id IN ({voucher_ids})", in_vouchers, _VOUCHER_COLUMNS),
        _line_sums(f"ledger_id = %s AND voucher_id IN ({voucher_ids})", [ledger_id, *in_vouchers]),
        _rows(
            Attachment,
            f"ledger_id = %s AND voucher_id IN ({voucher_ids})",
            [ledger_id, *in_vouchers],
            ["voucher_id", "sha256"],
        ),
    ]
    names = [
        *(_rows(model, *own) for model in (Account, Fund, Counterparty, Project)),
        _rows(Period, f"id IN ({months})", [ledger_id, last_key], ["id", "year", "month", "status"]),
        _rows(
            get_user_model(),
            f"id IN (SELECT prepared_by_id FROM {voucher} WHERE ledger_id = %s"
            f" UNION SELECT reviewed_by_id FROM {voucher} WHERE ledger_id = %s"
            f" UNION SELECT posted_by_id FROM {voucher} WHERE ledger_id = %s)",
            [ledger_id] * 3,
            ["id", "username"],
        ),
    ]
    entries = [
        # every column but the canonical text (large): an entry's text changed without its hash is
        # found by the full check when the kept verdict expires; the hashes themselves are all here
        _rows(
            ChainEntry,
            "ledger_id = %s AND sequence <= %s",
            [ledger_id, size],
            [
                "sequence",
                "voucher_id",
                "period_key",
                "number",
                "version",
                "algorithm",
                "previous_hash",
                "entry_hash",
            ],
        ),
        _rows(Checkpoint, "id = %s", [disclosure.checkpoint_id or 0]),
        _rows(CheckpointKey, "1 = 1", []),
    ]
    chart = f"(SELECT chart FROM {_table(Ledger)} WHERE id = %s)"
    balances = [
        _rows(AccountBalance, "ledger_id = %s AND period_key <= %s", [ledger_id, last_key]),
        _rows(OpeningBalance, *own),
        # not the columns a draft or a login moves (last_draft_no, updated_at)
        _rows(
            Ledger,
            "id = %s",
            [ledger_id],
            ["id", "code", "name", "village_id", "chart", "start_year", "start_month", "carried_year"],
        ),
        _rows(StatementLayout, f"chart = {chart}", [ledger_id]),
        _rows(
            StatementLine,
            f"layout_id IN (SELECT id FROM {_table(StatementLayout)} WHERE chart = {chart})",
            [ledger_id],
        ),
    ]
    d = _digests({"vouchers": vouchers, "names": names, "entries": entries, "balances": balances})
    return Fingerprints(
        figures=hashlib.sha256(d["vouchers"] + d["names"] + d["balances"]).hexdigest(),
        chain=hashlib.sha256(d["vouchers"] + d["names"] + d["entries"]).hexdigest(),
    )
