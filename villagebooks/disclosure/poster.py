"""The QR-code poster for the village's notice board (公开栏): an A4 page whose code opens the
village's public page, drawn with the reports' PDF machinery and its embedded Chinese font."""

from __future__ import annotations

import io

import segno

from villagebooks.disclosure.selectors import disclosures_by_period
from villagebooks.ledger.models import Ledger
from villagebooks.reports.pdf.document import GREY, Document

PAGE_WIDTH = 210.0
QR_SIZE = 120.0
MOST_PERIODS = 6


def village_address(ledger: Ledger) -> str:
    from django.conf import settings

    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/public/{ledger.code}/"


def poster_pdf(ledger: Ledger) -> bytes:
    address = village_address(ledger)
    village = ledger.village.name
    document = Document(title=f"{village}村务公开", subject="村务公开二维码")
    document.add_page()
    with document.style(size=34, bold=True):
        document.line_at(f"{village}村务公开", 0, 22, PAGE_WIDTH, 16, align="C")
    with document.style(size=18):
        document.line_at("用手机扫一扫，查看本村的账目", 0, 44, PAGE_WIDTH, 10, align="C")
        document.line_at("不用登录，不用下载软件", 0, 56, PAGE_WIDTH, 10, align="C")
    image = io.BytesIO()
    segno.make(address, error="m", micro=False).save(image, kind="png", scale=10, border=2)
    image.seek(0)
    document.image(image, x=(PAGE_WIDTH - QR_SIZE) / 2, y=72, w=QR_SIZE, h=QR_SIZE)
    y = 72 + QR_SIZE + 6
    with document.style(size=13):
        document.line_at(address, 0, y, PAGE_WIDTH, 8, align="C")
    y += 14
    groups = disclosures_by_period(ledger)[:MOST_PERIODS]
    with document.style(size=14):
        if groups:
            document.line_at(
                "已公开：" + "、".join(group.label for group in groups), 15, y, 180, 8, align="C"
            )
        else:
            document.line_at("尚未公开任何账目", 15, y, 180, 8, align="C")
    y += 12
    with document.style(size=11, color=GREY):
        for text in (
            "公开的内容发布后不能修改；如有更正，会作为新的版本公开，原来的版本仍然可以查看。",
            "每次公开都带有账簿的校验信息，网页上的“核对”会检查账目在公开后有没有被改动。",
            "本人领取的补贴，可在网页上凭身份证号和姓名查询，只能查到本人的。",
        ):
            for line in document.wrap(text, 170):
                document.line_at(line, 20, y, 170, 6)
                y += 6
    return document.to_bytes()
