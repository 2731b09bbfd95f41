"""``villagebooks import-opening``: a ledger's opening balances from a file, checked row by row."""

from __future__ import annotations

from villagebooks.common import money
from villagebooks.ledger import errors as E
from villagebooks.ledger import importing, services
from villagebooks.ledger.access import FORBIDDEN
from villagebooks.ledger.domain import vouchers as V
from villagebooks.ledger.models import AccountBalance, LedgerStatus, OpeningBalance
from villagebooks.ledger.tests.books import balance
from villagebooks.ledger.tests.importing.support import books_state, command_fails, run_command

OPENING_HEADER = "account,debit,credit,fund,counterparty"


def test_opening_balances_import_and_activate_the_ledger(new_ledger, accountant, write_csv):
    services.fund_create(
        actor=accountant, ledger=new_ledger, name="县交通局道路补助", kind="earmarked_transfer"
    )
    path = write_csv(
        """
        102,"120,000.00",,,
        101,500.5,,,
        112,1000,,,张三
        241,,30000,县交通局道路补助,
        301,,"91,500.50",,
        501,0,0,,
        """,
        name="opening.csv",
        header=OPENING_HEADER,
    )

    output = run_command(
        "import_opening", "--ledger", "TM01", path, "--user", "accountant", "--create-missing"
    )

    new_ledger.refresh_from_db()
    assert new_ledger.status == LedgerStatus.ACTIVE
    assert "账套 TM01 期初余额已导入：5 行" in output
    assert "新建往来单位：TM01:张三" in output
    assert balance(new_ledger, "102") == 12_000_000
    assert balance(new_ledger, "241") == -3_000_000
    assert set(AccountBalance.objects.filter(ledger=new_ledger).values_list("month", flat=True)) == {0}


def test_gbk_file_with_chinese_headers(new_ledger, write_csv):
    path = write_csv(
        """
        科目,借方,贷方
        102,800,
        301,,800
        """,
        name="期初.csv",
        header="",
        encoding="gbk",
    )
    run_command("import_opening", "--ledger", "TM01", path)
    assert balance(new_ledger, "301") == -80_000


def test_every_bad_row_is_reported_and_nothing_is_written(new_ledger, write_csv):
    path = write_csv(
        """
        102,100.001,,,
        999,100,,,
        322,100,,,
        241,,100,,
        241,,100,没有的资金,
        112,100,,,
        101,-5,,,
        101,5,5,,
        ,5,,,
        501,abc,,,
        """,
        name="opening.csv",
        header=OPENING_HEADER,
    )
    state = books_state()

    problems = command_fails("import_opening", "--ledger", "TM01", path)

    assert problems == [
        "第2行 借方：" + money.TOO_MANY_DECIMALS + "：100.001",
        "第3行 科目：" + E.UNKNOWN_ACCOUNT.format(code="999"),
        "第4行 科目：" + E.NOT_LEAF.format(code="322"),
        "第5行 资金来源：" + E.FUND_REQUIRED.format(code="241"),
        "第6行 资金来源：" + E.UNKNOWN_FUND.format(name="没有的资金"),
        "第7行 往来单位：" + E.COUNTERPARTY_REQUIRED.format(code="112"),
        "第8行 借方：期初余额不能为负数，请填在另一方向",
        "第9行 贷方：" + V.BOTH_SIDES,
        "第10行 科目：" + V.EMPTY_ACCOUNT,
        "第11行 借方：" + money.NOT_A_NUMBER + "：abc",
        "导入失败：共 10 处问题，未导入任何数据",
    ]
    assert books_state() == state


def test_unbalanced_opening_is_refused(new_ledger, write_csv):
    path = write_csv("102,100,\n301,,90", name="opening.csv", header="account,debit,credit")
    state = books_state()

    problems = command_fails("import_opening", "--ledger", "TM01", path)

    assert problems[0] == E.OPENING_UNBALANCED.format(debit="100.00", credit="90.00")
    assert books_state() == state


def test_opening_is_locked_once_vouchers_are_posted(ledger, write_csv):
    run_command(
        "import_vouchers",
        write_csv("HT01,1,2025-03-01,备用金,101,1,,,\nHT01,1,2025-03-01,备用金,102,,1,,"),
        "--post",
    )
    path = write_csv("102,100,\n301,,100", name="opening.csv", header="account,debit,credit")

    assert command_fails("import_opening", "--ledger", "HT01", path)[0] == "账套：" + E.OPENING_LOCKED
    assert OpeningBalance.objects.filter(ledger=ledger).count() == 2


def test_unknown_ledger_and_missing_permission(new_ledger, make_user, region_tree, write_csv):
    path = write_csv("102,100,\n301,,100", name="opening.csv", header="account,debit,credit")
    make_user("elsewhere", "accountant", region_tree["510781101000"])

    assert command_fails("import_opening", "--ledger", "NONE", path)[0] == "账套：" + E.UNKNOWN_LEDGER.format(
        code="NONE"
    )
    assert command_fails("import_opening", "--ledger", "TM01", path, "--user", "elsewhere")[
        0
    ] == "账套：" + FORBIDDEN.format(ledger=new_ledger.name)
    new_ledger.refresh_from_db()
    assert new_ledger.status == LedgerStatus.SETUP


def test_wrong_file_is_refused(new_ledger, tmp_path):
    path = tmp_path / "opening.csv"
    path.write_bytes(b"account,debit,credit\n102,\x81\x20,\n")
    assert (
        command_fails("import_opening", "--ledger", "TM01", path)[0] == "文件：" + importing.UNKNOWN_ENCODING
    )
