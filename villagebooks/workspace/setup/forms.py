"""The forms of the set-up and closing pages: they read what was typed; the services judge it.

Labels and messages are our own Chinese strings, so that a page never mixes in Django's
English ones. Amounts go through ``common.money`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.ledger.services import ACCOUNT_NAME_MAX, OpeningInput

CODE_REQUIRED = _("请填写科目编码")
NAME_REQUIRED = _("请填写名称")
NAME_TOO_LONG = _("名称不能超过 %(limit_value)d 个字")
PARENT_REQUIRED = _("请选择上级科目")
REASON_REQUIRED = _("请填写反结账原因")
REASON_TOO_LONG = _("原因不能超过 %(limit_value)d 个字")
BAD_PERIOD = _("期间无效")
NEGATIVE_AMOUNT = _("金额不能为负数")
BOTH_SIDES = _("借方和贷方只能填一个")
GRID_INCOMPLETE = _("表格数据不完整，请刷新页面后重新填写")
REASON_MAX = 200


class AccountAddForm(forms.Form):
    parent = forms.CharField(label=_("上级科目"), max_length=20, error_messages={"required": PARENT_REQUIRED})
    code = forms.CharField(
        label=_("科目编码"),
        max_length=20,
        error_messages={"required": CODE_REQUIRED},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 10}),
    )
    name = forms.CharField(
        label=_("科目名称"),
        max_length=ACCOUNT_NAME_MAX,
        error_messages={"required": NAME_REQUIRED, "max_length": NAME_TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class AccountRenameForm(forms.Form):
    name = forms.CharField(
        label=_("新名称"),
        max_length=ACCOUNT_NAME_MAX,
        error_messages={"required": NAME_REQUIRED, "max_length": NAME_TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PeriodForm(forms.Form):
    """A month to close or reopen, as the page's hidden fields carry it."""

    year = forms.IntegerField(min_value=1900, max_value=9999, error_messages={"invalid": BAD_PERIOD})
    month = forms.IntegerField(min_value=1, max_value=12, error_messages={"invalid": BAD_PERIOD})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("year", "month"):
            self.fields[name].error_messages.update(
                {"required": BAD_PERIOD, "min_value": BAD_PERIOD, "max_value": BAD_PERIOD}
            )


class ReopenForm(PeriodForm):
    reason = forms.CharField(
        label=_("反结账原因"),
        max_length=REASON_MAX,
        error_messages={"required": REASON_REQUIRED, "max_length": REASON_TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("例如：补录发票")}),
    )


def _amount(text: str) -> int:
    try:
        fen = yuan_to_fen(text)
    except MoneyError as error:
        raise forms.ValidationError(str(error)) from error
    if fen < 0:
        raise forms.ValidationError(NEGATIVE_AMOUNT)
    return fen


class AppropriationsForm(forms.Form):
    """One amount a kind of appropriation of the chart (提取公积公益金, 向成员分配 …), in yuan."""

    def __init__(self, *args, kinds: dict[str, str], account_names: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds: dict[str, str] = {}
        for number, (kind, target) in enumerate(kinds.items()):
            name = f"appropriation_{number}"
            self.kinds[name] = kind
            self.fields[name] = forms.CharField(
                label=kind,
                required=False,
                help_text=_("贷记 %(code)s %(name)s")
                % {"code": target, "name": account_names.get(target, "")},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00", "size": 14}),
            )

    def clean(self):
        data = super().clean()
        for name in self.kinds:
            text = (data.get(name) or "").strip()
            if text:
                try:
                    data[name] = _amount(text)
                except forms.ValidationError as error:
                    self.add_error(name, error)
            else:
                data[name] = 0
        return data

    def appropriations(self) -> dict[str, int]:
        """Kind → fen of the amounts above zero (what ``year_close`` takes)."""
        return {
            kind: self.cleaned_data[name] for name, kind in self.kinds.items() if self.cleaned_data.get(name)
        }

    def total_fen(self) -> int:
        return sum(self.appropriations().values())


@dataclass
class GridInput:
    """The rows of the opening grid as posted: parallel lists, one entry a row of the page."""

    accounts: list[str]
    funds: list[str]
    counterparties: list[str]
    debits: list[str]
    credits: list[str]

    @classmethod
    def from_post(cls, data) -> GridInput:
        return cls(
            accounts=data.getlist("account"),
            funds=data.getlist("fund"),
            counterparties=data.getlist("counterparty"),
            debits=data.getlist("debit"),
            credits=data.getlist("credit"),
        )

    def complete(self) -> bool:
        n = len(self.accounts)
        return all(
            len(column) == n for column in (self.funds, self.counterparties, self.debits, self.credits)
        )

    def parse(self) -> tuple[list[OpeningInput], dict[int, list[str]]]:
        """The rows with an amount as ``OpeningInput`` (``row`` = the row's number on the page,
        from 1), and the amounts that cannot be read, as row → messages."""
        rows: list[OpeningInput] = []
        errors: dict[int, list[str]] = {}
        for index, code in enumerate(self.accounts):
            number = index + 1
            debit_text, credit_text = self.debits[index].strip(), self.credits[index].strip()
            amounts = {}
            for side, text in (("debit", debit_text), ("credit", credit_text)):
                if not text:
                    amounts[side] = 0
                    continue
                try:
                    amounts[side] = _amount(text)
                except forms.ValidationError as error:
                    label = _("借方") if side == "debit" else _("贷方")
                    errors.setdefault(number, []).extend(f"{label}：{m}" for m in error.messages)
            if number in errors:
                continue
            if amounts["debit"] and amounts["credit"]:
                errors.setdefault(number, []).append(str(BOTH_SIDES))
                continue
            if amounts["debit"] or amounts["credit"]:
                rows.append(
                    OpeningInput(
                        account_code=code.strip(),
                        debit_fen=amounts["debit"],
                        credit_fen=amounts["credit"],
                        fund_name=self.funds[index].strip(),
                        counterparty_name=self.counterparties[index].strip(),
                        row=number,
                    )
                )
        return rows, errors
