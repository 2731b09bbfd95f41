"""The 负面清单 (uses an allocation forbids): the optional import column ``forbidden`` (负面清单) of
``import-allocations`` — account codes or prefixes and project kinds, ``;``-separated — enforced
by budget control as stop or warn on every posting path: the service, the voucher import, the
entry page here, the API in ``api/tests/test_funds_negative_list.py``."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from villagebooks.common.errors import DomainError
from villagebooks.funds.models import Allocation, Control, VoucherWarning
from villagebooks.funds.tests.support import ALLOCATION_HEADER, advance_to, import_projects, write
from villagebooks.funds.tests.test_pages import client_of
from villagebooks.ledger import services
from villagebooks.ledger.models import Voucher
from villagebooks.ledger.tests.books import parse_vouchers, post
from villagebooks.ledger.tests.importing.support import books_state, command_fails

FUND = "县交通局道路补助"
# The allocation forbids 514 and spending on 产业发展 projects; P02 is one.
ALLOCATIONS = f"""{ALLOCATION_HEADER},forbidden
A-2025-01,HT01,2025-02-10,江油市交通运输局,江交〔2025〕12号,{FUND},上级专项资金,300000.00,村道硬化,,,stop,514;产业发展
"""
PROJECTS = f"""ledger,project,name,kind,fund,account,budget,start,end,control
HT01,P01,黑滩村道路硬化,基础设施,{FUND},153,200000.00,2025-03-01,2025-10-31,stop
HT01,P02,黑滩村茶叶加工,产业发展,{FUND},153,50000.00,2025-03-01,2025-10-31,stop
"""


@pytest.fixture
def listed(ledger, accountant, reviewer, manager, tmp_path):
    call_command("import_allocations", str(write(tmp_path, "a.csv", ALLOCATIONS)), "--user", "accountant")
    import_projects(tmp_path, accountant, PROJECTS)
    advance_to(ledger, manager, "P01", "实施")
    advance_to(ledger, manager, "P02", "实施")
    post(
        ledger,
        accountant,
        reviewer,
        f"2025-03-02 收到补助\n 借 102 银行存款 300000.00\n 贷 241 专项应付款 300000.00 fund={FUND}",
    )
    return ledger


def _lines(account: str, project: str, amount: str = "1000.00"):
    [(day, _summary, lines)] = parse_vouchers(
        f"""
        2025-03-10 支出
          借 {account} 支出   {amount}  fund={FUND}{" project=" + project if project else ""}
          贷 102 银行存款   {amount}
        """
    )
    return day, lines


def test_the_column_is_read_into_accounts_and_kinds(listed):
    allocation = Allocation.objects.get()
    assert allocation.forbidden_prefixes == ["514"]
    assert allocation.forbidden_kind_list == ["industry"]


def test_the_chinese_header_and_a_bad_item_at_its_row(ledger, accountant, tmp_path):
    header = ALLOCATION_HEADER.replace("allocation,", "下达编号,") + ",负面清单"
    text = f"{header}\nA-9,HT01,2025-02-10,县局,文1,{FUND},上级专项资金,100.00,,,,stop,514;宾馆\n"
    problems = "\n".join(
        command_fails("import_allocations", write(tmp_path, "a.csv", text), "--user", "accountant")
    )
    assert "第2行" in problems and "forbidden" in problems and "宾馆" in problems, problems
    assert not Allocation.objects.exists()
    call_command(
        "import_allocations",
        str(write(tmp_path, "b.csv", text.replace("514;宾馆", "514；公益"))),
        "--user",
        "accountant",
    )
    assert Allocation.objects.get().forbidden_kind_list == ["public_welfare"]


def test_the_service_refuses_a_forbidden_kind_and_account(listed, accountant):
    day, lines = _lines("153", "P02")
    with pytest.raises(DomainError) as error:
        services.voucher_create(actor=accountant, ledger=listed, date=day, lines=lines, submit=True)
    assert "负面清单" in str(error.value) and "产业发展" in str(error.value) and "P02" in str(error.value)
    day, lines = _lines("514", "")
    with pytest.raises(DomainError) as error:
        services.voucher_create(actor=accountant, ledger=listed, date=day, lines=lines, submit=True)
    assert "负面清单" in str(error.value) and "514" in str(error.value)
    day, lines = _lines("153", "P01")  # a road: allowed
    services.voucher_create(actor=accountant, ledger=listed, date=day, lines=lines, submit=True)


def test_under_warn_it_passes_with_the_warning(listed, accountant):
    Allocation.objects.update(control=Control.WARN)
    day, lines = _lines("153", "P02")
    voucher = services.voucher_create(actor=accountant, ledger=listed, date=day, lines=lines, submit=True)
    [warning] = VoucherWarning.objects.filter(voucher=voucher)
    assert warning.rule == "负面清单" and "产业发展" in warning.message


def test_the_voucher_import_refuses_at_the_row(listed, tmp_path):
    text = f"""ledger,voucher,date,summary,account,debit,credit,fund,counterparty,project
HT01,J-001,2025-03-10,道路工程款,153,100,,{FUND},,P01
HT01,J-001,2025-03-10,道路工程款,102,,100,,,
HT01,J-002,2025-03-11,茶叶加工,153,100,,{FUND},,P02
HT01,J-002,2025-03-11,茶叶加工,102,,100,,,
"""
    before = books_state()
    problems = "\n".join(
        command_fails("import_vouchers", write(tmp_path, "v.csv", text), "--post", "--user", "accountant")
    )
    assert "第4行" in problems and "负面清单" in problems, problems
    assert books_state() == before


def test_the_entry_page_refuses(listed, accountant):
    from villagebooks.workspace.tests.vouchers_pages import grid_post

    count = Voucher.objects.count()
    rows = [
        {"summary": "支出", "account": "514", "fund": FUND, "debit": "100.00"},
        {"summary": "支出", "account": "102", "credit": "100.00"},
    ]
    response = client_of(accountant).post(
        "/ledgers/HT01/entry/", grid_post("2025-03-10", rows, action="save")
    )
    assert response.status_code == 400 and "负面清单" in response.content.decode()
    assert Voucher.objects.count() == count
