"""A ledger's set-up and closing pages: the chart of accounts, the opening balances, the month
close as a checklist, the reopening of a month, and the year close with its vouchers shown first.

Views are thin: they read the request, call one service (``ledger.services``) or a selector,
and render. Anyone who may view the ledger sees these pages; the forms appear for the roles
that may use them (``access.can``) and the services check again. A ledger out of the user's
scope is the same 404 as one that does not exist; a write the role does not allow is a 403
with the reason, and changes nothing. Bad input is shown at its field with a 400.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import format_fen, yuan_to_fen
from villagebooks.ledger import services
from villagebooks.ledger.access import Action, actions_on, can, require
from villagebooks.ledger.closing_checks import (
    Blocker,
    BlockerKind,
    CloseWarning,
    NumberOrder,
    period_close_blockers,
    period_close_warnings,
    period_number_order,
    year_close_blockers,
    year_distributions,
)
from villagebooks.ledger.domain.chart import chart_rules
from villagebooks.ledger.domain.periods import period_label
from villagebooks.ledger.models import Ledger, VoucherStatus
from villagebooks.ledger.selectors import ledger_get
from villagebooks.reports import ledger_conversion as conversion
from villagebooks.workspace.pages import PageNotFound, workspace_page
from villagebooks.workspace.setup.forms import (
    BAD_PERIOD,
    GRID_INCOMPLETE,
    AccountAddForm,
    AccountRenameForm,
    AppropriationsForm,
    GridInput,
    PeriodForm,
    ReopenForm,
)
from villagebooks.workspace.setup.selectors import (
    GridAccount,
    GridRow,
    account_names,
    chart_of_accounts,
    closing_overview,
    distributable_profit,
    opening_grid,
    plan_fingerprint,
)

UNKNOWN_LEDGER = gettext_lazy("账套 %(code)s 不存在或您无权查看")
PLAN_CHANGED = gettext_lazy("结转凭证在您核对之后发生了变化，请重新核对后再确认年结")
UNKNOWN_GRID_ACCOUNT = gettext_lazy("未知科目")
VOUCHERS_LISTED = 20
ACCOUNT_INDENT = "\u3000"

# The month-close rules as a checklist, in the order the close applies them; the year close
# adds its own two first. Kinds not listed here (a closed month) show only when they block.
MONTH_CHECKS = (
    (BlockerKind.NOT_ACTIVE, gettext_lazy("账套已录入期初余额")),
    (BlockerKind.EARLIER_OPEN, gettext_lazy("之前的月份都已结账")),
    (BlockerKind.UNPOSTED, gettext_lazy("本月凭证都已记账")),
    (BlockerKind.TRIAL_UNBALANCED, gettext_lazy("试算平衡")),
    (BlockerKind.CASH_NEGATIVE, gettext_lazy("库存现金、银行存款月末不为负数")),
)


_NotFound = PageNotFound
_pages = workspace_page("workspace/setup/forbidden.html")


def _ledger(request: HttpRequest, code: str) -> Ledger:
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        raise _NotFound(str(UNKNOWN_LEDGER) % {"code": code})
    return ledger


def _url(name: str, *args, query: dict | None = None) -> str | None:
    """The address of a page of another app, or None while that page does not exist."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{path}?{urlencode(query)}" if query else path


def _add_problems(form, error: DomainError) -> None:
    if isinstance(error, NotPermitted):
        raise error
    for problem in error.problems:
        form.add_error(problem.field if problem.field in form.fields else None, problem.message)


def _nav(ledger: Ledger, tab: str) -> dict:
    # The ledger's other sections are in the bar every ledger page shows (web_nav.ledger_nav).
    return {"ledger": ledger, "tab": tab}


# ---------------------------------------------------------------------------------------------
# Chart of accounts


def _render_accounts(
    request: HttpRequest,
    ledger: Ledger,
    *,
    add_form: AccountAddForm | None = None,
    rename: tuple[str, AccountRenameForm] | None = None,
    row_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = chart_of_accounts(ledger)
    if add_form is None:
        parent = request.GET.get("parent", "")
        suggested = next((r.next_child_code for r in rows if r.code == parent and r.takes_children), "")
        add_form = AccountAddForm(initial={"parent": parent if suggested else "", "code": suggested})
    errors = dict(row_errors or {})
    if rename and rename[1].errors:
        errors.setdefault(rename[0], []).extend(
            m for field_errors in rename[1].errors.values() for m in field_errors
        )
    # Messages about an account whose row shows no form (unknown, or a level-1 account) go on top.
    with_form = {row.code for row in rows if row.changeable or not row.is_active}
    page_errors = [m for code, messages_of in errors.items() if code not in with_form for m in messages_of]
    context = _nav(ledger, "accounts") | {
        "page_errors": page_errors,
        "rows": [(row, errors.get(row.code, [])) for row in rows],
        # The parent picker shows sub-accounts under their parents, a full-width space a level.
        "parents": [
            (row.code, f"{ACCOUNT_INDENT * (row.level - 1)}{row.code} {row.name}", row.next_child_code)
            for row in rows
            if row.takes_children
        ],
        "add_form": add_form,
        "rename_code": rename[0] if rename else "",
        "rename_form": rename[1] if rename else None,
        "can_setup": can(request.user, ledger, Action.SETUP),
        "disabled_count": sum(1 for row in rows if not row.is_active),
    }
    return render(request, "workspace/setup/accounts.html", context, status=status)


def _accounts_url(ledger: Ledger, code: str = "") -> str:
    return reverse("setup:accounts", args=[ledger.code]) + (f"#account-{code}" if code else "")


@_pages
@require_GET
def accounts(request: HttpRequest, code: str) -> HttpResponse:
    """The chart as a tree, with the forms that add, rename, disable and enable sub-accounts."""
    return _render_accounts(request, _ledger(request, code))


@_pages
@require_POST
def account_add(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    form = AccountAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            account = services.account_add(
                actor=request.user,
                ledger=ledger,
                parent_code=data["parent"],
                code=data["code"],
                name=data["name"],
            )
        except DomainError as error:
            _add_problems(form, error)
        else:
            messages.success(
                request, _("已增加科目 %(code)s %(name)s") % {"code": account.code, "name": account.name}
            )
            return redirect(_accounts_url(ledger, account.code))
    return _render_accounts(request, ledger, add_form=form, status=400)


@_pages
@require_POST
def account_rename(request: HttpRequest, code: str, account_code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    form = AccountRenameForm(request.POST)
    if form.is_valid():
        try:
            account = services.account_rename(
                actor=request.user, ledger=ledger, code=account_code, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            _add_problems(form, error)
        else:
            messages.success(
                request, _("科目 %(code)s 已改名为“%(name)s”") % {"code": account.code, "name": account.name}
            )
            return redirect(_accounts_url(ledger, account.code))
    return _render_accounts(request, ledger, rename=(account_code, form), status=400)


@_pages
@require_POST
def account_active(request: HttpRequest, code: str, account_code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    active = request.POST.get("active") == "1"
    try:
        account = services.account_set_active(
            actor=request.user, ledger=ledger, code=account_code, active=active
        )
    except NotPermitted:
        raise
    except DomainError as error:
        errors = {account_code: [problem.message for problem in error.problems]}
        return _render_accounts(request, ledger, row_errors=errors, status=400)
    done = _("科目 %(code)s 已启用") if active else _("科目 %(code)s 已停用")
    messages.success(request, done % {"code": account.code})
    return redirect(_accounts_url(ledger, account.code))


# ---------------------------------------------------------------------------------------------
# Opening balances


def _stored_rows(grid) -> list[GridRow]:
    """The grid as stored: each leaf's balances, or one empty row for a leaf without any."""
    by_account: dict[str, list[tuple]] = {}
    for stored in grid.stored:
        by_account.setdefault(stored[0], []).append(stored)
    rows = []
    for code, account in grid.accounts.items():
        stored = by_account.get(code) or [(code, "", "", 0, 0)]
        for _code, fund, party, debit, credit in stored:
            rows.append(
                GridRow(
                    account=account,
                    fund=fund,
                    counterparty=party,
                    # With thousands separators, as the books print them (the grid reads them back).
                    debit=format_fen(debit) if debit else "",
                    credit=format_fen(credit) if credit else "",
                )
            )
    return rows


def _posted_rows(grid, data: GridInput) -> list[GridRow]:
    """The grid as the user sent it, to show it again with its errors."""
    rows = []
    for index, code in enumerate(data.accounts):
        account = grid.accounts.get(code) or GridAccount(
            code=code,
            name=str(UNKNOWN_GRID_ACCOUNT),
            parent_name="",
            category_label="",
            side="",
            requires_fund=False,
            requires_counterparty=False,
        )
        rows.append(
            GridRow(
                account=account,
                fund=data.funds[index],
                counterparty=data.counterparties[index],
                debit=data.debits[index],
                credit=data.credits[index],
            )
        )
    return rows


def _lenient_fen(text: str) -> int:
    """An amount for the totals shown beside a grid with errors: unreadable counts as zero."""
    try:
        return yuan_to_fen(text) if text.strip() else 0
    except ValueError:
        return 0


@_pages
@require_http_methods(["GET", "POST"])
def opening(request: HttpRequest, code: str) -> HttpResponse:
    """The opening balances as a grid of every leaf account; saved only when it balances."""
    ledger = _ledger(request, code)
    grid = opening_grid(ledger)
    can_setup = can(request.user, ledger, Action.SETUP)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        require(request.user, ledger, Action.SETUP)
        data = GridInput.from_post(request.POST)
        if not data.complete():
            problems.append(str(GRID_INCOMPLETE))
            rows = _stored_rows(grid)
        else:
            rows = _posted_rows(grid, data)
            inputs, errors = data.parse()
            if not errors:
                try:
                    services.opening_balances_set(actor=request.user, ledger=ledger, rows=inputs)
                except NotPermitted:
                    raise
                except DomainError as error:
                    for problem in error.problems:
                        if problem.row is not None and 0 < problem.row <= len(rows):
                            errors.setdefault(problem.row, []).append(problem.message)
                        else:
                            problems.append(problem.message)
                else:
                    debit = sum(row.debit_fen for row in inputs)
                    messages.success(
                        request,
                        _("期初余额已保存：借方合计 %(debit)s，贷方合计 %(credit)s")
                        % {"debit": format_fen(debit), "credit": format_fen(debit)},
                    )
                    return redirect("setup:opening", code=ledger.code)
            for number, messages_of_row in errors.items():
                rows[number - 1].errors = messages_of_row
        status = 400
    else:
        rows = _stored_rows(grid)
    debit = sum(_lenient_fen(row.debit) for row in rows)
    credit = sum(_lenient_fen(row.credit) for row in rows)
    context = _nav(ledger, "opening") | {
        "rows": rows,
        "funds": grid.funds,
        "counterparties": grid.counterparties,
        "locked": grid.locked,
        "editable": can_setup and not grid.locked,
        "problems": problems,
        "debit_fen": debit,
        "credit_fen": credit,
        "difference_fen": debit - credit,
        "row_error_count": sum(1 for row in rows if row.errors),
    }
    return render(request, "workspace/setup/opening.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Closing


def _checklist(
    ledger: Ledger,
    blockers: list[Blocker],
    *,
    year_close: bool,
    warnings: list[CloseWarning] = (),
    number_order: NumberOrder | None = None,
    can_renumber: bool = False,
) -> list[dict]:
    """Every rule as a checklist item, ticked or with what blocks it and where to clear it, then
    the warnings, which do not stop the close (a fund or its 专项应付款 below zero), then the
    advice on the voucher numbers' order (整理凭证号), which does not stop it either."""
    by_kind = {blocker.kind: blocker for blocker in blockers}
    checks = list(MONTH_CHECKS)
    extra = [b for b in blockers if b.kind not in dict(checks)]
    items = [{"label": b.message, "ok": False, "blocker": b, "links": _links(ledger, b)} for b in extra]
    if year_close and extra and extra[0].kind in (BlockerKind.YEAR_CLOSED, BlockerKind.YEAR_ORDER):
        return items  # the month rules do not apply to a year that cannot be closed at all
    for kind, label in checks:
        blocker = by_kind.get(kind)
        items.append(
            {"label": label, "ok": blocker is None, "blocker": blocker, "links": _links(ledger, blocker)}
        )
    for warning in warnings:
        items.append(
            {"label": warning.message, "ok": True, "warning": warning, "links": _warning_links(ledger)}
        )
    if number_order is not None and number_order.posted:
        items.append(_number_order_item(ledger, number_order, can_renumber=can_renumber))
    return items


def _number_order_item(ledger: Ledger, order: NumberOrder, *, can_renumber: bool) -> dict:
    """Advice, shown as a warning until the numbers follow date order: never a blocker (see
    ``closing_checks``), so the close button stays as the rules leave it. The link leads to the
    month's voucher list, where its 整理凭证号 button is, for users who may use it."""
    if order.in_order:
        return {"label": _("已记账凭证的凭证号按日期顺序排列"), "ok": True, "check": "number_order"}
    label = _(
        "%(period)s 有 %(count)s 张已记账凭证的凭证号与日期顺序不符（共 %(total)s 张），"
        "可在结账前整理凭证号（不影响结账）"
    ) % {"period": order.period_text, "count": order.out_of_order, "total": order.posted}
    url = _url("vouchers:list", ledger.code, query={"period": order.period_text})
    links = [{"text": _("整理凭证号"), "url": f"{url}#renumber-form"}] if url and can_renumber else []
    return {"label": label, "ok": True, "warning": True, "check": "number_order", "links": links}


def _warning_links(ledger: Ledger) -> list[dict]:
    return [{"text": _("查看资金来源汇总表"), "url": _url("ledger_report", ledger.code, "fund-summary")}]


def _links(ledger: Ledger, blocker: Blocker | None) -> list[dict]:
    """Where to go to clear ``blocker``: the vouchers to post, the month to close first …"""
    if blocker is None:
        return []
    code = ledger.code
    if blocker.kind == BlockerKind.NOT_ACTIVE:
        return [{"text": _("录入期初余额"), "url": reverse("setup:opening", args=[code])}]
    if blocker.kind == BlockerKind.EARLIER_OPEN:
        year = blocker.period_key // 100
        url = reverse("setup:closing", args=[code]) + f"?year={year}#month-{blocker.period_key}"
        return [{"text": _("先结账 %(period)s") % {"period": blocker.period_text}, "url": url}]
    if blocker.kind == BlockerKind.UNPOSTED:
        labels = dict(VoucherStatus.choices)
        return [
            {
                "text": _("%(status)s %(count)s 张") % {"status": labels[status], "count": count},
                "url": _url("vouchers:list", code, query={"period": blocker.period_text, "status": status}),
            }
            for status, count in blocker.by_status
        ]
    if blocker.kind in (BlockerKind.TRIAL_UNBALANCED, BlockerKind.CASH_NEGATIVE):
        query = {"from": blocker.period_text, "to": blocker.period_text}
        return [
            {"text": _("查看科目余额表"), "url": _url("ledger_report", code, "trial-balance", query=query)}
        ]
    return [{"text": text, "url": url} for text, url in blocker.links]  # another app's check


def _voucher_links(ledger: Ledger, blocker: Blocker | None) -> list[dict]:
    if blocker is None or blocker.kind != BlockerKind.UNPOSTED:
        return []
    return [{"voucher": v, "url": _url("vouchers:desk", ledger.code, v.id)} for v in blocker.vouchers]


def _render_closing(
    request: HttpRequest,
    ledger: Ledger,
    *,
    year: int | None = None,
    reopen_form: ReopenForm | None = None,
    close_error: str = "",
    status: int = 200,
) -> HttpResponse:
    overview = closing_overview(ledger, year=year)
    next_open = overview.next_open
    checklist, blocked, by_year_close = [], True, False
    unposted_blocker = None
    if next_open is not None:
        by_year_close = next_open.month == 12 and next_open.year == ledger.carried_year
        if by_year_close:
            blockers = year_close_blockers(ledger=ledger, year=next_open.year, voucher_limit=VOUCHERS_LISTED)
        else:
            blockers = period_close_blockers(
                ledger=ledger, year=next_open.year, month=next_open.month, voucher_limit=VOUCHERS_LISTED
            )
        warnings = period_close_warnings(ledger=ledger, year=next_open.year, month=next_open.month)
        number_order = period_number_order(ledger=ledger, year=next_open.year, month=next_open.month)
        checklist = _checklist(
            ledger,
            blockers,
            year_close=by_year_close,
            warnings=warnings,
            number_order=number_order,
            can_renumber=can(request.user, ledger, Action.CLOSE),
        )
        blocked = bool(blockers)
        unposted_blocker = next((b for b in blockers if b.kind == BlockerKind.UNPOSTED), None)
    last_closed = overview.last_closed
    reopenable = last_closed is not None and last_closed.year >= ledger.carried_year
    if reopen_form is None and reopenable:
        reopen_form = ReopenForm(initial={"year": last_closed.year, "month": last_closed.month})
    elif reopen_form is not None and not reopenable:  # no reopening form to show its errors in
        close_error = "；".join(m for errors in reopen_form.errors.values() for m in errors)
    actions = actions_on(request.user, ledger)
    context = _nav(ledger, "closing") | {
        "overview": overview,
        "next_open": next_open,
        "next_label": period_label(next_open.key) if next_open else "",
        "checklist": checklist,
        "blocked": blocked,
        "by_year_close": by_year_close,
        "unposted": _voucher_links(ledger, unposted_blocker),
        "unposted_more": unposted_blocker.count - len(unposted_blocker.vouchers) if unposted_blocker else 0,
        "last_closed": last_closed if reopenable else None,
        "reopen_form": reopen_form,
        "close_error": close_error,
        "can_close": Action.CLOSE in actions,
        "can_reopen": Action.REOPEN in actions,
        "year_close_url": reverse("setup:year_close", args=[ledger.code]),
    }
    return render(request, "workspace/setup/closing.html", context, status=status)


def _year_param(request: HttpRequest) -> int | None:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() and len(text) == 4 else None


@_pages
@require_GET
def closing(request: HttpRequest, code: str) -> HttpResponse:
    """The months of a year with their state; the next month to close as a checklist."""
    return _render_closing(request, _ledger(request, code), year=_year_param(request))


@_pages
@require_POST
def period_close(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        return _render_closing(request, ledger, close_error=str(BAD_PERIOD), status=400)
    year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    try:
        period = services.period_close(actor=request.user, ledger=ledger, year=year, month=month)
    except NotPermitted:
        raise
    except DomainError as error:
        return _render_closing(request, ledger, year=year, close_error=error.problems[0].message, status=400)
    messages.success(request, _("%(period)s 已结账") % {"period": str(period)})
    return redirect(reverse("setup:closing", args=[ledger.code]) + f"?year={period.year}")


@_pages
@require_POST
def period_reopen(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    require(request.user, ledger, Action.REOPEN)
    form = ReopenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            period = services.period_reopen(
                actor=request.user,
                ledger=ledger,
                year=data["year"],
                month=data["month"],
                reason=data["reason"],
            )
        except DomainError as error:
            _add_problems(form, error)
        else:
            messages.success(request, _("%(period)s 已反结账，原因已记录") % {"period": str(period)})
            return redirect(reverse("setup:closing", args=[ledger.code]) + f"?year={period.year}")
    return _render_closing(request, ledger, reopen_form=form, status=400)


# ---------------------------------------------------------------------------------------------
# Year close


def _plan_tables(ledger: Ledger, plan) -> list[dict]:
    codes = {line.account_code for voucher in plan for line in voucher.lines}
    names = account_names(ledger, codes)
    tables, distributing = [], False
    for voucher in plan:
        distributing = distributing or not voucher.is_system_closing
        tables.append(
            {
                "summary": voucher.summary,
                "lines": [
                    {"line": line, "account_name": names.get(line.account_code, "")} for line in voucher.lines
                ],
                "debit_fen": sum(line.debit_fen for line in voucher.lines),
                "credit_fen": sum(line.credit_fen for line in voucher.lines),
                # What the year close does with it (services.year_close): posts it now as the
                # system's entry, submits it for review, or posts it when run again afterwards.
                "stage": "review" if not voucher.is_system_closing else "later" if distributing else "now",
            }
        )
    return tables


@_pages
@require_http_methods(["GET", "POST"])
def year_close(request: HttpRequest, code: str) -> HttpResponse:
    """The year close of the ledger's open year: the vouchers it would post, for the amounts of
    appropriation entered, then (POST) the close itself, refused if the vouchers changed since."""
    ledger = _ledger(request, code)
    year = ledger.carried_year
    rules = chart_rules(ledger.chart)
    names = account_names(ledger, set(rules.appropriations.values()))
    posting = request.method == "POST"
    form = AppropriationsForm(
        request.POST if posting else request.GET, kinds=rules.appropriations, account_names=names
    )
    plan, error_message, status = None, "", 200
    if form.is_valid():
        try:
            plan = services.year_close_plan(ledger=ledger, year=year, appropriations=form.appropriations())
        except DomainError as error:
            _add_problems(form, error)
    if plan is None:
        status = 400
    elif posting:
        if request.POST.get("plan") != plan_fingerprint(plan):
            error_message, status = str(PLAN_CHANGED), 400
        else:
            try:
                result = services.year_close(
                    actor=request.user, ledger=ledger, year=year, appropriations=form.appropriations()
                )
            except NotPermitted:
                raise
            except DomainError as error:
                error_message, status = error.problems[0].message, 400
            else:
                numbers = _("、").join(
                    _("记-%(number)s") % {"number": v.number} for v in result.vouchers
                ) or _("无")
                if not result.closed:
                    messages.success(
                        request,
                        _(
                            "已过账结转凭证 %(count)s 张（%(numbers)s）；收益分配凭证 %(drafts)s 张已提交审核。"
                            "由制单人以外的审核人审核、记账后，再回到本页完成 %(year)s 年度年结"
                        )
                        % {
                            "year": year,
                            "count": len(result.vouchers),
                            "numbers": numbers,
                            "drafts": len(result.distributions),
                        },
                    )
                    return redirect(reverse("setup:year_close", args=[ledger.code]))
                messages.success(
                    request,
                    _(
                        "%(year)s 年度已年结：过账结转凭证 %(count)s 张（%(numbers)s），余额已结转至 %(next)s 年"
                    )
                    % {"year": year, "count": len(result.vouchers), "numbers": numbers, "next": year + 1},
                )
                return redirect(reverse("setup:closing", args=[ledger.code]) + f"?year={year}")
    blockers = year_close_blockers(ledger=ledger, year=year, voucher_limit=VOUCHERS_LISTED)
    unposted_blocker = next((b for b in blockers if b.kind == BlockerKind.UNPOSTED), None)
    planned = form.total_fen() if plan is not None else 0
    plan_tables = _plan_tables(ledger, plan) if plan is not None else None
    context = _nav(ledger, "year") | {
        "year": year,
        "form": form,
        "plan": plan_tables,
        "distributing": any(table["stage"] == "review" for table in plan_tables or []),
        "distributions": [
            {"voucher": v, "url": _url("vouchers:desk", ledger.code, v.id)}
            for v in year_distributions(ledger, year)
        ],
        "fingerprint": plan_fingerprint(plan) if plan is not None else "",
        "appropriations": [(name, form.kinds[name], form.cleaned_data.get(name, 0)) for name in form.kinds]
        if plan is not None
        else [],
        "checklist": _checklist(
            ledger,
            blockers,
            year_close=True,
            warnings=period_close_warnings(ledger=ledger, year=year, month=12)
            if year == ledger.carried_year
            else [],
        ),
        "unposted": _voucher_links(ledger, unposted_blocker),
        "unposted_more": unposted_blocker.count - len(unposted_blocker.vouchers) if unposted_blocker else 0,
        "blocked": bool(blockers),
        "profit": distributable_profit(ledger, year, planned_fen=planned),
        "error_message": error_message,
        "can_close": can(request.user, ledger, Action.CLOSE),
    }
    return render(request, "workspace/setup/year_close.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# 新旧衔接: a 2004 ledger's closed year into a new 2023 ledger


def _conversion_decisions(source) -> dict:
    """The decisions a form posts: ``decision-<code>`` (the 2023 account), with
    ``counterparty-<code>`` / ``fund-<code>`` where the 2023 account asks for one (a dimension
    item's fixed account comes as a hidden ``decision-<code>``)."""
    decisions = {}
    for key, value in source.items():
        if key.startswith("decision-") and value.strip():
            code = key.removeprefix("decision-")
            decisions[code] = conversion.Decision(
                to=value.strip(),
                counterparty=source.get(f"counterparty-{code}", "").strip(),
                fund=source.get(f"fund-{code}", "").strip(),
            )
    return decisions


@_pages
@require_http_methods(["GET", "POST"])
def convert(request: HttpRequest, code: str) -> HttpResponse:
    """新旧衔接: what converting the ledger's closed year would carry, the items to decide, and
    (POST) the conversion itself, refused with every problem and nothing written."""
    ledger = _ledger(request, code)
    posting = request.method == "POST"
    source = request.POST if posting else request.GET
    last_closed = ledger.carried_year - 1
    year_text = source.get("year", str(last_closed)).strip()
    new_code = source.get("to", "").strip()
    new_name = source.get("name", "").strip()
    decisions = _conversion_decisions(source)
    plan, report, new, error, status = None, None, None, "", 200
    try:
        year = int(year_text)
    except ValueError:
        year, error, status = last_closed, _("年度应为四位数字"), 400
    if not error and ("to" in source or posting):
        try:
            plan = conversion.conversion_plan(
                user=request.user,
                ledger_code=ledger.code,
                year=year,
                new_code=new_code,
                new_name=new_name,
                decisions=decisions,
            )
            if posting and not plan.problems:
                new = conversion.ledger_convert(
                    actor=request.user,
                    ledger_code=ledger.code,
                    year=year,
                    new_code=new_code,
                    new_name=new_name,
                    decisions=decisions,
                )
            report = conversion.conversion_report(user=request.user, plan=plan, new=new)
        except NotPermitted:
            raise
        except DomainError as problem:
            error, status = problem.problems[0].message, 400
        else:
            if plan.problems and posting:
                status = 400
    context = _nav(ledger, "convert") | {
        "year": year,
        "new_code": new_code,
        "new_name": new_name,
        "plan": plan,
        "report": report,
        "new": new,
        "error_message": error,
        "can_convert": can(request.user, ledger, Action.SETUP),
        "is_old_chart": ledger.chart == "2004",
        # A dimension item's account is fixed (a hidden field) unless a select decides it.
        "selected_codes": {item.old_code for item in plan.items if item.kind != conversion.DIMENSION}
        if plan
        else set(),
    }
    return render(request, "workspace/setup/convert.html", context, status=status)
