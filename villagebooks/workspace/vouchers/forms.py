"""The small forms of the voucher pages: the list's filters, a reason to send back, a reversal.

Labels and messages are our own Chinese source strings, so a page never mixes in Django's
English ones. (The entry grid is read by ``grid``: it is rows of cells, not a fixed form.)
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from villagebooks.common.errors import DomainError
from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.models import VoucherStatus
from villagebooks.workspace.vouchers.grid import parse_date
from villagebooks.workspace.vouchers.selectors import VoucherFilter

TEXT_MAX = 50
REASON_REQUIRED = _("请填写原因")
REASON_TOO_LONG = _("原因不能超过 %(limit_value)s 个字")
RANGE_REVERSED = _("最小金额不能大于最大金额")
UNKNOWN_STATUS = _("状态 %(value)s 无效")


class MonthInput(forms.TextInput):
    """``<input type=month>``; a browser without it shows a text box, which takes YYYY-MM and the
    ways people type a month there (2025/4, 2025.04, 2025年4月, 202504): ``month_text``."""

    input_type = "month"


# 2025/4, 2025.04, 2025年4月, 2025 04, 202504 → 2025-04 (what a text box gets when type=month is missing)
_MONTH_TYPED = re.compile(r"\s*(\d{4})\s*(?:[-/.年\s]\s*(\d{1,2})\s*月?|(\d{2}))\s*")


def month_text(text: str) -> str:
    """``text`` as YYYY-MM when it is a month typed another common way; else unchanged."""
    match = _MONTH_TYPED.fullmatch(text)
    if not match:
        return text
    return f"{match.group(1)}-{int(match.group(2) or match.group(3)):02d}"


class DateInput(forms.TextInput):
    input_type = "date"


class VoucherFilterForm(forms.Form):
    """``?period=2025-04&status=submitted&account=513&min=100&max=2000&q=办公``; all optional."""

    period = forms.CharField(
        label=_("月份"),
        required=False,
        widget=MonthInput(attrs={"placeholder": "YYYY-MM", "inputmode": "numeric", "size": 8}),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), *VoucherStatus.choices],
        error_messages={"invalid_choice": UNKNOWN_STATUS},
    )
    account = forms.CharField(
        label=_("科目编码"), required=False, max_length=20, widget=forms.TextInput(attrs={"size": 7})
    )
    min = forms.CharField(label=_("金额从"), required=False, widget=forms.TextInput(attrs={"size": 9}))
    max = forms.CharField(label=_("到"), required=False, widget=forms.TextInput(attrs={"size": 9}))
    q = forms.CharField(label=_("摘要或说明"), required=False, max_length=TEXT_MAX)

    def clean_period(self) -> int | None:
        text = self.cleaned_data["period"].strip()
        if not text:
            return None
        try:
            return parse_period(month_text(text), field="period")
        except DomainError as error:
            raise forms.ValidationError([p.message for p in error.problems]) from error

    def clean_account(self) -> str:
        code = self.cleaned_data["account"].strip()
        if code and not code.isdigit():
            raise forms.ValidationError(_("科目编码只能是数字"))
        return code

    def _amount(self, name: str) -> int | None:
        text = self.cleaned_data[name].strip()
        if not text:
            return None
        try:
            return abs(yuan_to_fen(text))
        except MoneyError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_min(self) -> int | None:
        return self._amount("min")

    def clean_max(self) -> int | None:
        return self._amount("max")

    def clean(self):
        data = super().clean()
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and low > high:
            self.add_error("max", RANGE_REVERSED)
        return data

    def to_filter(self) -> VoucherFilter:
        data = self.cleaned_data
        return VoucherFilter(
            period_key=data.get("period"),
            status=data.get("status") or "",
            account=data.get("account") or "",
            min_fen=data.get("min"),
            max_fen=data.get("max"),
            text=(data.get("q") or "").strip(),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REASON_REQUIRED, "max_length": REASON_TOO_LONG},
    )


class ReverseForm(forms.Form):
    date = forms.CharField(
        label=_("冲销日期"), widget=DateInput(), error_messages={"required": _("请填写冲销日期")}
    )
    reason = forms.CharField(
        label=_("冲销原因"),
        max_length=150,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REASON_REQUIRED, "max_length": REASON_TOO_LONG},
    )

    def clean_date(self):
        day, problem = parse_date(self.cleaned_data["date"])
        if problem:
            raise forms.ValidationError(problem)
        return day
