"""Headers Django's settings do not cover: staff pages kept out of caches, browser features denied.

The security review of issue 9 found staff pages (transcripts in the console,
the brain editor, canned replies, the admin) cacheable by the browser and any
cache between it and us: after logout, the back button or a shared computer's
disk cache still showed them. Clients' pages keep normal caching (they hold no
conversation: it arrives over the socket), and so do static files (/static/ is
no staff area and WhiteNoise answers it before authentication). The middleware
sits right after Django's SecurityMiddleware, so every response, WhiteNoise's
too, passes it on the way out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# The staff's areas, as mounted in kohtaamo/urls.py: the login and second-factor
# pages, the console with its canned replies, the brain editor and the Django admin.
STAFF_PATH_PREFIXES = ("/staff/", "/console/", "/brain/", "/surveys/", "/admin/")

# Browser features the service does not use, denied to our pages and to anything
# they might frame. The camera and the microphone are our own pages' only, for
# calls (issue 14, docs/calls.md); the embed script
# (widget/static/widget/kohtaamo-widget.js) gives its iframe
# `allow="camera; microphone"`, because a framed /embed/ gets only what both the
# embedding page and this header allow.
PERMISSIONS_POLICY = ", ".join(
    [
        *(f"{feature}=(self)" for feature in ("camera", "microphone")),
        *(
            f"{feature}=()"
            for feature in (
                "accelerometer",
                "display-capture",
                "geolocation",
                "gyroscope",
                "hid",
                "magnetometer",
                "midi",
                "payment",
                "publickey-credentials-get",
                "serial",
                "usb",
                "xr-spatial-tracking",
            )
        ),
    ]
)


def is_staff_request(request: HttpRequest) -> bool:
    """A staff area's page, or any page asked for by a logged-in staff member."""
    if request.path_info.startswith(STAFF_PATH_PREFIXES):
        return True
    user = getattr(request, "user", None)  # absent when a middleware answered before authentication
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    """`Cache-Control: no-store` (with the other never-cache headers) on staff pages; `Permissions-Policy` on all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_staff_request(request):
            add_never_cache_headers(response)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
