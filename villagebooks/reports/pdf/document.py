"""An A4 PDF page with the shipped Chinese font, and the few text operations our forms need.

Every PDF embeds a subset of ``villagebooks/data/fonts/NotoSansCJKsc-Regular-GBK.ttf`` (only the
glyphs it uses, as a TrueType CIDFont), so it shows its Chinese text on a machine without any
Chinese font. Text is measured from the font's own advance widths and wrapped at any character,
as Chinese is typeset; the font has one weight, so bold is drawn by stroking the glyph outlines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode

import villagebooks

FONT_PATH = Path(villagebooks.__file__).resolve().parent / "data" / "fonts" / "NotoSansCJKsc-Regular-GBK.ttf"
FONT = "NotoSansCJKscGBK"
PDF_CONTENT_TYPE = "application/pdf"
CREATOR = "村账通"

PT = 25.4 / 72  # one point in millimetres
# Where a CJK glyph's visual middle sits above the baseline, in ems: text is centred on it.
MIDDLE = 0.36
# Stroke width of faux bold, in points per point of font size.
BOLD_STROKE = 0.035

BLACK = (0, 0, 0)
GREY = (90, 90, 90)
RED = (192, 0, 0)
HEADER_FILL = (231, 230, 230)

# Chinese line breaking: marks that may not start a line, and marks that may not end one.
NO_LINE_START = set("，。、；：！？）】》」』”’〕〉…—,.;:!?)]}%")
NO_LINE_END = set("（【《「『“‘〔〈([{¥￥")

MISSING = "□"  # stands for a character the font has no glyph for

# Control characters cannot be printed; a tab or a carriage return in a name becomes a space.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean(value) -> str:
    """The text of a value as it is printed: ``None`` is empty, control characters are spaces."""
    return CONTROL.sub(" ", "" if value is None else str(value))


class Document(FPDF):
    """An A4 document in millimetres with the embedded font selected.

    Pages are laid out by the caller (no automatic page breaks): forms need to know where each
    line lands, and a report counts its pages before it draws them. fpdf2's page-count alias is
    switched off, so that a summary reading "{nb}" is printed as typed.
    """

    def __init__(self, *, title: str, subject: str, landscape: bool = False):
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.add_font(FONT, fname=str(FONT_PATH))
        self.set_font(FONT, size=10)
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.alias_nb_pages(None)
        self.set_title(title)
        self.set_subject(subject)
        self.set_author(CREATOR)
        self.set_creator(CREATOR)
        self.set_lang("zh-CN")
        self.set_line_width(0.2)

    # Measuring and wrapping

    def printable(self, text: str) -> str:
        """``text`` with each character the font cannot draw shown as □.

        fpdf2 would leave such a character out without a trace; on a voucher a name that silently
        loses a character is worse than one that visibly has a box.
        """
        cmap = self.current_font.cmap
        if all(ord(ch) in cmap or ch == "\n" for ch in text):
            return text
        return "".join(ch if ord(ch) in cmap or ch == "\n" else MISSING for ch in text)

    def width_of(self, text: str, size: float | None = None) -> float:
        """Width in mm of ``text`` at ``size`` points (the current size by default)."""
        text = self.printable(text)
        widths = self.current_font.cw
        return sum(widths[ord(ch)] for ch in text) * (size or self.font_size_pt) * 0.001 * PT

    def wrap(self, text: str, width: float, size: float | None = None) -> list[str]:
        """Lines of ``text`` no wider than ``width`` mm, broken at any character (and at newlines)."""
        text = self.printable(text)
        scale = (size or self.font_size_pt) * 0.001 * PT
        widths = self.current_font.cw
        limit = max(width, 0.0) / scale
        lines: list[str] = []
        for paragraph in text.split("\n"):
            start, used = 0, 0.0
            index = 0
            while index < len(paragraph):
                advance = widths[ord(paragraph[index])]
                if used + advance > limit and index > start:
                    cut = self._break_at(paragraph, start, index)
                    lines.append(paragraph[start:cut])
                    start, used, index = cut, 0.0, cut
                    continue
                used += advance
                index += 1
            lines.append(paragraph[start:])
        return lines

    @staticmethod
    def _break_at(paragraph: str, start: int, index: int) -> int:
        """Where to break before ``index``, keeping the rules of Chinese line breaking (禁则).

        A closing mark never starts a line and an opening mark never ends one: the character
        before moves down with it. A line keeps at least one character.
        """
        cut = index
        while cut - 1 > start and (paragraph[cut] in NO_LINE_START or paragraph[cut - 1] in NO_LINE_END):
            cut -= 1
        return cut

    def fitting_size(self, text: str, width: float, size: float, smallest: float) -> float:
        """The largest size from ``size`` down to ``smallest`` (half points) at which ``text`` fits."""
        while size > smallest and self.width_of(text, size) > width:
            size -= 0.5
        return size

    # Drawing

    @contextmanager
    def style(
        self, *, size: float | None = None, bold: bool = False, color: tuple[int, int, int] = BLACK
    ) -> Iterator[None]:
        """Text size, weight and colour for the block; everything is restored after it."""
        size = size or self.font_size_pt
        options = {"font_size_pt": size, "text_color": color}
        if bold:
            options.update(text_mode=TextMode.FILL_STROKE, draw_color=color, line_width=size * BOLD_STROKE)
        with self.local_context(**options):
            yield

    def line_at(self, text: str, x: float, top: float, width: float, height: float, align: str = "L") -> None:
        """One line of text in the box (x, top, width, height), centred vertically.

        ``align`` is L, C or R; the box has no padding, the caller leaves its own.
        """
        if not text:
            return
        text = self.printable(text)
        if align == "R":
            x += width - self.width_of(text)
        elif align == "C":
            x += (width - self.width_of(text)) / 2
        baseline = top + height / 2 + MIDDLE * self.font_size
        self.text(x, baseline, text)

    def lines_in(
        self,
        lines: list[str],
        x: float,
        top: float,
        width: float,
        height: float,
        line_height: float,
        align: str = "L",
    ) -> None:
        """Several lines, as a block centred vertically in the box."""
        first = top + (height - line_height * len(lines)) / 2
        for index, line in enumerate(lines):
            self.line_at(line, x, first + index * line_height, width, line_height, align)

    def dashed_line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        with self.local_context(draw_color=GREY, line_width=0.2):
            self.set_dash_pattern(dash=1.5, gap=1.5)
            self.line(x1, y1, x2, y2)
            self.set_dash_pattern()

    def to_bytes(self) -> bytes:
        return bytes(self.output())
