"""Claims' fixtures: reporters of 黑滩村 (HT01) and 土门村 (TM01), a supervisor of the township,
an accountant of another township, receipt files, and a helper that submits a claim."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from villagebooks.claims import services

HEITAN, TUMEN = "510781100201", "510781100202"
WUDU = "510781101000"  # 武都镇: another township than the fixtures' 新安镇
SPENT_ON = date(2025, 3, 10)


def _image(fmt: str, colour: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(buffer, format=fmt)
    return buffer.getvalue()


JPEG = _image("JPEG", "white")
JPEG_2 = _image("JPEG", "yellow")
PNG = _image("PNG", "white")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00 not a receipt"


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    """A file as a browser uploads it; the declared type is the browser's word, which is not trusted."""
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list[str]:
    """Every file under MEDIA_ROOT, relative, sorted: what a failed write must not leave behind."""
    if not media.exists():
        return []
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


@pytest.fixture
def reporter(make_user, region_tree, ledger):
    """黑滩村's village reporter (a role at the village)."""
    return make_user("heitan", "reporter", region_tree[HEITAN])


@pytest.fixture
def tumen_reporter(make_user, region_tree, other_ledger):
    """土门村's village reporter."""
    return make_user("tumen", "reporter", region_tree[TUMEN])


@pytest.fixture
def supervisor(make_user, township):
    return make_user("jijian", "supervisor", township)


@pytest.fixture
def outsider(make_user, region_tree):
    """An accountant of 武都镇: none of 新安镇's ledgers are theirs."""
    return make_user("wudu", "accountant", region_tree[WUDU])


@pytest.fixture
def submit():
    """``submit(actor, ledger, **changes)``: a claim of 86.50 for office paper with one JPEG."""

    def make(actor, ledger, **changes):
        values = {
            "spent_on": SPENT_ON,
            "amount_fen": 8650,
            "purpose": "购买村委会打印纸",
            "payee": "江油市文具店",
            "photos": [upload("发票.jpg", JPEG)],
        }
        values.update(changes)
        return services.claim_submit(actor=actor, ledger=ledger, **values)

    return make
