"""Source documents behind a voucher: checked by content, never booked twice, fixed once posted."""

import pytest

from villagebooks.common.errors import DomainError
from villagebooks.ledger import errors as E
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import parse_vouchers

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
RECEIPT = """
    2025-03-10 购买办公用品
      借 513 管理费用   1200.00
      贷 102 银行存款   1200.00
"""


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def voucher(ledger, accountant):
    day, _, lines = parse_vouchers(RECEIPT)[0]
    return services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, submit=True)


def test_an_invoice_scan_is_stored_outside_the_web_root_and_counted(media, voucher, accountant):
    attachment = services.attachment_add(actor=accountant, voucher=voucher, name="发票.pdf", content=PDF)
    assert attachment.content_type == "application/pdf"
    assert (media / attachment.file.name).read_bytes() == PDF
    voucher.refresh_from_db()
    assert voucher.attachment_count == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", E.ATTACHMENT_EMPTY),
        (b"MZ\x90\x00 not a document", E.ATTACHMENT_TYPE),
        (b"<html>", E.ATTACHMENT_TYPE),
    ],
)
def test_files_that_are_not_documents_are_refused(media, voucher, accountant, content, message):
    with pytest.raises(DomainError) as error:
        services.attachment_add(actor=accountant, voucher=voucher, name="invoice.pdf", content=content)
    assert error.value.problems[0].field == "file" and error.value.problems[0].message == message
    assert voucher.attachments.count() == 0


def test_oversized_files_are_refused(media, voucher, accountant, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(DomainError, match="不能超过"):
        services.attachment_add(
            actor=accountant, voucher=voucher, name="big.png", content=PNG + b"\x00" * 2048
        )


def test_the_same_document_cannot_be_booked_twice_in_a_ledger(media, ledger, voucher, accountant):
    services.attachment_add(actor=accountant, voucher=voucher, name="发票.pdf", content=PDF)
    day, _, lines = parse_vouchers(RECEIPT)[0]
    second = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines)
    with pytest.raises(DomainError, match="不能重复入账"):
        services.attachment_add(actor=accountant, voucher=second, name="复印件.pdf", content=PDF)


def test_a_posted_voucher_takes_no_more_attachments(media, voucher, accountant, reviewer):
    services.voucher_review(actor=reviewer, voucher=voucher)
    services.voucher_post(actor=accountant, voucher=voucher)
    with pytest.raises(DomainError, match="已记账"):
        services.attachment_add(actor=accountant, voucher=voucher, name="迟到的发票.png", content=PNG)
