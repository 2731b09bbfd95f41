"""The columns of the import files: their names, the headers accepted for each, which are
required, and how a problem's field is shown. A new column is added here first; ``reading``
finds each cell by the positions below."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Canonical column names, and the headers accepted for each (compared without case or spaces).
VOUCHER_COLUMNS = {
    "ledger": ("ledger", "账套"),
    "voucher": ("voucher", "凭证号"),
    "date": ("date", "日期"),
    "summary": ("summary", "摘要"),
    "account": ("account", "科目"),
    "debit": ("debit", "借方"),
    "credit": ("credit", "贷方"),
    "fund": ("fund", "资金来源"),
    "counterparty": ("counterparty", "往来单位"),
    # Optional: a project of the ledger's library (by code); an import never creates one.
    "project": ("project", "项目"),
}
VOUCHER_REQUIRED = ("ledger", "voucher", "date", "summary", "account", "debit", "credit")
OPENING_COLUMNS = {
    name: VOUCHER_COLUMNS[name] for name in ("account", "debit", "credit", "fund", "counterparty")
}
OPENING_REQUIRED = ("account", "debit", "credit")
# How a problem's field is shown to users, beside its column name.
FIELD_LABELS = {
    "ledger": _("账套"),
    "voucher": _("凭证号"),
    "date": _("日期"),
    "summary": _("摘要"),
    "account": _("科目"),
    "debit": _("借方"),
    "credit": _("贷方"),
    "fund": _("资金来源"),
    "counterparty": _("往来单位"),
    "project": _("项目"),
    "header": _("表头"),
    "file": _("文件"),
    "lines": _("凭证"),
}


# Each voucher column's position in a row as common.tabular's ``picker`` hands it over.
COLUMN_POSITIONS = {name: position for position, name in enumerate(VOUCHER_COLUMNS)}
