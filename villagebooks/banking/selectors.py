"""The reads of bank reconciliation: a ledger's bank accounts, the lines still to match, and the
银行存款余额调节表 of a month (财会〔2024〕12号 art. 23), which the report catalogue, the pages and
the month-close check share.

The reconciliation of month M looks at what both sides knew at M's end: a bank line and a posted
line dated up to M's last day count as reconciled if they are matched with each other, whatever
day the match was made; a line matched with one dated later is still outstanding at M's end. So
the table of a past month stays what it was. It starts with the first month of the account's
first statement: lines of the books before it are taken as reconciled in the bank's opening
balance (a difference there shows as the table's 差额).

  adjusted_book = book_balance + bank_only_in − bank_only_out
  adjusted_bank = bank_balance + book_only_in − book_only_out
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.banking import errors as E
from villagebooks.banking.models import BankLine, BankMatch, BankStatement
from villagebooks.common.errors import DomainError
from villagebooks.ledger.domain.periods import next_period, period_label
from villagebooks.ledger.models import (
    Account,
    AccountBalance,
    Ledger,
    VoucherKind,
    VoucherLine,
    VoucherStatus,
)
from villagebooks.ledger.selectors import balance_window

BANK_ACCOUNT = "102"

KIND_LABELS = {
    "book_balance": _("银行存款日记账余额"),
    "bank_balance": _("银行对账单余额"),
    "bank_only_in": _("加：银行已收、企业未收"),
    "bank_only_out": _("减：银行已付、企业未付"),
    "book_only_in": _("加：企业已收、银行未收"),
    "book_only_out": _("减：企业已付、银行未付"),
    "adjusted_book": _("调节后的银行存款日记账余额"),
    "adjusted_bank": _("调节后的银行对账单余额"),
}
ITEM_KINDS = ("bank_only_in", "bank_only_out", "book_only_in", "book_only_out")


def month_end(period_key: int) -> date:
    year, month = divmod(period_key, 100)
    return date(year, month, calendar.monthrange(year, month)[1])


def bank_account_get(*, ledger: Ledger, code: str, field_name: str = "account") -> Account:
    """The account ``code`` of ``ledger``, which must be 102 银行存款 or one of its sub-accounts."""
    account = Account.objects.filter(ledger=ledger, code=code).first()
    if account is None:
        raise DomainError(E.UNKNOWN_ACCOUNT.format(code=code), field=field_name)
    if not code.startswith(BANK_ACCOUNT):
        raise DomainError(E.NOT_BANK_ACCOUNT.format(code=code), field=field_name)
    return account


def bank_account_list(*, ledger: Ledger) -> QuerySet[Account]:
    """银行存款 and its sub-accounts, the accounts a statement may be imported for."""
    return Account.objects.filter(ledger=ledger, code__startswith=BANK_ACCOUNT).order_by("code")


def book_lines(*, ledger: Ledger, account: Account) -> QuerySet[VoucherLine]:
    """The posted lines of ``account`` and its sub-accounts."""
    return VoucherLine.objects.filter(
        ledger=ledger,
        account__ledger=ledger,
        account__code__startswith=account.code,
        voucher__status=VoucherStatus.POSTED,
    )


def bank_lines(*, ledger: Ledger, account: Account) -> QuerySet[BankLine]:
    return BankLine.objects.filter(ledger=ledger, account=account)


def reconciliation_start(*, ledger: Ledger, account: Account) -> date | None:
    """The first day of the month of the account's first bank line; None without statements."""
    first = (
        bank_lines(ledger=ledger, account=account).order_by("sequence").values_list("date", flat=True).first()
    )
    return first.replace(day=1) if first else None


def bank_outstanding(*, ledger: Ledger, account: Account, start: date, end: date) -> QuerySet[BankLine]:
    """Bank lines dated ``start``…``end`` not matched with a posted line dated up to ``end``."""
    matched = BankMatch.objects.filter(
        ledger=ledger, bank_line=OuterRef("pk"), voucher_line__voucher__date__lte=end
    )
    return (
        bank_lines(ledger=ledger, account=account).filter(date__range=(start, end)).exclude(Exists(matched))
    )


def cancelled_by_reversal(*, ledger: Ledger, end: date) -> Q:
    """Lines of a posted voucher and of its posted red reversal (红字冲销), both dated up to
    ``end``, with no line of either matched by then: they cancel in the books and never reach
    the bank, so neither is an item of the reconciliation."""
    matched = BankMatch.objects.filter(ledger=ledger, bank_line__date__lte=end)
    pair_unmatched = (
        ~Exists(matched.filter(voucher_line__voucher=OuterRef("voucher_id")))
        & ~Exists(matched.filter(voucher_line__voucher=OuterRef("voucher__reverses_id")))
        & ~Exists(matched.filter(voucher_line__voucher__reverses=OuterRef("voucher_id")))
    )
    reversal = Q(
        voucher__kind=VoucherKind.REVERSAL,
        voucher__reverses__status=VoucherStatus.POSTED,
        voucher__reverses__date__lte=end,
    )
    reversed_ = Q(voucher__reversed_by__status=VoucherStatus.POSTED, voucher__reversed_by__date__lte=end)
    return (reversal | reversed_) & pair_unmatched


def book_outstanding(*, ledger: Ledger, account: Account, start: date, end: date) -> QuerySet[VoucherLine]:
    """Posted lines dated ``start``…``end`` not matched with a bank line dated up to ``end``
    (nor cancelled by a reversal by then)."""
    matched = BankMatch.objects.filter(ledger=ledger, voucher_line=OuterRef("pk"), bank_line__date__lte=end)
    return (
        book_lines(ledger=ledger, account=account)
        .filter(voucher__date__range=(start, end))
        .exclude(Exists(matched))
        .exclude(cancelled_by_reversal(ledger=ledger, end=end))
    )


def book_balance(*, ledger: Ledger, account: Account, period_key: int) -> int:
    """Net debit balance of ``account`` and its sub-accounts at the end of ``period_key``."""
    window = balance_window(
        carried_year=ledger.carried_year, year=period_key // 100, before_key=next_period(period_key)
    )
    totals = AccountBalance.objects.filter(
        window, ledger=ledger, account__ledger=ledger, account__code__startswith=account.code
    ).aggregate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    return (totals["debit"] or 0) - (totals["credit"] or 0)


def bank_balance(*, ledger: Ledger, account: Account, end: date) -> int:
    """The bank's balance at the end of ``end``: the last line on or before it."""
    return (
        bank_lines(ledger=ledger, account=account)
        .filter(date__lte=end)
        .order_by("-sequence")
        .values_list("balance_fen", flat=True)
        .first()
    ) or 0


@dataclass(frozen=True)
class ReconciliationItem:
    kind: str  # one of KIND_LABELS
    date: date | None
    summary: str
    amount_fen: int
    bank_line_id: int | None = None
    voucher_line_id: int | None = None
    voucher_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


@dataclass(frozen=True)
class BankReconciliation:
    """The 银行存款余额调节表 of one account at the end of one month."""

    ledger: Ledger
    account_code: str
    account_name: str
    period_key: int
    end: date
    start: date | None  # the first month with a statement; None: no statement yet
    book_balance_fen: int
    bank_balance_fen: int
    items: tuple[ReconciliationItem, ...] = field(default=())
    warning: str | None = None

    def total(self, kind: str) -> int:
        return sum(item.amount_fen for item in self.items if item.kind == kind)

    def of_kind(self, kind: str) -> list[ReconciliationItem]:
        return [item for item in self.items if item.kind == kind]

    @property
    def adjusted_book_fen(self) -> int:
        return self.book_balance_fen + self.total("bank_only_in") - self.total("bank_only_out")

    @property
    def adjusted_bank_fen(self) -> int:
        return self.bank_balance_fen + self.total("book_only_in") - self.total("book_only_out")

    @property
    def difference_fen(self) -> int:
        return self.adjusted_book_fen - self.adjusted_bank_fen

    @property
    def period_text(self) -> str:
        return period_label(self.period_key)

    def rows(self) -> list[ReconciliationItem]:
        """Every row of the table, one an item, in the order the printed table reads."""
        end = self.end
        return [
            ReconciliationItem("book_balance", end, str(KIND_LABELS["book_balance"]), self.book_balance_fen),
            ReconciliationItem("bank_balance", end, str(KIND_LABELS["bank_balance"]), self.bank_balance_fen),
            *self.items,
            ReconciliationItem(
                "adjusted_book", end, str(KIND_LABELS["adjusted_book"]), self.adjusted_book_fen
            ),
            ReconciliationItem(
                "adjusted_bank", end, str(KIND_LABELS["adjusted_bank"]), self.adjusted_bank_fen
            ),
        ]


def voucher_label(number: int | None) -> str:
    return gettext("记-{number}").format(number=number) if number else ""


def _bank_summary(summary: str, counterpart: str) -> str:
    return f"{summary}（{counterpart}）" if summary and counterpart else summary or counterpart


def bank_reconciliation_get(*, ledger: Ledger, account_code: str, period_key: int) -> BankReconciliation:
    """The 银行存款余额调节表 of ``account_code`` (102 or a sub-account) at the end of ``period_key``."""
    account = bank_account_get(ledger=ledger, code=account_code)
    end = month_end(period_key)
    start = reconciliation_start(ledger=ledger, account=account)
    base = {
        "ledger": ledger,
        "account_code": account.code,
        "account_name": account.name,
        "period_key": period_key,
        "end": end,
        "start": start,
        "book_balance_fen": book_balance(ledger=ledger, account=account, period_key=period_key),
    }
    if start is None:
        return BankReconciliation(
            **base, bank_balance_fen=0, warning=str(E.NO_STATEMENT.format(code=account.code))
        )
    if end < start:
        warning = E.STATEMENT_LATER.format(
            code=account.code,
            start=period_label(start.year * 100 + start.month),
            period=period_label(period_key),
        )
        return BankReconciliation(**base, bank_balance_fen=0, warning=str(warning))
    items = []
    bank_rows = (
        bank_outstanding(ledger=ledger, account=account, start=start, end=end)
        .order_by("sequence")
        .values_list("id", "date", "summary", "counterpart", "income_fen", "expense_fen")
    )
    for line_id, day, summary, counterpart, income, expense in bank_rows:
        kind = "bank_only_in" if income else "bank_only_out"
        text = _bank_summary(summary, counterpart)
        items.append(ReconciliationItem(kind, day, text, income or expense, bank_line_id=line_id))
    book_rows = (
        book_outstanding(ledger=ledger, account=account, start=start, end=end)
        .order_by("voucher__date", "voucher__number", "voucher_id", "line_no")
        .values_list(
            "id", "voucher__date", "voucher__number", "summary", "debit_fen", "credit_fen", "voucher_id"
        )
    )
    for line_id, day, number, summary, debit, credit, voucher_id in book_rows:
        kind = "book_only_in" if debit else "book_only_out"
        text = f"{voucher_label(number)} {summary}".strip()
        items.append(
            ReconciliationItem(
                kind, day, text, debit or credit, voucher_line_id=line_id, voucher_id=voucher_id
            )
        )
    items.sort(key=lambda item: ITEM_KINDS.index(item.kind))  # stable: dates stay in order
    return BankReconciliation(
        **base, bank_balance_fen=bank_balance(ledger=ledger, account=account, end=end), items=tuple(items)
    )


@dataclass(frozen=True)
class UnreconciledSummary:
    account_code: str
    count: int
    earliest: date


def unreconciled_before(*, ledger: Ledger, period_key: int, cutoff: date) -> list[UnreconciledSummary]:
    """Per bank account with statements: the items outstanding at the end of ``period_key``
    dated on or before ``cutoff`` (the month-close check)."""
    end = month_end(period_key)
    account_ids = (
        BankLine.objects.filter(ledger=ledger).order_by().values_list("account_id", flat=True).distinct()
    )
    result = []
    for account in Account.objects.filter(pk__in=list(account_ids)).order_by("code"):
        start = reconciliation_start(ledger=ledger, account=account)
        if start is None or start > cutoff:
            continue
        last = min(end, cutoff)
        bank = bank_outstanding(ledger=ledger, account=account, start=start, end=end).filter(date__lte=last)
        book = book_outstanding(ledger=ledger, account=account, start=start, end=end).filter(
            voucher__date__lte=last
        )
        dates = list(bank.order_by("date").values_list("date", flat=True)[:1]) + list(
            book.order_by("voucher__date").values_list("voucher__date", flat=True)[:1]
        )
        if dates:
            result.append(UnreconciledSummary(account.code, bank.count() + book.count(), min(dates)))
    return result


def statement_list(*, ledger: Ledger, account: Account) -> QuerySet[BankStatement]:
    return (
        BankStatement.objects.filter(ledger=ledger, account=account)
        .select_related("imported_by")
        .order_by("-first_date", "-id")
    )


def match_list(*, ledger: Ledger, account: Account, start: date, end: date) -> QuerySet[BankMatch]:
    """The matches whose later side is dated in ``start``…``end`` (made for that month)."""
    later_in = Q(bank_line__date__range=(start, end), voucher_line__voucher__date__lte=end) | Q(
        voucher_line__voucher__date__range=(start, end), bank_line__date__lte=end
    )
    return (
        BankMatch.objects.filter(ledger=ledger, bank_line__account=account)
        .filter(later_in)
        .select_related("bank_line", "voucher_line__voucher", "matched_by")
        .annotate(bank_date=F("bank_line__date"))
        .order_by("bank_line__sequence")
    )
