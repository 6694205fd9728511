"""Charts drawn on the server as inline SVG: stacked bars, a heat map, horizontal bars.

Why our own: three plain shapes, no JavaScript, nothing fetched from anywhere (a chart library's
default script comes from a CDN), and text in any script (Chinese labels render with the page's
font). Each chart scales to its box (``viewBox`` with ``width: 100%``), so one drawing reads on a
laptop and on a phone; every bar and cell carries a ``<title>`` (the browser's own tooltip) and
the whole chart a ``role="img"`` with its label, and the numbers stay in the page for a
screen reader. Every text that goes in is escaped.
"""

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe

#: Distinct colours for series (colour-blind friendly order, Tableau 10).
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)
FONT = "font-family=\"system-ui, 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif\""


def _svg(width: int, height: int, label: str, body: list[str], css_class: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every text inside was escaped as it was drawn
        f'<svg class="oms-chart {css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label={quoteattr(label)} {FONT} font-size="11">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _nice_max(value: float) -> float:
    """The axis top: ``value`` rounded up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def stacked_bars(
    *, label: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], every: int = 1
) -> SafeString:
    """One bar per category, stacked by series (e.g. one bar a day, one colour a shop), with a
    legend. ``every``: label every n-th category on the axis (30 days do not fit otherwise)."""
    width, height, left, right, top, bottom = 720, 300, 44, 10, 12, 62
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for _name, values in series) for i in range(len(categories))]
    top_value = _nice_max(max(totals, default=0))
    body = []
    for tick in range(5):
        value = top_value * tick / 4
        y = top + plot_h - plot_h * tick / 4
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#666">{value:g}</text>')
    slot = plot_w / max(len(categories), 1)
    bar = max(slot * 0.7, 1)
    for i, category in enumerate(categories):
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        for s, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            h = plot_h * value / top_value
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(f'{category} {name}: {value:g}')}</title></rect>"
            )
        if i % every == 0 or i == len(categories) - 1:
            cx = left + slot * i + slot / 2
            body.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="middle" fill="#666">{escape(category)}</text>'
            )
    body.append(_legend([name for name, _values in series], left, height - 30, width - left - right))
    return _svg(width, height, label, body, "oms-chart-bars")


def _legend(names: Sequence[str], x0: int, y0: int, room: int) -> str:
    parts, x, y = [], x0, y0
    for s, name in enumerate(names):
        step = 22 + 12 * len(name)
        if x + step > x0 + room and x > x0:
            x, y = x0, y + 16
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{y + 9}" fill="#333">{escape(name)}</text>'
        )
        x += step
    return f'<g class="oms-chart-legend">{"".join(parts)}</g>'


def heat_map(
    *, label: str, rows: Sequence[str], columns: Sequence[str], values: Sequence[Sequence[float]], every: int = 1
) -> SafeString:
    """A grid of cells, darker for larger values (e.g. weekdays × hours of the day)."""
    cell_w, cell_h, left, top = 26, 22, 40, 8
    width = left + cell_w * len(columns) + 8
    height = top + cell_h * len(rows) + 22
    peak = max((v for row in values for v in row), default=0) or 1
    body = []
    for r, row_label in enumerate(rows):
        y = top + r * cell_h
        body.append(f'<text x="{left - 6}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" fill="#333">{escape(row_label)}</text>')
        for c, column in enumerate(columns):
            value = values[r][c]
            share = value / peak
            # White to the first palette colour: rgb(78, 121, 167).
            red, green, blue = (round(255 - (255 - v) * share) for v in (78, 121, 167))
            body.append(
                f'<rect x="{left + c * cell_w}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" rx="2" '
                f'fill="rgb({red},{green},{blue})" stroke="#eee"><title>{escape(f"{row_label} {column}: {value:g}")}</title></rect>'
            )
    for c, column in enumerate(columns):
        if c % every == 0:
            x = left + c * cell_w + cell_w / 2
            body.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#666">{escape(column)}</text>')
    return _svg(width, height, label, body, "oms-chart-heat")


def horizontal_bars(*, label: str, items: Sequence[tuple[str, float]], unit: str = "") -> SafeString:
    """One bar per item, longest first as given (e.g. the top exception reasons)."""
    left, right, bar_h, gap = 190, 60, 18, 6
    width = 640
    height = max(len(items), 1) * (bar_h + gap) + 8
    peak = max((value for _label, value in items), default=0) or 1
    body = []
    for i, (item, value) in enumerate(items):
        y = 4 + i * (bar_h + gap)
        w = (width - left - right) * value / peak
        text = item if len(item) <= 16 else item[:15] + "…"
        body.append(
            f'<text x="{left - 6}" y="{y + bar_h - 5}" text-anchor="end" fill="#333">{escape(text)}</text>'
            f'<rect x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{PALETTE[0]}">'
            f"<title>{escape(f'{item}: {value:g}{unit}')}</title></rect>"
            f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 5}" fill="#333">{value:g}{escape(unit)}</text>'
        )
    return _svg(width, height, label, body, "oms-chart-hbars")
