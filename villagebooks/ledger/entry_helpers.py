"""Entry helpers: voucher templates (凭证模板), common summaries (常用摘要), copying a voucher, and
recurring vouchers (定期凭证) made from definitions month by month.

Every voucher they make is an ordinary draft made by ``services.voucher_create``, so it is
checked by the entry form's rules (accounts, dimensions, balance, open month, budget control)
when it is made, whatever changed in the ledger since the template or definition was saved.
Who may: whoever may prepare vouchers of the ledger (``Action.PREPARE``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.ledger import services
from villagebooks.ledger.access import Action, require
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import (
    PREPARED_KINDS,
    CommonSummary,
    Ledger,
    RecurringEntry,
    RecurringRun,
    Voucher,
    VoucherTemplate,
)

NAME_REQUIRED = _("名称不能为空")
NAME_TOO_LONG = _("名称不能超过 60 个字")
TEMPLATE_NAME_TAKEN = _("本账套已有名为“{name}”的凭证模板")
RECURRING_NAME_TAKEN = _("本账套已有名为“{name}”的定期凭证")
BAD_DAY = _("每月的日期应为 1 到 31 之间的整数")
NOT_COPYABLE = _("结转、冲销等系统生成的凭证不能复制或存为模板")
SUMMARY_REQUIRED = _("摘要不能为空")
SUMMARY_TOO_LONG = _("摘要不能超过 200 个字")
SUMMARY_TAKEN = _("常用摘要“{text}”已存在")
RECURRING_FAILED = _("定期凭证“{name}”不能生成：{reason}")
NOT_THIS_LEDGER = _("不属于本账套")


# ---------------------------------------------------------------------------------------------
# Lines as stored records


def _records_of(voucher: Voucher) -> list[dict]:
    """A voucher's lines as records: codes and names, amounts in fen."""
    return [
        {
            "summary": line.summary,
            "account": line.account.code,
            "debit_fen": line.debit_fen,
            "credit_fen": line.credit_fen,
            "fund": line.fund.name if line.fund_id else "",
            "counterparty": line.counterparty.name if line.counterparty_id else "",
            "project": line.project.code if line.project_id else "",
        }
        for line in voucher.lines.select_related("account", "fund", "counterparty", "project").order_by(
            "line_no"
        )
    ]


def line_inputs(records: list[dict]) -> list[LineInput]:
    """Stored records as the lines a voucher is made of."""
    return [
        LineInput(
            summary=r.get("summary", ""),
            account_code=r.get("account", ""),
            debit_fen=int(r.get("debit_fen", 0)),
            credit_fen=int(r.get("credit_fen", 0)),
            fund_name=r.get("fund", ""),
            counterparty_name=r.get("counterparty", ""),
            project_code=r.get("project", ""),
        )
        for r in records
    ]


def _copyable(voucher: Voucher) -> None:
    if voucher.kind not in PREPARED_KINDS or voucher.reverses_id is not None:
        raise DomainError(str(NOT_COPYABLE), field="voucher")


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(str(NAME_REQUIRED), field="name")
    if len(name) > 60:
        raise DomainError(str(NAME_TOO_LONG), field="name")
    return name


# ---------------------------------------------------------------------------------------------
# Templates and copies


def template_from_voucher(*, actor, voucher: Voucher, name: str) -> VoucherTemplate:
    """Save ``voucher``'s lines (summaries, accounts, dimensions, amounts) as a named template."""
    require(actor, voucher.ledger, Action.PREPARE)
    _copyable(voucher)
    name = _name(name)
    with transaction.atomic():
        if VoucherTemplate.objects.filter(ledger_id=voucher.ledger_id, name=name).exists():
            raise DomainError(TEMPLATE_NAME_TAKEN.format(name=name), field="name")
        template = VoucherTemplate.objects.create(
            ledger_id=voucher.ledger_id,
            name=name,
            note=voucher.note,
            lines=_records_of(voucher),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="voucher_template_save",
            ledger_id=voucher.ledger_id,
            obj=template,
            name=name,
            source_voucher=voucher.pk,
        )
    return template


def template_delete(*, actor, template: VoucherTemplate) -> None:
    require(actor, template.ledger, Action.PREPARE)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="voucher_template_delete",
            ledger_id=template.ledger_id,
            obj=template,
            name=template.name,
        )
        template.delete()


def templates_of(ledger: Ledger) -> list[VoucherTemplate]:
    return list(VoucherTemplate.objects.filter(ledger=ledger).order_by("name"))


def template_use(*, actor, template: VoucherTemplate, day: date | None = None) -> Voucher:
    """A new draft from ``template``: its lines and note, dated ``day`` (today by default),
    checked by the voucher's own rules as the ledger is now."""
    return services.voucher_create(
        actor=actor,
        ledger=template.ledger,
        date=day or timezone.localdate(),
        lines=line_inputs(template.lines),
        note=template.note,
    )


def voucher_copy(*, actor, voucher: Voucher, day: date | None = None) -> Voucher:
    """A new draft with ``voucher``'s lines and note, dated ``day`` (today by default)."""
    _copyable(voucher)
    return services.voucher_create(
        actor=actor,
        ledger=voucher.ledger,
        date=day or timezone.localdate(),
        lines=line_inputs(_records_of(voucher)),
        note=voucher.note,
    )


# ---------------------------------------------------------------------------------------------
# Common summaries


def summaries_for(ledger: Ledger, user) -> list[str]:
    """The summaries offered in the grid: the ledger's and this user's, each once, in order."""
    texts = CommonSummary.objects.filter(ledger=ledger).filter(
        user__isnull=True
    ) | CommonSummary.objects.filter(ledger=ledger, user=user)
    return sorted(set(texts.values_list("text", flat=True)))


def summary_list(ledger: Ledger, user) -> list[CommonSummary]:
    """The summaries a user manages on the page: the ledger's and their own."""
    rows = CommonSummary.objects.filter(ledger=ledger, user__isnull=True) | CommonSummary.objects.filter(
        ledger=ledger, user=user
    )
    return list(rows.order_by("text", "user_id"))


def summary_add(*, actor, ledger: Ledger, text: str, personal: bool = False) -> CommonSummary:
    """A common summary for the whole ledger, or with ``personal`` for ``actor`` only."""
    require(actor, ledger, Action.PREPARE)
    text = " ".join((text or "").split())
    if not text:
        raise DomainError(str(SUMMARY_REQUIRED), field="text")
    if len(text) > 200:
        raise DomainError(str(SUMMARY_TOO_LONG), field="text")
    owner = actor if personal else None
    with transaction.atomic():
        if CommonSummary.objects.filter(ledger=ledger, user=owner, text=text).exists():
            raise DomainError(SUMMARY_TAKEN.format(text=text), field="text")
        summary = CommonSummary.objects.create(ledger=ledger, user=owner, text=text)
        audit_record(
            actor=actor,
            action="common_summary_add",
            ledger_id=ledger.pk,
            obj=summary,
            text=text,
            personal=personal,
        )
    return summary


def summary_delete(*, actor, summary: CommonSummary) -> None:
    """Remove a ledger's summary, or one's own (another user's personal one is not theirs)."""
    require(actor, summary.ledger, Action.PREPARE)
    if summary.user_id is not None and summary.user_id != actor.pk:
        raise DomainError(str(NOT_THIS_LEDGER), field="summary")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="common_summary_delete",
            ledger_id=summary.ledger_id,
            obj=summary,
            text=summary.text,
        )
        summary.delete()


# ---------------------------------------------------------------------------------------------
# Recurring vouchers


def recurring_from_voucher(*, actor, voucher: Voucher, name: str, day_of_month: int) -> RecurringEntry:
    """A recurring definition with ``voucher``'s lines, dated ``day_of_month`` each month."""
    require(actor, voucher.ledger, Action.PREPARE)
    _copyable(voucher)
    name = _name(name)
    try:
        day = int(day_of_month)
    except (TypeError, ValueError):
        day = 0
    if not 1 <= day <= 31:
        raise DomainError(str(BAD_DAY), field="day_of_month")
    with transaction.atomic():
        if RecurringEntry.objects.filter(ledger_id=voucher.ledger_id, name=name).exists():
            raise DomainError(RECURRING_NAME_TAKEN.format(name=name), field="name")
        entry = RecurringEntry.objects.create(
            ledger_id=voucher.ledger_id,
            name=name,
            day_of_month=day,
            note=voucher.note,
            lines=_records_of(voucher),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="recurring_entry_save",
            ledger_id=voucher.ledger_id,
            obj=entry,
            name=name,
            day_of_month=day,
            lines=entry.lines,
        )
    return entry


def recurring_set_active(*, actor, entry: RecurringEntry, active: bool) -> RecurringEntry:
    require(actor, entry.ledger, Action.PREPARE)
    with transaction.atomic():
        entry.is_active = active
        entry.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action="recurring_entry_active", ledger_id=entry.ledger_id, obj=entry, active=active
        )
    return entry


def recurring_list(ledger: Ledger) -> list[RecurringEntry]:
    return list(RecurringEntry.objects.filter(ledger=ledger).prefetch_related("runs").order_by("name"))


@dataclass(frozen=True)
class RecurringResult:
    made: list[tuple[RecurringEntry, Voucher]]  # drafts made by this run
    done_before: list[RecurringEntry]  # the month was generated before: nothing made


def recurring_day(entry: RecurringEntry, year: int, month: int) -> date:
    """The voucher's date in that month: the definition's day, or the month's last day."""
    return date(year, month, min(entry.day_of_month, calendar.monthrange(year, month)[1]))


def recurring_generate(*, actor, ledger: Ledger, year: int, month: int) -> RecurringResult:
    """The month's drafts of every active definition of the ledger, all or nothing.

    Once per definition and month: a month generated before is skipped (even if its draft was
    deleted since), so running it twice makes nothing new.

    Raises:
        DomainError: a problem of each definition that cannot make its voucher (named); nothing made.
    """
    require(actor, ledger, Action.PREPARE)
    made: list[tuple[RecurringEntry, Voucher]] = []
    done_before: list[RecurringEntry] = []
    problems: list[FieldProblem] = []
    try:
        with transaction.atomic():
            entries = list(
                RecurringEntry.objects.select_for_update()
                .filter(ledger=ledger, is_active=True)
                .order_by("name")
            )
            generated = set(
                RecurringRun.objects.filter(entry__in=entries, year=year, month=month).values_list(
                    "entry_id", flat=True
                )
            )
            for entry in entries:
                if entry.pk in generated:
                    done_before.append(entry)
                    continue
                try:
                    with transaction.atomic():
                        voucher = services.voucher_create(
                            actor=actor,
                            ledger=ledger,
                            date=recurring_day(entry, year, month),
                            lines=line_inputs(entry.lines),
                            note=entry.note or entry.name,
                        )
                except DomainError as error:
                    reason = "；".join(p.message for p in error.problems)
                    problems.append(
                        FieldProblem("recurring", RECURRING_FAILED.format(name=entry.name, reason=reason))
                    )
                    continue
                RecurringRun.objects.create(
                    ledger=ledger, entry=entry, year=year, month=month, voucher=voucher, created_by=actor
                )
                made.append((entry, voucher))
            if problems:
                raise DomainError(problems=problems)
            if made:
                audit_record(
                    actor=actor,
                    action="recurring_generate",
                    ledger_id=ledger.pk,
                    obj=ledger,
                    period=f"{year:04d}-{month:02d}",
                    vouchers=[voucher.pk for _entry, voucher in made],
                    entries=[entry.name for entry, _voucher in made],
                )
    except IntegrityError as exc:  # the same month generated at once by someone else
        raise DomainError(gettext("本月定期凭证正在由他人生成，请稍后重试"), field="recurring") from exc
    return RecurringResult(made=made, done_before=done_before)
