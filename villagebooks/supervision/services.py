"""Supervision's use cases: the alerts of a ledger or region for some months, as a user may see
them; alerts dismissed with a reason; findings (问题线索) opened, answered, verified and closed.

Every service asks ``regions.permissions`` (through the actions of ``supervision.access``) and
answers a ledger or region the user may not see exactly as one that does not exist, so a
supervisor of one township cannot learn what another's books hold. Nothing here writes the books.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villagebooks.claims.receipts import HEAD_BYTES, extension, sniff_content_type
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, NotPermitted
from villagebooks.common.money import fen_to_text
from villagebooks.common.spreadsheet import Number
from villagebooks.ledger.access import ledgers_in_scope
from villagebooks.ledger.models import Ledger, VoucherLine
from villagebooks.regions import permissions
from villagebooks.regions.models import Region, RoleAssignment
from villagebooks.registry import access as registry_access
from villagebooks.registry.domain.identity import mask
from villagebooks.supervision import access
from villagebooks.supervision.models import (
    Dismissal,
    Finding,
    FindingDocument,
    FindingState,
    FindingStep,
    StepKind,
)
from villagebooks.supervision.rules import (
    BANK,
    CASH,
    RULE_BY_NAME,
    Alert,
    Scope,
    check_backdated_entry,
    check_cash_over_limit,
    check_earmark_misuse,
    check_no_decision_record,
    check_related_party_payment,
    check_round_amounts,
    check_split_payment,
    check_white_slip,
    run_rules,
)

CSV_COLUMNS = [
    "rule",
    "ledger",
    "period",
    "voucher_key",
    "voucher_number",
    "batch",
    "id_number",
    "amount",
    "evidence",
]

FORBIDDEN = _("您没有权限对账套“{ledger}”执行此操作")
UNKNOWN_LEDGER = _("账套 {code} 不存在")
UNKNOWN_REGION = _("区划 {code} 不存在")
UNKNOWN_RULE = _("规则 {rule} 不存在（可用：{rules}）")
BAD_MONTH = _("月份“{value}”无效（应为 YYYY-MM）")
MONTHS_REVERSED = _("起始月份 {first} 晚于截止月份 {last}")
SCOPE_NEEDED = _("请指定 --ledger 或 --region 之一")
REASON_NEEDED = _("请说明理由")
TEXT_NEEDED = _("请填写{what}")
UNKNOWN_FINDING = _("账套 {code} 没有第 {number} 号问题线索")
NOT_OPEN = _("问题线索第 {number} 号当前状态为“{state}”，不能{what}")
SAME_PERSON = _("核实销号须由整改人以外、其他角色的人员办理")
DEADLINE_PAST = _("整改期限 {deadline} 早于今天")
ALREADY_DISMISSED = _("该预警已被排除")
UNKNOWN_ALERT = _("账套 {code} 在 {period} 没有这条预警（可能已被排除或凭证已冲销）")
ALERTS_OF_ONE_LEDGER = _("一条问题线索只能来自同一账套的预警")
FILE_EMPTY = _("文件“{name}”是空的")
FILE_TOO_LARGE = _("文件“{name}”超过 {limit} MB")
FILE_TYPE = _("文件“{name}”不是 PDF、JPEG、PNG 或 WEBP")
TOO_MANY_FILES = _("一次最多上传 {limit} 个文件")
RETURNED_NEGATIVE = _("退回金额不能为负数")
MAX_FILES = 10

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, field: str) -> tuple[int, int]:
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DomainError(str(BAD_MONTH.format(value=text)), field=field)
    return int(match.group(1)), int(match.group(2))


def _ledger_for(actor, code: str, action: str) -> Ledger:
    ledger = ledgers_in_scope(actor).select_related("village").filter(code=code).first()
    if ledger is None:
        # Not there, or not the user's to see: the same answer (the API answers 404).
        raise DomainError(str(UNKNOWN_LEDGER.format(code=code)), field="ledger")
    if not permissions.can(actor, action, ledger):
        raise NotPermitted(str(FORBIDDEN.format(ledger=ledger.name)))
    return ledger


def scope_ledgers(actor, *, ledger_code: str = "", region_code: str = "", action: str = access.VIEW_ALERTS):
    """The ledgers asked about that ``actor`` may see for ``action``: one ledger, or every ledger
    under a region. An unknown or unseen ledger or region is "does not exist"."""
    if bool(ledger_code) == bool(region_code):
        raise DomainError(str(SCOPE_NEEDED), field="ledger")
    if ledger_code:
        return [_ledger_for(actor, ledger_code, action)]
    region = Region.objects.filter(code=region_code).first()
    ledgers = []
    if region is not None:
        ledgers = list(
            ledgers_in_scope(actor, action)
            .filter(village__path__startswith=region.path)
            .select_related("village")
        )
    if region is None or (not ledgers and not permissions.can_in_region(actor, action, region)):
        raise DomainError(str(UNKNOWN_REGION.format(code=region_code)), field="region")
    return ledgers


@dataclass
class AlertsResult:
    alerts: list[Alert]
    dismissed: int
    ledgers: int


def alerts_list(
    *, actor, ledger_code: str = "", region_code: str = "", first: str, last: str, rule: str = ""
) -> AlertsResult:
    """The alerts of the scope for months ``first``..``last`` (YYYY-MM), dismissed ones left out,
    ID numbers masked unless the actor may see the person's identifiers."""
    if rule and rule not in RULE_BY_NAME:
        raise DomainError(str(UNKNOWN_RULE.format(rule=rule, rules=", ".join(RULE_BY_NAME))), field="rule")
    start, end = parse_month(first, "from"), parse_month(last, "to")
    if start > end:
        raise DomainError(str(MONTHS_REVERSED.format(first=first, last=last)), field="to")
    ledgers = scope_ledgers(actor, ledger_code=ledger_code, region_code=region_code)
    if not ledgers:
        return AlertsResult([], 0, 0)
    alerts = run_rules(Scope.of(ledgers, start, end), [rule] if rule else None)
    dismissed = set(
        Dismissal.objects.filter(ledger_id__in=[x.pk for x in ledgers]).values_list("alert_key", flat=True)
    )
    shown = [a for a in alerts if a.key not in dismissed]
    villages = {x.pk: x.village for x in ledgers}
    personal = {
        v.pk: registry_access.covers(actor, registry_access.VIEW_PERSONAL, v) for v in villages.values()
    }
    for alert in shown:
        if alert.id_number and not personal[villages[alert.ledger_id].pk]:
            alert.id_number = mask(alert.id_number)
    shown.sort(key=lambda a: (a.ledger, a.period, a.rule))
    return AlertsResult(shown, len(alerts) - len(shown), len(ledgers))


def voucher_alerts(*, actor, voucher) -> list[Alert]:
    """The alerts a voucher raises, judged as if posted (a submitted voucher in the review desk),
    over its ledger's year (and a month either side, for payments split across the new year).
    Empty for a user who may not see alerts.

    Only the rules its lines can trip run, each reading only this voucher (or the payments to its
    counterparties): cash rules if it pays cash, payment rules if it pays someone, the earmark
    rule if a line carries a fund or project."""
    ledger = voucher.ledger
    if not permissions.can(actor, access.VIEW_ALERTS, ledger):
        return []
    lines = list(
        VoucherLine.objects.filter(voucher_id=voucher.pk).values_list(
            "account__code", "credit_fen", "fund_id", "project_id", "counterparty_id"
        )
    )
    cash = any(code.startswith(CASH) and credit > 0 for code, credit, *_ in lines)
    pays = any(code.startswith((CASH, BANK)) and credit > 0 for code, credit, *_ in lines)
    parties = frozenset(party for *_, party in lines if party)
    tagged = any(fund or project for _c, _cr, fund, project, _p in lines)
    checks = [check_backdated_entry]
    if cash:
        checks.append(check_cash_over_limit)
    if pays:
        checks.append(check_no_decision_record)
    if pays and parties:
        checks += [check_split_payment, check_related_party_payment, check_round_amounts, check_white_slip]
    if tagged:
        checks.append(check_earmark_misuse)
    before, after = voucher.date - timedelta(days=31), voucher.date + timedelta(days=31)
    first = min((before.year, before.month), (voucher.date.year, 1))
    last = max((after.year, after.month), (voucher.date.year, 12))
    scope = Scope.of([ledger], first, last, pending=voucher.pk)
    scope.focus, scope.focus_parties = voucher.pk, parties
    alerts = [a for check in checks for a in check(scope) if voucher.pk in {v.id for v in a.vouchers}]
    if not alerts:
        return []
    dismissed = set(Dismissal.objects.filter(ledger=ledger).values_list("alert_key", flat=True))
    return [a for a in alerts if a.key not in dismissed]


def alert_row(alert: Alert) -> list:
    """One alert as the CSV's columns (``CSV_COLUMNS``)."""
    return [
        alert.rule,
        alert.ledger,
        alert.period,
        ";".join(v.key for v in alert.vouchers),
        ";".join(str(v.number or "") for v in alert.vouchers),
        alert.batch,
        alert.id_number,
        Number(fen_to_text(alert.amount_fen)),
        alert.evidence,
    ]


def alert_dismiss(*, actor, ledger_code: str, alert_key: str, reason: str) -> Dismissal:
    """Judge an alert not a problem: the reason is kept and counted per rule, never deleted."""
    ledger = _ledger_for(actor, ledger_code, access.FINDINGS)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(str(REASON_NEEDED), field="reason")
    rule = alert_key.split(":", 1)[0]
    if rule not in RULE_BY_NAME or not alert_key.startswith(f"{rule}:{ledger.pk}:"):
        raise DomainError(str(UNKNOWN_RULE.format(rule=rule, rules=", ".join(RULE_BY_NAME))), field="alert")
    with transaction.atomic():
        if Dismissal.objects.filter(ledger=ledger, alert_key=alert_key).exists():
            raise Conflict(str(ALREADY_DISMISSED), field="alert")
        dismissal = Dismissal.objects.create(
            ledger=ledger, rule=rule, alert_key=alert_key, reason=reason[:300], dismissed_by=actor
        )
        audit_record(
            actor=actor, action="supervision.alert_dismiss", ledger_id=ledger.pk, obj=dismissal, rule=rule
        )
    return dismissal


def dismissals_per_rule(ledgers) -> dict[str, int]:
    """How many alerts of each rule were dismissed (a noisy rule shows up here)."""
    rows = (
        Dismissal.objects.filter(ledger__in=ledgers).values("rule").annotate(n=Count("id")).order_by("rule")
    )
    return {r["rule"]: r["n"] for r in rows}


# ---------------------------------------------------------------------------------------------
# Findings: opened → (response → sent back)* → response → closed. Every step a new row.


def _role_of(actor, ledger: Ledger) -> str:
    """The role under which ``actor`` acts on ``ledger`` (recorded on each step)."""
    if actor.is_superuser:
        return "admin"
    roles = [
        r.role
        for r in RoleAssignment.objects.filter(user=actor)
        if (r.ledger_id == ledger.pk)
        or (r.ledger_id is None and ledger.village.path.startswith(r.region.path))
    ]
    return roles[0] if roles else ""


def _text(value: str, what) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(str(TEXT_NEEDED.format(what=what)), field=str(what))
    return value


def finding_open(
    *,
    actor,
    ledger_code: str,
    title: str,
    evidence: str,
    deadline: date,
    responsible: str,
    amount_fen: int = 0,
    rule: str = "",
    period: str = "",
    voucher_keys: str = "",
    alert_keys: list[str] | None = None,
) -> Finding:
    """Turn alerts (their rule, period, vouchers; ``alert_keys`` names them) or one's own
    observation into a finding."""
    ledger = _ledger_for(actor, ledger_code, access.FINDINGS)
    title, evidence = _text(title, _("问题")), _text(evidence, _("依据"))
    responsible = _text(responsible, _("整改责任人"))
    if rule and rule not in RULE_BY_NAME:
        raise DomainError(str(UNKNOWN_RULE.format(rule=rule, rules=", ".join(RULE_BY_NAME))), field="rule")
    if period:
        parse_month(period, "period")
    if deadline < timezone.localdate():
        raise DomainError(str(DEADLINE_PAST.format(deadline=deadline)), field="deadline")
    with transaction.atomic():
        Ledger.objects.select_for_update().filter(pk=ledger.pk).first()  # numbers without gaps or twins
        number = (Finding.objects.filter(ledger=ledger).aggregate(n=Max("number"))["n"] or 0) + 1
        # A finding's own number (问题线索编号), not a voucher's: built, then saved.
        finding = Finding(
            ledger=ledger,
            number=number,
            title=title[:200],
            rule=rule,
            period=period,
            voucher_keys=voucher_keys[:500],
            alert_keys="\n".join(alert_keys or []),
            amount_fen=amount_fen,
            evidence=evidence,
            deadline=deadline,
            responsible=responsible[:100],
            created_by=actor,
        )
        finding.save()
        FindingStep.objects.create(
            ledger=ledger, finding=finding, kind=StepKind.OPENED, text=evidence, actor=actor,
            actor_role=_role_of(actor, ledger),
        )  # fmt: skip
        audit_record(
            actor=actor, action="supervision.finding_open", ledger_id=ledger.pk, obj=finding, number=number
        )
    return finding


def _finding(actor, ledger_code: str, number: int, action: str) -> Finding:
    ledger = _ledger_for(actor, ledger_code, action)
    finding = Finding.objects.select_for_update().filter(ledger=ledger, number=number).first()
    if finding is None:
        raise DomainError(str(UNKNOWN_FINDING.format(code=ledger_code, number=number)), field="finding")
    finding.ledger = ledger
    return finding


def _step(
    actor,
    finding: Finding,
    kind: str,
    text: str,
    documents: str = "",
    vouchers: str = "",
    returned_fen: int = 0,
) -> FindingStep:
    step = FindingStep.objects.create(
        ledger_id=finding.ledger_id, finding=finding, kind=kind, text=text, documents=documents[:500],
        vouchers=vouchers[:500], returned_fen=returned_fen, actor=actor, actor_role=_role_of(actor, finding.ledger),
    )  # fmt: skip
    audit_record(
        actor=actor, action=f"supervision.finding_{kind}", ledger_id=finding.ledger_id, obj=finding,
        number=finding.number,
    )  # fmt: skip
    return step


@dataclass(frozen=True)
class Upload:
    """A document as uploaded: its name and bytes (the type is read from the bytes)."""

    name: str
    content: bytes


def _checked_uploads(files: list[Upload]) -> list[tuple[Upload, str, str]]:
    """Each upload with its content type and SHA-256; every problem at once, nothing stored."""
    if len(files) > MAX_FILES:
        raise DomainError(str(TOO_MANY_FILES.format(limit=MAX_FILES)), field="files")
    limit = settings.ATTACHMENT_MAX_BYTES
    checked, problems = [], []
    for upload in files:
        name = (upload.name or "").rsplit("/", 1)[-1][:255]
        if not upload.content:
            problems.append(str(FILE_EMPTY.format(name=name)))
        elif len(upload.content) > limit:
            problems.append(str(FILE_TOO_LARGE.format(name=name, limit=limit // 2**20)))
        elif (content_type := sniff_content_type(upload.content[:HEAD_BYTES])) is None:
            problems.append(str(FILE_TYPE.format(name=name)))
        else:
            checked.append(
                (Upload(name, upload.content), content_type, hashlib.sha256(upload.content).hexdigest())
            )
    if problems:
        raise DomainError("；".join(problems), field="files")
    return checked


def _store(actor, step: FindingStep, checked: list[tuple[Upload, str, str]]) -> None:
    for upload, content_type, digest in checked:
        document = FindingDocument(
            ledger_id=step.ledger_id, step=step, original_name=upload.name, content_type=content_type,
            size=len(upload.content), sha256=digest, uploaded_by=actor,
        )  # fmt: skip
        document.file.save(f"{digest}{extension(content_type)}", ContentFile(upload.content), save=False)
        # A transaction that fails after this leaves the file behind, named by no row: harmless.
        document.save(force_insert=True)


def finding_respond(
    *,
    actor,
    ledger_code: str,
    number: int,
    measures: str,
    documents: str = "",
    vouchers: str = "",
    returned_fen: int = 0,
    files: list[Upload] | None = None,
) -> Finding:
    """The village's rectification: 整改措施, the correcting vouchers, the money returned and the
    documents (uploaded files, kept like a voucher's attachments; ``documents`` names papers
    handed in otherwise)."""
    measures = _text(measures, _("整改措施"))
    if returned_fen < 0:
        raise DomainError(str(RETURNED_NEGATIVE), field="returned")
    checked = _checked_uploads(files or [])
    with transaction.atomic():
        finding = _finding(actor, ledger_code, number, access.RESPOND)
        if finding.state != FindingState.OPEN:
            raise Conflict(
                str(NOT_OPEN.format(number=number, state=finding.get_state_display(), what=_("提交整改")))
            )
        names = "、".join(upload.name for upload, _t, _d in checked)
        step = _step(
            actor, finding, StepKind.RESPONSE, measures, documents or names, vouchers.strip(), returned_fen
        )
        _store(actor, step, checked)
        finding.state = FindingState.RESPONDED
        finding.save(update_fields=["state"])
    return finding


def finding_document_add(*, actor, ledger_code: str, number: int, upload: Upload) -> FindingDocument:
    """One more document for the rectification just submitted (while it waits to be verified):
    kept with that response step, like the files uploaded with it."""
    checked = _checked_uploads([upload])
    with transaction.atomic():
        finding = _finding(actor, ledger_code, number, access.RESPOND)
        if finding.state != FindingState.RESPONDED:
            raise Conflict(
                str(NOT_OPEN.format(number=number, state=finding.get_state_display(), what=_("补充材料")))
            )
        step = finding.steps.filter(kind=StepKind.RESPONSE).order_by("-id").first()
        _store(actor, step, checked)
        audit_record(
            actor=actor, action="supervision.finding_document_add", ledger_id=finding.ledger_id, obj=finding,
            number=finding.number, name=upload.name[:255],
        )  # fmt: skip
    return FindingDocument.objects.filter(step=step).order_by("-id").first()


def finding_verify(*, actor, ledger_code: str, number: int, accept: bool, note: str) -> Finding:
    """核实: close the finding (销号) or send it back; not by the person who answered it."""
    note = _text(note, _("核实意见"))
    with transaction.atomic():
        finding = _finding(actor, ledger_code, number, access.VERIFY)
        if finding.state != FindingState.RESPONDED:
            raise Conflict(
                str(NOT_OPEN.format(number=number, state=finding.get_state_display(), what=_("核实")))
            )
        answer = finding.steps.filter(kind=StepKind.RESPONSE).order_by("-id").first()
        role = _role_of(actor, finding.ledger)
        # Verified by another person of another role: the village does not sign off its own answer.
        if answer is not None and (
            answer.actor_id == actor.pk or (answer.actor_role == role and role != "admin")
        ):
            raise NotPermitted(str(SAME_PERSON))
        _step(actor, finding, StepKind.CLOSED if accept else StepKind.SENT_BACK, note)
        finding.state = FindingState.CLOSED if accept else FindingState.OPEN
        finding.save(update_fields=["state"])
    return finding


def _dated(finding: Finding, today: date) -> Finding:
    finding.overdue = finding.state != FindingState.CLOSED and finding.deadline < today
    finding.age_days = (today - timezone.localtime(finding.created_at).date()).days
    return finding


def findings_list(*, actor, ledger_code: str = "", region_code: str = "", open_only: bool = False):
    """The findings of the scope, each with ``overdue`` (open past its deadline) and age in days.
    Seen by those who open and verify findings and by the village's side that answers them."""
    ledgers = scope_ledgers(
        actor, ledger_code=ledger_code, region_code=region_code, action=access.VIEW_FINDINGS
    )
    findings = (
        Finding.objects.filter(ledger__in=ledgers)
        .select_related("ledger__village")
        .order_by("ledger__code", "number")
    )
    if open_only:
        findings = findings.exclude(state=FindingState.CLOSED)
    today = timezone.localdate()
    return [_dated(finding, today) for finding in findings]


def finding_get(*, actor, ledger_code: str, number: int) -> Finding:
    """One finding with its steps (``steps_shown``, each with its ``files_shown``), oldest first."""
    ledger = _ledger_for(actor, ledger_code, access.VIEW_FINDINGS)
    finding = Finding.objects.filter(ledger=ledger, number=number).select_related("created_by").first()
    if finding is None:
        raise DomainError(str(UNKNOWN_FINDING.format(code=ledger_code, number=number)), field="finding")
    finding.ledger = ledger
    steps = list(finding.steps.select_related("actor").order_by("id"))
    files: dict[int, list[FindingDocument]] = {}
    for document in FindingDocument.objects.filter(step__finding=finding).order_by("id"):
        files.setdefault(document.step_id, []).append(document)
    for step in steps:
        step.files_shown = files.get(step.pk, [])
    finding.steps_shown = steps
    return _dated(finding, timezone.localdate())


def finding_document_get(*, actor, ledger_code: str, number: int, document_id: int) -> FindingDocument | None:
    """A document of a finding, for whoever may see the finding; None otherwise (answered 404)."""
    try:
        ledger = _ledger_for(actor, ledger_code, access.VIEW_FINDINGS)
    except (DomainError, NotPermitted):
        return None
    return FindingDocument.objects.filter(
        ledger=ledger, pk=document_id, step__finding__number=number, step__finding__ledger=ledger
    ).first()


def alerts_by_key(*, actor, ledger_code: str, keys: list[str]) -> list[Alert]:
    """The alerts named by ``keys`` (of one ledger), as the rules raise them now: what a finding
    opened from them starts with. Unknown or dismissed ones are an error naming the period."""
    ledger = _ledger_for(actor, ledger_code, access.FINDINGS)
    periods = set()
    for key in keys:
        parts = key.split(":")
        if len(parts) < 3 or parts[1] != str(ledger.pk):
            raise DomainError(str(ALERTS_OF_ONE_LEDGER), field="alert")
        periods.add(parse_month(parts[2], "alert"))
    first, last = min(periods), max(periods)
    found = alerts_list(
        actor=actor, ledger_code=ledger_code, first=f"{first[0]}-01", last=f"{last[0]}-12"
    ).alerts
    by_key = {a.key: a for a in found}
    missing = [key for key in keys if key not in by_key]
    if missing:
        period = missing[0].split(":")[2]
        raise DomainError(str(UNKNOWN_ALERT.format(code=ledger_code, period=period)), field="alert")
    return [by_key[key] for key in keys]
