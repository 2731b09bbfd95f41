"""Publishing a disclosure, and a villager's look-up of their own payments.

``disclosure_publish`` freezes what the page shows: the sections built from the books and the
registers, stored as canonical JSON with its SHA-256, beside the ledger's hash chain as it stood
(size, head hash, Merkle root) and a signed checkpoint when the agency has a key. Only closed
months are published: the law asks for the accounts of a finished period, and a month still open
could change under the published figures. Publishing a period again is a correction: it needs a
reason, and makes the next version; earlier versions stay as they were.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villagebooks import verify_books
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError
from villagebooks.common.money import format_fen
from villagebooks.disclosure import access
from villagebooks.disclosure.models import Disclosure, LookupLog
from villagebooks.disclosure.periods import DisclosurePeriod, parse_disclosure_period
from villagebooks.disclosure.sections import SectionContext, big_item_fen, build_sections, scrub
from villagebooks.ledger import checkpoints
from villagebooks.ledger.models import ChainHead, Ledger, Period, PeriodStatus

SNAPSHOT_KIND = "villagebooks-disclosure"
SNAPSHOT_VERSION = 1

NOT_CLOSED = _("{months} 尚未结账：村务公开只公开已结账的账目，请先结账再公开")
BEFORE_START = _("账套 {ledger} 自 {start} 启用，{period} 没有账目可公开")
NEEDS_REASON = _("{period} 已公开过（版本 {version}）：更正须写明理由，将作为版本 {next} 公开，原版本保留")
REASON_TOO_LONG = _("更正理由不能超过 300 字")


def _month_text(key: int) -> str:
    return f"{key // 100:04d}-{key % 100:02d}"


def _check_closed(ledger: Ledger, period: DisclosurePeriod) -> None:
    if period.to_key < ledger.start_period_key:
        raise DomainError(
            BEFORE_START.format(
                ledger=ledger.code, start=_month_text(ledger.start_period_key), period=period.text
            ),
            field="period",
        )
    closed = set(
        Period.objects.filter(ledger=ledger, year=period.year, status=PeriodStatus.CLOSED).values_list(
            "month", flat=True
        )
    )
    open_months = [
        _month_text(key)
        for key in period.months
        if key >= ledger.start_period_key and key % 100 not in closed
    ]
    if open_months:
        raise DomainError(NOT_CLOSED.format(months="、".join(open_months)), field="period")


def snapshot_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_snapshot(ledger: Ledger, period: DisclosurePeriod, *, threshold: int) -> dict:
    context = SectionContext(ledger=ledger, period=period, big_item_fen=threshold)
    return {
        "kind": SNAPSHOT_KIND,
        "version": SNAPSHOT_VERSION,
        "ledger": ledger.code,
        "ledger_name": ledger.name,
        "village": ledger.village.name,
        "period": period.text,
        "period_label": period.label,
        "from": _month_text(period.from_key),
        "to": _month_text(period.to_key),
        "big_item_fen": threshold,
        "sections": build_sections(context),
    }


def disclosure_publish(*, actor, ledger: Ledger, period: str, reason: str = "") -> Disclosure:
    """Publish ``period`` of ``ledger`` (a correction, with ``reason``, if it was published before)."""
    access.require_publish(actor, ledger)
    parsed = parse_disclosure_period(period)
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise DomainError(REASON_TOO_LONG, field="reason")
    _check_closed(ledger, parsed)
    with transaction.atomic():
        # The chain head is locked so that the head recorded is the one the figures were read
        # beside (postings in later, open months wait a moment).
        head = ChainHead.objects.select_for_update().filter(ledger=ledger).first()
        last = Disclosure.objects.filter(ledger=ledger, period=parsed.text).order_by("-version").first()
        if last is not None and not reason:
            raise DomainError(
                NEEDS_REASON.format(period=parsed.text, version=last.version, next=last.version + 1),
                field="reason",
            )
        snapshot = build_snapshot(ledger, parsed, threshold=big_item_fen(ledger.village))
        text = verify_books.canonical_json(snapshot).decode("utf-8")
        size, root = checkpoints.ledger_tree(ledger.pk)
        checkpoint = checkpoints.make_ledger_checkpoint(ledger) if checkpoints.has_key() else None
        disclosure = Disclosure.objects.create(
            ledger=ledger,
            period=parsed.text,
            from_key=parsed.from_key,
            to_key=parsed.to_key,
            version=1 if last is None else last.version + 1,
            reason=reason if last is not None else "",
            snapshot=text,
            sha256=snapshot_sha256(text),
            chain_size=size,
            chain_head=head.head_hash if head is not None and size else "",
            chain_root=root,
            checkpoint=checkpoint,
            published_by=actor,
            published_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="disclosure_publish",
            ledger_id=ledger.pk,
            obj=disclosure,
            period=parsed.text,
            version=disclosure.version,
            sha256=disclosure.sha256,
            reason=disclosure.reason,
        )
    return disclosure


def public_address(disclosure: Disclosure) -> str:
    """The page's full address, on the site's public base address."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}/public/{disclosure.ledger.code}/{disclosure.period}/"


# ---------------------------------------------------------------------------------------------
# A villager's own payments


LIMITED = _("查询过于频繁，请稍后再试")


def id_hash(id_number: str) -> str:
    """A keyed hash of an ID number: the log can tell repeated look-ups apart, never the number."""
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, id_number.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


def _over_limit(key: str, limit: int, seconds: int) -> bool:
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count > limit


def own_payments(*, ledger: Ledger, id_number: str, name: str, ip: str) -> tuple[str, list[dict]]:
    """A villager's own paid subsidies in ``ledger``: ("found" | "none" | "limited", rows).

    The answer is the same for an unknown ID number and for a name that does not match it, so
    that the form cannot be used to learn whose number is whose. Every look-up is logged.
    """
    hashed = id_hash(id_number)
    window = settings.DISCLOSURE_LOOKUP_WINDOW_SECONDS
    limited = _over_limit(f"disclosure:ip:{ip}", settings.DISCLOSURE_LOOKUP_PER_IP, window) or _over_limit(
        f"disclosure:id:{hashed}", settings.DISCLOSURE_LOOKUP_PER_ID, window
    )
    rows: list[dict] = []
    if not limited:
        rows = _payments(ledger, id_number.strip().upper(), name.strip())
    outcome = "limited" if limited else ("found" if rows else "none")
    LookupLog.objects.create(ledger=ledger, ip=ip[:45], id_hash=hashed, outcome=outcome)
    return outcome, rows


def _payments(ledger: Ledger, id_number: str, name: str) -> list[dict]:
    from villagebooks.registry.models import BatchState, SubsidyLine
    from villagebooks.registry.subsidies import batch_states

    if not id_number or not name:
        return []
    lines = list(
        SubsidyLine.objects.filter(ledger_id=ledger.pk, id_number=id_number, name=name)
        .select_related("batch__programme")
        .order_by("batch__pay_date", "batch__code", "row")
    )
    states = batch_states({line.batch for line in lines})
    rows = [
        {
            "what": scrub(line.batch.programme.name),
            "period": line.batch.period,
            "date": line.batch.pay_date.isoformat(),
            "amount_fen": line.amount_fen,
            "amount": format_fen(line.amount_fen),
        }
        for line in lines
        # A payment the bank returned and that went back (to the fund, or a dividend to 211)
        # did not reach the person.
        if states.get(line.batch_id) == BatchState.PAID and line.resolution != "return"
    ]
    return rows + _dividends(ledger, id_number, name)


def _dividends(ledger: Ledger, id_number: str, name: str) -> list[dict]:
    """The dividends of the person's household (分红 is divided per household by its shares)."""
    from villagebooks.affairs.models import DividendLine
    from villagebooks.registry.models import Person

    household = (
        Person.objects.filter(id_number=id_number, name=name, household__village_id=ledger.village_id)
        .values_list("household_id", flat=True)
        .first()
    )
    if household is None:
        return []
    lines = DividendLine.objects.filter(ledger_id=ledger.pk, household_id=household).select_related(
        "dividend"
    )
    return [
        {
            "what": f"{line.dividend.year}年度分红（本户 {format(line.shares.normalize(), 'f')} 份）",
            "period": str(line.dividend.year),
            "date": line.dividend.on_date.isoformat(),
            "amount_fen": line.amount_fen,
            "amount": format_fen(line.amount_fen),
        }
        for line in lines.order_by("dividend__year")
    ]
