"""What households received (part 5): who received what in a village or region, totals by programme
and household status, and the cadres' households' share against their share of the persons —
on the page, in ``report subsidy-received`` and in the API."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command

from villagebooks.common.errors import DomainError
from villagebooks.ledger import services as ledger_services
from villagebooks.registry import subsidies as S
from villagebooks.registry.models import Programme
from villagebooks.registry.received import received
from villagebooks.registry.tests.conftest import TUMEN, make_card, make_id, person, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(region_tree, import_rows, ledger, accountant, tmp_path):
    """H001: 张三 (村委会主任) and his wife; H002: 王五 (脱贫户); H003: 赵六 and 钱七 (一般户);
    a list of 500 each to 张三, 王五 and 赵六, paid in March 2025."""
    people = {key: (make_id(birth), make_card()) for key, birth in
              (("zhang", "19600101"), ("wife", "19620101"), ("wang", "19700101"), ("zhao", "19750101"),
               ("qian", "19770101"))}  # fmt: skip
    import_rows(
        [
            person(id_number=people["zhang"][0], name="张三", bank_card=people["zhang"][1], bank="农商行",
                   cadre_role="村委会主任"),
            person(id_number=people["wife"][0], name="李四", relation="配偶"),
            person(id_number=people["wang"][0], name="王五", household="H002", status="脱贫户",
                   bank_card=people["wang"][1], bank="农商行"),
            person(id_number=people["zhao"][0], name="赵六", household="H003", bank_card=people["zhao"][1],
                   bank="农商行"),
            person(id_number=people["qian"][0], name="钱七", household="H003", relation="子女"),
        ]
    )  # fmt: skip
    ledger_services.fund_create(
        actor=accountant, ledger=ledger, name="民生补助资金", kind="livelihood_subsidy"
    )
    Programme.objects.create(code="TP", name="产业奖补", region=region_tree["510781000000"],
                             fund_kind="livelihood_subsidy", basis="person", standard_fen=50000, frequency="year")  # fmt: skip
    rows = [[people[k][0], name, "1", "500", "500", people[k][1]] for k, name in
            (("zhang", "张三"), ("wang", "王五"), ("zhao", "赵六"))]  # fmt: skip
    S.subsidy_list_import(actor=accountant, path=write_csv(tmp_path / "l.csv", rows, columns=S.LIST_COLUMNS),
                          ledger=ledger, programme_code="TP", batch_code="B1", pay_date=date(2025, 3, 1))  # fmt: skip
    return people


def test_who_received_what_with_totals_and_the_cadres_share(paid, accountant):
    report = received(user=accountant, region_code="510781100201", from_key=202501, to_key=202512)
    assert [(r["household"], r["name"], r["cadre"], r["amount_fen"]) for r in report.rows] == [
        ("H001", "张三", True, 50000),
        ("H002", "王五", False, 50000),
        ("H003", "赵六", False, 50000),
    ]
    assert all("*" in r["id_number"] for r in report.rows)
    assert [(t.key, t.persons, t.amount_fen) for t in report.by_programme] == [("产业奖补", 3, 150000)]
    assert [(t.key, t.persons, t.amount_fen) for t in report.by_status] == [
        ("一般户", 2, 100000),
        ("脱贫户", 1, 50000),
    ]
    assert (report.total_fen, report.cadres_fen) == (150000, 50000)
    assert (report.cadres_share, report.population_share) == (33.3, 40.0)  # 1/3 of the money, 2 of 5 persons
    assert (
        received(user=accountant, region_code="510781100201", from_key=202504, to_key=202512).total_fen == 0
    )


def test_a_region_outside_the_users_scope_is_refused(paid, make_user, region_tree):
    outsider = make_user("wudu", "accountant", region_tree["510781101000"])
    with pytest.raises(DomainError) as excinfo:
        received(user=outsider, region_code="510781100201", from_key=202501, to_key=202512)
    assert excinfo.value.problems[0].field == "region"
    reporter = make_user("tumen", "reporter", region_tree[TUMEN])
    with pytest.raises(DomainError):
        received(user=reporter, region_code="510781100201", from_key=202501, to_key=202512)


def test_page_cli_and_api_agree(client, paid, reviewer):
    client.force_login(reviewer)
    page = client.get("/registry/received/", {"region": "510781100000", "from": "2025-01", "to": "2025-12"})
    html = page.content.decode()
    assert page.status_code == 200 and "张三" in html and "33.3%" in html and "40.0%" in html
    answer = client.get(
        "/api/registry/received", {"region": "510781100000", "from": "2025-01", "to": "2025-12"}
    )
    body = answer.json()
    assert (body["total"], body["cadres"], body["cadres_share"], body["population_share"]) == (
        "1500.00", "500.00", 33.3, 40.0)  # fmt: skip
    out = io.StringIO()
    call_command("report", "subsidy-received", "--user", "reviewer", "--region", "510781100000", "--from", "2025-01",
                 "--to", "2025-12", "--format", "csv", stdout=out)  # fmt: skip
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:3] == ["村", "户编号", "姓名"] and len(rows) == 4
    assert [r[2] for r in rows[1:]] == ["张三", "王五", "赵六"] and rows[1][5] == "是"
    table = io.StringIO()
    call_command("report", "subsidy-received", "--user", "reviewer", "--region", "510781100000", "--from", "2025-01",
                 "--to", "2025-12", stdout=table)  # fmt: skip
    assert "33.3%" in table.getvalue() and "产业奖补\t3\t1500.00" in table.getvalue()


@pytest.mark.parametrize("months", [{}, {"from": "2025-01", "to": "2025-12"}])
def test_the_page_refuses_a_region_outside_the_users_scope(client, paid, make_user, region_tree, months):
    outsider = make_user("wudu", "accountant", region_tree["510781101000"])
    client.force_login(outsider)
    assert client.get("/registry/received/", {"region": "510781100201", **months}).status_code == 404
    assert client.get("/registry/received/", {"region": "999999999999", **months}).status_code == 404
    # The other side: the user's own township, and the page without a region (the form).
    own = client.get("/registry/received/", {"region": "510781101000", **months})
    assert own.status_code == 200
    assert client.get("/registry/received/").status_code == 200
    insider = make_user("xinan", "accountant", region_tree["510781100000"])
    client.force_login(insider)
    page = client.get("/registry/received/", {"region": "510781100201", **months})
    assert page.status_code == 200 and ("张三" in page.content.decode()) == bool(months)
