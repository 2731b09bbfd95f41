"""What the voucher page tests share: a grid posted as the page posts it, the errors a page shows
at its cells, small vouchers made through the services, and a tiny PNG and PDF to attach."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from django.test import Client

from villagebooks.ledger import services
from villagebooks.ledger.domain.vouchers import LineInput

CELLS = ("summary", "account", "fund", "counterparty", "debit", "credit")
CELL_ERROR = re.compile(r'<span class="cell-error" id="line-(\d+)-(\w+)-error">(.*?)</span>', re.S)
FIELD_ERROR = re.compile(r'<p class="field-error" id="id_(\w+)_error">(.*?)</p>', re.S)
# A 1×1 PNG, and a PDF header: enough for the service's content sniffing.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def grid_post(day: str, rows: list[dict], *, count: int | None = None, **extra) -> dict:
    """The form the entry page posts: ``rows`` of cells by name, numbered from 0."""
    data = {"date": day, "line-count": str(len(rows) if count is None else count)}
    for index, row in enumerate(rows):
        for cell in CELLS:
            data[f"line-{index}-{cell}"] = row.get(cell, "")
    data.update(extra)
    return data


def cell_errors(html: str) -> dict[tuple[int, str], str]:
    """(row from 0, cell) → message, as the page shows them under the cells."""
    return {(int(row), cell): unescape(text.strip()) for row, cell, text in CELL_ERROR.findall(html)}


def field_errors(html: str) -> dict[str, str]:
    return {name: unescape(text.strip()) for name, text in FIELD_ERROR.findall(html)}


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def office_voucher(ledger, user, *, day=date(2025, 4, 2), fen=20_000, summary="购买打印纸", submit=False):
    """借 513 管理费用 / 贷 102 银行存款, ``fen`` each."""
    lines = [
        LineInput(summary=summary, account_code="513", debit_fen=fen),
        LineInput(summary=summary, account_code="102", credit_fen=fen),
    ]
    return services.voucher_create(actor=user, ledger=ledger, date=day, lines=lines, submit=submit)
