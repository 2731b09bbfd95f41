"""A big import on PostgreSQL read in a second process (``importing.apart``): it writes the same
books as one process, reports the same problems, and a reading process that fails leaves
nothing written.

Each test compares against the one-process import of the same file, run first inside a
transaction that is rolled back (inside a transaction the import stays in one process).

PostgreSQL only (the two-process path is PostgreSQL's), and transactional tests: the reading
process has its own connection and sees only what is committed.
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from villagebooks.common.models import AuditEntry
from villagebooks.ledger import importing, services
from villagebooks.ledger.importing import apart as import_process
from villagebooks.ledger.models import AccountBalance, Counterparty, Fund, Period, Voucher, VoucherLine
from villagebooks.ledger.tests.importing.support import books_state, command_fails
from villagebooks.ledger.verification import ledgers_verify
from villagebooks.regions.commands import ActorCommand

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the import reads apart on PostgreSQL only"),
    # serialized_rollback: the flush after a transactional test would also remove the data that
    # migrations seed (statement layouts), which later tests need.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def apart(settings, monkeypatch):
    """Every file is read apart, however small; the list of the files that were."""
    settings.IMPORT_APART_MIN_BYTES = 0
    files = []
    real = import_process.vouchers_import_reading_apart

    def reading_apart(**kwargs):
        files.append(kwargs["path"].name)
        return real(**kwargs)

    monkeypatch.setattr(import_process, "vouchers_import_reading_apart", reading_apart)
    return files


class _Rollback(Exception):
    pass


def in_one_process(**kwargs):
    """What the one-process import makes of the file (its result or failure, and the books), rolled back."""
    try:
        with transaction.atomic():  # inside a transaction the import stays in one process
            outcome = apart_outcome(**kwargs)
            raise _Rollback
    except _Rollback:
        pass
    return outcome


def apart_outcome(**kwargs):
    """What the import makes of the file: its result or problems, and the books afterwards."""
    outcome = {}
    try:
        outcome["result"] = importing.vouchers_import(**kwargs)
    except importing.ImportFailed as failed:
        outcome["problems"] = [str(p) for p in failed.problems]
    outcome["books"] = books_in_detail()
    return outcome


def books_in_detail() -> dict:
    """The books by what they say, not by their ids (sequences move on in a rolled-back import)."""
    fund_names = dict(Fund.objects.values_list("id", "name"))
    party_names = dict(Counterparty.objects.values_list("id", "name"))
    return {
        "vouchers": sorted(
            Voucher.objects.values_list(
                "ledger__code",
                "external_key",
                "period__year",
                "period__month",
                "number",
                "status",
                "amount_fen",
                "note",
                "prepared_by__username",
                "reviewed_by__username",
                "posted_by__username",
            )
        ),
        "lines": sorted(
            (v, key, no, summary, code, debit, credit, fund_names.get(fund), party_names.get(party))
            for v, key, no, summary, code, debit, credit, fund, party in VoucherLine.objects.values_list(
                "ledger__code",
                "voucher__external_key",
                "line_no",
                "summary",
                "account__code",
                "debit_fen",
                "credit_fen",
                "fund_id",
                "counterparty_id",
            )
        ),
        "balances": sorted(
            (code, period_key, fund_names.get(fund), party_names.get(party), closing, debit, credit)
            for code, period_key, fund, party, closing, debit, credit in AccountBalance.objects.values_list(
                "account__code",
                "period_key",
                "fund_key",
                "counterparty_key",
                "is_closing",
                "debit_fen",
                "credit_fen",
            )
        ),
        "periods": sorted(
            Period.objects.values_list("ledger__code", "year", "month", "status", "last_number")
        ),
        "funds": sorted(Fund.objects.values_list("ledger__code", "name", "kind")),
        "counterparties": sorted(Counterparty.objects.values_list("ledger__code", "name")),
        "audit": sorted(
            (
                entry.action,
                entry.ledger_id,
                sorted((k, str(v)) for k, v in entry.detail.items()),
                entry.actor_id,
                entry.object_id,
            )
            for entry in AuditEntry.objects.filter(action="vouchers_import")
        ),
    }


def many_vouchers(ledger_codes=("HT01",), count=450) -> str:
    """``count`` two-line vouchers a ledger (more than one write batch), over several months."""
    rows = []
    for code in ledger_codes:
        for index in range(1, count + 1):
            day = f"2025-{index % 6 + 2:02d}-{index % 27 + 1:02d}"
            amount = f"{index}.{index % 100:02d}"
            rows.append(f"{code},V{index:04d},{day},办公用品{index},513,{amount},,,")
            rows.append(f"{code},V{index:04d},{day},办公用品{index},101,,{amount},,")
    return "\n".join(rows)


def test_a_file_is_read_apart_only_on_postgresql_big_enough_and_outside_a_transaction(settings, tmp_path):
    path = tmp_path / "vouchers.csv"
    path.write_bytes(b"x" * 1000)

    settings.IMPORT_APART_MIN_BYTES = 1000
    assert import_process.worth_it(path)
    with transaction.atomic():
        assert not import_process.worth_it(path)  # the reader could not see the caller's writes
    settings.IMPORT_APART_MIN_BYTES = 1001
    assert not import_process.worth_it(path)
    settings.IMPORT_APART_MIN_BYTES = None
    assert not import_process.worth_it(path)
    assert not import_process.worth_it(tmp_path / "missing.csv")


def test_read_apart_the_books_come_out_as_in_one_process(ledger, other_ledger, accountant, write_csv, apart):
    # Two ledgers, several batches, a voucher of the next year (its periods are created by the
    # writing side, on the reader's question) and names created on --create-missing.
    path = write_csv(
        many_vouchers(("HT01", "TM01"))
        + """
        HT01,N-1,2026-01-05,新年备用金,101,10,,,
        HT01,N-1,2026-01-05,新年备用金,102,,10,,
        HT01,N-2,2025-03-07,收到乡镇配套资金,102,500,,,
        HT01,N-2,2025-03-07,收到乡镇配套资金,241,,500,乡镇配套资金,
        HT01,N-3,2025-03-08,借给李四,112,70,,,李四
        HT01,N-3,2025-03-08,借给李四,102,,70,,
        TM01,N-4,2025-03-09,借给李四,112,30,,,李四
        TM01,N-4,2025-03-09,借给李四,101,,30,,
        """
    )
    # Summaries with what COPY's text format escapes: a backslash, \N (NULL there), a tab, a newline.
    special = "C:\\账册 \\N 制表\t符 换\n行"
    with path.open("a", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(
            [
                ("HT01", "N-5", "2025-03-10", special, "101", "1", "", "", ""),
                ("HT01", "N-5", "2025-03-10", "\\N", "102", "", "1", "", ""),
            ]
        )
    arguments = {"actor": accountant, "path": path, "post": True, "create_missing": True}
    expected = in_one_process(**arguments)

    outcome = apart_outcome(**arguments)

    assert apart == ["vouchers.csv"]
    assert {line[3] for line in outcome["books"]["lines"] if line[1] == "N-5"} == {special, "\\N"}
    assert outcome == expected
    assert outcome["result"].vouchers == 905
    assert outcome["result"].created_funds == ["HT01:乡镇配套资金"]
    assert outcome["result"].created_counterparties == ["HT01:李四", "TM01:李四"]
    assert ("HT01", 2026, 1, "open", 1) in outcome["books"]["periods"]
    # Times and dates went through COPY's text too: the same instant as the one-process import's.
    stamps = Voucher.objects.values_list("submitted_at", "posted_at", "created_at", "updated_at")
    assert {len(set(row)) for row in stamps} == {1}
    # Reviewed outside, in this file (the reading process hashed it), not by the importer.
    assert set(Voucher.objects.values_list("reviewed_at", "reviewed_by", "source_file", "source_sha256")) == {
        (None, None, "vouchers.csv", hashlib.sha256(path.read_bytes()).hexdigest())
    }
    assert all(abs(row[0] - timezone.now()) < timedelta(minutes=5) for row in stamps)
    assert Voucher.objects.get(ledger=ledger, external_key="N-1").date == date(2026, 1, 5)
    assert ledgers_verify() == []


def test_read_apart_unposted_vouchers_wait_for_review_as_in_one_process(ledger, accountant, write_csv, apart):
    path = write_csv(many_vouchers(count=30))
    arguments = {"actor": accountant, "path": path, "post": False, "create_missing": False}
    expected = in_one_process(**arguments)

    outcome = apart_outcome(**arguments)

    assert apart == ["vouchers.csv"]
    assert outcome == expected
    assert {row[5] for row in outcome["books"]["vouchers"]} == {"submitted"}


def test_read_apart_the_progress_bar_counts_the_rows_the_reader_reads(
    ledger, accountant, write_csv, apart, capsys
):
    path = write_csv(many_vouchers(count=30))

    importing.vouchers_import(actor=accountant, path=path, post=True, progress=True)

    err = capsys.readouterr().err
    assert apart == ["vouchers.csv"]
    assert "导入凭证: 100%" in err
    assert "60/60" in err
    assert "61行" not in err  # counted as in one process: rows read, not row numbers
    assert "正在检查并保存" in err


def test_read_apart_every_problem_is_reported_as_in_one_process_and_nothing_written(
    ledger, accountant, write_csv, apart
):
    before_csv = """
        HT01,OLD-1,2025-03-01,以前导入的,101,1,,,
        HT01,OLD-1,2025-03-01,以前导入的,102,,1,,
    """
    importing.vouchers_import(actor=accountant, path=write_csv(before_csv, name="before.csv"), post=True)
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    path = write_csv(
        many_vouchers(count=420)  # the first batch is written before the first problem is met
        + """
        HT01,OLD-1,2025-03-01,又一次,101,1,,,
        HT01,OLD-1,2025-03-01,又一次,102,,1,,
        HT01,V0002,2025-03-01,文件中重复,101,1,,,
        HT01,V0002,2025-03-01,文件中重复,102,,1,,
        HT01,B-0,2025-01-15,已结账月份,101,1,,,
        HT01,B-0,2025-01-15,已结账月份,102,,1,,
        HT01,B-1,2025-03-01,未知科目,999,1,,,
        HT01,B-1,2025-03-01,未知科目,102,,1,,
        HT01,B-2,2025-03-01,三位小数,101,1.001,,,
        HT01,B-2,2025-03-01,三位小数,102,,1,,
        HT01,B-3,2025-03-01,不平,101,2,,,
        HT01,B-3,2025-03-01,不平,102,,1,,
        HT01,B-4,2025-03-01,未知资金,241,,1,没有这个资金,
        HT01,B-4,2025-03-01,未知资金,102,1,,,
        """,
        name="bad.csv",
    )
    arguments = {"actor": accountant, "path": path, "post": True, "create_missing": False}
    expected = in_one_process(**arguments)
    before = books_state()

    outcome = apart_outcome(**arguments)

    assert apart == ["before.csv", "bad.csv"]
    assert outcome == expected
    assert len(outcome["problems"]) == 7
    assert books_state() == before


def test_read_apart_dates_and_amounts_beyond_the_limits_are_refused_as_in_one_process(
    ledger, accountant, write_csv, apart
):
    too_late = date(timezone.localdate().year + 2, 1, 5)
    path = write_csv(
        many_vouchers(count=20)
        + f"""
        HT01,F-1,{too_late},太晚,101,1,,,
        HT01,F-1,{too_late},太晚,102,,1,,
        HT01,F-2,2025-03-01,太大,101,1000000000000.01,,,
        HT01,F-2,2025-03-01,太大,102,,1000000000000.01,,
        """
    )
    arguments = {"actor": accountant, "path": path, "post": True, "create_missing": False}
    expected = in_one_process(**arguments)
    before = books_state()

    outcome = apart_outcome(**arguments)

    assert apart == ["vouchers.csv"]
    assert outcome == expected
    assert [problem.split(" ")[0] for problem in outcome["problems"]] == ["第42行", "第44行", "第45行"]
    assert books_state() == before


def test_read_apart_balances_beyond_their_maximum_are_refused_as_in_one_process(
    ledger, accountant, write_csv, apart
):
    rows = []
    for index in range(101):  # 101 × 1,000,000,000,000.00 on 102 in March: beyond a balance row's maximum
        rows.append(f"HT01,M{index},2025-03-10,收款,102,1000000000000.00,,,")
        rows.append(f"HT01,M{index},2025-03-10,收款,501,,1000000000000.00,,")
    arguments = {
        "actor": accountant,
        "path": write_csv("\n".join(rows)),
        "post": True,
        "create_missing": False,
    }
    expected = in_one_process(**arguments)
    before = books_state()

    outcome = apart_outcome(**arguments)

    assert outcome == expected
    assert len(outcome["problems"]) == 1 and "科目 102 2025-03的借方合计将达到" in outcome["problems"][0]
    assert books_state() == before


def test_read_apart_a_year_the_import_opens_is_recorded_as_the_importers_act(
    ledger, accountant, write_csv, apart
):
    path = write_csv(
        """
        HT01,N-1,2026-02-01,新年度,101,1,,,
        HT01,N-1,2026-02-01,新年度,102,,1,,
        """
    )
    importing.vouchers_import(actor=accountant, path=path, post=True)
    assert apart == ["vouchers.csv"]
    opened = AuditEntry.objects.filter(action="year_open", ledger_id=ledger.pk)
    assert [(entry.actor_id, entry.detail["year"]) for entry in opened] == [(accountant.pk, 2026)]


def test_read_apart_a_file_that_cannot_be_read_is_refused_as_in_one_process(
    ledger, accountant, tmp_path, apart
):
    path = tmp_path / "vouchers.txt"
    path.write_text("not a voucher file")
    arguments = {"actor": accountant, "path": path, "post": True, "create_missing": False}
    expected = in_one_process(**arguments)

    outcome = apart_outcome(**arguments)

    assert apart == ["vouchers.txt"]
    assert outcome == expected
    assert len(outcome["problems"]) == 1
    assert str(importing.WRONG_FILE_TYPE.format(name="vouchers.txt")) in outcome["problems"][0]


@pytest.mark.parametrize("how, detail", [("dies_silently", "意外结束"), ("crashes", "读取时出错")])
def test_a_reading_process_that_fails_leaves_nothing_written(
    ledger, accountant, write_csv, apart, monkeypatch, how, detail
):
    path = write_csv(many_vouchers(count=10))
    before = books_state()
    stand_in = [sys.executable, "-m", "villagebooks.ledger.tests.importing.readers_that_fail"]
    monkeypatch.setattr(import_process, "READER_COMMAND", stand_in)
    # The stand-in takes the pipe's end, then how to fail.
    monkeypatch.setattr(subprocess, "Popen", _with_last_argument(subprocess.Popen, how))

    with pytest.raises(importing.ImportFailed) as failed:
        importing.vouchers_import(actor=accountant, path=path, post=True)

    assert [(p.field, p.row) for p in failed.value.problems] == [("file", None)]
    message = failed.value.problems[0].message
    assert message.startswith("读取文件的进程意外结束，未导入任何数据：") and detail in message
    assert books_state() == before


def test_a_reading_process_that_fails_is_one_line_of_chinese_on_the_command_line(
    ledger, accountant, write_csv, apart, caplog, capfd, monkeypatch
):
    path = write_csv(many_vouchers(count=10))
    before = books_state()
    # The real reading process, for a user it cannot find (deleted meanwhile, say): it fails
    # inside, with a traceback that only the log may see.
    ghost = get_user_model()(pk=accountant.pk + 1000, username="ghost")
    monkeypatch.setattr(ActorCommand, "actor", lambda self, options: ghost)

    lines = command_fails("import_vouchers", path, "--post")

    assert lines[0].startswith("文件：读取文件的进程意外结束，未导入任何数据：")
    assert "DoesNotExist" in lines[0]
    assert lines[-1] == "导入失败：共 1 处问题，未导入任何数据"
    assert not any("Traceback" in line for line in lines)
    assert "Traceback" not in capfd.readouterr().err  # nor from the reading process itself
    assert "Traceback" in caplog.text  # for whoever runs the server
    assert books_state() == before


def _with_last_argument(popen, argument):
    def started(command, **kwargs):
        return popen([*command, argument], **kwargs)

    return started


SCRIPT_WITHOUT_MAIN_GUARD = """
import django
django.setup()
from django.contrib.auth import get_user_model
from pathlib import Path
from villagebooks.ledger.importing.apart import worth_it
from villagebooks.ledger.importing import vouchers_import
print("apart", worth_it(Path({path!r})))
result = vouchers_import(actor=get_user_model().objects.get(username="accountant"), path={path!r}, post=True)
print("imported", result.vouchers)
"""


def test_a_script_without_a_main_guard_imports_apart(ledger, accountant, write_csv, tmp_path):
    # multiprocessing's spawn would run such a script again in the reading process.
    path = write_csv(many_vouchers(count=20))
    script = tmp_path / "load.py"
    script.write_text(SCRIPT_WITHOUT_MAIN_GUARD.format(path=str(path)))
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "VILLAGEBOOKS_IMPORT_APART_MIN_BYTES": "0",
        "DJANGO_SETTINGS_MODULE": "villagebooks.settings",
    }

    finished = subprocess.run(
        [sys.executable, str(script)], env=environment, capture_output=True, text=True, timeout=120
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == ["apart", "True", "imported", "20"]
    assert Voucher.objects.filter(ledger=ledger, status="posted").count() == 20
    assert ledgers_verify() == []


def test_read_apart_posting_hooks_see_and_refuse_as_in_one_process(ledger, accountant, write_csv, apart):
    from villagebooks.ledger import posting
    from villagebooks.ledger.tests.services.test_posting_hooks import (
        REFUSED,
        _as_posted,
        _shown,
        refusing_posting,
    )

    path = write_csv(many_vouchers(count=30))
    # A summary with what COPY's text format escapes: the hooks read it back from that text.
    with path.open("a", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(
            [
                ("HT01", "N-5", "2025-03-10", "C:\\账册 \\N 制表\t符 换\n行", "101", "1", "", "", "李四"),
                ("HT01", "N-5", "2025-03-10", "\\N", "102", "", "1", "", ""),
            ]
        )
    arguments = {"actor": accountant, "path": path, "post": True, "create_missing": True}
    with refusing_posting():
        expected = in_one_process(**arguments)
        refused = apart_outcome(**arguments)
    assert REFUSED in refused["problems"][0]
    assert refused == expected

    seen = []
    posting.register_after_posting(seen.extend)
    try:
        importing.vouchers_import(**arguments)
    finally:
        posting.after_posting.remove(seen.extend)

    assert apart == ["vouchers.csv", "vouchers.csv"]
    posted = Voucher.objects.filter(ledger=ledger)
    assert len(seen) == posted.count() == 31
    assert _shown(seen) == sorted(_as_posted(voucher) for voucher in posted)
