"""Login and logout: Chinese form, errors at the field, POST-only logout, pages behind login."""

import pytest

from villagebooks.web.forms import INVALID_LOGIN, PASSWORD_REQUIRED, USERNAME_REQUIRED

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_even_for_an_english_browser(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "用户名" in html and "密码" in html and "村账通" in html
    assert "Username" not in html and "Password" not in html


def test_empty_login_shows_each_error_at_its_field(client):
    response = client.post("/login/", {"username": "", "password": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<p class="field-error" id="id_username_error">{USERNAME_REQUIRED}</p>' in html
    assert f'<p class="field-error" id="id_password_error">{PASSWORD_REQUIRED}</p>' in html
    assert 'aria-describedby="id_username_error"' in html


def test_wrong_password_is_refused_with_a_chinese_message(client, accountant):
    response = client.post("/login/", {"username": "accountant", "password": "wrong-password"})
    assert response.status_code == 200
    assert str(INVALID_LOGIN) in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_logs_in_and_goes_home(client, accountant):
    response = client.post("/login/", {"username": "accountant", "password": "test-password-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "accountant" in home.content.decode()


def test_login_follows_next_to_the_page_asked_for(client, ledger, accountant):
    target = f"/ledgers/{ledger.code}/reports/trial-balance/"
    response = client.post(
        "/login/?next=" + target, {"username": "accountant", "password": "test-password-123", "next": target}
    )
    assert response["Location"] == target


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/ledgers/HT01/reports/trial-balance/",
        "/ledgers/HT01/reports/fund-summary.csv",
        "/ledgers/HT01/reports/balance-sheet/lines/1/",
        "/ledgers/HT01/vouchers/1/",
        "/ledgers/HT01/vouchers/1/attachments/1/",
        "/regions/510781100000/reports/trial-balance/",
    ],
)
def test_anonymous_is_sent_to_login(client, ledger, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_header_shows_the_users_name_and_a_post_logout(client, accountant):
    accountant.first_name = "王会计"
    accountant.save()
    client.force_login(accountant)
    html = client.get("/").content.decode()
    assert "王会计" in html
    assert 'action="/logout/"' in html and 'method="post"' in html


def test_logout_needs_post_and_ends_the_session(client, accountant):
    client.force_login(accountant)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302
