"""Execution rates as horizontal bars in inline SVG, drawn on the server: no JavaScript, prints
as it shows, each bar's figures in its ``<title>`` for screen readers and hover.

A bar is the share paid of a budget (or spent of an allocation); 100 % is marked, a bar over it
is drawn to 150 % at most and coloured as over; the percentage is written after the bar.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from villagebooks.common.money import format_fen

LABEL_WIDTH = 220
BAR_WIDTH = 360
ROW_HEIGHT = 22
TEXT_WIDTH = 70
FULL_AT = BAR_WIDTH / 1.5  # 100 % is two thirds of the bar's room; over 150 % is cut


@dataclass(frozen=True)
class Bar:
    label: str
    done_fen: int
    of_fen: int
    link: str = ""

    @property
    def rate(self) -> float | None:
        return self.done_fen / self.of_fen if self.of_fen else None


def _shorten(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bars_svg(bars: list[Bar], *, title: str) -> SafeString:
    """The bars as one ``<svg>`` element (every text escaped)."""
    height = ROW_HEIGHT * max(len(bars), 1) + 24
    width = LABEL_WIDTH + BAR_WIDTH + TEXT_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rate-chart" role="img" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(bars):
        top = index * ROW_HEIGHT + 4
        rate = bar.rate
        length = 0.0 if rate is None else max(0.0, min(rate, 1.5)) * FULL_AT
        css = "none" if rate is None else "over" if rate > 1 else "done" if rate >= 1 else "part"
        percent = "—" if rate is None else f"{rate * 100:.1f}%"
        tip = f"{bar.label}：{format_fen(bar.done_fen)} / {format_fen(bar.of_fen)}（{percent}）"
        label = f'<text x="0" y="{top + 14}" class="rate-label">{escape(_shorten(bar.label))}</text>'
        if bar.link:
            label = f'<a href="{escape(bar.link)}">{label}</a>'
        parts.append(f'<g class="rate-row rate-{css}"><title>{escape(tip)}</title>{label}')
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{top + 3}" width="{BAR_WIDTH}" height="{ROW_HEIGHT - 8}" class="rate-room"'
            ' fill="#eef1f4"/>'
        )
        fill = {"over": "#c0392b", "done": "#2e7d32", "part": "#1f6fb2", "none": "#999"}[css]
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{top + 3}" width="{length:.1f}" height="{ROW_HEIGHT - 8}"'
            f' class="rate-bar" fill="{fill}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{top + 14}" class="rate-value">{escape(percent)}</text></g>'
        )
    full = LABEL_WIDTH + FULL_AT
    parts.append(
        f'<line x1="{full:.1f}" y1="0" x2="{full:.1f}" y2="{height - 18}" stroke="#555" stroke-dasharray="3,3"/>'
        f'<text x="{full:.1f}" y="{height - 4}" text-anchor="middle" class="rate-axis">100%</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 every text above is escaped
