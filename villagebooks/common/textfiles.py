"""Reading small text files that users bring: UTF-8 (with or without BOM) or, as Chinese Excel
saves CSV by default, GB18030 (a superset of GBK)."""

from __future__ import annotations

from pathlib import Path

from villagebooks.common.errors import DomainError

UNKNOWN_ENCODING = "无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV 文件"
ENCODINGS = ("utf-8-sig", "gb18030")


def read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(UNKNOWN_ENCODING, field="file")
