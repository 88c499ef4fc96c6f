"""Charts of the reports as inline SVG drawn here: stacked bars per month, a running-total line
and horizontal bars per admin unit. Text stays text (selectable in the PDF), nothing is fetched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = {
    # the /map page's colours (src/demine/web/static/js/palette.js)
    "CHA": "#d7191c", "SHA": "#fd8d3c",
    "cancelled": "#9ecae1", "reduced": "#a1d99b", "cleared": "#238b45",
    "outline": "#4a1010", "closed": "#8c8c8c", "find": "#6a3d9a", "paper": "#f6f4ee",
    "line": "#08519c", "axis": "#555555", "grid": "#dddddd",
}
FONT = "font-family=\"DejaVu Sans, Arial, sans-serif\""


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving about `ticks` ticks to `top`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def short(value: float) -> str:
    """A tick label: 1,500 as 1.5k, 2,000,000 as 2M."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}" {FONT} font-size="11">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>")


def _y_axis(top: float, x0: int, x1: int, y0: int, y1: int, unit: str) -> tuple[list[str], float]:
    """Horizontal grid lines with labels; returns the SVG and the value at the top."""
    step = nice_step(top)
    limit = step * max(1, math.ceil(top / step - 1e-9))
    body = []
    for k in range(round(limit / step) + 1):
        value = k * step
        y = y0 - (y0 - y1) * value / limit
        body.append(f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{PALETTE["grid"]}"/>')
        body.append(f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end">{short(value)}</text>')
    body.append(f'<text x="{x0 - 4}" y="{y1 - 10}" text-anchor="end">{escape(unit)}</text>')
    return body, limit


def _month_labels(months: Sequence[str], x: list[float], y: int) -> list[str]:
    every = max(1, math.ceil(len(months) / 12))
    return [f'<text x="{x[k]:.1f}" y="{y}" text-anchor="middle">{escape(m)}</text>'
            for k, m in enumerate(months) if k % every == 0]


def stacked_bars(rows: Sequence[dict[str, float | str]], keys: Sequence[str], label: str,
                 unit: str = "m²") -> Markup:
    """One bar per row (`row["month"]`), stacked by `keys` in the palette's colours."""
    width, height, left, right, top, bottom = 720, 280, 60, 12, 30, 40
    totals = [sum(float(r[k]) for k in keys) for r in rows]
    axis, limit = _y_axis(max(totals, default=0.0), left, width - right, height - bottom, top,
                          unit)
    slot = (width - left - right) / max(1, len(rows))
    body = list(axis)
    centres = []
    for k, row in enumerate(rows):
        x = left + k * slot
        centres.append(x + slot / 2)
        base = float(height - bottom)
        for key in keys:
            h = (height - bottom - top) * float(row[key]) / limit
            if h > 0:
                body.append(f'<rect x="{x + slot * 0.15:.1f}" y="{base - h:.1f}" '
                            f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{PALETTE[key]}">'
                            f'<title>{escape(str(row["month"]))} {key}: {float(row[key]):,.0f}'
                            f"</title></rect>")
                base -= h
    body += _month_labels([str(r["month"]) for r in rows], centres, height - bottom + 16)
    body += _legend(keys, left, height - 8)
    return _svg(width, height, label, body)


def line(rows: Sequence[dict[str, float | str]], key: str, label: str,
         unit: str = "m²") -> Markup:
    """A line of `row[key]` per month, with a dot at each month's end."""
    width, height, left, right, top, bottom = 720, 260, 60, 12, 30, 30
    values = [float(r[key]) for r in rows]
    axis, limit = _y_axis(max(values, default=0.0), left, width - right, height - bottom, top,
                          unit)
    slot = (width - left - right) / max(1, len(rows))
    xs = [left + slot * (k + 0.5) for k in range(len(rows))]
    ys = [height - bottom - (height - bottom - top) * v / limit for v in values]
    body = list(axis)
    if xs:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        body.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE["line"]}" '
                    f'stroke-width="2.5"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE["line"]}"/>'
                 for x, y in zip(xs, ys, strict=True)]
    body += _month_labels([str(r["month"]) for r in rows], xs, height - bottom + 16)
    return _svg(width, height, label, body)


def hbars(rows: Sequence[dict[str, float | str]], keys: Sequence[str], label: str,
          unit: str = "m²") -> Markup:
    """One horizontal bar per row (`row["name"]`), stacked by `keys`."""
    bar, gap, left, right, top = 18, 8, 150, 20, 24
    width = 720
    height = top + len(rows) * (bar + gap) + 40
    totals = [sum(float(r[k]) for k in keys) for r in rows]
    limit_step = nice_step(max(totals, default=0.0))
    limit = limit_step * max(1, math.ceil(max(totals, default=0.0) / limit_step - 1e-9))
    span = width - left - right
    body = []
    for k in range(round(limit / limit_step) + 1):
        x = left + span * k * limit_step / limit
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" '
                    f'y2="{height - 36}" stroke="{PALETTE["grid"]}"/>')
        body.append(f'<text x="{x:.1f}" y="{top - 8}" text-anchor="middle">'
                    f"{short(k * limit_step)}</text>")
    body.append(f'<text x="{left - 6}" y="{top - 8}" text-anchor="end">{escape(unit)}</text>')
    for k, row in enumerate(rows):
        y = top + k * (bar + gap)
        body.append(f'<text x="{left - 6}" y="{y + bar - 5}" text-anchor="end">'
                    f"{escape(str(row['name']))[:24]}</text>")
        x = float(left)
        for key in keys:
            w = span * float(row[key]) / limit
            if w > 0:
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                            f'fill="{PALETTE[key]}"><title>{escape(str(row["name"]))} {key}: '
                            f'{float(row[key]):,.0f}</title></rect>')
                x += w
    body += _legend(keys, left, height - 12)
    return _svg(width, height, label, body)


def _legend(keys: Sequence[str], x: int, y: int) -> list[str]:
    body = []
    for key in keys:
        body.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[key]}"/>')
        body.append(f'<text x="{x + 14}" y="{y}">{escape(key)}</text>')
        x += 24 + 7 * len(key)
    return body
