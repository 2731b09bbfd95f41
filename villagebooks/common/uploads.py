"""An uploaded file as a file on disk, for the imports that read paths (CSV/XLSX by suffix)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def saved_upload(upload, stem: str = "upload") -> Iterator[Path]:
    """``upload`` (Django's ``UploadedFile``) written to a temporary ``stem`` + its suffix, removed
    when the block ends; the suffix is what tells the readers CSV from XLSX."""
    suffix = Path(upload.name or "").suffix.lower()[:8]
    with tempfile.TemporaryDirectory(prefix="villagebooks-upload-") as folder:
        path = Path(folder) / f"{stem}{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        yield path
