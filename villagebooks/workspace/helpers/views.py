"""Entry helper pages of one ledger (``ledger.entry_helpers``): the list of common summaries
(常用摘要), voucher templates and recurring vouchers (定期凭证) with a month's generation, and the
voucher page's 复制 / 存为模板 / 设为定期凭证.

Anyone who may view the ledger sees the page; the forms are for whoever may prepare vouchers,
and the services check again (a refusal is the 403 page and changes nothing).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.ledger import entry_helpers as helpers
from villagebooks.ledger.domain.periods import parse_period
from villagebooks.ledger.models import CommonSummary, Ledger, RecurringEntry, Voucher, VoucherTemplate
from villagebooks.ledger.selectors import ledger_get, voucher_get
from villagebooks.workspace.pages import PageNotFound, workspace_page
from villagebooks.workspace.vouchers.selectors import Permissions

UNKNOWN_LEDGER = gettext_lazy("账套 %(code)s 不存在或您无权查看")
UNKNOWN_VOUCHER = gettext_lazy("凭证不存在或您无权查看")
NOT_FOUND = gettext_lazy("没有找到")

_pages = workspace_page("workspace/vouchers/forbidden.html")


def _ledger(request: HttpRequest, code: str) -> Ledger:
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        raise PageNotFound(str(UNKNOWN_LEDGER) % {"code": code})
    return ledger


def _voucher(request: HttpRequest, code: str, voucher_id: int) -> Voucher:
    voucher = voucher_get(user=request.user, ledger_code=code, voucher_id=voucher_id, details=False)
    if voucher is None:
        raise PageNotFound(str(UNKNOWN_VOUCHER))
    return voucher


def _one(model, ledger: Ledger, pk: int):
    row = model.objects.filter(ledger=ledger, pk=pk).select_related("ledger").first()
    if row is None:
        raise PageNotFound(str(NOT_FOUND))
    return row


def _say(request: HttpRequest, error: DomainError) -> None:
    if isinstance(error, NotPermitted):
        raise error
    for problem in error.problems:
        messages.error(request, problem.message)


def _index_url(ledger: Ledger) -> str:
    from django.urls import reverse

    return reverse("helpers:index", args=[ledger.code])


@_pages
@require_GET
def index(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    today = timezone.localdate()
    entries = helpers.recurring_list(ledger)
    context = {
        "ledger": ledger,
        "perms": Permissions.of(request.user, ledger),
        "tab": "helpers",
        "summaries": helpers.summary_list(ledger, request.user),
        "templates": helpers.templates_of(ledger),
        "entries": [
            (
                entry,
                sum(int(line.get("debit_fen", 0)) for line in entry.lines),
                sorted((f"{run.year:04d}-{run.month:02d}" for run in entry.runs.all()), reverse=True)[:6],
            )
            for entry in entries
        ],
        "period": request.GET.get("period") or f"{today.year:04d}-{today.month:02d}",
    }
    return render(request, "workspace/helpers/index.html", context)


@_pages
@require_POST
def summary_add(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    try:
        summary = helpers.summary_add(
            actor=request.user,
            ledger=ledger,
            text=request.POST.get("text", ""),
            personal=request.POST.get("personal") == "1",
        )
    except DomainError as error:
        _say(request, error)
    else:
        messages.success(request, _("已增加常用摘要“%(text)s”") % {"text": summary.text})
    return redirect(_index_url(ledger))


@_pages
@require_POST
def summary_delete(request: HttpRequest, code: str, summary_id: int) -> HttpResponse:
    ledger = _ledger(request, code)
    summary = _one(CommonSummary, ledger, summary_id)
    try:
        helpers.summary_delete(actor=request.user, summary=summary)
    except DomainError as error:
        _say(request, error)
    else:
        messages.success(request, _("已删除常用摘要“%(text)s”") % {"text": summary.text})
    return redirect(_index_url(ledger))


@_pages
@require_POST
def template_delete(request: HttpRequest, code: str, template_id: int) -> HttpResponse:
    ledger = _ledger(request, code)
    template = _one(VoucherTemplate, ledger, template_id)
    helpers.template_delete(actor=request.user, template=template)
    messages.success(request, _("已删除凭证模板“%(name)s”") % {"name": template.name})
    return redirect(_index_url(ledger))


@_pages
@require_POST
def recurring_generate(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    text = request.POST.get("period", "")
    try:
        key = parse_period(text)
        result = helpers.recurring_generate(
            actor=request.user, ledger=ledger, year=key // 100, month=key % 100
        )
    except DomainError as error:
        _say(request, error)
    else:
        messages.success(
            request,
            _("%(period)s 定期凭证：新生成草稿 %(made)d 张，本月已生成过 %(before)d 个")
            % {"period": text.strip(), "made": len(result.made), "before": len(result.done_before)},
        )
    return redirect(_index_url(ledger) + f"?period={text.strip()}")


@_pages
@require_POST
def recurring_active(request: HttpRequest, code: str, entry_id: int) -> HttpResponse:
    ledger = _ledger(request, code)
    entry = _one(RecurringEntry, ledger, entry_id)
    helpers.recurring_set_active(actor=request.user, entry=entry, active=request.POST.get("active") == "1")
    return redirect(_index_url(ledger))


@_pages
@require_POST
def copy(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    """A new draft with the voucher's lines, dated today, opened for editing."""
    voucher = _voucher(request, code, voucher_id)
    try:
        new = helpers.voucher_copy(actor=request.user, voucher=voucher)
    except DomainError as error:
        _say(request, error)
        return redirect("vouchers:desk", code, voucher.pk)
    messages.success(request, _("已复制为新的草稿凭证（日期为今天），请核对后保存"))
    return redirect("vouchers:edit", code, new.pk)


@_pages
@require_POST
def save_template(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    voucher = _voucher(request, code, voucher_id)
    try:
        template = helpers.template_from_voucher(
            actor=request.user, voucher=voucher, name=request.POST.get("name", "")
        )
    except DomainError as error:
        _say(request, error)
    else:
        messages.success(request, _("已存为凭证模板“%(name)s”") % {"name": template.name})
    return redirect("vouchers:desk", code, voucher.pk)


@_pages
@require_POST
def save_recurring(request: HttpRequest, code: str, voucher_id: int) -> HttpResponse:
    voucher = _voucher(request, code, voucher_id)
    try:
        entry = helpers.recurring_from_voucher(
            actor=request.user,
            voucher=voucher,
            name=request.POST.get("name", ""),
            day_of_month=request.POST.get("day_of_month", ""),
        )
    except DomainError as error:
        _say(request, error)
        return redirect("vouchers:desk", code, voucher.pk)
    messages.success(
        request,
        _("已设为定期凭证“%(name)s”（每月 %(day)d 日）") % {"name": entry.name, "day": entry.day_of_month},
    )
    return redirect(_index_url(voucher.ledger))
