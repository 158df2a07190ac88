"""A report as CSV and XLSX: the same suppressed cells as the page, with the period and scope on top.

Both files are made from the same rows (`report_rows`), so no export can hold
a figure the page hides: a hidden cell is written as its text ("<5" or "×"),
never as a number. The XLSX has the report on one sheet and the ESF+
participant summary on another, each with the header rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from stats.models import Medium
from stats.reports import FigureTable, Report, ReportTable, shown_rows
from stats.suppression import COMPLEMENTARY_TEXT, SMALL_TEXT, Cell

ExportValue = str | int
ExportRow = list[ExportValue]


def period_text(report: Report) -> str:
    f = report.filters
    return f"{f.since.day}.{f.since.month}.{f.since.year}–{f.until.day}.{f.until.month}.{f.until.year}"


def header_rows(report: Report) -> list[ExportRow]:
    """Title, period, scope, filters and the legend: what a reader of a lone file needs to know."""
    f = report.filters
    rows: list[ExportRow] = [
        [_("Kohtaamo: contacts report")],
        [_("Period"), period_text(report)],
        [_("Scope"), report.scope.label()],
    ]
    if f.organisation is not None:
        rows.append([_("Organisation"), f.organisation.name])
    rows.append([_("Desk"), str(f.desk.name) if f.desk else _("All desks")])
    rows.append([_("Contact method"), str(Medium(f.medium).label) if f.medium else _("All contact methods")])
    rows.append([_("Made"), timezone.localtime().strftime("%-d.%-m.%Y %H.%M")])
    rows.append([SMALL_TEXT, _("fewer than 5 contacts")])
    rows.append([COMPLEMENTARY_TEXT, _("hidden so that a number under 5 cannot be worked out from the totals")])
    rows.append([])
    return rows


def table_rows(report: Report, table: ReportTable) -> list[ExportRow]:
    rows: list[ExportRow] = [[table.caption], [table.row_heading, *report.column_labels, _("All")]]
    rows += [[row.label, *(_number(cell) for cell in row.cells)] for row in shown_rows(table.table)]
    if table.table.total is not None:
        rows.append([table.table.total.label, *(_number(cell) for cell in table.table.total.cells)])
    if table.note:
        rows.append([table.note])
    rows.append([])
    return rows


def figure_rows(report: Report, table: FigureTable) -> list[ExportRow]:
    rows: list[ExportRow] = [[table.caption], [table.row_heading, *report.column_labels, _("All")]]
    rows += [[row.label, *(cell.text for cell in row.cells)] for row in table.rows]
    if table.note:
        rows.append([table.note])
    rows.append([])
    return rows


def _number(cell: Cell) -> ExportValue:
    """A published count as a number (a spreadsheet can add it up), a hidden one as its text."""
    return cell.text if cell.value is None else cell.value


def report_rows(report: Report) -> list[ExportRow]:
    """The report part: figures, then every table."""
    rows: list[ExportRow] = []
    for figure in report.figures:
        rows += figure_rows(report, figure)
    for table in report.tables:
        rows += table_rows(report, table)
    return rows


def esf_rows(report: Report) -> list[ExportRow]:
    rows: list[ExportRow] = [[_("ESF+ participant summary")], [_("Each contact is counted as a participant.")], []]
    for table in report.esf:
        rows += table_rows(report, table)
    return rows


# A text a spreadsheet would run as a formula (a category named "=HYPERLINK(...)"): written with a quote first.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: ExportValue) -> ExportValue:
    """A cell as written to a file: numbers as they are, text never read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(report: Report) -> bytes:
    """The whole report as one CSV (UTF-8 with a byte-order mark, so that spreadsheets read ä and ö)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in [*header_rows(report), *report_rows(report), *esf_rows(report)]:
        writer.writerow([safe(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(report: Report) -> bytes:
    """The report and the ESF+ participant summary on two sheets, each with the header rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Report")[:31]
    _fill(sheet, [*header_rows(report), *report_rows(report)])
    _fill(book.create_sheet(_("ESF+ participants")[:31]), [*header_rows(report), *esf_rows(report)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(sheet: object, rows: Sequence[ExportRow]) -> None:
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(sheet, Worksheet)
    for row in rows:
        sheet.append([safe(value) for value in row])
        if len(row) == 1:
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 48
