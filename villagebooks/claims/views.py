"""The claim pages: the reporter's list, new claim and claim page (phone first), the accountant's
list of a ledger's waiting claims with the one-step booking form, and the receipt files.

Views are thin: parse, call one service or selector, render. A claim or ledger outside the
user's scope gets the same 404 as one that does not exist; a user who may see a claim but not
do what they asked (a supervisor booking) gets 403 with the reason. Receipt files are served
only through ``claim_photo``, after the same scope check; no URL maps onto MEDIA_ROOT.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villagebooks.claims.access import SUBMIT
from villagebooks.claims.forms import BookForm, ClaimForm, ReturnForm, add_problems
from villagebooks.claims.models import Claim, ClaimStatus
from villagebooks.claims.receipts import is_image
from villagebooks.claims.selectors import (
    booking_choices,
    claim_for_page,
    claim_ledgers,
    claims_waiting,
    ledger_claims,
    ledgers_with_waiting_claims,
    my_claims,
    photo_for_download,
)
from villagebooks.claims.services import (
    claim_book,
    claim_return,
    claim_submit,
    claim_withdraw,
    is_waiting,
    photo_max_bytes,
)
from villagebooks.common.csp import inline_file_headers
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import amount_in_words
from villagebooks.ledger.access import Action, can
from villagebooks.ledger.selectors import ledger_get

MY_CLAIMS_PER_PAGE = 20
LEDGER_CLAIMS_PER_PAGE = 10

UNKNOWN_CLAIM = gettext_lazy("报账单不存在或您无权查看")
UNKNOWN_LEDGER = gettext_lazy("账套 {code} 不存在或您无权查看")
UNKNOWN_PHOTO = gettext_lazy("票据文件不存在或您无权查看")
MISSING_FILE = gettext_lazy("票据文件已丢失，请联系管理员")
NO_CLAIM_LEDGER = gettext_lazy("您没有可以报账的账套。如需报账，请联系代理记账中心为您开通村报账员权限。")
SUBMITTED = gettext_lazy("报账单已提交，等待会计处理。")
WITHDRAWN = gettext_lazy("报账单已撤回。")
RETURNED = gettext_lazy("报账单已退回给报账员。")
BOOKED = gettext_lazy("已生成凭证草稿 {voucher}，票据已作为附件。")


def _message_page(request: HttpRequest, message: str, *, status: int, title: str = "") -> HttpResponse:
    return render(
        request, "claims/message.html", {"title": title or _("未找到"), "message": message}, status=status
    )


def _not_found(request: HttpRequest, message) -> HttpResponse:
    return _message_page(request, str(message), status=404)


def _forbidden(request: HttpRequest, error: NotPermitted) -> HttpResponse:
    return _message_page(request, error.problems[0].message, status=403, title=_("无权操作"))


@login_required
@require_GET
def claims_home(request: HttpRequest) -> HttpResponse:
    """The reporter's claims, newest first, and for an accountant the ledgers with claims waiting."""
    page = Paginator(my_claims(user=request.user), MY_CLAIMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "can_submit": bool(claim_ledgers(user=request.user)),
        "waiting_ledgers": ledgers_with_waiting_claims(user=request.user),
    }
    return render(request, "claims/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request: HttpRequest) -> HttpResponse:
    ledgers = claim_ledgers(user=request.user)
    if not ledgers:
        return _message_page(request, str(NO_CLAIM_LEDGER), status=403, title=_("无权报账"))
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES, ledgers=ledgers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = claim_submit(
                    actor=request.user,
                    ledger=form.chosen_ledger,
                    spent_on=data["spent_on"],
                    amount_fen=data["amount"],
                    purpose=data["purpose"],
                    payee=data["payee"],
                    photos=data["photos"],
                )
            except NotPermitted as error:
                return _forbidden(request, error)
            except DomainError as error:
                add_problems(form, error)
            else:
                messages.success(request, str(SUBMITTED))
                return redirect("claims:detail", claim_id=claim.pk)
        status = 400
    else:
        # From home's "提交报账单" of one ledger: that ledger is chosen already.
        asked = request.GET.get("ledger", "")
        form = ClaimForm(
            ledgers=ledgers, initial={"ledger": asked} if asked in {x.code for x in ledgers} else None
        )
        status = 200
    context = {"form": form, "max_mb": photo_max_bytes() // 2**20}
    return render(request, "claims/new.html", context, status=status)


def _detail_context(request: HttpRequest, claim: Claim, **forms) -> dict:
    user = request.user
    ledger = claim.ledger
    can_book = is_waiting(claim) and can(user, ledger, Action.PREPARE)
    context = {
        "claim": claim,
        "ledger": ledger,
        "amount_words": amount_in_words(claim.amount_fen),
        "photos": list(claim.photos.all()),
        "can_withdraw": claim.status == ClaimStatus.SUBMITTED
        and claim.submitted_by_id == user.pk
        and can(user, ledger, SUBMIT),
        "can_book": can_book,
    }
    if can_book:
        context["book_form"] = forms.get("book_form") or BookForm(
            claim=claim, choices=booking_choices(ledger)
        )
        context["return_form"] = forms.get("return_form") or ReturnForm(claim=claim)
    return context


@login_required
@require_GET
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = claim_for_page(user=request.user, claim_id=claim_id)
    if claim is None:
        return _not_found(request, UNKNOWN_CLAIM)
    return render(request, "claims/detail.html", _detail_context(request, claim))


@login_required
@require_GET
def claim_photo(request: HttpRequest, claim_id: int, photo_id: int) -> FileResponse | HttpResponse:
    """A receipt file to whoever may view the claim: images inline (for the pages), PDF as a download."""
    photo = photo_for_download(user=request.user, claim_id=claim_id, photo_id=photo_id)
    if photo is None:
        return _not_found(request, UNKNOWN_PHOTO)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        return _not_found(request, MISSING_FILE)
    response = FileResponse(
        handle,
        as_attachment=not is_image(photo.content_type),
        filename=photo.original_name,
        content_type=photo.content_type,
    )
    response["Cache-Control"] = "private, max-age=3600"
    # The file is the reporter's upload: never let it run as a page of ours.
    return inline_file_headers(response, photo.content_type)


@login_required
@require_POST
def claim_withdraw_view(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = claim_for_page(user=request.user, claim_id=claim_id)
    if claim is None:
        return _not_found(request, UNKNOWN_CLAIM)
    try:
        claim_withdraw(actor=request.user, claim=claim)
    except NotPermitted as error:
        return _forbidden(request, error)
    except DomainError as error:
        messages.error(request, str(error.problems[0].message))
    else:
        messages.success(request, str(WITHDRAWN))
    return redirect("claims:detail", claim_id=claim.pk)


@login_required
@require_POST
def claim_return_view(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = claim_for_page(user=request.user, claim_id=claim_id)
    if claim is None:
        return _not_found(request, UNKNOWN_CLAIM)
    form = ReturnForm(request.POST, claim=claim)
    form.is_valid()
    try:
        claim_return(actor=request.user, claim=claim, reason=form.cleaned_data.get("reason", ""))
    except NotPermitted as error:
        return _forbidden(request, error)
    except DomainError as error:
        add_problems(form, error)
        context = _detail_context(request, claim, return_form=form)
        return render(request, "claims/detail.html", context, status=400)
    messages.success(request, str(RETURNED))
    return redirect("claims:ledger", code=claim.ledger.code)


@login_required
@require_POST
def claim_book_view(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = claim_for_page(user=request.user, claim_id=claim_id)
    if claim is None:
        return _not_found(request, UNKNOWN_CLAIM)
    if not can(request.user, claim.ledger, Action.PREPARE):
        return _forbidden(request, NotPermitted(_("您没有权限为该账套生成凭证")))
    form = BookForm(request.POST, claim=claim, choices=booking_choices(claim.ledger))
    if form.is_valid():
        data = form.cleaned_data
        try:
            voucher = claim_book(
                actor=request.user,
                claim=claim,
                account_code=data["account"],
                counter_account_code=data["counter_account"],
                summary=data["summary"],
                date=data["date"],
                fund_name=data["fund"],
                counterparty_name=data["counterparty"],
            )
        except NotPermitted as error:
            return _forbidden(request, error)
        except DomainError as error:
            add_problems(form, error)
        else:
            messages.success(request, str(BOOKED).format(voucher=voucher))
            return redirect("claims:detail", claim_id=claim.pk)
    context = _detail_context(request, claim, book_form=form)
    return render(request, "claims/detail.html", context, status=400)


@login_required
@require_GET
def ledger_claims_page(request: HttpRequest, code: str) -> HttpResponse:
    """A ledger's claims for the accountant: those waiting (with the booking form), or all."""
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        return _not_found(request, str(UNKNOWN_LEDGER).format(code=code))
    show_all = request.GET.get("show") == "all"
    page = Paginator(ledger_claims(ledger=ledger, waiting=not show_all), LEDGER_CLAIMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    can_book = can(request.user, ledger, Action.PREPARE)
    choices = booking_choices(ledger) if can_book else None
    entries = [
        {
            "claim": claim,
            "photos": list(claim.photos.all()),
            "book_form": BookForm(claim=claim, choices=choices) if can_book and is_waiting(claim) else None,
            "return_form": ReturnForm(claim=claim) if can_book and is_waiting(claim) else None,
        }
        for claim in page.object_list
    ]
    context = {
        "ledger": ledger,
        "page": page,
        "entries": entries,
        "show_all": show_all,
        "can_book": can_book,
        "waiting_count": claims_waiting([ledger.pk]).get(ledger.pk, 0),
    }
    return render(request, "claims/ledger.html", context)
