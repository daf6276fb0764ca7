"""Inline SVG charts for `mktcrm report --html`: bars per month, no script, no font or image to fetch.

Every label is escaped here (`html.escape`), so the report template may insert the SVG as it is. A month
with no figure (None) gets no bar and a "no data" tick, never a bar of height 0 that reads as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 360, 150
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 8, 22, 30


def bar_chart(title: str, points: Sequence[tuple[str, float | None]], unit: str = "") -> str:
    """A labelled bar chart of (label, value) points, its scale from 0 to the largest value."""
    values = [v for _label, v in points if v is not None]
    top = max(values, default=0.0) or 1.0
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(points), 1)
    bar_w = max(step * 0.7, 1.0)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{PAD_LEFT}" y="14" class="ct">{escape(title)}</text>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + inner_h}" x2="{WIDTH - PAD_RIGHT}" y2="{PAD_TOP + inner_h}"'
        ' class="axis"/>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" class="yl">{escape(_fmt(top))}{escape(unit)}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + inner_h}" class="yl">0</text>',
    ]
    for index, (label, value) in enumerate(points):
        x = PAD_LEFT + index * step + (step - bar_w) / 2
        if value is None:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{PAD_TOP + inner_h - 3}" class="nd">–</text>')
        else:
            h = max(inner_h * max(value, 0.0) / top, 0.5)
            parts.append(
                f'<rect x="{x:.1f}" y="{PAD_TOP + inner_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" class="bar"'
                f' data-label="{escape(label)}" data-value="{escape(_fmt(value))}">'
                f"<title>{escape(label)}: {escape(_fmt(value))}{escape(unit)}</title></rect>"
            )
        if len(points) <= 13 or index % 2 == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - PAD_BOTTOM + 12}" class="xl">{escape(label[-2:])}</text>'
            )
    if not values:
        parts.append(
            f'<text x="{PAD_LEFT + inner_w / 2:.0f}" y="{PAD_TOP + inner_h / 2:.0f}" class="xl">no data</text>'
        )
    if points:
        first, last = escape(points[0][0]), escape(points[-1][0])
        parts.append(f'<text x="{PAD_LEFT}" y="{HEIGHT - 4}" class="xr">{first} … {last}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
