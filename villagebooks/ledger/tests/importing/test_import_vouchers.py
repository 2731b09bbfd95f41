"""``villagebooks import-vouchers``: good files import (and post), bad files change nothing and
say which row and column is wrong, and why."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pytest
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from openpyxl import Workbook

from villagebooks.common import money
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import errors as E
from villagebooks.ledger import importing, services
from villagebooks.ledger.access import FORBIDDEN
from villagebooks.ledger.domain import vouchers as V
from villagebooks.ledger.importing import reading as reading_module
from villagebooks.ledger.importing import vouchers as vouchers_module
from villagebooks.ledger.models import Ledger, Period, PeriodStatus, Voucher, VoucherLine, VoucherStatus
from villagebooks.ledger.tests.books import balance, post
from villagebooks.ledger.tests.importing.support import HEADER, books_state, command_fails, run_command
from villagebooks.ledger.verification import ledgers_verify

GOOD = """
    HT01,J-001,2025-03-01,收到道路补助,102,"50,000.00",,,
    HT01,J-001,2025-03-01,收到道路补助,241,,50000.00,县交通局道路补助,
    HT01,J-002,2025-03-05,道路硬化工程款,241,20000,,县交通局道路补助,
    HT01,J-002,2025-03-05,道路硬化工程款,102,,20000,,
    HT01,J-003,2025-03-20,借给张三,112,1500.5,,,张三
    HT01,J-003,2025-03-20,借给张三,101,,1500.50,,
    HT01,J-004,2025-04-02,办公用品,513,300,,,
    HT01,J-004,2025-04-02,办公用品,102,,300,,
"""


def import_vouchers(*args) -> str:
    return run_command("import_vouchers", *args)


def import_fails(*args) -> list[str]:
    return command_fails("import_vouchers", *args)


def test_good_file_imports_and_posts_with_numbers_per_period(ledger, accountant, write_csv):
    path = write_csv(GOOD)
    output = import_vouchers(path, "--post", "--user", "accountant")

    assert "凭证 4 张，分录 8 条，已记账 4 张" in output
    vouchers = {v.external_key: v for v in Voucher.objects.filter(ledger=ledger)}
    assert {key: (str(v.period), v.number) for key, v in vouchers.items()} == {
        "J-001": ("2025-03", 1),
        "J-002": ("2025-03", 2),
        "J-003": ("2025-03", 3),
        "J-004": ("2025-04", 1),
    }
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for voucher in vouchers.values():
        assert voucher.status == VoucherStatus.POSTED
        assert voucher.prepared_by == voucher.posted_by == accountant
        # Reviewed outside, in this file: the importer is not named as its reviewer.
        assert (voucher.reviewed_by, voucher.reviewed_at) == (None, None)
        assert (voucher.reviewed_outside, voucher.source_file, voucher.source_sha256) == (
            True,
            "vouchers.csv",
            digest,
        )
        assert voucher.posted_at is not None
    assert vouchers["J-001"].amount_fen == 5_000_000
    assert balance(ledger, "102") == 8_000_000 + 5_000_000 - 2_000_000 - 30_000
    assert balance(ledger, "241") == -3_000_000
    assert balance(ledger, "112") == 150_050
    assert balance(ledger, "101") == -150_050
    line = VoucherLine.objects.get(voucher=vouchers["J-003"], line_no=1)
    assert (line.account.code, line.debit_fen, line.counterparty.name) == ("112", 150_050, "张三")


def test_numbers_continue_after_vouchers_posted_by_hand(ledger, accountant, reviewer, write_csv):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-10 手工凭证
          借 101 库存现金   100.00
          贷 102 银行存款   100.00
    """,
    )
    import_vouchers(write_csv(GOOD), "--post")

    numbers = sorted(Voucher.objects.filter(ledger=ledger, period__month=3).values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]
    assert Voucher.objects.get(ledger=ledger, external_key="J-001").number == 2


def test_without_post_vouchers_wait_for_review(ledger, accountant, write_csv):
    before = books_state()["balances"]
    output = import_vouchers(write_csv(GOOD), "--user", "accountant")

    assert "凭证 4 张，分录 8 条，已记账 0 张" in output
    vouchers = Voucher.objects.filter(ledger=ledger)
    assert {(v.status, v.number, v.reviewed_by_id, v.source_file, v.reviewed_outside) for v in vouchers} == {
        (VoucherStatus.SUBMITTED, None, None, None, False)
    }
    assert books_state()["balances"] == before


def test_gbk_file_with_chinese_headers_imports(ledger, write_csv):
    path = write_csv(
        """
        往来单位,资金来源,账套,凭证号,日期,摘要,科目,借方,贷方
        ,,HT01,1,2025/3/1,收到道路补助,102,"50,000.00",
        ,县交通局道路补助,HT01,1,2025/3/1,收到道路补助,241,,50000
        张三,,HT01,2,2025年3月8日,借给张三,112,800,
        ,,HT01,2,2025年3月8日,借给张三,101,,800
        """,
        header="",
        encoding="gbk",
    )
    import_vouchers(path, "--post")

    assert balance(ledger, "241") == -5_000_000
    line = VoucherLine.objects.get(voucher__external_key="2", line_no=1)
    assert (line.summary, line.counterparty.name) == ("借给张三", "张三")
    assert Voucher.objects.get(external_key="2").date == date(2025, 3, 8)


def test_utf8_with_bom_imports(ledger, write_csv):
    path = write_csv(GOOD, encoding="utf-8-sig")
    assert "凭证 4 张" in import_vouchers(path)


def test_xlsx_imports_numbers_dates_and_text_cells(ledger, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["账套", "凭证号", "日期", "摘要", "科目", "借方", "贷方", "资金来源", "科目名称"])
    sheet.append(["HT01", 1, datetime(2025, 5, 6), "收到道路补助", 102, 1234.56, None, None, "银行存款"])
    sheet.append(
        ["HT01", 1, datetime(2025, 5, 6), "收到道路补助", "241", None, "1,234.56", "县交通局道路补助"]
    )
    sheet.append([None] * 9)  # Excel keeps formatted empty rows
    sheet.append(["HT01", 2, "2025-05-07", "备用金", 101, 0.1 + 0.2, None])
    sheet.append(["HT01", 2, "2025-05-07", "备用金", 102, None, 0.3])
    path = tmp_path / "凭证.xlsx"
    book.save(path)

    output = import_vouchers(path, "--post")

    assert "凭证 2 张，分录 4 条，已记账 2 张" in output
    assert balance(ledger, "241") == -123_456
    assert balance(ledger, "101") == 30
    assert Voucher.objects.get(external_key="1").date == date(2025, 5, 6)


def test_create_missing_creates_and_lists_funds_and_counterparties(ledger, write_csv):
    path = write_csv("""
        HT01,A1,2025-06-01,收到产业扶持资金,102,10000,,,
        HT01,A1,2025-06-01,收到产业扶持资金,241,,10000,产业扶持资金,
        HT01,A2,2025-06-02,借给李四,112,500,,,李四
        HT01,A2,2025-06-02,借给李四,102,,500,,
    """)
    state = books_state()
    problems = import_fails(path, "--post")
    assert "第3行 资金来源：" + E.UNKNOWN_FUND.format(name="产业扶持资金") in problems
    assert "第4行 往来单位：" + E.UNKNOWN_COUNTERPARTY.format(name="李四") in problems
    assert books_state() == state

    output = import_vouchers(path, "--post", "--create-missing")

    assert "新建资金来源：HT01:产业扶持资金" in output
    assert "新建往来单位：HT01:李四" in output
    fund = ledger.funds.get(name="产业扶持资金")
    assert fund.kind == "other"
    assert ledger.counterparties.get(name="李四").kind == "organisation"
    assert VoucherLine.objects.get(voucher__external_key="A1", line_no=2).fund == fund


def test_a_name_too_long_for_its_column_is_not_created(ledger, write_csv):
    long_name = "资" * 101
    path = write_csv(f"""
        HT01,N1,2025-06-01,收到资金,102,10,,,
        HT01,N1,2025-06-01,收到资金,241,,10,{long_name},
    """)
    state = books_state()

    problems = import_fails(path, "--post", "--create-missing")

    assert problems[0] == "第3行 资金来源：" + importing.NAME_TOO_LONG.format(limit=100)
    assert books_state() == state


def test_the_same_file_is_not_imported_twice(ledger, write_csv):
    path = write_csv(GOOD)
    import_vouchers(path, "--post")
    state = books_state()

    problems = import_fails(path, "--post")

    for row, key in ((2, "J-001"), (4, "J-002"), (6, "J-003"), (8, "J-004")):
        assert f"第{row}行 凭证号：" + importing.KEY_EXISTS.format(key=key) in problems
    assert books_state() == state


def test_a_key_imported_before_counts_only_in_its_own_ledger(ledger, other_ledger, write_csv):
    import_vouchers(write_csv(GOOD), "--post")
    # The same keys in the other ledger, beside a new key of the first: all of them are new.
    path = write_csv("""
        TM01,J-001,2025-03-02,办公用品,513,80,,,
        TM01,J-001,2025-03-02,办公用品,101,,80,,
        HT01,J-005,2025-04-03,办公用品,513,20,,,
        HT01,J-005,2025-04-03,办公用品,101,,20,,
    """)

    import_vouchers(path, "--post")

    assert Voucher.objects.get(ledger=other_ledger, external_key="J-001").amount_fen == 8_000
    assert Voucher.objects.filter(ledger=ledger).count() == 5
    assert ledgers_verify() == []


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics for the planner: PostgreSQL's")
@pytest.mark.parametrize("threshold, analyzed", [(8, True), (9, False)])
def test_a_large_import_refreshes_the_planners_statistics(
    ledger, write_csv, monkeypatch, threshold, analyzed
):
    monkeypatch.setattr(vouchers_module, "ANALYZE_AFTER_LINES", threshold)  # GOOD has 8 lines
    tables = [Voucher._meta.db_table, VoucherLine._meta.db_table, "ledger_accountbalance"]

    def estimates():
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [tables])
            return dict(cursor.fetchall())

    def counts():
        with connection.cursor() as cursor:
            return {table: cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}

    before = estimates()
    import_vouchers(write_csv(GOOD), "--post")

    if analyzed:
        assert estimates() == counts()
    else:
        assert estimates() == before


def test_every_bad_row_is_reported_and_nothing_is_written(ledger, write_csv):
    path = write_csv("""
        HT01,B1,2025-03-01,不平衡,102,100,,,
        HT01,B1,2025-03-01,不平衡,501,,90,,
        HT01,B2,2025-03-02,未知科目,999,100,,,
        HT01,B2,2025-03-02,非末级科目,322,,100,,
        HT01,B3,2025-02-30,日期错误,102,100,,,
        HT01,B3,2025-03-04,金额错误,501,,1.005,,
        HT01,B4,2025-03-05,非数字,102,abc,,,
        HT01,B4,2025-03-05,负数,501,,-100,,
        HT01,B5,2025-03-06,借贷都有,102,100,100,,
        HT01,B5,2025-03-06,缺资金来源,241,,100,,
        HT01,B6,2025-03-07,日期不同,102,100,,,
        HT01,B6,2025-03-08,日期不同,501,,100,,
        HT01,B7,2025-03-09,好凭证,102,100,,,
        HT01,B7,2025-03-09,好凭证,501,,100,,
        HT01,B1,2025-03-09,重复凭证号,501,,100,,
        ,,2025-03-09,,,,,,
        HT01,B8,2025-03-10,,102,100,,,
        HT01,B8,2025-03-10,只有金额,,,100,,
        HT01,B9,2025-03-10,缺往来单位,112,100,,,
        HT01,B9,2025-03-10,未知资金,102,,100,不存在的资金,
    """)
    state = books_state()

    problems = import_fails(path, "--post")

    def unbalanced(debit, credit):
        return V.UNBALANCED.format(debit=debit, credit=credit)

    expected = [
        "第2行 凭证：" + unbalanced("100.00", "90.00"),
        "第4行 科目：" + E.UNKNOWN_ACCOUNT.format(code="999"),
        "第5行 科目：" + E.NOT_LEAF.format(code="322"),
        "第6行 日期：" + importing.BAD_DATE.format(value="2025-02-30"),
        "第7行 贷方：" + money.TOO_MANY_DECIMALS + "：1.005",
        "第8行 借方：" + money.NOT_A_NUMBER + "：abc",
        "第9行 贷方：" + V.NEGATIVE,
        "第10行 贷方：" + V.BOTH_SIDES,
        "第10行 凭证：" + unbalanced("100.00", "200.00"),
        "第11行 资金来源：" + E.FUND_REQUIRED.format(code="241"),
        "第13行 日期：" + importing.DATE_MISMATCH.format(date="2025-03-08", row=12, first="2025-03-07"),
        "第16行 凭证号：" + importing.DUPLICATE_KEY.format(key="B1", row=2),
        "第16行 凭证：" + V.TOO_FEW_LINES,
        "第16行 凭证：" + unbalanced("0.00", "100.00"),
        "第17行 账套：" + importing.LEDGER_REQUIRED,
        "第17行 凭证号：" + importing.KEY_REQUIRED,
        "第18行 摘要：" + V.EMPTY_SUMMARY,
        "第19行 科目：" + V.EMPTY_ACCOUNT,
        "第20行 往来单位：" + E.COUNTERPARTY_REQUIRED.format(code="112"),
        "第21行 资金来源：" + E.UNKNOWN_FUND.format(name="不存在的资金"),
    ]
    assert problems[:-1] == expected
    assert problems[-1] == f"导入失败：共 {len(expected)} 处问题，未导入任何数据"
    assert books_state() == state


def test_an_unbalanced_voucher_alone_refuses_the_whole_file(ledger, write_csv):
    # Good vouchers before it fill more than one write batch: they are written, then rolled back.
    good = "".join(
        f"HT01,G{n},2025-03-01,备用金,101,10,,,\nHT01,G{n},2025-03-01,备用金,102,,10,,\n"
        for n in range(importing.BATCH_SIZE + 5)
    )
    path = write_csv(good + "HT01,X,2025-03-02,不平衡,101,10,,,\nHT01,X,2025-03-02,不平衡,102,,9,,")
    state = books_state()

    problems = import_fails(path, "--post")

    row = 2 + 2 * (importing.BATCH_SIZE + 5)
    assert problems[0] == f"第{row}行 凭证：" + V.UNBALANCED.format(debit="10.00", credit="9.00")
    assert books_state() == state


@pytest.mark.parametrize(
    ("ledger_code", "day", "problem"),
    [
        ("XX99", "2025-03-01", "账套：" + E.UNKNOWN_LEDGER.format(code="XX99")),
        ("TM01", "2025-03-01", "账套：" + E.LEDGER_NOT_ACTIVE),
        ("HT01", "2024-12-31", "日期：" + E.BEFORE_START.format(date="2024-12-31", start="2025-01")),
        ("HT01", "2025-01-31", "日期：" + E.PERIOD_CLOSED.format(period="2025-01")),
        ("HT01", "2025-02-01", "日期：" + E.YEAR_CLOSED.format(year=2025)),
    ],
)
def test_vouchers_the_ledger_cannot_take_are_refused(
    ledger, accountant, write_csv, ledger_code, day, problem, new_ledger
):
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=1)
    if problem.endswith(E.YEAR_CLOSED.format(year=2025)):
        # As after the year close of 2025 (which needs a whole year of books to run).
        Ledger.objects.filter(pk=ledger.pk).update(carried_year=2026)
    path = write_csv(f"""
        {ledger_code},K1,{day},备用金,101,1,,,
        {ledger_code},K1,{day},备用金,102,,1,,
        HT01,K2,2026-01-05,备用金,101,1,,,
        HT01,K2,2026-01-05,备用金,102,,1,,
    """)
    state = books_state()

    problems = import_fails(path, "--post")

    assert problems == [f"第2行 {problem}", "导入失败：共 1 处问题，未导入任何数据"]
    assert books_state() == state


def test_numbers_follow_file_order_within_each_period(ledger, write_csv):
    rows = [
        ("M1", "2025-03-09"),
        ("A1", "2025-04-01"),
        ("M2", "2025-03-02"),
        ("A2", "2025-04-30"),
        ("M3", "2025-03-31"),
    ]
    path = write_csv(
        "".join(f"HT01,{k},{d},备用金,101,1,,,\nHT01,{k},{d},备用金,102,,1,,\n" for k, d in rows)
    )

    import_vouchers(path, "--post")

    numbers = dict(Voucher.objects.filter(ledger=ledger).values_list("external_key", "number"))
    assert numbers == {"M1": 1, "M2": 2, "M3": 3, "A1": 1, "A2": 2}


def test_one_file_may_hold_many_ledgers_each_audited(ledger, accountant, write_csv, other_ledger):
    other = other_ledger
    path = write_csv("""
        HT01,1,2025-03-01,备用金,101,10,,,
        HT01,1,2025-03-01,备用金,102,,10,,
        TM01,1,2025-03-01,备用金,101,20,,,
        TM01,1,2025-03-01,备用金,102,,20,,
        TM01,2,2025-03-02,备用金,101,30,,,
        TM01,2,2025-03-02,备用金,102,,30,,
    """)

    import_vouchers(path, "--post", "--user", "accountant")

    assert balance(ledger, "101") == 1_000
    assert balance(other, "101") == 5_000
    entries = AuditEntry.objects.filter(action="vouchers_import").order_by("ledger_id")
    assert [(e.ledger_id, e.detail["vouchers"], e.detail["lines"]) for e in entries] == [
        (ledger.pk, 1, 2),
        (other.pk, 2, 4),
    ]
    assert entries[0].actor == accountant
    assert entries[0].detail["posted_by"] == "accountant"
    assert entries[0].detail["reviewed_by"] is None
    assert entries[0].detail["reviewed_outside"] == {
        "file": "vouchers.csv",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    assert entries[0].detail["file"] == "vouchers.csv"


@pytest.mark.parametrize("post", [False, True])
def test_a_user_without_permission_on_the_ledger_is_refused(ledger, make_user, region_tree, write_csv, post):
    make_user("elsewhere", "accountant", region_tree["510781101000"])  # another township
    path = write_csv(GOOD)
    state = books_state()

    problems = import_fails(path, "--user", "elsewhere", *(["--post"] if post else []))

    forbidden = "第{row}行 账套：" + FORBIDDEN.format(ledger=ledger.name)
    assert problems[:4] == [forbidden.format(row=row) for row in (2, 4, 6, 8)]
    assert books_state() == state


def test_a_reviewer_may_not_import(ledger, reviewer, write_csv):
    problems = import_fails(write_csv(GOOD), "--user", "reviewer")
    assert problems[0] == "第2行 账套：" + FORBIDDEN.format(ledger=ledger.name)


def test_an_unknown_user_is_a_clear_error(ledger, write_csv):
    with pytest.raises(CommandError, match="用户 nobody 不存在"):
        import_vouchers(write_csv(GOOD), "--user", "nobody")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vouchers.txt", b"ledger,voucher\n", importing.WRONG_FILE_TYPE.format(name="vouchers.txt")),
        (
            "vouchers.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            importing.WRONG_FILE_TYPE.format(name="vouchers.xls"),
        ),
        ("vouchers.xlsx", b"ledger,voucher,date\n", importing.NOT_XLSX),
        ("vouchers.xlsx", b"PK\x03\x04 not really a zip", importing.NOT_XLSX),
        ("vouchers.csv", b"PK\x03\x04\x14\x00\x06\x00", importing.XLSX_AS_CSV),
        ("vouchers.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", importing.OLD_XLS),
        ("vouchers.csv", "ledger,voucher\n".encode("utf-16"), importing.UTF16),
        ("vouchers.csv", b"ledger,voucher\nHT01,\xff\xfe\x80\n", importing.UNKNOWN_ENCODING),
        ("vouchers.csv", b"ledger,voucher\x00,date\n", importing.NOT_TEXT),
        ("vouchers.csv", b"", importing.EMPTY_FILE),
        ("vouchers.csv", (HEADER + "\n\n").encode(), importing.NO_ROWS),
    ],
)
def test_files_that_are_not_voucher_files_are_refused(ledger, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    state = books_state()

    assert import_fails(path, "--post")[0] == f"文件：{message}"
    assert books_state() == state


def test_a_missing_file_is_reported(ledger, tmp_path):
    missing = tmp_path / "missing.csv"
    assert import_fails(missing)[0] == "文件：" + importing.NOT_FOUND.format(name=missing)


def test_missing_and_repeated_columns_are_reported_on_the_header_row(ledger, write_csv):
    path = write_csv("HT01,1,2025-03-01,备用金,101,10,10", header="账套,凭证号,日期,摘要,科目,借方,debit")
    assert import_fails(path)[:2] == [
        "第1行 表头：" + importing.DUPLICATE_COLUMN.format(name="debit"),
        "第1行 表头：" + importing.MISSING_COLUMNS.format(columns="credit（贷方）"),
    ]


def test_a_gb18030_character_outside_gbk_is_read(ledger, write_csv):
    # 䶮 (as in the name 刘䶮) is in GB18030 but not in GBK: Excel's default save handles it.
    path = write_csv(
        """
        HT01,1,2025-03-01,付刘䶮劳务费,513,10,,,
        HT01,1,2025-03-01,付刘䶮劳务费,101,,10,,
        """,
        encoding="gb18030",
    )
    import_vouchers(path)
    assert VoucherLine.objects.get(line_no=1, voucher__external_key="1").summary == "付刘䶮劳务费"


def test_problem_printout_is_capped(ledger, write_csv):
    path = write_csv(
        "".join(f"XX,{n},2025-03-01,备用金,101,1,,,\nXX,{n},2025-03-01,备用金,102,,1,,\n" for n in range(250))
    )

    problems = import_fails(path)

    assert len(problems) == 202
    assert problems[200] == "……" + importing.MORE_PROBLEMS.format(count=50)
    assert problems[201] == "导入失败：共 250 处问题，未导入任何数据"


def test_progress_bar_on_request(ledger, write_csv, capsys):
    import_vouchers(write_csv(GOOD), "--progress")
    err = capsys.readouterr().err
    assert "导入凭证: 100%" in err
    assert "8/8" in err  # the rows of lines read
    assert "正在检查并保存" in err


def test_queries_do_not_grow_with_lines(ledger, write_csv, django_assert_max_num_queries):
    path = write_csv(
        "".join(
            f"HT01,{n},2025-03-{n % 28 + 1:02d},收到补助,102,100,,,\n"
            f"HT01,{n},2025-03-{n % 28 + 1:02d},收到补助,241,,60,县交通局道路补助,\n"
            f"HT01,{n},2025-03-{n % 28 + 1:02d},收到补助,241,,40,村级组织运转经费,\n"
            for n in range(300)
        )
    )
    with django_assert_max_num_queries(60):
        import_vouchers(path, "--post")
    assert Voucher.objects.filter(status=VoucherStatus.POSTED).count() == 300
    assert balance(ledger, "241") == -3_000_000


def test_dates_in_the_forms_spreadsheets_write_and_blank_rows(ledger, write_csv):
    forms = ["2025-03-05", "2025/3/6", "2025.03.07", "2025年3月8日", "20250309", "2025/3/10 0:00"]
    path = write_csv(
        "".join(
            f"HT01,{n},{d},备用金,101,1,,,\n,,,,,,,,\nHT01,{n},{d},备用金,102,,1,,\n"
            for n, d in enumerate(forms)
        )
    )

    import_vouchers(path)

    dates = dict(Voucher.objects.values_list("external_key", "date"))
    assert dates == {str(n): date(2025, 3, 5 + n) for n in range(len(forms))}


def test_the_service_reports_problems_with_rows_and_returns_a_result(ledger, accountant, write_csv):
    with pytest.raises(importing.ImportFailed) as failure:
        importing.vouchers_import(
            actor=accountant, path=write_csv("HT01," + "K" * 65 + ",2025-03-01,摘要,101,1,,,")
        )
    assert [(p.row, p.field) for p in failure.value.problems] == [(2, "voucher"), (2, "lines"), (2, "lines")]
    assert failure.value.problems[0].message == importing.KEY_TOO_LONG

    result = importing.vouchers_import(actor=accountant, path=write_csv(GOOD), post=True, create_missing=True)

    assert result == importing.ImportResult(
        vouchers=4, lines=8, posted=4, created_funds=[], created_counterparties=[]
    )


def _refused(change) -> str:
    """The database's message when it refuses ``change`` (rolled back, so the test goes on)."""
    with pytest.raises(DatabaseError) as failure, transaction.atomic():
        change()
    return str(failure.value)


def test_vouchers_posted_by_an_import_are_as_immutable_as_any(ledger, write_csv):
    # The import writes lines before their vouchers and the vouchers as posted at once: the
    # triggers must still guard the result like a voucher posted by hand.
    import_vouchers(write_csv(GOOD), "--post")
    voucher = Voucher.objects.get(external_key="J-001")
    line = voucher.lines.get(line_no=1)

    attempts = [
        lambda: Voucher.objects.filter(pk=voucher.pk).update(note="改过了"),
        lambda: VoucherLine.objects.filter(pk=line.pk).update(debit_fen=1),
        lambda: VoucherLine.objects.filter(pk=line.pk)._raw_delete(VoucherLine.objects.db),
        lambda: VoucherLine.objects.create(
            ledger=ledger, voucher=voucher, line_no=3, summary="补一行", account=line.account, debit_fen=1
        ),
    ]
    for attempt in attempts:
        assert E.POSTED_IMMUTABLE in _refused(attempt)
    assert voucher.lines.count() == 2
    assert ledgers_verify(ledger_ids=[ledger.pk]) == []


def test_new_vouchers_never_take_the_id_of_one_deleted_before(ledger, write_csv):
    # Voucher ids are taken before the insert (lines go in first): a deleted voucher's id
    # must not come back, or a reference kept elsewhere (an audit entry) would point at it.
    import_vouchers(write_csv(GOOD))
    highest = Voucher.objects.order_by("-id").first().pk
    VoucherLine.objects.filter(voucher__ledger=ledger).delete()
    Voucher.objects.filter(ledger=ledger).delete()

    import_vouchers(write_csv(GOOD), "--post")

    ids = sorted(Voucher.objects.values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + 4))
    assert ids[0] > highest
    assert {line.voucher_id for line in VoucherLine.objects.all()} == set(ids)


def test_a_key_repeated_after_its_first_batch_was_written_is_reported_once(ledger, write_csv, monkeypatch):
    monkeypatch.setattr(reading_module, "BATCH_SIZE", 2)  # J-001 is written before its repetition is read
    path = write_csv(
        GOOD
        + """
        HT01,J-001,2025-04-09,又一次,101,1,,,
        HT01,J-001,2025-04-09,又一次,102,,1,,
        """
    )
    state = books_state()

    problems = import_fails(path, "--post")

    assert problems == [
        "第11行 凭证号：" + importing.DUPLICATE_KEY.format(key="J-001", row=2),
        "导入失败：共 1 处问题，未导入任何数据",
    ]
    assert books_state() == state


def test_a_period_closed_while_the_import_runs_refuses_the_whole_file(ledger, write_csv, monkeypatch):
    # The reading side finds April open; someone closes it before the writing side first
    # locks the ledger's periods (from then on no one could: the lock is held until the import
    # commits). The writing side sees it under the lock when it reaches the batch with J-004;
    # the batch before is undone too.
    monkeypatch.setattr(reading_module, "BATCH_SIZE", 2)
    looked_up = reading_module._LedgerState.period

    def period_closed_after_the_check(state, day):
        period = looked_up(state, day)
        if not Voucher.objects.exists():  # before the first batch is written
            Period.objects.filter(ledger_id=period.ledger_id, year=2025, month=4).update(
                status=PeriodStatus.CLOSED
            )
        return period

    monkeypatch.setattr(reading_module._LedgerState, "period", period_closed_after_the_check)
    state = books_state()

    problems = import_fails(write_csv(GOOD), "--post")

    assert problems == [
        "第8行 日期：" + E.PERIOD_CLOSED.format(period="2025-04"),
        "导入失败：共 1 处问题，未导入任何数据",
    ]
    assert books_state() == state  # the closing too: it happened inside the import, undone with it
    assert Voucher.objects.count() == 0
