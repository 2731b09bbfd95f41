"""整理凭证号: an open month's posted vouchers numbered in date order, as a recorded act that the
hash chain carries; ``verify`` passes after it and still catches every tampering, of a renumbered
voucher too. On SQLite and PostgreSQL (the tampering as the tables' owner, as in
``test_tampering``)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from villagebooks import verify_books
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import chain, checkpoints, services
from villagebooks.ledger import errors as E
from villagebooks.ledger.models import (
    ChainEntry,
    Period,
    RenumberPermit,
    Voucher,
    VoucherRenumbering,
)
from villagebooks.ledger.tests.books import post
from villagebooks.ledger.tests.chain.test_tampering import TWO_ROLES, _failures, tamper
from villagebooks.ledger.verification import ledgers_verify
from villagebooks.regions.models import Region
from villagebooks.reports.ledger_export import ledger_export

pytestmark = pytest.mark.django_db(transaction=TWO_ROLES, serialized_rollback=TWO_ROLES)

# Posted in this order: the 20th gets 记-1, the 5th 记-2, the 12th 记-3.
BOOKS = """
    2025-03-20 办公费
      借 513 管理费用       800.00
      贷 102 银行存款       800.00
    2025-03-05 收到道路补助
      借 102 银行存款     50000.00
      贷 241 专项应付款   50000.00  fund=县交通局道路补助
    2025-03-12 借给张三
      借 112 应收款        2000.50  party=张三
      贷 102 银行存款      2000.50
    2025-04-02 办公费
      借 513 管理费用       300.00
      贷 102 银行存款       300.00
"""


def _numbers(ledger, month=3) -> list[tuple[str, int]]:
    """The month's posted vouchers as (date, number), in number order."""
    rows = Voucher.objects.filter(ledger=ledger, period__month=month, status="posted").order_by("number")
    return [(v.date.isoformat(), v.number) for v in rows]


@pytest.fixture
def books(ledger, accountant, reviewer):
    vouchers = post(ledger, accountant, reviewer, BOOKS)
    assert _numbers(ledger) == [("2025-03-20", 1), ("2025-03-05", 2), ("2025-03-12", 3)]
    return {"ledger": ledger, "v20": vouchers[0].pk, "v05": vouchers[1].pk, "v12": vouchers[2].pk}


def _renumber(books, actor, **kwargs):
    return services.vouchers_renumber(actor=actor, ledger=books["ledger"], year=2025, month=3, **kwargs)


def test_the_month_is_numbered_in_date_order_recorded_and_verify_passes(books, accountant):
    ledger = books["ledger"]
    size_before = ChainEntry.objects.filter(ledger=ledger).count()
    act = _renumber(books, accountant, reason="月结前整理")
    assert _numbers(ledger) == [("2025-03-05", 1), ("2025-03-12", 2), ("2025-03-20", 3)]
    assert _numbers(ledger, 4) == [("2025-04-02", 1)]  # other months untouched
    pairs = {(line.voucher_id, line.old_number, line.new_number) for line in act.lines.all()}
    assert pairs == {(books["v05"], 2, 1), (books["v12"], 3, 2), (books["v20"], 1, 3)}
    entry = ChainEntry.objects.get(ledger=ledger, sequence=size_before + 1)
    assert act.chain_sequence == entry.sequence and entry.version == verify_books.ACT_VERSION
    record = json.loads(entry.canonical)
    assert record["act"] == "renumber" and record["period"] == "2025-03"
    assert sorted(record["pairs"]) == [[1, 3], [2, 1], [3, 2]] and record["reason"] == "月结前整理"
    log = AuditEntry.objects.get(action="vouchers_renumber")
    assert log.ledger_id == ledger.pk and log.detail["period"] == "2025-03"
    assert sorted(log.detail["renumbered"]) == sorted([list(p) for p in pairs])
    assert RenumberPermit.objects.count() == 0  # the permits live only inside the act
    assert ledgers_verify() == []
    out = io.StringIO()
    call_command("verify", stdout=out)
    assert out.getvalue().startswith("校验通过")


def test_a_second_renumbering_has_nothing_to_do(books, accountant):
    _renumber(books, accountant)
    size = ChainEntry.objects.filter(ledger=books["ledger"]).count()
    assert _renumber(books, accountant) is None
    assert ChainEntry.objects.filter(ledger=books["ledger"]).count() == size
    assert VoucherRenumbering.objects.count() == 1


def test_renumbering_twice_with_postings_between_still_verifies(books, accountant, reviewer):
    ledger = books["ledger"]
    _renumber(books, accountant)
    post(ledger, accountant, reviewer, "2025-03-01 手续费\n 借 513 管理费用 5.00\n 贷 102 银行存款 5.00")
    assert _numbers(ledger)[-1] == ("2025-03-01", 4)
    _renumber(books, accountant)
    assert [day for day, _ in _numbers(ledger)] == ["2025-03-01", "2025-03-05", "2025-03-12", "2025-03-20"]
    assert [n for _, n in _numbers(ledger)] == [1, 2, 3, 4]
    assert ledgers_verify() == []


def test_a_reversal_names_its_voucher_by_the_number_it_had_then(books, accountant, reviewer):
    """The reversal's record says 记-2 (the 5th's number when it was reversed); after renumbering
    the 5th is 记-1 and the rows say so: verify follows the walk and passes."""
    ledger = books["ledger"]
    original = Voucher.objects.get(pk=books["v05"])
    reversal = services.voucher_reverse(
        actor=accountant, voucher=original, reason="重复入账", date=date(2025, 3, 25)
    )
    if reversal.status != "posted":
        services.voucher_review(actor=reviewer, voucher=reversal)
        reversal = services.voucher_post(actor=accountant, voucher=reversal)
    entry = ChainEntry.objects.get(ledger=ledger, voucher_id=reversal.pk)
    assert json.loads(entry.canonical)["reversed_voucher"] == {"period": "2025-03", "number": 2}
    _renumber(books, accountant)
    reversal.refresh_from_db()
    assert Voucher.objects.get(pk=books["v05"]).number == 1 and reversal.number == 4
    assert ledgers_verify() == []


def test_refused_once_the_month_is_closed(books, accountant):
    ledger = books["ledger"]
    Period.objects.filter(ledger=ledger, year=2025, month__lt=3).update(status="closed")
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)
    with pytest.raises(DomainError) as error:
        _renumber(books, accountant)
    assert error.value.problems[0].field == "period"
    assert error.value.problems[0].message == E.RENUMBER_CLOSED.format(period="2025-03")
    assert _numbers(ledger)[0] == ("2025-03-20", 1)
    assert not VoucherRenumbering.objects.exists() and not AuditEntry.objects.filter(
        action="vouchers_renumber"
    )


def test_refused_to_a_reviewer_and_to_another_townships_accountant(books, reviewer, make_user):
    with pytest.raises(NotPermitted):
        _renumber(books, reviewer)
    elsewhere = Region.objects.exclude(pk=books["ledger"].village.parent_id).filter(kind="township").first()
    if elsewhere is not None:
        stranger = make_user("renumber-stranger", "accountant", elsewhere)
        with pytest.raises(NotPermitted):
            _renumber(books, stranger)
    assert _numbers(books["ledger"])[0] == ("2025-03-20", 1)
    assert not VoucherRenumbering.objects.exists()


def test_a_long_reason_is_refused_with_its_field(books, accountant):
    with pytest.raises(DomainError) as error:
        _renumber(books, accountant, reason="因" * 201)
    assert error.value.problems[0].field == "reason" and not VoucherRenumbering.objects.exists()


# ---------------------------------------------------------------------------------------------
# The database's guard, narrowed: only a permitted change of the number alone


def _refused(sql: str, params: list) -> None:
    with pytest.raises((IntegrityError, DatabaseError)) as error, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert "已记账凭证不能修改或删除" in str(error.value)


def _permit(voucher_id: int, old: int, new: int) -> None:
    this_transaction = "txid_current()" if connection.vendor == "postgresql" else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_renumberpermit (ledger_id, voucher_id, from_number, to_number, transaction_id)"
            f" VALUES ((SELECT ledger_id FROM ledger_voucher WHERE id = %s), %s, %s, %s, {this_transaction})",
            [voucher_id, voucher_id, old, new],
        )


def test_the_trigger_refuses_a_number_changed_without_a_permit(books):
    _refused("UPDATE ledger_voucher SET number = 9 WHERE id = %s", [books["v20"]])


def test_the_trigger_refuses_anything_more_than_the_number_even_with_a_permit(books):
    with transaction.atomic():
        _permit(books["v20"], 1, 9)
        _refused("UPDATE ledger_voucher SET number = 9, note = '改' WHERE id = %s", [books["v20"]])
        _refused("UPDATE ledger_voucher SET number = 8 WHERE id = %s", [books["v20"]])
        with connection.cursor() as cursor:  # the permitted step itself passes (the guard is not just shut)
            cursor.execute("UPDATE ledger_voucher SET number = 9 WHERE id = %s", [books["v20"]])
        transaction.set_rollback(True)
    assert Voucher.objects.get(pk=books["v20"]).number == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the transaction id is PostgreSQL's")
def test_a_permit_of_another_transaction_opens_nothing(books):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_renumberpermit (ledger_id, voucher_id, from_number, to_number, transaction_id)"
            " VALUES ((SELECT ledger_id FROM ledger_voucher WHERE id = %s), %s, 1, 9, txid_current() - 1)",
            [books["v20"], books["v20"]],
        )
    _refused("UPDATE ledger_voucher SET number = 9 WHERE id = %s", [books["v20"]])


# ---------------------------------------------------------------------------------------------
# Tampering after a renumbering is still caught


V = "ledger_voucher"


def _entry(ledger, **where) -> ChainEntry:
    return ChainEntry.objects.get(ledger=ledger, **where)


def _forged_act(ledger, act: ChainEntry, pairs) -> list[tuple[str, list]]:
    """The act's entry rewritten with other pairs and its hash recomputed (and every hash after
    it, and the head), as someone with the database and this source could."""
    statements = []
    previous = act.previous_hash
    for entry in ChainEntry.objects.filter(ledger=ledger, sequence__gte=act.sequence).order_by("sequence"):
        canonical = entry.canonical
        if entry.pk == act.pk:
            record = json.loads(canonical)
            record["pairs"] = pairs
            canonical = chain.canonical_bytes(record).decode()
        digest = verify_books.entry_hash("sha256", entry.version, previous, canonical.encode())
        statements.append(
            (
                "UPDATE ledger_chainentry SET canonical = %s, previous_hash = %s, entry_hash = %s WHERE id = %s",
                [canonical, previous, digest, entry.pk],
            )
        )
        previous = digest
    statements.append(
        ("UPDATE ledger_chainhead SET head_hash = %s WHERE ledger_id = %s", [previous, ledger.pk])
    )
    return statements


@pytest.fixture
def renumbered(books, accountant):
    act = _renumber(books, accountant)
    assert ledgers_verify() == []
    return {**books, "act": _entry(books["ledger"], sequence=act.chain_sequence)}


def test_a_renumbered_voucher_given_another_number_by_sql_is_caught(renumbered):
    tamper((f"UPDATE {V} SET number = 7 WHERE id = %s", [renumbered["v05"]]))
    assert "2025-03 记-1：凭证号：记账时 1，现为 7" in _failures()


def test_a_renumbered_voucher_changed_by_sql_is_caught(renumbered):
    tamper(
        (
            "UPDATE ledger_voucherline SET summary = '改过的摘要' WHERE voucher_id = %s AND line_no = 1",
            [renumbered["v12"]],
        )
    )
    assert "2025-03 记-2：第1行摘要：记账时 借给张三，现为 改过的摘要" in _failures()


def test_numbers_swapped_by_sql_without_an_act_are_caught(books):
    tamper(
        (f"UPDATE {V} SET number = 100 WHERE id = %s", [books["v20"]]),
        (f"UPDATE {V} SET number = 1 WHERE id = %s", [books["v05"]]),
        (f"UPDATE {V} SET number = 2 WHERE id = %s", [books["v20"]]),
    )
    text = _failures()
    assert (
        "2025-03 记-1：凭证号：记账时 1，现为 2" in text and "2025-03 记-2：凭证号：记账时 2，现为 1" in text
    )


def test_an_act_whose_numbers_were_put_back_by_sql_is_caught(renumbered):
    """The act is in the chain, the rows went back to posting order."""
    tamper(
        *[
            (f"UPDATE {V} SET number = number + 100 WHERE id = %s", [renumbered[k]])
            for k in ("v05", "v12", "v20")
        ],
        (f"UPDATE {V} SET number = 1 WHERE id = %s", [renumbered["v20"]]),
        (f"UPDATE {V} SET number = 2 WHERE id = %s", [renumbered["v05"]]),
        (f"UPDATE {V} SET number = 3 WHERE id = %s", [renumbered["v12"]]),
    )
    assert "2025-03 记-1：凭证号：记账时 1，现为 2" in _failures()


def test_an_act_edited_in_place_is_caught(renumbered):
    act = renumbered["act"]
    tamper(
        ("UPDATE ledger_chainentry SET canonical = replace(canonical, '月', '年') WHERE id = %s", [act.pk])
    )
    tamper(
        (
            "UPDATE ledger_chainentry SET canonical = replace(canonical, '[1,3]', '[1,2]') WHERE id = %s",
            [act.pk],
        )
    )
    assert f"哈希链第{act.sequence}条（2025-03 整理凭证号）：哈希与内容不符" in _failures()


def test_an_act_that_is_not_a_permutation_is_caught_even_with_its_hashes_recomputed(renumbered):
    ledger, act = renumbered["ledger"], renumbered["act"]
    tamper(*_forged_act(ledger, act, [[1, 3], [2, 1], [3, 1]]))
    assert (
        f"哈希链第{act.sequence}条（2025-03 整理凭证号）：新旧凭证号不是同一组号码的重新排列" in _failures()
    )


def test_an_act_removed_is_caught(renumbered):
    act = renumbered["act"]
    tamper(("DELETE FROM ledger_chainentry WHERE id = %s", [act.pk]))
    text = _failures()
    assert f"哈希链第{act.sequence}条缺失" in text or "链头与链不符" in text, text
    assert "凭证号：记账时" in text  # and the rows no longer agree with the chain's numbers


def test_verify_export_and_a_voucher_proof_after_renumbering(renumbered, accountant, tmp_path):
    ledger = renumbered["ledger"]
    checkpoints.key_create(actor=accountant)
    checkpoint = checkpoints.ledger_checkpoint(actor=accountant, ledger=ledger)
    target = tmp_path / "HT01.zip"
    ledger_export(actor=accountant, ledger_code="HT01", target=target)
    body = json.loads(checkpoints.checkpoint_file_text(checkpoint))
    assert verify_books.verify_export(target, body) == []
    proof = checkpoints.voucher_proof(actor=accountant, ledger=ledger, period_key=202503, number=1)
    assert verify_books.verify_voucher_proof(proof) == []
    assert json.loads(proof["entry"]["canonical"])["date"] == "2025-03-05"
    assert (proof["number"], proof["number_now"]) == (2, 1)  # posted as 记-2, now 记-1


def test_the_settling_walk_alone():
    """``verify_books.settle`` on records by hand: a permutation moves numbers and reversals
    follow; a pair naming a number the month lacks is named."""
    records = [
        {"period": "2025-03", "number": 1, "reversed_voucher": None},
        {"period": "2025-03", "number": 2, "reversed_voucher": {"period": "2025-03", "number": 1}},
        {"v": 3, "act": "renumber", "period": "2025-03", "pairs": [[1, 2], [2, 1]]},
        {"v": 3, "act": "renumber", "period": "2025-03", "pairs": [[5, 6], [6, 5]]},
    ]
    settled, problems = verify_books.settle(records)
    assert settled[0]["number"] == 2 and settled[1]["number"] == 1
    assert settled[1]["reversed_voucher"] == {"period": "2025-03", "number": 2}
    assert settled[2] is None and settled[3] is None
    assert problems == [(3, "哈希链第4条（2025-03 整理凭证号）：本月没有记-5")]


def test_the_command_renumbers_and_says_what_moved(books):
    out = io.StringIO()
    call_command("renumber_vouchers", ledger="HT01", period="2025-03", username="accountant", stdout=out)
    text = out.getvalue()
    assert "原记-2 → 记-1" in text and "原记-1 → 记-3" in text and "3 张凭证改号" in text
    assert _numbers(books["ledger"]) == [("2025-03-05", 1), ("2025-03-12", 2), ("2025-03-20", 3)]
    out = io.StringIO()
    call_command("renumber_vouchers", ledger="HT01", period="2025-03", username="accountant", stdout=out)
    assert "无需整理" in out.getvalue()
    assert ledgers_verify() == []


# ---------------------------------------------------------------------------------------------
# The act's rows (what the voucher's page and print show as 原记-n) against the chain and the
# vouchers, and against the months' closes


RL, RA = "ledger_voucherrenumberingline", "ledger_voucherrenumbering"


def test_a_line_given_another_new_number_is_caught(renumbered):
    seq = renumbered["act"].sequence
    tamper((f"UPDATE {RL} SET new_number = 5 WHERE voucher_id = %s", [renumbered["v05"]]))
    text = _failures()
    assert "账套 HT01 期间 2025-03：2025-03 记-1：整理凭证号记录为原记-2 → 记-5，凭证现为记-1" in text
    assert f"2025-03 记-1：整理凭证号记录为原记-2 → 记-5，哈希链第{seq}条（整理凭证号）没有记这一对" in text


def test_a_line_given_another_original_number_is_caught(renumbered):
    seq = renumbered["act"].sequence
    tamper((f"UPDATE {RL} SET old_number = 3 WHERE voucher_id = %s", [renumbered["v05"]]))
    assert (
        f"2025-03 记-1：整理凭证号记录为原记-3 → 记-1，哈希链第{seq}条（整理凭证号）没有记这一对"
        in _failures()
    )


def test_lines_swapped_between_vouchers_are_caught(renumbered):
    """The 5th (原记-2 → 记-1) and the 12th (原记-3 → 记-2) swap their rows: each pair is in the
    chain, but neither is what its voucher carries now."""
    ids = [renumbered["v05"], renumbered["v12"]]
    tamper(
        (
            f"UPDATE {RL} SET voucher_id = CASE WHEN voucher_id = %s THEN %s ELSE %s END"
            " WHERE voucher_id IN (%s, %s)",
            [ids[0], ids[1], ids[0], *ids],
        )
    )
    text = _failures()
    assert "2025-03 记-1：整理凭证号记录为原记-3 → 记-2，凭证现为记-1" in text
    assert "2025-03 记-2：整理凭证号记录为原记-2 → 记-1，凭证现为记-2" in text


def test_a_second_act_must_start_where_the_first_left_off(books, accountant, reviewer):
    ledger = books["ledger"]
    _renumber(books, accountant)
    post(ledger, accountant, reviewer, "2025-03-01 手续费\n 借 513 管理费用 5.00\n 贷 102 银行存款 5.00")
    second = _renumber(books, accountant)
    assert ledgers_verify() == []
    first_line = second.lines.get(voucher_id=books["v05"])  # 记-1 → 记-2 in the second act
    assert (first_line.old_number, first_line.new_number) == (1, 2)
    tamper(
        (
            f"UPDATE {RL} SET new_number = 9 WHERE voucher_id = %s AND renumbering_id <> %s",
            [books["v05"], second.pk],
        )
    )
    text = _failures()
    assert "2025-03 记-2：整理凭证号记录为原记-1 → 记-2，但上一次整理后为记-9" in text


def test_an_act_row_removed_is_caught(renumbered):
    seq = renumbered["act"].sequence
    tamper((f"DELETE FROM {RL}", []), (f"DELETE FROM {RA}", []))
    assert f"哈希链第{seq}条（整理凭证号）没有整理凭证号记录" in _failures()


def test_a_line_removed_is_caught(renumbered):
    seq = renumbered["act"].sequence
    tamper((f"DELETE FROM {RL} WHERE voucher_id = %s", [renumbered["v20"]]))
    assert f"哈希链第{seq}条（整理凭证号）改号 3 张，记录有 2 条（不同原号 2 个）" in _failures()


def test_an_act_row_pointing_at_a_voucher_entry_is_caught(renumbered):
    act = VoucherRenumbering.objects.get()
    tamper((f"UPDATE {RA} SET chain_sequence = 1 WHERE id = %s", [act.pk]))
    text = _failures()
    assert f"整理凭证号记录（ID {act.pk}）：哈希链第1条不是本月的整理凭证号" in text
    assert f"哈希链第{renumbered['act'].sequence}条（整理凭证号）没有整理凭证号记录" in text


def test_an_act_row_with_another_time_is_caught(renumbered):
    act = VoucherRenumbering.objects.get()
    tamper(
        (f"UPDATE {RA} SET renumbered_at = %s WHERE id = %s", [act.renumbered_at - timedelta(days=2), act.pk])
    )
    assert f"整理凭证号记录（哈希链第{act.chain_sequence}条）的时间" in _failures()


@pytest.mark.parametrize("month", [3, 4])
def test_an_act_in_a_month_closed_before_it_is_caught(renumbered, month):
    """Rows written by hand as if 整理凭证号 had run on a closed month (or with a later month
    closed): the service refuses it, verify names it."""
    act = VoucherRenumbering.objects.get()
    closed = act.renumbered_at - timedelta(hours=1)
    tamper(
        (
            "UPDATE ledger_period SET status = 'closed', closed_at = %s WHERE ledger_id = %s AND year = 2025"
            " AND month <= %s",
            [closed, renumbered["ledger"].pk, month],
        )
    )
    text = _failures()
    at = timezone.localtime(act.renumbered_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"整理凭证号（哈希链第{act.chain_sequence}条，{at}）在 2025-03 结账之后" in text


def test_a_month_reopened_renumbered_and_closed_again_verifies(books, accountant, manager):
    ledger = books["ledger"]
    Period.objects.filter(ledger=ledger, year=2025, month__lt=3).update(status="closed")
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)
    services.period_reopen(actor=manager, ledger=ledger, year=2025, month=3, reason="整理凭证号")
    _renumber(books, accountant)
    services.period_close(actor=accountant, ledger=ledger, year=2025, month=3)
    assert ledgers_verify() == []
