"""Programmes, subsidy lists checked against the registry, payment through the books, the bank's
return and the three-way reconciliation."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import call_command

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.models import Voucher, VoucherStatus
from villagebooks.regions.services import system_user
from villagebooks.registry import subsidies as S
from villagebooks.registry.models import BatchState, ListProblem, Programme, SubsidyBatch, SubsidyLine
from villagebooks.registry.tests.conftest import make_card, make_id, person, write_csv

pytestmark = pytest.mark.django_db
PAY_DATE = date(2025, 3, 15)
PROGRAMMES = [
    ["GDLB", "耕地地力保护补贴", "510781000000", "livelihood_subsidy", "mu", "100.00", "", "", "year"],
    [
        "TPCY",
        "脱贫户产业奖补",
        "510781000000",
        "到村到户民生补助资金",
        "按人",
        "500",
        "脱贫户;边缘易致贫户",
        "GYGW",
        "year",
    ],
    ["GYGW", "公益性岗位补贴", "510781000000", "livelihood_subsidy", "person", "300.00", "", "", "month"],
]


@pytest.fixture
def programmes(region_tree, tmp_path):
    path = write_csv(tmp_path / "programmes.csv", PROGRAMMES, columns=S.PROGRAMME_COLUMNS)
    result = S.programmes_import(actor=system_user(), path=path)
    assert (result.created, result.changed) == (3, 0)
    return {p.code: p for p in Programme.objects.all()}


@pytest.fixture
def fund(ledger, accountant):
    return ledger_services.fund_create(
        actor=accountant, ledger=ledger, name="民生补助资金", kind="livelihood_subsidy"
    )


@pytest.fixture
def people(region_tree, import_rows):
    """A (脱贫户, with a card), B (一般户), C (脱贫户, died 2025-01-10), D (A's wife), each with a card."""
    ids = {key: make_id(birth, male=male) for key, birth, male in
           (("A", "19600101", True), ("B", "19700101", True), ("C", "19300101", True), ("D", "19620101", False))}  # fmt: skip
    cards = {key: make_card() for key in ids}
    import_rows(
        [
            person(id_number=ids["A"], name="张三", bank_card=cards["A"], bank="农商行", status="脱贫户"),
            person(id_number=ids["D"], name="李四", relation="配偶", bank_card=cards["D"], bank="农商行", status="脱贫户"),
            person(id_number=ids["B"], name="王五", household="H002", bank_card=cards["B"], bank="农商行"),
            person(id_number=ids["C"], name="赵六", household="H003", status="脱贫户", alive="否",
                   death_date="2025-01-10", bank_card=cards["C"], bank="农商行"),
        ]
    )  # fmt: skip
    return ids, cards


def list_file(tmp_path, rows, name="list.csv"):
    return write_csv(tmp_path / name, rows, columns=S.LIST_COLUMNS)


def test_programmes_are_imported_and_changed_with_their_rules(programmes, tmp_path):
    assert programmes["TPCY"].fund_kind == "livelihood_subsidy"
    assert programmes["TPCY"].basis == "person"
    assert programmes["TPCY"].eligible_statuses == ["脱贫户", "边缘易致贫户"]
    assert programmes["GDLB"].standard_fen == 10000
    changed = [[*PROGRAMMES[0][:5], "120.00", *PROGRAMMES[0][6:]]]
    result = S.programmes_import(
        actor=system_user(), path=write_csv(tmp_path / "p2.csv", changed, columns=S.PROGRAMME_COLUMNS)
    )
    assert (result.created, result.changed) == (0, 1)
    assert Programme.objects.get(code="GDLB").standard_fen == 12000


def test_a_bad_programme_row_is_named(region_tree, tmp_path, accountant):
    rows = [["X1", "某补贴", "510781000000", "无此类", "per_acre", "abc", "贫困户", "NOPE", "weekly"]]
    with pytest.raises(DomainError) as excinfo:
        S.programmes_import(
            actor=system_user(), path=write_csv(tmp_path / "p.csv", rows, columns=S.PROGRAMME_COLUMNS)
        )
    assert sorted(p.field for p in excinfo.value.problems) == sorted(
        ["fund_kind", "basis", "frequency", "eligible_status", "standard", "excludes"]
    )
    good = [PROGRAMMES[0]]
    with pytest.raises(DomainError) as excinfo:
        S.programmes_import(
            actor=accountant, path=write_csv(tmp_path / "q.csv", good, columns=S.PROGRAMME_COLUMNS)
        )
    assert [p.field for p in excinfo.value.problems] == ["region"]


def test_every_registry_problem_of_a_list_is_named(
    programmes, fund, people, ledger, accountant, tmp_path, import_rows
):
    ids, cards = people
    stranger = make_id()
    rows = [
        [ids["A"], "张三", "1", "500.00", "500.00", cards["A"]],  # 2: fine
        [ids["B"], "王五", "1", "500.00", "500.00", cards["B"]],  # 3: 一般户: ineligible
        [ids["C"], "赵六", "1", "500.00", "500.00", cards["C"]],  # 4: dead before the payment
        [stranger, "钱七", "1", "500.00", "500.00", make_card()],  # 5: not in the registry
        [ids["D"], "李四", "1", "500.00", "500.00", cards["A"]],  # 6: the card is not hers
        [ids["A"], "张三", "1", "500.00", "500.00", cards["A"]],  # 7: twice in this list
        [ids["D"], "李五", "1", "500.00", "500.00", cards["D"]],  # 8: another name
    ]
    with pytest.raises(DomainError) as excinfo:
        S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, rows), ledger=ledger, programme_code="TPCY",
                              batch_code="2025-01", pay_date=PAY_DATE)  # fmt: skip
    kinds = [(p.row, p.message.split("]")[0][1:]) for p in excinfo.value.problems]
    assert kinds == [
        (3, S.INELIGIBLE),
        (4, S.DEAD),
        (5, S.NOT_IN_REGISTRY),
        (6, S.CARD_NOT_PERSONS),
        (7, S.ALREADY_PAID),
        (8, S.NAME_MISMATCH),
        (8, S.ALREADY_PAID),
    ]
    assert not SubsidyBatch.objects.exists()


def test_arithmetic_is_checked_before_the_registry(programmes, fund, people, ledger, accountant, tmp_path):
    ids, cards = people
    rows = [
        [ids["A"], "张三", "2.5", "100.00", "260.00", cards["A"]],
        [ids["A"], "张三", "x", "100", "1", ""],
    ]
    with pytest.raises(DomainError) as excinfo:
        S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, rows), ledger=ledger, programme_code="GDLB",
                              batch_code="B1", pay_date=PAY_DATE)  # fmt: skip
    assert [(p.row, p.field) for p in excinfo.value.problems] == [(2, "amount"), (3, "quantity")]


def test_paid_already_this_period_and_an_excluded_programme(
    programmes, fund, people, ledger, accountant, tmp_path
):
    ids, cards = people
    row = [[ids["A"], "张三", "1", "300.00", "300.00", cards["A"]]]
    S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, row), ledger=ledger, programme_code="GYGW",
                          batch_code="G-03", pay_date=PAY_DATE)  # fmt: skip
    with pytest.raises(DomainError) as excinfo:
        S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, row), ledger=ledger, programme_code="GYGW",
                              batch_code="G-03b", pay_date=date(2025, 3, 28))  # fmt: skip
    assert [p.message.split("]")[0][1:] for p in excinfo.value.problems] == [S.ALREADY_PAID]
    # Next month is another period of a monthly programme.
    S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, row), ledger=ledger, programme_code="GYGW",
                          batch_code="G-04", pay_date=date(2025, 4, 15))  # fmt: skip
    tpcy = [[ids["A"], "张三", "1", "500.00", "500.00", cards["A"]]]
    with pytest.raises(DomainError) as excinfo:
        S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, tpcy), ledger=ledger, programme_code="TPCY",
                              batch_code="T-1", pay_date=date(2025, 6, 1))  # fmt: skip
    assert [p.message.split("]")[0][1:] for p in excinfo.value.problems] == [S.EXCLUDED]


def test_an_override_needs_the_role_and_records_each_problem(
    programmes, fund, people, ledger, accountant, tmp_path
):
    ids, cards = people
    rows = [
        [ids["B"], "王五", "1", "500.00", "500.00", cards["B"]],
        [ids["C"], "赵六", "1", "500", "500", cards["C"]],
    ]
    path = list_file(tmp_path, rows)
    with pytest.raises(NotPermitted):
        S.subsidy_list_import(actor=accountant, path=path, ledger=ledger, programme_code="TPCY", batch_code="T1",
                              pay_date=PAY_DATE, override_reason="乡镇已核实")  # fmt: skip
    result = S.subsidy_list_import(actor=system_user(), path=path, ledger=ledger, programme_code="TPCY",
                                   batch_code="T1", pay_date=PAY_DATE, override_reason="乡镇已核实")  # fmt: skip
    assert result.batch.override_reason == "乡镇已核实"
    assert sorted(ListProblem.objects.values_list("row", "kind", "reason")) == [
        (2, S.INELIGIBLE, "乡镇已核实"),
        (3, S.DEAD, "乡镇已核实"),
    ]


@pytest.fixture
def paid_list(programmes, fund, people, ledger, accountant, reviewer, tmp_path):
    """TPCY paid to 张三 and 李四 (500 each) and GYGW listed for 张三; the vouchers posted."""
    ids, cards = people
    rows = [
        [ids["A"], "张三", "1", "500.00", "500.00", cards["A"]],
        [ids["D"], "李四", "1", "500.00", "500.00", cards["D"]],
    ]
    result = S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, rows), ledger=ledger,
                                   programme_code="TPCY", batch_code="T-2025-1", pay_date=PAY_DATE, pay=True)  # fmt: skip
    assert result.voucher.status == VoucherStatus.SUBMITTED
    assert S.batch_states(SubsidyBatch.objects.all()) == {result.batch.pk: BatchState.SUBMITTED}
    ledger_services.voucher_review(actor=reviewer, voucher=result.voucher)
    ledger_services.voucher_post(actor=accountant, voucher=result.voucher)
    return result.batch


def test_paying_a_list_books_it_through_the_ledger(paid_list, fund):
    batch = SubsidyBatch.objects.get(pk=paid_list.pk)
    assert S.batch_states([batch]) == {batch.pk: BatchState.PAID}
    voucher = Voucher.objects.get(pk=batch.voucher_id)
    assert voucher.status == VoucherStatus.POSTED
    lines = list(
        voucher.lines.order_by("line_no").values_list("account__code", "debit_fen", "credit_fen", "fund_id")
    )
    assert lines == [("241", 100000, 0, fund.pk), ("102", 0, 100000, fund.pk)]
    assert sorted(S._booked_amounts([batch.pk]).values()) == [50000, 50000]


def test_one_voucher_line_per_person_when_the_county_says_so(programmes, fund, people, ledger, accountant, reviewer,
                                                             tmp_path, settings):  # fmt: skip
    from villagebooks.registry.terms import DEFAULT_PATH

    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8")) | {"payment_voucher_lines": "per_person"}
    (tmp_path / "terms.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.VILLAGEBOOKS_REGISTRY_TERMS = str(tmp_path / "terms.json")
    ids, cards = people
    rows = [
        [ids["A"], "张三", "1", "500.00", "500.00", cards["A"]],
        [ids["D"], "李四", "1", "500.00", "500.00", cards["D"]],
    ]
    result = S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, rows), ledger=ledger,
                                   programme_code="TPCY", batch_code="P1", pay_date=PAY_DATE, pay=True)  # fmt: skip
    assert list(result.voucher.lines.order_by("line_no").values_list("debit_fen", "credit_fen")) == [
        (50000, 0), (50000, 0), (0, 100000),
    ]  # fmt: skip
    ledger_services.voucher_review(actor=reviewer, voucher=result.voucher)
    ledger_services.voucher_post(actor=accountant, voucher=result.voucher)
    assert sorted(SubsidyLine.objects.values_list("voucher_line_no", flat=True)) == [1, 2]
    assert sorted(S._booked_amounts([result.batch.pk]).values()) == [50000, 50000]


def bank_return(tmp_path, rows, name="return.csv"):
    return write_csv(tmp_path / name, rows, columns=S.RETURN_COLUMNS)


def test_every_reconciliation_state(paid_list, people, ledger, accountant, tmp_path, programmes, import_rows):
    ids, cards = people
    # A third and fourth person on a second list, unpaid by the books (no voucher yet).
    extra, other = make_id(), make_id()
    import_rows([person(id_number=extra, name="孙八", household="H009", status="脱贫户"),
                 person(id_number=other, name="周九", household="H010", status="脱贫户")])  # fmt: skip
    outsider = make_id()
    S.bank_return_import(
        actor=accountant,
        path=bank_return(
            tmp_path,
            [
                [ids["A"], "张三", cards["A"], "500.00", "成功", ""],
                [ids["D"], "李四", cards["D"], "500.00", "失败", "账户已销户"],
                [outsider, "吴十", "", "500.00", "成功", ""],
            ],
        ),  # fmt: skip
        ledger=ledger,
        batch_code="T-2025-1",
    )
    rows = [[extra, "孙八", "1", "300.00", "300.00", ""], [other, "周九", "1", "300.00", "300.00", ""]]
    S.subsidy_list_import(actor=system_user(), path=list_file(tmp_path, rows, "g.csv"), ledger=ledger,
                          programme_code="GYGW", batch_code="G1", pay_date=PAY_DATE, override_reason="无卡，现金发放")  # fmt: skip
    S.bank_return_import(
        actor=accountant,
        path=bank_return(
            tmp_path,
            [
                [extra, "孙八", "", "300.00", "成功", ""],
                [other, "周九", "", "300.00", "成功", ""],
                [other, "周九", "", "300.00", "成功", ""],
            ],
            "r2.csv",
        ),  # fmt: skip
        ledger=ledger,
        batch_code="G1",
    )
    result = {(r.batch, r.id_number): (r.listed_fen, r.paid_fen, r.booked_fen, r.state, r.reason)
              for r in S.reconciliation(SubsidyBatch.objects.all())}  # fmt: skip
    assert result == {
        ("T-2025-1", ids["A"]): (50000, 50000, 50000, S.MATCHED, ""),
        ("T-2025-1", ids["D"]): (50000, 0, 50000, S.UNPAID, "账户已销户"),
        ("T-2025-1", outsider): (0, 50000, 0, S.UNLISTED, ""),
        ("G1", extra): (30000, 30000, 0, S.WRONG_AMOUNT, ""),  # paid, never booked
        ("G1", other): (30000, 60000, 0, S.DUPLICATE, ""),
    }
    # The failed payment is paid again: recorded on the line and in the operation log.
    S.failed_payment_resolve(actor=accountant, ledger=ledger, batch_code="T-2025-1", id_number=ids["D"],
                             action=S.REPAY, note="已换卡")  # fmt: skip
    assert SubsidyLine.objects.get(id_number=ids["D"]).resolution == S.REPAY
    assert AuditEntry.objects.filter(action="subsidy_failed_repay").count() == 1
    with pytest.raises(DomainError):
        S.failed_payment_resolve(actor=accountant, ledger=ledger, batch_code="T-2025-1", id_number=ids["A"],
                                 action=S.RETURN)  # fmt: skip


def test_a_bad_bank_return_row_is_named(paid_list, ledger, accountant, tmp_path):
    with pytest.raises(DomainError) as excinfo:
        S.bank_return_import(actor=accountant, path=bank_return(tmp_path, [["", "x", "", "abc", "不知道", ""]]),
                             ledger=ledger, batch_code="T-2025-1")  # fmt: skip
    assert sorted(p.field for p in excinfo.value.problems) == ["amount", "id_number", "status"]
    with pytest.raises(DomainError):
        S.bank_return_import(actor=accountant, path=bank_return(tmp_path, [["1", "x", "", "1", "成功", ""]]),
                             ledger=ledger, batch_code="NOPE")  # fmt: skip


def reconciliation_csv(user) -> str:
    out = io.StringIO()
    call_command("report", "subsidy-reconciliation", "--user", user.username, "--ledger", "HT01",
                 "--from", "2025-01", "--to", "2025-12", "--format", "csv", stdout=out)  # fmt: skip
    return out.getvalue()


def test_the_reconciliation_csv_is_masked_unless_the_user_may_see_ids(
    paid_list, people, accountant, reviewer
):
    ids, _cards = people
    masked = reconciliation_csv(reviewer)
    assert masked.splitlines()[0].startswith("batch,id_number,name,listed,paid,booked,state")
    assert ids["A"] not in masked and ids["D"] not in masked
    assert f"T-2025-1,{ids['A'][:4]}********{ids['A'][-4:]},张三,500.00,0.00,500.00,unpaid" in masked
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()
    unmasked = reconciliation_csv(accountant)
    assert ids["A"] in unmasked
    entry = AuditEntry.objects.get(action="personal_data_view")
    assert (entry.actor, entry.object_type, entry.detail["via"]) == (accountant, "SubsidyBatch", "cli")


def test_a_reversed_payment_voucher_is_booked_no_more(paid_list, accountant, reviewer, people):
    ids, _cards = people
    batch = SubsidyBatch.objects.get(pk=paid_list.pk)
    reversal = ledger_services.voucher_reverse(
        actor=accountant, voucher=Voucher.objects.get(pk=batch.voucher_id), reason="发放有误", date=PAY_DATE
    )
    ledger_services.voucher_review(actor=reviewer, voucher=reversal)
    ledger_services.voucher_post(actor=accountant, voucher=reversal)
    assert S.batch_states([batch]) == {batch.pk: BatchState.REVERSED}
    assert S._booked_amounts([batch.pk]) == {}
    states = {r.id_number: r.state for r in S.reconciliation(SubsidyBatch.objects.all())}
    assert states == {ids["A"]: S.UNPAID, ids["D"]: S.UNPAID}


def test_pay_with_a_reviewer_posts_the_voucher_tagged_with_fund_and_project(
    programmes, fund, people, ledger, accountant, reviewer, tmp_path
):
    ids, cards = people
    project, _created = ledger_services.project_save(
        actor=accountant, ledger=ledger, code="XM01", name="产业奖补"
    )
    rows = [[ids["A"], "张三", "1", "500.00", "500.00", cards["A"]]]
    out = io.StringIO()
    call_command("import_subsidy_list", str(list_file(tmp_path, rows)), "--ledger", "HT01", "--programme", "TPCY",
                 "--batch", "T-R1", "--date", PAY_DATE.isoformat(), "--pay", "--reviewer", "reviewer",
                 "--project", "XM01", "--user", "accountant", stdout=out)  # fmt: skip
    batch = SubsidyBatch.objects.get(code="T-R1")
    voucher = Voucher.objects.get(pk=batch.voucher_id)
    assert voucher.status == VoucherStatus.POSTED
    assert (voucher.prepared_by_id, voucher.reviewed_by_id) == (accountant.pk, reviewer.pk)
    assert "审核并记账" in out.getvalue() and f"记字第{voucher.number}号" in out.getvalue()
    assert set(voucher.lines.values_list("fund_id", "project_id")) == {(fund.pk, project.pk)}
    assert batch.project_id == project.pk
    assert S.batch_states([batch]) == {batch.pk: BatchState.PAID}


def test_pay_without_a_reviewer_submits_and_says_so(programmes, fund, people, ledger, accountant, tmp_path):
    ids, cards = people
    rows = [[ids["A"], "张三", "1", "500.00", "500.00", cards["A"]]]
    out = io.StringIO()
    call_command("import_subsidy_list", str(list_file(tmp_path, rows)), "--ledger", "HT01", "--programme", "TPCY",
                 "--batch", "T-R2", "--date", PAY_DATE.isoformat(), "--pay", "--user", "accountant", stdout=out)  # fmt: skip
    assert "提交审核，尚未记账" in out.getvalue()
    assert Voucher.objects.get().status == VoucherStatus.SUBMITTED


@pytest.mark.parametrize("who", ["accountant", "manager", "nobody"])
def test_a_reviewer_who_may_not_review_is_refused_and_nothing_is_written(
    programmes, fund, people, ledger, accountant, manager, tmp_path, who
):
    ids, cards = people
    rows = [[ids["A"], "张三", "1", "500.00", "500.00", cards["A"]]]
    with pytest.raises((NotPermitted, DomainError)) as excinfo:
        S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, rows), ledger=ledger, programme_code="TPCY",
                              batch_code="T-R3", pay_date=PAY_DATE, pay=True, reviewer_username=who)  # fmt: skip
    assert excinfo.value.problems[0].field == "reviewer"
    assert not SubsidyBatch.objects.exists() and not Voucher.objects.exists()


def test_an_unknown_project_is_refused(programmes, fund, people, ledger, accountant, tmp_path):
    ids, cards = people
    rows = [[ids["A"], "张三", "1", "500.00", "500.00", cards["A"]]]
    with pytest.raises(DomainError) as excinfo:
        S.subsidy_list_import(actor=accountant, path=list_file(tmp_path, rows), ledger=ledger, programme_code="TPCY",
                              batch_code="T-R4", pay_date=PAY_DATE, pay=True, project_code="NOPE")  # fmt: skip
    assert excinfo.value.problems[0].field == "project"
    assert not SubsidyBatch.objects.exists()
