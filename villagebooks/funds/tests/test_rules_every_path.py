"""Every budget rule on every posting path: the voucher service, the import, the API and the
pages. Under "stop" the voucher is refused with the rule's name and nothing is posted; under
"warn" it is posted and carries the rule's warning. The same scenario for each rule, each path
only changing how the voucher goes in (issue 12: "every stop/warn rule on every posting path")."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from villagebooks.api.services import api_token_create
from villagebooks.api.tests.conftest import ApiCaller, error_of
from villagebooks.common.errors import DomainError
from villagebooks.funds.models import Allocation, BudgetLine, Control, ProjectEntry, VoucherWarning
from villagebooks.funds.tests.support import advance_to
from villagebooks.ledger import services
from villagebooks.ledger.importing import vouchers_import
from villagebooks.ledger.models import Voucher, VoucherStatus
from villagebooks.ledger.tests.books import post

FUND = "县交通局道路补助"
RECEIPT = f"2025-03-02 收到道路补助\n 借 102 银行存款 300000.00\n 贷 241 专项应付款 300000.00 fund={FUND}\n"


@dataclass(frozen=True)
class Case:
    rule: str
    account: str
    amount: str
    project: str = ""
    state: str = "实施"  # the road project's state
    received: bool = True  # the 300,000 of the allocation in the bank first
    before: str = ""  # vouchers posted first (books text)
    forbidden: str = ""  # the allocation's 负面清单 accounts (its allowed list then empty)


# The road: allocation of 300,000 for 153 and 513, project P01 with 200,000 on 153, 80,000 in the
# bank at the start (the ``road`` fixture).
CASES = [
    Case("超预算", "153", "250000.00", project="P01"),
    Case("超范围支出", "514", "1000.00"),
    Case("负面清单", "51305", "500.00", forbidden="51305"),
    Case(
        "资金余额不足",
        "513",
        "20000.00",
        before=f"2025-03-05 养护\n 借 513 公益支出 290000.00 fund={FUND}\n 贷 102 银行存款 290000.00\n",
    ),
    Case("未立项支出", "153", "1000.00", project="P01", state="审核"),
    Case("余额为负", "153", "90000.00", project="P01", received=False),
]
PATHS = ["service", "import", "api", "page"]


def _set_up(road, case: Case, control: str, accountant, reviewer, manager) -> None:
    advance_to(road, manager, "P01", case.state)
    if case.forbidden:
        Allocation.objects.update(allowed_accounts="", forbidden_accounts=case.forbidden)
        services.account_add(actor=accountant, ledger=road, parent_code="513", code="51305", name="误工补贴")
    if case.received:
        post(road, accountant, reviewer, RECEIPT)
    if case.before:
        post(road, accountant, reviewer, case.before)
    for model in (Allocation, BudgetLine, ProjectEntry):
        model.objects.update(control=control)


def _by_service(road, case: Case, accountant, reviewer) -> str | None:
    from villagebooks.ledger.tests.books import parse_vouchers

    [(day, _summary, lines)] = parse_vouchers(_text(case))
    try:
        voucher = services.voucher_create(actor=accountant, ledger=road, date=day, lines=lines, submit=True)
        services.voucher_review(actor=reviewer, voucher=voucher)
        services.voucher_post(actor=accountant, voucher=voucher)
    except DomainError as error:
        return str(error)
    return None


def _text(case: Case) -> str:
    tags = f" fund={FUND}" + (f" project={case.project}" if case.project else "")
    return f"2025-03-10 道路工程款\n 借 {case.account} 科目 {case.amount}{tags}\n 贷 102 银行存款 {case.amount}\n"


def _by_import(road, case: Case, accountant, tmp_path) -> str | None:
    path = tmp_path / "vouchers.csv"
    path.write_text(
        "ledger,voucher,date,summary,account,debit,credit,fund,counterparty,project\n"
        f"HT01,J-1,2025-03-10,道路工程款,{case.account},{case.amount},,{FUND},,{case.project}\n"
        f"HT01,J-1,2025-03-10,道路工程款,102,,{case.amount},,,\n",
        encoding="utf-8",
    )
    try:
        vouchers_import(actor=accountant, path=path, post=True)
    except DomainError as error:
        return str(error)
    return None


def _by_api(road, case: Case, accountant, reviewer) -> str | None:
    prepare = ApiCaller(api_token_create(actor=accountant, name="测试").secret)
    review = ApiCaller(api_token_create(actor=reviewer, name="测试").secret)
    line = {"summary": "道路工程款", "account": case.account, "debit": case.amount, "fund": FUND}
    if case.project:
        line["project"] = case.project
    body = {
        "date": "2025-03-10",
        "submit": True,
        "lines": [line, {"summary": "道路工程款", "account": "102", "credit": case.amount}],
    }
    created = prepare.post("/api/ledgers/HT01/vouchers", body)
    if created.status_code != 201:
        assert created.status_code == 422, created.content
        return error_of(created)["message"]
    voucher_id = created.json()["id"]
    assert review.post(f"/api/ledgers/HT01/vouchers/{voucher_id}/review").status_code == 200
    posted = prepare.post(f"/api/ledgers/HT01/vouchers/{voucher_id}/post")
    if posted.status_code != 200:
        assert posted.status_code == 422, posted.content
        return error_of(posted)["message"]
    return None


def _by_page(road, case: Case, accountant, reviewer) -> str | None:
    from villagebooks.workspace.tests.vouchers_pages import grid_post

    prepare, review = Client(), Client()
    prepare.force_login(accountant)
    review.force_login(reviewer)
    rows = [
        {
            "summary": "道路工程款",
            "account": case.account,
            "fund": FUND,
            "project": case.project,
            "debit": case.amount,
        },
        {"summary": "道路工程款", "account": "102", "credit": case.amount},
    ]
    # The grid keeps a line's project in a hidden field (no cell of its own).
    form = grid_post("2025-03-10", rows, action="save", submit="1", **{"line-0-project": case.project})
    saved = prepare.post("/ledgers/HT01/entry/", form)
    if saved.status_code == 400:
        return saved.content.decode()
    assert saved.status_code == 302, saved.status_code
    voucher = Voucher.objects.filter(ledger=road).exclude(status=VoucherStatus.POSTED).get()
    assert voucher.status == VoucherStatus.SUBMITTED
    review.post(f"/ledgers/HT01/vouchers/{voucher.pk}/approve/")
    posted = prepare.post(f"/ledgers/HT01/vouchers/{voucher.pk}/post/")
    voucher.refresh_from_db()
    if voucher.status != VoucherStatus.POSTED:
        return " ".join(str(message) for message in get_messages(posted.wsgi_request))
    return None


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
@pytest.mark.parametrize("control", [Control.STOP, Control.WARN])
def test_the_rule_on_the_path(road, accountant, reviewer, manager, tmp_path, case, path, control):
    _set_up(road, case, control, accountant, reviewer, manager)
    posted_before = Voucher.objects.filter(status=VoucherStatus.POSTED).count()
    if path == "service":
        refusal = _by_service(road, case, accountant, reviewer)
    elif path == "import":
        refusal = _by_import(road, case, accountant, tmp_path)
    elif path == "api":
        refusal = _by_api(road, case, accountant, reviewer)
    else:
        refusal = _by_page(road, case, accountant, reviewer)
    posted = Voucher.objects.filter(status=VoucherStatus.POSTED).count() - posted_before
    if control == Control.STOP:
        assert refusal is not None and case.rule in refusal, refusal
        assert posted == 0
        assert not VoucherWarning.objects.exists()
    else:
        assert refusal is None
        assert posted == 1
        voucher = Voucher.objects.filter(status=VoucherStatus.POSTED).order_by("-pk").first()
        assert case.rule in set(VoucherWarning.objects.filter(voucher=voucher).values_list("rule", flat=True))
