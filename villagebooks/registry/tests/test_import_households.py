"""import-households: every problem kind named with row, column and reason; changes kept as history."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.common.errors import DomainError
from villagebooks.common.models import AuditEntry
from villagebooks.registry import errors as E
from villagebooks.registry.domain import identity
from villagebooks.registry.models import Household, HouseholdStatus, Person, RegistryChange
from villagebooks.registry.tests.conftest import HEITAN, TUMEN, make_card, make_id, person, write_csv

pytestmark = pytest.mark.django_db


def problems(excinfo) -> list[tuple[int | None, str, str]]:
    return [(p.row, p.field, p.message) for p in excinfo.value.problems]


def test_a_household_with_its_persons_is_registered(region_tree, import_rows):
    head, wife = make_id("19700302"), make_id("19720115", male=False)
    card = make_card()
    result = import_rows(
        [
            person(id_number=head, status="监测对象（边缘易致贫户）", status_date="2025-02-01",
                   cadre_role="村委会主任", bank_card=card, bank="农村信用社", phone="13812345678"),
            person(id_number=wife, name="李四", relation="配偶", status="", status_date="", cadre_of=head),
        ]
    )  # fmt: skip
    assert (result.households_created, result.persons_created, result.status_changes) == (1, 2, 1)
    household = Household.objects.get(number="H001")
    assert (household.status, household.monitor_kind, household.status_since) == (
        "监测对象",
        "边缘易致贫户",
        date(2025, 2, 1),
    )
    zhang = Person.objects.get(id_number=head)
    li = Person.objects.get(id_number=wife)
    assert (zhang.sex, zhang.birth_date, zhang.bank_card, zhang.cadre_role) == (
        "M",
        date(1970, 3, 2),
        card,
        "村委会主任",
    )
    assert (li.sex, li.birth_date, li.cadre_of_id) == ("F", date(1972, 1, 15), zhang.pk)
    assert AuditEntry.objects.filter(action="registry_import_households").count() == 1


def test_every_bad_cell_is_named_and_nothing_is_written(region_tree, import_rows):
    good = make_id()
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        person(id_number=bad_check),  # 2: checksum
        person(id_number="51078119800230" + "0011"),  # 3: no such date (check digit aside)
        person(id_number="12345"),  # 4: length
        person(id_number=make_id(prefix="999999")),  # 5: address code
        person(id_number=make_id("20990101")),  # 6: birth date in the future
        person(bank_card="6217000000000000001", bank="农商行"),  # 7: Luhn
        person(alive="否"),  # 8: death date missing
        person(death_date="2024-01-01"),  # 9: alive with a death date
        person(status="监测对象"),  # 10: monitored without a kind
        person(status="贫困户"),  # 11: unknown status
        person(cadre_role="村长"),  # 12: unknown cadre role
        person(phone="12345"),  # 13
        person(village="999999999999"),  # 14
        person(name=""),  # 15
        person(bank_card=make_card()),  # 16: a card without its bank
        person(alive="也许"),  # 17
    ]
    with pytest.raises(DomainError) as excinfo:
        import_rows(rows)
    found = {(row, column) for row, column, _message in problems(excinfo)}
    assert {
        (2, "id_number"), (3, "id_number"), (4, "id_number"), (5, "id_number"), (6, "id_number"),
        (7, "bank_card"), (8, "death_date"), (9, "death_date"), (10, "status"), (11, "status"),
        (12, "cadre_role"), (13, "phone"), (14, "village"), (15, "name"), (16, "bank"), (17, "alive"),
    } <= found  # fmt: skip
    messages = dict(((r, c), m) for r, c, m in problems(excinfo))
    assert messages[(2, "id_number")] == str(identity.ID_CHECKSUM)
    assert messages[(5, "id_number")] == str(identity.ID_REGION.format(code="999999"))
    assert messages[(6, "id_number")] == str(identity.ID_BIRTH_FUTURE)
    assert messages[(7, "bank_card")] == str(identity.CARD_LUHN)
    assert Person.objects.count() == Household.objects.count() == RegistryChange.objects.count() == 0


def test_duplicates_within_the_file(region_tree, import_rows):
    one, card = make_id(), make_card()
    rows = [
        person(id_number=one, bank_card=card, bank="农商行"),
        person(id_number=one, name="王五", household="H001"),  # two persons, one ID
        person(id_number=one, household="H002"),  # one person in two households
        person(id_number=one),  # the same row again
        person(name="赵六", relation="配偶", bank_card=card, bank="农商行"),  # a card shared
    ]
    with pytest.raises(DomainError) as excinfo:
        import_rows(rows)
    assert problems(excinfo) == [
        (3, "id_number", str(E.ID_TWO_PERSONS.format(row=2))),
        (4, "household", str(E.ID_TWO_HOUSEHOLDS.format(row=2, household="H001"))),
        (5, "id_number", str(E.ID_DUPLICATE_ROW.format(row=2))),
        (6, "bank_card", str(E.CARD_SHARED.format(row=2))),
    ]


def test_duplicates_against_the_registry(region_tree, import_rows):
    one, card = make_id(), make_card()
    import_rows([person(id_number=one, bank_card=card, bank="农商行")])
    with pytest.raises(DomainError) as excinfo:
        import_rows([person(id_number=one, name="王五")])
    assert problems(excinfo) == [
        (2, "id_number", str(E.ID_TWO_PERSONS_REGISTERED.format(name="张三", household="H001"))),
    ]
    with pytest.raises(DomainError) as excinfo:
        import_rows([person(household="H009", name="赵六", bank_card=card, bank="农商行")])
    assert problems(excinfo) == [(2, "bank_card", str(E.CARD_SHARED_REGISTERED.format(name="张三")))]
    # The card moves when its owner gives it up in the same file.
    import_rows([person(id_number=one), person(household="H009", name="赵六", bank_card=card, bank="农商行")])
    assert Person.objects.get(name="赵六").bank_card == card


def test_cadre_of_must_name_a_cadre(region_tree, import_rows):
    plain, unknown = make_id(), make_id()
    with pytest.raises(DomainError) as excinfo:
        import_rows([person(id_number=plain), person(name="李四", relation="配偶", cadre_of=plain),
                     person(name="王五", relation="子", cadre_of=unknown)])  # fmt: skip
    assert [(r, c) for r, c, _m in problems(excinfo)] == [(3, "cadre_of"), (4, "cadre_of")]


def test_a_new_household_needs_a_status_and_a_change_its_date(region_tree, import_rows):
    with pytest.raises(DomainError) as excinfo:
        import_rows([person(status="", status_date="")])
    assert problems(excinfo) == [(2, "status", str(E.STATUS_REQUIRED_NEW))]
    with pytest.raises(DomainError) as excinfo:
        import_rows([person(status_date="")])
    assert problems(excinfo) == [(2, "status_date", str(E.STATUS_DATE_REQUIRED))]


def test_updates_are_history_never_overwritten(region_tree, import_rows, make_user):
    one = make_id("19400505")
    import_rows([person(id_number=one, status="脱贫户", status_date="2020-12-31")])
    reporter = make_user("heitan", "reporter", region_tree[HEITAN])
    result = import_rows(
        [
            person(
                id_number=one,
                status="边缘易致贫户",
                status_date="2025-03-01",
                alive="否",
                death_date="2025-04-02",
            )
        ],
        actor=reporter,
    )
    assert (result.persons_changed, result.status_changes, result.persons_created) == (1, 1, 0)
    household = Household.objects.get()
    assert [(s.status, s.monitor_kind, s.since) for s in HouseholdStatus.objects.all()] == [
        ("脱贫户", "", date(2020, 12, 31)),
        ("监测对象", "边缘易致贫户", date(2025, 3, 1)),
    ]
    assert (household.status, household.monitor_kind) == ("监测对象", "边缘易致贫户")
    changes = {
        c.field: (c.before, c.after, c.effective, c.changed_by.username)
        for c in RegistryChange.objects.filter(changed_by=reporter)
    }
    assert changes == {
        "status": ("脱贫户", "监测对象/边缘易致贫户", date(2025, 3, 1), "heitan"),
        "alive": ("True", "False", date(2025, 4, 2), "heitan"),
        "death_date": ("", "2025-04-02", date(2025, 4, 2), "heitan"),
    }
    # A status dated before the current one is refused.
    with pytest.raises(DomainError) as excinfo:
        import_rows(
            [
                person(
                    id_number=one,
                    status="一般户",
                    status_date="2025-01-01",
                    alive="否",
                    death_date="2025-04-02",
                )
            ]
        )
    assert problems(excinfo) == [
        (2, "status_date", str(E.STATUS_DATE_EARLIER.format(since=date(2025, 3, 1))))
    ]


def test_a_village_reporter_edits_only_their_village(region_tree, import_rows, make_user):
    reporter = make_user("heitan", "reporter", region_tree[HEITAN])
    with pytest.raises(DomainError) as excinfo:
        import_rows([person(), person(village=TUMEN, household="T001")], actor=reporter)
    assert problems(excinfo) == [(3, "village", str(E.FORBIDDEN_VILLAGE_ROW.format(village="土门村")))]
    # Moving a person of 土门村 into 黑滩村 changes 土门村 too.
    moved = make_id()
    import_rows([person(village=TUMEN, household="T001", id_number=moved)])
    with pytest.raises(DomainError) as excinfo:
        import_rows([person(id_number=moved)], actor=reporter)
    assert problems(excinfo) == [(2, "village", str(E.FORBIDDEN_VILLAGE_ROW.format(village="土门村")))]


def test_chinese_headers_and_a_luhn_warning_when_the_county_says_so(region_tree, tmp_path, settings):
    import json

    from villagebooks.regions.services import system_user
    from villagebooks.registry.households import ALIASES, COLUMNS, households_import
    from villagebooks.registry.terms import DEFAULT_PATH

    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8")) | {"bank_card_luhn": "warn"}
    (tmp_path / "terms.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.VILLAGEBOOKS_REGISTRY_TERMS = str(tmp_path / "terms.json")
    row = person(bank_card="6217000000000000001", bank="农商行")
    path = write_csv(
        tmp_path / "zh.csv", [[row.get(c, "") for c in COLUMNS]], columns=[ALIASES[c][1] for c in COLUMNS]
    )
    result = households_import(actor=system_user(), path=path)
    assert result.persons_created == 1
    assert [(w.row, w.field) for w in result.warnings] == [(2, "bank_card")]


def test_missing_and_unknown_columns(region_tree, tmp_path):
    from villagebooks.common.tabular import TableError
    from villagebooks.regions.services import system_user
    from villagebooks.registry.households import households_import

    path = write_csv(tmp_path / "x.csv", [["510781100201", "H1"]], columns=["village", "household"])
    with pytest.raises(TableError):
        households_import(actor=system_user(), path=path)


def test_a_helper_is_assigned_and_replaced_with_history(region_tree, import_rows, make_user):
    from io import StringIO

    from django.core.management import call_command

    from villagebooks.common.errors import NotPermitted
    from villagebooks.registry.households import helper_assign
    from villagebooks.registry.models import Helper

    import_rows([person()])
    call_command("assign_helper", "--village", HEITAN, "--household", "H001", "--name", "刘干部", "--since", "2024-03-01",
                 "--unit", "江油市农业农村局", stdout=StringIO())  # fmt: skip
    household = Household.objects.get()
    helper_assign(actor=make_user("heitan", "reporter", region_tree[HEITAN]), household=household, name="陈干部",
                  since=date(2025, 1, 1))  # fmt: skip
    assert list(Helper.objects.values_list("name", "since", "until")) == [
        ("刘干部", date(2024, 3, 1), date(2024, 12, 31)),
        ("陈干部", date(2025, 1, 1), None),
    ]
    assert list(RegistryChange.objects.filter(field="helper").values_list("before", "after")) == [
        ("", "刘干部"),
        ("刘干部", "陈干部"),
    ]
    with pytest.raises(NotPermitted):
        helper_assign(actor=make_user("tumen", "reporter", region_tree[TUMEN]), household=household, name="某",
                      since=date(2025, 6, 1))  # fmt: skip
    with pytest.raises(DomainError):
        helper_assign(actor=make_user("x", "admin", region_tree[HEITAN]), household=household, name="某",
                      since=date(2024, 12, 1))  # fmt: skip


def test_a_move_to_another_household_is_recorded_by_number(region_tree, import_rows):
    one = make_id()
    import_rows([person(id_number=one), person(household="H002", name="王五")])
    import_rows([person(id_number=one, household="H002", relation="女婿", status="", status_date="")])
    zhang = Person.objects.get(id_number=one)
    assert zhang.household.number == "H002"
    assert list(
        RegistryChange.objects.filter(person=zhang)
        .exclude(field="created")
        .values_list("field", "before", "after")
    ) == [
        ("household", "H001", "H002"),
        ("relation", "户主", "女婿"),
    ]


def test_an_xlsx_file_with_chinese_headers_and_typed_cells(region_tree, tmp_path):
    from openpyxl import Workbook

    from villagebooks.regions.services import system_user
    from villagebooks.registry.households import ALIASES, COLUMNS, households_import

    one = make_id("19800101")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([ALIASES[c][1] for c in COLUMNS])
    row = person(id_number=one, status_date=date(2024, 1, 1), phone="13812345678")
    sheet.append([row.get(c, "") for c in COLUMNS])
    path = tmp_path / "households.xlsx"
    workbook.save(path)
    result = households_import(actor=system_user(), path=path)
    assert result.persons_created == 1
    assert Household.objects.get().status_since == date(2024, 1, 1)
