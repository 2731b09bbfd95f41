"""Forms of the pages: the login form and the month range of a report.

Both speak Chinese whatever language the browser asks for: the labels and messages are our own
Chinese source strings, not Django's English ones, so a page never mixes the two.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.ledger.domain.periods import parse_period

USERNAME_REQUIRED = _("请输入用户名")
PASSWORD_REQUIRED = _("请输入密码")
INVALID_LOGIN = _("用户名或密码不正确（密码区分大小写）")
INACTIVE = _("该账号已停用，请联系管理员")
MONTH_REQUIRED = _("请选择月份")


class LoginForm(AuthenticationForm):
    error_messages = {"invalid_login": INVALID_LOGIN, "inactive": INACTIVE}

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username, password = self.fields["username"], self.fields["password"]
        username.label = _("用户名")
        username.error_messages["required"] = USERNAME_REQUIRED
        password.label = _("密码")
        password.error_messages["required"] = PASSWORD_REQUIRED


class MonthInput(forms.TextInput):
    """``<input type="month">``: a month picker where the browser has one, YYYY-MM text elsewhere."""

    input_type = "month"


class PeriodRangeForm(forms.Form):
    """``from`` and ``to`` as YYYY-MM; cleaned to period keys (``202503``).

    The field names are those of the query string (``?from=2025-01&to=2025-03``); ``from`` is a
    Python keyword, hence the fields are added in ``__init__``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in (("from", _("起始月份")), ("to", _("截止月份"))):
            self.fields[name] = forms.CharField(
                label=label,
                error_messages={"required": MONTH_REQUIRED},
                widget=MonthInput(attrs={"placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"}),
            )

    def _month(self, name: str) -> int:
        try:
            return parse_period(self.cleaned_data[name], field=name)
        except DomainError as error:
            raise forms.ValidationError([p.message for p in error.problems]) from error

    def clean_from(self) -> int:
        return self._month("from")

    def clean_to(self) -> int:
        return self._month("to")
