"""The reach page, its CSV export, and the population upload.

Views only parse, authorise and delegate: who sees which records is the
reports' scope (`stats.reports.report_scope`, through
`stats.reach.records_in_scope`), the figures are `stats.reach.reach`, the
import is `stats.population`. The role is checked against the staff row on
every request; an export and an import are written to the audit log before
the file is sent or the figures are replaced.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Staff
from audit.actions import record
from audit.models import Action
from desks.models import Desk
from stats.forms import PopulationUploadForm, ReachForm
from stats.models import PopulationCount
from stats.population import PopulationFileError, check_population_file, do_import_population, population_year_for
from stats.population import population_years as imported_years
from stats.reach import (
    DIMENSIONS,
    Reach,
    desks_in_scope,
    may_import_population,
    reach,
    records_in_scope,
)
from stats.reach_chart import reach_chart
from stats.reports import report_scope


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    if not isinstance(staff, Staff):
        raise PermissionDenied
    return staff


def reach_staff(request: HttpRequest) -> Staff:
    """The logged-in staff member, if they may read reach (the reports' readers, `report_scope`); else 403."""
    staff = _staff(request)
    report_scope(staff)  # PermissionDenied for everyone else, and for a supervisor at no desk
    return staff


def _reach_for(request: HttpRequest, staff: Staff) -> tuple[ReachForm, Reach | None, dict[str, object]]:
    records = records_in_scope(staff)
    this_year = timezone.localdate().year
    years = sorted(
        {this_year, *records.annotate(y=ExtractYear("started_at")).values_list("y", flat=True).distinct()},
        reverse=True,
    )
    populations = imported_years()
    form = ReachForm(
        request.GET or {"year": this_year}, years=years, desks=desks_in_scope(staff), population_years=populations
    )
    if not form.is_valid():
        return form, None, {}
    year: int = form.cleaned_data["year"]
    zone = timezone.get_current_timezone()
    start, end = dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)
    records = records.filter(started_at__gte=start, started_at__lt=end)
    desk = form.chosen_desk()
    if desk is not None:
        records = records.filter(desk=desk)
    population_year = form.cleaned_data.get("population_year") or population_year_for(year)
    return form, reach(records, population_year), {"year": year, "desk": desk}


@require_GET
@login_required
def reach_page(request: HttpRequest) -> HttpResponse:
    """Each group's share of the clients against its share of the population, for a year and a desk or all."""
    staff = reach_staff(request)
    form, figures, chosen = _reach_for(request, staff)
    charts = {}
    if figures is not None:
        # Audited like the reports page (console.report_views): who looked at which figures, before they are sent.
        _audit_reach(staff, Action.REPORT_VIEW, chosen, figures)
        charts = {
            t.dimension: reach_chart(t, f"chart-{t.dimension}")
            for t in figures.tables
            if t.dimension != "municipality_age"
        }
    return render(
        request,
        "stats/reach.html",
        {
            "staff": staff,
            "form": form,
            "reach": figures,
            "charts": charts,
            "chosen": chosen,
            "scope": _scope_text(staff),
            "may_import": may_import_population(staff),
        },
    )


def _audit_reach(staff: Staff, action: Action, chosen: dict[str, object], figures: Reach, fmt: str = "") -> None:
    """One audit entry for the reach page or its CSV: the year, the desk chosen and the population's year."""
    desk = chosen.get("desk")
    kind = f" {fmt}" if fmt else ""
    record(
        staff,
        action,
        desk=desk if isinstance(desk, Desk) else None,
        detail=f"reach {chosen['year']}{kind}, population {figures.year}",
    )


def _scope_text(staff: Staff) -> str:
    scope = report_scope(staff)
    if scope.regional:
        return _("Contacts of every organisation of the region.")
    if scope.desk_ids is None:
        return _("Contacts of your organisation.")
    return _("Contacts of your desks.")


CSV_HEADER = [
    "table",
    "group",
    "clients",
    "client_share",
    "population",
    "population_share",
    "ratio",
    "under_reached",
]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@require_GET
@login_required
def reach_export(request: HttpRequest) -> HttpResponse:
    """The reach tables as CSV, with the page's small-cell rule; audited before it is sent."""
    staff = reach_staff(request)
    _form, figures, chosen = _reach_for(request, staff)
    if figures is None:
        return redirect("stats:reach")
    _audit_reach(staff, Action.REPORT_EXPORT, chosen, figures, fmt="csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kohtaamo-reach-{chosen["year"]}.csv"'
    response.write("\ufeff")  # a spreadsheet opens UTF-8 with the mark as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(CSV_HEADER)
    for table in figures.tables:
        assert table.dimension in DIMENSIONS
        for row in table.rows:
            writer.writerow(
                [
                    table.dimension,
                    row.label,
                    row.shown,
                    _number(row.client_share),
                    row.population,
                    _number(row.population_share),
                    _number(row.ratio),
                    "yes" if row.under_reached else "",
                ]
            )
        writer.writerow([table.dimension, "not known", table.unknown_shown, "", "", "", "", ""])
        writer.writerow([table.dimension, "elsewhere", table.elsewhere_shown, "", "", "", "", ""])
    return response


@require_http_methods(["GET", "POST"])
@login_required
def population(request: HttpRequest) -> HttpResponse:
    """Import the region's population (any admin or a superuser): upload a CSV, see the years imported."""
    staff = _staff(request)
    if not may_import_population(staff):
        raise PermissionDenied
    form = PopulationUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = check_population_file(upload.read(), form.cleaned_data["year"])
        except PopulationFileError as error:
            problems = error.problems
        else:
            summary = do_import_population(table)
            record(
                staff,
                Action.POPULATION_IMPORT,
                detail=f"{summary.year}: {summary.people} people, {summary.municipalities} municipalities",
            )
            messages.success(
                request,
                _("Imported %(year)s: %(people)s people in %(municipalities)s municipalities.")
                % {"year": summary.year, "people": summary.people, "municipalities": summary.municipalities},
            )
            return redirect("stats:population")
    years = (
        PopulationCount.objects.values("year")
        .annotate(people=Sum("count"), municipalities=Count("municipality", distinct=True))
        .order_by("-year")
    )
    return render(
        request,
        "stats/population.html",
        {"staff": staff, "form": form, "problems": problems, "years": years, "posted": request.method == "POST"},
    )
