"""Who is acting, for the audit log: the request's staff member, read only when something is audited."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.changes import acting


class AuditActorMiddleware:
    """Changes made while answering a request are audited as the request's user's (audit.changes).

    Placed after the authentication middleware. Only the user is kept: no
    address, no user agent (docs/security.md).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting(lambda: getattr(request, "user", None)):
            return self.get_response(request)
