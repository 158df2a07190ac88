"""Bar charts drawn on the server as inline SVG: no script, readable at 360 px, with a text alternative.

A chart shows the row totals of one report table, already suppressed: a
hidden total has no bar, only its text ("<5" or "×"). The SVG is an image
(`role="img"`) named by its `<title>` (`aria-labelledby`); the table beside it
holds the same figures as data, so the chart adds nothing a screen reader misses.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from stats.reports import ReportTable, shown_rows

WIDTH = 320
ROW = 34  # label line and bar per row
BAR_TOP = 16
BAR_HEIGHT = 12
LABEL_ROOM = 56  # room right of the longest bar for its figure


def bar_chart(table: ReportTable, title: str) -> SafeString:
    """Horizontal bars of `table`'s row totals, with the figure at each bar's end."""
    rows = [(row.label, row.cells[-1]) for row in shown_rows(table.table)]
    largest = max((cell.value or 0 for _label, cell in rows), default=0) or 1
    height = ROW * len(rows) + 4
    title_id = f"chart-{table.key}-title"
    bars = []
    for i, (label, cell) in enumerate(rows):
        y = i * ROW
        length = 0 if cell.value is None else max(1, round((WIDTH - LABEL_ROOM) * cell.value / largest))
        bars.append(
            (
                y + 12,
                label,
                y + BAR_TOP,
                length,
                length + 4,
                y + BAR_TOP + BAR_HEIGHT - 2,
                cell.text,
            )
        )
    body = format_html_join(
        "",
        '<text x="0" y="{}" class="chart-label">{}</text>'
        '<rect x="0" y="{}" width="{}" height="' + str(BAR_HEIGHT) + '" class="chart-bar"></rect>'
        '<text x="{}" y="{}" class="chart-figure">{}</text>',
        bars,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}">{}</title>{}</svg>',
        WIDTH,
        height,
        title_id,
        title_id,
        title,
        body,
    )
