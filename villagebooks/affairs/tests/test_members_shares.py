"""Shares: classes, holdings kept as changes (never overwritten), inheritance and transfer inside
the collective, and the county's cap."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from villagebooks.affairs import errors as E
from villagebooks.affairs.models import ShareClass, ShareEntry
from villagebooks.affairs.selectors_members import household_holdings, members_summary
from villagebooks.affairs.tests.conftest import HEITAN, share
from villagebooks.common.errors import DomainError
from villagebooks.regions.models import Region

pytestmark = pytest.mark.django_db


def held(on=date(2025, 12, 31)) -> dict:
    village = Region.objects.get(code=HEITAN)
    return {row["number"]: row["total"] for row in household_holdings(village, on)}


def test_classes_are_created_and_holdings_summed_per_household(shares):
    assert set(ShareClass.objects.values_list("code", "kind")) == {("RK", "population"), ("JT", "collective")}
    assert held() == {"H001": 2, "H002": 1, "H003": 1, "H004": 2, "集体": 2}
    summary = members_summary(Region.objects.get(code=HEITAN), date(2025, 12, 31))
    assert (summary["members"], summary["households"]) == (6, 4)
    assert [(c["code"], c["shares"]) for c in summary["classes"]] == [("JT", "2"), ("RK", "6")]


def test_inheritance_is_two_paired_entries_and_the_history_stays(shares, import_shares):
    import_shares(
        [share(shares["li_son"], "1", date="2025-07-01", change="继承", from_id_number=shares["li"])]
    )
    taken, given = ShareEntry.objects.filter(change="inherit").order_by("id")
    assert (taken.shares, given.shares, given.pair_id) == (Decimal("-1"), Decimal("1"), taken.pk)
    assert ShareEntry.objects.filter(change="allot").count() == 7  # nothing overwritten
    assert held(date(2025, 6, 30))["H004"] == 2 and held()["H004"] == 2  # same household


def test_a_transfer_moves_shares_between_households_of_members(shares, import_shares):
    import_shares(
        [share(shares["wang"], "0.5", date="2025-07-01", change="转让", from_id_number=shares["zhao"])]
    )
    assert (held()["H002"], held()["H003"]) == (Decimal("1.5"), Decimal("0.5"))
    assert held(date(2025, 6, 30))["H003"] == 1


def test_nobody_transfers_more_than_they_hold(shares, import_shares):
    with pytest.raises(DomainError) as error:
        import_shares(
            [share(shares["wang"], "3", date="2025-07-01", change="转让", from_id_number=shares["zhao"])]
        )
    [problem] = error.value.problems
    assert (problem.row, problem.field) == (2, "shares")
    assert problem.message == str(
        E.NOT_ENOUGH_SHARES.format(date=date(2025, 7, 1), held=1, share_class="人口股", shares=3)
    )


def test_a_transfer_to_someone_no_longer_a_member_is_refused(shares, import_shares, import_members):
    from villagebooks.affairs.tests.conftest import member

    import_members([member(shares["wang"], "王五", ended_on="2025-03-01", end_reason="成为公务员")])
    with pytest.raises(DomainError) as error:
        import_shares(
            [share(shares["wang"], "1", date="2025-07-01", change="转让", from_id_number=shares["zhao"])]
        )
    assert [(p.row, p.field, p.message) for p in error.value.problems] == [
        (2, "id_number", str(E.NOT_A_MEMBER.format(id=shares["wang"], date=date(2025, 7, 1))))
    ]


def test_the_cap_is_data_and_refuses_a_holder_over_it(shares, import_shares, settings, tmp_path):
    from villagebooks.affairs.terms import DEFAULT_PATH, _load

    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["max_holding_ratio"] = "0.25"
    path = tmp_path / "cap.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.VILLAGEBOOKS_AFFAIRS_TERMS = str(path)
    _load.cache_clear()
    with pytest.raises(DomainError) as error:
        import_shares([share(shares["zhang"], "2", date="2025-07-01")])
    [problem] = error.value.problems
    assert problem.field == "shares" and problem.message.startswith(
        "张三（H001） 持有 3 份，占总份额 30.00%，超过本县规定的上限 25%"
    )
    assert ShareEntry.objects.count() == 7
    _load.cache_clear()


def test_bad_share_rows_are_each_named(shares, import_shares):
    with pytest.raises(DomainError) as error:
        import_shares(
            [
                share(shares["zhang"], "abc"),
                share(shares["zhang"], "1", share_class="XX"),
                share(shares["zhang"], "-1"),
                share(shares["zhang"], "1", change="继承"),
            ]
        )
    assert [(p.row, p.field) for p in error.value.problems] == [
        (2, "shares"),
        (3, "share_class"),
        (4, "shares"),
        (5, "from_id_number"),
    ]
