"""Every output of the registry for the roles that see identifiers masked: each registry page, API
answer, CSV, XLSX and PDF, the payment voucher's page, print layout, PDF and API, and a voucher
whose counterparty was written as an ID number — walked for a full ID number, bank card or phone.
None may be found. The accountant (who may see them) gets the reconciliation's files unmasked,
and each is recorded."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from villagebooks.common.models import AuditEntry
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Voucher
from villagebooks.registry import subsidies as S
from villagebooks.registry.models import Household, Person
from villagebooks.registry.tests.conftest import write_csv
from villagebooks.registry.tests.test_privacy import full_values, registry  # noqa: F401

pytestmark = pytest.mark.django_db
MONTHS = {"from": "2025-01", "to": "2025-12"}


@pytest.fixture
def books(registry, ledger, accountant, reviewer, tmp_path):  # noqa: F811
    """张三's list paid (voucher posted, by a second user), a bank return, and a loan to 张三
    written on the grid by his ID number."""
    path = write_csv(tmp_path / "l.csv", [[registry["id"], "张三", "1", "500", "500", registry["card"]]],
                     columns=S.LIST_COLUMNS)  # fmt: skip
    S.subsidy_list_import(actor=accountant, path=path, ledger=ledger, programme_code="TP", batch_code="B1",
                          pay_date=date(2025, 3, 1), pay=True, reviewer_username="reviewer")  # fmt: skip
    returned = write_csv(tmp_path / "r.csv", [[registry["id"], "张三", registry["card"], "500", "成功", ""]],
                         columns=S.RETURN_COLUMNS)  # fmt: skip
    S.bank_return_import(actor=accountant, path=returned, ledger=ledger, batch_code="B1")
    lines = [
        LineInput("借给农户", "112", debit_fen=80000, counterparty_name=registry["id"]),
        LineInput("借给农户", "101", credit_fen=80000),
    ]
    loan = ledger_services.voucher_create(actor=accountant, ledger=ledger, date=date(2025, 3, 5), lines=lines,
                                          submit=True)  # fmt: skip
    ledger_services.voucher_review(actor=reviewer, voucher=loan)
    ledger_services.voucher_post(actor=accountant, voucher=loan)
    return registry


def _pdf(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _xlsx(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " ".join("" if v is None else str(v) for v in row)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
    )


def outputs(client, user) -> dict[str, str]:
    client.force_login(user)
    household = Household.objects.get(number="H001")
    texts = {}

    def page(name, url, params=None):
        response = client.get(url, params or {})
        assert response.status_code in (200, 404), (name, response.status_code)
        texts[name] = response.content.decode()

    page("home", "/registry/", {"q": "张"})
    page("household", f"/registry/households/{household.pk}/")
    page("household reveal", f"/registry/households/{household.pk}/", {"reveal": "1"})
    page("person edit", f"/registry/persons/{Person.objects.get(name='张三').pk}/edit/")
    page("import", "/registry/import/")
    page("reconciliation", "/registry/reconciliation/", {"ledger": "HT01", **MONTHS})
    page("received", "/registry/received/", {"region": "510781100000", **MONTHS})
    page("api households", "/api/registry/households")
    page("api household", f"/api/registry/households/{household.pk}")
    page("api household reveal", f"/api/registry/households/{household.pk}", {"reveal": "true"})
    page("api reconciliation", "/api/registry/reconciliation", {"ledger": "HT01", **MONTHS})
    page("api received", "/api/registry/received", {"region": "510781100000", **MONTHS})
    files = {
        "households": ("/registry/households", {}),
        "payments": (f"/registry/households/{household.pk}/payments", {}),
        "reconciliation": ("/registry/reconciliation", {"ledger": "HT01", **MONTHS}),
        "received": ("/registry/received", {"region": "510781100000", **MONTHS}),
    }
    for name, (base, params) in files.items():
        for fmt, read in (("csv", lambda c: c.decode("utf-8-sig")), ("xlsx", _xlsx), ("pdf", _pdf)):
            response = client.get(f"{base}.{fmt}", params)
            assert response.status_code == 200, (name, fmt, response.content[:300])
            texts[f"{name}.{fmt}"] = read(response.content)
    for voucher in Voucher.objects.all():
        base = f"/ledgers/HT01/vouchers/{voucher.pk}"
        page(f"voucher {voucher.pk}", f"{base}/")
        page(f"voucher {voucher.pk} print", f"{base}/print/")
        page(f"voucher {voucher.pk} api", f"/api{base}")
        texts[f"voucher {voucher.pk} pdf"] = _pdf(client.get(f"{base}.pdf").content)
    for report, target in (("subsidy-reconciliation", ["--ledger", "HT01"]),
                           ("subsidy-received", ["--region", "510781100000"])):  # fmt: skip
        out = io.StringIO()
        call_command("report", report, "--user", user.username, *target, "--from", "2025-01", "--to", "2025-12",
                     "--format", "csv", stdout=out)  # fmt: skip
        texts[f"cli {report}"] = out.getvalue()
    return texts


@pytest.mark.parametrize("role", ["reviewer", "supervisor", "county"])
def test_no_output_anywhere_shows_a_full_identifier_to_a_masked_role(
    client, books, make_user, region_tree, role
):
    user = make_user(f"{role}-1", role, region_tree["510781100000" if role != "county" else "510781000000"])
    texts = outputs(client, user)
    masked = f"{books['id'][:4]}********{books['id'][-4:]}"
    for where in ("household", "api household", "households.xlsx", "payments.pdf", "received.csv",
                  "reconciliation.pdf", "cli subsidy-received"):  # fmt: skip
        assert masked in texts[where], where
    assert "张三" in texts["received.pdf"] and "张三" in texts["reconciliation.xlsx"]
    leaks = [(where, value) for where, text in texts.items() for value in full_values(books) if value in text]
    assert leaks == []
    assert not AuditEntry.objects.filter(action="personal_data_view", actor=user).exists()


def test_the_accountant_gets_the_reconciliation_file_unmasked_and_it_is_recorded(client, books, accountant):
    client.force_login(accountant)
    content = client.get("/registry/reconciliation.xlsx", {"ledger": "HT01", **MONTHS}).content
    assert books["id"] in _xlsx(content)
    assert AuditEntry.objects.filter(
        action="personal_data_view", actor=accountant, detail__via="xlsx"
    ).exists()
    # The household list and a household's payments are masked for everyone.
    assert books["id"] not in client.get("/registry/households.csv").content.decode("utf-8-sig")
