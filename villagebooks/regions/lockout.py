"""Locking a username out after repeated failed logins (django-axes, configured in settings.py).

django-axes records each failed login and, once ``LOGIN_FAILURE_LIMIT`` failures of a username
from one address come with no pause of ``LOGIN_LOCKOUT_MINUTES``, refuses that username from
that address for ``LOGIN_LOCKOUT_MINUTES`` from the last failure, even with the right password;
a successful login clears the count. This
module holds the three pieces axes leaves to the project: the client's address (behind a reverse
proxy, from X-Forwarded-For as far as ``TRUSTED_PROXY_COUNT`` proxies vouch for it), the
authentication backend, which lets logins made by code without a request pass (they are not
attempts from the web), and the answer to a locked-out attempt, which is the login page itself
with the reason in Chinese.
"""

from __future__ import annotations

import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.forms.forms import NON_FIELD_ERRORS
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

LOCKED_OUT_STATUS = 429  # Too Many Requests


def locked_out_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _("登录失败次数过多，该账号已暂时锁定。请 %(minutes)d 分钟后再试，或请管理员解锁。") % {
        "minutes": minutes
    }


def client_address(request) -> str:
    """The address a login came from, as far as the trusted proxies vouch for it.

    Each of ``settings.TRUSTED_PROXY_COUNT`` proxies appends the address it received the request
    from to X-Forwarded-For, so the N-th entry from the right is what the outermost proxy saw;
    whatever stands further left came from the client and may be invented. With no trusted
    proxy, or a header shorter than the chain (the request bypassed a proxy) or not holding an
    address there, it is the connection's own address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(chain[-proxies]))
    except ValueError:
        return remote


class LoginLockoutBackend(AxesStandaloneBackend):
    """axes' check before every login, for logins that come with a request.

    ``authenticate()`` without a request (Django's test client, scripts) is not a login attempt
    over the web and cannot be counted per client; axes would raise on it instead of deciding.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The login page again, its form keeping the username, with the lockout as the only error.

    axes calls this in place of the page the login view rendered (settings.AXES_LOCKOUT_CALLABLE).
    """
    message = locked_out_message()
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    template = getattr(original_response, "template_name", None)
    if form is None or template is None:
        return HttpResponse(message, status=LOCKED_OUT_STATUS, content_type="text/plain; charset=utf-8")
    # "Wrong password" would be untrue: the password was not even tried.
    form.errors[NON_FIELD_ERRORS] = form.error_class(
        [message], error_class="nonfield", renderer=form.renderer
    )
    response = TemplateResponse(request, template, context, status=LOCKED_OUT_STATUS)
    return response.render()
