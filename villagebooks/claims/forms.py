"""The forms of the claim pages. They only parse (a date, an amount in yuan, the files); what the
values must be is the services' business, and ``clean`` asks the services' checks so that a
reporter sees every problem at once: on a phone each round trip means choosing the photos again.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villagebooks.claims import errors as E
from villagebooks.claims.services import check_claim, check_photos
from villagebooks.common.errors import DomainError
from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.ledger.models import Ledger

DATE_FORMAT = _("日期格式应为 YYYY-MM-DD")
AMOUNT_REQUIRED = _("请填写金额")
PHOTO_ACCEPT = "image/*,application/pdf"


def add_problems(form: forms.Form, error: DomainError) -> None:
    """A service's problems at the form's fields (those it has no field for at the top)."""
    for problem in error.problems:
        form.add_error(problem.field if problem.field in form.fields else None, problem.message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.Field):
    """Every file sent under the field's name (the camera input and the gallery input share it)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        return [f for f in (value or []) if f is not None]

    def bound_data(self, data, initial):
        return initial  # a browser never sends a file back: the page asks for them again


class ClaimForm(forms.Form):
    """A new claim: which ledger (asked only when the reporter has several), the day, the amount,
    what for, to whom, and the receipts."""

    ledger = forms.ChoiceField(label=_("账套"), error_messages={"required": E.LEDGER_REQUIRED})
    spent_on = forms.DateField(
        label=_("支出日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": DATE_FORMAT},
        widget=DateInput(),
    )
    amount = forms.CharField(
        label=_("金额（元）"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}),
    )
    purpose = forms.CharField(
        label=_("用途"),
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"maxlength": 200, "placeholder": _("例如：购买村委会办公用品")}),
    )
    payee = forms.CharField(
        label=_("收款人"),
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"maxlength": 100, "placeholder": _("单位或个人名称")}),
    )
    photos = FilesField(label=_("票据照片"))

    def __init__(self, *args, ledgers: list[Ledger], **kwargs):
        super().__init__(*args, **kwargs)
        self.ledgers = {ledger.code: ledger for ledger in ledgers}
        field = self.fields["ledger"]
        field.choices = [(ledger.code, ledger.name) for ledger in ledgers]
        field.error_messages["invalid_choice"] = E.LEDGER_REQUIRED
        if len(ledgers) == 1:
            field.initial = ledgers[0].code
            field.widget = forms.HiddenInput()
        today = timezone.localdate()
        self.fields["spent_on"].initial = today
        self.fields["spent_on"].widget.attrs["max"] = today.isoformat()

    def clean_amount(self) -> int | None:
        text = self.cleaned_data["amount"].strip()
        if not text:
            raise forms.ValidationError(AMOUNT_REQUIRED)
        try:
            return yuan_to_fen(text)
        except MoneyError as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self):
        data = super().clean()
        problems = check_claim(
            spent_on=data.get("spent_on"),
            amount_fen=data.get("amount"),
            purpose=data.get("purpose", ""),
            payee=data.get("payee", ""),
        ) + check_photos(data.get("photos") or [])
        for problem in problems:
            if problem.field not in self.errors:
                self.add_error(problem.field, problem.message)
            elif problem.field == "photos":
                self.add_error("photos", problem.message)  # one message a file
        return data

    @property
    def chosen_ledger(self) -> Ledger:
        return self.ledgers[self.cleaned_data["ledger"]]


class BookForm(forms.Form):
    """How the accountant books a claim: the expense account, the paying account, and what they
    may change (summary, date) or add (fund, counterparty). Prefixed by the claim, so that a list
    of claims holds one form each."""

    account = forms.CharField(label=_("费用科目（借方）"), required=False)
    counter_account = forms.CharField(label=_("付款科目（贷方）"), required=False)
    summary = forms.CharField(
        label=_("摘要"), required=False, widget=forms.TextInput(attrs={"maxlength": 200})
    )
    date = forms.DateField(
        label=_("凭证日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": DATE_FORMAT},
        widget=DateInput(),
    )
    fund = forms.CharField(label=_("资金来源"), required=False)
    counterparty = forms.CharField(label=_("往来单位"), required=False)

    def __init__(self, *args, claim, choices: dict, **kwargs):
        kwargs.setdefault("prefix", f"c{claim.pk}")
        counter = next((code for code in ("102", "101") if code in choices["account_codes"]), "")
        party = claim.payee if claim.payee in choices["counterparties"] else ""
        kwargs.setdefault(
            "initial",
            {
                "summary": claim.purpose,
                "date": claim.spent_on,
                "counter_account": counter,
                "counterparty": party,
            },
        )
        super().__init__(*args, **kwargs)
        choose = [("", _("请选择科目"))]
        self.fields["account"].widget = forms.Select(choices=choose + choices["accounts"])
        self.fields["counter_account"].widget = forms.Select(choices=choose + choices["counter_accounts"])
        self.fields["fund"].widget = forms.Select(
            choices=[("", _("不指定"))] + [(n, n) for n in choices["funds"]]
        )
        self.fields["counterparty"].widget = forms.Select(
            choices=[("", _("不指定"))] + [(n, n) for n in choices["counterparties"]]
        )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "maxlength": 200, "placeholder": _("例如：缺少发票，请补充")}
        ),
    )

    def __init__(self, *args, claim, **kwargs):
        kwargs.setdefault("prefix", f"r{claim.pk}")
        super().__init__(*args, **kwargs)
