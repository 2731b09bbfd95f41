"""Papers attached to lifecycle acts (command, page), checked by content and kept with their
SHA-256; and who takes which step: the county office decides (审核, 验收, 评价) but does not take
the agency's steps (立项, 公示, 实施, 移交); a reporter or an accountant takes none."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.funds import selectors, services
from villagebooks.funds.models import ProjectAct, ProjectDocument, ProjectEntry
from villagebooks.funds.tests.test_pages import client_of
from villagebooks.ledger.tests.importing.support import command_fails, run_command

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def county_user(make_user, region_tree):
    return make_user("county", "county", region_tree["510781000000"])


@pytest.fixture
def declared(road):
    ProjectEntry.objects.filter(ledger=road).update(state_since=date(2025, 2, 1))
    return road


def _step(ledger, actor, to: str, day: date, **kwargs):
    return services.project_advance(actor=actor, ledger=ledger, code="P01", to=to, on=day, **kwargs)


def test_the_county_decides_and_the_agency_takes_its_steps(declared, county_user, manager):
    _step(declared, county_user, "审核", date(2025, 2, 2))
    with pytest.raises(NotPermitted):
        _step(declared, county_user, "立项", date(2025, 2, 3))  # the agency's step
    _step(declared, manager, "立项", date(2025, 2, 3))
    _step(declared, manager, "公示", date(2025, 2, 4))
    _step(declared, manager, "实施", date(2025, 2, 14))
    _step(declared, county_user, "验收", date(2025, 9, 1))
    with pytest.raises(NotPermitted):
        _step(declared, county_user, "移交", date(2025, 9, 2))
    _step(declared, manager, "移交", date(2025, 9, 2))
    entry = _step(declared, county_user, "评价", date(2025, 12, 1))
    assert entry.state == "evaluated"
    actors = list(
        ProjectAct.objects.filter(to_state__in=["reviewed", "accepted", "evaluated"]).values_list(
            "actor__username", flat=True
        )
    )
    assert actors == ["county", "county", "county"]


def test_a_reporter_and_an_accountant_take_no_step(declared, make_user, region_tree, accountant):
    reporter = make_user("cun", "reporter", region_tree["510781100201"], ledger_id=declared.pk)
    for user in (reporter, accountant):
        with pytest.raises(NotPermitted):
            _step(declared, user, "审核", date(2025, 2, 2))


def test_the_county_sees_the_button_only_for_its_decisions(declared, county_user, manager):
    entry = ProjectEntry.objects.get(ledger=declared)
    assert selectors.may_advance(county_user, entry)  # next: 审核
    page = client_of(county_user).get("/funds/ledger/HT01/projects/P01/").content.decode()
    assert 'id="advance"' in page
    _step(declared, county_user, "审核", date(2025, 2, 2))
    entry.refresh_from_db()
    assert not selectors.may_advance(county_user, entry)  # next: 立项, the agency's
    response = client_of(county_user).post("/funds/ledger/HT01/projects/P01/advance/", {"to": "approved"})
    assert response.status_code == 403


def test_the_command_attaches_documents(declared, manager, tmp_path):
    report = tmp_path / "审核意见.pdf"
    report.write_bytes(PDF)
    photo = tmp_path / "公示照片.png"
    photo.write_bytes(PNG)
    run_command(
        "project_advance",
        "--ledger",
        "HT01",
        "--project",
        "P01",
        "--to",
        "审核",
        "--date",
        "2025-02-02",
        "--document",
        str(report),
        "--document",
        str(photo),
        "--user",
        "manager",
    )
    documents = ProjectDocument.objects.order_by("original_name")
    assert [(d.original_name, d.content_type) for d in documents] == [
        ("公示照片.png", "image/png"),
        ("审核意见.pdf", "application/pdf"),
    ]
    assert documents[1].sha256 == hashlib.sha256(PDF).hexdigest()
    assert documents[1].act.to_state == "reviewed"


def test_a_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_recorded(declared, manager, tmp_path):
    bad = tmp_path / "说明.exe"
    bad.write_bytes(b"MZ\x90\x00 not a document")
    problems = "\n".join(
        command_fails(
            "project_advance",
            "--ledger",
            "HT01",
            "--project",
            "P01",
            "--to",
            "审核",
            "--date",
            "2025-02-02",
            "--document",
            str(bad),
            "--user",
            "manager",
        )
    )
    assert "说明.exe" in problems and "PDF" in problems
    assert ProjectEntry.objects.get().state == "declared"
    assert ProjectAct.objects.count() == 1 and not ProjectDocument.objects.exists()
    with pytest.raises(DomainError):
        _step(declared, manager, "审核", date(2025, 2, 2), files=[services.DocumentInput("空.pdf", b"")])


def test_the_page_uploads_and_serves_the_documents(declared, county_user, make_user, region_tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_of(county_user)
    response = client.post(
        "/funds/ledger/HT01/projects/P01/advance/",
        {"to": "reviewed", "date": "2025-02-02", "document": [SimpleUploadedFile("审核意见.pdf", PDF)]},
    )
    assert response.status_code == 302, response.content.decode()
    document = ProjectDocument.objects.get()
    page = client.get("/funds/ledger/HT01/projects/P01/").content.decode()
    assert "审核意见.pdf" in page and document.sha256 in page
    url = f"/funds/ledger/HT01/projects/P01/documents/{document.pk}/"
    assert b"".join(client.get(url).streaming_content) == PDF
    outsider = make_user("wudu", "agency-manager", region_tree["510781101000"])
    assert client_of(outsider).get(url).status_code == 404


def test_the_payment_plan_command_by_shares_of_the_budget(declared):
    out = run_command(
        "project_milestones",
        "--ledger",
        "HT01",
        "--project",
        "P01",
        "--milestone",
        "开工预付款,实施,40%",
        "--milestone",
        "完工款,验收,50%",
        "--milestone",
        "质保金,评价,10%,deposit,fund=县交通局道路补助",
        "--user",
        "accountant",
    )
    assert "80,000.00" in out and "质保金" in out
    plan = list(
        ProjectEntry.objects.get()
        .milestones.order_by("position")
        .values_list("amount_fen", "is_deposit", "fund__name")
    )
    assert plan == [
        (8_000_000, False, None),
        (10_000_000, False, None),
        (2_000_000, True, "县交通局道路补助"),
    ]
    problems = "\n".join(
        command_fails(
            "project_milestones",
            "--ledger",
            "HT01",
            "--project",
            "P01",
            "--milestone",
            "多付,实施,90%",
            "--milestone",
            "再付,验收,20%",
            "--user",
            "accountant",
        )
    )
    assert "超过项目预算" in problems
    problems = "\n".join(
        command_fails(
            "project_milestones",
            "--ledger",
            "HT01",
            "--project",
            "P01",
            "--milestone",
            "付,实施,10%,fund=没有",
            "--user",
            "accountant",
        )
    )
    assert "没有" in problems
