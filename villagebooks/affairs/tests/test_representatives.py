"""Members' representatives (成员代表) and members' meetings: the imports (all or nothing, every
bad row named), the pages (list and form, errors at their fields) and the API, each from both
sides of the permission boundary (the reporter of the village, another village's reporter, a
county reader)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from villagebooks.affairs.models import Meeting, Representative
from villagebooks.affairs.representatives import (
    MEETING_COLUMNS,
    REPRESENTATIVE_COLUMNS,
    meeting_create,
    meetings_import,
    meetings_of,
    representative_create,
    representatives_import,
    representatives_on,
)
from villagebooks.affairs.tests.conftest import HEITAN, TUMEN, _runner
from villagebooks.api.services import api_token_create
from villagebooks.api.tests.conftest import ApiCaller
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def heitan_reporter(make_user, region_tree):
    return make_user("reporter-ht", "reporter", region_tree[HEITAN])


@pytest.fixture
def tumen_reporter(make_user, region_tree):
    return make_user("reporter-tm", "reporter", region_tree[TUMEN])


@pytest.fixture
def county_reader(make_user, region_tree):
    return make_user("county-reader", "supervisor", region_tree["510781000000"])


@pytest.fixture
def import_representatives(tmp_path):
    return _runner(tmp_path, REPRESENTATIVE_COLUMNS, representatives_import)


@pytest.fixture
def import_meetings(tmp_path):
    return _runner(tmp_path, MEETING_COLUMNS, meetings_import)


def rep(id_number, name, **values) -> dict:
    return {"village": HEITAN, "id_number": id_number, "name": name, "since": "2024-01-10", **values}


def meeting(**values) -> dict:
    row = {
        "village": HEITAN,
        "body": "成员代表大会",
        "held_on": "2025-02-15",
        "subject": "村道硬化工程",
        "eligible": "30",
        "present": "25",
    }
    return {**row, **values}


def test_representatives_import_and_list_without_id_numbers(members, import_representatives, heitan_reporter):
    from datetime import date

    result = import_representatives(
        [
            rep(members["zhang"], "张三", until="2029-01-09", households="1-5组"),
            rep(members["wang"], "王五", since="2021-01-01", until="2023-12-31"),
        ],
        actor=heitan_reporter,
    )
    assert result.created == 2
    heitan = Region.objects.get(code=HEITAN)
    serving = representatives_on(heitan, date(2025, 1, 1))
    assert [(r["name"], r["household"], r["households"]) for r in serving] == [("张三", "H001", "1-5组")]
    assert [r["name"] for r in representatives_on(heitan, date(2022, 6, 1))] == ["王五"]
    assert members["zhang"] not in repr(serving)


def test_every_bad_representative_row_is_named_and_nothing_written(members, people, import_representatives):
    rows = [
        rep(members["zhang"], "张三"),
        rep(members["zhang"], "张三"),  # the same person twice
        rep(members["wang"], "王六"),  # not the registry's name
        rep(people["tumen"], "孙七"),  # another village's person
        rep(members["zhao"], "赵六", since="2019-01-01"),  # not yet a member then
        rep(members["li_son"], "李小明", since="2024-13-01"),
        rep(members["zhang_wife"], "刘芳", until="2020-01-01"),  # ends before it starts
    ]
    with pytest.raises(DomainError) as raised:
        import_representatives(rows)
    found = {(p.row, p.field) for p in raised.value.problems}
    assert {
        (3, "id_number"),
        (4, "name"),
        (5, "id_number"),
        (6, "id_number"),
        (7, "since"),
        (8, "until"),
    } <= found
    assert not Representative.objects.exists()


def test_a_representatives_terms_do_not_overlap(members, heitan_reporter):
    heitan = Region.objects.get(code=HEITAN)
    values = {"id_number": members["zhang"], "name": "张三", "since": "2024-01-10", "until": "2026-06-30"}
    representative_create(actor=heitan_reporter, village=heitan, values=values)
    with pytest.raises(DomainError) as raised:
        representative_create(actor=heitan_reporter, village=heitan, values={**values, "since": "2026-01-01"})
    assert raised.value.problems[0].field == "since" and "任期不能重叠" in raised.value.problems[0].message
    representative_create(
        actor=heitan_reporter, village=heitan, values={**values, "since": "2026-07-01", "until": ""}
    )
    assert Representative.objects.count() == 2


def test_only_those_who_keep_the_village_register_record(members, tumen_reporter, county_reader):
    heitan = Region.objects.get(code=HEITAN)
    values = {"id_number": members["zhang"], "name": "张三", "since": "2024-01-10"}
    for user in (tumen_reporter, county_reader):
        with pytest.raises(NotPermitted):
            representative_create(actor=user, village=heitan, values=values)
        with pytest.raises(NotPermitted):
            meeting_create(actor=user, village=heitan, values=meeting())
    assert not Representative.objects.exists() and not Meeting.objects.exists()


def test_meetings_import_with_attendance_judged_by_the_county_rule(members, import_meetings, heitan_reporter):
    result = import_meetings(
        [
            meeting(),
            meeting(
                body="members", held_on="2025-03-01", subject="年度分配方案", eligible="120", present="20"
            ),
        ],
        actor=heitan_reporter,
    )
    assert result.created == 2
    rows = meetings_of(Region.objects.get(code=HEITAN))
    assert [(r["held_on"].isoformat(), r["body_label"], r["quorum"]) for r in rows] == [
        ("2025-03-01", "成员大会", False),
        ("2025-02-15", "成员代表大会", True),
    ]


def test_every_bad_meeting_row_is_named_and_nothing_written(members, import_meetings):
    rows = [
        meeting(body="村民大会"),
        meeting(present="31"),
        meeting(eligible="三十"),
        meeting(held_on="2999-01-01"),
        meeting(subject=""),
        meeting(),
        meeting(),  # the same meeting twice
    ]
    with pytest.raises(DomainError) as raised:
        import_meetings(rows)
    found = {(p.row, p.field) for p in raised.value.problems}
    assert {
        (2, "body"),
        (3, "present"),
        (4, "eligible"),
        (5, "held_on"),
        (6, "subject"),
        (8, "body"),
    } <= found
    assert not Meeting.objects.exists()


def test_pages_list_record_and_show_errors_at_fields(client, members, heitan_reporter):
    client.force_login(heitan_reporter)
    url = f"/affairs/members/{HEITAN}/representatives/"
    page = client.get(url)
    assert page.status_code == 200 and 'id="representative-form"' in page.content.decode()
    bad = client.post(url, {"id_number": members["zhang"], "name": "张三", "since": "2024-02-30"})
    text = bad.content.decode()
    assert bad.status_code == 400 and 'id="id_since_error"' in text and "2024-02-30" in text
    assert not Representative.objects.exists()
    good = client.post(
        url, {"id_number": members["zhang"], "name": "张三", "since": "2024-01-10", "households": "1组"}
    )
    assert good.status_code == 302
    text = client.get(url).content.decode()
    assert "张三" in text and "1组" in text and members["zhang"] not in text
    murl = f"/affairs/members/{HEITAN}/meetings/"
    bad = client.post(
        murl,
        {
            "body": "representatives",
            "held_on": "2025-02-15",
            "subject": "修路",
            "eligible": "30",
            "present": "40",
        },
    )
    assert bad.status_code == 400 and 'id="id_present_error"' in bad.content.decode()
    ok = client.post(
        murl,
        {
            "body": "representatives",
            "held_on": "2025-02-15",
            "subject": "修路",
            "eligible": "30",
            "present": "25",
        },
    )
    assert ok.status_code == 302
    assert "修路" in client.get(murl).content.decode()
    for kind, header in (
        ("representatives", "village,id_number,name,since"),
        ("meetings", "village,body,held_on"),
    ):
        template = client.get(f"/affairs/members/templates/{kind}.csv")
        assert template.content.decode("utf-8-sig").startswith(header)
        upload = client.post(
            f"/affairs/members/import/{kind}/",
            {"file": SimpleUploadedFile("x.csv", (header + "\n").encode())},
        )
        assert upload.status_code == 200 and 'id="import-problems"' in upload.content.decode()


def test_pages_other_side_of_the_boundary(client, members, tumen_reporter, county_reader):
    client.force_login(tumen_reporter)
    for path in ("representatives", "meetings"):
        assert client.get(f"/affairs/members/{HEITAN}/{path}/").status_code == 404
        assert client.post(f"/affairs/members/{HEITAN}/{path}/", {"subject": "x"}).status_code == 404
    client.force_login(county_reader)
    page = client.get(f"/affairs/members/{HEITAN}/representatives/")
    assert page.status_code == 200 and 'id="representative-form"' not in page.content.decode()
    post = client.post(
        f"/affairs/members/{HEITAN}/representatives/",
        {"id_number": members["zhang"], "name": "张三", "since": "2024-01-10"},
    )
    assert post.status_code == 403 and not Representative.objects.exists()


def test_api_reads_and_writes_within_scope(members, heitan_reporter, tumen_reporter, county_reader):
    own = ApiCaller(api_token_create(actor=heitan_reporter, name="测试").secret)
    created = own.post(
        f"/api/affairs/villages/{HEITAN}/representatives",
        {"id_number": members["zhang"], "name": "张三", "since": "2024-01-10"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["name"] == "张三" and "id_number" not in created.json()
    bad = own.post(f"/api/affairs/villages/{HEITAN}/meetings", {**meeting(), "present": "99"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "present"
    assert own.post(f"/api/affairs/villages/{HEITAN}/meetings", meeting()).status_code == 201
    reader = ApiCaller(api_token_create(actor=county_reader, name="测试").secret)
    listed = reader.get(f"/api/affairs/villages/{HEITAN}/representatives?on=2025-01-01").json()
    assert [r["name"] for r in listed] == ["张三"]
    assert [m["subject"] for m in reader.get(f"/api/affairs/villages/{HEITAN}/meetings").json()] == [
        "村道硬化工程"
    ]
    forbidden = reader.post(f"/api/affairs/villages/{HEITAN}/meetings", meeting(held_on="2025-02-16"))
    assert forbidden.status_code == 403
    other = ApiCaller(api_token_create(actor=tumen_reporter, name="测试").secret)
    assert other.get(f"/api/affairs/villages/{HEITAN}/representatives").status_code == 404
    assert (
        other.post(f"/api/affairs/villages/{HEITAN}/meetings", meeting(held_on="2025-02-17")).status_code
        == 404
    )
    assert Meeting.objects.count() == 1


def test_the_import_commands_write_all_or_nothing(members, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from villagebooks.registry.tests.conftest import write_csv

    good = write_csv(tmp_path / "reps.csv", [rep(members["zhang"], "张三")], REPRESENTATIVE_COLUMNS)
    out = StringIO()
    call_command("import_representatives", str(good), stdout=out)
    assert "新增 1" in out.getvalue() and Representative.objects.count() == 1
    bad = write_csv(tmp_path / "meetings.csv", [meeting(), meeting(present="31")], MEETING_COLUMNS)
    with pytest.raises(CommandError, match="第3行 present"):
        call_command("import_meetings", str(bad), stdout=StringIO())
    assert not Meeting.objects.exists()
