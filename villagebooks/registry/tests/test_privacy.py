"""Privacy and scope of the registry's pages, API and files: identifiers masked unless allowed and
asked for, every unmasked view recorded, another village's household a 404, a village reporter
correcting the persons of their own village only."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from villagebooks.common.models import AuditEntry
from villagebooks.regions.services import system_user
from villagebooks.registry import subsidies as S
from villagebooks.registry.models import Household, Person, Programme, RegistryChange
from villagebooks.registry.tests.conftest import HEITAN, TUMEN, make_card, make_id, person, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(region_tree, import_rows, ledger, accountant):
    """黑滩村 H001 (张三 with ID, card and phone) and 土门村 T001 (王五); a paid-out list of 张三."""
    from villagebooks.ledger import services as ledger_services

    secrets = {"id": make_id("19650101"), "card": make_card(), "phone": "13912345678", "other_id": make_id()}
    import_rows(
        [
            person(id_number=secrets["id"], bank_card=secrets["card"], bank="农商行", phone=secrets["phone"],
                   status="脱贫户"),
            person(id_number=secrets["other_id"], village=TUMEN, household="T001", name="王五"),
        ]
    )  # fmt: skip
    ledger_services.fund_create(
        actor=accountant, ledger=ledger, name="民生补助资金", kind="livelihood_subsidy"
    )
    Programme.objects.create(code="TP", name="产业奖补", region=region_tree["510781000000"],
                             fund_kind="livelihood_subsidy", basis="person", standard_fen=50000, frequency="year")  # fmt: skip
    return secrets


@pytest.fixture
def paid(registry, ledger, accountant, tmp_path):
    path = write_csv(tmp_path / "l.csv", [[registry["id"], "张三", "1", "500", "500", registry["card"]]],
                     columns=S.LIST_COLUMNS)  # fmt: skip
    S.subsidy_list_import(actor=accountant, path=path, ledger=ledger, programme_code="TP", batch_code="B1",
                          pay_date=date(2025, 3, 1))  # fmt: skip
    return registry


def full_values(secrets) -> list[str]:
    return [secrets["id"], secrets["card"], secrets["phone"], secrets["other_id"]]


def outputs(client, user) -> dict[str, str]:
    """Every output the registry has, as ``user`` gets it without asking for identifiers."""
    client.force_login(user)
    household = Household.objects.get(number="H001")
    texts = {
        "home": client.get("/registry/", {"q": "张"}).content.decode(),
        "household page": client.get(f"/registry/households/{household.pk}/").content.decode(),
        "household page, reveal": client.get(
            f"/registry/households/{household.pk}/", {"reveal": "1"}
        ).content.decode(),
        "api list": client.get("/api/registry/households").content.decode(),
        "api household": client.get(f"/api/registry/households/{household.pk}").content.decode(),
        "api household, reveal": client.get(
            f"/api/registry/households/{household.pk}", {"reveal": "true"}
        ).content.decode(),
        "reconciliation page": client.get(
            "/registry/reconciliation/", {"ledger": "HT01", "from": "2025-01", "to": "2025-12"}
        ).content.decode(),
        "api reconciliation": client.get(
            "/api/registry/reconciliation", {"ledger": "HT01", "from": "2025-01", "to": "2025-12"}
        ).content.decode(),
    }
    out = io.StringIO()
    call_command("report", "subsidy-reconciliation", "--user", user.username, "--ledger", "HT01",
                 "--from", "2025-01", "--to", "2025-12", "--format", "csv", stdout=out)  # fmt: skip
    texts["csv"] = out.getvalue()
    return texts


def test_no_output_shows_a_full_identifier_to_a_user_who_may_not_see_them(client, paid, reviewer):
    texts = outputs(client, reviewer)
    assert "张三" in texts["household page"] and "张三" in texts["api household"] and "B1" in texts["csv"]
    assert "B1" in texts["reconciliation page"] and "张三" in texts["reconciliation page"]
    leaks = [(where, value) for where, text in texts.items() for value in full_values(paid) if value in text]
    assert leaks == []
    masked = f"{paid['id'][:4]}********{paid['id'][-4:]}"
    assert masked in texts["household page"] and masked in texts["api household"] and masked in texts["csv"]
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()


def test_a_permitted_user_sees_identifiers_only_when_asked_and_each_view_is_recorded(
    client, paid, accountant
):
    client.force_login(accountant)
    household = Household.objects.get(number="H001")
    page = client.get(f"/registry/households/{household.pk}/").content.decode()
    assert paid["id"] not in page and 'id="reveal"' in page
    assert not AuditEntry.objects.filter(action="personal_data_view").exists()
    page = client.get(f"/registry/households/{household.pk}/", {"reveal": "1"}).content.decode()
    assert paid["id"] in page and paid["card"] in page and paid["phone"] in page
    answer = client.get(f"/api/registry/households/{household.pk}", {"reveal": "true"}).json()
    assert answer["persons"][0]["id_number"] == paid["id"] and answer["persons"][0]["unmasked"] is True
    views = AuditEntry.objects.filter(action="personal_data_view").order_by("id")
    zhang = Person.objects.get(id_number=paid["id"])
    assert [(v.actor, v.object_type, v.object_id, v.detail["via"], v.detail["fields"]) for v in views] == [
        (accountant, "Person", zhang.pk, "page", ["bank_card", "id_number", "phone"]),
        (accountant, "Person", zhang.pk, "api", ["bank_card", "id_number", "phone"]),
    ]


def test_another_villages_household_is_a_404(client, registry, make_user, region_tree):
    tumen_reporter = make_user("tumen", "reporter", region_tree[TUMEN])
    client.force_login(tumen_reporter)
    heitan = Household.objects.get(number="H001")
    zhang = Person.objects.get(id_number=registry["id"])
    assert client.get(f"/registry/households/{heitan.pk}/").status_code == 404
    assert client.get(f"/registry/persons/{zhang.pk}/edit/").status_code == 404
    assert (
        client.post(
            f"/registry/persons/{zhang.pk}/edit/", {"name": "改", "relation": "户主", "alive": "on"}
        ).status_code
        == 404
    )
    assert client.get(f"/api/registry/households/{heitan.pk}").status_code == 404
    assert [h["number"] for h in client.get("/api/registry/households").json()] == ["T001"]
    assert Person.objects.get(pk=zhang.pk).name == "张三"
    own = Household.objects.get(number="T001")
    assert client.get(f"/registry/households/{own.pk}/").status_code == 200


def test_a_supervisor_sees_but_cannot_correct(client, registry, make_user, region_tree):
    supervisor = make_user("jiwei", "supervisor", region_tree["510781000000"])
    client.force_login(supervisor)
    heitan = Household.objects.get(number="H001")
    zhang = Person.objects.get(id_number=registry["id"])
    page = client.get(f"/registry/households/{heitan.pk}/").content.decode()
    assert "张三" in page and f"/registry/persons/{zhang.pk}/edit/" not in page
    assert client.get(f"/registry/persons/{zhang.pk}/edit/").status_code == 404


def test_a_village_reporter_corrects_a_person_of_their_village(client, registry, make_user, region_tree):
    reporter = make_user("heitan", "reporter", region_tree[HEITAN])
    client.force_login(reporter)
    zhang = Person.objects.get(id_number=registry["id"])
    form = {"name": "张三", "relation": "户主", "phone": "13800000000", "bank_card": registry["card"], "bank": "农商行",
            "alive": "", "death_date": "2025-05-01", "is_member": "on"}  # fmt: skip
    response = client.post(f"/registry/persons/{zhang.pk}/edit/", form)
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert (zhang.alive, zhang.death_date, zhang.phone) == (False, date(2025, 5, 1), "13800000000")
    changes = {c.field: (c.before, c.after) for c in RegistryChange.objects.filter(changed_by=reporter)}
    assert changes == {
        "phone": (registry["phone"], "13800000000"),
        "alive": ("True", "False"),
        "death_date": ("", "2025-05-01"),
    }
    # The household page shows the history with the phone masked.
    page = client.get(f"/registry/households/{zhang.household_id}/").content.decode()
    assert "138****0000" in page and "13800000000" not in page
    # A bad card is refused with its reason and changes nothing.
    response = client.post(f"/registry/persons/{zhang.pk}/edit/", form | {"bank_card": "6217000000000000001"})
    assert response.status_code == 200 and "Luhn" in response.content.decode()


def test_the_import_command_names_bad_rows(region_tree, tmp_path):
    from django.core.management.base import CommandError

    path = write_csv(tmp_path / "bad.csv", [person(id_number="510781198001010000")])
    with pytest.raises(CommandError) as excinfo:
        call_command("import_households", str(path), stdout=io.StringIO())
    assert "第2行 id_number" in str(excinfo.value)
    assert system_user() and not Person.objects.exists()


def test_the_household_page_lists_what_the_household_received(client, paid, reviewer):
    client.force_login(reviewer)
    household = Household.objects.get(number="H001")
    page = client.get(f"/registry/households/{household.pk}/").content.decode()
    payments = page[page.index('id="payments"') :]
    assert "产业奖补" in payments and "B1" in payments and "500.00" in payments


def test_the_reconciliation_page_shows_ids_to_the_accountant_and_hides_other_ledgers(
    client, paid, accountant, make_user, region_tree
):
    client.force_login(accountant)
    page = client.get("/registry/reconciliation/", {"ledger": "HT01", "from": "2025-01", "to": "2025-12"})
    assert paid["id"] in page.content.decode()
    assert AuditEntry.objects.filter(action="personal_data_view", detail__via="page").count() == 1
    client.force_login(make_user("tumen", "reporter", region_tree[TUMEN]))
    response = client.get("/registry/reconciliation/", {"ledger": "HT01", "from": "2025-01", "to": "2025-12"})
    assert response.status_code == 404


def test_a_village_reporter_imports_the_persons_of_their_village_from_a_page(
    client, region_tree, make_user, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    reporter = make_user("heitan", "reporter", region_tree[HEITAN])
    client.force_login(reporter)
    own = write_csv(tmp_path / "own.csv", [person()])
    response = client.post("/registry/import/", {"file": SimpleUploadedFile("own.csv", own.read_bytes())})
    assert 'id="import-summary"' in response.content.decode()
    assert Person.objects.count() == 1
    other = write_csv(tmp_path / "other.csv", [person(village=TUMEN, household="T9")])
    response = client.post("/registry/import/", {"file": SimpleUploadedFile("other.csv", other.read_bytes())})
    page = response.content.decode()
    assert 'id="import-problems"' in page and "第2行 village" in page and "土门村" in page
    assert Person.objects.count() == 1
    client.force_login(make_user("jiwei", "supervisor", region_tree["510781000000"]))
    assert client.get("/registry/import/").status_code == 404


def test_the_share_of_cadres_households(paid, reviewer):
    from villagebooks.registry.models import Person
    from villagebooks.registry.selectors import cadre_share

    Person.objects.filter(id_number=paid["id"]).update(cadre_role="村委会主任")
    share = cadre_share(reviewer, 2025)
    assert (share["total_fen"], share["cadres_fen"], share["cadres_share"], share["population_share"]) == (
        50000, 50000, 100.0, 50.0,
    )  # fmt: skip


def test_the_registry_home_shows_the_share(client, paid, reviewer, monkeypatch):
    from villagebooks.registry import views
    from villagebooks.registry.selectors import cadre_share

    monkeypatch.setattr(views, "cadre_share", lambda user, year: cadre_share(user, 2025))
    client.force_login(reviewer)
    page = client.get("/registry/").content.decode()
    assert "合计 500.00 元，其中村干部及其近亲属户 0.00 元（0.0%），这些户的人口占 0.0%。" in page
