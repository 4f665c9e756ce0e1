"""Bar charts drawn on the server as inline SVG: no script, readable in print and by screen readers.

Each chart is an image (``role="img"``) named by its ``<title>`` and described by its ``<desc>``;
the table printed under it is its text alternative. Colours are presentation attributes (the
strict CSP allows no ``style``); the stylesheet recolours them from the theme through classes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .tables import EUR, FigureTable

WIDTH = 720
FONT = 13
SMALL = 11
TEXT_COLOUR = "#1a1a1a"
GRID_COLOUR = "#c5c7c9"
# Fallback colours by measure; the stylesheet's .oc-fill-<measure> classes override them.
FILLS = {
    "activities": "#0b4f8a",
    "planned": "#a9b4bf",
    "budget": "#5c6f82",
    "allocated": "#a9b4bf",
    "committed": "#7fb2e5",
    "disbursed": "#0b4f8a",
}
MAX_LABEL = 70


@dataclass(frozen=True)
class Series:
    """One set of bars: a measure's values, one per category."""

    measure: str
    label: str
    values: tuple[Decimal | int, ...]


def _number(value: Decimal | int | float) -> str:
    """Write a value on a chart: whole units, grouped thousands."""
    return number_format(round(value), 0, force_grouping=True)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _open_svg(chart_id: str, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg class="oc-chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {math.ceil(height)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-size="{FONT}" fill="{TEXT_COLOUR}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]


def _legend(series: Sequence[Series], y: float) -> list[str]:
    parts, x = [], 0.0
    for item in series:
        parts.append(
            f'<rect class="oc-fill-{item.measure}" x="{x:.1f}" y="{y:.1f}" width="12" height="12" '
            f'fill="{FILLS[item.measure]}"/>'
            f'<text x="{x + 17:.1f}" y="{y + 11:.1f}">{escape(item.label)}</text>'
        )
        x += 17 + len(item.label) * FONT * 0.55 + 18
    return parts


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> SafeString:
    """Draw horizontal bars, one group per category, each category's label above its bars."""
    bar, gap, label_height, group_gap = 14, 2, 18, 12
    top = 30
    group = label_height + len(series) * (bar + gap) + group_gap
    height = top + group * len(categories)
    largest = max((v for s in series for v in s.values), default=0) or 1
    room = WIDTH - 110  # leave space after the longest bar for its value
    parts = _open_svg(chart_id, height, title, description)
    parts += _legend(series, 0)
    for i, category in enumerate(categories):
        y = top + i * group
        parts.append(f'<text x="0" y="{y + FONT:.1f}">{escape(_short(category))}</text>')
        for j, item in enumerate(series):
            value = item.values[i]
            length = float(value) / float(largest) * room
            by = y + label_height + j * (bar + gap)
            parts.append(
                f'<rect class="oc-fill-{item.measure}" x="0" y="{by:.1f}" '
                f'width="{max(length, 0.5):.1f}" height="{bar}" fill="{FILLS[item.measure]}"/>'
                f'<text x="{length + 4:.1f}" y="{by + bar - 3:.1f}" font-size="{SMALL}">'
                f"{escape(_number(value))}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _nice_step(largest: float, ticks: int = 4) -> float:
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> SafeString:
    """Draw vertical columns, one group per category (years), with a labelled value axis."""
    height, top, bottom, left = 360, 34, 24, 92
    plot_height = height - top - bottom
    largest = float(max((v for s in series for v in s.values), default=0)) or 1.0
    step = _nice_step(largest)
    scale_max = step * math.ceil(largest / step)
    parts = _open_svg(chart_id, height, title, description)
    parts += _legend(series, 0)
    tick = 0.0
    while tick <= scale_max + step / 2:
        y = top + plot_height - tick / scale_max * plot_height
        parts.append(
            f'<line x1="{left}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID_COLOUR}" '
            f'stroke-width="1"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="{SMALL}">{escape(_number(tick))}</text>'
        )
        tick += step
    group = (WIDTH - left) / max(len(categories), 1)
    bar = min(16.0, group * 0.8 / max(len(series), 1))
    for i, category in enumerate(categories):
        x0 = left + i * group + (group - bar * len(series)) / 2
        for j, item in enumerate(series):
            value = float(item.values[i])
            h = value / scale_max * plot_height
            parts.append(
                f'<rect class="oc-fill-{item.measure}" x="{x0 + j * bar:.1f}" '
                f'y="{top + plot_height - h:.1f}" width="{bar:.1f}" height="{max(h, 0):.1f}" '
                f'fill="{FILLS[item.measure]}"><title>{escape(category)} – {escape(item.label)}: '
                f"{escape(_number(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{left + (i + 0.5) * group:.1f}" y="{height - 6}" text-anchor="middle" '
            f'font-size="{SMALL}">{escape(category)}</text>'
        )
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
            "Column chart of %(title)s, %(unit)s, from %(first)s to %(last)s. "
            "The table below gives the figures."
        ) % {"title": table.title, "unit": unit, "first": rows[0].label, "last": rows[-1].label}
        return column_chart(
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
