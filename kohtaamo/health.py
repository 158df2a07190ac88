"""GET /health: is the service able to work right now?

For load balancers, monitors and the fault tests. Answers
{"status": "ok"|"degraded", "database": "ok"|"down", "channel_layer": "ok"|"down"|"in-memory"}
with HTTP 200 when everything works and 503 when a part is down. Anonymous,
never cached, and without details that would help an attacker (no host names,
no exception texts: those go to the server's log).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# Seconds each check may take before its part counts as down.
CHECK_TIMEOUT = 1.0


def database_status() -> str:
    """A trivial query (with a statement timeout on PostgreSQL)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL statement_timeout = %s", [int(CHECK_TIMEOUT * 1000)])
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:
        logger.warning("health: database down (%s)", type(exc).__name__)
        # A broken connection is not reused by the next request.
        connection.close_if_unusable_or_obsolete()
        return "down"


async def _ping_redis(url: str) -> None:
    from redis import asyncio as aioredis

    client: Any = aioredis.Redis.from_url(
        url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT, retry_on_timeout=False
    )
    try:
        await asyncio.wait_for(client.ping(), CHECK_TIMEOUT)
    finally:
        await client.aclose()


def channel_layer_status() -> str:
    """Ping Redis with its own short-lived connection (the layer's own connections keep serving)."""
    layer = get_channel_layer()
    layers: dict[str, Any] = settings.CHANNEL_LAYERS
    hosts: list[Any] = layers.get("default", {}).get("CONFIG", {}).get("hosts", [])
    if layer is None or not hosts:
        return "in-memory"
    host = hosts[0]
    url = host if isinstance(host, str) else host.get("address", "")
    try:
        async_to_sync(_ping_redis)(str(url))
        return "ok"
    except Exception as exc:
        logger.warning("health: channel layer down (%s)", type(exc).__name__)
        return "down"


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    parts = {"database": database_status(), "channel_layer": channel_layer_status()}
    ok = all(value != "down" for value in parts.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **parts}, status=200 if ok else 503)
