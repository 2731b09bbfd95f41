"""The pages of contracts, assets and resources: one ledger's contracts with what is due,
received and overdue on a date; a contract with its schedule, receipts and acts; the 应收款
reconciliation; the asset cards with the accounts' and hand-over reconciliations and the
month's depreciation; the resources. Templates of the import files are downloadable.

Views are thin: parse, call one selector or one service, render. Every role that views the
ledger sees these pages (the village reporter their own village's, read-only); the forms that
write are shown to, and accepted from, those who hold the action only. A ledger outside the
user's scope answers 404 like one that does not exist; a write without the action, 403.
"""

from __future__ import annotations

import functools
import io
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villagebooks.affairs import assets, contracts, depreciation, resources
from villagebooks.affairs import errors_property as E
from villagebooks.affairs import selectors_property as S
from villagebooks.affairs.access_property import ASSETS, CONTRACTS, DEPRECIATE, RESOURCES
from villagebooks.affairs.models import AssetCard, AssetKind, AssetNature, Contract, DepreciationRun
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.money import MoneyError, fen_to_text, yuan_to_fen
from villagebooks.common.spreadsheet import csv_writer
from villagebooks.common.uploads import saved_upload
from villagebooks.ledger.access import can
from villagebooks.ledger.selectors import ledger_get

UNKNOWN_LEDGER = gettext_lazy("账套 {code} 不存在或您无权查看")
NO_FILE = gettext_lazy("请选择要导入的文件")
FILE_TOO_LARGE = gettext_lazy("文件超过 {size} MB")
IMPORTED = gettext_lazy("导入完成：{count} 条")
MATCHED = gettext_lazy("收款匹配完成：新增 {count} 条")
TERMINATED = gettext_lazy("合同已解除")
RENEWED = gettext_lazy("已续签为合同 {code}")
NO_WRITE = gettext_lazy("您没有管理本账套合同的权限")
DEPRECIATED = gettext_lazy("{period} 折旧凭证已生成并提交审核（{count} 张卡片）")
DISPOSED = gettext_lazy("资产已登记处置")
BAD_DATE = gettext_lazy("日期“{text}”无效，应为 YYYY-MM-DD")
NOT_FOUND = gettext_lazy("账套、合同或资产卡片不存在，或您无权查看")

# The import templates: header (Chinese) and one example row per file.
TEMPLATES = {
    "contracts": (
        contracts.CONTRACT_ALIASES,
        ["HT-2025-01", "HT01", "租赁", "张三", "农户", "", "", "ZC-001", "门面房一间", "2025-01-10",
         "2025-02-01", "2027-01-31", "20000.00", "1000.00", "是", "JY-2025-008", "", "2025-03-01", "10000.00"],
    ),
    "assets": (
        assets.ASSET_ALIASES,
        ["ZC-001", "HT01", "村集体门面房", "固定资产", "房屋及建筑物", "经营性", "2020-06-30", "街上",
         "120000.00", "0", "年限平均法", "20", "5", "", ""],
    ),
    "resources": (
        resources.RESOURCE_ALIASES,
        ["ZY-01", "HT01", "河湾机动地", "土地", "耕地", "三组河湾", "12.50", ""],
    ),
}  # fmt: skip
IMPORTERS = {
    "contracts": contracts.contracts_import,
    "assets": assets.assets_import,
    "resources": resources.resources_import,
}
# The registers the asset page can narrow to: 经营性, 公益性资产, 生物资产.
REGISTERS = {
    "operating": lambda card: card.nature == AssetNature.OPERATING,
    "public": lambda card: card.nature == AssetNature.PUBLIC,
    "biological": lambda card: card.kind != AssetKind.FIXED,
}
PAGE_OF = {"contracts": "affairs:contracts", "assets": "affairs:assets", "resources": "affairs:resources"}


def _message(request: HttpRequest, message: str, *, status: int, title: str) -> HttpResponse:
    return render(
        request, "affairs/property/message.html", {"title": title, "message": message}, status=status
    )


def _found_or_404(view):
    """A ledger, contract or card outside the user's scope (or absent) answers the site's own
    404 page, the same for both."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _message(request, str(NOT_FOUND), status=404, title=_("未找到"))

    return wrapped


def _ledger(request: HttpRequest, code: str):
    ledger = ledger_get(user=request.user, code=code)
    if ledger is None:
        raise Http404(str(UNKNOWN_LEDGER).format(code=code))
    return ledger


def _on_date(request: HttpRequest) -> date:
    text = request.GET.get("on", "")
    try:
        return date.fromisoformat(text) if text else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _problems(request: HttpRequest, error: DomainError) -> None:
    for problem in error.problems[:50]:
        messages.error(request, str(problem))


def _forbidden(request: HttpRequest, error: NotPermitted) -> HttpResponse:
    return _message(request, str(error), status=403, title=_("没有权限"))


@login_required
@_found_or_404
@require_GET
def contract_list(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    on = _on_date(request)
    rows = S.contracts_summary(ledger, on)
    context = {
        "ledger": ledger,
        "on": on,
        "rows": rows,
        "overdue": S.overdue_receipts(ledger, on),
        "totals": {
            "price": sum(r.contract.price_fen for r in rows),
            "due": sum(r.due_fen for r in rows),
            "received": sum(r.received_fen for r in rows),
            "overdue": sum(r.overdue_fen for r in rows),
        },
        "may_write": can(request.user, ledger, CONTRACTS),
        "kind": "contracts",
    }
    return render(request, "affairs/property/contracts.html", context)


def _contract_or_404(ledger, code: str) -> Contract:
    found = (
        Contract.objects.filter(ledger=ledger, code=code)
        .select_related("asset", "resource", "renews")
        .first()
    )
    if found is None:
        raise Http404
    return found


def _contract_page(request: HttpRequest, ledger, found: Contract, *, errors=None, values=None, status=200):
    on = _on_date(request)
    context = {
        "ledger": ledger,
        "on": on,
        "contract": found,
        "state": S.contract_state(found, on),
        "receivables": S.receivables(ledger, on, contract=found),
        "events": found.events.select_related("actor"),
        "renewals": found.renewals.all(),
        "may_write": can(request.user, ledger, CONTRACTS),
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "affairs/property/contract.html", context, status=status)


@login_required
@_found_or_404
@require_GET
def contract_detail(request: HttpRequest, code: str, contract: str) -> HttpResponse:
    ledger = _ledger(request, code)
    return _contract_page(request, ledger, _contract_or_404(ledger, contract))


def _field_errors(error: DomainError, errors: dict[str, str]) -> dict[str, str]:
    """The problems by field (several at one field joined), for the form to show at each."""
    for problem in error.problems:
        name = problem.field or "status"
        errors[name] = f"{errors[name]}；{problem.message}" if name in errors else problem.message
    return errors


def _parsed_date(text: str, name: str, errors: dict[str, str]) -> date | None:
    text = text.strip()
    if not text:
        errors[name] = str(E.REQUIRED)
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = str(BAD_DATE.format(text=text))
        return None


def _parsed_fen(text: str, name: str, errors: dict[str, str], *, required: bool = True) -> int | None:
    text = text.strip()
    if not text:
        if required:
            errors[name] = str(E.REQUIRED)
            return None
        return 0
    try:
        return yuan_to_fen(text)
    except MoneyError as error:
        errors[name] = str(E.BAD_AMOUNT.format(text=text, reason=error))
        return None


def _parsed_schedule(text: str, errors: dict[str, str]) -> list[tuple[date, int]]:
    """``YYYY-MM-DD 金额`` a line (a tab, comma or spaces between), blank lines skipped."""
    schedule, bad = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.replace(",", " ").replace("，", " ").replace("\t", " ").split()
        if not parts:
            continue
        try:
            if len(parts) != 2:
                raise ValueError
            schedule.append((date.fromisoformat(parts[0]), yuan_to_fen(parts[1])))
        except (ValueError, MoneyError):
            bad.append(str(E.BAD_SCHEDULE_LINE.format(line=number, text=line.strip()[:40])))
    if bad:
        errors["schedule"] = "；".join(bad[:10])
    return schedule


@login_required
@_found_or_404
@require_POST
def contract_terminate(request: HttpRequest, code: str, contract: str) -> HttpResponse:
    """Termination (解除): a bad date or a missing reason is shown at its field on the contract's
    page, with what was typed kept; nothing is written."""
    ledger = _ledger(request, code)
    found = _contract_or_404(ledger, contract)
    errors: dict[str, str] = {}
    on = _parsed_date(request.POST.get("date", ""), "date", errors)
    reason = request.POST.get("reason", "")
    values = {"date": request.POST.get("date", "")[:20], "reason": reason[:200]}
    if not reason.strip():
        errors["reason"] = str(E.REASON_REQUIRED)
    if not errors:
        try:
            contracts.contract_terminate(actor=request.user, contract=found, on_date=on, reason=reason)
        except NotPermitted as error:
            return _forbidden(request, error)
        except DomainError as error:
            _field_errors(error, errors)
    if errors:
        return _contract_page(request, ledger, found, errors=errors, values=values, status=400)
    messages.success(request, TERMINATED)
    return redirect("affairs:contract", ledger.code, found.code)


RENEWAL_FIELDS = ("code", "signed", "start", "end", "price", "deposit", "exchange_reference", "schedule")


def _renewal_defaults(found: Contract) -> dict[str, str]:
    """The form as first shown: the same length of term right after the old one, the same price,
    deposit and, shifted by the term's length, the same schedule."""
    start = found.end + timedelta(days=1)
    shift = start - found.start
    schedule = "\n".join(
        f"{(item.due_on + shift).isoformat()} {fen_to_text(item.amount_fen)}"
        for item in found.instalments.order_by("seq")
    )
    return {
        "code": "",
        "signed": timezone.localdate().isoformat(),
        "start": start.isoformat(),
        "end": (found.end + shift).isoformat(),
        "price": fen_to_text(found.price_fen),
        "deposit": fen_to_text(found.deposit_fen),
        "exchange_reference": "",
        "schedule": schedule,
    }


@login_required
@_found_or_404
@require_http_methods(["GET", "POST"])
def contract_renew(request: HttpRequest, code: str, contract: str) -> HttpResponse:
    """Renewal (续签) form: the new contract's code, dates, price, deposit, exchange and schedule;
    every problem at its field, what was typed kept; nothing written until all is right."""
    ledger = _ledger(request, code)
    found = _contract_or_404(ledger, contract)
    if not can(request.user, ledger, CONTRACTS):
        return _forbidden(request, NotPermitted(str(NO_WRITE)))
    errors: dict[str, str] = {}
    if request.method == "GET":
        values = _renewal_defaults(found)
    else:
        values = {
            name: request.POST.get(name, "")[: 4000 if name == "schedule" else 64] for name in RENEWAL_FIELDS
        }
        values["exchange"] = "1" if request.POST.get("exchange") else ""
        signed = _parsed_date(values["signed"], "signed", errors)
        start = _parsed_date(values["start"], "start", errors)
        end = _parsed_date(values["end"], "end", errors)
        price = _parsed_fen(values["price"], "price", errors)
        deposit = _parsed_fen(values["deposit"], "deposit", errors, required=False)
        schedule = _parsed_schedule(values["schedule"], errors)
        if not errors:
            terms = contracts.RenewalTerms(
                code=values["code"],
                signed_on=signed,
                start=start,
                end=end,
                price_fen=price,
                deposit_fen=deposit,
                exchange_traded=bool(values["exchange"]),
                exchange_reference=values["exchange_reference"],
                schedule=schedule,
            )
            try:
                renewal = contracts.contract_renew(actor=request.user, contract=found, terms=terms)
            except NotPermitted as error:
                return _forbidden(request, error)
            except DomainError as error:
                _field_errors(error, errors)
            else:
                messages.success(request, RENEWED.format(code=renewal.code))
                return redirect("affairs:contract", ledger.code, renewal.code)
    context = {
        "ledger": ledger,
        "on": _on_date(request),
        "contract": found,
        "values": values,
        "errors": errors,
    }
    return render(request, "affairs/property/renew.html", context, status=400 if errors else 200)


@login_required
@_found_or_404
@require_POST
def receipts_match(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    try:
        count = contracts.receipts_match(actor=request.user, ledger=ledger)
    except NotPermitted as error:
        return _forbidden(request, error)
    messages.success(request, MATCHED.format(count=count))
    return redirect("affairs:contracts", ledger.code)


@login_required
@_found_or_404
@require_GET
def receivable_reconciliation(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    on = _on_date(request)
    rows = S.receivable_reconciliation(ledger, on)
    context = {
        "ledger": ledger,
        "on": on,
        "rows": rows,
        "totals": {
            "contract": sum(r.contract_fen for r in rows),
            "books": sum(r.books_fen for r in rows),
            "difference": sum(r.difference_fen for r in rows),
        },
    }
    return render(request, "affairs/property/receivables.html", context)


@login_required
@_found_or_404
@require_GET
def asset_list(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    on = _on_date(request)
    rows = S.cards(ledger, on, include_disposed=True)
    register = request.GET.get("register", "")
    if register in REGISTERS:
        rows = [row for row in rows if REGISTERS[register](row.card)]
    context = {
        "ledger": ledger,
        "on": on,
        "rows": rows,
        "accounts": S.asset_reconciliation(ledger, on),
        "handovers": S.handover_reconciliation(ledger),
        "runs": DepreciationRun.objects.filter(ledger=ledger)
        .select_related("voucher")
        .order_by("-year", "-month", "-id")[:24],
        "may_write": can(request.user, ledger, ASSETS),
        "may_depreciate": can(request.user, ledger, DEPRECIATE),
        "kind": "assets",
        "period": f"{on.year}-{on.month:02d}",
        "register": register if register in REGISTERS else "",
    }
    return render(request, "affairs/property/assets.html", context)


@login_required
@_found_or_404
@require_POST
def depreciate(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    period = request.POST.get("period", "")
    try:
        year, month = depreciation.parse_period(period)
        result = depreciation.depreciation_run(actor=request.user, ledger=ledger, year=year, month=month)
    except NotPermitted as error:
        return _forbidden(request, error)
    except DomainError as error:
        _problems(request, error)
    else:
        messages.success(request, DEPRECIATED.format(period=period, count=result.cards))
    return redirect("affairs:assets", ledger.code)


@login_required
@_found_or_404
@require_POST
def asset_dispose(request: HttpRequest, code: str, card: str) -> HttpResponse:
    ledger = _ledger(request, code)
    found = AssetCard.objects.filter(ledger=ledger, code=card).first()
    if found is None:
        raise Http404
    text = request.POST.get("date", "")
    try:
        on = date.fromisoformat(text)
        assets.asset_dispose(actor=request.user, card=found, on_date=on, note=request.POST.get("note", ""))
    except ValueError:
        messages.error(request, BAD_DATE.format(text=text))
    except NotPermitted as error:
        return _forbidden(request, error)
    except DomainError as error:
        _problems(request, error)
    else:
        messages.success(request, DISPOSED)
    return redirect("affairs:assets", ledger.code)


@login_required
@_found_or_404
@require_GET
def resource_list(request: HttpRequest, code: str) -> HttpResponse:
    ledger = _ledger(request, code)
    on = _on_date(request)
    context = {
        "ledger": ledger,
        "on": on,
        "rows": S.resources_with_state(ledger, on),
        "may_write": can(request.user, ledger, RESOURCES),
        "kind": "resources",
    }
    return render(request, "affairs/property/resources.html", context)


@login_required
@_found_or_404
@require_POST
def import_file(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    ledger = _ledger(request, code)
    if kind not in IMPORTERS:
        raise Http404
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, NO_FILE)
        return redirect(PAGE_OF[kind], ledger.code)
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        messages.error(request, FILE_TOO_LARGE.format(size=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)))
        return redirect(PAGE_OF[kind], ledger.code)
    with saved_upload(upload, kind) as path:
        try:
            count = IMPORTERS[kind](actor=request.user, path=path)
        except NotPermitted as error:
            return _forbidden(request, error)
        except DomainError as error:
            _problems(request, error)
        else:
            messages.success(request, IMPORTED.format(count=count))
    return redirect(PAGE_OF[kind], ledger.code)


@_found_or_404
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The import file's header (Chinese names) and an example row, as UTF-8 CSV with a BOM so
    that Excel opens it in Chinese."""
    if kind not in TEMPLATES:
        raise Http404
    aliases, example = TEMPLATES[kind]
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([names[-1] for names in aliases.values()])
    writer.writerow(example)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response
