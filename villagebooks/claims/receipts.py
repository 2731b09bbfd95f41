"""What a receipt file may be, recognised from its first bytes (never from its name or the
browser's word): JPEG, PNG, WEBP or PDF, the types a voucher's attachment accepts, so that
every claim that is accepted can also be booked. Pure functions, no Django.

HEIC, which iPhones shoot by default, is recognised only to say what to do about it: browsers
cannot show it, and iOS sends JPEG anyway to a page that asks for ``image/*``.
"""

from __future__ import annotations

HEAD_BYTES = 16

_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"%PDF-": "application/pdf",
}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}


def sniff_content_type(head: bytes) -> str | None:
    """The content type of a file starting with ``head``, or None when it is not a receipt type."""
    for signature, content_type in _SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_heic(head: bytes) -> bool:
    """Whether ``head`` starts an HEIF/HEIC image (an ISO box ``ftyp`` with a HEIF brand)."""
    return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def extension(content_type: str) -> str:
    """The file name extension a stored receipt of ``content_type`` gets."""
    return _EXTENSIONS[content_type]


def is_image(content_type: str) -> bool:
    return content_type.startswith("image/")
