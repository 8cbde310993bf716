"""Inline SVG charts: plain data in, an <svg> string out. No JavaScript, no external requests.

Every text and attribute goes through `el`/`esc`, so source text can never become markup. Each
chart is an `<svg class="chart">` with a <title>; every bar and point has its own <title> tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

Fmt = Callable[[float], str]

PALETTE = (
    "#1f6fb4",  # blue
    "#e07b19",  # orange
    "#2c9a5a",  # green
    "#c63d3d",  # red
    "#7b5cb8",  # purple
    "#8c6248",  # brown
    "#d16fb4",  # pink
    "#6b7785",  # grey
    "#a8a21c",  # olive
    "#1ba6b8",  # teal
)
INK, MUTED, GRID = "#1d2733", "#5b6775", "#e3e7ec"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def esc(text: object) -> str:
    """Escape any value for HTML/SVG text or attribute."""
    return escape("" if text is None else str(text), quote=True)


def el(tag: str, body: str = "", **attrs: object) -> str:
    """One element; attribute names use _ for -, floats get one decimal, values are escaped.

    `body` is markup (already escaped by the caller or built with el); use esc() for text.
    """
    parts = [tag]
    for key, value in attrs.items():
        if value is None:
            continue
        shown = f"{value:.1f}" if isinstance(value, float) else value
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{esc(shown)}"')
    return f"<{' '.join(parts)}>{body}</{tag}>"


def tip(text: str) -> str:
    """A <title> child: the tooltip of a mark."""
    return el("title", esc(text))


def compact(value: float) -> str:
    """1.5 bn, 830 m, 12 k: short labels for axes and bar ends."""
    v = abs(value)
    for size, suffix in ((1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if v >= size:
            digits = 0 if v / size >= 100 else 1
            return f"{value / size:,.{digits}f}".removesuffix(".0") + suffix
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """0 and round steps up to at least high (1, 2, 2.5 or 5 times a power of ten)."""
    if high <= 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(high / step - 1e-9)
    return [i * step for i in range(n + 1)]


@dataclass(frozen=True)
class Series:
    """One coloured series; bars of series sharing a `group` stack, groups stand side by side."""

    name: str
    values: Sequence[float | None]
    color: str
    group: str = ""


@dataclass
class Legend:
    """Legend entries (name, colour, shape) drawn under a chart."""

    items: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, name: str, color: str, shape: str = "square") -> None:
        """Add an entry once."""
        if (name, color, shape) not in self.items:
            self.items.append((name, color, shape))


def _marker(shape: str, x: float, y: float, color: str, size: float = 6.0) -> str:
    if shape == "line":
        return el("line", x1=x - size, y1=y, x2=x + size, y2=y, stroke=color, stroke_width=3)
    if shape == "diamond":
        d = (
            f"M{x:.1f} {y - size:.1f} L{x + size:.1f} {y:.1f} "
            f"L{x:.1f} {y + size:.1f} L{x - size:.1f} {y:.1f} Z"
        )
        return el("path", d=d, fill=color)
    if shape == "circle":
        return el("circle", cx=x, cy=y, r=size * 0.75, fill=color)
    return el("rect", x=x - size, y=y - size, width=2 * size, height=2 * size, rx=2, fill=color)


def _legend(legend: Legend, width: int, top: float) -> tuple[str, float]:
    """Legend rows wrapped to the width; returns the SVG and the height used."""
    parts: list[str] = []
    x, y, row_h = 0.0, top, 18.0
    for name, color, shape in legend.items:
        w = 26 + 6.6 * len(name)
        if x + w > width and x > 0:
            x, y = 0.0, y + row_h
        parts.append(_marker(shape, x + 7, y + 6, color))
        parts.append(el("text", esc(name), x=x + 18, y=y + 10.5, font_size=12, fill=INK))
        x += w
    used = (y - top + row_h + 4) if legend.items else 0.0
    return "".join(parts), used


def _svg(width: float, height: float, title: str, body: str) -> str:
    return el(
        "svg",
        tip(title) + body,
        class_="chart",
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width:.0f} {height:.0f}",
        width="100%",
        role="img",
        aria_label=title,
        font_family=FONT,
    )


def _text(x: float, y: float, text: str, size: float = 11, color: str = MUTED, **kw: object) -> str:
    return el("text", esc(text), x=x, y=y, font_size=size, fill=color, **kw)


def empty_chart(title: str, message: str, width: int = 860, height: int = 90) -> str:
    """A chart frame that says why there is nothing to draw."""
    frame = el(
        "rect", x=0.5, y=0.5, width=width - 1, height=height - 1, rx=6, fill="#f7f9fb", stroke=GRID
    )
    label = _text(width / 2, height / 2 + 5, message, 14, text_anchor="middle")
    return _svg(width, height, title, frame + label)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Fmt = compact,
    unit: str = "",
    width: int = 860,
    height: int = 300,
    tick_fmt: Fmt | None = None,
) -> str:
    """Vertical bars: one slot per category; inside, one bar per group; series of a group stack.
    `fmt` labels bar ends and tooltips, `tick_fmt` (default `fmt`) the value axis."""
    groups = list(dict.fromkeys(s.group for s in series))
    totals = [
        sum(max(s.values[i] or 0.0, 0.0) for s in series if s.group == g)
        for i in range(len(categories))
        for g in groups
    ]
    high = max(totals, default=0.0)
    if not categories or high <= 0:
        return empty_chart(title, "No figures to chart yet", width)
    ticks = nice_ticks(high)
    legend = Legend()
    for s in series:
        legend.add(s.name, s.color)
    grouped = len(groups) > 1
    left, right, top = 64.0, 12.0, 18.0
    plot_h = height - top - (40.0 if grouped else 26.0)
    plot_w = width - left - right

    def y(v: float) -> float:
        return top + plot_h * (1 - v / ticks[-1])

    parts: list[str] = []
    for t in ticks:
        parts.append(el("line", x1=left, x2=width - right, y1=y(t), y2=y(t), stroke=GRID))
        parts.append(_text(left - 8, y(t) + 4, (tick_fmt or fmt)(t), text_anchor="end"))
    if unit:
        parts.append(_text(4, top - 6, unit))
    slot = plot_w / len(categories)
    bar_w = min(56.0, slot * 0.8 / len(groups))
    for i, cat in enumerate(categories):
        x0 = left + slot * i + (slot - bar_w * len(groups)) / 2
        for gi, g in enumerate(groups):
            base, bx = 0.0, x0 + gi * bar_w
            for s in (s for s in series if s.group == g):
                v = max(s.values[i] or 0.0, 0.0)
                if v <= 0:
                    continue
                y1, y0 = y(base + v), y(base)
                label = f"{cat} · {g + ' · ' if g else ''}{s.name}: {fmt(v)}"
                parts.append(
                    el(
                        "rect",
                        tip(label),
                        x=bx + 1,
                        y=y1,
                        width=bar_w - 2,
                        height=max(y0 - y1, 0.5),
                        fill=s.color,
                    )
                )
                base += v
            if base > 0:
                parts.append(
                    _text(bx + bar_w / 2, y(base) - 4, fmt(base), 10.5, INK, text_anchor="middle")
                )
            if grouped:
                parts.append(_text(bx + bar_w / 2, top + plot_h + 13, g, 10, text_anchor="middle"))
        cy = top + plot_h + (29 if grouped else 17)
        parts.append(
            _text(left + slot * (i + 0.5), cy, cat, 12, INK, text_anchor="middle", font_weight=600)
        )
    parts.append(el("line", x1=left, x2=width - right, y1=y(0), y2=y(0), stroke=MUTED))
    leg, leg_h = _legend(legend, width, height + 6)
    return _svg(width, height + leg_h + 6, title, "".join(parts) + leg)


def hbar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    colors: Sequence[str],
    fmt: Fmt = compact,
    notes: Sequence[str] | None = None,
    legend: Legend | None = None,
    width: int = 860,
    label_w: int = 300,
    note_w: int = 330,
) -> str:
    """Horizontal bars, one row per label in the order given; a muted note after each value."""
    high = max((v or 0.0 for v in values), default=0.0)
    if not labels or high <= 0:
        return empty_chart(title, "No figures to chart yet", width)
    row_h, top = 24.0, 6.0
    plot_w = width - label_w - note_w
    parts: list[str] = []
    for i, label in enumerate(labels):
        v = max(values[i] or 0.0, 0.0)
        yy = top + i * row_h
        w = plot_w * v / high
        short = label if len(label) <= 44 else label[:42] + "…"
        parts.append(
            el(
                "text",
                esc(short) + tip(label),
                x=label_w - 8,
                y=yy + 15,
                font_size=12,
                fill=INK,
                text_anchor="end",
            )
        )
        parts.append(
            el(
                "rect",
                tip(f"{label}: {fmt(v)}"),
                x=float(label_w),
                y=yy + 3,
                width=max(w, 1.0),
                height=row_h - 7,
                rx=2,
                fill=colors[i],
            )
        )
        note = el("tspan", esc(f"  {notes[i]}"), fill=MUTED) if notes and notes[i] else ""
        parts.append(
            el("text", esc(fmt(v)) + note, x=label_w + w + 6, y=yy + 15, font_size=11.5, fill=INK)
        )
    height = top + row_h * len(labels) + 4
    leg, leg_h = _legend(legend or Legend(), width, height + 4)
    return _svg(width, height + leg_h + 4, title, "".join(parts) + leg)


@dataclass(frozen=True)
class Point:
    """One point of a point/line series."""

    x: float
    y: float
    label: str = ""


@dataclass(frozen=True)
class PointSeries:
    """Points drawn joined by a line (`line=True`) or as labelled markers."""

    name: str
    points: Sequence[Point]
    color: str
    line: bool = True
    marker: str = "circle"


def xy_chart(
    title: str,
    series: Sequence[PointSeries],
    x_range: tuple[float, float],
    y_max: float,
    fmt: Fmt = lambda v: f"{v:g}",
    unit: str = "",
    width: int = 860,
    height: int = 280,
    note: str = "",
) -> str:
    """Points and lines on a year axis (x) and a value axis from 0 (y); a note across the plot."""
    ticks = nice_ticks(y_max)
    left, right, top, bottom = 52.0, 24.0, 20.0, 26.0
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = x_range

    def sx(v: float) -> float:
        return left + plot_w * (v - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return top + plot_h * (1 - v / ticks[-1])

    parts: list[str] = []
    for t in ticks:
        parts.append(el("line", x1=left, x2=width - right, y1=sy(t), y2=sy(t), stroke=GRID))
        parts.append(_text(left - 8, sy(t) + 4, fmt(t), text_anchor="end"))
    step = max(1, round((x1 - x0) / 12))
    for year in range(math.ceil(x0), math.floor(x1) + 1, step):
        parts.append(_text(sx(year), height - 8, str(year), text_anchor="middle"))
    if unit:
        parts.append(_text(4, top - 8, unit))
    if note:
        parts.append(_text(left + plot_w / 2, top + plot_h * 0.3, note, 13, text_anchor="middle"))
    legend = Legend()
    for s in series:
        legend.add(s.name, s.color, "line" if s.line else s.marker)
        pts = sorted(s.points, key=lambda p: p.x)
        if s.line and len(pts) > 1:
            d = " ".join(
                f"{'M' if i == 0 else 'L'}{sx(p.x):.1f} {sy(p.y):.1f}" for i, p in enumerate(pts)
            )
            parts.append(el("path", d=d, fill="none", stroke=s.color, stroke_width=2.5))
        for p in pts:
            cx, cy = sx(p.x), sy(p.y)
            mark = _marker(s.marker, cx, cy, s.color, 7.0 if s.marker == "diamond" else 6.0)
            label = f"{s.name} {p.x:g}: {fmt(p.y)}{' — ' + p.label if p.label else ''}"
            parts.append(el("g", mark + tip(label)))
            if not s.line:
                parts.append(
                    _text(cx, cy - 12, fmt(p.y), 11.5, INK, text_anchor="middle", font_weight=600)
                )
    parts.append(el("line", x1=left, x2=width - right, y1=sy(0), y2=sy(0), stroke=MUTED))
    leg, leg_h = _legend(legend, width, height + 4)
    return _svg(width, height + leg_h + 4, title, "".join(parts) + leg)


def signed_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Fmt = lambda v: f"{v:+.1f}",
    unit: str = "",
    width: int = 860,
    height: int = 260,
) -> str:
    """Side-by-side bars (one per series) that may be negative, about a zero line."""
    values = [v for s in series for v in s.values if v is not None]
    if not categories or not values:
        return empty_chart(title, "No figures to chart yet", width)
    hi_ticks = nice_ticks(max(max(values), 0.0)) if max(values) > 0 else [0.0]
    lo_ticks = nice_ticks(-min(min(values), 0.0)) if min(values) < 0 else [0.0]
    step = max(hi_ticks[1] if len(hi_ticks) > 1 else 0, lo_ticks[1] if len(lo_ticks) > 1 else 0)
    hi = math.ceil(max(max(values), 0.0) / step - 1e-9) * step
    lo = -math.ceil(-min(min(values), 0.0) / step - 1e-9) * step
    left, right, top, bottom = 52.0, 12.0, 18.0, 26.0
    plot_h, plot_w = height - top - bottom, width - left - right

    def y(v: float) -> float:
        return top + plot_h * (hi - v) / (hi - lo)

    parts: list[str] = []
    t = lo
    while t <= hi + 1e-9:
        parts.append(el("line", x1=left, x2=width - right, y1=y(t), y2=y(t), stroke=GRID))
        parts.append(_text(left - 8, y(t) + 4, f"{t:g}", text_anchor="end"))
        t += step
    if unit:
        parts.append(_text(4, top - 6, unit))
    legend = Legend()
    slot = plot_w / len(categories)
    bar_w = min(34.0, slot * 0.8 / len(series))
    for i, cat in enumerate(categories):
        x0 = left + slot * i + (slot - bar_w * len(series)) / 2
        for si, s in enumerate(series):
            legend.add(s.name, s.color)
            v = s.values[i]
            if v is None:
                continue
            bx = x0 + si * bar_w
            y0, y1 = sorted((y(0), y(v)))
            parts.append(
                el(
                    "rect",
                    tip(f"{cat} · {s.name}: {fmt(v)}"),
                    x=bx + 1,
                    y=y0,
                    width=bar_w - 2,
                    height=max(y1 - y0, 0.5),
                    fill=s.color,
                )
            )
            ty = y(v) - 4 if v >= 0 else y(v) + 12
            parts.append(_text(bx + bar_w / 2, ty, fmt(v), 10, INK, text_anchor="middle"))
        parts.append(
            _text(
                left + slot * (i + 0.5),
                height - 8,
                cat,
                12,
                INK,
                text_anchor="middle",
                font_weight=600,
            )
        )
    parts.append(el("line", x1=left, x2=width - right, y1=y(0), y2=y(0), stroke=MUTED))
    leg, leg_h = _legend(legend, width, height + 4)
    return _svg(width, height + leg_h + 4, title, "".join(parts) + leg)
