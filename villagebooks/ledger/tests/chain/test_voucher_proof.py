"""One voucher's proof of inclusion: made by ``voucher-proof``, checked by ``verify_books.py
--proof`` with no database; any change to the voucher's text, its place or the checkpoint fails it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks import verify_books
from villagebooks.ledger import checkpoints
from villagebooks.ledger.tests.books import post

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


@pytest.fixture
def proof_file(ledger, accountant, reviewer, tmp_path):
    checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS)
    checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)
    path = tmp_path / "proof.json"
    out = io.StringIO()
    call_command(
        "voucher_proof",
        ledger="HT01",
        voucher="2025-03:2",
        output=str(path),
        username="accountant",
        stdout=out,
    )
    assert "证明已写入" in out.getvalue()
    return path


def _check(path, capsys) -> tuple[int, str]:
    status = verify_books.main(["--proof", str(path)])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_a_voucher_proof_verifies_with_no_database(proof_file, capsys):
    proof = json.loads(proof_file.read_text(encoding="utf-8"))
    assert (proof["period"], proof["number"], proof["tree_size"]) == ("2025-03", 2, 3)
    status, said = _check(proof_file, capsys)
    assert status == 0, said
    assert "核验通过：HT01 2025-03 记-2（2025-03-05，借方合计 2000.50）" in said


def _rewrite(path, change) -> None:
    proof = json.loads(path.read_text(encoding="utf-8"))
    change(proof)
    path.write_text(json.dumps(proof, ensure_ascii=False), encoding="utf-8")


def _amount_changed(proof):
    proof["entry"]["canonical"] = proof["entry"]["canonical"].replace("2000.50", "200.50")


def _amount_changed_and_rehashed(proof):
    _amount_changed(proof)
    entry = proof["entry"]
    entry["entry_hash"] = verify_books.entry_hash(
        entry["algorithm"], entry["version"], entry["previous_hash"], entry["canonical"].encode()
    )


def _moved(proof):
    proof["index"] = 0


def _root_replaced(proof):
    proof["checkpoint"]["body"]["root"] = "0" * 64


def _another_voucher_claimed(proof):
    proof["number"] = 1


@pytest.mark.parametrize(
    "change, said",
    [
        (_amount_changed, "凭证内容与其哈希不符"),
        (_amount_changed_and_rehashed, "证明路径不成立"),
        (_moved, "证明路径不成立"),
        (_root_replaced, "签名"),
        (_another_voucher_claimed, "不是证明所说的凭证"),
    ],
)
def test_a_changed_proof_fails(proof_file, capsys, change, said):
    _rewrite(proof_file, change)
    status, text = _check(proof_file, capsys)
    assert status == 1 and said in text, text


def test_no_proof_before_a_checkpoint_covers_the_voucher(ledger, accountant, reviewer):
    checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS)
    with pytest.raises(CommandError, match="还没有校验点"):
        call_command(
            "voucher_proof", ledger="HT01", voucher="2025-04:1", username="accountant", stdout=io.StringIO()
        )
    with pytest.raises(CommandError, match="没有已记账凭证 2025-04 记-9"):
        call_command(
            "voucher_proof", ledger="HT01", voucher="2025-04:9", username="accountant", stdout=io.StringIO()
        )
    with pytest.raises(CommandError, match="YYYY-MM:N"):
        call_command(
            "voucher_proof", ledger="HT01", voucher="2025-04", username="accountant", stdout=io.StringIO()
        )


def test_a_user_who_cannot_see_the_ledger_gets_no_proof(ledger, accountant, reviewer, region_tree, make_user):
    checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS)
    checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)
    make_user("elsewhere", "accountant", region_tree["510781101000"])
    with pytest.raises(CommandError, match="权限"):
        call_command(
            "voucher_proof", ledger="HT01", voucher="2025-03:1", username="elsewhere", stdout=io.StringIO()
        )
