"""Publishing a disclosure: closed months only, a frozen snapshot with its hash and chain head,
corrections as new versions with a reason, and who may publish."""

from __future__ import annotations

import json

import pytest

from villagebooks import verify_books
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.disclosure.models import Disclosure
from villagebooks.disclosure.services import disclosure_publish, public_address
from villagebooks.ledger.models import ChainHead

pytestmark = pytest.mark.django_db


def _section(disclosure, key):
    return next(s for s in json.loads(disclosure.snapshot)["sections"] if s["key"] == key)


def test_a_quarter_is_published_with_its_figures_hash_and_chain_head(books, ledger, accountant):
    disclosure = disclosure_publish(actor=accountant, ledger=ledger, period="2025-q1")
    assert disclosure.period == "2025-Q1" and disclosure.version == 1
    assert (disclosure.from_key, disclosure.to_key) == (202501, 202503)
    snapshot = json.loads(disclosure.snapshot)
    assert verify_books.canonical_json(snapshot).decode() == disclosure.snapshot
    head = ChainHead.objects.get(ledger=ledger)
    assert (
        (disclosure.chain_size, disclosure.chain_head) == (head.size, head.head_hash) == (4, head.head_hash)
    )
    income, spending, big = _section(disclosure, "income_spending")["tables"]
    assert income["rows"][-1] == ["合计", 1, 300_000]
    assert spending["rows"][-1] == ["合计", 2, 823_456]
    # The 8,000 yuan payment is over the 5,000 default: listed on its own, the ID in its summary masked.
    assert [row[1] for row in big["rows"]] == ["支付村道维修款 身份证5107**********0033（管理费用）"]
    assert "510781196503120033" not in disclosure.snapshot
    titles = [t["title"] for t in _section(disclosure, "statements")["tables"]]
    assert len(titles) == 2
    assert public_address(disclosure) == "http://127.0.0.1:8000/public/HT01/2025-Q1/"


def test_a_month_not_closed_is_refused_with_the_reason(ledger, accountant, reviewer):
    with pytest.raises(DomainError, match="2025-02 尚未结账"):
        disclosure_publish(actor=accountant, ledger=ledger, period="2025-02")
    assert not Disclosure.objects.exists()


def test_a_bad_period_is_refused(ledger, accountant):
    with pytest.raises(DomainError, match="YYYY-Qn"):
        disclosure_publish(actor=accountant, ledger=ledger, period="2025-Q5")


def test_a_correction_is_a_new_version_with_its_reason_and_the_old_one_stays(books, ledger, accountant):
    first = disclosure_publish(actor=accountant, ledger=ledger, period="2025-03")
    with pytest.raises(DomainError, match="更正须写明理由"):
        disclosure_publish(actor=accountant, ledger=ledger, period="2025-03")
    second = disclosure_publish(actor=accountant, ledger=ledger, period="2025-03", reason="补充项目进度")
    assert (second.version, second.reason) == (2, "补充项目进度")
    first.refresh_from_db()
    assert first.version == 1 and first.reason == ""
    assert Disclosure.objects.filter(ledger=ledger, period="2025-03").count() == 2


def test_a_signed_checkpoint_is_made_when_the_agency_has_a_key(books, ledger, accountant):
    from villagebooks.ledger import checkpoints

    checkpoints.key_create(actor=accountant)
    disclosure = disclosure_publish(actor=accountant, ledger=ledger, period="2025-01")
    body = json.loads(disclosure.checkpoint.body)
    assert (body["tree_size"], body["root"]) == (disclosure.chain_size, disclosure.chain_root)


def test_only_the_accountant_or_manager_publishes(books, ledger, manager, reviewer, make_user, region_tree):
    assert disclosure_publish(actor=manager, ledger=ledger, period="2025-01").version == 1
    with pytest.raises(NotPermitted):
        disclosure_publish(actor=reviewer, ledger=ledger, period="2025-02")
    outsider = make_user("wudu", "accountant", region_tree["510781101000"])
    with pytest.raises(NotPermitted):
        disclosure_publish(actor=outsider, ledger=ledger, period="2025-02")
    reporter = make_user("baozhang", "reporter", region_tree["510781100201"])
    with pytest.raises(NotPermitted):
        disclosure_publish(actor=reporter, ledger=ledger, period="2025-02")
