"""Inline SVG charts for the HTML reports: no scripts, no fonts, no files to fetch.

Each mark carries its numbers in ``data-`` attributes, so a test (or a reader's
tools) can read back exactly what is drawn. Labels stay inside the chart: one that would run past
the right edge is drawn left of its line, one that would run into the legend goes below its line.
Their width is estimated (``CHAR_WIDTH`` per character, generous for a 12px sans-serif font).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 600, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 20, 34, 40
FONT_SIZE, CHAR_WIDTH, GAP = (
    12,
    8.0,
    4,
)  # the labels' size in px (svg.chart's font-size); a width per character above any digit or lower-case letter (DejaVu Sans: 7.6)
ROWS = (TOP + 12, TOP + 26)  # baselines of the labels of vertical lines: where training stopped, where it should have


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]
    kind: str = "student"  # a CSS class: student or reference


@dataclass(frozen=True)
class Marker:
    value: float
    label: str


@dataclass(frozen=True)
class LineChart:
    title: str
    series: tuple[Series, ...]
    threshold: Marker | None = None  # a horizontal line at a y value
    stop: Marker | None = None  # a vertical line at the epoch where training stopped
    bounds: tuple[float, float] = (-math.inf, math.inf)  # the y axis never goes past these
    due: Marker | None = None  # a vertical line at the epoch where training should have stopped


def text_width(text: str) -> float:
    return CHAR_WIDTH * len(text)


def beside(x: float, text: str) -> tuple[float, str]:
    """Where a label of a vertical line at ``x`` goes, and its anchor: right of the line, or left when it would leave the chart."""
    if x + GAP + text_width(text) <= WIDTH - 2:
        return x + GAP, "start"
    return x - GAP, "end"


def above(y: float) -> float:
    """The baseline of a label of a horizontal line at ``y``: above the line, or below it when it would reach into the legend."""
    return y - 5 if y - 5 - FONT_SIZE >= TOP else y + FONT_SIZE + 3


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    return [round(first + i * step, 10) for i in range(int(math.ceil((high - first) / step)) + 1)]


class _Frame:
    def __init__(self, x_count: int, y_low: float, y_high: float):
        self.x_count, self.y_low, self.y_high = x_count, y_low, y_high

    def x(self, epoch: float) -> float:
        inner = WIDTH - LEFT - RIGHT
        return LEFT + inner / 2 if self.x_count <= 1 else LEFT + (epoch - 1) * inner / (self.x_count - 1)

    def y(self, value: float) -> float:
        return TOP + (self.y_high - value) * (HEIGHT - TOP - BOTTOM) / (self.y_high - self.y_low)


def _frame(chart: LineChart) -> tuple[_Frame, list[float]]:
    values = [v for s in chart.series for v in s.values if v is not None and math.isfinite(v)]
    values += [chart.threshold.value] if chart.threshold else []
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = max((high - low) * 0.08, 0.01)
    ticks = nice_ticks(max(low - pad, chart.bounds[0]), min(high + pad, chart.bounds[1]))
    marked = [int(marker.value) for marker in (chart.stop, chart.due) if marker]
    epochs = max([len(s.values) for s in chart.series] + marked + [1])
    return _Frame(epochs, ticks[0], ticks[-1]), ticks


def _axes(frame: _Frame, ticks: list[float]) -> list[str]:
    parts = [f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}"/>']
    for tick in ticks:
        y = frame.y(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    step = max(1, math.ceil(frame.x_count / 12))
    for epoch in range(1, frame.x_count + 1, step):
        parts.append(f'<text class="tick" x="{frame.x(epoch):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{epoch}</text>')
    parts.append(f'<text class="axis-label" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" text-anchor="middle">epoch</text>')
    return parts


def _series(frame: _Frame, series: Series) -> list[str]:
    shown = ",".join("" if v is None else f"{v:.4f}" for v in series.values)
    parts = [f'<g class="series {escape(series.kind)}" data-series="{escape(series.label)}" data-values="{shown}">']
    segment: list[str] = []
    for epoch, value in enumerate((*series.values, None), start=1):
        if value is None or not math.isfinite(value):
            if segment:
                parts.append(f'<polyline points="{" ".join(segment)}"/>')
            segment = []
            continue
        x, y = frame.x(epoch), frame.y(value)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(series.label)}, epoch {epoch}: {value:.4f}</title></circle>')
    return [*parts, "</g>"]


def _markers(frame: _Frame, chart: LineChart) -> list[str]:
    parts = []
    if chart.threshold:
        y = frame.y(chart.threshold.value)
        parts.append(
            f'<g class="threshold" data-value="{chart.threshold.value:g}"><line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
            f'<text x="{LEFT + 6}" y="{above(y):.1f}">{escape(chart.threshold.label)}</text></g>'
        )
    for marker, kind, attribute, row in ((chart.due, "due", "data-due-epoch", ROWS[1]), (chart.stop, "stop", "data-epoch", ROWS[0])):
        if marker:
            x = frame.x(marker.value)
            at, anchor = beside(x, marker.label)
            parts.append(
                f'<g class="{kind}" {attribute}="{marker.value:g}"><line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}"/>'
                f'<text x="{at:.1f}" y="{row}" text-anchor="{anchor}">{escape(marker.label)}</text></g>'
            )
    return parts


def _legend(chart: LineChart) -> list[str]:
    parts, x = [], LEFT
    for series in chart.series:
        parts.append(
            f'<g class="legend {escape(series.kind)}"><line x1="{x}" y1="14" x2="{x + 22}" y2="14"/><text x="{x + 28}" y="18">{escape(series.label)}</text></g>'
        )
        x += 40 + 7 * len(series.label)
    return parts


def line_chart(chart: LineChart) -> str:
    frame, ticks = _frame(chart)
    body = [*_axes(frame, ticks), *_markers(frame, chart)]
    for series in chart.series:
        body += _series(frame, series)
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(chart.title)}" '
        f'data-y-range="{frame.y_low:g},{frame.y_high:g}">\n<title>{escape(chart.title)}</title>\n' + "\n".join([*_legend(chart), *body]) + "\n</svg>"
    )


def bar_chart(title: str, bars: Sequence[tuple[str, int]]) -> str:
    """Vertical bars labelled below, each with its count above it."""
    top = max([count for _, count in bars] + [1])
    inner, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    width = inner / max(len(bars), 1)
    parts = [f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}"/>']
    for index, (label, count) in enumerate(bars):
        x, bar = LEFT + index * width, count / top * height
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-count="{count}">'
            f'<rect x="{x + 3:.1f}" y="{HEIGHT - BOTTOM - bar:.1f}" width="{width - 6:.1f}" height="{bar:.1f}"/>'
            f'<text class="count" x="{x + width / 2:.1f}" y="{HEIGHT - BOTTOM - bar - 4:.1f}" text-anchor="middle">{count}</text>'
            f'<text class="tick" x="{x + width / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text></g>'
        )
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">\n'
        f"<title>{escape(title)}</title>\n" + "\n".join(parts) + "\n</svg>"
    )
