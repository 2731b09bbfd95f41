"""Every write to claims (报账单): submit, withdraw, return, book. One transaction each, an audit
row each.

Permission comes from ``ledger.access`` only: submitting needs ``claims.submit`` (the village
reporter, ``claims.access``), returning and booking need ``Action.PREPARE`` (the accountant). Every bad input is a
``DomainError`` naming its field in Chinese, and then nothing has changed: no row and no file
(files written before the failure are removed again). Booking makes the draft voucher and its
attachments through ``ledger.services``, so the voucher obeys every rule of the books. Locks:
the claim row first, then what the ledger services lock (the voucher, the period).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from villagebooks.claims import errors as E
from villagebooks.claims.access import SUBMIT
from villagebooks.claims.models import Claim, ClaimPhoto, ClaimStatus
from villagebooks.claims.receipts import HEAD_BYTES, extension, is_heic, sniff_content_type
from villagebooks.common.audit import audit_record
from villagebooks.common.errors import DomainError, FieldProblem
from villagebooks.common.money import MAX_FEN
from villagebooks.ledger.access import Action, require
from villagebooks.ledger.domain.vouchers import LineInput
from villagebooks.ledger.models import Account, Attachment, Ledger, Voucher
from villagebooks.ledger.services import attachment_add, voucher_create

MAX_PHOTOS = 10
PURPOSE_MAX = 200
PAYEE_MAX = 100
REASON_MAX = 200
# Claims whose receipts count as taken: the same receipt may come again only after a claim
# with it was returned or withdrawn.
LIVE_STATUSES = [ClaimStatus.SUBMITTED, ClaimStatus.BOOKED]


def photo_max_bytes() -> int:
    """The size limit of one receipt file: booking copies it into an attachment, whose limit also holds."""
    return min(settings.CLAIM_PHOTO_MAX_BYTES, settings.ATTACHMENT_MAX_BYTES)


@dataclass(frozen=True)
class _Receipt:
    name: str
    content: bytes
    content_type: str
    sha256: str


def _text_problems(field: str, value: str, *, required: str, too_long: str, limit: int) -> list[FieldProblem]:
    if not value:
        return [FieldProblem(field, required)]
    if len(value) > limit:
        return [FieldProblem(field, too_long)]
    return []


def check_claim(
    *, spent_on: Date | None, amount_fen: int | None, purpose: str, payee: str
) -> list[FieldProblem]:
    """The problems of a claim's fields (the forms ask it too, to show every problem at once)."""
    purpose, payee = (purpose or "").strip(), (payee or "").strip()
    problems = []
    if spent_on is None:
        problems.append(FieldProblem("spent_on", E.DATE_REQUIRED))
    elif spent_on > timezone.localdate():
        problems.append(FieldProblem("spent_on", E.DATE_IN_FUTURE))
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        problems.append(FieldProblem("amount", E.AMOUNT_NOT_POSITIVE))
    elif amount_fen > MAX_FEN:
        problems.append(FieldProblem("amount", E.AMOUNT_TOO_LARGE))
    problems += _text_problems(
        "purpose", purpose, required=E.PURPOSE_REQUIRED, too_long=E.PURPOSE_TOO_LONG, limit=PURPOSE_MAX
    )
    problems += _text_problems(
        "payee", payee, required=E.PAYEE_REQUIRED, too_long=E.PAYEE_TOO_LONG, limit=PAYEE_MAX
    )
    return problems


def _read_receipts(photos: Sequence[File]) -> tuple[list[_Receipt], list[FieldProblem]]:
    """The uploaded files as receipts, or the problems of each; a file over the limit is not read."""
    if not photos:
        return [], [FieldProblem("photos", E.PHOTOS_REQUIRED)]
    if len(photos) > MAX_PHOTOS:
        return [], [FieldProblem("photos", E.TOO_MANY_PHOTOS.format(limit=MAX_PHOTOS))]
    limit = photo_max_bytes()
    receipts, problems, seen = [], [], set()
    for photo in photos:
        name = (photo.name or "").rsplit("/", 1)[-1][:255]
        if photo.size is not None and photo.size > limit:
            problems.append(FieldProblem("photos", E.PHOTO_TOO_LARGE.format(name=name, limit=limit // 2**20)))
            continue
        content = b"".join(photo.chunks())
        if not content:
            problems.append(FieldProblem("photos", E.PHOTO_EMPTY.format(name=name)))
            continue
        if len(content) > limit:
            problems.append(FieldProblem("photos", E.PHOTO_TOO_LARGE.format(name=name, limit=limit // 2**20)))
            continue
        head = content[:HEAD_BYTES]
        content_type = sniff_content_type(head)
        if content_type is None:
            message = E.PHOTO_HEIC if is_heic(head) else E.PHOTO_TYPE
            problems.append(FieldProblem("photos", message.format(name=name)))
            continue
        digest = hashlib.sha256(content).hexdigest()
        if digest in seen:
            problems.append(FieldProblem("photos", E.PHOTO_TWICE.format(name=name)))
            continue
        seen.add(digest)
        receipts.append(_Receipt(name=name, content=content, content_type=content_type, sha256=digest))
    return receipts, problems


def check_photos(photos: Sequence[File]) -> list[FieldProblem]:
    """The problems of the uploaded receipt files: count, size, type by content, duplicates."""
    return _read_receipts(photos)[1]


def _already_used(ledger: Ledger, receipts: list[_Receipt]) -> list[FieldProblem]:
    """Receipts of this claim that a live claim or a voucher of the ledger already carries."""
    by_digest = {r.sha256: r for r in receipts}
    problems = []
    claimed = (
        ClaimPhoto.objects.filter(ledger=ledger, sha256__in=by_digest, claim__status__in=LIVE_STATUSES)
        .order_by("id")
        .values_list("sha256", "claim_id")
    )
    for digest, claim_id in claimed:
        if digest in by_digest:
            name = by_digest.pop(digest).name
            problems.append(FieldProblem("photos", E.PHOTO_ALREADY_CLAIMED.format(name=name, claim=claim_id)))
    for attachment in Attachment.objects.filter(ledger=ledger, sha256__in=by_digest).select_related(
        "voucher"
    ):
        name = by_digest.pop(attachment.sha256).name
        problems.append(
            FieldProblem("photos", E.PHOTO_ALREADY_BOOKED.format(name=name, voucher=attachment.voucher))
        )
    return problems


def claim_submit(
    *,
    actor,
    ledger: Ledger,
    spent_on: Date | None,
    amount_fen: int,
    purpose: str,
    payee: str,
    photos: Sequence[File],
) -> Claim:
    """A reporter's claim with its receipt photos, waiting for the accountant.

    ``photos`` are Django files (uploads); each is checked by its bytes and size, and a receipt
    that a live claim or a voucher of the ledger already carries is refused (no double claims).
    """
    require(actor, ledger, SUBMIT)
    purpose, payee = (purpose or "").strip(), (payee or "").strip()
    problems = check_claim(spent_on=spent_on, amount_fen=amount_fen, purpose=purpose, payee=payee)
    receipts, photo_problems = _read_receipts(photos)
    if problems or photo_problems:
        raise DomainError(problems=problems + photo_problems)
    stored: list[ClaimPhoto] = []
    try:
        with transaction.atomic():
            used = _already_used(ledger, receipts)
            if used:
                raise DomainError(problems=used)
            claim = Claim.objects.create(
                ledger=ledger,
                submitted_by=actor,
                spent_on=spent_on,
                amount_fen=amount_fen,
                purpose=purpose,
                payee=payee,
            )
            for receipt in receipts:
                photo = ClaimPhoto(
                    ledger=ledger,
                    claim=claim,
                    original_name=receipt.name,
                    content_type=receipt.content_type,
                    size=len(receipt.content),
                    sha256=receipt.sha256,
                )
                photo.file.save(
                    f"{receipt.sha256}{extension(receipt.content_type)}",
                    ContentFile(receipt.content),
                    save=False,
                )
                stored.append(photo)
                photo.save()
            audit_record(
                actor=actor,
                action="claim_submit",
                ledger_id=ledger.pk,
                obj=claim,
                amount_fen=amount_fen,
                photos=len(receipts),
            )
    except BaseException:
        for photo in stored:
            photo.file.delete(save=False)
        raise
    return claim


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update(of=("self",)).select_related("ledger__village").get(pk=claim.pk)


def _require_status(claim: Claim, allowed: list[str], action: str) -> None:
    if claim.status not in allowed:
        raise DomainError(
            E.WRONG_STATUS.format(status=ClaimStatus(claim.status).label, action=action), field="status"
        )


def is_waiting(claim: Claim) -> bool:
    """Whether the claim waits for the accountant: submitted, or booked into a draft since deleted."""
    return claim.status == ClaimStatus.SUBMITTED or (
        claim.status == ClaimStatus.BOOKED and claim.voucher_id is None
    )


def _require_waiting(claim: Claim, action: str) -> None:
    if not is_waiting(claim):
        _require_status(claim, [], action)


def claim_withdraw(*, actor, claim: Claim) -> Claim:
    """The reporter takes back a claim the accountant has not handled yet."""
    with transaction.atomic():
        claim = _locked(claim)
        require(actor, claim.ledger, SUBMIT)
        if claim.submitted_by_id != actor.pk:
            raise DomainError(E.NOT_YOUR_CLAIM, field="claim")
        _require_status(claim, [ClaimStatus.SUBMITTED], pgettext("action", "撤回"))
        claim.status, claim.handled_by, claim.handled_at = ClaimStatus.WITHDRAWN, actor, timezone.now()
        claim.save(update_fields=["status", "handled_by", "handled_at", "updated_at"])
        audit_record(actor=actor, action="claim_withdraw", ledger_id=claim.ledger_id, obj=claim)
    return claim


def claim_return(*, actor, claim: Claim, reason: str) -> Claim:
    """The accountant sends a claim back to its reporter, saying why (the reporter submits anew)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        claim = _locked(claim)
        require(actor, claim.ledger, Action.PREPARE)
        _require_waiting(claim, pgettext("action", "退回"))
        problems = _text_problems(
            "reason", reason, required=E.REASON_REQUIRED, too_long=E.REASON_TOO_LONG, limit=REASON_MAX
        )
        if problems:
            raise DomainError(problems=problems)
        claim.status, claim.return_reason = ClaimStatus.RETURNED, reason
        claim.handled_by, claim.handled_at = actor, timezone.now()
        claim.save(update_fields=["status", "return_reason", "handled_by", "handled_at", "updated_at"])
        audit_record(actor=actor, action="claim_return", ledger_id=claim.ledger_id, obj=claim, reason=reason)
    return claim


# The fields of voucher_create's problems, as the fields of the booking form: row 1 is the
# expense (debit) line, row 2 the paying (credit) line.
_LINE_FIELDS = {
    ("account", 1): "account",
    ("account", 2): "counter_account",
    ("fund", 1): "fund",
    ("fund", 2): "fund",
    ("counterparty", 1): "counterparty",
    ("counterparty", 2): "counterparty",
    ("summary", 1): "summary",
    ("summary", 2): "summary",
}


def _booking_problems(error: DomainError) -> DomainError:
    problems = [
        FieldProblem(_LINE_FIELDS.get((p.field, p.row), p.field if p.row is None else ""), p.message)
        for p in error.problems
    ]
    unique = list(dict.fromkeys(problems))  # both lines report the same summary problem
    return type(error)(problems=unique)


def _lines(
    *, ledger: Ledger, claim: Claim, account: str, counter: str, summary: str, fund: str, party: str
) -> list[LineInput]:
    """The expense line and the paying line. A fund or counterparty goes on each line whose account
    requires it; if neither does, on the expense line (where the spending is traced)."""
    requires = {
        a.code: (a.requires_fund, a.requires_counterparty)
        for a in Account.objects.filter(ledger=ledger, code__in=[account, counter])
    }
    debit_needs, credit_needs = requires.get(account, (False, False)), requires.get(counter, (False, False))

    def placed(value: str, index: int) -> tuple[str, str]:
        if not value:
            return "", ""
        on_debit, on_credit = debit_needs[index], credit_needs[index]
        if not on_debit and not on_credit:
            on_debit = True
        return (value if on_debit else ""), (value if on_credit else "")

    fund_debit, fund_credit = placed(fund, 0)
    party_debit, party_credit = placed(party, 1)
    return [
        LineInput(
            summary=summary,
            account_code=account,
            debit_fen=claim.amount_fen,
            fund_name=fund_debit,
            counterparty_name=party_debit,
            row=1,
        ),
        LineInput(
            summary=summary,
            account_code=counter,
            credit_fen=claim.amount_fen,
            fund_name=fund_credit,
            counterparty_name=party_credit,
            row=2,
        ),
    ]


def claim_book(
    *,
    actor,
    claim: Claim,
    account_code: str,
    counter_account_code: str,
    summary: str = "",
    date: Date | None = None,
    fund_name: str = "",
    counterparty_name: str = "",
) -> Voucher:
    """Turn a waiting claim into a draft voucher in one step, its photos copied as attachments.

    The voucher debits ``account_code`` (the expense) and credits ``counter_account_code`` (the
    paying account, e.g. 101 库存现金 or 102 银行存款) with the claim's amount; its summary is
    ``summary`` or the claim's purpose, its date ``date`` or the day of the expense. The claim
    becomes booked and refers to the voucher. All of it happens, or none of it.
    """
    account_code, counter_account_code = (account_code or "").strip(), (counter_account_code or "").strip()
    created: list[Attachment] = []
    try:
        with transaction.atomic():
            claim = _locked(claim)
            ledger = claim.ledger
            require(actor, ledger, Action.PREPARE)
            _require_waiting(claim, pgettext("action", "生成凭证"))
            problems = []
            if not account_code:
                problems.append(FieldProblem("account", E.ACCOUNT_REQUIRED))
            if not counter_account_code:
                problems.append(FieldProblem("counter_account", E.COUNTER_ACCOUNT_REQUIRED))
            elif account_code == counter_account_code:
                problems.append(FieldProblem("counter_account", E.SAME_ACCOUNTS))
            if problems:
                raise DomainError(problems=problems)
            lines = _lines(
                ledger=ledger,
                claim=claim,
                account=account_code,
                counter=counter_account_code,
                summary=(summary or "").strip() or claim.purpose,
                fund=(fund_name or "").strip(),
                party=(counterparty_name or "").strip(),
            )
            try:
                voucher = voucher_create(
                    actor=actor,
                    ledger=ledger,
                    date=date or claim.spent_on,
                    lines=lines,
                    note=f"报账单#{claim.pk}：{claim.payee}"[:200],
                )
            except DomainError as error:
                raise _booking_problems(error) from error
            for photo in claim.photos.all():
                try:
                    with photo.file.open("rb") as handle:
                        content = handle.read()
                except FileNotFoundError as error:
                    raise DomainError(
                        E.PHOTO_MISSING.format(name=photo.original_name), field="photos"
                    ) from error
                try:
                    created.append(
                        attachment_add(
                            actor=actor, voucher=voucher, name=photo.original_name, content=content
                        )
                    )
                except DomainError as error:
                    raise DomainError(
                        problems=[FieldProblem("photos", p.message) for p in error.problems]
                    ) from error
            claim.status, claim.voucher, claim.return_reason = ClaimStatus.BOOKED, voucher, ""
            claim.handled_by, claim.handled_at = actor, timezone.now()
            claim.save(
                update_fields=["status", "voucher", "return_reason", "handled_by", "handled_at", "updated_at"]
            )
            audit_record(
                actor=actor,
                action="claim_book",
                ledger_id=ledger.pk,
                obj=claim,
                voucher=voucher.pk,
                attachments=len(created),
            )
    except BaseException:
        for attachment in created:
            attachment.file.delete(save=False)
        raise
    voucher.refresh_from_db()
    return voucher
