"""Books changed behind the app's back, with the triggers out of the way (direct SQL as the
tables' owner): ``verify`` catches each kind of change and names the ledger, the voucher and what
differs. On SQLite and on PostgreSQL (where the app's role cannot drop a trigger: the owner's
connection does the tampering, on committed books)."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from villagebooks import verify_books
from villagebooks.common.database_roles import owner_configured
from villagebooks.ledger import chain, checkpoints
from villagebooks.ledger.models import Period, Voucher, VoucherLine
from villagebooks.ledger.tests.books import post
from villagebooks.ledger.verification import ledgers_verify

TWO_ROLES = owner_configured(connection)
# serialized_rollback: the flush after a transactional test would also remove the data that
# migrations seed (content types, statement layouts), which later tests need.
pytestmark = pytest.mark.django_db(transaction=TWO_ROLES, serialized_rollback=TWO_ROLES)

BOOKS = """
    2025-03-01 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-03-05 借给张三
      借 112 应收款        2000.50  party=张三
      贷 101 库存现金      2000.50
    2025-04-02 办公费
      借 513 管理费用       800.00
      贷 102 银行存款       800.00
"""
TABLES = (
    "ledger_voucher",
    "ledger_voucherline",
    "ledger_chainentry",
    "ledger_checkpoint",
    "ledger_accountbalance",
    "common_auditentry",
    "ledger_voucherrenumbering",
    "ledger_voucherrenumberingline",
)


def tamper(*statements: tuple[str, list | dict]) -> None:
    """Run SQL with every trigger of the books out of the way, as someone with the database would."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            for sql, params in statements:
                cursor.execute(sql, params)
            for _name, sql in triggers:
                cursor.execute(sql)
        return
    owner = connection  # one role for both: it owns the tables, inside the test's transaction
    if TWO_ROLES:  # the app may not: the owner's own connection, on the committed books
        owner = connection.copy()
        owner.settings_dict.update({k: v for k, v in settings.DATABASE_OWNER.items() if k != "APP_ROLE"})
    try:
        with owner.cursor() as cursor:
            if TWO_ROLES:
                cursor.execute("BEGIN")
            # Foreign keys checked at once: ALTER TABLE refuses a table with checks still queued.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for sql, params in statements:
                cursor.execute(sql, params)
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if TWO_ROLES:
                cursor.execute("COMMIT")
    finally:
        if TWO_ROLES:
            owner.close()


@pytest.fixture
def books(ledger, accountant, reviewer, tmp_path):
    checkpoints.key_create(actor=accountant)
    vouchers = post(ledger, accountant, reviewer, BOOKS)
    checkpoint = checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)
    published = tmp_path / "published.json"
    published.write_text(checkpoints.checkpoint_file_text(checkpoint), encoding="utf-8")
    assert ledgers_verify() == []
    lines = {
        (v.pk, line.line_no): line.pk
        for v in vouchers
        for line in VoucherLine.objects.filter(voucher_id=v.pk)
    }
    return {
        "ledger": ledger,
        "v1": vouchers[0].pk,
        "v2": vouchers[1].pk,
        "v3": vouchers[2].pk,
        "line": lines,
        "april": Period.objects.get(ledger=ledger, year=2025, month=4).pk,
        "checkpoint": checkpoint,
        "published": published,
    }


def _failures(**options) -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify", stdout=io.StringIO(), **options)
    return str(error.value)


L, V = "ledger_voucherline", "ledger_voucher"

# (name, statements given the books, what verify must say)
KINDS = [
    (
        "a line's amount",
        lambda b: [(f"UPDATE {L} SET debit_fen = 5000100 WHERE id = %s", [b["line"][(b["v1"], 1)]])],
        "2025-03 记-1：第1行借方：记账时 50000.00，现为 50001.00",
    ),
    (
        "a line's account",
        lambda b: [
            (
                f"UPDATE {L} SET account_id = (SELECT id FROM ledger_account WHERE ledger_id = %s AND code = '101')"
                " WHERE id = %s",
                [b["ledger"].pk, b["line"][(b["v1"], 1)]],
            )
        ],
        "2025-03 记-1：第1行科目：记账时 102，现为 101",
    ),
    (
        "a line's fund",
        lambda b: [
            (
                f"UPDATE {L} SET fund_id = (SELECT id FROM ledger_fund WHERE ledger_id = %s AND name = '村级组织运转经费')"
                " WHERE id = %s",
                [b["ledger"].pk, b["line"][(b["v1"], 2)]],
            )
        ],
        "2025-03 记-1：第2行资金来源：记账时 县交通局道路补助，现为 村级组织运转经费",
    ),
    (
        "a line's counterparty",
        lambda b: [(f"UPDATE {L} SET counterparty_id = NULL WHERE id = %s", [b["line"][(b["v2"], 1)]])],
        "2025-03 记-2：第1行往来单位：记账时 张三，现为 （空）",
    ),
    (
        "a line's project",
        lambda b: [
            (
                "INSERT INTO ledger_project (ledger_id, code, name, created_at, updated_at)"
                " VALUES (%s, 'P9', '别的项目', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                [b["ledger"].pk],
            ),
            (
                f"UPDATE {L} SET project_id = (SELECT id FROM ledger_project WHERE ledger_id = %s AND code = 'P9')"
                " WHERE id = %s",
                [b["ledger"].pk, b["line"][(b["v1"], 1)]],
            ),
        ],
        "2025-03 记-1：第1行项目：记账时 （空），现为 P9",
    ),
    (
        "a line's summary",
        lambda b: [(f"UPDATE {L} SET summary = '收到补助（改）' WHERE id = %s", [b["line"][(b["v1"], 2)]])],
        "2025-03 记-1：第2行摘要：记账时 收到道路补助，现为 收到补助（改）",
    ),
    (
        "a voucher deleted",
        lambda b: [
            (f"DELETE FROM {L} WHERE voucher_id = %s", [b["v3"]]),
            (f"DELETE FROM {V} WHERE id = %s", [b["v3"]]),
        ],
        "2025-04 记-1：哈希链中有，凭证已不在",
    ),
    (
        "a voucher inserted",
        lambda b: [
            (
                f"INSERT INTO {V} (ledger_id, period_id, date, number, status, kind, note, amount_fen,"
                " attachment_count, prepared_by_id, submitted_at, reviewed_by_id, reviewed_at, posted_by_id,"
                " posted_at, created_at, updated_at) SELECT ledger_id, period_id, date, 2, status, kind, note,"
                " amount_fen, attachment_count, prepared_by_id, submitted_at, reviewed_by_id, reviewed_at,"
                f" posted_by_id, posted_at, created_at, updated_at FROM {V} WHERE id = %s",
                [b["v3"]],
            ),
            (
                f"INSERT INTO {L} (ledger_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen,"
                f" fund_id, counterparty_id) SELECT ledger_id, (SELECT max(id) FROM {V}), line_no, summary,"
                f" account_id, debit_fen, credit_fen, fund_id, counterparty_id FROM {L} WHERE voucher_id = %s",
                [b["v3"]],
            ),
        ],
        "2025-04 记-2：已记账，但不在哈希链中",
    ),
    (
        "a voucher renumbered",
        lambda b: [(f"UPDATE {V} SET number = 7 WHERE id = %s", [b["v2"]])],
        "2025-03 记-2：凭证号：记账时 2，现为 7",
    ),
    (
        "a voucher moved to another date",
        lambda b: [(f"UPDATE {V} SET date = '2025-03-28' WHERE id = %s", [b["v1"]])],
        "2025-03 记-1：日期：记账时 2025-03-01，现为 2025-03-28",
    ),
    (
        "a voucher moved to another period",
        lambda b: [(f"UPDATE {V} SET period_id = %s WHERE id = %s", [b["april"], b["v2"]])],
        "2025-03 记-2：期间：记账时 2025-03，现为 2025-04",
    ),
    (
        "a chain entry edited",
        lambda b: [
            (
                "UPDATE ledger_chainentry SET canonical = replace(canonical, '50000.00', '5000.00')"
                " WHERE ledger_id = %s AND sequence = 1",
                [b["ledger"].pk],
            )
        ],
        "哈希链第1条（2025-03 记-1）：哈希与内容不符，链被改过",
    ),
    (
        "a checkpoint row rewritten",
        lambda b: [
            (
                "UPDATE ledger_checkpoint SET tree_size = 2, body = replace(body, '\"tree_size\":3', '\"tree_size\":2')"
                " WHERE id = %s",
                [b["checkpoint"].pk],
            )
        ],
        "签名无效：校验点记录被改过",
    ),
    (
        "a checkpoint's columns rewritten",
        lambda b: [
            ("UPDATE ledger_checkpoint SET root_hash = %s WHERE id = %s", ["0" * 64, b["checkpoint"].pk])
        ],
        "的记录与其签名内容不符：校验点记录被改过",
    ),
]


@pytest.mark.parametrize("name, statements, said", KINDS, ids=[kind[0] for kind in KINDS])
def test_each_kind_of_tampering_is_named(books, name, statements, said):
    tamper(*statements(books))
    text = _failures()
    assert "账套 HT01" in text and said in text, text


def test_a_balance_row_edited_is_named_by_its_account(books):
    tamper(
        (
            "UPDATE ledger_accountbalance SET debit_fen = debit_fen + 1 WHERE ledger_id = %s AND period_key = 202504"
            " AND account_id = (SELECT id FROM ledger_account WHERE ledger_id = %s AND code = '513')",
            [books["ledger"].pk, books["ledger"].pk],
        )
    )
    assert "账套 HT01 科目 513 期间 2025-04：借方发生额：应为 800.00，实为 800.01" in _failures()


def _recomputed_chain(ledger_id: int, *, drop_checkpoints: bool = True) -> list[tuple[str, list]]:
    """What someone with the database and this source code could do: the chain made again from
    the changed rows, its head moved, the ledger's stored checkpoints gone (unless kept)."""
    statements = [("DELETE FROM ledger_chainentry WHERE ledger_id = %s", [ledger_id])]
    if drop_checkpoints:
        statements.append(("DELETE FROM ledger_checkpoint WHERE ledger_id = %s", [ledger_id]))
    previous = chain.GENESIS
    posted = chain.posted_from_rows(ledger_id)
    for sequence, voucher in enumerate(posted, start=1):
        canonical = chain.canonical_bytes(voucher.record)
        digest = verify_books.entry_hash("sha256", chain.VERSION, previous, canonical)
        statements.append(
            (
                "INSERT INTO ledger_chainentry (ledger_id, sequence, voucher_id, period_key, number, version,"
                " algorithm, canonical, previous_hash, entry_hash, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, 'sha256', %s, %s, %s, '2025-12-01 00:00:00')",
                [
                    ledger_id,
                    sequence,
                    voucher.voucher_id,
                    voucher.period_key,
                    voucher.number,
                    chain.VERSION,
                    canonical.decode(),
                    previous,
                    digest,
                ],
            )
        )
        previous = digest
    statements.append(
        ("UPDATE ledger_chainhead SET head_hash = %s WHERE ledger_id = %s", [previous, ledger_id])
    )
    return statements


def test_a_whole_chain_recomputed_is_caught_against_the_published_checkpoint(books):
    ledger_id = books["ledger"].pk
    tamper((f"UPDATE {L} SET summary = '改过的摘要' WHERE id = %s", [books["line"][(books["v1"], 1)]]))
    tamper(*_recomputed_chain(ledger_id))
    # The database alone now agrees with itself ...
    out = io.StringIO()
    call_command("verify", stdout=out)
    assert out.getvalue().startswith("校验通过")
    # ... but not with the checkpoint published before.
    text = _failures(checkpoint=[str(books["published"])])
    assert "账套 HT01：哈希链前 3 条的根哈希与校验点文件" in text, text


def test_an_earlier_stored_checkpoint_catches_a_chain_recomputed_and_signed_again(books):
    """Someone with the database and the signing key recomputes the chain and signs a new
    checkpoint: the newest agrees, the one stored before (which no one can delete) does not."""
    ledger, first = books["ledger"], books["checkpoint"]
    tamper((f"UPDATE {L} SET summary = '改过的摘要' WHERE id = %s", [books["line"][(books["v1"], 1)]]))
    tamper(*_recomputed_chain(ledger.pk, drop_checkpoints=False))
    newest = checkpoints.make_ledger_checkpoint(ledger)
    text = _failures()
    assert f"哈希链前 3 条的根哈希与校验点（#{first.pk}）不符" in text, text
    assert f"校验点（#{newest.pk}）" not in text


def test_a_stored_region_checkpoint_catches_a_chain_recomputed(books, accountant):
    ledger = books["ledger"]
    region = checkpoints.region_checkpoint(actor=accountant, region=ledger.village)
    tamper((f"UPDATE {L} SET summary = '改过的摘要' WHERE id = %s", [books["line"][(books["v1"], 1)]]))
    tamper(*_recomputed_chain(ledger.pk))  # the ledger's own checkpoints gone; the region's remain
    text = _failures()
    assert f"哈希链前 3 条的根哈希与地区校验点（#{region.pk}）不符" in text, text


def test_a_stored_region_checkpoint_rewritten_is_named_on_its_ledgers(books, accountant):
    region = checkpoints.region_checkpoint(actor=accountant, region=books["ledger"].village)
    body = json.loads(region.body)
    body["ledgers"][0]["tree_size"] = 2
    tamper(("UPDATE ledger_checkpoint SET body = %s WHERE id = %s", [json.dumps(body), region.pk]))
    text = _failures()
    assert f"账套 HT01：地区校验点（#{region.pk}）签名无效" in text, text


def test_rows_cut_from_the_end_of_a_ledgers_operation_log_show_against_its_checkpoint(books):
    """The log's chain alone cannot show its last rows removed; the checkpoint anchored its end."""
    ledger, checkpoint = books["ledger"], books["checkpoint"]
    anchored = json.loads(checkpoint.body)["audit"]["size"]
    assert anchored > 0
    tamper(("DELETE FROM common_auditentry WHERE ledger_id = %s AND seq >= %s", [ledger.pk, anchored]))
    text = _failures()
    assert f"第 {anchored} 条（校验点（#{checkpoint.pk}）记下的末尾）已不在" in text, text


def test_rows_cut_from_the_end_of_the_log_of_no_ledger_show_against_a_region_checkpoint(books, accountant):
    region = checkpoints.region_checkpoint(actor=accountant, region=books["ledger"].village)
    anchored = json.loads(region.body)["audit"]["size"]
    assert anchored > 0
    tamper(("DELETE FROM common_auditentry WHERE ledger_id IS NULL AND seq >= %s", [anchored]))
    text = _failures()
    assert f"操作日志（不属于账套）第 {anchored} 条（地区校验点（#{region.pk}）记下的末尾）已不在" in text, (
        text
    )


def test_a_forged_checkpoint_file_is_refused(books, tmp_path):
    published = json.loads(books["published"].read_text(encoding="utf-8"))
    published["body"]["root"] = "0" * 64
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(published), encoding="utf-8")
    assert "签名" in _failures(checkpoint=[str(forged)]) or "无效" in _failures(checkpoint=[str(forged)])
    assert Voucher.objects.count() == 3
