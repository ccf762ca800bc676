"""The report's charts as SVG strings, inlined in the HTML that WeasyPrint
turns into the PDF and that browsers show in the archive: no JavaScript, no
network. Every number is printed beside its bar and spelled out in the
``<desc>``, so a chart reads in black and white and to a screen reader.

Text uses ``font-family="inherit"`` and ``currentColor``: a browser draws it
in the page's font and colour; WeasyPrint treats inline SVG as an image and
falls back to its default sans-serif and black."""

import hashlib
import math
from xml.sax.saxutils import escape, quoteattr

FONT_SIZE = 13
CHAR_WIDTH = 0.6 * FONT_SIZE  # a typical sans-serif character, to ellipsize labels
GRID_COLOR = "#767676"  # the lightest grey with 4.5:1 contrast on white (WCAG AA)
GRIDLINE_COLOR = "#d0d0d0"


def bar_chart(data: list[tuple[str, int]], *, title: str, description: str, width: int = 640,
              bar_height: int = 22, color: str = "#0b3a6e") -> str:
    """Horizontal bars in the caller's order (e.g. delegations by country):
    label on the left, ellipsized when long, value printed after the bar."""
    label_width = round(width * 0.35)
    value_width = 8 + CHAR_WIDTH * max((len(str(v)) for _, v in data), default=1)
    bar_space = width - label_width - 8 - value_width
    step = bar_height + 6
    height = max(step * len(data), step)
    top = max((value for _, value in data), default=0) or 1
    rows = []
    for index, (label, value) in enumerate(data):
        y = index * step + 3
        middle = y + bar_height / 2
        length = bar_space * value / top
        rows.append(
            f'<g><title>{escape(f"{label}: {value}")}</title>'
            f'<text x="{label_width - 8}" y="{middle:.1f}" text-anchor="end" dominant-baseline="central">'
            f"{escape(_ellipsize(label, label_width - 8))}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f"fill={quoteattr(color)}/>"
            f'<text x="{label_width + length + 6:.1f}" y="{middle:.1f}" dominant-baseline="central">'
            f"{value}</text></g>")
    return svg_document(width, height, title, _describe(description, data), "".join(rows))


def column_chart(data: list[tuple[str, int]], *, title: str, description: str, width: int = 640,
                 height: int = 260, color: str = "#0b3a6e") -> str:
    """Vertical columns in the caller's order (e.g. activity by month): value
    on top of each column, label below, a baseline and a few gridlines."""
    left, top_margin, bottom = 36, 20, 24
    plot_height = height - top_margin - bottom
    baseline = top_margin + plot_height
    ticks = _ticks(max((value for _, value in data), default=0))
    scale = plot_height / ticks[-1]
    parts = []
    for tick in ticks[1:]:
        y = baseline - tick * scale
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRIDLINE_COLOR}"/>'
                     f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="central" '
                     f'fill="{GRID_COLOR}" font-size="{FONT_SIZE - 2}">{tick}</text>')
    slot = (width - left) / max(len(data), 1)
    for index, (label, value) in enumerate(data):
        x = left + index * slot
        column_height = value * scale
        parts.append(
            f'<g><title>{escape(f"{label}: {value}")}</title>'
            f'<rect x="{x + slot * 0.15:.1f}" y="{baseline - column_height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{column_height:.1f}" fill={quoteattr(color)}/>'
            f'<text x="{x + slot / 2:.1f}" y="{baseline - column_height - 5:.1f}" text-anchor="middle">'
            f"{value}</text>"
            f'<text x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle">'
            f"{escape(_ellipsize(label, slot - 2))}</text></g>")
    parts.append(f'<line x1="{left}" x2="{width}" y1="{baseline}" y2="{baseline}" stroke="currentColor"/>')
    return svg_document(width, height, title, _describe(description, data), "".join(parts))


def svg_document(width: float, height: float, title: str, description: str, body: str) -> str:
    """The accessible ``<svg>`` wrapper shared by the charts and the map:
    ``role="img"`` named by its ``<title>`` and ``<desc>``, with ids derived
    from the content so that several charts can share one page and the
    output stays the same from one build to the next. The style shrinks it to
    narrow columns (WeasyPrint, as browsers, then keeps the viewBox's ratio)."""
    key = hashlib.sha1(f"{title}\0{description}\0{body}".encode()).hexdigest()[:10]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:g}" height="{height:g}" '
            f'viewBox="0 0 {width:g} {height:g}" aria-labelledby="chart-{key}-title chart-{key}-desc" '
            f'font-family="inherit" font-size="{FONT_SIZE}" fill="currentColor" '
            f'style="width: 100%; max-width: {width:g}px; height: auto">'
            f'<title id="chart-{key}-title">{escape(title)}</title>'
            f'<desc id="chart-{key}-desc">{escape(description)}</desc>'
            f"{body}</svg>")



def _describe(description: str, data: list[tuple[str, int]]) -> str:
    """The caller's sentence followed by every label and its number."""
    figures = "; ".join(f"{label}: {value}" for label, value in data)
    return f"{description} {figures}." if figures else description


def _ellipsize(label: str, room: float) -> str:
    """Cut ``label`` to fit ``room`` pixels, ending with an ellipsis."""
    fits = max(int(room // CHAR_WIDTH), 1)
    return label if len(label) <= fits else label[:fits - 1].rstrip() + "…"


def _ticks(top: int) -> list[int]:
    """Gridline values from 0 to at least ``top``, on a round step (1, 2 or 5
    times a power of ten), four or five of them."""
    if top <= 0:
        return [0, 1]
    rough = top / 4
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    return list(range(0, math.ceil(top / step) * step + 1, step))
