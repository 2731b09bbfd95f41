"""Inputs at the edges of what the services take: each refused with its field, nothing changed."""

import pytest

from villagebooks.common.errors import Conflict, DomainError, NotPermitted
from villagebooks.ledger import services
from villagebooks.ledger.models import Account, Voucher, VoucherStatus
from villagebooks.ledger.tests.books import parse_vouchers
from villagebooks.ledger.tests.services.test_voucher_lifecycle import OFFICE_COSTS, _draft
from villagebooks.regions.services import role_grant, system_user


def test_a_note_longer_than_its_column_is_refused_at_its_field(ledger, accountant):
    day, _, lines = parse_vouchers(OFFICE_COSTS)[0]
    with pytest.raises(DomainError) as refused:
        services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, note="说" * 201)
    assert [(p.field, p.message) for p in refused.value.problems] == [("note", "说明不能超过 200 个字")]
    assert not Voucher.objects.exists()
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, note="说" * 200)
    with pytest.raises(DomainError, match="说明不能超过"):
        services.voucher_update(actor=accountant, voucher=voucher, date=day, lines=lines, note="x" * 201)
    voucher.refresh_from_db()
    assert voucher.note == "说" * 200


def test_reviewing_ones_own_voucher_is_a_permission_refusal(ledger, make_user, township):
    both = make_user("both", "accountant", township)
    role_grant(actor=system_user(), user=both, role="reviewer", region=township)
    voucher = _draft(ledger, both, submit=True)
    with pytest.raises(NotPermitted, match="审核人不能是制单人"):
        services.voucher_review(actor=both, voucher=voucher)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.SUBMITTED


def test_a_step_out_of_order_is_a_conflict(ledger, accountant):
    voucher = _draft(ledger, accountant)
    with pytest.raises(Conflict, match="不能记账"):
        services.voucher_post(actor=accountant, voucher=voucher)
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.DRAFT


def test_sub_account_codes_take_ascii_digits_only(ledger, accountant):
    before = Account.objects.filter(ledger=ledger).count()
    with pytest.raises(DomainError) as refused:
        services.account_add(actor=accountant, ledger=ledger, parent_code="513", code="513١٢", name="杂项")
    assert refused.value.problems[0].field == "code"
    assert Account.objects.filter(ledger=ledger).count() == before
