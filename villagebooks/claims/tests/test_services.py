"""Claims through their services: submitted with exact amounts and files, booked into a draft
voucher with the photos copied as attachments, withdrawn, returned; every bad input refused
with the field named, and then nothing changed (no row, no file)."""

from __future__ import annotations

from datetime import date

import pytest

from villagebooks.claims import errors as E
from villagebooks.claims import services
from villagebooks.claims.models import Claim, ClaimPhoto, ClaimStatus
from villagebooks.claims.selectors import claims_waiting
from villagebooks.claims.tests.conftest import (
    EXE,
    HEIC,
    JPEG,
    JPEG_2,
    PDF,
    PNG,
    SPENT_ON,
    stored_files,
    upload,
)
from villagebooks.common.errors import DomainError, NotPermitted
from villagebooks.common.models import AuditEntry
from villagebooks.ledger import errors as LE
from villagebooks.ledger import services as ledger_services
from villagebooks.ledger.models import Attachment, Voucher, VoucherStatus
from villagebooks.ledger.tests.books import balance, parse_vouchers


def problems(error: DomainError) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in error.problems]


def lines(voucher: Voucher) -> list[tuple]:
    return [
        (
            line.line_no,
            line.summary,
            line.account.code,
            line.debit_fen,
            line.credit_fen,
            line.fund.name if line.fund else "",
            line.counterparty.name if line.counterparty else "",
        )
        for line in voucher.lines.select_related("account", "fund", "counterparty").order_by("line_no")
    ]


# ---------------------------------------------------------------------------------------------
# Submitting


def test_a_reporter_submits_a_claim_with_its_receipts(reporter, ledger, media):
    claim = services.claim_submit(
        actor=reporter,
        ledger=ledger,
        spent_on=SPENT_ON,
        amount_fen=123_456_789,
        purpose="  村道路灯维修材料  ",
        payee="江油市五金店",
        # The browser's word on a type is not trusted: the bytes decide (a JPEG named .pdf is a JPEG).
        photos=[upload("发票.pdf", JPEG, "application/pdf"), upload("scan.pdf", PDF, "application/pdf")],
    )
    claim.refresh_from_db()
    assert (claim.ledger_id, claim.submitted_by_id, claim.spent_on, claim.amount_fen) == (
        ledger.pk,
        reporter.pk,
        date(2025, 3, 10),
        123_456_789,
    )
    assert (claim.purpose, claim.payee, claim.status, claim.voucher_id) == (
        "村道路灯维修材料",
        "江油市五金店",
        ClaimStatus.SUBMITTED,
        None,
    )
    photos = list(claim.photos.order_by("id"))
    assert [(p.original_name, p.content_type, p.size, p.ledger_id) for p in photos] == [
        ("发票.pdf", "image/jpeg", len(JPEG), ledger.pk),
        ("scan.pdf", "application/pdf", len(PDF), ledger.pk),
    ]
    assert [(media / p.file.name).read_bytes() for p in photos] == [JPEG, PDF]
    assert all(p.file.name.startswith("claims/") for p in photos)
    assert photos[0].file.name.endswith(".jpg") and photos[1].file.name.endswith(".pdf")
    entry = AuditEntry.objects.get(action="claim_submit")
    assert (entry.actor_id, entry.ledger_id, entry.object_id, entry.detail) == (
        reporter.pk,
        ledger.pk,
        claim.pk,
        {"amount_fen": 123_456_789, "photos": 2},
    )


def test_claims_waiting_counts_per_ledger(reporter, tumen_reporter, ledger, other_ledger, accountant, submit):
    submit(reporter, ledger)
    submit(reporter, ledger, photos=[upload("b.jpg", JPEG_2)])
    withdrawn = submit(reporter, ledger, photos=[upload("c.png", PNG)])
    services.claim_withdraw(actor=reporter, claim=withdrawn)
    submit(tumen_reporter, other_ledger)
    assert claims_waiting([ledger.pk, other_ledger.pk]) == {ledger.pk: 2, other_ledger.pk: 1}
    assert claims_waiting([other_ledger.pk]) == {other_ledger.pk: 1}
    assert claims_waiting([]) == {}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"amount_fen": 0}, [("amount", E.AMOUNT_NOT_POSITIVE)]),
        ({"amount_fen": -8650}, [("amount", E.AMOUNT_NOT_POSITIVE)]),
        ({"amount_fen": 10**15}, [("amount", E.AMOUNT_TOO_LARGE)]),
        ({"purpose": ""}, [("purpose", E.PURPOSE_REQUIRED)]),
        ({"purpose": "   "}, [("purpose", E.PURPOSE_REQUIRED)]),
        ({"purpose": "纸" * 201}, [("purpose", E.PURPOSE_TOO_LONG)]),
        ({"payee": ""}, [("payee", E.PAYEE_REQUIRED)]),
        ({"payee": "店" * 101}, [("payee", E.PAYEE_TOO_LONG)]),
        ({"spent_on": None}, [("spent_on", E.DATE_REQUIRED)]),
        ({"spent_on": date(2999, 1, 1)}, [("spent_on", E.DATE_IN_FUTURE)]),
        ({"photos": []}, [("photos", E.PHOTOS_REQUIRED)]),
        (
            {"photos": [upload(f"{n}.jpg", JPEG + bytes([n])) for n in range(11)]},
            [("photos", E.TOO_MANY_PHOTOS.format(limit=10))],
        ),
        ({"photos": [upload("virus.jpg", EXE)]}, [("photos", E.PHOTO_TYPE.format(name="virus.jpg"))]),
        (
            {"photos": [upload("IMG_0001.HEIC", HEIC)]},
            [("photos", E.PHOTO_HEIC.format(name="IMG_0001.HEIC"))],
        ),
        ({"photos": [upload("empty.jpg", b"")]}, [("photos", E.PHOTO_EMPTY.format(name="empty.jpg"))]),
        (
            {"photos": [upload("a.jpg", JPEG), upload("a-again.jpg", JPEG)]},
            [("photos", E.PHOTO_TWICE.format(name="a-again.jpg"))],
        ),
        (
            {"purpose": "", "payee": " ", "photos": [upload("ok.jpg", JPEG), upload("x.exe", EXE)]},
            [
                ("purpose", E.PURPOSE_REQUIRED),
                ("payee", E.PAYEE_REQUIRED),
                ("photos", E.PHOTO_TYPE.format(name="x.exe")),
            ],
        ),
    ],
)
def test_bad_claims_are_refused_with_the_field_named_and_nothing_kept(
    reporter, ledger, submit, media, changes, expected
):
    with pytest.raises(DomainError) as error:
        submit(reporter, ledger, **changes)
    assert problems(error.value) == expected
    assert Claim.objects.count() == 0 and ClaimPhoto.objects.count() == 0
    assert stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused_unread(reporter, ledger, submit, media, settings):
    settings.CLAIM_PHOTO_MAX_BYTES = 2 * 1024 * 1024
    big = JPEG + b"\x00" * (2 * 1024 * 1024)
    with pytest.raises(DomainError) as error:
        submit(reporter, ledger, photos=[upload("big.jpg", big)])
    assert problems(error.value) == [("photos", E.PHOTO_TOO_LARGE.format(name="big.jpg", limit=2))]
    # The attachments' limit holds too, because booking copies the photo into an attachment.
    settings.CLAIM_PHOTO_MAX_BYTES, settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024, 1024 * 1024
    with pytest.raises(DomainError) as error:
        submit(reporter, ledger, photos=[upload("big.jpg", big)])
    assert problems(error.value) == [("photos", E.PHOTO_TOO_LARGE.format(name="big.jpg", limit=1))]
    assert Claim.objects.count() == 0 and stored_files(media) == []


def test_the_same_receipt_cannot_be_claimed_twice(reporter, ledger, submit, media):
    first = submit(reporter, ledger)
    with pytest.raises(DomainError) as error:
        submit(reporter, ledger, photos=[upload("again.jpg", JPEG)], amount_fen=100)
    assert problems(error.value) == [
        ("photos", E.PHOTO_ALREADY_CLAIMED.format(name="again.jpg", claim=first.pk))
    ]
    assert Claim.objects.count() == 1 and len(stored_files(media)) == 1
    # Once that claim is withdrawn the receipt may come again.
    services.claim_withdraw(actor=reporter, claim=first)
    second = submit(reporter, ledger, photos=[upload("again.jpg", JPEG)])
    assert second.photos.get().sha256 == first.photos.get().sha256


def test_a_receipt_already_on_a_voucher_cannot_be_claimed(reporter, ledger, accountant, submit):
    day, _, voucher_lines = parse_vouchers("""
        2025-03-01 购买打印纸
          借 513 管理费用   86.50
          贷 101 库存现金   86.50
    """)[0]
    voucher = ledger_services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=voucher_lines)
    ledger_services.attachment_add(actor=accountant, voucher=voucher, name="发票.jpg", content=JPEG)
    with pytest.raises(DomainError) as error:
        submit(reporter, ledger)
    assert problems(error.value) == [
        ("photos", E.PHOTO_ALREADY_BOOKED.format(name="发票.jpg", voucher=f"草稿 {voucher.draft_no}"))
    ]
    assert Claim.objects.count() == 0


def test_only_reporters_of_the_village_submit(accountant, supervisor, tumen_reporter, ledger, submit):
    for actor in (accountant, supervisor, tumen_reporter):
        with pytest.raises(NotPermitted):
            submit(actor, ledger)
    assert Claim.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Booking


def test_booking_makes_a_draft_voucher_with_the_photos_attached(reporter, accountant, ledger, submit, media):
    claim = submit(reporter, ledger, photos=[upload("发票.jpg", JPEG), upload("小票.png", PNG)])
    voucher = services.claim_book(
        actor=accountant, claim=claim, account_code="513", counter_account_code="102"
    )
    assert (voucher.ledger_id, voucher.status, voucher.date, voucher.amount_fen, voucher.note) == (
        ledger.pk,
        VoucherStatus.DRAFT,
        date(2025, 3, 10),
        8650,
        f"报账单#{claim.pk}：江油市文具店",
    )
    assert lines(voucher) == [
        (1, "购买村委会打印纸", "513", 8650, 0, "", ""),
        (2, "购买村委会打印纸", "102", 0, 8650, "", ""),
    ]
    attachments = list(voucher.attachments.order_by("id"))
    assert voucher.attachment_count == 2
    assert [(a.original_name, a.content_type, a.uploaded_by_id) for a in attachments] == [
        ("发票.jpg", "image/jpeg", accountant.pk),
        ("小票.png", "image/png", accountant.pk),
    ]
    assert [(media / a.file.name).read_bytes() for a in attachments] == [JPEG, PNG]
    # Copies: the claim keeps its own files.
    assert [(media / p.file.name).read_bytes() for p in claim.photos.order_by("id")] == [JPEG, PNG]
    claim.refresh_from_db()
    assert (claim.status, claim.voucher_id, claim.handled_by_id) == (
        ClaimStatus.BOOKED,
        voucher.pk,
        accountant.pk,
    )
    assert claims_waiting([ledger.pk]) == {}
    assert AuditEntry.objects.get(action="claim_book").detail == {"voucher": voucher.pk, "attachments": 2}


def test_the_booked_draft_goes_through_review_and_posting_like_any_voucher(
    reporter, accountant, reviewer, ledger, submit
):
    claim = submit(reporter, ledger, amount_fen=123_45)
    voucher = services.claim_book(
        actor=accountant,
        claim=claim,
        account_code="513",
        counter_account_code="101",
        summary="报销打印纸",
        date=date(2025, 4, 2),
    )
    assert lines(voucher) == [
        (1, "报销打印纸", "513", 12345, 0, "", ""),
        (2, "报销打印纸", "101", 0, 12345, "", ""),
    ]
    ledger_services.voucher_submit(actor=accountant, voucher=voucher)
    ledger_services.voucher_review(actor=reviewer, voucher=voucher)
    ledger_services.voucher_post(actor=accountant, voucher=voucher)
    assert balance(ledger, "513") == 12345
    assert balance(ledger, "101") == -12345


def test_a_fund_or_counterparty_goes_on_the_line_whose_account_requires_it(
    reporter, accountant, ledger, submit
):
    road = submit(reporter, ledger, purpose="道路硬化工程款", payee="张三", amount_fen=5_000_000)
    voucher = services.claim_book(
        actor=accountant,
        claim=road,
        account_code="241",
        counter_account_code="102",
        fund_name="县交通局道路补助",
    )
    assert lines(voucher) == [
        (1, "道路硬化工程款", "241", 5_000_000, 0, "县交通局道路补助", ""),
        (2, "道路硬化工程款", "102", 0, 5_000_000, "", ""),
    ]
    owed = submit(reporter, ledger, photos=[upload("b.jpg", JPEG_2)], payee="张三")
    voucher = services.claim_book(
        actor=accountant, claim=owed, account_code="513", counter_account_code="211", counterparty_name="张三"
    )
    assert [line[2:] for line in lines(voucher)] == [("513", 8650, 0, "", ""), ("211", 0, 8650, "", "张三")]
    # A fund that neither account requires traces the spending on the expense line.
    office = submit(reporter, ledger, photos=[upload("c.png", PNG)])
    voucher = services.claim_book(
        actor=accountant,
        claim=office,
        account_code="513",
        counter_account_code="102",
        fund_name="村级组织运转经费",
    )
    assert [line[2:] for line in lines(voucher)] == [
        ("513", 8650, 0, "村级组织运转经费", ""),
        ("102", 0, 8650, "", ""),
    ]


@pytest.mark.parametrize(
    ("booking", "expected"),
    [
        ({"account_code": ""}, [("account", E.ACCOUNT_REQUIRED)]),
        ({"counter_account_code": " "}, [("counter_account", E.COUNTER_ACCOUNT_REQUIRED)]),
        ({"counter_account_code": "513"}, [("counter_account", E.SAME_ACCOUNTS)]),
        ({"account_code": "999"}, [("account", LE.UNKNOWN_ACCOUNT.format(code="999"))]),
        ({"counter_account_code": "998"}, [("counter_account", LE.UNKNOWN_ACCOUNT.format(code="998"))]),
        ({"account_code": "322"}, [("account", LE.NOT_LEAF.format(code="322"))]),
        ({"account_code": "241"}, [("fund", LE.FUND_REQUIRED.format(code="241"))]),
        ({"counter_account_code": "211"}, [("counterparty", LE.COUNTERPARTY_REQUIRED.format(code="211"))]),
        ({"fund_name": "不存在的资金"}, [("fund", LE.UNKNOWN_FUND.format(name="不存在的资金"))]),
        ({"summary": "摘" * 201}, [("summary", "摘要不能超过200个字")]),
        (
            {"date": date(2024, 12, 31)},
            [("date", LE.BEFORE_START.format(date="2024-12-31", start="2025-01"))],
        ),
    ],
)
def test_bad_bookings_name_the_field_and_change_nothing(
    reporter, accountant, ledger, submit, media, booking, expected
):
    claim = submit(reporter, ledger, photos=[upload("发票.jpg", JPEG), upload("scan.pdf", PDF)])
    before = sorted(stored_files(media))
    arguments = {"account_code": "513", "counter_account_code": "102"} | booking
    with pytest.raises(DomainError) as error:
        services.claim_book(actor=accountant, claim=claim, **arguments)
    assert problems(error.value) == expected
    claim.refresh_from_db()
    assert (claim.status, claim.voucher_id) == (ClaimStatus.SUBMITTED, None)
    assert Voucher.objects.filter(ledger=ledger).count() == 0 and Attachment.objects.count() == 0
    assert stored_files(media) == before


def test_a_failure_at_the_second_photo_leaves_no_voucher_and_no_file(
    reporter, accountant, ledger, submit, media
):
    claim = submit(reporter, ledger, photos=[upload("发票.jpg", JPEG), upload("scan.pdf", PDF)])
    # Meanwhile the same PDF was attached by hand to another voucher: it must not be booked twice.
    day, _, voucher_lines = parse_vouchers("""
        2025-03-11 其他支出
          借 515 其他支出   10.00
          贷 101 库存现金   10.00
    """)[0]
    other = ledger_services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=voucher_lines)
    ledger_services.attachment_add(actor=accountant, voucher=other, name="scan.pdf", content=PDF)
    before = stored_files(media)
    with pytest.raises(DomainError) as error:
        services.claim_book(actor=accountant, claim=claim, account_code="513", counter_account_code="102")
    assert problems(error.value) == [("photos", LE.ATTACHMENT_DUPLICATE.format(voucher=other))]
    assert list(Voucher.objects.filter(ledger=ledger)) == [other]
    assert Attachment.objects.count() == 1
    assert stored_files(media) == before  # the first photo's copy was removed again
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_a_claim_is_booked_once(reporter, accountant, ledger, submit):
    claim = submit(reporter, ledger)
    services.claim_book(actor=accountant, claim=claim, account_code="513", counter_account_code="102")
    with pytest.raises(DomainError) as error:
        services.claim_book(actor=accountant, claim=claim, account_code="513", counter_account_code="102")
    assert problems(error.value) == [
        ("status", E.WRONG_STATUS.format(status="已生成凭证", action="生成凭证"))
    ]
    assert Voucher.objects.filter(ledger=ledger).count() == 1


def test_deleting_the_draft_puts_the_claim_back_in_the_queue(reporter, accountant, ledger, submit):
    claim = submit(reporter, ledger)
    voucher = services.claim_book(
        actor=accountant, claim=claim, account_code="513", counter_account_code="102"
    )
    ledger_services.voucher_delete(actor=accountant, voucher=voucher)
    claim.refresh_from_db()
    assert (claim.status, claim.voucher_id) == (ClaimStatus.BOOKED, None)
    assert claims_waiting([ledger.pk]) == {ledger.pk: 1}
    again = services.claim_book(actor=accountant, claim=claim, account_code="513", counter_account_code="101")
    assert [line[2] for line in lines(again)] == ["513", "101"] and again.attachment_count == 1
    claim.refresh_from_db()
    assert claim.voucher_id == again.pk


def test_reporters_and_supervisors_cannot_book(reporter, supervisor, outsider, ledger, submit):
    claim = submit(reporter, ledger)
    for actor in (reporter, supervisor, outsider):
        with pytest.raises(NotPermitted):
            services.claim_book(actor=actor, claim=claim, account_code="513", counter_account_code="102")
        with pytest.raises(NotPermitted):
            services.claim_return(actor=actor, claim=claim, reason="缺发票")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and Voucher.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Withdrawing and returning


def test_the_reporter_withdraws_a_claim_not_yet_handled(
    reporter, accountant, ledger, submit, make_user, region_tree
):
    claim = submit(reporter, ledger)
    colleague = make_user("heitan2", "reporter", region_tree["510781100201"])
    with pytest.raises(DomainError) as error:
        services.claim_withdraw(actor=colleague, claim=claim)
    assert problems(error.value) == [("claim", E.NOT_YOUR_CLAIM)]
    with pytest.raises(NotPermitted):
        services.claim_withdraw(actor=accountant, claim=claim)
    services.claim_withdraw(actor=reporter, claim=claim)
    claim.refresh_from_db()
    assert (claim.status, claim.handled_by_id) == (ClaimStatus.WITHDRAWN, reporter.pk)
    with pytest.raises(DomainError) as error:
        services.claim_withdraw(actor=reporter, claim=claim)
    assert problems(error.value) == [("status", E.WRONG_STATUS.format(status="已撤回", action="撤回"))]
    with pytest.raises(DomainError):
        services.claim_book(actor=accountant, claim=claim, account_code="513", counter_account_code="102")


def test_a_booked_claim_cannot_be_withdrawn(reporter, accountant, ledger, submit):
    claim = submit(reporter, ledger)
    services.claim_book(actor=accountant, claim=claim, account_code="513", counter_account_code="102")
    with pytest.raises(DomainError) as error:
        services.claim_withdraw(actor=reporter, claim=claim)
    assert problems(error.value) == [("status", E.WRONG_STATUS.format(status="已生成凭证", action="撤回"))]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("", E.REASON_REQUIRED), ("   ", E.REASON_REQUIRED), ("因" * 201, E.REASON_TOO_LONG)],
)
def test_returning_needs_a_reason(reporter, accountant, ledger, submit, reason, expected):
    claim = submit(reporter, ledger)
    with pytest.raises(DomainError) as error:
        services.claim_return(actor=accountant, claim=claim, reason=reason)
    assert problems(error.value) == [("reason", expected)]
    claim.refresh_from_db()
    assert (claim.status, claim.return_reason) == (ClaimStatus.SUBMITTED, "")


def test_a_returned_claim_says_why_and_its_receipts_may_come_again(reporter, accountant, ledger, submit):
    claim = submit(reporter, ledger)
    services.claim_return(actor=accountant, claim=claim, reason="  发票抬头不是本村，请重开  ")
    claim.refresh_from_db()
    assert (claim.status, claim.return_reason, claim.handled_by_id) == (
        ClaimStatus.RETURNED,
        "发票抬头不是本村，请重开",
        accountant.pk,
    )
    assert claims_waiting([ledger.pk]) == {}
    with pytest.raises(DomainError):
        services.claim_book(actor=accountant, claim=claim, account_code="513", counter_account_code="102")
    anew = submit(reporter, ledger)
    assert anew.status == ClaimStatus.SUBMITTED
