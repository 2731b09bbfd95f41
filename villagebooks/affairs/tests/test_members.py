"""The member register: who is a member, since when and why, and only lawful ends."""

from __future__ import annotations

import pytest

from villagebooks.affairs import errors as E
from villagebooks.affairs.members import member_on
from villagebooks.affairs.models import Membership
from villagebooks.affairs.tests.conftest import HEITAN, member
from villagebooks.common.errors import DomainError
from villagebooks.common.models import AuditEntry

pytestmark = pytest.mark.django_db


def problems(error) -> list[tuple]:
    return [(p.row, p.field, p.message) for p in error.value.problems]


def test_members_are_imported_with_their_basis(members):
    rows = {m.person.name: m for m in Membership.objects.select_related("person")}
    assert set(rows) == {"张三", "刘芳", "王五", "赵六", "李四", "李小明"}
    assert (rows["刘芳"].basis, rows["刘芳"].basis_note) == ("statutory", "婚姻")
    assert rows["赵六"].basis == "application"
    assert rows["张三"].household.number == "H001"
    assert AuditEntry.objects.filter(action="affairs_import_members").count() == 1


def test_importing_the_same_file_again_changes_nothing(members, import_members):
    result = import_members([member(members["zhang"], "张三")])
    assert (result.created, result.changed, result.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("reason", ["外出务工", "离婚", "服刑", "就学"])
def test_studying_work_divorce_or_prison_end_no_membership(members, import_members, reason):
    with pytest.raises(DomainError) as error:
        import_members([member(members["wang"], "王五", ended_on="2025-03-01", end_reason=reason)])
    [(row, field, message)] = problems(error)
    assert (row, field) == (2, "end_reason")
    assert message.startswith(f"“{reason}”不是丧失成员身份的法定事由")
    assert Membership.objects.get(person__id_number=members["wang"]).ended_on is None


def test_a_lawful_end_is_recorded_and_the_person_is_no_member_after_it(members, import_members):
    import_members([member(members["wang"], "王五", ended_on="2025-03-01", end_reason="成为公务员")])
    membership = Membership.objects.get(person__id_number=members["wang"])
    assert (str(membership.ended_on), membership.end_reason) == ("2025-03-01", "civil_servant")
    from datetime import date

    assert member_on(membership.person_id, date(2025, 2, 28)) is not None
    assert member_on(membership.person_id, date(2025, 3, 1)) is None


def test_death_ends_membership_only_for_the_dead(members, import_members):
    with pytest.raises(DomainError) as error:
        import_members([member(members["wang"], "王五", ended_on="2025-03-01", end_reason="死亡")])
    assert problems(error) == [(2, "end_reason", str(E.DEATH_NOT_DEAD))]
    import_members([member(members["li"], "李四", ended_on="2025-06-01", end_reason="死亡")])
    assert Membership.objects.get(person__id_number=members["li"]).end_reason == "death"


def test_every_bad_row_is_named_and_nothing_is_written(people, import_members):
    with pytest.raises(DomainError) as error:
        import_members(
            [
                member(people["zhang"], "张三"),
                member(people["wang"], "王小五"),
                member("510781198001019999", "无名"),
                member(people["zhao"], "赵六", since="2020-13-01", basis="买来的"),
                member(people["li_son"], "李小明", ended_on="2025-01-01"),
                member(people["zhang"], "张三"),
            ]
        )
    assert problems(error) == [
        (3, "name", str(E.NAME_MISMATCH.format(name="王五"))),
        (4, "id_number", str(E.UNKNOWN_PERSON.format(id="510781198001019999"))),
        (5, "since", str(E.BAD_DATE.format(value="2020-13-01"))),
        (5, "basis", str(E.UNKNOWN_BASIS.format(value="买来的", choices="原始取得、法定取得、申请加入"))),
        (6, "end_reason", str(E.END_REASON_REQUIRED)),
        (7, "id_number", str(E.DUPLICATE_ROW.format(row=2))),
    ]
    assert not Membership.objects.exists()


def test_chinese_headers_are_accepted(people, tmp_path):
    from villagebooks.affairs.members import members_import
    from villagebooks.regions.services import system_user

    path = tmp_path / "成员.csv"
    path.write_text(
        f"村,身份证号,姓名,取得日期,取得方式\n{HEITAN},{people['zhang']},张三,2020-01-01,原始取得\n",
        encoding="gbk",
    )
    assert members_import(actor=system_user(), path=path).created == 1


def test_a_reporter_keeps_only_his_own_villages_register(people, import_members, make_user, region_tree):
    from villagebooks.affairs.tests.conftest import TUMEN

    reporter = make_user("reporter-tumen", "reporter", region_tree[TUMEN])
    with pytest.raises(DomainError) as error:
        import_members([member(people["zhang"], "张三")], actor=reporter)
    assert problems(error) == [(2, "village", str(E.FORBIDDEN_VILLAGE.format(village="黑滩村")))]
    own = make_user("reporter-heitan", "reporter", region_tree[HEITAN])
    assert import_members([member(people["zhang"], "张三")], actor=own).created == 1


def test_the_county_and_supervisors_read_but_do_not_edit(people, import_members, make_user, region_tree):
    from villagebooks.affairs import access

    county = make_user("county", "county", region_tree["510781000000"])
    assert access.covers(county, access.VIEW, region_tree[HEITAN])
    assert not access.covers(county, access.MEMBERS_EDIT, region_tree[HEITAN])
    with pytest.raises(DomainError):
        import_members([member(people["zhang"], "张三")], actor=county)
