"""Forms of the pages: the login form and what a report asks for (months, an account, a chart).

Both speak Chinese whatever language the browser asks for: the labels and messages are our own
Chinese source strings, not Django's English ones, so a page never mixes the two.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.models import Chart
from villagebooks.reports.dimensions import BY_LABELS

USERNAME_REQUIRED = _("请输入用户名")
PASSWORD_REQUIRED = _("请输入密码")
INVALID_LOGIN = _("用户名或密码不正确（密码区分大小写）")
INACTIVE = _("该账号已停用，请联系管理员")
MONTH_REQUIRED = _("请选择月份")
UNKNOWN_ACCOUNT_CHOICE = _("科目 %(value)s 在该账套中不存在")
UNKNOWN_CHART_CHOICE = _("会计制度 %(value)s 不存在")
CHART_REQUIRED = _("请选择会计制度")
UNKNOWN_BY_CHOICE = _("辅助核算方式 %(value)s 不存在")


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


def _option_field(name: str) -> forms.Field:
    """The field of a report option of the catalogue (``ReportKind.options``).

    Options the pages know get a picker with Chinese labels; any other option a report adds is
    a text field under its own name, so that the report is usable before a picker is made.
    """
    if name == "by":
        return forms.ChoiceField(
            label=_("辅助核算"),
            choices=list(BY_LABELS.items()),
            required=False,
            error_messages={"invalid_choice": UNKNOWN_BY_CHOICE},
        )
    return forms.CharField(label=name, required=False, max_length=100)


class ReportForm(PeriodRangeForm):
    """The months of a report, and what else its kind asks for.

    ``accounts`` (code, label) adds the account picker of the reports that take an account
    (明细账, 辅助核算余额表 …); ``options`` adds the catalogue's other options of the report;
    ``with_chart`` adds the chart of a region's consolidated report, since ledgers of the 2004
    and 2023 charts are never added together. The account may be left empty: the report then
    decides (totals without an account, or a message asking for one).
    """

    def __init__(
        self,
        *args,
        accounts: list[tuple[str, str]] | None = None,
        options: tuple[str, ...] = (),
        with_chart: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"] = forms.ChoiceField(
                label=_("科目"),
                choices=[("", _("请选择科目")), *accounts],
                required=False,
                error_messages={"invalid_choice": UNKNOWN_ACCOUNT_CHOICE},
            )
        for name in options:
            self.fields[name] = _option_field(name)
        if with_chart:
            self.fields["chart"] = forms.ChoiceField(
                label=_("会计制度"),
                choices=Chart.choices,
                error_messages={"invalid_choice": UNKNOWN_CHART_CHOICE, "required": CHART_REQUIRED},
            )

    @property
    def extra_fields(self) -> list[forms.BoundField]:
        """The fields after the months, in the order the page shows them."""
        return [self[name] for name in self.fields if name not in ("from", "to")]
