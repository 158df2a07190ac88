"""A cap on the WebSockets one server process holds open, with a clear refusal beyond it.

Each open socket costs the process memory (about 36 KiB idle, docs/performance.md),
a file descriptor and a share of its one event loop and database thread; with no
cap, a flood of sockets (issue 9: 60 clients within their own limits already slowed
everyone) could take a process past what it can serve, and then every party
suffers. Beyond CHAT_MAX_CONNECTIONS_PER_PROCESS the socket is accepted and closed
at once with BUSY_CLOSE_CODE: a browser cannot read the status of a refused
handshake, but it can read a close code, so the page says that the service is very
busy and tries again with its usual backoff (static/kohtaamo/stream.js); behind a
proxy with several processes the next try may land on one with room.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

# The close code of a socket refused because the process is full (docs/protocol.md).
BUSY_CLOSE_CODE = 4503


class ConnectionCap:
    """ASGI middleware counting this process's open WebSockets; refuses those over the cap with BUSY_CLOSE_CODE."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.open = 0
        self.refusing = False  # logged once per overload, not once per refused socket

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        limit: int = settings.CHAT_MAX_CONNECTIONS_PER_PROCESS
        if scope["type"] != "websocket":
            await self.application(scope, receive, send)
            return
        if self.open >= limit:
            if not self.refusing:
                self.refusing = True
                logger.warning("%s WebSockets open, the most this process takes: refusing new ones", self.open)
            await refuse_busy(receive, send)
            return
        if self.refusing and self.open < limit * 0.9:
            self.refusing = False
            logger.warning("%s WebSockets open: taking new ones again", self.open)
        self.open += 1
        try:
            # Returns when the socket has closed (the consumer's whole life).
            await self.application(scope, receive, send)
        finally:
            self.open -= 1


async def refuse_busy(receive: Any, send: Any) -> None:
    """Finish the handshake and close at once with BUSY_CLOSE_CODE: no session, cookie or token is read."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": BUSY_CLOSE_CODE, "reason": "busy"})
