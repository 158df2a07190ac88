"""ASGI entry point: HTTP through Django, WebSockets through the protocol consumers."""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kohtaamo.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from conversations.actions import call_presence  # noqa: E402
from media.http import UploadBodyLimit  # noqa: E402
from realtime.capacity import ConnectionCap  # noqa: E402
from realtime.origins import OriginCheck  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# Outermost, so that a socket over the cap costs neither a session read nor an origin check.
connection_cap = ConnectionCap(OriginCheck(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))))


class StartCallPresence:
    """Start this process's call presence beat with its first request or socket (conversations.actions.call_presence).

    Before any party is back, so that a call whose parties died with an earlier
    process ends as lost even if nobody returns to it.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        call_presence.start()  # once per process: later calls only read a flag
        await self.app(scope, receive, send)


# Uploads' bodies are bounded before Django reads them into a temporary file (issue 14).
application = StartCallPresence(
    ProtocolTypeRouter({"http": UploadBodyLimit(django_asgi_app), "websocket": connection_cap})
)
