"""The bank reconciliation page (银行对账) of a ledger's bank account and month: the 银行存款余额
调节表, the lines still to match on both sides (to match by hand), the month's matches (to undo),
the statement upload and the automatic matching.

Views are thin: parse, call one service or selector, render or redirect. A ledger outside the
user's scope gets the same 404 as one that does not exist; a user who may see but not change
(a reviewer forcing a POST) gets 403 with the reason. Every refused input is said in Chinese
on the page it came from, and nothing was changed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from villagebooks.banking import errors as E
from villagebooks.banking import selectors
from villagebooks.banking.access import IMPORT, MATCH, VIEW
from villagebooks.banking.models import BankLine, BankMatch
from villagebooks.banking.services import (
    bank_match_auto,
    bank_match_create,
    bank_match_delete,
    bank_statement_import,
)
from villagebooks.banking.statements import DEFAULT_LAYOUT, column_label, layout_choices
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.uploads import saved_upload
from villagebooks.ledger.access import can
from villagebooks.ledger.domain.periods import parse_period, period_label
from villagebooks.ledger.models import Ledger, Period, PeriodStatus
from villagebooks.ledger.selectors import ledger_get

UNKNOWN_LEDGER = gettext_lazy("账套 {code} 不存在或您无权查看")
IMPORTED = gettext_lazy("已导入对账单 {name}：{count} 笔交易，自动勾对 {matched} 笔。")
AUTO_MATCHED = gettext_lazy("自动勾对 {count} 笔。")
MATCHED = gettext_lazy("已勾对。")
UNMATCHED = gettext_lazy("已取消勾对。")
NO_FILE = gettext_lazy("请选择对账单文件")
FILE_TOO_LARGE = gettext_lazy("文件过大：最大 {size} MB")
PICK_BOTH = gettext_lazy("请各选一笔银行交易和一条账面分录")
MORE_PROBLEMS = gettext_lazy("另有 {count} 处问题未列出")
SHOWN_PROBLEMS = 30


def _not_found(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "web/not_found.html", {"message": UNKNOWN_LEDGER.format(code=code)}, status=404)


def _forbidden(request: HttpRequest, error: NotPermitted) -> HttpResponse:
    context = {"title": _("无权操作"), "message": error.problems[0].message}
    return render(request, "web/not_found.html", context, status=403)


def _ledger(request: HttpRequest, code: str) -> Ledger | None:
    return ledger_get(user=request.user, code=code, action=VIEW)


def _page_url(ledger: Ledger, account: str, period: str) -> str:
    query = {key: value for key, value in (("account", account), ("period", period)) if value}
    return reverse("banking:reconcile", args=[ledger.code]) + (f"?{urlencode(query)}" if query else "")


def _back(request: HttpRequest, ledger: Ledger) -> HttpResponse:
    return redirect(_page_url(ledger, request.POST.get("account", ""), request.POST.get("period", "")))


def _say_problems(request: HttpRequest, error: DomainError) -> None:
    for problem in error.problems[:SHOWN_PROBLEMS]:
        where = _("第{row}行 ").format(row=problem.row) if problem.row is not None else ""
        label = column_label(problem.field) if problem.row is not None else ""
        text = f"{where}{label}：{problem.message}" if label else f"{where}{problem.message}"
        messages.error(request, text)
    if len(error.problems) > SHOWN_PROBLEMS:
        messages.error(request, MORE_PROBLEMS.format(count=len(error.problems) - SHOWN_PROBLEMS))


def _default_period(ledger: Ledger, account) -> int:
    last = (
        BankLine.objects.filter(ledger=ledger, account=account)
        .order_by("-sequence")
        .values_list("date", flat=True)
        .first()
    )
    day = last or timezone.localdate()
    return day.year * 100 + day.month


@login_required
@require_GET
def reconcile_page(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    if ledger is None:
        return _not_found(request, code)
    accounts = list(selectors.bank_account_list(ledger=ledger))
    account_code = request.GET.get("account") or "102"
    errors = {}
    account = next((a for a in accounts if a.code == account_code), None)
    if account is None:
        errors["account"] = E.UNKNOWN_ACCOUNT.format(code=account_code)
        account = accounts[0] if accounts else None
    if account is None:
        return _not_found(request, code)
    try:
        period_key = parse_period(request.GET["period"]) if request.GET.get("period") else None
    except DomainError as error:
        errors["period"] = error.problems[0].message
        period_key = None
    if period_key is None:
        period_key = _default_period(ledger, account)
    reconciliation = selectors.bank_reconciliation_get(
        ledger=ledger, account_code=account.code, period_key=period_key
    )
    end, start = reconciliation.end, reconciliation.start
    year, month = divmod(period_key, 100)
    month_closed = Period.objects.filter(
        ledger=ledger, year=year, month=month, status=PeriodStatus.CLOSED
    ).exists()
    may_match = can(request.user, ledger, MATCH)
    bank_open, book_open, matches = [], [], []
    if start is not None and end >= start:
        bank_open = list(
            selectors.bank_lines(ledger=ledger, account=account)
            .filter(date__range=(start, end), matches__isnull=True)
            .order_by("sequence")
        )
        book_open = list(
            selectors.book_lines(ledger=ledger, account=account)
            .filter(voucher__date__range=(start, end))
            .exclude(pk__in=BankMatch.objects.filter(ledger=ledger).values("voucher_line_id"))
            .exclude(selectors.cancelled_by_reversal(ledger=ledger, end=end))
            .select_related("voucher", "account")
            .order_by("voucher__date", "voucher__number", "line_no")
        )
        matches = list(
            selectors.match_list(ledger=ledger, account=account, start=end.replace(day=1), end=end)
        )
    period_text = period_label(period_key)
    report_query = urlencode({"from": period_text, "to": period_text, "account": account.code})
    context = {
        "ledger": ledger,
        "accounts": accounts,
        "account": account,
        "period_text": period_text,
        "errors": errors,
        "rec": reconciliation,
        "sections": [
            (kind, selectors.KIND_LABELS[kind], reconciliation.of_kind(kind), reconciliation.total(kind))
            for kind in selectors.ITEM_KINDS
        ],
        "bank_open": bank_open,
        "book_open": book_open,
        "matches": matches,
        "may_match": may_match and not month_closed,
        "may_import": can(request.user, ledger, IMPORT),
        "month_closed": month_closed,
        "statements": list(selectors.statement_list(ledger=ledger, account=account)[:12]),
        "layouts": layout_choices(),
        "default_layout": DEFAULT_LAYOUT,
        "report_url": reverse("ledger_report", args=[ledger.code, "bank-reconciliation"])
        + f"?{report_query}",
        "report_query": report_query,
        "window_days": settings.BANK_MATCH_WINDOW_DAYS,
    }
    return render(request, "banking/reconcile.html", context)


@login_required
@require_POST
def import_view(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    if ledger is None:
        return _not_found(request, code)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, NO_FILE)
        return _back(request, ledger)
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        messages.error(request, FILE_TOO_LARGE.format(size=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)))
        return _back(request, ledger)
    with saved_upload(upload, "statement") as path:
        try:
            result = bank_statement_import(
                actor=request.user,
                ledger=ledger,
                account_code=request.POST.get("account", ""),
                path=path,
                file_name=upload.name,
                layout=request.POST.get("layout") or DEFAULT_LAYOUT,
            )
        except NotPermitted as error:
            return _forbidden(request, error)
        except DomainError as error:
            _say_problems(request, error)
            return _back(request, ledger)
    statement = result.statement
    messages.success(
        request, IMPORTED.format(name=statement.file_name, count=statement.line_count, matched=result.matched)
    )
    period = period_label(statement.last_date.year * 100 + statement.last_date.month)
    return redirect(_page_url(ledger, statement.account.code, period))


@login_required
@require_POST
def auto_match_view(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    if ledger is None:
        return _not_found(request, code)
    try:
        count = bank_match_auto(
            actor=request.user, ledger=ledger, account_code=request.POST.get("account", "")
        )
    except NotPermitted as error:
        return _forbidden(request, error)
    except DomainError as error:
        _say_problems(request, error)
        return _back(request, ledger)
    messages.success(request, AUTO_MATCHED.format(count=count))
    return _back(request, ledger)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def match_view(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    if ledger is None:
        return _not_found(request, code)
    bank_line_id, voucher_line_id = (
        _int(request.POST.get("bank_line")),
        _int(request.POST.get("voucher_line")),
    )
    if bank_line_id is None or voucher_line_id is None:
        messages.error(request, PICK_BOTH)
        return _back(request, ledger)
    try:
        bank_match_create(
            actor=request.user, ledger=ledger, bank_line_id=bank_line_id, voucher_line_id=voucher_line_id
        )
    except NotPermitted as error:
        return _forbidden(request, error)
    except DomainError as error:
        _say_problems(request, error)
        return _back(request, ledger)
    messages.success(request, MATCHED)
    return _back(request, ledger)


@login_required
@require_POST
def unmatch_view(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    if ledger is None:
        return _not_found(request, code)
    try:
        bank_match_delete(actor=request.user, ledger=ledger, match_id=_int(request.POST.get("match")) or 0)
    except NotPermitted as error:
        return _forbidden(request, error)
    except DomainError as error:
        _say_problems(request, error)
        return _back(request, ledger)
    messages.success(request, UNMATCHED)
    return _back(request, ledger)
