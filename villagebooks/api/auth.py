"""Who is calling: a personal token (``Authorization: Bearer vbk_…``) or the pages' login session.

A token is tried first. A request that sends a bearer token which does not authenticate is
refused with the reason (expired, revoked, invalid) rather than falling back to a session, so a
program never silently acts as whoever is logged in in the same browser. A session keeps
Django's CSRF protection for every request that changes something: the API's views are exempt
from the middleware (a token needs no CSRF token), so the check is made here, for sessions only.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from villagebooks.api.services import api_token_user

TOKEN = "token"
SESSION = "session"


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token.strip())  # raises TokenRejected, answered 401 with the reason
        request.user = user
        request.auth_method = TOKEN
        return user


class SessionAuth(APIKeyCookie):
    """The login session of the pages, documented in OpenAPI as the session cookie."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest):
        # ninja checks CSRF before looking at the user; an anonymous request should hear
        # "not authenticated", not "CSRF failed", so the check waits for a logged-in user.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF")
        request.auth_method = SESSION
        return user


AUTH = [TokenAuth(), SessionAuth()]
