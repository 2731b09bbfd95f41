"""Every way a voucher is posted appends it to its ledger's hash chain, in posting order, as the
canonical record of what was posted; the chain and the checkpoints are append-only."""

from __future__ import annotations

import io
import json
import stat
from datetime import date

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from villagebooks import verify_books
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import chain, checkpoints, importing, services
from villagebooks.ledger import errors as E
from villagebooks.ledger.models import ChainEntry, ChainHead, Checkpoint, CheckpointKey, Project
from villagebooks.ledger.tests.books import parse_vouchers, post
from villagebooks.ledger.tests.importing.support import HEADER
from villagebooks.ledger.tests.invariants.support import close_year, reverse
from villagebooks.ledger.verification import ledgers_verify

BOOKS = """
    2025-03-01 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-04-02 借给张三
      借 112 应收款        2000.50  party=张三
      贷 102 银行存款      2000.50
"""


def _records(ledger) -> list[dict]:
    return [
        json.loads(text)
        for text in ChainEntry.objects.filter(ledger=ledger).values_list("canonical", flat=True)
    ]


def _linked(ledger) -> bool:
    previous = chain.GENESIS
    for entry in ChainEntry.objects.filter(ledger=ledger).order_by("sequence"):
        expected = verify_books.entry_hash(entry.algorithm, entry.version, previous, entry.canonical.encode())
        if entry.previous_hash != previous or entry.entry_hash != expected:
            return False
        previous = entry.entry_hash
    return ChainHead.objects.get(ledger=ledger).head_hash == previous


def test_the_posting_service_appends_what_was_posted(ledger, accountant, reviewer):
    post(ledger, accountant, reviewer, BOOKS)
    first, second = _records(ledger)
    assert first == {
        "v": 2,
        "ledger": "HT01",
        "period": "2025-03",
        "number": 1,
        "date": "2025-03-01",
        "kind": "normal",
        "note": "",
        "lines": [
            {
                "no": 1,
                "summary": "收到道路补助",
                "account": "102",
                "account_name": "银行存款",
                "debit": "50000.00",
                "credit": "0.00",
                "fund": "",
                "counterparty": "",
                "project": "",
            },
            {
                "no": 2,
                "summary": "收到道路补助",
                "account": "241",
                "account_name": "专项应付款",
                "debit": "0.00",
                "credit": "50000.00",
                "fund": "县交通局道路补助",
                "counterparty": "",
                "project": "",
            },
        ],
        "prepared_by": "accountant",
        "reviewed_by": "reviewer",
        "posted_by": "accountant",
        "reversed_voucher": None,
        "attachments": [],
        "reviewed_outside": None,
    }
    assert second["lines"][0]["counterparty"] == "张三" and second["lines"][0]["debit"] == "2000.50"
    assert ChainHead.objects.get(ledger=ledger).size == 2 and _linked(ledger)
    assert ledgers_verify() == []


def test_a_reversal_names_the_voucher_it_reverses_and_red_amounts_are_negative(ledger, accountant, reviewer):
    (voucher,) = post(ledger, accountant, reviewer, BOOKS.split("    2025-04-02")[0])
    reverse(ledger, accountant, reviewer, voucher, date(2025, 3, 20))
    red = _records(ledger)[-1]
    assert red["kind"] == "reversal" and red["reversed_voucher"] == {"period": "2025-03", "number": 1}
    assert red["lines"][0]["debit"] == "-50000.00"
    assert _linked(ledger) and ledgers_verify() == []


def test_attachment_digests_are_chained(ledger, accountant, reviewer):
    voucher = services.voucher_create(
        actor=accountant,
        ledger=ledger,
        date=date(2025, 3, 5),
        lines=parse_vouchers(BOOKS)[0][2],
        submit=True,
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\1" * 40
    attachment = services.attachment_add(actor=accountant, voucher=voucher, name="发票.png", content=png)
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    assert _records(ledger)[0]["attachments"] == [attachment.sha256]
    assert ledgers_verify() == []


def test_the_import_chains_its_batches_in_file_order(ledger, accountant, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    rows = [HEADER]
    for n in range(5):
        rows.append(f"HT01,J{n},2025-03-0{n + 1},第{n}笔,101,{n + 1}.00,,,")
        rows.append(f"HT01,J{n},2025-03-0{n + 1},第{n}笔,501,,{n + 1}.00,,")
    path = tmp_path / "vouchers.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    importing.vouchers_import(actor=accountant, path=path, post=True)
    records = _records(ledger)
    assert [r["number"] for r in records] == [1, 2, 3, 4, 5]
    assert [r["lines"][0]["summary"] for r in records] == [f"第{n}笔" for n in range(5)]
    assert records[0]["reviewed_by"] == "" and records[0]["posted_by"] == "accountant"
    assert records[0]["reviewed_outside"]["file"] == "vouchers.csv"
    assert len(records[0]["reviewed_outside"]["sha256"]) == 64
    assert _linked(ledger) and ledgers_verify() == []


def test_the_year_close_chains_its_vouchers(ledger, accountant, reviewer):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-05-10 村集体经营收入
          借 102 银行存款     12000.00
          贷 501 经营收入     12000.00
        """,
    )
    result = close_year(ledger, accountant, 2025)
    kinds = [r["kind"] for r in _records(ledger)]
    assert len(kinds) == 1 + len(result.vouchers) and "closing" in kinds
    assert _linked(ledger) and ledgers_verify() == []


def test_books_posted_before_the_chain_are_chained_in_posting_order(
    ledger, accountant, reviewer, monkeypatch
):
    monkeypatch.setattr(chain, "append_posted", lambda *args, **kwargs: None)
    post(ledger, accountant, reviewer, BOOKS)
    ChainHead.objects.filter(ledger=ledger).delete()
    assert ChainEntry.objects.filter(ledger=ledger).count() == 0
    assert any("不在哈希链中" in d.what for d in ledgers_verify())
    assert chain.build_missing() == 2
    assert [r["number"] for r in _records(ledger)] == [1, 1] and _linked(ledger)
    assert ledgers_verify() == []
    assert chain.build_missing() == 0  # once only


@pytest.mark.parametrize("table", ["ledger_chainentry", "ledger_checkpoint"])
def test_the_chain_and_checkpoints_cannot_be_changed_or_deleted(ledger, accountant, reviewer, table):
    checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS)
    checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)
    column = "canonical" if table == "ledger_chainentry" else "body"
    for sql in (f"UPDATE {table} SET {column} = '{{}}'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert E.CHAIN_APPEND_ONLY in str(error.value)
    assert ledgers_verify() == []


# ---------------------------------------------------------------------------------------------
# Keys and checkpoints


def test_the_key_is_made_once_in_a_private_file_and_never_printed(ledger, accountant, checkpoint_key_file):
    out = io.StringIO()
    call_command("checkpoint_key", "create", stdout=out)
    text = out.getvalue()
    assert stat.S_IMODE(checkpoint_key_file.stat().st_mode) == 0o600
    assert "PRIVATE" not in text and checkpoint_key_file.read_text() not in text
    info = checkpoints.current_key()
    assert info.key_id in text and info.public_key in text
    assert CheckpointKey.objects.get().key_id == info.key_id
    assert AuditEntry.objects.filter(action="checkpoint_key_create").count() == 1
    with pytest.raises(Exception, match="已存在"):
        call_command("checkpoint_key", "create", stdout=io.StringIO())


def test_no_key_no_checkpoint_with_a_clear_error(ledger, accountant):
    from villagebooks.common.errors import DomainError

    with pytest.raises(DomainError, match="checkpoint-key create"):
        checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)


def test_a_checkpoint_file_is_signed_and_has_the_chains_root(ledger, accountant, reviewer, tmp_path):
    checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS)
    out = io.StringIO()
    target = tmp_path / "cp.json"
    call_command("checkpoint", "--ledger", "HT01", "--output", str(target), stdout=out)
    published = json.loads(target.read_text(encoding="utf-8"))
    verify_books.verify_checkpoint_signature(published)
    body = published["body"]
    hashes = [
        bytes.fromhex(h)
        for h in ChainEntry.objects.filter(ledger=ledger).values_list("entry_hash", flat=True)
    ]
    assert (body["ledger"], body["tree_size"]) == ("HT01", 2)
    assert body["root"] == verify_books.tree_root("sha256", hashes).hex()
    assert verify_books.short_form(body) in out.getvalue()
    # An inclusion proof for each voucher in the checkpoint.
    for index, leaf in enumerate(hashes):
        proof = verify_books.inclusion_proof("sha256", hashes, index)
        assert verify_books.verify_inclusion("sha256", leaf, index, 2, proof, bytes.fromhex(body["root"]))
    published["body"]["tree_size"] = 1
    with pytest.raises(verify_books.VerificationError):
        verify_books.verify_checkpoint_signature(published)


def test_month_close_makes_a_checkpoint_and_later_books_are_consistent_with_it(ledger, accountant, reviewer):
    checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS.split("    2025-04-02")[0])
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=2)
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)
    march = Checkpoint.objects.filter(ledger=ledger).order_by("-id").first()
    assert march.tree_size == 1
    post(ledger, accountant, reviewer, BOOKS.split("    2025-04-02")[1].join(["    2025-04-02", ""]))
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=4)
    april = Checkpoint.objects.filter(ledger=ledger).order_by("-id").first()
    assert april.tree_size == 2
    hashes = [
        bytes.fromhex(h)
        for h in ChainEntry.objects.filter(ledger=ledger).values_list("entry_hash", flat=True)
    ]
    proof = verify_books.consistency_proof("sha256", hashes, 1)
    assert verify_books.verify_consistency(
        "sha256", 1, 2, bytes.fromhex(march.root_hash), bytes.fromhex(april.root_hash), proof
    )


def test_rotation_is_recorded_and_old_checkpoints_still_verify(ledger, accountant, reviewer, tmp_path):
    first = checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS)
    old = checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)
    out = io.StringIO()
    call_command("checkpoint_key", "rotate", stdout=out)
    new = checkpoints.current_key()
    assert new.key_id != first.key_id and first.key_id in out.getvalue()
    rotation = AuditEntry.objects.get(action="checkpoint_key_rotate")
    assert rotation.detail["old_key_id"] == first.key_id and rotation.detail["key_id"] == new.key_id
    assert list(CheckpointKey.objects.values_list("key_id", flat=True)) == [first.key_id, new.key_id]
    verify_books.verify_checkpoint_signature(checkpoints.as_file(old))
    later = checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)
    assert later.key_id == new.key_id
    assert ledgers_verify() == []
    path = tmp_path / "old.json"
    path.write_text(checkpoints.checkpoint_file_text(old), encoding="utf-8")
    call_command("verify", "--checkpoint", str(path), stdout=io.StringIO())


def test_a_region_checkpoint_lists_its_ledgers_under_one_root(
    ledger, accountant, reviewer, township, tmp_path
):
    checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS)
    target = tmp_path / "region.json"
    call_command("checkpoint", "--region", township.code, "--output", str(target), stdout=io.StringIO())
    published = json.loads(target.read_text(encoding="utf-8"))
    verify_books.verify_checkpoint_signature(published)
    body = published["body"]
    assert body["scope"] == "region" and [e["ledger"] for e in body["ledgers"]] == ["HT01"]
    size, root = checkpoints.ledger_tree(ledger.pk)
    audit = {"size": AuditEntry.objects.filter(ledger_id=ledger.pk).count(), "hash": ""}
    audit["hash"] = AuditEntry.objects.get(ledger_id=ledger.pk, seq=audit["size"]).hash
    assert body["ledgers"][0] == {"ledger": "HT01", "tree_size": size, "root": root, "audit": audit}
    assert body["audit"]["size"] == AuditEntry.objects.filter(ledger_id__isnull=True).count() - 1
    leaves = [verify_books.region_leaf(entry) for entry in body["ledgers"]]
    assert verify_books.tree_root("sha256", leaves).hex() == body["root"]
    call_command("verify", "--checkpoint", str(target), stdout=io.StringIO())


def test_a_lines_project_is_in_its_record(ledger, accountant, reviewer):
    Project.objects.create(ledger=ledger, code="P01", name="道路硬化")
    post(
        ledger,
        accountant,
        reviewer,
        """
    2025-03-05 付道路工程款
      借 153 在建工程     1200.00  project=P01
      贷 102 银行存款     1200.00
""",
    )
    (record,) = _records(ledger)
    assert [line["project"] for line in record["lines"]] == ["P01", ""]
    assert ledgers_verify() == []


def test_entries_of_the_first_version_still_verify_beside_new_ones(ledger, accountant, reviewer, monkeypatch):
    """Books chained before the line's project (version 1, as ledger 0012 chains them) verify, and
    vouchers posted since are entered in the current version after them."""
    with monkeypatch.context() as patched:
        patched.setattr(chain, "append_posted", lambda *args, **kwargs: None)
        post(ledger, accountant, reviewer, BOOKS)
    ChainHead.objects.filter(ledger=ledger).delete()
    assert chain.build_missing(version=1) == 2
    assert {entry.version for entry in ChainEntry.objects.filter(ledger=ledger)} == {1}
    assert all("project" not in line for record in _records(ledger) for line in record["lines"])
    assert ledgers_verify() == []
    post(ledger, accountant, reviewer, BOOKS.split("    2025-04-02")[0].replace("2025-03-01", "2025-05-01"))
    assert [entry.version for entry in ChainEntry.objects.filter(ledger=ledger).order_by("sequence")] == [
        1,
        1,
        2,
    ]
    assert _linked(ledger) and ledgers_verify() == []
