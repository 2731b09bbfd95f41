"""Decisions by 四议两公开: for each matter that needs one, the 党组织's proposal, the 两委's
discussion, the 党员大会's review and the 成员(代表)大会's resolution — with attendance and votes
checked against the quorum rules (data: ``terms().quorum_ordinary`` / ``quorum_major``) — and
the two public notices (决议公开, 实施结果公开). Payments (posted vouchers) are linked to the
decision they carry out; a payment at or above the county's threshold (``decision_threshold_fen``)
is expected to have one (``selectors_members.payments_missing_decision``; supervision's rule
``no_decision_record``).

``import-decisions FILE`` (CSV or XLSX, Chinese headers accepted, all or nothing), one row per
decision; the optional ``ledger`` and ``vouchers`` columns link posted vouchers, written
``YYYY-MM/号`` (期间/凭证号) and separated by ``;``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from villagebooks.affairs import access
from villagebooks.affairs import errors as E
from villagebooks.affairs.members import (
    ImportResult,
    parse_count,
    parse_date,
    read_rows,
    village_checked,
    villages_by_code,
)
from villagebooks.affairs.models import Decision, DecisionPayment
from villagebooks.affairs.terms import Quorum, terms
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import Conflict, DomainError, FieldProblem
from villagebooks.common.money import MoneyError, yuan_to_fen
from villagebooks.ledger.models import Ledger, Voucher, VoucherStatus

DECISION_COLUMNS = (
    "village",
    "code",
    "matter",
    "major",
    "amount",
    "proposed_on",
    "discussed_on",
    "reviewed_on",
    "resolved_on",
    "body",
    "eligible",
    "present",
    "votes_for",
    "votes_against",
    "votes_abstain",
    "resolution_notice_on",
    "result_notice_on",
    "note",
    "ledger",
    "vouchers",
)
DECISION_REQUIRED = (
    "village",
    "code",
    "matter",
    "proposed_on",
    "discussed_on",
    "reviewed_on",
    "resolved_on",
    "body",
    "eligible",
    "present",
    "votes_for",
)
DECISION_ALIASES = {
    "village": ("village", "村", "村代码"),
    "code": ("code", "编号", "决策编号"),
    "matter": ("matter", "事项", "决策事项"),
    "major": ("major", "重大事项", "是否重大事项"),
    "amount": ("amount", "涉及金额", "金额"),
    "proposed_on": ("proposed_on", "党组织提议日期", "提议日期"),
    "discussed_on": ("discussed_on", "两委商议日期", "商议日期"),
    "reviewed_on": ("reviewed_on", "党员大会审议日期", "审议日期"),
    "resolved_on": ("resolved_on", "决议日期", "成员大会决议日期"),
    "body": ("body", "决议机构"),
    "eligible": ("eligible", "应到人数"),
    "present": ("present", "实到人数"),
    "votes_for": ("votes_for", "赞成票", "赞成"),
    "votes_against": ("votes_against", "反对票", "反对"),
    "votes_abstain": ("votes_abstain", "弃权票", "弃权"),
    "resolution_notice_on": ("resolution_notice_on", "决议公开日期"),
    "result_notice_on": ("result_notice_on", "实施结果公开日期"),
    "note": ("note", "备注"),
    "ledger": ("ledger", "账套", "账套编号"),
    "vouchers": ("vouchers", "关联凭证", "凭证"),
}
BODIES = {"members": "成员大会", "representatives": "成员代表大会"}
STEPS = (
    ("proposed_on", _("党组织提议")),
    ("discussed_on", _("两委商议")),
    ("reviewed_on", _("党员大会审议")),
    ("resolved_on", _("成员(代表)大会决议")),
)
YES, NO = {"是", "1", "true", "yes", "y"}, {"否", "0", "false", "no", "n", ""}
_VOUCHER_REF = re.compile(r"^(\d{4})-(\d{1,2})/(\d+)$")


@dataclass(frozen=True)
class QuorumCheck:
    ok: bool
    field: str = ""
    message: str = ""


def _rule_text(share: Decimal, strict: bool) -> str:
    if share == Decimal("0.5") and strict:
        return gettext("过半数")
    if abs(share - Decimal(2) / 3) < Decimal("0.0001"):
        return gettext("三分之二以上") if not strict else gettext("超过三分之二")
    percent = (share * 100).quantize(Decimal("0.01")).normalize()
    return (gettext("超过 {percent}%") if strict else gettext("不少于 {percent}%")).format(percent=percent)


def _meets(
    count: int, base: int, share: Decimal, strict: bool, *, tolerance: Decimal = Decimal("0.0001")
) -> bool:
    needed = share * base
    if abs(share - Decimal(2) / 3) < tolerance:  # two-thirds exactly, whatever decimals the data wrote
        return count * 3 > 2 * base if strict else count * 3 >= 2 * base
    return count > needed if strict else count >= needed


def quorum_check(
    *, major: bool, eligible: int, present: int, votes_for: int, votes_against: int, votes_abstain: int
) -> QuorumCheck:
    """Attendance and votes against the county's quorum rules (ordinary or major matter)."""
    rule: Quorum = terms().quorum_major if major else terms().quorum_ordinary
    if present > eligible:
        return QuorumCheck(False, "present", str(E.PRESENT_OVER))
    votes = votes_for + votes_against + votes_abstain
    if votes > present:
        return QuorumCheck(False, "votes_for", str(E.VOTES_OVER.format(votes=votes, present=present)))
    if not _meets(present, eligible, rule.present, rule.present_strict):
        text = _rule_text(rule.present, rule.present_strict)
        return QuorumCheck(
            False, "present", str(E.NO_QUORUM.format(present=present, eligible=eligible, rule=text))
        )
    if not _meets(votes_for, present, rule.approve, rule.approve_strict):
        text = _rule_text(rule.approve, rule.approve_strict)
        return QuorumCheck(
            False, "votes_for", str(E.NOT_PASSED.format(votes=votes_for, present=present, rule=text))
        )
    return QuorumCheck(True)


def attendance_met(*, eligible: int, present: int, major: bool = False) -> bool:
    """Whether ``present`` of ``eligible`` is enough attendance under the county's rule."""
    rule: Quorum = terms().quorum_major if major else terms().quorum_ordinary
    return (
        0 < eligible and present <= eligible and _meets(present, eligible, rule.present, rule.present_strict)
    )


def _body_key(text: str) -> str | None:
    if text in BODIES:
        return text
    for key, label in BODIES.items():
        if text == label:
            return key
    return None


def decision_problems(values: dict, *, today: date) -> tuple[dict, list[tuple[str, str]]]:
    """Parse and check one decision's fields (texts, as an import row or a form gives them):
    (parsed values, [(field, message)])."""
    problems: list[tuple[str, str]] = []
    parsed: dict = {}
    for column in DECISION_REQUIRED:
        if column != "village" and not values.get(column, ""):
            problems.append((column, str(E.REQUIRED)))
    for column, limit in (("code", 32), ("matter", 200), ("note", 300)):
        if len(values.get(column, "")) > limit:
            problems.append((column, str(E.TOO_LONG.format(limit=limit))))
    parsed["code"], parsed["matter"], parsed["note"] = (
        values.get("code", ""),
        values.get("matter", ""),
        values.get("note", ""),
    )
    major = values.get("major", "").lower()
    if major not in YES | NO:
        problems.append(("major", str(E.BAD_YES_NO.format(value=values.get("major")))))
    parsed["major"] = major in YES
    parsed["amount_fen"] = None
    if values.get("amount"):
        try:
            parsed["amount_fen"] = yuan_to_fen(values["amount"])
        except MoneyError:
            problems.append(("amount", str(E.BAD_AMOUNT.format(value=values["amount"]))))
    for column in (
        "proposed_on",
        "discussed_on",
        "reviewed_on",
        "resolved_on",
        "resolution_notice_on",
        "result_notice_on",
    ):
        text = values.get(column, "")
        parsed[column] = parse_date(text) if text else None
        if text and parsed[column] is None:
            problems.append((column, str(E.BAD_DATE.format(value=text))))
        elif parsed[column] and parsed[column] > today:
            problems.append((column, str(E.DATE_IN_FUTURE)))
    earlier = None
    for column, label in STEPS:
        if parsed[column] and earlier and parsed[column] < parsed[earlier[0]]:
            problems.append((column, str(E.STEP_ORDER.format(later=label, earlier=earlier[1]))))
        if parsed[column]:
            earlier = (column, label)
    for column, label in (("resolution_notice_on", _("决议公开")), ("result_notice_on", _("实施结果公开"))):
        if parsed[column] and parsed["resolved_on"] and parsed[column] < parsed["resolved_on"]:
            problems.append((column, str(E.NOTICE_BEFORE.format(notice=label))))
    body = _body_key(values.get("body", ""))
    if values.get("body") and body is None:
        problems.append(("body", str(E.UNKNOWN_BODY.format(value=values["body"]))))
    parsed["body"] = body
    counts = {}
    for column in ("eligible", "present", "votes_for", "votes_against", "votes_abstain"):
        text = values.get(column, "") or ("0" if column in ("votes_against", "votes_abstain") else "")
        counts[column] = parse_count(text) if text else None
        if text and counts[column] is None:
            problems.append((column, str(E.BAD_COUNT.format(value=text))))
    parsed.update(counts)
    if not problems:
        check = quorum_check(major=parsed["major"], **counts)
        if not check.ok:
            problems.append((check.field, check.message))
    return parsed, problems


def _voucher_refs(text: str) -> list[tuple[int, int, int]] | None:
    refs = []
    for part in re.split(r"[;；,，、\s]+", text.strip()):
        if not part:
            continue
        match = _VOUCHER_REF.match(part)
        if not match:
            return None
        refs.append(tuple(int(g) for g in match.groups()))
    return refs


def decisions_import(*, actor, path: Path) -> ImportResult:
    """Import decisions from ``path`` (``DECISION_COLUMNS`` or their Chinese names), all or nothing."""
    today = timezone.localdate()
    rows = read_rows(path, DECISION_ALIASES, DECISION_COLUMNS, DECISION_REQUIRED)
    problems: list[FieldProblem] = []
    villages = villages_by_code(v["village"] for _, v in rows)
    ledgers = {lg.code: lg for lg in Ledger.objects.filter(code__in={v["ledger"] for _, v in rows} - {""})}
    existing = set(Decision.objects.filter(village__in=villages.values()).values_list("village_id", "code"))
    allowed: dict[str, bool] = {}
    link_allowed: dict[str, bool] = {}
    seen: dict[tuple, int] = {}
    plan = []
    linked_in_file: dict[int, int] = {}
    for number, v in rows:

        def bad(column, message, number=number):
            problems.append(FieldProblem(column, str(message), number))

        village = village_checked(actor, access.DECISIONS_EDIT, v["village"], villages, allowed, bad)
        parsed, found = decision_problems(v, today=today)
        for column, message in found:
            bad(column, message)
        if village:
            key = (village.pk, v["code"])
            if key in seen:
                bad("code", E.DUPLICATE_ROW.format(row=seen[key]))
            elif key in existing:
                bad("code", E.DECISION_EXISTS.format(code=v["code"]))
            seen.setdefault(key, number)
        vouchers: list[Voucher] = []
        if v["vouchers"]:
            ledger = ledgers.get(v["ledger"])
            refs = _voucher_refs(v["vouchers"])
            if not v["ledger"]:
                bad("ledger", E.REQUIRED)
            elif ledger is None:
                bad("ledger", E.UNKNOWN_LEDGER.format(code=v["ledger"]))
            elif village and ledger.village_id != village.pk:
                bad("ledger", E.VOUCHER_OTHER_VILLAGE.format(village=village.name))
            elif village and not village_checked(
                actor, access.LINK_PAYMENTS, v["village"], villages, link_allowed, bad
            ):
                pass
            elif refs is None:
                bad("vouchers", E.BAD_VOUCHER_REFS)
            else:
                for year, month, no in refs:
                    voucher = Voucher.objects.filter(
                        ledger=ledger, period__year=year, period__month=month, number=no
                    ).first()
                    label = f"{year}-{month:02d}/{no}"
                    if voucher is None:
                        bad("vouchers", E.UNKNOWN_VOUCHER.format(voucher=label))
                    elif voucher.status != VoucherStatus.POSTED:
                        bad("vouchers", E.VOUCHER_NOT_POSTED.format(voucher=label))
                    elif voucher.pk in linked_in_file:
                        bad("vouchers", E.DUPLICATE_ROW.format(row=linked_in_file[voucher.pk]))
                    else:
                        other = (
                            DecisionPayment.objects.filter(voucher=voucher).select_related("decision").first()
                        )
                        if other:
                            bad("vouchers", E.VOUCHER_LINKED.format(code=other.decision.code))
                        else:
                            linked_in_file[voucher.pk] = number
                            vouchers.append(voucher)
        if village and not found:
            plan.append((village, parsed, vouchers))
    if problems:
        raise DomainError(problems=problems)
    result = ImportResult()
    try:
        with transaction.atomic():
            for village, parsed, vouchers in plan:
                decision = Decision.objects.create(village=village, created_by=actor, **parsed)
                DecisionPayment.objects.bulk_create(
                    DecisionPayment(ledger_id=vo.ledger_id, decision=decision, voucher=vo, linked_by=actor)
                    for vo in vouchers
                )
                result.created += 1
                result.changed += len(vouchers)
            audit_record(
                actor=actor,
                action="affairs_import_decisions",
                rows=len(rows),
                created=result.created,
                linked=result.changed,
            )
    except IntegrityError as error:
        raise Conflict(E.CONCURRENT_CHANGE, field="file") from error
    return result


def decision_create(*, actor, village, values: dict) -> Decision:
    """One decision from a page or the API (texts as a form gives them)."""
    access.require_village(actor, access.DECISIONS_EDIT, village)
    parsed, found = decision_problems(values, today=timezone.localdate())
    if Decision.objects.filter(village=village, code=values.get("code", "")).exists():
        found.append(("code", str(E.DECISION_EXISTS.format(code=values.get("code")))))
    if found:
        raise DomainError(problems=[FieldProblem(f, m) for f, m in found])
    try:
        with transaction.atomic():
            decision = Decision.objects.create(village=village, created_by=actor, **parsed)
            audit_record(actor=actor, action="affairs_decision_create", obj=decision, code=decision.code)
    except IntegrityError as error:
        raise Conflict(E.DECISION_EXISTS.format(code=values.get("code")), field="code") from error
    return decision


def notice_record(*, actor, decision: Decision, which: str, on: date) -> Decision:
    """Record the date of 决议公开 (``which`` "resolution") or 实施结果公开 ("result")."""
    access.require_village(actor, access.DECISIONS_EDIT, decision.village)
    column = {"resolution": "resolution_notice_on", "result": "result_notice_on"}.get(which)
    if column is None:
        raise DomainError(E.UNKNOWN_NOTICE, field="which")
    if on > timezone.localdate():
        raise DomainError(E.DATE_IN_FUTURE, field=column)
    if on < decision.resolved_on:
        raise DomainError(
            E.NOTICE_BEFORE.format(notice=_("决议公开") if which == "resolution" else _("实施结果公开")),
            field=column,
        )
    setattr(decision, column, on)
    decision.save(update_fields=[column, "updated_at"])
    audit_record(actor=actor, action="affairs_decision_notice", obj=decision, which=which, on=str(on))
    return decision


def payment_link(*, actor, decision: Decision, voucher: Voucher) -> DecisionPayment:
    """Link a posted voucher (a payment) of the decision's village to the decision."""
    access.require_village(actor, access.LINK_PAYMENTS, decision.village)
    label = f"{voucher.period.year}-{voucher.period.month:02d}/{voucher.number}"
    if voucher.status != VoucherStatus.POSTED:
        raise DomainError(E.VOUCHER_NOT_POSTED.format(voucher=label), field="voucher")
    if voucher.ledger.village_id != decision.village_id:
        raise DomainError(E.VOUCHER_OTHER_VILLAGE.format(village=decision.village.name), field="voucher")
    other = DecisionPayment.objects.filter(voucher=voucher).select_related("decision").first()
    if other:
        raise Conflict(E.VOUCHER_LINKED.format(code=other.decision.code), field="voucher")
    try:
        with transaction.atomic():
            link = DecisionPayment.objects.create(
                ledger_id=voucher.ledger_id, decision=decision, voucher=voucher, linked_by=actor
            )
            audit_record(
                actor=actor,
                action="affairs_decision_link",
                ledger_id=voucher.ledger_id,
                obj=link,
                voucher=voucher.pk,
            )
    except IntegrityError as error:
        raise Conflict(E.VOUCHER_LINKED.format(code="?"), field="voucher") from error
    return link
