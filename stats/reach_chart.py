"""The reach chart: each group's share of the clients beside its share of the population, drawn as SVG.

Drawn on the server (no script, nothing to load), with a title and a
description that say what the chart shows; the table beside it is the full
text alternative. Hidden cells ("<5", "×") get no bar, only their text.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from stats.reach import ReachTable

# Sizes in the SVG's units: about as many pixels on a 360 px screen, so that the 13-unit text stays legible.
LABEL_WIDTH = 105
BAR_AREA = 150
ROW_HEIGHT = 38
BAR_HEIGHT = 14
VALUE_WIDTH = 50
TOP = 28


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f} %"


def reach_chart(table: ReachTable, chart_id: str) -> SafeString:
    """An SVG bar chart of `table`'s rows (client share, population share), scaled to the largest share."""
    largest = max(
        [row.client_share or 0 for row in table.rows] + [row.population_share or 0 for row in table.rows] + [0.01]
    )
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    height = TOP + ROW_HEIGHT * len(table.rows) + 4
    rows = []
    for index, row in enumerate(table.rows):
        y = TOP + index * ROW_HEIGHT
        client = (row.client_share or 0) / largest * BAR_AREA
        people = (row.population_share or 0) / largest * BAR_AREA
        shown = row.shown if row.clients is None else _percent(row.client_share)
        rows.append(
            (
                LABEL_WIDTH - 6,
                y + 17,
                row.label if len(row.label) <= 16 else row.label[:15] + "…",
                LABEL_WIDTH,
                y + 4,
                f"{client:.1f}",
                BAR_HEIGHT,
                LABEL_WIDTH,
                y + 4 + BAR_HEIGHT,
                f"{people:.1f}",
                BAR_HEIGHT - 2,
                LABEL_WIDTH + max(client, people) + 4,
                y + 15,
                shown,
                LABEL_WIDTH + people + 4,
                y + 30,
                _percent(row.population_share),
            )
        )
    bars = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="chart-clients"/>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="chart-population"/>'
        '<text x="{}" y="{}" class="chart-value">{}</text>'
        '<text x="{}" y="{}" class="chart-value chart-value-population">{}</text>',
        rows,
    )
    under = [row.label for row in table.under_reached]
    description = _("Bars: share of clients (dark) and share of the population (light) in each group.")
    if under:
        description += " " + _("Under-reached: %(groups)s.") % {"groups": ", ".join(under)}
    legend = format_html(
        '<rect x="0" y="4" width="12" height="12" class="chart-clients"/>'
        '<text x="16" y="14" class="chart-legend">{}</text>'
        '<rect x="120" y="4" width="12" height="12" class="chart-population"/>'
        '<text x="136" y="14" class="chart-legend">{}</text>',
        _("Clients"),
        _("Population"),
    )
    return format_html(
        '<svg class="reach-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc"'
        ' preserveAspectRatio="xMinYMin meet"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        chart_id,
        _("%(group)s: clients and population") % {"group": table.title},
        chart_id,
        description,
        legend,
        bars,
    )
