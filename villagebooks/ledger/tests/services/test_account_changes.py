"""Renaming, disabling and enabling sub-accounts: allowed until the books use them."""

from datetime import date

import pytest

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account
from villagebooks.ledger.tests.books import post


def _office(code="51301", amount_fen=20_000):
    return [
        LineInput(summary="购买打印纸", account_code=code, debit_fen=amount_fen),
        LineInput(summary="购买打印纸", account_code="102", credit_fen=amount_fen),
    ]


@pytest.fixture
def office(ledger, accountant):
    return services.account_add(
        actor=accountant, ledger=ledger, parent_code="513", code="51301", name="办公费"
    )


def _refused(call, field, message):
    with pytest.raises(DomainError) as error:
        call()
    assert [(p.field, p.message) for p in error.value.problems] == [(field, message)]


def _account(ledger, code):
    return Account.objects.get(ledger=ledger, code=code)


def test_a_sub_account_is_renamed_and_the_act_recorded(ledger, accountant, office):
    renamed = services.account_rename(actor=accountant, ledger=ledger, code="51301", name="  办公用品费 ")
    assert renamed.name == "办公用品费"
    assert _account(ledger, "51301").name == "办公用品费"
    entry = AuditEntry.objects.get(action="account_rename")
    assert (entry.actor, entry.ledger_id) == (accountant, ledger.pk)
    assert entry.detail == {"code": "51301", "old_name": "办公费", "name": "办公用品费"}


@pytest.mark.parametrize(
    ("code", "name", "field", "message"),
    [
        ("51301", "   ", "name", E.NAME_REQUIRED),
        ("51301", "费" * 101, "name", "名称不能超过 100 个字"),
        ("51399", "杂费", "code", "科目 51399 不存在于本账套"),
        ("513", "管理费", "code", "一级科目 513 由会计制度规定，不能改名"),
    ],
)
def test_bad_renames_are_refused_and_change_nothing(ledger, accountant, office, code, name, field, message):
    _refused(
        lambda: services.account_rename(actor=accountant, ledger=ledger, code=code, name=name), field, message
    )
    assert _account(ledger, "51301").name == "办公费"
    assert _account(ledger, "513").name == "管理费用"
    assert not AuditEntry.objects.filter(action="account_rename").exists()


def test_an_account_used_by_a_posted_line_can_be_neither_renamed_nor_disabled(
    ledger, accountant, reviewer, office
):
    post(
        ledger,
        accountant,
        reviewer,
        """
        2025-03-20 购买办公用品
          借 51301 办公费      1234.56
          贷 102 银行存款      1234.56
    """,
    )
    _refused(
        lambda: services.account_rename(actor=accountant, ledger=ledger, code="51301", name="办公用品费"),
        "code",
        "科目 51301 已有记账数据，不能改名",
    )
    _refused(
        lambda: services.account_set_active(actor=accountant, ledger=ledger, code="51301", active=False),
        "code",
        "科目 51301 已有记账数据，不能停用",
    )
    account = _account(ledger, "51301")
    assert (account.name, account.is_active) == ("办公费", True)


def test_a_draft_does_not_stop_a_rename_but_stops_disabling(ledger, accountant, office):
    services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 4, 2), lines=_office())
    services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 4, 3), lines=_office(), submit=True
    )
    services.account_rename(actor=accountant, ledger=ledger, code="51301", name="办公用品费")
    _refused(
        lambda: services.account_set_active(actor=accountant, ledger=ledger, code="51301", active=False),
        "code",
        "科目 51301 用在 2 张未记账凭证中，请先修改这些凭证",
    )
    assert _account(ledger, "51301").is_active is True


def test_a_disabled_account_is_refused_on_new_vouchers_and_openings_until_enabled(
    ledger, accountant, new_ledger, office
):
    services.account_set_active(actor=accountant, ledger=ledger, code="51301", active=False)
    assert _account(ledger, "51301").is_active is False
    _refused(
        lambda: services.voucher_create(
            actor=accountant, ledger=ledger, date=date(2025, 4, 2), lines=_office()
        ),
        "account",
        E.ACCOUNT_DISABLED.format(code="51301"),
    )
    services.account_add(actor=accountant, ledger=new_ledger, parent_code="102", code="10201", name="信用社")
    services.account_set_active(actor=accountant, ledger=new_ledger, code="10201", active=False)
    _refused(
        lambda: services.opening_balances_set(
            actor=accountant,
            ledger=new_ledger,
            rows=[
                services.OpeningInput(account_code="10201", debit_fen=100),
                services.OpeningInput(account_code="301", credit_fen=100),
            ],
        ),
        "account",
        E.ACCOUNT_DISABLED.format(code="10201"),
    )

    services.account_set_active(actor=accountant, ledger=ledger, code="51301", active=True)
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 4, 2), lines=_office())
    assert voucher.lines.count() == 2
    actions = list(
        AuditEntry.objects.filter(ledger_id=ledger.pk).order_by("id").values_list("action", flat=True)
    )
    assert actions[-3:] == ["account_disable", "account_enable", "voucher_create"]


def test_asking_for_the_state_an_account_is_in_changes_nothing(ledger, accountant, office):
    services.account_set_active(actor=accountant, ledger=ledger, code="51301", active=True)
    services.account_rename(actor=accountant, ledger=ledger, code="51301", name="办公费")
    assert not AuditEntry.objects.filter(action__in=["account_enable", "account_rename"]).exists()


def test_disabling_is_refused_for_chart_accounts_parents_year_close_accounts_and_openings(
    ledger, accountant, office, new_ledger
):
    services.account_add(actor=accountant, ledger=ledger, parent_code="51301", code="5130101", name="纸张")

    def disable(code, on=ledger):
        return lambda: services.account_set_active(actor=accountant, ledger=on, code=code, active=False)

    _refused(disable("513"), "code", "一级科目 513 由会计制度规定，不能停用")
    _refused(disable("51301"), "code", "科目 51301 有下级科目，不能停用")
    _refused(disable("32201"), "code", "科目 32201 是年结要用的科目，不能停用")
    _refused(disable("32202"), "code", "科目 32202 是年结要用的科目，不能停用")

    services.account_add(actor=accountant, ledger=new_ledger, parent_code="102", code="10201", name="信用社")
    services.opening_balances_set(
        actor=accountant,
        ledger=new_ledger,
        rows=[
            services.OpeningInput(account_code="10201", debit_fen=500_00),
            services.OpeningInput(account_code="301", credit_fen=500_00),
        ],
    )
    _refused(disable("10201", new_ledger), "code", "科目 10201 有期初余额，不能停用")
    # Nothing is posted yet: the opening can still be changed, and so can the account's name.
    services.account_rename(actor=accountant, ledger=new_ledger, code="10201", name="农村信用社")
    assert not Account.objects.filter(is_active=False).exists()


def test_an_opening_balance_is_part_of_the_books_once_anything_is_posted(
    ledger, accountant, reviewer, new_ledger
):
    services.account_add(actor=accountant, ledger=new_ledger, parent_code="102", code="10201", name="信用社")
    services.opening_balances_set(
        actor=accountant,
        ledger=new_ledger,
        rows=[
            services.OpeningInput(account_code="10201", debit_fen=500_00),
            services.OpeningInput(account_code="301", credit_fen=500_00),
        ],
    )
    post(
        new_ledger,
        accountant,
        reviewer,
        """
        2025-01-05 购买办公用品
          借 513 管理费用     10.00
          贷 101 库存现金     10.00
    """,
    )
    _refused(
        lambda: services.account_rename(actor=accountant, ledger=new_ledger, code="10201", name="农村信用社"),
        "code",
        "科目 10201 已有记账数据，不能改名",
    )


def test_only_users_who_set_up_the_ledger_change_its_accounts(
    ledger, office, reviewer, manager, make_user, region_tree
):
    outsider = make_user("outsider", "accountant", region_tree["510781101000"])
    for user in (reviewer, outsider):
        with pytest.raises(NotPermitted):
            services.account_rename(actor=user, ledger=ledger, code="51301", name="杂费")
        with pytest.raises(NotPermitted):
            services.account_set_active(actor=user, ledger=ledger, code="51301", active=False)
    assert _account(ledger, "51301").name == "办公费"
    # The agency manager sets ledgers up too.
    services.account_rename(actor=manager, ledger=ledger, code="51301", name="办公用品费")
    assert _account(ledger, "51301").name == "办公用品费"


def test_accounts_of_another_ledger_are_unknown_here(ledger, accountant, new_ledger):
    services.account_add(actor=accountant, ledger=new_ledger, parent_code="102", code="10201", name="信用社")
    _refused(
        lambda: services.account_rename(actor=accountant, ledger=ledger, code="10201", name="x"),
        "code",
        "科目 10201 不存在于本账套",
    )
