"""Pages of members, shares, dividends and decisions for the accountant and the village reporter
(his own village only): the villages a user may see, one village's registers, the imports with
their templates, recording a notice, linking a payment to a decision.

Views are thin: parse, call one selector or service, render. A village outside the user's scope
answers 404, as one that does not exist. No ID number, card or phone is shown on these pages.
"""

from __future__ import annotations

import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from villagebooks.affairs import access
from villagebooks.affairs.decisions import DECISION_COLUMNS, decisions_import, notice_record, payment_link
from villagebooks.affairs.members import MEMBER_COLUMNS, import_summary, members_import, parse_date
from villagebooks.affairs.models import Decision
from villagebooks.affairs.representatives import (
    MEETING_COLUMNS,
    REPRESENTATIVE_COLUMNS,
    meetings_import,
    representatives_import,
)
from villagebooks.affairs.selectors_members import (
    decisions,
    dividends,
    household_holdings,
    linkable_voucher,
    members_summary,
    memberships,
    payments_missing_decision,
    share_history,
    village_or_404,
    villages,
)
from villagebooks.affairs.shares import SHARE_COLUMNS, number_text, shares_import
from villagebooks.affairs.terms import terms
from villagebooks.common.errors import DomainError
from villagebooks.common.spreadsheet import Number, csv_writer
from villagebooks.common.uploads import saved_upload
from villagebooks.ledger.models import Ledger

IMPORT_MAX_BYTES = 20 * 1024 * 1024
IMPORT_TOO_LARGE = gettext_lazy("文件超过 20 MB")
IMPORT_NO_FILE = gettext_lazy("请选择要导入的文件")
NO_SUCH_VOUCHER = gettext_lazy("账套 {ledger} 中没有凭证 {voucher}（应写作 期间/凭证号，如 2025-03/12）")
LINKED = gettext_lazy("已关联。")
NOTICE_SAVED = gettext_lazy("已记录公开日期。")
BAD_DATE = gettext_lazy("日期无效，应为 YYYY-MM-DD")

IMPORTS = {
    "members": (MEMBER_COLUMNS, members_import, access.MEMBERS_EDIT, gettext_lazy("导入成员")),
    "shares": (SHARE_COLUMNS, shares_import, access.MEMBERS_EDIT, gettext_lazy("导入份额及变动")),
    "decisions": (DECISION_COLUMNS, decisions_import, access.DECISIONS_EDIT, gettext_lazy("导入决策记录")),
    "representatives": (
        REPRESENTATIVE_COLUMNS,
        representatives_import,
        access.MEMBERS_EDIT,
        gettext_lazy("导入成员代表"),
    ),
    "meetings": (
        MEETING_COLUMNS,
        meetings_import,
        access.MEMBERS_EDIT,
        gettext_lazy("导入成员（代表）大会记录"),
    ),
}
# One example row per template, so that a village reporter sees what each column wants.
EXAMPLES = {
    "members": ["510781100201", "510781198001010011", "张三", "2020-01-01", "原始取得", "", "", "", ""],
    "shares": [
        "510781100201",
        "RK",
        "510781198001010011",
        "1",
        "2020-01-01",
        "初始配置",
        "",
        "人口股",
        "人口股",
        "",
    ],
    "decisions": [
        "510781100201",
        "JC2025-01",
        "村道硬化工程",
        "是",
        "80000.00",
        "2025-02-01",
        "2025-02-05",
        "2025-02-10",
        "2025-02-15",
        "成员代表大会",
        "30",
        "25",
        "20",
        "3",
        "2",
        "2025-02-16",
        "",
        "",
        "HT01",
        "2025-03/12",
    ],  # fmt: skip
    "representatives": ["510781100201", "510781198001010011", "张三", "2024-01-10", "2029-01-09", "1-5组"],
    "meetings": ["510781100201", "成员代表大会", "2025-02-15", "村道硬化工程", "30", "25", "村委会议室", ""],
}


@login_required
@require_GET
def members_home(request: HttpRequest) -> HttpResponse:
    on = timezone.localdate()
    rows = [{"village": v, **members_summary(v, on)} for v in villages(request.user)[:500]]
    return render(request, "affairs/members/home.html", {"rows": rows})


@login_required
@require_GET
def village_page(request: HttpRequest, code: str) -> HttpResponse:
    village = village_or_404(request.user, code)
    on = parse_date(request.GET.get("date", "")) or timezone.localdate()
    user = request.user
    ledgers = list(Ledger.objects.filter(village=village).order_by("code"))
    year = on.year
    missing = {lg.code: payments_missing_decision(lg, date(year, 1, 1), date(year, 12, 31)) for lg in ledgers}
    holdings = household_holdings(village, on)
    for row in holdings:
        row["total_text"] = number_text(row["total"])
        row["classes_text"] = {k: number_text(v) for k, v in row["classes"].items()}
    t = terms()
    context = {
        "village": village,
        "on": on,
        "summary": members_summary(village, on),
        "members": memberships(user, village),
        "bases": t.bases,
        "end_reasons": t.end_reasons,
        "holdings": holdings,
        "history": share_history(village)[:100],
        "dividends": dividends(user, village),
        "decisions": decisions(user, village),
        "missing": missing,
        "threshold_fen": t.decision_threshold_fen,
        "may_edit_members": access.covers(user, access.MEMBERS_EDIT, village),
        "may_edit_decisions": access.covers(user, access.DECISIONS_EDIT, village),
        "may_link": access.covers(user, access.LINK_PAYMENTS, village),
        "ledgers": ledgers,
    }
    return render(request, "affairs/members/village.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload a members, shares or decisions file: the same checks as the command, all or nothing."""
    if kind not in IMPORTS:
        raise Http404
    columns, function, action, title = IMPORTS[kind]
    if not villages(request.user, action).exists():
        raise Http404
    problems, summary = [], ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = [str(IMPORT_NO_FILE)]
        elif upload.size > IMPORT_MAX_BYTES:
            problems = [str(IMPORT_TOO_LARGE)]
        else:
            with saved_upload(upload) as path:
                try:
                    result = function(actor=request.user, path=path)
                except DomainError as error:
                    problems = [str(problem) for problem in error.problems[:200]]
                else:
                    summary = import_summary(result)
    return render(
        request,
        "affairs/members/import.html",
        {
            "kind": kind,
            "title": title,
            "columns": ", ".join(columns),
            "problems": problems,
            "summary": summary,
        },
    )


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The CSV template of an import: its header and one example row (UTF-8 with BOM, for Excel)."""
    if kind not in IMPORTS:
        raise Http404
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(IMPORTS[kind][0])
    writer.writerow(EXAMPLES[kind])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


def _decision_or_404(user, code: str, pk: int) -> Decision:
    village = village_or_404(user, code)
    decision = Decision.objects.filter(village=village, pk=pk).first()
    if decision is None:
        raise Http404
    return decision


@login_required
@require_POST
def decision_link(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    decision = _decision_or_404(request.user, code, pk)
    ledger_code, label = request.POST.get("ledger", "")[:32], request.POST.get("voucher", "")[:20]
    voucher = linkable_voucher(request.user, ledger_code, label)
    try:
        if voucher is None:
            raise DomainError(NO_SUCH_VOUCHER.format(ledger=ledger_code, voucher=label), field="voucher")
        payment_link(actor=request.user, decision=decision, voucher=voucher)
    except DomainError as error:
        for problem in error.problems:
            messages.error(request, problem.message)
    else:
        messages.success(request, LINKED)
    return redirect("affairs:members_village", code=code)


@login_required
@require_POST
def decision_notice(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    decision = _decision_or_404(request.user, code, pk)
    on = parse_date(request.POST.get("date", "").strip())
    try:
        if on is None:
            raise DomainError(BAD_DATE, field="date")
        notice_record(actor=request.user, decision=decision, which=request.POST.get("which", ""), on=on)
    except DomainError as error:
        for problem in error.problems:
            messages.error(request, problem.message)
    else:
        messages.success(request, NOTICE_SAVED)
    return redirect("affairs:members_village", code=code)


@login_required
@require_GET
def dividend_list(request: HttpRequest, code: str, ledger_code: str, year: int) -> HttpResponse:
    """The dividend list per household as CSV (户编号, 户主, 份额, 金额), with the totals, the amount
    per share and the method at the end, so that each household can recompute its own."""
    from villagebooks.affairs.public import public_dividends
    from villagebooks.common.money import fen_to_text

    village = village_or_404(request.user, code)
    ledger = Ledger.objects.filter(village=village, code=ledger_code).first()
    found = public_dividends(ledger, year) if ledger else []
    if not found:
        raise Http404
    dividend = found[0]
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([str(h) for h in DIVIDEND_HEADERS])
    for row in dividend["households"]:
        writer.writerow(
            [row["household"], row["head_name"], row["shares"], Number(fen_to_text(row["amount_fen"]))]
        )
    writer.writerow([str(TOTAL), "", dividend["total_shares"], Number(fen_to_text(dividend["amount_fen"]))])
    writer.writerow([str(PER_SHARE), "", "", dividend["per_share_yuan"]])
    writer.writerow([str(METHOD), dividend["method"], "", ""])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dividends-{ledger.code}-{year}.csv"'
    return response


DIVIDEND_HEADERS = (
    gettext_lazy("户编号"),
    gettext_lazy("户主"),
    gettext_lazy("份额"),
    gettext_lazy("金额（元）"),
)
TOTAL = gettext_lazy("合计")
PER_SHARE = gettext_lazy("每份金额（元）")
METHOD = gettext_lazy("分配方法")
