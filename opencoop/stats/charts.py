"""Bar charts drawn on the server as inline SVG: no script, readable in print and by screen readers.

Each chart is an image (``role="img"``) named by its ``<title>`` and described by its ``<desc>``;
the table printed under it is its text alternative. Colours are presentation attributes (the
strict CSP allows no ``style``); the stylesheet recolours them from the theme through classes.

The charts have no ``viewBox``: they are never scaled, so their text keeps its size on a phone.
Lengths across are percentages of the chart's width (bars stretch with the screen), lengths down
are pixels; labels and the legend are wrapped to the narrowest chart (``NARROWEST`` pixels, a
320 px screen), so that none overlaps another or is cut at any width.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from opencoop.core.formatting import grouped

from .tables import EUR, FigureTable

#: The width in pixels of the narrowest chart: what a 320 px screen leaves inside the page.
NARROWEST = 280
FONT = 14
SMALL = 12
#: A character's width, at most, in ems: how long a text may be to fit a width.
CHARACTER = 0.6
#: The step from one line of text to the next: a 14 px line's box is 21 px high.
LINE = 21
#: Share of the chart's width (percent) taken by the longest bar: its value is written after it.
BAR_SHARE = 68
# A bar's step (20 px) holds its 12 px value's box (19 px).
BAR, BAR_GAP, GROUP_GAP = 16, 4, 14
MAX_LINES = 3
TEXT_COLOUR = "#1a1a1a"
# Fallback colours by measure; the stylesheet's .oc-fill-<measure> classes override them.
FILLS = {
    "activities": "#0b4f8a",
    "planned": "#a9b4bf",
    "budget": "#5c6f82",
    "allocated": "#a9b4bf",
    "committed": "#7fb2e5",
    "disbursed": "#0b4f8a",
}


@dataclass(frozen=True)
class Series:
    """One set of bars: a measure's values, one per category."""

    measure: str
    label: str
    values: tuple[Decimal | int, ...]


def _number(value: Decimal | int | float) -> str:
    """Write a value on a chart: whole units, grouped thousands."""
    return grouped(round(value), 0)


def text_width(text: str, size: int = FONT) -> float:
    """Return the most pixels ``text`` takes at ``size`` pixels."""
    return len(text) * size * CHARACTER


def wrap(label: str, width: float = NARROWEST, size: int = FONT) -> list[str]:
    """Break a label into lines that fit ``width`` pixels; the third line ends the label (…)."""
    columns = max(int(width // (size * CHARACTER)), 1)
    lines = textwrap.wrap(label, columns, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > MAX_LINES:
        last = lines[MAX_LINES - 1]
        lines = [*lines[: MAX_LINES - 1], last[: columns - 1].rstrip() + "…"]
    return lines


def _text(x: str, y: float, lines: list[str], size: int = FONT) -> str:
    """Return one ``<text>`` of one or more lines, the first line's baseline at ``y``."""
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text y="{y:.0f}" font-size="{size}">{spans}</text>'


def _open_svg(chart_id: str, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg class="oc-chart" id="{escape(chart_id)}" width="100%" height="{height:.0f}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-size="{FONT}" fill="{TEXT_COLOUR}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]


def _legend(series: Sequence[Series]) -> tuple[list[str], float]:
    """Return the legend's keys, as many to a line as fit the narrowest chart, and its height."""
    parts, x, y = [], 0.0, 0.0
    for item in series:
        width = 17 + text_width(item.label)
        if x and x + width > NARROWEST:
            x, y = 0.0, y + LINE + 1
        parts.append(
            f'<rect class="oc-fill-{item.measure}" x="{x:.0f}" y="{y + 6:.0f}" width="12" '
            f'height="12" fill="{FILLS[item.measure]}"/>'
            f'<text x="{x + 17:.0f}" y="{y + 17:.0f}">{escape(item.label)}</text>'
        )
        x += width + 16
    return parts, y + LINE + 3


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> SafeString:
    """Draw horizontal bars, one group per category, each category's label above its bars."""
    largest = float(max((v for s in series for v in s.values), default=0)) or 1.0
    legend, y = _legend(series)
    body = []
    for i, category in enumerate(categories):
        y += GROUP_GAP
        lines = wrap(category)
        body.append(_text("0", y + FONT - 2, lines))
        y += len(lines) * LINE
        for item in series:
            value = item.values[i]
            share = float(value) / largest * BAR_SHARE
            body.append(
                f'<rect class="oc-fill-{item.measure}" x="0" y="{y:.0f}" '
                f'width="{max(share, 0.1):.2f}%" height="{BAR}" fill="{FILLS[item.measure]}"/>'
                f'<text x="{share:.2f}%" dx="4" y="{y + BAR - 3:.0f}" font-size="{SMALL}">'
                f"{escape(_number(value))}</text>"
            )
            y += BAR + BAR_GAP
    parts = _open_svg(chart_id, y + 4, title, description)
    parts += legend + body
    parts.append("</svg>")
    return mark_safe("".join(parts))


def chart_for(table: FigureTable, limit: int = 12) -> SafeString:
    """Draw a table's euro amounts (its counts when it has no euro amounts); "" if nothing."""
    columns = [
        (i, c)
        for i, c in enumerate(table.columns)
        if c.currency == EUR and c.measure != "allocated"
    ]
    unit = _("amounts in euros")
    if not any(row.values[i] for row in table.rows for i, _c in columns):
        columns = [(i, c) for i, c in enumerate(table.columns) if c.measure == "activities"]
        unit = _("number of activities")
    rows = [row for row in table.rows if any(row.values[i] for i, _c in columns)]
    if not rows:
        return mark_safe("")
    chart_id = f"chart-{table.slug}"
    if table.slug == "by-year":
        series = [
            Series(c.measure, c.label, tuple(row.values[i] for row in rows)) for i, c in columns
        ]
        description = _(
            "Bar chart of %(title)s, %(unit)s, year by year from %(first)s to %(last)s. "
            "The table below gives the figures."
        ) % {"title": table.title, "unit": unit, "first": rows[0].label, "last": rows[-1].label}
        return bar_chart(
            chart_id=chart_id,
            title=f"{table.title} ({unit})",
            description=description,
            categories=[row.label for row in rows],
            series=series,
        )
    shown = rows[:limit]
    # Two bars per category at most: committed and disbursed (or the count).
    columns = [(i, c) for i, c in columns if c.measure in ("committed", "disbursed", "activities")]
    series = [Series(c.measure, c.label, tuple(row.values[i] for row in shown)) for i, c in columns]
    if len(shown) < len(rows):
        extent = _("the %(shown)d largest of %(total)d") % {"shown": len(shown), "total": len(rows)}
    else:
        extent = _("all %(total)d") % {"total": len(rows)}
    description = _(
        "Bar chart of %(title)s, %(unit)s: %(extent)s. The table below gives all the figures."
    ) % {"title": table.title.lower(), "unit": unit, "extent": extent}
    return bar_chart(
        chart_id=chart_id,
        title=f"{table.title} ({unit})",
        description=description,
        categories=[row.label for row in shown],
        series=series,
    )
