"""The 银行存款余额调节表 in the report catalogue: one row an item (``kind,date,summary,amount``),
built by banking's selector for one ledger's bank account at the end of the report's last month.

``kind`` is one of ``book_balance``, ``bank_balance``, ``bank_only_in`` (银行已收企业未收),
``bank_only_out`` (银行已付企业未付), ``book_only_in`` (企业已收银行未收), ``book_only_out``
(企业已付银行未付), ``adjusted_book``, ``adjusted_bank``: the machine names are the same in every
language; the summary of a balance row says it in words.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from villagebooks.banking.selectors import BANK_ACCOUNT, BankReconciliation, bank_reconciliation_get
from villagebooks.common.errors import DomainError
from villagebooks.reports.scope import ReportScope

COLUMNS = ["kind", "date", "summary", "amount"]
HEADERS = [_("项目"), _("日期"), _("摘要"), _("金额")]
ONE_LEDGER_ONLY = _("银行存款余额调节表只能按单个账套查看，请指定一个账套")
DIFFERENCE = _("差额（调节后银行存款日记账余额 − 调节后银行对账单余额，应为零）")


def build_bank_reconciliation(scope: ReportScope, account: str | None = None) -> BankReconciliation:
    """The table of ``account`` (default 102 银行存款) at the end of the scope's last month."""
    if scope.single_ledger is None:
        raise DomainError(ONE_LEDGER_ONLY, field="ledger")
    return bank_reconciliation_get(
        ledger=scope.single_ledger, account_code=account or BANK_ACCOUNT, period_key=scope.to_key
    )


def bank_reconciliation_rows(report: BankReconciliation) -> list[list]:
    return [
        [row.kind, row.date.isoformat() if row.date else "", row.summary, row.amount_fen]
        for row in report.rows()
    ]


def bank_reconciliation_total(report: BankReconciliation) -> list:
    return ["difference", report.end.isoformat(), str(DIFFERENCE), report.difference_fen]
