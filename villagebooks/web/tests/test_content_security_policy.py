"""Every page carries a Content-Security-Policy that runs no inline script and lets no other site
frame it; an uploaded file shown inline is a sandboxed document of its own; and no template of
the app has inline script for the policy to break."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template import engines

from villagebooks.common.csp import ATTACHMENT_POLICY, HEADER, PAGE_POLICY, PDF_POLICY
from villagebooks.ledger import services
from villagebooks.workspace.tests.vouchers_pages import PDF, PNG, logged_in, office_voucher

PACKAGE = Path(__file__).resolve().parents[2]
REQUIRED = [
    "script-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_the_page_policy_has_every_directive_the_review_asked_for():
    directives = _directives(PAGE_POLICY)
    for wanted in REQUIRED:
        assert directives[wanted.split()[0]] == wanted
    assert "'unsafe-inline'" not in PAGE_POLICY and "'unsafe-eval'" not in PAGE_POLICY


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/ledgers/HT01/reports/trial-balance/",
        "/ledgers/HT01/reports/trial-balance/?print=1",
        "/ledgers/HT01/vouchers/new/",
        "/ledgers/HT01/review/",
        "/claims/",
        "/api/docs",
        "/api/openapi.json",
        "/ledgers/NOPE/reports/trial-balance/",  # the app's 404 page
    ],
)
def test_every_page_carries_the_policy(client, ledger, accountant, path):
    client.force_login(accountant)
    response = client.get(path)
    assert response.status_code in (200, 404), (path, response.status_code)
    assert response[HEADER] == PAGE_POLICY


def test_a_page_before_login_carries_it_too(client, db):
    assert client.get("/login/")[HEADER] == PAGE_POLICY


def test_an_attachment_shown_inline_is_sandboxed(ledger, accountant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    voucher = office_voucher(ledger, accountant, submit=True)
    picture = services.attachment_add(actor=accountant, voucher=voucher, name="发票.png", content=PNG)
    scan = services.attachment_add(actor=accountant, voucher=voucher, name="合同.pdf", content=PDF)
    client = logged_in(accountant)
    image = client.get(f"/ledgers/HT01/vouchers/{voucher.pk}/files/{picture.pk}/")
    assert image[HEADER] == ATTACHMENT_POLICY
    assert _directives(image[HEADER])["sandbox"] == "sandbox"
    assert image["X-Content-Type-Options"] == "nosniff"
    # A PDF is framed by the review desk: a browser shows no PDF in a sandbox, so it gets the
    # framing and form rules only; still no other site may frame it.
    document = client.get(f"/ledgers/HT01/vouchers/{voucher.pk}/files/{scan.pk}/")
    assert document[HEADER] == PDF_POLICY
    assert _directives(document[HEADER])["frame-ancestors"] == "frame-ancestors 'self'"
    assert document["X-Content-Type-Options"] == "nosniff"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def _templates() -> list[Path]:
    found = [path for path in PACKAGE.rglob("templates/**/*.html")]
    # The API docs' page comes from django-ninja: its scripts are static files too.
    ninja = Path(engines["django"].engine.get_template("ninja/swagger.html").origin.name)
    return [*found, ninja]


def test_no_template_has_inline_script_or_style():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            offenders += [f"{path.name}: {match.group(0)}" for match in pattern.finditer(text)]
    assert offenders == []
    assert len(_templates()) > 20


def test_the_middleware_is_installed_where_it_sees_every_response():
    middleware = django_settings.MIDDLEWARE
    assert middleware.index("villagebooks.common.csp.ContentSecurityPolicyMiddleware") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
