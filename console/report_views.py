"""The reports page and its exports: /console/reports/, /console/reports/csv/ and /console/reports/xlsx/.

Views only parse, authorise and delegate: who sees what is
stats.reports.report_scope (supervisors their desks, admins their
organisation, superusers the region; others 403), the figures are
stats.reports.build_report, already suppressed (stats.suppression), and the
files are stats.exports. A desk or organisation outside the scope in the
query answers 404, as a missing one does, before anything is counted. Every
view and export is written to the audit log before it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import Staff
from audit.actions import record
from audit.models import Action
from console.report_forms import ReportForm
from stats.charts import bar_chart
from stats.exports import csv_bytes, period_text, xlsx_bytes
from stats.reports import Report, ReportScope, ReportTable, build_report, report_scope, shown_rows
from stats.suppression import Row, share

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_and_form(request: HttpRequest) -> tuple[Staff, ReportScope, ReportForm]:
    staff = request.user
    if not isinstance(staff, Staff):
        raise PermissionDenied
    scope = report_scope(staff)
    form = ReportForm(request.GET or None, scope=scope)
    if form.is_bound and form.outside_scope():
        raise Http404
    return staff, scope, form


def audit_detail(report: Report, fmt: str = "") -> str:
    """What was counted, for the audit log: the period, the scope and the filters (and the file's format)."""
    f = report.filters
    parts = [
        f"period={f.since.isoformat()}..{f.until.isoformat()}",
        "scope=region" if report.scope.regional else f"scope={','.join(str(o.pk) for o in report.scope.organisations)}",
        f"desks={'all' if report.scope.desk_ids is None else ','.join(str(d) for d in sorted(report.scope.desk_ids))}",
        f"desk={f.desk.pk if f.desk else 'all'}",
        f"medium={f.medium or 'all'}",
    ]
    if f.organisation is not None:
        parts.append(f"organisation={f.organisation.pk}")
    if fmt:
        parts.append(f"format={fmt}")
    return " ".join(parts)


@dataclass(frozen=True)
class ShownRow:
    row: Row
    share: str


@dataclass(frozen=True)
class ShownTable:
    table: ReportTable
    rows: list[ShownRow]
    chart: SafeString


def shown_tables(report: Report) -> list[ShownTable]:
    """Each table with its rows' shares of all contacts (hidden with their cells) and its chart."""
    out = []
    for table in report.tables:
        total = table.table.total
        rows = [
            ShownRow(row, share(row.cells[-1], total.cells[-1]) if total is not None else "")
            for row in shown_rows(table.table)
        ]
        title = _("%(caption)s: a bar chart of the totals in the table below") % {"caption": table.caption}
        chart = bar_chart(table, title)
        out.append(ShownTable(table, rows, chart))
    return out


@require_GET
@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    """The report for the filters (this year so far by default), or the form with its errors."""
    staff, scope, form = _scope_and_form(request)
    report = None
    status = 200
    if not form.is_bound or form.is_valid():
        report = build_report(scope, form.filters())
        record(staff, Action.REPORT_VIEW, detail=audit_detail(report))
    else:
        status = 400
    context = {
        "staff": staff,
        "form": form,
        "scope": scope,
        "report": report,
        "tables": shown_tables(report) if report else [],
        "period": period_text(report) if report else "",
        "query": request.GET.urlencode(),
    }
    return render(request, "console/report.html", context, status=status)


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    staff, scope, form = _scope_and_form(request)
    if form.is_bound and not form.is_valid():
        # The page shows what is wrong; a file of nothing would not.
        return render(
            request,
            "console/report.html",
            {"staff": staff, "form": form, "scope": scope, "report": None, "tables": [], "query": ""},
            status=400,
        )
    report = build_report(scope, form.filters())
    record(staff, Action.REPORT_EXPORT, detail=audit_detail(report, fmt))
    name = f"kohtaamo-report-{report.filters.since.isoformat()}-{report.filters.until.isoformat()}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(csv_bytes(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes(report), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def report_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_GET
@login_required
def report_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")
