"""The audit log in the console: supervisors and admins read their organisation's log, superusers all of it.

Views only parse, authorise and delegate: who may read the log and which rows
they see is audit.actions' (may_read_audit_log, audit_events_for). Reading the
log is itself written to the log (AUDIT_VIEW) before any row is shown. Nothing
here changes or deletes a row: the page is GET only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.actions import (
    AuditFilters,
    audit_desk_choices,
    audit_staff_choices,
    check_may_read_audit_log,
    describe_filters,
    record,
    search_audit_log,
)
from audit.models import Action
from console.audit_forms import AuditFilterForm, staff_label

# Rows per page.
PAGE_SIZE = 50


@require_GET
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The log, newest first, narrowed by period, action, staff member and desk."""
    reader = check_may_read_audit_log(request.user)
    form = AuditFilterForm(
        request.GET or None, people=list(audit_staff_choices(reader)), desks=list(audit_desk_choices(reader))
    )
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else AuditFilters()
        # Audited before the rows are read (so this reading is the newest row, when it matches the filters).
        record(reader, Action.AUDIT_VIEW, desk=filters.desk, detail=describe_filters(filters))
        page = Paginator(search_audit_log(reader, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    events = [(event, staff_label(event.staff)) for event in page] if page is not None else []
    return render(
        request,
        "console/audit_log.html",
        {"staff": reader, "form": form, "page": page, "events": events, "filtered": form.is_bound},
    )
