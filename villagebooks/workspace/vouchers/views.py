"""The accountant's voucher pages: entry and edit (the keyboard grid), the list with its bulk
actions, the review desk (a voucher beside its attachments) and the reversal of a posted voucher.

Views are thin: they read the request, call one service per voucher (``ledger.services``) or a
selector, and render. A ledger the user may not view, or a voucher of another ledger, is the
same 404 as one that does not exist; an action the user's role does not allow on a ledger they
may view is a 403 with the reason (``access`` decides, through the services). Every form posts
with its CSRF token and works without JavaScript; the script only makes the grid quicker.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villagebooks.common.csp import inline_file_headers
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import amount_in_words, format_fen
from villagebooks.ledger import services
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.entry_helpers import summaries_for, templates_of
from villagebooks.ledger.models import (
    PREPARED_KINDS,
    Ledger,
    PeriodStatus,
    Voucher,
    VoucherStatus,
    VoucherTemplate,
)
from villagebooks.ledger.selectors import attachment_get, ledger_get, voucher_get
from villagebooks.supervision.services import voucher_alerts
from villagebooks.workspace.pages import PageNotFound, workspace_page
from villagebooks.workspace.vouchers import grid
from villagebooks.workspace.vouchers.bulk import BULK_ACTIONS, MAX_BULK, voucher_name, vouchers_bulk
from villagebooks.workspace.vouchers.forms import ReasonForm, ReverseForm, VoucherFilterForm
from villagebooks.workspace.vouchers.selectors import (
    Permissions,
    account_choices,
    counterparty_matches,
    fund_names,
    last_send_back,
    next_across,
    review_queue,
    review_queue_across,
    voucher_list,
    with_lines,
)

VOUCHERS_PER_PAGE = 30
QUEUE_PER_PAGE = 20
MORE_ROWS = 5
NOTE_MAX = 200

UNKNOWN_LEDGER = gettext_lazy("账套 %(code)s 不存在或您无权查看")
UNKNOWN_VOUCHER = gettext_lazy("凭证不存在或您无权查看")
UNKNOWN_ATTACHMENT = gettext_lazy("附件不存在或您无权查看")
MISSING_FILE = gettext_lazy("附件文件已丢失，请联系管理员")
NOT_A_DRAFT = gettext_lazy("凭证当前状态为“%(status)s”，不能修改")
CANNOT_PREPARE = gettext_lazy("您没有权限在账套“%(ledger)s”录入或修改凭证")
NOTE_TOO_LONG = gettext_lazy("说明不能超过 %(max)s 个字")
UNKNOWN_BULK = gettext_lazy("请选择要执行的批量操作")
NONE_CHOSEN = gettext_lazy("请先勾选凭证")
TOO_MANY_CHOSEN = gettext_lazy("一次最多处理 %(max)s 张凭证")


@dataclass(frozen=True)
class _Row:
    """A voucher as a list shows it: its first summary and the accounts of its first lines.

    Made here once per row from the prefetched lines, so the template does no work per line.
    """

    voucher: Voucher
    summary: str
    accounts: list[str]
    more: bool


ACCOUNTS_SHOWN = 4


def _rows(vouchers: list[Voucher]) -> list[_Row]:
    rows = []
    for voucher in with_lines(vouchers):
        lines = list(voucher.lines.all())
        shown = [
            f"{_('借') if line.debit_fen else _('贷')} {line.account.code} {line.account.name}"
            for line in lines[:ACCOUNTS_SHOWN]
        ]
        summary = lines[0].summary if lines else voucher.note
        rows.append(_Row(voucher=voucher, summary=summary, accounts=shown, more=len(lines) > ACCOUNTS_SHOWN))
    return rows


_NotFound = PageNotFound
_workspace = workspace_page("workspace/vouchers/forbidden.html")


def _ledger(request: HttpRequest, code: str) -> Ledger:
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        raise _NotFound(str(UNKNOWN_LEDGER) % {"code": code})
    return ledger


def _ledger_of_voucher(request: HttpRequest, code: str) -> Ledger:
    """The ledger behind a voucher's address: one out of scope is the voucher's own 404 (the page
    does not tell whether the ledger or the voucher is missing)."""
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        raise _NotFound(str(UNKNOWN_VOUCHER))
    return ledger


def _voucher(request: HttpRequest, ledger: Ledger, voucher_id: int) -> Voucher:
    voucher = voucher_get(user=request.user, ledger_code=ledger.code, voucher_id=voucher_id)
    if voucher is None:
        raise _NotFound(str(UNKNOWN_VOUCHER))
    return voucher


def _require_prepare(ledger: Ledger, perms: Permissions) -> None:
    # Only to refuse the page itself: the service refuses the write again on its own.
    if not perms.prepare:
        raise NotPermitted(str(CANNOT_PREPARE) % {"ledger": ledger.name})


def _voucher_link(ledger: Ledger, voucher: Voucher):
    """The ledger and the voucher's name, a link to its page (safe HTML for a message)."""
    return format_html(
        '<a href="{}">{} {}</a>',
        reverse("vouchers:desk", args=[ledger.code, voucher.pk]),
        ledger.name,
        voucher_name(voucher),
    )


def _problems_text(error: DomainError) -> str:
    return "；".join(problem.message for problem in error.problems)


def _back(request: HttpRequest, default: str) -> str:
    """The ``next`` the form asked to return to, if it is a path of this site; else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# ---------------------------------------------------------------------------------------------
# Entry and edit


def _entry_context(
    request: HttpRequest,
    *,
    ledger: Ledger,
    perms: Permissions,
    rows: list[grid.GridRow],
    day_text: str,
    note: str,
    submit: bool,
    accounts: list[grid.AccountChoice],
    voucher: Voucher | None = None,
    errors: dict[str, str] | None = None,
    voucher_errors: list[str] | None = None,
) -> dict:
    by_code = {account.code: account for account in accounts}
    debit, credit = grid.totals(rows)
    attachments = list(voucher.attachments.all()) if voucher is not None else []
    return {
        "ledger": ledger,
        "perms": perms,
        # 常用摘要 offered in the summary cells; the templates a new voucher may start from.
        "summaries": summaries_for(ledger, request.user),
        "templates": templates_of(ledger) if voucher is None else [],
        "tab": "entry" if voucher is None else "list",
        "voucher": voucher,
        "rows": [(index, row, by_code.get(row.account.split(" ", 1)[0])) for index, row in enumerate(rows)],
        "line_count": len(rows),
        "day_text": day_text,
        "note": note,
        "submit": submit,
        "errors": errors or {},
        "voucher_errors": voucher_errors or [],
        "debit_fen": debit,
        "credit_fen": credit,
        "accounts_json": [account.as_json() for account in accounts],
        "funds": fund_names(ledger),
        "attachments": attachments,
        "preview": _preview(request, attachments),
        "sent_back": last_send_back(voucher) if voucher is not None else None,
        "entry_text": _entry_text(),
        "action_url": request.path,
    }


def _entry_text() -> dict:
    """What the grid's script says, translated here (``%s`` is filled in by the script)."""
    return {
        "unknownAccount": _("科目“%s”不存在于本账套，请输入科目编码、名称或拼音首字母"),
        "ambiguous": _("“%s”对应多个科目，请从列表中选择"),
        "fundRequired": _("此科目必须指定资金来源"),
        "partyRequired": _("此科目必须指定往来单位"),
        "balanced": _("借贷平衡"),
        "unbalanced": _("借贷不平衡，差额 %s"),
        "noMatch": _("没有匹配的科目"),
        "parentAccount": _("科目 {code} 有下级科目，请选择末级科目：{subs}"),
        "andMore": _("等 {count} 个"),
        "pickLeaf": _("有下级科目，请用 ↑↓ 选择一个末级科目"),
        "notMoney": _("不是有效的金额（最多两位小数）"),
        "remove": _("移除"),
        "tooLarge": _("文件超过 %s MB，不能上传"),
        "badType": _("只能上传图片或 PDF 文件"),
        "maxLines": grid.MAX_LINES,
        "maxMegabytes": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }


def _preview(request: HttpRequest, attachments: list) -> object | None:
    """The attachment shown large beside the voucher: ``?preview=<id>``, else the first."""
    wanted = request.GET.get("preview", "")
    for attachment in attachments:
        if str(attachment.pk) == wanted:
            return attachment
    return attachments[0] if attachments else None


def _template(ledger: Ledger, text: str) -> VoucherTemplate | None:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:  # an id fits in 64 bits
        return None
    return VoucherTemplate.objects.filter(ledger=ledger, pk=int(text)).first()


def _today_or(text: str) -> str:
    day, problem = grid.parse_date(text)
    return (day if day and not problem else timezone.localdate()).isoformat()


def _save_attachments(request: HttpRequest, voucher: Voucher) -> int:
    """Attach the files posted with the voucher; each failure is a message, the voucher stays saved."""
    saved = 0
    limit = settings.ATTACHMENT_MAX_BYTES
    for upload in request.FILES.getlist("attachments"):
        # Reading one byte past the limit is enough for the service to refuse a file too large.
        content = upload.read(limit + 1)
        try:
            services.attachment_add(actor=request.user, voucher=voucher, name=upload.name, content=content)
        except NotPermitted:
            raise
        except DomainError as error:
            messages.error(
                request,
                _("附件“%(name)s”未能上传：%(reason)s")
                % {"name": upload.name, "reason": _problems_text(error)},
            )
        else:
            saved += 1
    return saved


def _read_grid(request: HttpRequest, accounts: list[grid.AccountChoice]):
    """(rows, date, note, lines, cell/field errors, voucher errors) of a posted grid."""
    rows, too_many = grid.rows_from_post(request.POST)
    day, date_problem = grid.parse_date(request.POST.get("date", ""))
    note = request.POST.get("note", "").strip()
    errors: dict[str, str] = {}
    voucher_errors = [too_many] if too_many else []
    if date_problem:
        errors["date"] = date_problem
    if len(note) > NOTE_MAX:
        errors["note"] = str(NOTE_TOO_LONG) % {"max": NOTE_MAX}
    lines = grid.lines_from_rows(rows, accounts)
    if errors or voucher_errors or any(row.errors for row in rows):
        voucher_errors += [p.message for p in grid.precheck(rows, lines)]
    return rows, day, note, lines, errors, voucher_errors


def _service_errors(error: DomainError, rows, errors: dict[str, str], voucher_errors: list[str]) -> None:
    for problem in grid.place_problems(rows, error.problems):
        if problem.field in ("date", "note"):
            errors.setdefault(problem.field, problem.message)
        else:
            voucher_errors.append(problem.message)


def _grid_page(
    request: HttpRequest, ledger: Ledger, perms: Permissions, voucher: Voucher | None
) -> HttpResponse:
    """GET shows the grid; POST saves it (``action``: save, save-next, more-rows)."""
    accounts = account_choices(ledger)
    if request.method == "GET":
        template = _template(ledger, request.GET.get("template", "")) if voucher is None else None
        if template is not None:  # a new voucher started from a template (凭证模板)
            rows = grid.compact(grid.rows_from_records(template.lines), minimum=len(template.lines) + 1)
            day_text, note = _today_or(request.GET.get("date", "")), template.note
        elif voucher is None:
            rows, day_text, note = grid.compact([]), _today_or(request.GET.get("date", "")), ""
        else:
            rows = grid.compact(
                grid.rows_from_lines(voucher.lines.all()), minimum=len(voucher.lines.all()) + 1
            )
            day_text, note = voucher.date.isoformat(), voucher.note
        context = _entry_context(
            request,
            ledger=ledger,
            perms=perms,
            rows=rows,
            day_text=day_text,
            note=note,
            submit=True,
            accounts=accounts,
            voucher=voucher,
        )
        return render(request, "workspace/vouchers/entry.html", context)

    action = request.POST.get("action", "save")
    submit = request.POST.get("submit") == "1"
    rows, day, note, lines, errors, voucher_errors = _read_grid(request, accounts)
    page = functools.partial(
        _entry_context,
        request,
        ledger=ledger,
        perms=perms,
        day_text=request.POST.get("date", ""),
        note=note,
        submit=submit,
        accounts=accounts,
        voucher=voucher,
    )
    if action == "more-rows":
        for row in rows:
            row.errors.clear()
        shown = grid.compact(rows, minimum=min(len(rows) + MORE_ROWS, grid.MAX_LINES))
        return render(request, "workspace/vouchers/entry.html", page(rows=shown))
    if errors or voucher_errors or any(row.errors for row in rows):
        return render(
            request,
            "workspace/vouchers/entry.html",
            page(rows=grid.compact(rows), errors=errors, voucher_errors=voucher_errors),
            status=400,
        )
    try:
        if voucher is None:
            saved = services.voucher_create(
                actor=request.user, ledger=ledger, date=day, lines=lines, note=note, submit=submit
            )
        else:
            saved = services.voucher_update(
                actor=request.user, voucher=voucher, date=day, lines=lines, note=note
            )
            if submit:
                saved = services.voucher_submit(actor=request.user, voucher=saved)
    except NotPermitted:
        raise
    except DomainError as error:
        _service_errors(error, rows, errors, voucher_errors)
        return render(
            request,
            "workspace/vouchers/entry.html",
            page(rows=grid.compact(rows), errors=errors, voucher_errors=voucher_errors),
            status=400,
        )
    attached = _save_attachments(request, saved)
    done = _("已提交审核") if saved.status == VoucherStatus.SUBMITTED else _("已保存为草稿")
    text = _("（%(date)s，金额 %(amount)s）%(done)s") % {
        "date": saved.date.isoformat(),
        "amount": format_fen(saved.amount_fen),
        "done": done,
    }
    if attached:
        text += _("，附件 %(count)s 个") % {"count": attached}
    messages.success(request, format_html("{}{}", _voucher_link(ledger, saved), text))
    if action == "save-next":
        return redirect(f"{reverse('vouchers:entry', args=[ledger.code])}?date={saved.date.isoformat()}")
    if saved.status == VoucherStatus.DRAFT:
        return redirect("vouchers:edit", ledger.code, saved.pk)
    return redirect("vouchers:desk", ledger.code, saved.pk)


@_workspace
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, code: str) -> HttpResponse:
    """A new voucher (凭证录入)."""
    ledger = _ledger(request, code)
    perms = Permissions.of(request.user, ledger)
    _require_prepare(ledger, perms)
    return _grid_page(request, ledger, perms, None)


@_workspace
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """A draft, in the same grid; a voucher past draft opens on the review desk instead."""
    ledger = _ledger(request, code)
    voucher = _voucher(request, ledger, voucher_id)
    perms = Permissions.of(request.user, ledger)
    if voucher.status != VoucherStatus.DRAFT or voucher.kind not in PREPARED_KINDS or not perms.prepare:
        if request.method == "POST":
            _require_prepare(ledger, perms)
            messages.error(request, str(NOT_A_DRAFT) % {"status": voucher.get_status_display()})
        return redirect("vouchers:desk", ledger.code, voucher.pk)
    return _grid_page(request, ledger, perms, voucher)


@_workspace
@require_GET
def counterparties(request: HttpRequest, code: str) -> JsonResponse:
    """Counterparty names matching ``?q=``, for the grid's counterparty cell."""
    ledger = _ledger(request, code)
    return JsonResponse({"names": counterparty_matches(ledger, request.GET.get("q", "").strip()[:50])})


# ---------------------------------------------------------------------------------------------
# The list and its bulk actions


@_workspace
@require_GET
def voucher_index(request: HttpRequest, code: str) -> HttpResponse:
    """The ledger's vouchers, filtered, a page at a time, with bulk actions for permitted users."""
    ledger = _ledger(request, code)
    perms = Permissions.of(request.user, ledger)
    form = VoucherFilterForm(request.GET)
    page = None
    if form.is_valid():
        page = Paginator(voucher_list(ledger=ledger, filters=form.to_filter()), VOUCHERS_PER_PAGE).get_page(
            request.GET.get("page")
        )
    bulk_actions = [
        (name, BULK_ACTIONS[name].verb)
        for name, allowed in (("submit", perms.prepare), ("review", perms.review), ("post", perms.post))
        if allowed
    ]
    context = {
        "ledger": ledger,
        "perms": perms,
        "tab": "list",
        "form": form,
        "page": page,
        "renumber_period": _renumberable(ledger, perms, form),
        "rows": _rows(list(page.object_list)) if page is not None else [],
        "bulk_actions": bulk_actions,
        "here": request.get_full_path(),
    }
    return render(request, "workspace/vouchers/list.html", context, status=200 if page is not None else 400)


def _renumberable(ledger: Ledger, perms: Permissions, form: VoucherFilterForm) -> str:
    """The month shown (``YYYY-MM``) if the user may put its numbers in date order (整理凭证号):
    one month filtered, still open, with posted vouchers; else ""."""
    key = form.cleaned_data.get("period") if perms.close and form.is_valid() else None
    if not key:
        return ""
    open_with_posted = Voucher.objects.filter(
        ledger=ledger,
        period__year=key // 100,
        period__month=key % 100,
        period__status=PeriodStatus.OPEN,
        status=VoucherStatus.POSTED,
    ).exists()
    return f"{key // 100}-{key % 100:02d}" if open_with_posted else ""


@_workspace
@require_POST
def renumber(request: HttpRequest, code: str) -> HttpResponse:
    """整理凭证号 for the month the list shows: its posted vouchers numbered in date order."""
    ledger = _ledger(request, code)
    text = request.POST.get("period", "")
    back = reverse("vouchers:list", args=[ledger.code]) + "?" + urlencode({"period": text})
    try:
        key = parse_period(text, field="period")
        act = services.vouchers_renumber(
            actor=request.user,
            ledger=ledger,
            year=key // 100,
            month=key % 100,
            reason=request.POST.get("reason", ""),
        )
    except NotPermitted:
        raise
    except DomainError as error:
        messages.error(request, _problems_text(error))
        return redirect(back)
    if act is None:
        messages.info(request, _("%(period)s 的凭证号已按日期排列，无需整理") % {"period": text})
    else:
        messages.success(
            request,
            _("%(period)s 已整理凭证号：%(count)s 张凭证改号，记入哈希链和操作日志")
            % {"period": text, "count": act.lines.count()},
        )
    return redirect(back)


@_workspace
@require_POST
def bulk(request: HttpRequest, code: str) -> HttpResponse:
    """Run one action on the ticked vouchers, each in its own transaction; report each failure."""
    ledger = _ledger(request, code)
    back = _back(request, reverse("vouchers:list", args=[ledger.code]))
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.error(request, str(UNKNOWN_BULK))
        return redirect(back)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    if not ids:
        messages.error(request, str(NONE_CHOSEN))
        return redirect(back)
    if len(ids) > MAX_BULK:
        messages.error(request, str(TOO_MANY_CHOSEN) % {"max": MAX_BULK})
        return redirect(back)
    perms = Permissions.of(request.user, ledger)
    allowed = {"submit": perms.prepare, "review": perms.review, "post": perms.post}[action]
    if not allowed:
        raise NotPermitted(
            _("您没有权限在账套“%(ledger)s”批量%(verb)s凭证")
            % {"ledger": ledger.name, "verb": BULK_ACTIONS[action].verb}
        )
    outcomes = vouchers_bulk(actor=request.user, ledger=ledger, action=action, ids=ids)
    verb = BULK_ACTIONS[action].verb
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    if done:
        messages.success(
            request,
            _("已%(verb)s %(count)s 张凭证：%(labels)s")
            % {"verb": verb, "count": len(done), "labels": "、".join(o.label for o in done)},
        )
    for outcome in failed:
        messages.error(
            request,
            _("%(label)s 未能%(verb)s：%(reason)s")
            % {"label": outcome.label, "verb": verb, "reason": outcome.message},
        )
    return redirect(back)


# ---------------------------------------------------------------------------------------------
# One voucher: the review desk and its actions


def _desk_context(
    request: HttpRequest, ledger: Ledger, voucher: Voucher, perms: Permissions, **extra
) -> dict:
    lines = list(voucher.lines.all())
    attachments = list(voucher.attachments.all())
    debit = sum(line.debit_fen for line in lines)
    status = voucher.status
    own = voucher.prepared_by_id == request.user.pk
    reversed_by = getattr(voucher, "reversed_by", None) if status == VoucherStatus.POSTED else None
    unposted = status != VoucherStatus.POSTED
    context = {
        # What the supervision rules say of it, beside it before anyone approves it.
        "alerts": voucher_alerts(actor=request.user, voucher=voucher)
        if status != VoucherStatus.DRAFT
        else [],
        "ledger": ledger,
        "perms": perms,
        "tab": "review" if status == VoucherStatus.SUBMITTED else "list",
        "voucher": voucher,
        "label": voucher_name(voucher),
        "lines": lines,
        "debit_fen": debit,
        "credit_fen": sum(line.credit_fen for line in lines),
        "amount_words": amount_in_words(debit),
        "attachments": attachments,
        "preview": _preview(request, attachments),
        "can_edit": status == VoucherStatus.DRAFT and voucher.kind in PREPARED_KINDS and perms.prepare,
        "can_submit": status == VoucherStatus.DRAFT and perms.prepare,
        "can_withdraw": status == VoucherStatus.SUBMITTED and perms.prepare and own,
        "can_delete": status == VoucherStatus.DRAFT and perms.prepare,
        "can_review": status == VoucherStatus.SUBMITTED and perms.review and not own,
        "own_voucher": status == VoucherStatus.SUBMITTED and perms.review and own,
        "can_send_back": status in (VoucherStatus.SUBMITTED, VoucherStatus.REVIEWED) and perms.review,
        "can_post": status == VoucherStatus.REVIEWED and perms.post,
        "can_reverse": (
            status == VoucherStatus.POSTED
            and voucher.kind in PREPARED_KINDS
            and reversed_by is None
            and perms.prepare
        ),
        "reversed_by": reversed_by,
        "can_upload": unposted and perms.prepare,
        # 复制 / 存为模板 / 设为定期凭证 (workspace.helpers): vouchers a person prepared.
        "can_copy": perms.prepare and voucher.kind in PREPARED_KINDS and voucher.reverses_id is None,
        "reason_form": ReasonForm(),
        "sent_back": last_send_back(voucher),
        "entry_text": _entry_text(),
        "next_voucher": next_across(user=request.user, after=voucher)
        if perms.review and status == VoucherStatus.SUBMITTED
        else None,
    }
    context.update(extra)
    return context


@_workspace
@require_GET
def desk(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """The voucher's one page: the voucher with its attachments beside it, and what the user may
    do to it now (修改, 提交, 撤回, 审核/退回, 记账, 冲销, print), as ``access`` allows."""
    if request.GET.get("print") == "1":  # the print layout's first address
        return redirect("voucher_print", code, voucher_id)
    ledger = _ledger_of_voucher(request, code)
    voucher = _voucher(request, ledger, voucher_id)
    perms = Permissions.of(request.user, ledger)
    return render(request, "workspace/vouchers/desk.html", _desk_context(request, ledger, voucher, perms))


@_workspace
@require_GET
def desk_moved(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """The desk's first address (review/<id>/): kept working, it leads to the voucher's page
    (after the same 404 as the page for a voucher out of scope)."""
    ledger = _ledger_of_voucher(request, code)
    voucher = _voucher(request, ledger, voucher_id)
    return redirect("vouchers:desk", ledger.code, voucher.pk)


def _after_review(request: HttpRequest, ledger: Ledger, voucher: Voucher) -> HttpResponse:
    """On to the next voucher waiting, or back to the queue when it is empty."""
    following = next_across(user=request.user, after=voucher)
    if following is not None:
        return redirect("vouchers:desk", following.ledger.code, following.pk)
    messages.info(request, _("审核队列中没有其他待审核的凭证"))
    return redirect("vouchers:review", ledger.code)


def _single(
    request: HttpRequest, code: str, voucher_id: int, act: Callable[[Voucher], Voucher], done
) -> tuple[Ledger, Voucher | None]:
    """Run one service on one voucher; its refusal is a message (a 403 stays a 403), its success
    ``done`` with the voucher's name as ``%(voucher)s``."""
    ledger = _ledger(request, code)
    voucher = _voucher(request, ledger, voucher_id)
    try:
        result = act(voucher)
    except NotPermitted:
        raise
    except DomainError as error:
        messages.error(request, _problems_text(error))
        return ledger, None
    result = result if result is not None else voucher
    messages.success(request, done % {"voucher": voucher_name(result)})
    return ledger, result


@_workspace
@require_POST
def approve(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    ledger, reviewed = _single(
        request,
        code,
        voucher_id,
        lambda v: services.voucher_review(actor=request.user, voucher=v),
        gettext_lazy("%(voucher)s 已审核通过"),
    )
    if reviewed is None:
        return redirect("vouchers:desk", ledger.code, voucher_id)
    return _after_review(request, ledger, reviewed)


@_workspace
@require_POST
def send_back(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """Back to its preparer as a draft; the reason is required and recorded by the service."""
    ledger = _ledger(request, code)
    voucher = _voucher(request, ledger, voucher_id)
    perms = Permissions.of(request.user, ledger)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.voucher_send_back(
                actor=request.user, voucher=voucher, reason=form.cleaned_data["reason"]
            )
        except NotPermitted:
            raise
        except DomainError as error:
            for problem in error.problems:
                form.add_error("reason" if problem.field == "reason" else None, problem.message)
        else:
            messages.success(
                request,
                _("%(voucher)s 已退回制单人：%(reason)s")
                % {"voucher": voucher_name(voucher), "reason": form.cleaned_data["reason"]},
            )
            return _after_review(request, ledger, voucher)
    context = _desk_context(request, ledger, voucher, perms, reason_form=form)
    return render(request, "workspace/vouchers/desk.html", context, status=400)


@_workspace
@require_POST
def post(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    ledger, posted = _single(
        request,
        code,
        voucher_id,
        lambda v: services.voucher_post(actor=request.user, voucher=v),
        _("凭证已记账"),
    )
    if posted is not None:
        messages.success(
            request, _("编号：%(date)s 记-%(number)s") % {"date": posted.date, "number": posted.number}
        )
    return redirect(_back(request, reverse("vouchers:desk", args=[ledger.code, voucher_id])))


@_workspace
@require_POST
def submit(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    ledger, _submitted = _single(
        request,
        code,
        voucher_id,
        lambda v: services.voucher_submit(actor=request.user, voucher=v),
        gettext_lazy("%(voucher)s 已提交审核"),
    )
    return redirect("vouchers:desk", ledger.code, voucher_id)


@_workspace
@require_POST
def withdraw(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """撤回: the preparer takes back a submitted voucher not yet reviewed, as a draft to change."""
    ledger, withdrawn = _single(
        request,
        code,
        voucher_id,
        lambda v: services.voucher_withdraw(actor=request.user, voucher=v),
        gettext_lazy("%(voucher)s 已撤回为草稿，可以修改后重新提交"),
    )
    return redirect("vouchers:desk", ledger.code, voucher_id)


@_workspace
@require_POST
def delete(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    ledger = _ledger(request, code)
    voucher = _voucher(request, ledger, voucher_id)
    try:
        services.voucher_delete(actor=request.user, voucher=voucher)
    except NotPermitted:
        raise
    except DomainError as error:
        messages.error(request, _problems_text(error))
        return redirect("vouchers:desk", ledger.code, voucher.pk)
    messages.success(request, _("%(voucher)s 已删除") % {"voucher": voucher_name(voucher)})
    return redirect("vouchers:list", ledger.code)


@_workspace
@require_POST
def upload(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """Attach source documents to a voucher not yet posted (from the desk)."""
    ledger = _ledger(request, code)
    voucher = _voucher(request, ledger, voucher_id)
    if not request.FILES.getlist("attachments"):
        messages.error(request, _("请选择要上传的文件"))
    elif attached := _save_attachments(request, voucher):
        messages.success(request, _("已上传附件 %(count)s 个") % {"count": attached})
    return redirect(_back(request, reverse("vouchers:desk", args=[ledger.code, voucher.pk])))


@_workspace
@require_GET
@xframe_options_sameorigin
def attachment_file(request: HttpRequest, code: str, voucher_id: int, attachment_id: int) -> HttpResponse:
    """An attachment shown inline (the preview beside the voucher; the page frames PDFs)."""
    ledger = _ledger(request, code)
    attachment = attachment_get(
        user=request.user, ledger_code=ledger.code, voucher_id=voucher_id, attachment_id=attachment_id
    )
    if attachment is None:
        raise _NotFound(str(UNKNOWN_ATTACHMENT))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise _NotFound(str(MISSING_FILE)) from error
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return inline_file_headers(response, attachment.content_type)


@_workspace
@require_http_methods(["GET", "POST"])
def reverse_voucher(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """红字冲销: a red copy of a posted voucher, with the reason, waiting for review."""
    ledger = _ledger(request, code)
    voucher = _voucher(request, ledger, voucher_id)
    perms = Permissions.of(request.user, ledger)
    _require_prepare(ledger, perms)
    if request.method == "GET":
        form = ReverseForm(initial={"date": timezone.localdate().isoformat()})
    else:
        form = ReverseForm(request.POST)
        if form.is_valid():
            try:
                reversal = services.voucher_reverse(
                    actor=request.user,
                    voucher=voucher,
                    reason=form.cleaned_data["reason"],
                    date=form.cleaned_data["date"],
                )
            except NotPermitted:
                raise
            except DomainError as error:
                for problem in error.problems:
                    field = problem.field if problem.field in ("date", "reason") else None
                    form.add_error(field, problem.message)
            else:
                messages.success(
                    request,
                    format_html("{}{}", _("已生成红字冲销凭证："), _voucher_link(ledger, reversal)),
                )
                return redirect("vouchers:desk", ledger.code, reversal.pk)
    context = {
        "ledger": ledger,
        "perms": perms,
        "tab": "list",
        "voucher": voucher,
        "lines": list(voucher.lines.all()),
        "form": form,
    }
    return render(request, "workspace/vouchers/reverse.html", context, status=400 if form.errors else 200)


@_workspace
@require_GET
def review_all(request: HttpRequest) -> HttpResponse:
    """One review queue across every ledger the user may review, oldest first; "next" on a
    voucher's page moves across them too."""
    page = Paginator(review_queue_across(request.user), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    rows = _rows(list(page.object_list))
    first = next((r.voucher for r in rows if r.voucher.prepared_by_id != request.user.pk), None)
    context = {"page": page, "rows": rows, "first": first}
    return render(request, "workspace/vouchers/review_all.html", context)


@_workspace
@require_GET
def review(request: HttpRequest, code: str) -> HttpResponse:
    """The vouchers waiting for review, oldest first; each opens on the desk."""
    ledger = _ledger(request, code)
    perms = Permissions.of(request.user, ledger)
    page = Paginator(review_queue(ledger), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    rows = _rows(list(page.object_list))
    first = next((r.voucher for r in rows if r.voucher.prepared_by_id != request.user.pk), None)
    context = {"ledger": ledger, "perms": perms, "tab": "review", "page": page, "rows": rows, "first": first}
    return render(request, "workspace/vouchers/review.html", context)
