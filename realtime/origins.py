"""Which web origins may open WebSockets.

The client socket is opened by our own pages (the widget runs in an iframe served
from here), and the staff socket only by the console; so the allowed origins are
our own hosts. A socket from another origin (cross-site WebSocket hijacking of a
staff session) is refused.
"""

from __future__ import annotations

from django.conf import settings


def allowed_ws_origins() -> list[str]:
    origins = list(settings.ALLOWED_HOSTS)
    # Full origins from CSRF_TRUSTED_ORIGINS (https://chat.example.fi) are allowed too.
    origins.extend(origin.split("://", 1)[-1] for origin in settings.CSRF_TRUSTED_ORIGINS)
    return origins
