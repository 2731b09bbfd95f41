"""What a receipt file is, read from its bytes: no database, no Django."""

import pytest

from villagebooks.claims.receipts import extension, is_heic, sniff_content_type
from villagebooks.claims.tests.conftest import EXE, HEIC, JPEG, PDF, PNG


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (PDF, "application/pdf"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (EXE, None),
        (HEIC, None),
        (b"<html><script>", None),
        (b"GIF89a\x01\x00", None),  # a GIF is no receipt photo
        (b"", None),
    ],
)
def test_the_type_comes_from_the_bytes(content, expected):
    assert sniff_content_type(content[:16]) == expected


def test_heic_is_recognised_to_say_what_to_do():
    assert is_heic(HEIC[:16]) is True
    assert is_heic(JPEG[:16]) is False
    assert is_heic(b"\x00\x00\x00\x1cftypavif") is False


def test_stored_files_get_the_extension_of_their_real_type():
    assert [extension(t) for t in ("image/jpeg", "image/png", "image/webp", "application/pdf")] == [
        ".jpg",
        ".png",
        ".webp",
        ".pdf",
    ]
