"""A counterparty written as the ID number of a person of the registry, in a voucher import and
on the voucher grid: the line is booked to that person's counterparty, shown by name with the ID
masked, and the full number appears on no voucher page, file or API answer."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader

from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.importing import vouchers_import
from villagebooks.ledger.models import Counterparty, Voucher, VoucherLine
from villagebooks.registry.models import Person
from villagebooks.registry.tests.conftest import make_id, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang(region_tree, import_rows):
    import_rows([person(id_number=make_id("19650101"), name="张三")])
    return Person.objects.get(name="张三")


def _import(tmp_path, accountant, party, key="V1"):
    path = tmp_path / f"{key}.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["ledger", "voucher", "date", "summary", "account", "debit", "credit", "fund", "counterparty"]
        )
        writer.writerow(["HT01", key, "2025-03-05", "借给农户", "112", "800.00", "", "", party])
        writer.writerow(["HT01", key, "2025-03-05", "借给农户", "101", "", "800.00", "", ""])
    return vouchers_import(actor=accountant, path=path, post=True)


def test_an_imported_id_number_counterparty_is_the_person_shown_masked_everywhere(
    client, zhang, ledger, accountant, reviewer, tmp_path
):
    _import(tmp_path, accountant, zhang.id_number)
    voucher = Voucher.objects.get()
    line = voucher.lines.get(line_no=1)
    masked = f"{zhang.id_number[:4]}********{zhang.id_number[-4:]}"
    assert line.counterparty.person_key == zhang.pk
    assert line.counterparty.name == f"张三（{masked}）" and line.counterparty.kind == "person"
    assert not Counterparty.objects.filter(name__contains=zhang.id_number).exists()
    # Written again (a second import, or the 18 characters with a lower-case x): the same counterparty.
    _import(tmp_path, accountant, zhang.id_number.lower(), key="V2")
    assert Counterparty.objects.filter(person_key=zhang.pk).count() == 1
    assert VoucherLine.objects.filter(counterparty__person_key=zhang.pk).count() == 2

    for user in (reviewer, accountant):
        client.force_login(user)
        base = f"/ledgers/HT01/vouchers/{voucher.pk}"
        texts = {
            "desk": client.get(f"{base}/").content.decode(),
            "print": client.get(f"{base}/print/").content.decode(),
            "api": client.get(f"/api{base}").content.decode(),
            "api list": client.get("/api/ledgers/HT01/vouchers").content.decode(),
        }
        pdf = client.get(f"{base}.pdf")
        assert pdf.status_code == 200
        texts["pdf"] = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        params = {"from": "2025-03", "to": "2025-03", "account": "112"}
        texts["detail csv"] = client.get("/ledgers/HT01/reports/detail-ledger.csv", params).content.decode()
        texts["dimension csv"] = client.get(
            "/ledgers/HT01/reports/dimension.csv", params | {"by": "counterparty"}
        ).content.decode()
        assert "张三" in texts["desk"] and "张三" in texts["api"] and "张三" in texts["pdf"]
        assert masked in texts["desk"] and masked in texts["api"]
        assert [where for where, text in texts.items() if zhang.id_number in text] == []
    assert not AuditEntry.objects.filter(detail__icontains=zhang.id_number).exists()


def test_on_the_grid_an_id_number_is_the_person_and_the_log_keeps_the_name(zhang, ledger, accountant):
    lines = [
        LineInput("借给农户", "112", debit_fen=80000, counterparty_name=zhang.id_number),
        LineInput("借给农户", "101", credit_fen=80000),
    ]
    voucher = ledger_services.voucher_create(
        actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=lines
    )
    party = voucher.lines.get(line_no=1).counterparty
    assert party.person_key == zhang.pk
    # Saved again from the grid, which now shows the name: still the same person.
    lines[0] = lines[0]._replace(counterparty_name=party.name)
    ledger_services.voucher_update(actor=accountant, voucher=voucher, date=date(2025, 3, 6), lines=lines)
    assert voucher.lines.get(line_no=1).counterparty_id == party.pk
    entries = AuditEntry.objects.filter(action__in=["voucher_create", "voucher_update"])
    assert entries.count() == 2
    assert all(zhang.id_number not in str(entry.detail) for entry in entries)
    assert party.name in str(entries.get(action="voucher_create").detail)


def test_an_id_number_of_nobody_in_the_registry_stays_an_unknown_counterparty(
    region_tree, ledger, accountant
):
    from villagebooks.common.errors import DomainError

    lines = [
        LineInput("借款", "112", debit_fen=100, counterparty_name=make_id()),
        LineInput("借款", "101", credit_fen=100),
    ]
    with pytest.raises(DomainError) as excinfo:
        ledger_services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=lines)
    assert [p.field for p in excinfo.value.problems] == ["counterparty"]


def test_the_household_page_lists_the_books_lines_of_its_persons(
    client, zhang, ledger, accountant, tmp_path, make_user, region_tree
):
    _import(tmp_path, accountant, zhang.id_number)
    voucher = Voucher.objects.get()
    client.force_login(accountant)
    page = client.get(f"/registry/households/{zhang.household_id}/").content.decode()
    assert 'id="booked"' in page and "借给农户" in page and f"/ledgers/HT01/vouchers/{voucher.pk}/" in page
    assert zhang.id_number not in page
    # A user who sees the household but not the ledger (the county of another township's books is
    # not the case here: a village reporter of another ledger) does not see the line.
    other = ledger_services.ledger_create(actor=accountant, village_code="510781100201", code="HT02",
                                          name="黑滩村另一账套", chart="2023", start_year=2025, start_month=1)  # fmt: skip
    reporter = make_user("cun2", "reporter", region_tree["510781100201"], ledger_id=other.pk)
    client.force_login(reporter)
    page = client.get(f"/registry/households/{zhang.household_id}/").content.decode()
    assert "张三" in page and 'id="booked"' not in page


def test_the_entry_grid_page_takes_an_id_number_and_shows_the_name(client, zhang, ledger, accountant):
    from villagebooks.workspace.tests.vouchers_pages import grid_post

    client.force_login(accountant)
    rows = [
        {"summary": "借给农户", "account": "112", "counterparty": zhang.id_number, "debit": "800"},
        {"summary": "借给农户", "account": "101", "credit": "800"},
    ]
    response = client.post("/ledgers/HT01/entry/", grid_post("2025-03-05", rows))
    assert response.status_code == 302, response.content.decode()[:500]
    voucher = Voucher.objects.get()
    assert voucher.lines.get(line_no=1).counterparty.person_key == zhang.pk
    edit = client.get(f"/ledgers/HT01/vouchers/{voucher.pk}/edit/").content.decode()
    assert "张三（" in edit and zhang.id_number not in edit
