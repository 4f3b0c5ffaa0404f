"""Tiny server-side SVG charts, drawn inline in the page: no JavaScript, nothing fetched.

Two shapes cover the dashboard: horizontal bars (a rate per unit, line or source kind) and
a monthly chart (bars for one series, a line with dots for the other). The text inherits
the page's font, so Chinese renders with the same CJK font as the rest of the page; each
chart carries a Chinese `aria-label` and `<title>` tooltips, and the page shows the numbers
in a table as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

INK, MUTED, GRID = "#1f2328", "#57606a", "#d0d7de"
BAR, SECOND = "#1c7ed6", "#e8590c"
GOOD, FAIR, POOR = "#2f9e44", "#f08c00", "#c92a2a"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no figure (drawn as "—", no bar)
    text: str  # shown after the bar, e.g. "92.5%（37/40）"
    href: str = ""  # a link for the label (the ledger, filtered)


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _clip(label: str, n: int) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def rate_colour(percent: float | None) -> str:
    if percent is None:
        return GRID
    return GOOD if percent >= 90 else FAIR if percent >= 70 else POOR


def hbar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    max_value: float = 100.0,
    colour: str | None = None,
    width: int = 420,
    label_chars: int = 8,
    empty: str = "暂无数据",
) -> SafeString:
    """Horizontal bars, one row each; the colour follows the rate unless one is given.

    Drawn at `width` pixels, the size it is shown at, so the text stays at the page's size.
    """
    row, pad, text_w = 26, 6, 104
    label_w = 14 * label_chars + 10
    bar_w = max(80, width - label_w - text_w)
    height = max(1, len(bars)) * row + 2 * pad
    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><title>{escape(title)}</title>'
    ]
    # Gridlines at 0, 50 % and 100 % of the scale.
    for frac in (0.0, 0.5, 1.0):
        x = label_w + bar_w * frac
        out.append(
            f'<line x1="{_fmt(x)}" y1="{pad}" x2="{_fmt(x)}" y2="{height - pad}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
    if not bars:
        out.append(
            f'<text x="{label_w + 8}" y="{pad + 18}" font-size="14" fill="{MUTED}">'
            f"{escape(empty)}</text>"
        )
    for i, b in enumerate(bars):
        y = pad + i * row
        label = escape(_clip(b.label, label_chars))
        text = f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="14" '
        text += f'fill="{INK}">{label}</text>'
        if b.href:
            text = f'<a href="{escape(b.href)}">{text}</a>'
        out.append(text)
        value = 0.0 if b.value is None else max(0.0, min(b.value, max_value))
        w = bar_w * value / max_value if max_value > 0 else 0.0
        if b.value is not None and w > 0:
            fill = colour or rate_colour(b.value)
            out.append(
                f'<rect x="{label_w}" y="{y + 5}" width="{_fmt(w)}" height="16" rx="2" '
                f'fill="{fill}"><title>{escape(b.label)}：{escape(b.text)}</title></rect>'
            )
        out.append(
            f'<text x="{_fmt(label_w + w + 6)}" y="{y + 18}" font-size="13" fill="{MUTED}">'
            f"{escape(b.text if b.value is not None else '—')}</text>"
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above is escaped


def axis_ticks(peak: int, most: int = 5) -> list[int]:
    """Round tick values from 0 to at least `peak`, at most `most` + 1 of them, evenly spaced."""
    step = 1
    while math.ceil(peak / step) > most:
        step = _next_step(step)
    top = max(step, math.ceil(peak / step) * step)
    return list(range(0, top + 1, step))


def _next_step(step: int) -> int:
    """1, 2, 5, 10, 20, 50, 100 …"""
    magnitude = 1
    while magnitude * 10 <= step:
        magnitude *= 10
    leading = step // magnitude
    return {1: 2, 2: 5}.get(leading, 10) * magnitude


def month_chart(
    labels: Sequence[str],
    bars: Sequence[int],
    line: Sequence[int],
    *,
    title: str,
    bar_name: str,
    line_name: str,
    width: int = 700,
) -> SafeString:
    """Monthly figures: `bars` as columns, `line` as a line with dots, on one axis."""
    left, right, top, plot_h = 52, 16, 34, 200
    slot = max(36, (width - left - right) // max(1, len(labels)))
    width = left + right + slot * len(labels)
    height = top + plot_h + 34
    ticks = axis_ticks(max([1, *bars, *line]))
    peak = ticks[-1]
    base = top + plot_h

    def y_of(v: int) -> float:
        return base - plot_h * v / peak

    out = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><title>{escape(title)}</title>'
    ]
    for v in ticks:  # horizontal gridlines with the axis figures
        y = y_of(v)
        out.append(
            f'<line x1="{left}" y1="{_fmt(y)}" x2="{width - right}" y2="{_fmt(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end" font-size="12" '
            f'fill="{MUTED}">{v}</text>'
        )
    points = []
    for i, label in enumerate(labels):
        x0 = left + i * slot
        h = plot_h * bars[i] / peak
        out.append(
            f'<rect x="{x0 + 12}" y="{_fmt(base - h)}" width="{slot - 24}" height="{_fmt(h)}" '
            f'fill="{BAR}" rx="2"><title>{escape(label)}{escape(bar_name)}：{bars[i]}</title>'
            "</rect>"
        )
        out.append(
            f'<text x="{x0 + slot / 2}" y="{base + 20}" text-anchor="middle" font-size="13" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        points.append((x0 + slot / 2, y_of(line[i]), label, line[i]))
    path = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y, _, _ in points)
    out.append(f'<polyline points="{path}" fill="none" stroke="{SECOND}" stroke-width="2.5"/>')
    for x, y, label, v in points:
        out.append(
            f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="4" fill="{SECOND}">'
            f"<title>{escape(label)}{escape(line_name)}：{v}</title></circle>"
        )
    # Legend, top left.
    out.append(
        f'<rect x="{left}" y="8" width="14" height="14" fill="{BAR}" rx="2"/>'
        f'<text x="{left + 20}" y="20" font-size="13" fill="{INK}">{escape(bar_name)}</text>'
        f'<line x1="{left + 110}" y1="15" x2="{left + 134}" y2="15" stroke="{SECOND}" '
        f'stroke-width="2.5"/><circle cx="{left + 122}" cy="15" r="4" fill="{SECOND}"/>'
        f'<text x="{left + 140}" y="20" font-size="13" fill="{INK}">{escape(line_name)}</text>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # every text above is escaped
