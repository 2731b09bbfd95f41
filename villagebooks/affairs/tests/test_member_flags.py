"""The registry's 集体经济组织成员 flag (``Person.is_member``) follows the member register: set when a
membership is recorded, cleared when it ends (import or page), each change kept as registry history."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.affairs.members import membership_end
from villagebooks.affairs.models import Membership
from villagebooks.affairs.tests.conftest import member
from villagebooks.common.errors import DomainError
from villagebooks.regions.services import system_user
from villagebooks.registry.models import Person, RegistryChange
from villagebooks.registry.tests.conftest import person

pytestmark = pytest.mark.django_db


def flag(id_number: str) -> bool:
    return Person.objects.get(id_number=id_number).is_member


def test_a_person_put_on_the_register_becomes_a_member_in_the_registry(people, import_rows, import_members):
    from villagebooks.registry.tests.conftest import make_id

    newcomer = make_id()
    import_rows([person(household="H005", name="周九", id_number=newcomer, member="否")])
    assert flag(newcomer) is False
    import_members([member(newcomer, "周九", basis="申请加入")])
    assert flag(newcomer) is True
    change = RegistryChange.objects.get(person__id_number=newcomer, field="is_member")
    assert (change.before, change.after) == ("False", "True")


def test_an_ended_membership_clears_the_flag_and_leaves_the_others(members, import_members):
    assert all(flag(members[key]) for key in ("zhang", "wang", "zhao"))
    import_members([member(members["wang"], "王五", ended_on="2025-03-01", end_reason="成为公务员")])
    assert flag(members["wang"]) is False
    assert flag(members["zhang"]) is True and flag(members["zhao"]) is True
    assert RegistryChange.objects.filter(field="is_member").count() == 1


def test_ending_a_membership_on_the_page_clears_the_flag(members):
    membership = Membership.objects.get(person__id_number=members["zhao"])
    membership_end(
        actor=system_user(),
        membership=membership,
        ended_on=date(2025, 5, 1),
        reason="取得其他农村集体经济组织成员身份",
    )
    assert flag(members["zhao"]) is False


def test_a_refused_end_changes_no_flag(members):
    membership = Membership.objects.get(person__id_number=members["wang"])
    with pytest.raises(DomainError):
        membership_end(
            actor=system_user(), membership=membership, ended_on=date(2025, 5, 1), reason="外出务工"
        )
    assert flag(members["wang"]) is True
    assert not RegistryChange.objects.filter(field="is_member").exists()


def test_a_person_of_another_village_is_not_touched(members):
    assert flag(members["tumen"]) is True  # 孙七 is on no register: the registry's own flag stands
