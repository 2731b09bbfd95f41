"""A ledger export carries its hash chain; ``verify-export`` and the stand-alone
``verify_books.py`` check it against a published checkpoint with no database: a fresh export
passes, and each change of its content fails."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from villagebooks import verify_books
from villagebooks.ledger import checkpoints, services
from villagebooks.ledger.tests.books import parse_vouchers, post
from villagebooks.reports.ledger_export import ledger_export

BOOKS = """
    2025-03-01 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-03-05 借给张三
      借 112 应收款        2000.50  party=张三
      贷 101 库存现金      2000.50
"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\2" * 40


@pytest.fixture
def exported(ledger, accountant, reviewer, tmp_path):
    checkpoints.key_create(actor=accountant)
    post(ledger, accountant, reviewer, BOOKS)
    lines = parse_vouchers("2025-04-02 办公费\n 借 513 管理费用 800.00\n 贷 102 银行存款 800.00")[0][2]
    voucher = services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 4, 2), lines=lines, submit=True
    )
    services.attachment_add(actor=accountant, voucher=voucher, name="发票.png", content=PNG)
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    checkpoint = checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)
    published = tmp_path / "checkpoint.json"
    published.write_text(checkpoints.checkpoint_file_text(checkpoint), encoding="utf-8")
    target = tmp_path / "HT01.zip"
    ledger_export(actor=accountant, ledger_code="HT01", target=target)
    return target, published


def _rewritten(source: Path, member: str, change) -> Path:
    """A copy of the export with ``member``'s text (or bytes) changed by ``change``."""
    target = source.with_name(f"tampered-{member.replace('/', '_')}.zip")
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == member:
                data = change(data)
            new.writestr(info.filename, data)
    return target


def _text(change):
    return lambda data: change(data.decode("utf-8-sig")).encode("utf-8-sig")


def test_a_fresh_export_carries_the_chain_and_verifies(exported):
    target, published = exported
    with zipfile.ZipFile(target) as archive:
        lines = archive.read("chain.jsonl").decode().splitlines()
        assert "chain.jsonl" in archive.read("README.txt").decode("utf-8-sig")
    assert [json.loads(line)["sequence"] for line in lines] == [1, 2, 3]
    assert verify_books.verify_export(target, json.loads(published.read_text(encoding="utf-8"))) == []
    out = io.StringIO()
    call_command("verify_export", str(target), checkpoint=str(published), stdout=out)
    assert out.getvalue().startswith("核验通过")


def test_the_stand_alone_module_runs_without_django(exported):
    target, published = exported
    module = Path(verify_books.__file__)
    source = module.read_text(encoding="utf-8")
    assert "django" not in source.lower().replace("no django", "").replace("nothing of django", "")
    # Run as a copied single file, the way an auditor would, with Django unimportable.
    copy = target.with_name("verify_books.py")
    copy.write_text(source, encoding="utf-8")
    blocker = target.with_name("django.py")
    blocker.write_text("raise ImportError('no Django here')\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(copy), str(target), "--checkpoint", str(published)],
        capture_output=True,
        text=True,
        cwd=target.parent,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OK") or "核验通过" in run.stdout


TAMPERINGS = [
    ("an amount in vouchers.csv", "vouchers.csv", _text(lambda t: t.replace("50000.00", "50001.00", 1))),
    ("a summary in vouchers.csv", "vouchers.csv", _text(lambda t: t.replace("借给张三", "借给李四", 1))),
    ("a counterparty in vouchers.csv", "vouchers.csv", _text(lambda t: t.replace(",张三", ",李四", 1))),
    (
        "a posted voucher removed from vouchers.csv",
        "vouchers.csv",
        _text(lambda t: "\r\n".join(line for line in t.split("\r\n") if "借给张三" not in line)),
    ),
    ("a chain entry's content", "chain.jsonl", lambda d: d.replace(b"50000.00", b"50001.00", 1)),
    (
        "a chain entry removed",
        "chain.jsonl",
        lambda d: b"\n".join(line for line in d.split(b"\n") if b'"sequence": 2' not in line),
    ),
    ("an attachment's file", "attachments/", lambda d: d + b"x"),
    ("an attachment's digest", "attachments.csv", lambda d: d[:-20] + b"0" * 18 + d[-2:]),
]


@pytest.mark.parametrize("name, member, change", TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_each_change_of_the_export_fails(exported, name, member, change):
    target, published = exported
    if member.endswith("/"):
        with zipfile.ZipFile(target) as archive:
            member = next(n for n in archive.namelist() if n.startswith(member))
    tampered = _rewritten(target, member, change)
    problems = verify_books.verify_export(tampered, json.loads(published.read_text(encoding="utf-8")))
    assert problems, name
    with pytest.raises(CommandError):
        call_command("verify_export", str(tampered), checkpoint=str(published), stdout=io.StringIO())
    assert verify_books.main([str(tampered), "--checkpoint", str(published)]) == 1


def test_a_changed_checkpoint_fails(exported):
    target, published = exported
    checkpoint = json.loads(published.read_text(encoding="utf-8"))
    checkpoint["body"]["tree_size"] = 2
    with pytest.raises(verify_books.VerificationError):
        verify_books.verify_export(target, checkpoint)


def test_an_export_after_more_postings_still_verifies_against_an_earlier_checkpoint(
    exported, ledger, accountant, reviewer, tmp_path
):
    _target, published = exported
    post(ledger, accountant, reviewer, "2025-04-09 办公费\n 借 513 管理费用 100.00\n 贷 102 银行存款 100.00")
    later = tmp_path / "later.zip"
    ledger_export(actor=accountant, ledger_code="HT01", target=later)
    assert verify_books.verify_export(later, json.loads(published.read_text(encoding="utf-8"))) == []


def test_a_region_checkpoint_verifies_the_ledgers_export(exported, accountant, township, tmp_path):
    target, _published = exported
    region = checkpoints.region_checkpoint(actor=accountant, region=township)
    assert verify_books.verify_export(target, checkpoints.as_file(region)) == []
