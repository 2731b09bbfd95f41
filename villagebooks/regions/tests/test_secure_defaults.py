"""Secure defaults: a clean ``check --deploy`` in production, CSRF on every form, sessions that end,
and stored attachments that no address reaches except the download that checks access."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.views.static import serve

from villagebooks.ledger import services
from villagebooks.ledger.tests.books import parse_vouchers
from villagebooks.regions.tests.conftest import villagebooks_process

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def villagebooks(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return villagebooks_process(*args, home=tmp_path, **env)


# check --deploy -----------------------------------------------------------------------------------


def test_check_deploy_is_clean_behind_https_with_a_real_secret_key(tmp_path):
    done = villagebooks(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        VILLAGEBOOKS_HTTPS="1",
        VILLAGEBOOKS_SECRET_KEY=secrets.token_urlsafe(50),
    )
    assert (done.returncode, done.stdout.strip(), done.stderr.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
        "",
    )


def test_without_a_secret_key_production_refuses_to_start(tmp_path):
    done = villagebooks("check", tmp_path=tmp_path, VILLAGEBOOKS_SECRET_KEY="")

    assert done.returncode != 0
    assert (
        "ImproperlyConfigured: 未设置密钥（SECRET_KEY），拒绝启动：请设置环境变量 VILLAGEBOOKS_SECRET_KEY"
        in done.stderr
    )
    assert str(tmp_path / "var" / "secret_key") in done.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_importing_the_settings_without_debug_or_key_fails_clearly(tmp_path):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("VILLAGEBOOKS_") and key != "DJANGO_SETTINGS_MODULE"
    }
    done = subprocess.run(
        [sys.executable, "-c", "import villagebooks.settings"],
        cwd=tmp_path,
        env=environment | {"VILLAGEBOOKS_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: 未设置密钥（SECRET_KEY），拒绝启动：请设置环境变量 "
        f"VILLAGEBOOKS_SECRET_KEY，或将密钥写入 {tmp_path / 'var' / 'secret_key'}（权限 0600）。"
        f"(No secret key: set VILLAGEBOOKS_SECRET_KEY or write one to {tmp_path / 'var' / 'secret_key'}.)"
    )


def test_the_key_file_under_var_is_read_when_the_environment_has_none(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text(secrets.token_urlsafe(50) + "\n", encoding="utf-8")

    done = villagebooks(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path,
        VILLAGEBOOKS_HTTPS="1", VILLAGEBOOKS_SECRET_KEY="",
    )  # fmt: skip

    assert (done.returncode, done.stderr.strip()) == (0, "")


def test_debug_without_a_key_starts_with_a_key_check_deploy_refuses(tmp_path):
    done = villagebooks(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path,
        VILLAGEBOOKS_HTTPS="1", VILLAGEBOOKS_DEBUG="1", VILLAGEBOOKS_SECRET_KEY="",
    )  # fmt: skip
    assert done.returncode == 1
    assert "(security.W009)" in done.stderr


def test_check_deploy_without_https_lists_what_is_missing(tmp_path):
    done = villagebooks(
        "check", "--deploy", tmp_path=tmp_path, VILLAGEBOOKS_SECRET_KEY=secrets.token_urlsafe(50)
    )
    found = sorted(word.strip("():") for word in done.stderr.split() if word.startswith("(security."))
    assert found == ["security.W004", "security.W008", "security.W012", "security.W016"]


# CSRF ---------------------------------------------------------------------------------------------


def test_a_login_without_the_csrf_token_is_refused(accountant):
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post("/login/", {"username": "accountant", "password": PASSWORD})
    browser.get("/login/")
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/login/", {"username": "accountant", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302 and accepted["Location"] == "/"


def test_a_logout_without_the_csrf_token_is_refused(accountant):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(accountant)
    assert browser.post("/logout/").status_code == 403
    assert "_auth_user_id" in browser.session


def _views(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_page_is_exempt_from_csrf_and_no_route_serves_files_from_disk():
    # The JSON API under api/ is exempt from the middleware and checks CSRF itself for sessions
    # (villagebooks/api/auth.py); every other view goes through the middleware.
    views = list(_views(get_resolver().url_patterns))
    exempt = [
        route for route, view in views if getattr(view, "csrf_exempt", False) and not route.startswith("api/")
    ]
    assert len(views) > 10
    assert exempt == []
    assert [route for route, view in views if view is serve] == []


def test_cookies_are_out_of_reach_of_scripts_and_other_sites(settings):
    assert (settings.SESSION_COOKIE_HTTPONLY, settings.CSRF_COOKIE_HTTPONLY) == (True, True)
    assert (settings.SESSION_COOKIE_SAMESITE, settings.CSRF_COOKIE_SAMESITE) == ("Lax", "Lax")
    assert settings.X_FRAME_OPTIONS == "DENY"


# Sessions ----------------------------------------------------------------------------------------


def test_the_session_cookie_ends_with_the_browser(client, accountant):
    client.post("/login/", {"username": "accountant", "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    assert client.session.get_expiry_age() == 8 * 3600


def test_the_session_ends_eight_hours_after_login_however_active(client, accountant):
    login_time = timezone.now()
    client.post("/login/", {"username": "accountant", "password": PASSWORD})

    for minutes in (60, 240, 479):  # working all day does not extend it
        with mock.patch("django.utils.timezone.now", return_value=login_time + timedelta(minutes=minutes)):
            assert client.get("/").status_code == 200, minutes
    with mock.patch("django.utils.timezone.now", return_value=login_time + timedelta(hours=8, seconds=5)):
        response = client.get("/")

    assert response.status_code == 302 and response["Location"] == "/login/?next=/"


# Attachments --------------------------------------------------------------------------------------


def test_stored_files_live_under_var_apart_from_static_files(tmp_path):
    done = villagebooks(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.MEDIA_ROOT); print(s.STATIC_ROOT)",
        tmp_path=tmp_path,
    )
    assert done.stdout.splitlines() == [
        str(tmp_path / "var" / "attachments"),
        str(tmp_path / "var" / "static"),
    ]


@pytest.fixture
def stored_attachment(settings, tmp_path, ledger, accountant):
    settings.MEDIA_ROOT = tmp_path / "var" / "attachments"
    day, _, lines = parse_vouchers("""
        2025-03-10 购买办公用品
          借 513 管理费用   1200.00
          贷 102 银行存款   1200.00
    """)[0]
    voucher = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, submit=True)
    return services.attachment_add(actor=accountant, voucher=voucher, name="发票.pdf", content=PDF)


def test_a_stored_attachment_is_readable_by_the_app_only(stored_attachment, settings):
    path = Path(settings.MEDIA_ROOT) / stored_attachment.file.name
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_no_address_reaches_a_stored_attachment_but_the_checked_download(
    client, stored_attachment, accountant
):
    name = stored_attachment.file.name
    client.force_login(accountant)
    guesses = [
        f"/media/{name}",
        f"/attachments/{name}",
        f"/var/attachments/{name}",
        f"/static/{name}",
        f"/static/../var/attachments/{name}",
        f"/{name}",
    ]

    statuses = {guess: client.get(guess).status_code for guess in guesses}

    assert statuses == dict.fromkeys(guesses, 404)
    download = client.get(
        f"/ledgers/HT01/vouchers/{stored_attachment.voucher_id}/attachments/{stored_attachment.pk}/"
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_request_with_oversized_form_fields_is_refused(client, region_tree):
    # 2.5 MiB of form fields at most (DATA_UPLOAD_MAX_MEMORY_SIZE); files are limited per attachment.
    response = client.post("/login/", {"username": "x" * 2_621_440, "password": "y"})
    assert response.status_code == 400
