"""Inline SVG charts for the report page: stacked bars over time and small histograms. Plain
markup, no script: a bar's numbers are in its <title>, which browsers show on hover."""
from __future__ import annotations

from html import escape

from newsbeam.transforms.report.aggregate import OTHER_SERIES, Timeline, bucket_label

# Distinguishable on screen and in grey print (Okabe and Ito's palette for colour blindness).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")
OTHER_COLOUR = "#999999"

_WIDTH, _HEIGHT = 960, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 12, 12, 36
_X_LABELS = 8


def series_colours(names) -> dict[str, str]:
    """A colour per series name, in order; OTHER_SERIES grey."""
    colours, palette = {}, iter(PALETTE)
    for name in names:
        colours[name] = OTHER_COLOUR if name == OTHER_SERIES else next(palette, OTHER_COLOUR)
    return colours


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least `value` (the top of a y axis)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def stacked_bars(timeline: Timeline, colours: dict[str, str], caption: str) -> str:
    """An SVG of one stacked bar per bucket of `timeline`, series bottom up in their order."""
    buckets = len(timeline.starts)
    if not buckets:
        return ""
    top = nice_ceiling(max(2, *timeline.totals))  # 2: no half an item on the axis
    plot_width, plot_height = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    step = plot_width / buckets
    gap = 1 if step > 4 else 0
    parts = [f'<svg class="chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
             f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">']
    for fraction in (0, 0.5, 1):
        y = _TOP + plot_height * (1 - fraction)
        parts.append(f'<line class="grid" x1="{_LEFT}" x2="{_WIDTH - _RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}"/><text class="axis" x="{_LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{_number(top * fraction)}</text>')
    for index, start in enumerate(timeline.starts):
        x, label, base = _LEFT + index * step, bucket_label(start, timeline.unit), 0
        for name, counts in timeline.series.items():
            count = counts[index]
            if not count:
                continue
            height = plot_height * count / top
            y = _TOP + plot_height * (1 - base / top) - height
            parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(step - gap, 0.5):.2f}" '
                         f'height="{height:.2f}" fill="{colours[name]}"><title>'
                         f'{escape(label)} · {escape(name)}: {count}</title></rect>')
            base += count
    every = max(1, -(-buckets // _X_LABELS))
    for index in range(0, buckets, every):
        x = _LEFT + (index + 0.5) * step
        parts.append(f'<text class="axis" x="{x:.1f}" y="{_HEIGHT - _BOTTOM + 16}" '
                     f'text-anchor="middle">'
                     f'{escape(bucket_label(timeline.starts[index], timeline.unit))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(bins: list[int], colour: str, caption: str) -> str:
    """An SVG of `bins` as bars spread over 0..1 (topic confidence), the y axis its maximum."""
    width, height, left, bottom, top_margin = 320, 130, 34, 20, 8
    plot_width, plot_height = width - left - 8, height - bottom - top_margin
    top = nice_ceiling(max(bins) or 1)
    step = plot_width / len(bins)
    parts = [f'<svg class="histogram" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(caption)}" xmlns="http://www.w3.org/2000/svg">',
             f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{top_margin}" '
             f'y2="{top_margin}"/>',
             f'<text class="axis" x="{left - 4}" y="{top_margin + 4}" text-anchor="end">'
             f'{_number(top)}</text>',
             f'<line class="baseline" x1="{left}" x2="{width - 8}" '
             f'y1="{top_margin + plot_height}" y2="{top_margin + plot_height}"/>']
    for index, count in enumerate(bins):
        low, high = index / len(bins), (index + 1) / len(bins)
        bar = plot_height * count / top
        parts.append(f'<rect x="{left + index * step + 1:.1f}" '
                     f'y="{top_margin + plot_height - bar:.1f}" width="{step - 2:.1f}" '
                     f'height="{bar:.1f}" fill="{colour}"><title>{low:.2f}–{high:.2f}: '
                     f'{count}</title></rect>')
    for value in (0, 0.5, 1):
        parts.append(f'<text class="axis" x="{left + plot_width * value:.1f}" '
                     f'y="{height - 5}" text-anchor="middle">{value:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    """An axis label short enough for the margin: 500, 2.5k, 10k, 1M."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"
