"""Repeated failed logins lock the username (from that address) for 15 minutes, on the real login page."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F

from villagebooks.regions.lockout import LOCKED_OUT_STATUS
from villagebooks.regions.tests.conftest import villagebooks_process
from villagebooks.web.forms import INVALID_LOGIN

pytestmark = pytest.mark.django_db

PASSWORD = "test-password-123"  # the root conftest's users
LOCKED = "登录失败次数过多，该账号已暂时锁定。请 15 分钟后再试，或请管理员解锁。"


def login(client, username="accountant", password=PASSWORD, address="127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times, username="accountant", address="127.0.0.1"):
    return [login(client, username, "wrong-password", address) for _ in range(times)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def time_passes(delta: timedelta) -> None:
    """Move the recorded failures into the past, as the clock moving on would."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


def test_the_fifth_failure_locks_the_username_even_against_the_right_password(client, accountant):
    failures = fail(client, 5)

    assert [r.status_code for r in failures] == [200, 200, 200, 200, LOCKED_OUT_STATUS]
    assert all(str(INVALID_LOGIN) in r.content.decode() for r in failures[:4])
    response = login(client)
    html = response.content.decode()
    assert response.status_code == LOCKED_OUT_STATUS
    assert LOCKED in html and str(INVALID_LOGIN) not in html
    # It is the login page again: the form, its CSRF token and the username typed are kept.
    assert 'name="csrfmiddlewaretoken"' in html and 'value="accountant"' in html
    assert not logged_in(client)


def test_four_failures_do_not_lock_and_a_success_starts_the_count_again(client, accountant):
    fail(client, 4)
    assert login(client).status_code == 302
    client.post("/logout/")

    assert [r.status_code for r in fail(client, 4)] == [200, 200, 200, 200]
    response = login(client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in(client)


def test_the_lock_ends_fifteen_minutes_after_the_last_failure(client, accountant):
    fail(client, 5)
    time_passes(timedelta(minutes=14, seconds=59))
    assert login(client).status_code == LOCKED_OUT_STATUS

    time_passes(timedelta(seconds=2))

    assert login(client).status_code == 302
    assert logged_in(client)


def test_attempts_while_locked_do_not_prolong_the_lock(client, accountant):
    fail(client, 5)
    time_passes(timedelta(minutes=10))
    assert [r.status_code for r in fail(client, 3)] == [LOCKED_OUT_STATUS] * 3
    assert list(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == [5]

    time_passes(timedelta(minutes=5, seconds=1))

    assert login(client).status_code == 302


def test_failures_spread_over_more_than_fifteen_minutes_do_not_add_up(client, accountant):
    fail(client, 4)
    time_passes(timedelta(minutes=15, seconds=1))

    assert [r.status_code for r in fail(client, 4)] == [200, 200, 200, 200]
    assert login(client).status_code == 302


def test_other_users_and_other_addresses_are_not_locked(client, accountant, reviewer):
    fail(client, 5, username="accountant", address="192.0.2.10")

    assert login(client, "reviewer", address="192.0.2.10").status_code == 302
    client.post("/logout/")
    assert login(client, "accountant", address="192.0.2.20").status_code == 302
    client.post("/logout/")
    assert login(client, "accountant", address="192.0.2.10").status_code == LOCKED_OUT_STATUS


def test_an_unknown_username_is_locked_the_same_way(client, region_tree):
    responses = fail(client, 5, username="nobody")
    assert [r.status_code for r in responses] == [200, 200, 200, 200, LOCKED_OUT_STATUS]


def test_the_password_tried_is_not_recorded(client, accountant):
    login(client, password="my-secret-guess")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "accountant"
    assert "my-secret-guess" not in attempt.post_data


def test_an_administrator_unlocks_a_username_with_a_command(client, accountant):
    fail(client, 5)
    assert login(client).status_code == LOCKED_OUT_STATUS

    call_command("axes_reset_username", "accountant", stdout=io.StringIO())

    assert login(client).status_code == 302


def test_authentication_by_code_without_a_request_is_neither_counted_nor_blocked(client, accountant):
    fail(client, 5)
    assert authenticate(username="accountant", password=PASSWORD) == accountant
    assert authenticate(username="accountant", password="wrong-password") is None
    assert list(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == [5]


PROXY = "10.0.0.5"  # the reverse proxy: every request reaches the app from it


def login_via(client, forwarded_for, username="accountant", password=PASSWORD):
    return client.post(
        "/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_trusted_proxy_two_clients_are_locked_out_separately(client, accountant, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    responses = [login_via(client, "198.51.100.7", password="wrong-password") for _ in range(5)]

    assert responses[-1].status_code == LOCKED_OUT_STATUS
    assert login_via(client, "198.51.100.7").status_code == LOCKED_OUT_STATUS
    assert login_via(client, "203.0.113.9").status_code == 302
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


def test_behind_a_trusted_proxy_what_the_client_put_in_the_header_itself_is_ignored(
    client, accountant, settings
):
    """The proxy appends the address it saw; a client's own entries stand to its left."""
    settings.TRUSTED_PROXY_COUNT = 1

    for invented in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"):
        login_via(client, f"{invented}, 198.51.100.7", password="wrong-password")

    assert login_via(client, "192.0.2.99, 198.51.100.7").status_code == LOCKED_OUT_STATUS
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


def test_two_trusted_proxies_take_the_second_entry_from_the_right(client, accountant, settings):
    settings.TRUSTED_PROXY_COUNT = 2

    login_via(client, "192.0.2.1, 198.51.100.7, 10.0.0.9", password="wrong-password")

    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


def test_a_request_that_did_not_pass_every_proxy_counts_by_its_own_address(client, accountant, settings):
    settings.TRUSTED_PROXY_COUNT = 2

    login_via(client, "198.51.100.7", password="wrong-password")
    login_via(client, "not-an-address, 10.0.0.9", password="wrong-password")

    assert list(AccessAttempt.objects.values_list("ip_address", "failures_since_start")) == [(PROXY, 2)]


def test_without_the_setting_the_header_is_ignored_so_it_cannot_be_used_to_dodge_the_lock(
    client, accountant, settings
):
    settings.TRUSTED_PROXY_COUNT = 0

    responses = [login_via(client, f"192.0.2.{n}", password="wrong-password") for n in range(5)]

    assert responses[-1].status_code == LOCKED_OUT_STATUS
    assert login_via(client, "203.0.113.9").status_code == LOCKED_OUT_STATUS
    assert AccessAttempt.objects.get().ip_address == PROXY


def test_a_proxy_count_that_is_not_a_number_stops_the_start(tmp_path):
    done = villagebooks_process("check", home=tmp_path, VILLAGEBOOKS_TRUSTED_PROXIES="yes")

    assert done.returncode != 0
    assert "VILLAGEBOOKS_TRUSTED_PROXIES 应为反向代理的层数（0、1、2……），而不是 'yes'" in done.stderr
