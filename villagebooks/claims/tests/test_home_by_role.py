"""The home page by role: a village reporter starts from their own claims (not another village's),
a reviewer from the review queue, an accountant from the ledger table as before."""

from __future__ import annotations

import pytest

from villagebooks.workspace.tests.vouchers_pages import logged_in

pytestmark = pytest.mark.django_db


def test_a_reporter_sees_their_claims_and_not_another_villages(
    reporter, tumen_reporter, ledger, other_ledger, submit, media
):
    mine = submit(reporter, ledger, purpose="路灯维修")
    theirs = submit(tumen_reporter, other_ledger, purpose="土门村打印纸")
    html = logged_in(reporter).get("/").content.decode()
    assert 'id="my-claims"' in html
    assert f'data-claim="{mine.pk}"' in html and "路灯维修" in html
    assert f'data-claim="{theirs.pk}"' not in html and "土门村打印纸" not in html
    assert 'id="review-waiting"' not in html
    assert 'href="/claims/new/"' in html


def test_a_reporter_without_claims_is_told_so(reporter, ledger):
    html = logged_in(reporter).get("/").content.decode()
    assert "还没有提交过报账单。" in html


def test_an_accountant_and_a_reviewer_keep_their_own_home(accountant, reviewer, ledger):
    accountant_home = logged_in(accountant).get("/").content.decode()
    assert 'id="my-claims"' not in accountant_home and 'id="review-waiting"' not in accountant_home
    reviewer_home = logged_in(reviewer).get("/").content.decode()
    assert 'id="my-claims"' not in reviewer_home and 'id="review-waiting"' in reviewer_home
