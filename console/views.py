"""The staff console: one page whose script speaks the real-time protocol, and
the management of canned replies."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Staff


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    staff = request.user
    assert isinstance(staff, Staff)
    if not (staff.can_chat or staff.is_superuser):
        return HttpResponseForbidden()
    return render(request, "console/console.html", {"config": {"wsPath": "/ws/staff/", "staffId": staff.pk}})
