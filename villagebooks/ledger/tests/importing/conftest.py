"""Fixtures of the import tests: files written to ``tmp_path`` as a user's spreadsheet saves them."""

from __future__ import annotations

import textwrap

import pytest

from villagebooks.ledger.tests.importing.support import HEADER


@pytest.fixture
def write_csv(tmp_path):
    """Write dedented CSV text to a file in ``encoding``; returns its path."""

    def write(text: str, *, name: str = "vouchers.csv", encoding: str = "utf-8", header: str = HEADER):
        body = textwrap.dedent(text).strip("\n")
        content = f"{header}\n{body}\n" if header else body + "\n"
        path = tmp_path / name
        path.write_bytes(content.encode(encoding))
        return path

    return write
