"""GET /health: is the service able to work right now?

For load balancers, monitors and the fault tests. Answers
{"status": "ok"|"degraded", "database": "ok"|"slow"|"down", "channel_layer": "ok"|"down"|"in-memory"}
with HTTP 200 when everything works and 503 when a part is down or does not
answer within CHECK_TIMEOUT. Anonymous, never cached, and without details that
would help an attacker (no host names, no exception texts: those go to the
server's log).

It must answer even when the process is busy (issue 9: under a flood it timed
out, so a monitor could not tell a slow process from a dead one). So the view is
async and waits for nothing that chat work holds: the database check runs in a
thread of its own (HEALTH_EXECUTOR, not Channels' one database thread) on a
connection of its own, opened for the check and closed after it, outside any
transaction (on SQLite the old `atomic()` began an IMMEDIATE transaction, which
queued behind every writer for up to the 10 s busy timeout); and the whole check
is bounded by CHECK_TIMEOUT, after which it answers "slow" instead of hanging.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# Seconds each check may take before its part counts as slow (the database) or down (Redis).
CHECK_TIMEOUT = 1.0

# The health check's own threads: a check stuck on a dead database holds one of
# them, never a thread that chat or page requests need. Two, so that one stuck
# check does not make the next wait for it; a check that finds both busy answers
# "slow" after CHECK_TIMEOUT.
HEALTH_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")


def _private_connection() -> BaseDatabaseWrapper:
    """A new connection to the default database that nothing else uses (closed by the caller)."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    if wrapper.vendor == "postgresql":
        # Give up connecting to an unreachable server soon (libpq counts whole seconds, 2 at least).
        options = {**wrapper.settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
        wrapper.settings_dict = {**wrapper.settings_dict, "OPTIONS": options}
    return wrapper


def database_status() -> str:
    """A trivial query on a private connection (with a statement timeout on PostgreSQL): "ok" or "down"."""
    connection = _private_connection()
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET statement_timeout = %s", [int(CHECK_TIMEOUT * 1000)])
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:
        logger.warning("health: database down (%s)", type(exc).__name__)
        return "down"
    finally:
        try:
            connection.close()
        except Exception:  # a connection that never opened, or broke: nothing to keep
            logger.debug("health: closing the check's connection failed", exc_info=True)


async def database_check() -> str:
    """database_status() in HEALTH_EXECUTOR, or "slow" when it has not answered within CHECK_TIMEOUT."""
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(HEALTH_EXECUTOR, database_status), CHECK_TIMEOUT)
    except TimeoutError:
        logger.warning("health: database slow (no answer in %s s)", CHECK_TIMEOUT)
        return "slow"


async def _ping_redis(url: str) -> None:
    from redis import asyncio as aioredis

    client: Any = aioredis.Redis.from_url(
        url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT, retry_on_timeout=False
    )
    try:
        await asyncio.wait_for(client.ping(), CHECK_TIMEOUT)
    finally:
        await client.aclose()


async def channel_layer_check() -> str:
    """Ping Redis with its own short-lived connection (the layer's own connections keep serving)."""
    layer = get_channel_layer()
    layers: dict[str, Any] = settings.CHANNEL_LAYERS
    hosts: list[Any] = layers.get("default", {}).get("CONFIG", {}).get("hosts", [])
    if layer is None or not hosts:
        return "in-memory"
    host = hosts[0]
    url = host if isinstance(host, str) else host.get("address", "")
    try:
        await _ping_redis(str(url))
        return "ok"
    except Exception as exc:
        logger.warning("health: channel layer down (%s)", type(exc).__name__)
        return "down"


@never_cache
@require_GET
async def health(request: HttpRequest) -> JsonResponse:
    database, channel_layer = await asyncio.gather(database_check(), channel_layer_check())
    parts = {"database": database, "channel_layer": channel_layer}
    ok = all(value not in ("down", "slow") for value in parts.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **parts}, status=200 if ok else 503)
