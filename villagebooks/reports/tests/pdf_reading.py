"""Reading our PDFs back in tests: the text as a reader sees it, the fonts, and rendered pages.

Text comes from pypdf (through each font's ToUnicode map, as copy and paste would get it), one
entry per text drawn, grouped into lines by baseline and ordered left to right, so a test can
pin exactly what each page says. Rendering and the embedded-font check use PDFium, the engine
of Chrome's viewer.
"""

from __future__ import annotations

import ctypes
import io
import os
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from pypdf import PdfReader

# Set to a folder to keep every PDF the tests make, with PNGs of its pages, for a person to look at.
LOOK_DIR = os.environ.get("VILLAGEBOOKS_PDF_LOOK")


def page_lines(data: bytes) -> list[list[list[str]]]:
    """Each page as lines from top to bottom; a line is the texts on one baseline, left to right."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        drawn: list[tuple[float, float, str]] = []

        def visit(text, cm, tm, font_dict, font_size, drawn=drawn):
            if text.strip():
                drawn.append((tm[5], tm[4], text.strip()))

        page.extract_text(visitor_text=visit)
        lines: list[tuple[float, list[tuple[float, str]]]] = []
        for y, x, text in sorted(drawn, key=lambda item: (-item[0], item[1])):
            if lines and abs(lines[-1][0] - y) < 0.5:
                lines[-1][1].append((x, text))
            else:
                lines.append((y, [(x, text)]))
        pages.append([[text for _x, text in sorted(line)] for _y, line in lines])
    return pages


def page_sizes(data: bytes) -> list[tuple[int, int]]:
    """Each page's width and height in points, rounded (A4 portrait is 595 × 842)."""
    return [
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in PdfReader(io.BytesIO(data)).pages
    ]


def font_report(data: bytes) -> list[dict]:
    """Every font the pages use, with what its descriptor embeds."""
    found = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            entry = {"subtype": str(font["/Subtype"]), "base_font": str(font["/BaseFont"])}
            if "/DescendantFonts" in font:
                descendant = font["/DescendantFonts"][0].get_object()
                entry["descendant"] = str(descendant["/Subtype"])
                descriptor = descendant["/FontDescriptor"].get_object()
            else:
                descriptor = font.get("/FontDescriptor", {})
                descriptor = descriptor.get_object() if descriptor else {}
            program = next(
                (key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor), None
            )
            entry["program"] = program
            entry["program_bytes"] = len(descriptor[program].get_object().get_data()) if program else 0
            entry["to_unicode"] = "/ToUnicode" in font
            found[entry["base_font"]] = entry
    return list(found.values())


def pdfium_fonts(data: bytes) -> set[tuple[str, bool]]:
    """(name, embedded?) of the font of every text object, as PDFium, the renderer, sees it."""
    document = pdfium.PdfDocument(data)
    found = set()
    try:
        for page in document:
            for obj in page.get_objects():
                if obj.type != pdfium_raw.FPDF_PAGEOBJ_TEXT:
                    continue
                font = pdfium_raw.FPDFTextObj_GetFont(obj.raw)
                buffer = ctypes.create_string_buffer(256)
                pdfium_raw.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
                found.add((buffer.value.decode(), bool(pdfium_raw.FPDFFont_GetIsEmbedded(font))))
    finally:
        document.close()
    return found


def render_page(data: bytes, index: int = 0, *, scale: float = 2.0):
    """A page as a PIL image (RGB)."""
    document = pdfium.PdfDocument(data)
    try:
        return document[index].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()


def keep_for_looking(name: str, data: bytes) -> None:
    """With VILLAGEBOOKS_PDF_LOOK set, write the PDF and a PNG of each page there."""
    if not LOOK_DIR:
        return
    folder = Path(LOOK_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.pdf").write_bytes(data)
    for index in range(len(page_sizes(data))):
        render_page(data, index).save(folder / f"{name}-{index + 1}.png")
